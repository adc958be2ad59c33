/* The bootstrap protocol between libakl (host) and akl_dispatcher.so (device): every byte.
 *
 * The host launches libaicpu_extend_kernels.so / DynTileFwkKernelServerInit (KERNEL_TYPE_AICPU_KFC)
 * with an argument blob that starts with akl_device_kernel_args. Its cfgdata (offset 40) holds the
 * absolute device address of an akl_device_args, which the host wrote into the bootstrap's one
 * device allocation (version 2: no reliance on the runtime's hostInputInfo fix-up). Offsets
 * 96..112 are PyPTO's DeviceArgs (aicpuSoBin 96, aicpuSoLen 104, deviceId 112), which the extend
 * kernels read; 120/128 follow simpler's extension of it; akl's own fields start at 136.
 * docs/protocol.md describes the same bytes in prose; keep the two in step.
 *
 * Stable across versions (so that hosts and dispatchers of different versions can tell each other
 * so): DeviceArgs magic (136), version (144) and ack_addr (160), and the record's magic (0),
 * version (8), status (12), stage (20) and detail (304). A dispatcher that finds akl's magic with
 * another version writes a FAILED/ARGS record carrying its own version; the host reports both.
 *
 * This header is shared by a self-contained device object: it uses nothing beyond <stdint.h>. */
#ifndef AKL_BOOTSTRAP_ABI_H
#define AKL_BOOTSTRAP_ABI_H

#include <stddef.h>
#include <stdint.h>

#define AKL_BOOT_MAGIC 0x31544f4f424c4b41ULL /* "AKLBOOT1" little-endian */
#define AKL_ACK_MAGIC 0x31304b43414c4b41ULL  /* "AKLACK01" little-endian */
/* A test build of an older dispatcher overrides it (tests/loader/routes.cmake). */
#ifndef AKL_BOOT_VERSION
#define AKL_BOOT_VERSION 2U
#endif

/* DeviceArgs flags. */
#define AKL_BOOT_FLAG_PROBE 1U /* check the directory is writable; publish nothing */
#define AKL_BOOT_FLAG_GC 2U    /* collect: remove unused published files of a prefix (akl gc) */

/* akl_gc_args_t.gc_flags. */
#define AKL_GC_FLAG_DRY_RUN 1U /* decide and report, remove nothing */
#define AKL_GC_FLAG_BOUND                                                                          \
    2U /* max_bytes applies; without it there is no byte rule (on a                                \
        * publish: no collection at all) */

/* A device basename: at most 100 characters of [A-Za-z0-9._-] (CANN's AE_MAX_SO_NAME). */
#define AKL_SO_NAME_MAX 100
#define AKL_ACK_PATH_MAX 256
#define AKL_ACK_DETAIL_MAX 128

/* The KFC launch's args. Only cfgdata is read; the rest is zero. */
typedef struct akl_device_kernel_args {
    uint64_t reserved[5]; /* 0..39: PyPTO's DeviceKernelArgs fields, unused, zero */
    uint64_t cfgdata;     /* 40: absolute device address of akl_device_args */
} akl_device_kernel_args_t;

typedef struct akl_device_args {
    uint8_t reserved0[96]; /* 0..95: PyPTO's DeviceArgs fields, unused, zero */
    uint64_t aicpu_so_bin; /* 96: device address of the dispatcher SO bytes (SaveSoFile reads it) */
    uint64_t aicpu_so_len; /* 104 */
    uint64_t device_id;    /* 112 */
    uint64_t inner_so_bin; /* 120: device address of the runtime SO bytes (simpler's extension) */
    uint64_t inner_so_len; /* 128: (simpler's extension) */
    /* akl extension */
    uint64_t magic;                        /* 136: AKL_BOOT_MAGIC */
    uint32_t version;                      /* 144: AKL_BOOT_VERSION */
    uint32_t flags;                        /* 148: AKL_BOOT_FLAG_*, else zero */
    uint64_t expected_fingerprint;         /* 152: XXH3-64 (seed 0) of the runtime SO bytes */
    uint64_t ack_addr;                     /* 160: device address of an akl_bootstrap_ack */
    char target_name[AKL_SO_NAME_MAX + 4]; /* 168: NUL-terminated basename to publish; for
                                            * AKL_BOOT_FLAG_GC the prefix to collect */
    /* 272: the collector's rule (docs/protocol.md section 16), read by a gc request and, when
     * AKL_GC_FLAG_BOUND is set, after a publish that wrote (AKL_DEVICE_CACHE_MAX). A dispatcher
     * without the collector never reads past 272, and refuses AKL_BOOT_FLAG_GC. */
    uint64_t gc_keep;       /* 272: the gc_keep most recently used files are never removed */
    uint64_t gc_max_bytes;  /* 280: with AKL_GC_FLAG_BOUND: stop once the prefix totals <= this */
    uint64_t gc_min_age_s;  /* 288: never remove a file used less than this many seconds ago */
    uint32_t gc_flags;      /* 296: AKL_GC_FLAG_* */
    uint32_t gc_table_cap;  /* 300: entries the table at gc_table_addr holds (gc requests) */
    uint64_t gc_table_addr; /* 304: device address of an akl_gc_table_t (gc requests; else 0) */
} akl_device_args_t;

