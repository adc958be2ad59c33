/* akl_collector.so's one kernel, akl_collect: the collector of akl's published files on the device
 * (akl gc, AKL_DEVICE_CACHE_MAX; docs/protocol.md section 16). libakl loads this SO like any
 * runtime SO (it is published, held and cached as one) and launches akl_collect on one block with
 * an akl_collect_args (collector_abi.h); the kernel collects in the directory the dispatcher
 * publishes into (cmn_preinstall_dir: one derivation for both) and answers in the host's table.
 * Apart from the dispatcher so that the dispatcher, which travels with every first bootstrap, stays
 * small; libc only, as every device object. */
#include "collector_abi.h"
#include "collector_ledger.h"
#include "collector_rule.h"
#include "preinstall_dir.h"
#include "so_name.h"
#include "temps.h"

#include "akl/akl_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Records a failure in the table's header. */
__attribute__((format(printf, 4, 5))) static void
collector_fail(akl_gc_table_t *table, uint32_t stage, int err, const char *fmt, ...)
{
    table->stage = stage;
    table->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(table->detail, sizeof table->detail, fmt, ap);
    va_end(ap);
}

/* Version, flags and prefix; false with the cause in the table. */
static bool collector_args_ok(const akl_collect_args_t *args, akl_gc_table_t *table)
{
    if (args->version != AKL_COLLECT_VERSION) {
        collector_fail(table, AKL_GC_STAGE_ARGS, 0,
                       "collect args version at 8 is %u, this collector speaks %u", args->version,
                       AKL_COLLECT_VERSION);
        return false;
    }
    uint32_t known = AKL_GC_FLAG_DRY_RUN | AKL_GC_FLAG_BOUND;
    if ((args->flags & ~known) != 0) {
        collector_fail(table, AKL_GC_STAGE_ARGS, 0,
                       "collect args flags at 12 are 0x%x, this collector knows 0x%x only",
                       args->flags, known);
        return false;
    }
    size_t len = strnlen(args->prefix, sizeof args->prefix);
    if (len == 0 || len > AKL_SO_NAME_MAX || cmn_so_name_bad_char(args->prefix, len) != len) {
        collector_fail(table, AKL_GC_STAGE_NAME, 0,
                       "prefix at 56 is %s: 1..%d characters of [A-Za-z0-9._-] expected",
                       len == 0                ? "empty"
                       : len > AKL_SO_NAME_MAX ? "unterminated or too long"
                                               : "ill-formed",
                       AKL_SO_NAME_MAX);
        return false;
    }
    return true;
}

/* The directory, opened; -1 with the cause in the table. */
static int collector_open_dir(akl_gc_table_t *table)
{
    char dir[PATH_MAX], why[AKL_ACK_DETAIL_MAX];
    int err = cmn_preinstall_dir(dir, sizeof dir, why, sizeof why);
    if (err != 0) {
        collector_fail(table, AKL_GC_STAGE_DIR, err, "%s", why);
        return -1;
    }
    snprintf(table->directory, sizeof table->directory, "%s", dir);
    int dirfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        collector_fail(table, AKL_GC_STAGE_DIR, errno, "cannot open the preinstall directory");
    return dirfd;
}

static void collector_report(akl_gc_table_t *table, uint32_t cap, const collector_list_t *list,
                             const collector_sum_t *sum)
{
    size_t count = list->n < cap ? list->n : cap;
    if (count > 0)
        memcpy(table->entry, list->v, count * sizeof *list->v);
    table->entries = (uint32_t)count;
    table->matched = list->n > UINT32_MAX ? UINT32_MAX : (uint32_t)list->n;
    table->removed_files = sum->removed_files;
    table->removed_bytes = sum->removed_bytes;
    table->kept_files = sum->kept_files;
    table->kept_bytes = sum->kept_bytes;
    table->in_use_files = sum->in_use_files;
}

/* A bound request names a published file of exactly the prefix (else: a full scan). */
static bool collector_bound_request(const akl_collect_args_t *args)
{
    size_t len = strnlen(args->published, sizeof args->published);
    size_t prefix_len = strlen(args->prefix);
    return (args->flags & (AKL_GC_FLAG_BOUND | AKL_GC_FLAG_DRY_RUN)) == AKL_GC_FLAG_BOUND &&
           len > 0 && len <= AKL_SO_NAME_MAX &&
           cmn_published_prefix_len(args->published) == prefix_len &&
           strncmp(args->published, args->prefix, prefix_len) == 0;
}

