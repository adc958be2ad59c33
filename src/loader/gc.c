/* akl_device_gc: the collector runs on the device, inside akl's dispatcher, reached by the same
 * KFC launch a load bootstraps with (bootstrap.c) but with AKL_BOOT_FLAG_GC, the prefix in
 * target_name and the rule in DeviceArgs 272..311. The dispatcher writes what it did into a table
 * placed where a load's runtime SO would be, which the bootstrap reads back (gc_table.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "errors.h"
#include "names.h"
#include "runtime.h"

#define LDR_GC_DEFAULT_TIMEOUT_MS 60000

static int ldr_gc_check_args(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (!opts || !result)
        return ldr_fail(AKL_EINVAL, "akl_device_gc: %s is NULL", opts ? "result" : "opts");
    if (opts->size < sizeof *opts)
        return ldr_fail(AKL_EINVAL, "akl_device_gc: opts->size is %zu, at least %zu expected",
                        opts->size, sizeof *opts);
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_device_gc: device %" PRId32 " is negative", device);
    return 0;
}

int akl_device_gc(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    int rc = ldr_gc_check_args(device, opts, result);
    const ldr_runtime_t *rt = NULL;
    if (rc == 0)
        rc = ldr_runtime_get(&rt);
    if (rc != 0)
        return rc;
    const char *prefix = ldr_effective_prefix(opts->prefix);
    char name[AKL_SO_NAME_MAX + 1];
    /* The prefix must make valid device names: the same check a load makes. */
    rc = akl_basename(prefix, 0, device, name, sizeof name);
    if (rc != 0)
        return rc;
    rc = ldr_runtime_require_device(rt, device, "collecting prefix \"%s\"", prefix);
    if (rc != 0)
        return rc;
    char what[160];
    snprintf(what, sizeof what, "the collector of prefix \"%s\"", prefix);
    ldr_boot_request_t req = {.rt = rt,
                              .device = device,
                              .basename = prefix,
                              .what = what,
                              .timeout_ms = opts->timeout_ms == 0 ? LDR_GC_DEFAULT_TIMEOUT_MS
                                                                  : opts->timeout_ms,
                              .route = AKL_ROUTE_EXTEND,
                              .gc = opts,
                              .gc_result = result};
    akl_module_t scratch = {0}; /* a gc fills no module */
    return ldr_bootstrap(&req, &scratch);
}

void akl_gc_result_free(akl_gc_result_t *result)
{
    if (!result)
        return;
    free(result->files);
    result->files = NULL;
    result->count = 0;
}

const char *akl_gc_state_name(akl_gc_state_t state)
{
    static const char *const names[] = {[AKL_GC_KEPT] = "kept",
                                        [AKL_GC_REMOVED] = "removed",
                                        [AKL_GC_WOULD_REMOVE] = "would_remove",
                                        [AKL_GC_IN_USE] = "in_use",
                                        [AKL_GC_TOO_YOUNG] = "too_young",
                                        [AKL_GC_FAILED] = "failed"};
    const char *name = (unsigned)state < sizeof names / sizeof names[0] ? names[state] : NULL;
    return name ? name : "unknown";
}