/* What the dispatcher did, written into the acknowledgement record. */
typedef enum akl_ack_status {
    AKL_ACK_NONE = 0,      /* the host zeroes the record: still 0 means Init never ran */
    AKL_ACK_WROTE = 1,     /* the file was absent and is now published */
    AKL_ACK_IDENTICAL = 2, /* a byte-identical file was already there: nothing written */
    AKL_ACK_REPLACED = 3,  /* a file of that name held other bytes: atomically replaced */
    AKL_ACK_FAILED = 4,    /* see stage and err */
    AKL_ACK_PROBED = 5,    /* AKL_BOOT_FLAG_PROBE: a file could be created (and was removed) */
    AKL_ACK_COLLECTED = 6, /* AKL_BOOT_FLAG_GC: the table at gc_table_addr says what was done */
} akl_ack_status_t;

/* Where a failure happened. */
typedef enum akl_ack_stage {
    AKL_STAGE_NONE = 0,
    AKL_STAGE_ARGS = 1,        /* NULL args, bad magic/version, zero length */
    AKL_STAGE_NAME = 2,        /* target_name ill-formed or not carrying fingerprint/device */
    AKL_STAGE_FINGERPRINT = 3, /* recomputed fingerprint differs from expected */
    AKL_STAGE_DIR = 4,         /* preinstall directory missing or not usable */
    AKL_STAGE_COMPARE = 5,     /* reading the existing file failed */
    AKL_STAGE_CREATE = 6,      /* creating the temporary file failed */
    AKL_STAGE_WRITE = 7,
    AKL_STAGE_FSYNC = 8,
    AKL_STAGE_RENAME = 9,
    AKL_STAGE_DIRSYNC = 10,
    AKL_STAGE_COLLECT = 11, /* gc: listing the directory failed (readdir error, no memory) */
} akl_ack_stage_t;

typedef struct akl_bootstrap_ack {
    uint64_t magic;                  /* 0: AKL_ACK_MAGIC once the dispatcher wrote the record */
    uint32_t version;                /* 8: AKL_BOOT_VERSION */
    int32_t status;                  /* 12: akl_ack_status_t */
    int32_t err;                     /* 16: errno of the failed step, else 0 */
    uint32_t stage;                  /* 20: akl_ack_stage_t */
    uint64_t bytes;                  /* 24: bytes written, or compared when IDENTICAL */
    uint64_t fingerprint;            /* 32: fingerprint the dispatcher computed */
    uint64_t temps_removed;          /* 40: stale temporaries of this name cleaned up */
    char path[AKL_ACK_PATH_MAX];     /* 48: final path, or the path that failed */
    char detail[AKL_ACK_DETAIL_MAX]; /* 304: short human-readable cause */
} akl_bootstrap_ack_t;               /* 432 bytes */

