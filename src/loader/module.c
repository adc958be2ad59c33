/* akl_module_load_file / akl_module_load_data / akl_module_info: validate the bytes, fingerprint
 * them, name them, and let the process cache decide whether a bootstrap is needed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "cache.h"
#include "elf_check.h"
#include "errors.h"
#include "exports.h"
#include "file_io.h"
#include "log.h"
#include "module.h"
#include "options.h"
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
    rc = akl_bootstrap(req, module);
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
                              .timeout_ms = opts->timeout_ms};
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
    return 0;
}
