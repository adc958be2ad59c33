/* akl_device_gc: the collector runs on the device, inside akl's dispatcher, reached by the same
 * KFC launch a load bootstraps with (bootstrap.c) but with AKL_BOOT_FLAG_GC, the prefix in
 * target_name and the rule in DeviceArgs 272..311. The dispatcher writes what it did into a table
 * placed where a load's runtime SO would be, read back here. Also the AKL_DEVICE_CACHE_MAX bound
 * that every publish carries to the device. */
#include "gc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "errors.h"
#include "log.h"
#include "names.h"

#define AKL_GC_DEFAULT_TIMEOUT_MS 60000

size_t akl_gc_table_bytes(void)
{
    return sizeof(akl_gc_table_t) + (size_t)AKL_GC_TABLE_CAP * sizeof(akl_gc_entry_t);
}

void akl_gc_fill_args(const akl_gc_options_t *opts, uint64_t table_addr, akl_device_args_t *args)
{
    args->flags = AKL_BOOT_FLAG_GC;
    args->gc_keep = opts->keep;
    args->gc_max_bytes = opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : opts->max_bytes;
    args->gc_min_age_s = opts->min_age_s;
    args->gc_flags = (opts->dry_run ? AKL_GC_FLAG_DRY_RUN : 0) |
                     (opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : AKL_GC_FLAG_BOUND);
    args->gc_table_cap = AKL_GC_TABLE_CAP;
    args->gc_table_addr = table_addr;
}

/* Decimal bytes with an optional K, M or G suffix (powers of 1024). */
static int akl_gc_parse_bytes(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || text[0] == '-' || errno != 0)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift != 0)
        end++;
    if (*end != '\0' || (shift != 0 && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

uint64_t akl_device_cache_max(void)
{
    const char *text = getenv("AKL_DEVICE_CACHE_MAX");
    if (text == NULL || text[0] == '\0')
        return AKL_DEFAULT_DEVICE_CACHE_MAX;
    uint64_t bytes;
    if (akl_gc_parse_bytes(text, &bytes) == 0)
        return bytes;
    akl_log(AKL_LOG_WARN,
            "AKL_DEVICE_CACHE_MAX=\"%.40s\" is not a byte count (digits, optional K, M or G): "
            "using the default, %llu bytes",
            text, (unsigned long long)AKL_DEFAULT_DEVICE_CACHE_MAX);
    return AKL_DEFAULT_DEVICE_CACHE_MAX;
}

void akl_gc_fill_publish_bound(akl_device_args_t *args)
{
    uint64_t bound = akl_device_cache_max();
    args->gc_max_bytes = bound;
    args->gc_flags = bound != 0 ? AKL_GC_FLAG_BOUND : 0;
}

int akl_gc_read_table(const akl_runtime_t *rt, const void *table, const akl_bootstrap_ack_t *ack,
                      akl_gc_result_t *result)
{
    akl_gc_table_t head;
    aclError rc = rt->memcpy(&head, sizeof head, table, sizeof head, ACL_MEMCPY_DEVICE_TO_HOST);
    if (rc != ACL_SUCCESS)
        return akl_fail_cann(rc, "collecting: reading the device's result table back failed");
    size_t count = head.entries <= AKL_GC_TABLE_CAP ? head.entries : AKL_GC_TABLE_CAP;
    akl_gc_entry_t *entries = count ? malloc(count * sizeof *entries) : NULL;
    result->files = count ? calloc(count, sizeof *result->files) : NULL;
    if (count && (!entries || !result->files)) {
        free(entries);
        free(result->files);
        result->files = NULL;
        return akl_fail(AKL_ENOMEM, "collecting: no memory for %zu result entries", count);
    }
    rc = count ? rt->memcpy(entries, count * sizeof *entries, (const char *)table + sizeof head,
                            count * sizeof *entries, ACL_MEMCPY_DEVICE_TO_HOST)
               : ACL_SUCCESS;
    for (size_t i = 0; rc == ACL_SUCCESS && i < count; i++) {
        akl_gc_file_t *f = &result->files[i];
        memcpy(f->name, entries[i].name, sizeof f->name);
        f->name[sizeof f->name - 1] = '\0';
        f->size = entries[i].size;
        f->used_ns = entries[i].used_ns;
        f->state = (akl_gc_state_t)entries[i].state;
        f->err = entries[i].err;
    }
    free(entries);
    if (rc != ACL_SUCCESS) {
        free(result->files);
        result->files = NULL;
        return akl_fail_cann(rc, "collecting: reading the device's result entries back failed");
    }
    result->count = count;
    result->matched = head.matched;
    result->removed_files = head.removed_files;
    result->removed_bytes = head.removed_bytes;
    result->kept_files = head.kept_files;
    result->kept_bytes = head.kept_bytes;
    result->in_use_files = head.in_use_files;
    snprintf(result->directory, sizeof result->directory, "%.*s", (int)sizeof ack->path, ack->path);
    return 0;
}

static int akl_gc_check_args(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (!opts || !result)
        return akl_fail(AKL_EINVAL, "akl_device_gc: %s is NULL", opts ? "result" : "opts");
    if (opts->size < sizeof *opts)
        return akl_fail(AKL_EINVAL, "akl_device_gc: opts->size is %zu, at least %zu expected",
                        opts->size, sizeof *opts);
    if (device < 0)
        return akl_fail(AKL_EDEVICE, "akl_device_gc: device %" PRId32 " is negative", device);
    return 0;
}

int akl_device_gc(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    int rc = akl_gc_check_args(device, opts, result);
    const akl_runtime_t *rt = NULL;
    if (rc == 0)
        rc = akl_runtime_get(&rt);
    if (rc != 0)
        return rc;
    const char *prefix = akl_effective_prefix(opts->prefix);
    char name[AKL_SO_NAME_MAX + 1];
    /* The prefix must make valid device names: the same check a load makes. */
    rc = akl_basename(prefix, 0, device, name, sizeof name);
    if (rc != 0)
        return rc;
    char why[64];
    if (!akl_runtime_device_is_current(rt, device, why, sizeof why))
        return akl_fail(AKL_EDEVICE,
                        "collecting on device %" PRId32 ": it is not set in this thread; call "
                        "akl_device_open(%" PRId32 ") (%s)",
                        device, device, why);
    char what[160];
    snprintf(what, sizeof what, "the collector of prefix \"%s\"", prefix);
    akl_boot_request_t req = {.rt = rt,
                              .device = device,
                              .basename = prefix,
                              .what = what,
                              .timeout_ms = opts->timeout_ms == 0 ? AKL_GC_DEFAULT_TIMEOUT_MS
                                                                  : opts->timeout_ms,
                              .route = AKL_ROUTE_EXTEND,
                              .gc = opts,
                              .gc_result = result};
    akl_module_t scratch;
    memset(&scratch, 0, sizeof scratch);
    return akl_bootstrap(&req, &scratch);
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
    switch (state) {
    case AKL_GC_KEPT:
        return "kept";
    case AKL_GC_REMOVED:
        return "removed";
    case AKL_GC_WOULD_REMOVE:
        return "would_remove";
    case AKL_GC_IN_USE:
        return "in_use";
    case AKL_GC_TOO_YOUNG:
        return "too_young";
    case AKL_GC_FAILED:
        return "failed";
    }
    return "unknown";
}
