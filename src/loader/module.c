/* akl_module_load_file / akl_module_load_data / akl_module_info / akl_module_unload: validate the
 * bytes, fingerprint them, name them, and let the process cache decide whether a bootstrap is
 * needed; and notice a module whose device file has gone. */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "cache.h"
#include "device_failure.h"
#include "custom.h"
#include "elf_check.h"
#include "errors.h"
#include "exports.h"
#include "file_io.h"
#include "log.h"
#include "module.h"
#include "options.h"
#include "route.h"
#include "runtime.h"
#include "unresolved.h"

/* The device a load names must be the calling thread's current one, on a cache hit as much as for
 * a bootstrap: a module is only ever launched from a thread where its device is current. */
static int akl_load_check_device(const akl_runtime_t *rt, int32_t device, const char *what)
{
    char why[64];
    if (akl_runtime_device_is_current(rt, device, why, sizeof why))
        return 0;
    return akl_fail(AKL_EDEVICE,
                    "loading %s: device %" PRId32 " is not set in this thread; call "
                    "akl_device_open(%" PRId32 ") (%s)",
                    what, device, device, why);
}

/* auto after the extend route failed for a diagnosed cause: the custom route, and if that fails
 * too, a message with both causes. */
static int akl_load_fall_back(const akl_boot_request_t *req, akl_module_t *module, int extend_rc)
{
    char extend_msg[AKL_ERROR_MESSAGE_MAX];
    snprintf(extend_msg, sizeof extend_msg, "%s", akl_last_error());
    akl_log(AKL_LOG_INFO,
            "loading %s on device %" PRId32 ": the extend route cannot work here (%s); "
            "taking the custom route",
            req->what, req->device, akl_errname(extend_rc));
    int rc = akl_custom_load(req, module);
    if (rc == 0)
        return 0;
    char custom_msg[AKL_ERROR_MESSAGE_MAX];
    snprintf(custom_msg, sizeof custom_msg, "%s", akl_last_error());
    /* A runtime without the custom calls makes the extend route's cause the one to fix. */
    return akl_fail(rc == AKL_ENOCUSTOM ? extend_rc : rc,
                    "no route works: extend (%s): %s; custom (%s): %s", akl_errname(extend_rc),
                    extend_msg, akl_errname(rc), custom_msg);
}

/* The cache's bootstrap: the route asked for; auto starts where this device's last success went
 * and falls back from extend to custom only for a diagnosed cause. */
static int akl_load_by_route(const akl_boot_request_t *req, akl_module_t *module)
{
    akl_route_t route = req->route;
    if (route == AKL_ROUTE_AUTO && akl_route_remembered(req->device) == AKL_ROUTE_CUSTOM)
        route = AKL_ROUTE_CUSTOM;
    int rc;
    if (route == AKL_ROUTE_CUSTOM) {
        rc = akl_custom_load(req, module);
    } else {
        rc = akl_bootstrap(req, module);
        if (rc != 0 && route == AKL_ROUTE_AUTO && akl_route_extend_cause_is_diagnosed(rc))
            rc = akl_load_fall_back(req, module, rc);
    }
    if (rc == 0)
        akl_route_remember(req->device, module->route);
    return rc;
}

/* Undefined symbols nothing on the device provides do not fail a load (a kernel may never reach
 * them, and the list is an approximation); they are logged, and only when the log would show them,
 * since listing them reads the host's libraries once per process. */
