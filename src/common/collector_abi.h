/* The collector's protocol between libakl (host) and akl_collector.so (device): every byte.
 *
 * akl_collector.so is an ordinary akl runtime SO that libakl loads (prefix AKL_COLLECTOR_PREFIX)
 * and whose one kernel, akl_collect (`uint32_t akl_collect(void *args)`, include/akl/akl_kernel.h),
 * it launches on one block with an akl_collect_args as the launch's argument bytes. The kernel
 * collects the published files of args.prefix in the device's preinstall directory (derived as the
 * dispatcher derives it, src/common/preinstall_dir.c) by args' rule and writes what it did into the
 * table at args.table_addr, a device buffer of the host's: an akl_gc_table header, then up to
 * table_cap entries. docs/protocol.md section 16 describes the same bytes in prose.
 *
 * The kernel returns 0 whenever it could write the table header (a failure is then described
 * there: stage, err, detail); non-zero (AKL_COLLECT_RC_*) only when it cannot tell the host
 * anything through the table.
 *
 * This header is shared by a self-contained device object: it uses nothing beyond <stdint.h>. */
#ifndef AKL_COLLECTOR_ABI_H
#define AKL_COLLECTOR_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "bootstrap_abi.h" /* the bootstrap's ack (ack_addr), AKL_SO_NAME_MAX, AKL_ABI_ASSERT_ */

#define AKL_COLLECT_MAGIC 0x314c4c4f434c4b41ULL  /* "AKLCOLL1" little-endian */
#define AKL_GC_TABLE_MAGIC 0x3142415443474b41ULL /* "AKGCTAB1" little-endian */
/* 2: the args grew published_size and published (a bound request, answered from the prefix's
 * ledger without a scan while under the bound) and the table's word at 28 became ledger.
 * 3: the args grew ack_addr (a bound request queued behind its bootstrap on one stream). */
#define AKL_COLLECT_VERSION 3U
/* The kernel's name and the prefix libakl loads the collector under: not the default prefix, so a
 * gc of the default prefix never matches the collector's own file (a gc of exactly this prefix
 * would, and finds it held by every process that loaded it). */
#define AKL_COLLECT_KERNEL "akl_collect"
#define AKL_COLLECTOR_PREFIX "aklgc_"

/* akl_collect_args.flags */
#define AKL_GC_FLAG_DRY_RUN 1U /* decide and report, remove nothing */
#define AKL_GC_FLAG_BOUND 2U   /* max_bytes applies; without it there is no byte rule */

/* akl_gc_table.ledger: how the prefix's ledger served this collection. */
#define AKL_GC_LEDGER_ANSWERED 1U      /* a bound request answered from it: no scan, no entries */
#define AKL_GC_LEDGER_REFUSED 2U       /* not a regular file of ours (or unlockable): not used */
#define AKL_GC_LEDGER_NOT_PUBLISHED 4U /* ack_addr: the bootstrap did not publish: nothing done */

/* The ledger: one per prefix in the preinstall directory, named "." prefix AKL_GC_LEDGER_SUFFIX
 * (never a published name, which ends in ".so", nor a temporary, which ends in 16 hex digits).
 * Exactly this record; anything else is rewritten after a full scan. */
#define AKL_GC_LEDGER_SUFFIX ".akl-ledger"
#define AKL_GC_LEDGER_MAGIC 0x314745444c4c4b41ULL /* "AKLLEDG1" little-endian */
typedef struct akl_gc_ledger {
    uint64_t magic;    /* 0: AKL_GC_LEDGER_MAGIC */
    uint64_t bytes;    /* 8: the prefix's bytes at the last full scan plus those added since */
    uint64_t files;    /* 16: likewise, files */
    uint64_t answered; /* 24: bound requests answered without a scan since the last full scan */
    int64_t scanned_s; /* 32: CLOCK_REALTIME seconds of the last full scan */
    uint64_t check;    /* 40: akl_gc_ledger_check of the fields above */
} akl_gc_ledger_t;     /* 48 bytes */

static inline uint64_t akl_gc_ledger_check(const akl_gc_ledger_t *l)
{
    uint64_t h = l->magic;
    h = (h ^ l->bytes) * 0x100000001b3ULL;
    h = (h ^ l->files) * 0x100000001b3ULL;
    h = (h ^ l->answered) * 0x100000001b3ULL;
    return (h ^ (uint64_t)l->scanned_s) * 0x100000001b3ULL;
}

/* The kernel's non-zero returns: nothing could be reported in a table. */
#define AKL_COLLECT_RC_NO_ARGS 1u  /* args NULL, or their magic is not AKL_COLLECT_MAGIC */
#define AKL_COLLECT_RC_NO_TABLE 2u /* table_addr 0 */

