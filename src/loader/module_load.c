/* The loader's one load path, below the public akl_module_load_* (module.c) and shared with
 * libakl's own loads (the collector, gc.c): validate the bytes, fingerprint them, name them, and
 * let the process cache decide whether a bootstrap is needed and which route takes it. */
#include "module_load.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "cache.h"
#include "custom.h"
#include "device_failure.h"
#include "elf_check.h"
#include "errors.h"
#include "exports.h"
#include "log.h"
#include "module_types.h"
#include "route.h"
#include "runtime.h"
#include "unresolved.h"

/* The device a load names must be the calling thread's current one, on a cache hit as much as for
 * a bootstrap: a module is only ever launched from a thread where its device is current. */
static int ldr_load_check_device(const ldr_runtime_t *rt, int32_t device, const char *what)
{
    return ldr_runtime_require_device(rt, device, "loading %s", what);
}

/* auto after the extend route failed for a diagnosed cause: the custom route, and if that fails
 * too, a message with both causes. */
static int ldr_load_fall_back(const ldr_boot_request_t *req, akl_module_t *module, int extend_rc)
{
    char extend_msg[LDR_ERROR_MESSAGE_MAX];
    snprintf(extend_msg, sizeof extend_msg, "%s", akl_last_error());
    ldr_log(LDR_LOG_INFO,
            "loading %s on device %" PRId32 ": the extend route cannot work here (%s); "
            "taking the custom route",
            req->what, req->device, akl_errname(extend_rc));
    int rc = ldr_custom_load(req, module);
    if (rc == 0)
        return 0;
    char custom_msg[LDR_ERROR_MESSAGE_MAX];
    snprintf(custom_msg, sizeof custom_msg, "%s", akl_last_error());
    /* A runtime without the custom calls makes the extend route's cause the one to fix. */
    return ldr_fail(rc == AKL_ENOCUSTOM ? extend_rc : rc,
                    "no route works: extend (%s): %s; custom (%s): %s", akl_errname(extend_rc),
                    extend_msg, akl_errname(rc), custom_msg);
}

/* The cache's bootstrap: the route asked for; auto starts where this device's last success went
 * and falls back from extend to custom only for a diagnosed cause. */
static int ldr_load_by_route(const ldr_boot_request_t *req, akl_module_t *module)
{
    akl_route_t route = req->route;
    if (route == AKL_ROUTE_AUTO && ldr_route_remembered(req->device) == AKL_ROUTE_CUSTOM)
        route = AKL_ROUTE_CUSTOM;
    int rc;
    if (route == AKL_ROUTE_CUSTOM) {
        rc = ldr_custom_load(req, module);
    } else {
        rc = ldr_bootstrap(req, module);
        if (rc != 0 && route == AKL_ROUTE_AUTO && ldr_route_extend_cause_is_diagnosed(rc))
            rc = ldr_load_fall_back(req, module, rc);
    }
    if (rc == 0)
        ldr_route_remember(req->device, module->route);
    return rc;
}

/* Undefined symbols nothing on the device provides do not fail a load (a kernel may never reach
 * them, and the list is an approximation); they are logged, and only when the log would show them,
 * since listing them reads the host's libraries once per process. */
static void ldr_load_warn_unresolved(const ldr_boot_request_t *req)
{
    if (!ldr_log_enabled(LDR_LOG_WARN))
        return;
    char **names = NULL;
    size_t count = 0;
    if (ldr_unresolved_list(req->data, req->size, req->what, &names, &count) != 0 || count == 0) {
        free(names);
        return;
    }
    char list[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    ldr_log(LDR_LOG_WARN,
            "loading %s on device %" PRId32 ": %zu undefined symbol%s that nothing on the device "
            "provides: %s; a call that reaches one ends the device's scheduler",
            req->what, req->device, count, count == 1 ? "" : "s", list);
    free(names);
}

/* Runs on a cache miss only: the export table and the source name are built once per module and
 * freed again when the bootstrap fails (a failed entry is discarded by the cache). */
static int ldr_cache_boot_callback(void *ctx, akl_module_t *module)
{
    const ldr_boot_request_t *req = ctx;
    /* A failure from here on is the bootstrap's, not that of this thread's last kernel. */
    ldr_device_note_bootstrap(req->device, req->basename);
    ldr_load_warn_unresolved(req);
    ldr_exports_t *exports = NULL;
    int rc = ldr_exports_build(req->data, req->size, &exports);
    if (rc != 0)
        return rc;
    char *source = strdup(req->what);
    if (!source) {
        ldr_exports_free(exports);
        return ldr_fail(AKL_ENOMEM, "loading %s: cannot copy its name", req->what);
    }
    rc = ldr_load_by_route(req, module);
    if (rc != 0) {
        ldr_exports_free(exports);
        free(source);
        return rc;
    }
    module->exports = exports;
    module->source = source;
    return 0;
}

int ldr_load_bytes(int32_t device, const void *data, size_t size, const char *what,
                   const ldr_options_t *opts, const ldr_runtime_t *rt, akl_module_t **out,
                   bool *bootstrapped)
{
    ldr_elf_rules_t rules = {
        .machine = rt->machine, .max_size = opts->max_size, .kernels = opts->kernels};
    int rc = ldr_elf_validate(data, size, what, &rules);
    if (rc != 0)
        return rc;
    uint64_t fingerprint = akl_fingerprint(data, size);
    char basename[AKL_SO_NAME_MAX + 1];
    rc = akl_basename(opts->prefix, fingerprint, device, basename, sizeof basename);
    if (rc == 0)
        rc = ldr_load_check_device(rt, device, what);
    if (rc != 0)
        return rc;
    ldr_boot_request_t req = {.rt = rt,
                              .data = data,
                              .size = size,
                              .fingerprint = fingerprint,
                              .device = device,
                              .basename = basename,
                              .what = what,
                              .stream = opts->stream,
                              .timeout_ms = opts->timeout_ms,
                              .route = opts->route,
                              .follow = opts->follow};
    bool hit = false;
    rc = opts->own
             ? ldr_cache_load_uncounted(fingerprint, device, size, ldr_cache_boot_callback, &req,
                                        out, &hit)
             : ldr_cache_load(fingerprint, device, size, ldr_cache_boot_callback, &req, out, &hit);
    *bootstrapped = rc == 0 && !hit;
    if (opts->cache_hit)
        *opts->cache_hit = rc == 0 && hit;
    if (rc == 0 && hit)
        ldr_log(LDR_LOG_DEBUG, "loaded %s on device %" PRId32 " from the process cache (%s)", what,
                device, (*out)->basename);
    return rc;
}