/* The full scan and collection; the ledger (if usable) rewritten with the true totals. */
static void collector_scan_and_decide(int dirfd, const akl_collect_args_t *args,
                                      collector_ledger_t *ledger, akl_gc_table_t *table)
{
    collector_list_t list = {0};
    int err = collector_scan(dirfd, args->prefix, &list);
    if (err == 0) {
        collector_rule_t rule = {.keep = args->keep,
                                 .max_bytes = args->max_bytes,
                                 .min_age_s = args->min_age_s,
                                 .flags = args->flags};
        collector_sum_t sum = {0};
        collector_decide(dirfd, &list, &rule, &sum);
        collector_report(table, args->table_cap, &list, &sum);
        bool dry = (args->flags & AKL_GC_FLAG_DRY_RUN) != 0;
        collector_ledger_record(ledger, sum.kept_bytes + (dry ? sum.removed_bytes : 0),
                                sum.kept_files + (dry ? sum.removed_files : 0));
    } else {
        collector_fail(table, AKL_GC_STAGE_COLLECT, err, "cannot list the preinstall directory");
    }
    collector_list_free(&list);
}

/* A request queued behind a bootstrap (ack_addr) applies only if that bootstrap published the file
 * it names: the record is complete (the stream ran the dispatcher first), of this protocol, says
 * WROTE or REPLACED, and its path ends in "/" published. */
static bool collector_bootstrap_published(const akl_collect_args_t *args)
{
    const akl_bootstrap_ack_t *ack = (const akl_bootstrap_ack_t *)(uintptr_t)args->ack_addr;
    if (ack->magic != AKL_ACK_MAGIC || ack->version != AKL_BOOT_VERSION ||
        (ack->status != AKL_ACK_WROTE && ack->status != AKL_ACK_REPLACED))
        return false;
    size_t path_len = strnlen(ack->path, sizeof ack->path);
    size_t name_len = strnlen(args->published, sizeof args->published);
    return name_len > 0 && path_len > name_len && ack->path[path_len - name_len - 1] == '/' &&
           memcmp(ack->path + path_len - name_len, args->published, name_len) == 0;
}

static void collector_run(const akl_collect_args_t *args, akl_gc_table_t *table)
{
    if (!collector_args_ok(args, table))
        return;
    if (args->ack_addr != 0 && !collector_bootstrap_published(args)) {
        table->ledger = AKL_GC_LEDGER_NOT_PUBLISHED;
        return;
    }
    int dirfd = collector_open_dir(table);
    if (dirfd < 0)
        return;
    bool bound_request = collector_bound_request(args);
    collector_ledger_t ledger;
    collector_ledger_open(dirfd, args->prefix, bound_request, &ledger);
    table->ledger = ledger.refused ? AKL_GC_LEDGER_REFUSED : 0;
    if (bound_request && collector_ledger_add(&ledger, args->published_size, args->max_bytes)) {
        table->ledger |= AKL_GC_LEDGER_ANSWERED;
        table->kept_files = ledger.rec.files;
        table->kept_bytes = ledger.rec.bytes;
    } else {
        collector_scan_and_decide(dirfd, args, &ledger, table);
    }
    collector_ledger_close(&ledger);
    close(dirfd);
}

AKL_KERNEL(akl_collect)
{
    const akl_collect_args_t *a = args;
    if (a == NULL || a->magic != AKL_COLLECT_MAGIC)
        return AKL_COLLECT_RC_NO_ARGS;
    if (a->table_addr == 0)
        return AKL_COLLECT_RC_NO_TABLE;
    akl_gc_table_t *table = (akl_gc_table_t *)(uintptr_t)a->table_addr;
    memset(table, 0, sizeof *table);
    table->version = AKL_COLLECT_VERSION;
    collector_run(a, table);
    table->magic = AKL_GC_TABLE_MAGIC; /* last: the host trusts the header once it sees this */
    return 0;
}
