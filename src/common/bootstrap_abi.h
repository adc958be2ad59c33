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
/* 2U was AKL_BOOT_FLAG_GC, the collector inside the dispatcher: the collector is its own device
 * object now (collector_abi.h), so no host sends it; the dispatcher refuses it as any other. */

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
    char target_name[AKL_SO_NAME_MAX + 4]; /* 168: NUL-terminated basename to publish */
    /* 272..511: zero (the host zeroes the whole region; 272..311 held the in-dispatcher
     * collector's rule, which a dispatcher of that time reads as "no bound" when zero). */
} akl_device_args_t;

/* What the dispatcher did, written into the acknowledgement record. */
typedef enum akl_ack_status {
    AKL_ACK_NONE = 0,      /* the host zeroes the record: still 0 means Init never ran */
    AKL_ACK_WROTE = 1,     /* the file was absent and is now published */
    AKL_ACK_IDENTICAL = 2, /* a byte-identical file was already there: nothing written */
    AKL_ACK_REPLACED = 3,  /* a file of that name held other bytes: atomically replaced */
    AKL_ACK_FAILED = 4,    /* see stage and err */
    AKL_ACK_PROBED = 5,    /* AKL_BOOT_FLAG_PROBE: a file could be created (and was removed) */
    /* 6 was COLLECTED (the in-dispatcher collector's answer): not reused. */
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
    /* 11 was COLLECT (the in-dispatcher collector's): not reused. */
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
AKL_ABI_ASSERT_(sizeof(akl_device_args_t) == 272, "device args 272 bytes");
AKL_ABI_ASSERT_(offsetof(akl_bootstrap_ack_t, path) == 48, "ack path at 48");
AKL_ABI_ASSERT_(offsetof(akl_bootstrap_ack_t, detail) == 304, "ack detail at 304");
AKL_ABI_ASSERT_(sizeof(akl_bootstrap_ack_t) == 432, "ack 432 bytes");
AKL_ABI_ASSERT_(sizeof(akl_bootstrap_ack_t) <= AKL_BOOT_ARGS_OFFSET, "ack fits its region");
AKL_ABI_ASSERT_(AKL_BOOT_ARGS_OFFSET + sizeof(akl_device_args_t) <= AKL_BOOT_DISPATCHER_OFFSET,
                "DeviceArgs fit their region");

#endif /* AKL_BOOTSTRAP_ABI_H */