/* What the collector did with one published file (akl_gc_entry_t.state). */
typedef enum akl_gc_entry_state {
    AKL_GC_STATE_KEPT = 1,         /* among the gc_keep newest, or the rule was met before it */
    AKL_GC_STATE_REMOVED = 2,      /* unlinked */
    AKL_GC_STATE_WOULD_REMOVE = 3, /* AKL_GC_FLAG_DRY_RUN: would have been unlinked */
    AKL_GC_STATE_IN_USE = 4,       /* a live scheduler holds its shared lock: never removed */
    AKL_GC_STATE_TOO_YOUNG = 5,    /* used less than gc_min_age_s ago */
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

/* The gc request's result table at gc_table_addr: this header, then gc_table_cap entries. */
typedef struct akl_gc_table {
    uint32_t entries;       /* 0: entries written (at most gc_table_cap) */
    uint32_t matched;       /* 4: published files of the prefix found (may exceed entries) */
    uint64_t removed_files; /* 8: removed (or, dry run, would be) */
    uint64_t removed_bytes; /* 16 */
    uint64_t kept_files;    /* 24: every other file of the prefix */
    uint64_t kept_bytes;    /* 32 */
    uint64_t in_use_files;  /* 40: of the kept, held by a live scheduler */
    uint64_t reserved[2];   /* 48: zero */
    akl_gc_entry_t entry[]; /* 64 */
} akl_gc_table_t;

/* The bootstrap's one device allocation: [ack | DeviceArgs | dispatcher | runtime SO]. */
#define AKL_BOOT_ACK_OFFSET 0u
#define AKL_BOOT_ARGS_OFFSET 512u
#define AKL_BOOT_DISPATCHER_OFFSET 1024u
#define AKL_BOOT_ALIGN 64u

#define AKL_ABI_ASSERT_(c, m) _Static_assert(c, m)
AKL_ABI_ASSERT_(offsetof(akl_device_kernel_args_t, cfgdata) == 40, "cfgdata at 40");
AKL_ABI_ASSERT_(sizeof(akl_device_kernel_args_t) == 48, "kernel args 48 bytes");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, aicpu_so_bin) == 96, "aicpu_so_bin at 96");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, aicpu_so_len) == 104, "aicpu_so_len at 104");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, device_id) == 112, "device_id at 112");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, inner_so_bin) == 120, "inner_so_bin at 120");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, inner_so_len) == 128, "inner_so_len at 128");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, magic) == 136, "magic at 136");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, version) == 144, "version at 144");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, flags) == 148, "flags at 148");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, expected_fingerprint) == 152, "fingerprint at 152");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, ack_addr) == 160, "ack_addr at 160");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, target_name) == 168, "target_name at 168");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_keep) == 272, "gc_keep at 272");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_max_bytes) == 280, "gc_max_bytes at 280");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_min_age_s) == 288, "gc_min_age_s at 288");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_flags) == 296, "gc_flags at 296");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_table_cap) == 300, "gc_table_cap at 300");
AKL_ABI_ASSERT_(offsetof(akl_device_args_t, gc_table_addr) == 304, "gc_table_addr at 304");
AKL_ABI_ASSERT_(sizeof(akl_device_args_t) == 312, "device args 312 bytes");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, size) == 104, "gc entry size at 104");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, used_ns) == 112, "gc entry used_ns at 112");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, state) == 120, "gc entry state at 120");
AKL_ABI_ASSERT_(offsetof(akl_gc_entry_t, err) == 124, "gc entry err at 124");
AKL_ABI_ASSERT_(sizeof(akl_gc_entry_t) == 128, "gc entry 128 bytes");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, in_use_files) == 40, "gc in_use_files at 40");
AKL_ABI_ASSERT_(offsetof(akl_gc_table_t, entry) == 64, "gc entries at 64");
AKL_ABI_ASSERT_(offsetof(akl_bootstrap_ack_t, path) == 48, "ack path at 48");
AKL_ABI_ASSERT_(offsetof(akl_bootstrap_ack_t, detail) == 304, "ack detail at 304");
AKL_ABI_ASSERT_(sizeof(akl_bootstrap_ack_t) == 432, "ack 432 bytes");
AKL_ABI_ASSERT_(sizeof(akl_bootstrap_ack_t) <= AKL_BOOT_ARGS_OFFSET, "ack fits its region");
AKL_ABI_ASSERT_(AKL_BOOT_ARGS_OFFSET + sizeof(akl_device_args_t) <= AKL_BOOT_DISPATCHER_OFFSET,
                "DeviceArgs fit their region");

#endif /* AKL_BOOTSTRAP_ABI_H */