typedef struct akl_collect_args {
    uint64_t magic;                   /* 0: AKL_COLLECT_MAGIC */
    uint32_t version;                 /* 8: AKL_COLLECT_VERSION */
    uint32_t flags;                   /* 12: AKL_GC_FLAG_* */
    uint64_t keep;                    /* 16: the keep most recently used files are never removed */
    uint64_t max_bytes;               /* 24: with AKL_GC_FLAG_BOUND: stop once <= this */
    uint64_t min_age_s;               /* 32: never remove a file used less than this ago */
    uint64_t table_addr;              /* 40: device address of an akl_gc_table */
    uint32_t table_cap;               /* 48: entries the table holds after its header */
    uint32_t reserved;                /* 52: zero */
    char prefix[AKL_SO_NAME_MAX + 4]; /* 56: NUL-terminated prefix to collect (0..100 chars) */
    /* A bound request (AKL_GC_FLAG_BOUND after a publish): the file just published and its size;
     * published "" for any other collection. */
    uint64_t published_size;             /* 160 */
    char published[AKL_SO_NAME_MAX + 4]; /* 168: NUL-terminated basename, or "" */
    /* 0, or the device address of the akl_bootstrap_ack of the bootstrap this request was queued
     * behind on one stream (the host cannot know yet whether it published): the request then
     * applies only if that record says the dispatcher wrote or replaced exactly published. */
    uint64_t ack_addr; /* 272 */
} akl_collect_args_t;  /* 280 bytes */

/* Where a collection failed (akl_gc_table.stage). */
typedef enum akl_gc_stage {
    AKL_GC_STAGE_NONE = 0,    /* it did not: the counts and entries are valid */
    AKL_GC_STAGE_ARGS = 1,    /* another version (the table's says which), unknown flags */
    AKL_GC_STAGE_NAME = 2,    /* prefix unterminated, over-long or outside [A-Za-z0-9._-] */
    AKL_GC_STAGE_DIR = 3,     /* the preinstall directory cannot be derived or opened */
    AKL_GC_STAGE_COLLECT = 4, /* listing the directory failed (readdir error, no memory) */
} akl_gc_stage_t;

/* What the collector did with one published file (akl_gc_entry.state). */
typedef enum akl_gc_entry_state {
    AKL_GC_STATE_KEPT = 1,         /* among the keep newest, or the rule was met before it */
    AKL_GC_STATE_REMOVED = 2,      /* unlinked */
    AKL_GC_STATE_WOULD_REMOVE = 3, /* AKL_GC_FLAG_DRY_RUN: would have been unlinked */
    AKL_GC_STATE_IN_USE = 4,       /* a live scheduler holds its shared lock: never removed */
    AKL_GC_STATE_TOO_YOUNG = 5,    /* used less than min_age_s ago */
    AKL_GC_STATE_FAILED = 6,       /* open, lock or unlink failed: err says why */
} akl_gc_entry_state_t;

/* One published file of the prefix, oldest first in the table. */
typedef struct akl_gc_entry {
    char name[AKL_SO_NAME_MAX + 4]; /* 0: NUL-terminated basename, NUL-padded */
    uint64_t size;                  /* 104: bytes */
    int64_t used_ns;                /* 112: last use (mtime: publish, or identical bootstrap) */
    uint32_t state;                 /* 120: akl_gc_entry_state_t */
    int32_t err;                    /* 124: errno for FAILED, else 0 */
} akl_gc_entry_t;                   /* 128 bytes */

/* The result table at table_addr: this header, then table_cap entries. The host zeroes the header
 * before the launch, so a magic still 0 afterwards means the kernel wrote nothing. */
typedef struct akl_gc_table {
    uint64_t magic;                   /* 0: AKL_GC_TABLE_MAGIC once the collector wrote it */
    uint32_t version;                 /* 8: the collector's AKL_COLLECT_VERSION */
    uint32_t stage;                   /* 12: akl_gc_stage_t */
    int32_t err;                      /* 16: errno of the failed step, else 0 */
    uint32_t entries;                 /* 20: entries written (at most table_cap) */
    uint32_t matched;                 /* 24: published files of the prefix found */
    uint32_t ledger;                  /* 28: AKL_GC_LEDGER_* */
    uint64_t removed_files;           /* 32: removed (or, dry run, would be) */
    uint64_t removed_bytes;           /* 40 */
    uint64_t kept_files;              /* 48: every other file of the prefix */
    uint64_t kept_bytes;              /* 56 */
    uint64_t in_use_files;            /* 64: of the kept, held by a live scheduler */
    char directory[AKL_ACK_PATH_MAX]; /* 72: the directory collected (or that failed) */
    char detail[AKL_ACK_DETAIL_MAX];  /* 328: the failure's cause, else "" */
    akl_gc_entry_t entry[];           /* 456 */
} akl_gc_table_t;

AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, flags) == 12, "flags at 12");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, table_addr) == 40, "table_addr at 40");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, table_cap) == 48, "table_cap at 48");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, prefix) == 56, "prefix at 56");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, published_size) == 160, "published_size at 160");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, published) == 168, "published at 168");
AKL_ABI_ASSERT_(offsetof(akl_collect_args_t, ack_addr) == 272, "ack_addr at 272");
AKL_ABI_ASSERT_(sizeof(akl_collect_args_t) == 280, "collect args 280 bytes");
AKL_ABI_ASSERT_(sizeof(akl_gc_ledger_t) == 48, "ledger 48 bytes");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, size) == 104, "gc entry size at 104");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, used_ns) == 112, "gc entry used_ns at 112");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, state) == 120, "gc entry state at 120");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, err) == 124, "gc entry err at 124");
AKL_ABI_ASSERT_(sizeof(akl_gc_entry_t) == 128, "gc entry 128 bytes");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, entries) == 20, "gc entries count at 20");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, in_use_files) == 64, "gc in_use_files at 64");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, directory) == 72, "gc directory at 72");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, detail) == 328, "gc detail at 328");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, entry) == 456, "gc entries at 456");

#endif /* AKL_COLLECTOR_ABI_H */
