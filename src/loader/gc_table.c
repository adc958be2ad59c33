/* The host side of the collector's wire format (docs/protocol.md section 16): the size of the
 * table a gc request reserves on the device, a request's DeviceArgs fields, the
 * AKL_DEVICE_CACHE_MAX bound every publish carries, and the table read back. Used by the bootstrap
 * (bootstrap.c), which akl_device_gc (gc.c) drives; kept apart from gc.c so that the two do not
 * include each other. */
#include "gc_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cann_fail.h"
#include "errors.h"
#include "log.h"

size_t ldr_gc_table_bytes(void)
{
    return sizeof(akl_gc_table_t) + (size_t)LDR_GC_TABLE_CAP * sizeof(akl_gc_entry_t);
}

void ldr_gc_fill_args(const akl_gc_options_t *opts, uint64_t table_addr, akl_device_args_t *args)
{
    args->flags = AKL_BOOT_FLAG_GC;
    args->gc_keep = opts->keep;
    args->gc_max_bytes = opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : opts->max_bytes;
    args->gc_min_age_s = opts->min_age_s;
    args->gc_flags = (opts->dry_run ? AKL_GC_FLAG_DRY_RUN : 0) |
                     (opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : AKL_GC_FLAG_BOUND);
    args->gc_table_cap = LDR_GC_TABLE_CAP;
    args->gc_table_addr = table_addr;
}

/* Decimal bytes with an optional K, M or G suffix (powers of 1024). */
static int ldr_gc_parse_bytes(const char *text, uint64_t *out)
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

uint64_t ldr_device_cache_max(void)
{
    const char *text = getenv("AKL_DEVICE_CACHE_MAX");
    if (text == NULL || text[0] == '\0')
        return AKL_DEFAULT_DEVICE_CACHE_MAX;
    uint64_t bytes;
    if (ldr_gc_parse_bytes(text, &bytes) == 0)
        return bytes;
    ldr_log(LDR_LOG_WARN,
            "AKL_DEVICE_CACHE_MAX=\"%.40s\" is not a byte count (digits, optional K, M or G): "
            "using the default, %llu bytes",
            text, (unsigned long long)AKL_DEFAULT_DEVICE_CACHE_MAX);
    return AKL_DEFAULT_DEVICE_CACHE_MAX;
}

void ldr_gc_fill_publish_bound(akl_device_args_t *args)
{
    uint64_t bound = ldr_device_cache_max();
    args->gc_max_bytes = bound;
    args->gc_flags = bound != 0 ? AKL_GC_FLAG_BOUND : 0;
}

int ldr_gc_read_table(const ldr_runtime_t *rt, const void *table, const akl_bootstrap_ack_t *ack,
                      akl_gc_result_t *result)
{
    akl_gc_table_t head;
    aclError rc = rt->memcpy(&head, sizeof head, table, sizeof head, ACL_MEMCPY_DEVICE_TO_HOST);
    if (rc != ACL_SUCCESS)
        return ldr_fail_cann(rc, "collecting: reading the device's result table back failed");
    size_t count = head.entries <= LDR_GC_TABLE_CAP ? head.entries : LDR_GC_TABLE_CAP;
    akl_gc_entry_t *entries = count ? malloc(count * sizeof *entries) : NULL;
    result->files = count ? calloc(count, sizeof *result->files) : NULL;
    if (count && (!entries || !result->files)) {
        free(entries);
        free(result->files);
        result->files = NULL;
        return ldr_fail(AKL_ENOMEM, "collecting: no memory for %zu result entries", count);
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
        return ldr_fail_cann(rc, "collecting: reading the device's result entries back failed");
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