static void akl_load_warn_unresolved(const akl_boot_request_t *req)
{
    if (!akl_log_enabled(AKL_LOG_WARN))
        return;
    char **names = NULL;
    size_t count = 0;
    if (akl_unresolved_list(req->data, req->size, req->what, &names, &count) != 0 || count == 0) {
        free(names);
        return;
    }
    char list[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    akl_log(AKL_LOG_WARN,
            "loading %s on device %" PRId32 ": %zu undefined symbol%s that nothing on the device "
            "provides: %s; a call that reaches one ends the device's scheduler",
            req->what, req->device, count, count == 1 ? "" : "s", list);
    free(names);
}

/* Runs on a cache miss only: the export table and the source name are built once per module and
 * freed again when the bootstrap fails (a failed entry is discarded by the cache). */
static int akl_cache_boot_callback(void *ctx, akl_module_t *module)
{
    const akl_boot_request_t *req = ctx;
    /* A failure from here on is the bootstrap's, not that of this thread's last kernel. */
    akl_device_note_bootstrap(req->device, req->basename);
    akl_load_warn_unresolved(req);
    akl_exports_t *exports = NULL;
    int rc = akl_exports_build(req->data, req->size, &exports);
    if (rc != 0)
        return rc;
    char *source = strdup(req->what);
    if (!source) {
        akl_exports_free(exports);
        return akl_fail(AKL_ENOMEM, "loading %s: cannot copy its name", req->what);
    }
    rc = akl_load_by_route(req, module);
    if (rc != 0) {
        akl_exports_free(exports);
        free(source);
        return rc;
    }
    module->exports = exports;
    module->source = source;
    return 0;
}

static int akl_load_bytes(int32_t device, const void *data, size_t size, const char *what,
                          const akl_options_t *opts, const akl_runtime_t *rt, akl_module_t **out)
{
    akl_elf_rules_t rules = {
        .machine = rt->machine, .max_size = opts->max_size, .kernels = opts->kernels};
    int rc = akl_elf_validate(data, size, what, &rules);
    if (rc != 0)
        return rc;
    uint64_t fingerprint = akl_fingerprint(data, size);
    char basename[AKL_SO_NAME_MAX + 1];
    rc = akl_basename(opts->prefix, fingerprint, device, basename, sizeof basename);
    if (rc == 0)
        rc = akl_load_check_device(rt, device, what);
    if (rc != 0)
        return rc;
    akl_boot_request_t req = {.rt = rt,
                              .data = data,
                              .size = size,
                              .fingerprint = fingerprint,
                              .device = device,
                              .basename = basename,
                              .what = what,
                              .stream = opts->stream,
                              .timeout_ms = opts->timeout_ms,
                              .route = opts->route};
    bool hit;
    rc = akl_cache_load(fingerprint, device, size, akl_cache_boot_callback, &req, out, &hit);
    if (rc == 0 && hit)
        akl_log(AKL_LOG_DEBUG, "loaded %s on device %" PRId32 " from the process cache (%s)", what,
                device, (*out)->basename);
    return rc;
}

/* Checks shared by both load functions; resolves the runtime and the options. */
static int akl_load_prepare(int32_t device, const akl_load_options_t *opts, akl_module_t **out,
                            const akl_runtime_t **rt, akl_options_t *resolved)
{
    if (!out)
        return akl_fail(AKL_EINVAL, "akl_module_load: out is NULL");
    *out = NULL;
    int rc = akl_runtime_get(rt);
    if (rc != 0)
        return rc;
    if (device < 0)
        return akl_fail(AKL_EDEVICE, "akl_module_load: device %" PRId32 " is negative", device);
    return akl_options_resolve(opts, resolved);
}

int akl_module_load_data(int32_t device, const void *data, size_t size,
                         const akl_load_options_t *opts, akl_module_t **out)
{
    const akl_runtime_t *rt;
    akl_options_t resolved;
    int rc = akl_load_prepare(device, opts, out, &rt, &resolved);
    if (rc != 0)
        return rc;
    if (!data)
        return akl_fail(AKL_EINVAL, "akl_module_load_data: data is NULL (size %zu)", size);
    return akl_load_bytes(device, data, size, "<memory>", &resolved, rt, out);
}

int akl_module_load_file(int32_t device, const char *path, const akl_load_options_t *opts,
                         akl_module_t **out)
{
    const akl_runtime_t *rt;
    akl_options_t resolved;
    int rc = akl_load_prepare(device, opts, out, &rt, &resolved);
    if (rc != 0)
        return rc;
    void *data = NULL;
    size_t size = 0;
    rc = akl_read_file(path, resolved.max_size, &data, &size);
    if (rc == 0)
        rc = akl_load_bytes(device, data, size, path, &resolved, rt, out);
    free(data);
    return rc;
}

const char *akl_boot_outcome_name(akl_boot_outcome_t outcome)
{
    switch (outcome) {
    case AKL_BOOT_WROTE:
        return "wrote";
    case AKL_BOOT_IDENTICAL:
        return "identical";
    case AKL_BOOT_REPLACED:
        return "replaced";
    case AKL_BOOT_UPLOADED:
        return "uploaded";
    }
    return "unknown";
}

int akl_module_info(const akl_module_t *module, akl_module_info_t *info)
{
    if (!module || !info)
        return akl_fail(AKL_EINVAL, "akl_module_info: %s is NULL", module ? "info" : "module");
    info->device = module->device;
    info->fingerprint = module->fingerprint;
    info->basename = module->basename;
    info->device_path = module->device_path;
    info->size = module->size;
    info->outcome = module->outcome;
    info->bootstrap_seconds = module->bootstrap_seconds;
    info->route = module->route;
    return 0;
}

void akl_module_release(akl_module_t *module)
{
    akl_custom_release(module);
    akl_exports_free((akl_exports_t *)module->exports);
    module->exports = NULL;
    free(module->source);
    module->source = NULL;
}

int akl_module_unload(akl_module_t *module)
{
    if (!module)
        return akl_fail(AKL_EINVAL, "akl_module_unload: module is NULL");
    return akl_cache_unload(module);
}

/* The device error code for "cannot open the SO" (CANN's AE_OPEN_SO_FAILED). */
#define AKL_DEVICE_OPEN_SO_FAILED "11002"

/* True when text reports device error code 11002: "errcode 11002" (the simulator) or
 * "errcode:11002" (CANN's host log), case-insensitively, not followed by another digit. */
static bool akl_message_says_so_missing(const char *text)
{
    static const char key[] = "errcode";
    for (const char *at = text; (at = strcasestr(at, key)) != NULL;) {
        at += sizeof key - 1;
        while (*at == ' ' || *at == ':' || *at == '=')
            at++;
        size_t n = sizeof AKL_DEVICE_OPEN_SO_FAILED - 1;
        if (strncmp(at, AKL_DEVICE_OPEN_SO_FAILED, n) == 0 && !isdigit((unsigned char)at[n]))
            return true;
    }
    return false;
}

void akl_module_note_sync_failure(int code)
{
    const akl_runtime_t *rt = akl_runtime_ready();
    if (code != ACL_ERROR_RT_AICPU_EXCEPTION || !rt)
        return;
    const char *recent = akl_runtime_recent_message();
    int32_t device = -1;
    if (!recent || !akl_message_says_so_missing(recent) || rt->get_device(&device) != ACL_SUCCESS)
        return;
    size_t retired = akl_cache_retire_missing(device, recent);
    if (retired > 0)
        akl_log(AKL_LOG_INFO,
                "device %" PRId32 " could not open a published SO (errcode 11002): %zu module(s) "
                "retired from the process cache, the next load publishes again",
                device, retired);
}
