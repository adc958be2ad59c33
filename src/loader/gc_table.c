/* The host side of the collector's wire format (collector_abi.h, docs/protocol.md section 16): the
 * kernel's arguments, the table's size, its header checked and its entries read back, and the
 * AKL_DEVICE_CACHE_MAX bound. gc.c loads and launches the collector with these. */
#include "gc_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cann_fail.h"
#include "errors.h"
#include "log.h"

size_t ldr_gc_table_bytes(uint32_t cap)
{
    return sizeof(akl_gc_table_t) + (size_t)cap * sizeof(akl_gc_entry_t);
}

void ldr_gc_fill_args(const char *prefix, const akl_gc_options_t *opts, uint64_t table_addr,
                      uint32_t cap, akl_collect_args_t *args)
{
    memset(args, 0, sizeof *args);
    args->magic = AKL_COLLECT_MAGIC;
    args->version = AKL_COLLECT_VERSION;
    args->flags = (opts->dry_run ? AKL_GC_FLAG_DRY_RUN : 0) |
                  (opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : AKL_GC_FLAG_BOUND);
    args->keep = opts->keep;
    args->max_bytes = opts->max_bytes == AKL_GC_NO_BYTE_LIMIT ? 0 : opts->max_bytes;
    args->min_age_s = opts->min_age_s;
    args->table_addr = table_addr;
    args->table_cap = cap;
    snprintf(args->prefix, sizeof args->prefix, "%s", prefix);
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

/* An unusable directory (absent, not a directory, not ours to open) is the cause a load would
 * report as AKL_ENOPREINSTALL. */
static bool ldr_gc_dir_unusable(const akl_gc_table_t *head)
{
    int err = head->err;
    return head->stage == AKL_GC_STAGE_DIR &&
           (err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM);
}

static const char *ldr_gc_stage_name(uint32_t stage)
{
    static const char *const names[] = {[AKL_GC_STAGE_ARGS] = "arguments",
                                        [AKL_GC_STAGE_NAME] = "prefix",
                                        [AKL_GC_STAGE_DIR] = "directory",
                                        [AKL_GC_STAGE_COLLECT] = "collect"};
    const char *name = stage < sizeof names / sizeof names[0] ? names[stage] : NULL;
    return name ? name : "unknown";
}

int ldr_gc_check_head(const akl_gc_table_t *head, const char *what, const char *origin)
{
    if (head->magic != AKL_GC_TABLE_MAGIC)
        return ldr_fail(AKL_EBOOTFAILED,
                        "%s: the collector (%s) finished without writing its result table", what,
                        origin);
    if (head->version != AKL_COLLECT_VERSION)
        return ldr_fail(AKL_EVERSION,
                        "%s: the collector (%s) speaks collector protocol version %" PRIu32
                        ", this libakl speaks %u (%.*s); unset AKL_COLLECTOR or point it at the "
                        "akl_collector.so built with this libakl",
                        what, origin, head->version, AKL_COLLECT_VERSION, (int)sizeof head->detail,
                        head->detail);
    if (head->stage == AKL_GC_STAGE_NONE)
        return 0;
    int code = ldr_gc_dir_unusable(head) ? AKL_ENOPREINSTALL : AKL_EBOOTFAILED;
    return ldr_fail(code, "%s: the collector failed at stage %s: %s (errno %d) at \"%.*s\": %.*s",
                    what, ldr_gc_stage_name(head->stage),
                    head->err ? strerror(head->err) : "no errno", (int)head->err,
                    (int)sizeof head->directory, head->directory, (int)sizeof head->detail,
                    head->detail);
}

int ldr_gc_read_entries(const ldr_runtime_t *rt, const akl_gc_table_t *head, const void *entries,
                        akl_gc_result_t *result)
{
    size_t count = head->entries <= LDR_GC_TABLE_CAP ? head->entries : LDR_GC_TABLE_CAP;
    akl_gc_entry_t *copy = count ? malloc(count * sizeof *copy) : NULL;
    result->files = count ? calloc(count, sizeof *result->files) : NULL;
    if (count && (!copy || !result->files)) {
        free(copy);
        free(result->files);
        result->files = NULL;
        return ldr_fail(AKL_ENOMEM, "collecting: no memory for %zu result entries", count);
    }
    aclError rc = count ? rt->memcpy(copy, count * sizeof *copy, entries, count * sizeof *copy,
                                     ACL_MEMCPY_DEVICE_TO_HOST)
                        : ACL_SUCCESS;
    for (size_t i = 0; rc == ACL_SUCCESS && i < count; i++) {
        akl_gc_file_t *f = &result->files[i];
        memcpy(f->name, copy[i].name, sizeof f->name);
        f->name[sizeof f->name - 1] = '\0';
        f->size = copy[i].size;
        f->used_ns = copy[i].used_ns;
        f->state = (akl_gc_state_t)copy[i].state;
        f->err = copy[i].err;
    }
    free(copy);
    if (rc != ACL_SUCCESS) {
        free(result->files);
        result->files = NULL;
        return ldr_fail_cann(rc, "collecting: reading the device's result entries back failed");
    }
    /* Every field from the table (the entries just read), nothing left from before. */
    *result = (akl_gc_result_t){.matched = head->matched,
                                .removed_files = head->removed_files,
                                .removed_bytes = head->removed_bytes,
                                .kept_files = head->kept_files,
                                .kept_bytes = head->kept_bytes,
                                .in_use_files = head->in_use_files,
                                .count = count,
                                .files = result->files};
    snprintf(result->directory, sizeof result->directory, "%.*s", (int)sizeof head->directory,
             head->directory);
    return 0;
}
