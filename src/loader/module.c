/* akl_module_load_file / akl_module_load_data / akl_module_info / akl_module_unload: the public
 * face of the load path (module_load.c), and after a load that published a file, the bound on the
 * device's directory (AKL_DEVICE_CACHE_MAX, gc.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "cache.h"
#include "custom.h"
#include "errors.h"
#include "exports.h"
#include "file_io.h"
#include "gc.h"
#include "launch.h"
#include "module_load.h"
#include "module_types.h"
#include "options.h"
#include "runtime.h"

/* Checks shared by both load functions; resolves the runtime and the options. */
static int ldr_load_prepare(int32_t device, const akl_load_options_t *opts, akl_module_t **out,
                            const ldr_runtime_t **rt, ldr_options_t *resolved)
{
    if (!out)
        return ldr_fail(AKL_EINVAL, "akl_module_load: out is NULL");
    *out = NULL;
    int rc = ldr_runtime_get(rt);
    if (rc != 0)
        return rc;
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_module_load: device %" PRId32 " is negative", device);
    rc = ldr_options_resolve(opts, resolved);
    if (rc == 0 && resolved->cache_hit)
        *resolved->cache_hit = false; /* until a load returns a module from the cache */
    return rc;
}

/* A user's load; when it published a file, the device's directory is bounded again (gc.c: behind
 * the bootstrap on its stream when it can be, and never failing the load). */
static int ldr_load_and_bound(int32_t device, const void *data, size_t size, const char *what,
                              const ldr_options_t *opts, const ldr_runtime_t *rt,
                              akl_module_t **out)
{
    ldr_gc_bound_t bound;
    ldr_gc_bound_init(&bound, rt, opts);
    ldr_options_t with_bound = *opts;
    with_bound.follow = bound.follow.queue ? &bound.follow : NULL;
    bool bootstrapped = false;
    int rc = ldr_load_bytes(device, data, size, what, &with_bound, rt, out, &bootstrapped);
    ldr_gc_bound_finish(&bound, rc == 0 && bootstrapped ? *out : NULL);
    return rc;
}

int akl_module_load_data(int32_t device, const void *data, size_t size,
                         const akl_load_options_t *opts, akl_module_t **out)
{
    const ldr_runtime_t *rt;
    ldr_options_t resolved;
    int rc = ldr_load_prepare(device, opts, out, &rt, &resolved);
    if (rc != 0)
        return rc;
    if (!data)
        return ldr_fail(AKL_EINVAL, "akl_module_load_data: data is NULL (size %zu)", size);
    return ldr_load_and_bound(device, data, size, "<memory>", &resolved, rt, out);
}

int akl_module_load_file(int32_t device, const char *path, const akl_load_options_t *opts,
                         akl_module_t **out)
{
    const ldr_runtime_t *rt;
    ldr_options_t resolved;
    int rc = ldr_load_prepare(device, opts, out, &rt, &resolved);
    if (rc != 0)
        return rc;
    void *data = NULL;
    size_t size = 0;
    bool mapped = false;
    rc = ldr_map_file(path, resolved.max_size, &data, &size, &mapped);
    if (rc == 0)
        rc = ldr_load_and_bound(device, data, size, path, &resolved, rt, out);
    if (data)
        ldr_unmap_file(data, size, mapped);
    return rc;
}

int akl_module_info(const akl_module_t *module, akl_module_info_t *info)
{
    if (!module || !info)
        return ldr_fail(AKL_EINVAL, "akl_module_info: %s is NULL", module ? "info" : "module");
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

/* Frees what a ready module owns (its export table, its custom-route registration and its source
 * name): the cache calls it when the module is unloaded. */
static void ldr_module_release(akl_module_t *module)
{
    ldr_custom_release(module);
    ldr_module_free_kernels(module);
    ldr_exports_free((ldr_exports_t *)module->exports);
    module->exports = NULL;
    free(module->source);
    module->source = NULL;
}

int akl_module_unload(akl_module_t *module)
{
    if (!module)
        return ldr_fail(AKL_EINVAL, "akl_module_unload: module is NULL");
    return ldr_cache_unload(module, ldr_module_release);
}
