/* akl: zero-deploy loading and launching of custom AICPU kernels on Ascend NPUs.
 *
 * This is the one public header of libakl. A runtime SO (your AICPU code) is loaded onto a device
 * once per process with akl_module_load_file() or akl_module_load_data(): the first load of given
 * bytes on a device bootstraps them (uploads the dispatcher and the SO, which the device publishes
 * as <prefix><fingerprint>_<device>.so in its preinstall directory); every later load of the same
 * bytes on the same device in the same process is answered from a process cache with no device
 * work. Kernels of a loaded module are launched with akl_launch(), one AICPU task each.
 *
 * The ACL/RT entry points are resolved at run time, never at build time: AKL_RUNTIME=auto (the
 * default: real CANN when its libraries load, else the simulator installed beside libakl), sim,
 * cann, or a path to a library exporting the ACL/RT C API.
 *
 * Conventions (as in libuv): every function returns 0 or an error code; codes are either the
 * loader's own (negative, AKL_E*) or CANN's (positive, e.g. 507018) passed through unchanged;
 * akl_errname() and akl_strerror() explain any of them and akl_last_error() gives the calling
 * thread's detailed message naming the file, device, kernel and cause. Nothing is printed unless
 * AKL_LOG=debug|info|warn|error (any case) asks for it (to stderr); any other non-empty value
 * prints one warning saying so and leaves logging off. When AKL_LOG is unset, CANN's
 * ASCEND_GLOBAL_LOG_LEVEL (0 debug, 1 info, 2 warn, 3 error, 4 off) sets the level instead. All
 * functions are thread-safe. */
#ifndef AKL_AKL_H
#define AKL_AKL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AKL_EXTERN __attribute__((visibility("default")))
#else
#define AKL_EXTERN
#endif

#define AKL_VERSION_MAJOR 0
#define AKL_VERSION_MINOR 1
#define AKL_VERSION_PATCH 0
#define AKL_VERSION_STRING "0.1.0"

/* The loader's own error codes. They are negative and so never collide with CANN's codes, which
 * are positive and pass through unchanged. */
#define AKL_ERRNO_MAP(XX)                                                                          \
    XX(EINVAL, -1001, "invalid argument")                                                          \
    XX(ENOMEM, -1002, "out of host memory")                                                        \
    XX(EIO, -1003, "reading the SO file failed")                                                   \
    XX(ERUNTIME, -1004, "no ACL/RT runtime could be resolved")                                     \
    XX(EDEVICE, -1005, "invalid device, or device not set in the calling thread")                  \
    XX(ENAME, -1006, "ill-formed or over-long name")                                               \
    XX(E2BIG, -1007, "argument blob too large")                                                    \
    XX(EBOOTSKIPPED, -1008, "no akl dispatcher acknowledged the bootstrap (latch or foreign)")     \
    XX(EBOOTFAILED, -1009, "the dispatcher failed on the device")                                  \
    XX(EFINGERPRINT, -1010, "fingerprint mismatch between host and device")                        \
    XX(ENOTELF, -1011, "not an ELF file")                                                          \
    XX(ETRUNCATED, -1012, "truncated ELF file")                                                    \
    XX(ECLASS, -1013, "not a 64-bit ELF file")                                                     \
    XX(EMACHINE, -1014, "ELF built for the wrong machine for the target device")                   \
    XX(ENOTSO, -1015, "ELF file is not a shared object")                                           \
    XX(ENOSYM, -1016, "kernel not exported by the SO")                                             \
    XX(ETOOBIG, -1017, "SO larger than the configured limit")                                      \
    XX(ETIMEDOUT, -1018, "timed out")                                                              \
    XX(EUNRESOLVED, -1019, "the SO needs symbols nothing on the device provides")                  \
    XX(ENOEXTEND, -1020, "the device has no extend-kernel package (libaicpu_extend_kernels.so)")   \
    XX(ENOPREINSTALL, -1021,                                                                       \
       "no usable preinstall directory on the device (absent or unwritable)")                      \
    XX(EVERSION, -1022, "bootstrap protocol version mismatch between libakl and the dispatcher")   \
    XX(ENOCUSTOM, -1023, "the runtime has no custom CPU kernel upload (rtsBinaryLoadFromData)")

typedef enum akl_errno {
    AKL_OK = 0,
#define AKL_ERRNO_ENUM_(name, value, text) AKL_##name = value,
    AKL_ERRNO_MAP(AKL_ERRNO_ENUM_)
#undef AKL_ERRNO_ENUM_
} akl_errno_t;

/* "AKL_EINVAL", "ACL_ERROR_RT_AICPU_EXCEPTION", ... or "UNKNOWN" for an unknown code. */
AKL_EXTERN const char *akl_errname(int code);
/* A one-line explanation of code (loader's or CANN's). Never NULL. */
AKL_EXTERN const char *akl_strerror(int code);
/* The calling thread's message for its most recent failed akl call: names the file, device,
 * kernel and cause. "" if the thread has had no failure. Valid until the thread's next akl call. */
AKL_EXTERN const char *akl_last_error(void);

/* ---- Runtime --------------------------------------------------------------------------------- */

/* Resolves the ACL/RT runtime (per AKL_RUNTIME) and calls aclInit. Idempotent; every other
 * function calls it implicitly. */
AKL_EXTERN int akl_init(void);
/* Which runtime is in use: "sim:<path>" or "cann:<path>", or NULL before a successful akl_init. */
AKL_EXTERN const char *akl_runtime_name(void);
/* The device's architecture as `uname -m` names it: "aarch64" for real CANN (AICPUs are aarch64
 * cores), the simulated device's for the simulator (AKL_SIM_ARCH, default the host's). Runtime SOs
 * must be built for it; akl's own device-side files built for an architecture other than the
 * host's live in an <arch>/ subdirectory of the directory that holds the host's build (e.g.
 * <libdir>/akl/examples/aarch64/). NULL before a successful akl_init. */
AKL_EXTERN const char *akl_device_arch(void);
/* The oldest CANN release whose AICPU launch ABI libakl matches (the 48-byte rtAicpuArgsEx_t with
 * 32-bit name offsets and a timeout, and the KFC kernel type 5): the oldest whose headers were
 * checked. Resolving an older CANN fails with AKL_ERUNTIME naming both releases. */
#define AKL_CANN_MIN_VERSION "8.1.RC1"
/* The installed CANN release ("8.1.RC1") read when the runtime was resolved, or NULL for the
 * simulator, before a successful akl_init, or when the install records none. */
AKL_EXTERN const char *akl_runtime_version(void);

/* Thin pass-throughs to the resolved runtime, so that a program can use one binary on real CANN
 * and on the simulator. A stream is the runtime's aclrtStream; NULL is the default stream. */
typedef void *akl_stream_t;
AKL_EXTERN int akl_device_count(uint32_t *count);
/* aclrtSetDevice / aclrtResetDevice: open makes device the calling thread's current device. */
AKL_EXTERN int akl_device_open(int32_t device);
AKL_EXTERN int akl_device_close(int32_t device);
/* The device of this process's local rank under a cluster launcher (one process per NPU): the
 * first set of LOCAL_RANK (torchrun), OMPI_COMM_WORLD_LOCAL_RANK (Open MPI), MPI_LOCALRANKID
 * (MPICH, Intel MPI) and SLURM_LOCALID (srun) is the rank. When ASCEND_RT_VISIBLE_DEVICES is set
 * the rank indexes its list (which the runtime renumbers 0..n-1, so the device id to open is the
 * rank itself) and must be within it. Reads only the environment; no runtime is needed.
 * Errors: AKL_EINVAL (device NULL); AKL_EDEVICE: none of the four is set (the message names
 * them), the value is not a decimal integer in 0..INT32_MAX, or the rank is outside
 * ASCEND_RT_VISIBLE_DEVICES (the message names the variable, its value and the list). */
AKL_EXTERN int akl_local_device(int32_t *device);
AKL_EXTERN int akl_mem_alloc(void **dev_ptr, size_t size);
AKL_EXTERN int akl_mem_free(void *dev_ptr);
/* Device memory of the calling thread's current device, in bytes. */
AKL_EXTERN int akl_mem_info(size_t *free_bytes, size_t *total_bytes);
AKL_EXTERN int akl_memcpy_to_device(void *dev_dst, const void *host_src, size_t size);
AKL_EXTERN int akl_memcpy_from_device(void *host_dst, const void *dev_src, size_t size);
/* A stream of the calling thread's current device. libakl remembers which device each stream it
 * made belongs to, so that launches on it need not ask the runtime for the thread's current device:
 * destroy it with akl_stream_destroy (or close its device with akl_device_close), not with the
 * runtime's own call, which libakl would not see. */
AKL_EXTERN int akl_stream_create(akl_stream_t *stream);
AKL_EXTERN int akl_stream_destroy(akl_stream_t stream);
/* timeout_ms: -1 waits forever. */
AKL_EXTERN int akl_stream_sync(akl_stream_t stream, int32_t timeout_ms);

/* ---- Modules --------------------------------------------------------------------------------- */

/* A runtime SO loaded on one device. Owned by the process cache and shared by every load of the
 * same bytes on the same device in the process: valid until akl_module_unload or process exit. */
typedef struct akl_module akl_module_t;

#define AKL_DEFAULT_PREFIX "akl_inner_"
#define AKL_DEFAULT_MAX_SO_SIZE (256u << 20)

/* How a module reaches the device (docs/protocol.md):
 * - extend: the bootstrap through the device's libaicpu_extend_kernels.so, which loads akl's
 *   dispatcher, which publishes the SO in the preinstall directory; kernels launch as
 *   KERNEL_TYPE_AICPU. Needs the extend-kernel package, a writable preinstall directory and (under
 *   a strict one-upload latch) an unused latch.
 * - custom: CANN's official CPU kernel upload (rtsBinaryLoadFromData, cpuKernelMode 2); the device
 *   writes the SO into its per-host-process custom directory and kernels launch with
 *   rtsLaunchCpuKernel as KERNEL_TYPE_AICPU_CUSTOM in the custom scheduler.
 * - auto: extend, falling back to custom only when extend fails for a diagnosed cause (no extend
 *   package: AKL_ENOEXTEND; no usable preinstall directory: AKL_ENOPREINSTALL; the latch:
 *   AKL_EBOOTSKIPPED). The route that worked is remembered per device for the process and used by
 *   later auto loads on that device.
 * The default is $AKL_ROUTE (auto|extend|custom), else auto. */
typedef enum akl_route {
    AKL_ROUTE_AUTO = 0,
    AKL_ROUTE_EXTEND = 1,
    AKL_ROUTE_CUSTOM = 2,
} akl_route_t;

/* "auto", "extend" or "custom"; "unknown" for any other value. */
AKL_EXTERN const char *akl_route_name(akl_route_t route);
/* Parses "auto", "extend" or "custom" (as $AKL_ROUTE takes them). AKL_EINVAL otherwise. */
AKL_EXTERN int akl_route_parse(const char *text, akl_route_t *route);

/* opts->size of the struct's first version (this one, akl 0.1): a smaller size is refused with
 * AKL_EINVAL; a later, larger struct stays accepted by this library, which ignores the fields it
 * does not know. */
#define AKL_LOAD_OPTIONS_SIZE_V1 48u

typedef struct akl_load_options {
    size_t size;         /* sizeof(akl_load_options_t), so the struct can grow */
    const char *prefix;  /* basename prefix; NULL: $AKL_PREFIX or AKL_DEFAULT_PREFIX */
    akl_stream_t stream; /* stream for the bootstrap; NULL: the default stream */
    int32_t timeout_ms;  /* bootstrap synchronize timeout; 0: 60000; -1: forever */
    size_t max_size;     /* reject larger SOs; 0: $AKL_MAX_SO_SIZE or AKL_DEFAULT_MAX_SO_SIZE */
    const char *const *kernels; /* optional NULL-terminated list of kernels that must be exported */
    akl_route_t route;          /* AKL_ROUTE_AUTO: $AKL_ROUTE, else auto (see akl_route_t) */
    /* Optional out-field (issue 10): when not NULL, every load whose options are valid sets
     * *cache_hit to true when it returned a module from the process cache (no bootstrap ran in
     * this call: an earlier load, or a concurrent one this call waited for, did it), and to false
     * otherwise (a bootstrap ran, or the load failed). Per call, unlike akl_cache_stats' process
     * totals. Callers built before the field (opts->size without it) are unaffected. */
    bool *cache_hit;
} akl_load_options_t;

/* Loads the runtime SO at path (or the size bytes at data) onto device, which must be the calling
 * thread's current device (akl_device_open). The bytes are validated first (64-bit ELF shared
 * object for the device's machine, within max_size, exporting opts->kernels); the first load of
 * these bytes on this device in this process bootstraps them, later ones hit the process cache.
 * Concurrent loads of the same bytes and device do one bootstrap; the others wait for it and get
 * its result. A failed bootstrap is not cached. The cache is keyed by (fingerprint, device) alone:
 * a hit returns the module as first loaded, whatever this call's prefix, stream and timeout say.
 * opts may be NULL.
 * Errors: the akl_check_* codes; AKL_EDEVICE (device not current in this thread); AKL_ENAME
 * (prefix); AKL_ERUNTIME; AKL_EBOOTFAILED, AKL_EFINGERPRINT (see their names); AKL_EBOOTSKIPPED
 * (no acknowledgement: the message says whether the device's one-upload latch holds akl's own
 * earlier upload, which a reset clears, or $AKL_DISPATCHER or another user of the extend kernels
 * in this process put a dispatcher that is not akl's there first, which a reset does not cure);
 * AKL_ENOEXTEND, AKL_ENOPREINSTALL (the extend route cannot work on this device: under auto the
 * custom route is taken instead, and AKL_EBOOTSKIPPED likewise), AKL_EVERSION (a dispatcher of
 * another protocol version), AKL_ENOCUSTOM (the custom route without the runtime's rts* calls);
 * or a CANN code from the bootstrap's device calls, with aclGetRecentErrMsg() in the message.
 * Undefined symbols that nothing on the device provides (akl_unresolved_symbols_file) do not fail
 * a load; with AKL_LOG=warn the first load of the bytes logs them. */
AKL_EXTERN int akl_module_load_file(int32_t device, const char *path,
                                    const akl_load_options_t *opts, akl_module_t **out);
AKL_EXTERN int akl_module_load_data(int32_t device, const void *data, size_t size,
                                    const akl_load_options_t *opts, akl_module_t **out);

/* Validates an SO exactly as a load does, without touching any device: an ELF file, complete,
 * 64-bit, built for the target device's machine (the simulator runs the host's architecture; a
 * real device is aarch64), a shared object, at most max_size bytes, exporting every kernel in
 * opts->kernels. Returns 0 or one of AKL_ENOTELF, AKL_ETRUNCATED, AKL_ECLASS, AKL_EMACHINE,
 * AKL_ENOTSO, AKL_ENOSYM, AKL_ETOOBIG, AKL_EIO (unreadable file), AKL_ENAME (a requested kernel
 * name is ill-formed), AKL_EINVAL (NULL arguments, bad opts->size), AKL_ENOMEM or AKL_ERUNTIME,
 * with the file and cause in akl_last_error().
 * Resolves the runtime (to learn the target machine) but does no device work. opts may be NULL. */
AKL_EXTERN int akl_check_file(const char *path, const akl_load_options_t *opts);
AKL_EXTERN int akl_check_data(const void *data, size_t size, const akl_load_options_t *opts);

/* The undefined symbols of a runtime SO that nothing on the device is known to provide: a call
 * that reaches one ends the device's scheduler (a lazy binding failure exits it with 127). The SO
 * is validated first, exactly as akl_check_file/_data do (same errors). "Provided" is what this
 * host's libc, libm, libdl, libpthread, libstdc++, libgcc_s and dynamic loader define, plus the
 * services the AICPU scheduler exports (AicpuGetBlockIdx, AicpuGetBlockNum, DlogRecord,
 * CheckLogLevel, halGetDeviceInfo), compared by name without versions; weak references never
 * count. It is an approximation for a real device, whose libraries are not readable from the
 * host (docs/errors.md, "Undefined symbols"). On success *names is one malloc'd block, a
 * NULL-terminated array of the names followed by their text (free(*names) releases it all), and
 * *count their number (0: none, *names holds only the NULL). Nothing is refused for them: loads
 * log them as a warning (AKL_LOG=warn); `akl check --strict` turns them into AKL_EUNRESOLVED. */
AKL_EXTERN int akl_unresolved_symbols_file(const char *path, const akl_load_options_t *opts,
                                           char ***names, size_t *count);
AKL_EXTERN int akl_unresolved_symbols_data(const void *data, size_t size,
                                           const akl_load_options_t *opts, char ***names,
                                           size_t *count);

/* What the bootstrap that created a module did on the device. */
typedef enum akl_boot_outcome {
    AKL_BOOT_WROTE = 1,     /* the device had no such file: published */
    AKL_BOOT_IDENTICAL = 2, /* the device already held the same bytes: nothing written */
    AKL_BOOT_REPLACED = 3,  /* a file of that name held other bytes: atomically replaced */
    AKL_BOOT_UPLOADED = 4,  /* custom route: handed to CANN's upload, which writes it on device */
} akl_boot_outcome_t;

/* "wrote", "identical", "replaced" or "uploaded"; "unknown" for any other value. */
AKL_EXTERN const char *akl_boot_outcome_name(akl_boot_outcome_t outcome);

typedef struct akl_module_info {
    int32_t device;
    uint64_t fingerprint;    /* XXH3-64 of the SO bytes */
    const char *basename;    /* <prefix><16 hex>_<device>.so */
    const char *device_path; /* where the device published it */
    size_t size;             /* SO bytes */
    akl_boot_outcome_t outcome;
    double bootstrap_seconds; /* wall time of the bootstrap */
    akl_route_t route;        /* AKL_ROUTE_EXTEND or AKL_ROUTE_CUSTOM: how it was loaded */
} akl_module_info_t;

AKL_EXTERN int akl_module_info(const akl_module_t *module, akl_module_info_t *info);

/* Removes module from the process cache and frees it: a later load of its bytes bootstraps
 * again. The handle is invalid afterwards, and so is every other handle to the same module
 * (loads of the same bytes on the same device share one): unloading a module another thread
 * still loads or launches is the caller's race, as with cuModuleUnload. Device files are left in
 * place (other processes may use them); a custom-route module's binary is unloaded from the
 * runtime (rtsBinaryUnload), whose custom directory drops the file once nothing uses it. The
 * device file of a module can also disappear behind
 * the process's back (deleted, collected): the first akl_stream_sync that fails because the
 * device cannot open it (507018, device error code 11002) retires the module from the cache
 * (its handle stays valid until unloaded), and the next load of those bytes publishes again.
 * Errors: AKL_EINVAL when module is NULL or not a loaded module (never loaded, or already
 * unloaded; the handle is compared, never dereferenced). */
AKL_EXTERN int akl_module_unload(akl_module_t *module);

/* The basename a runtime SO gets on device: "<prefix><16 lowercase hex>_<device>.so". prefix NULL
 * means the default. Fails with AKL_ENAME if the result is over 100 characters or prefix has
 * characters outside [A-Za-z0-9._-], AKL_EDEVICE for a negative device, AKL_EINVAL if buf is NULL
 * or too small. */
AKL_EXTERN int akl_basename(const char *prefix, uint64_t fingerprint, int32_t device, char *buf,
                            size_t buf_size);
/* The parts of a device basename, as akl_parse_basename finds them. */
typedef struct akl_basename_parts {
    char prefix[101];     /* the prefix, NUL-terminated (at most 100 characters; may be empty) */
    uint64_t fingerprint; /* the 16 hex digits */
    int32_t device;       /* the device id (0..INT32_MAX) */
} akl_basename_parts_t;
/* The inverse of akl_basename: splits name into its prefix, fingerprint and device. name must be
 * exactly what akl_basename makes for some prefix, fingerprint and device: at most 100 characters
 * of [A-Za-z0-9._-], ending "<16 lowercase hex>_<device>.so" with the device in decimal without
 * leading zeros. Returns 0 and fills *parts, AKL_ENAME when name is not such a name (the cause in
 * akl_last_error()), AKL_EINVAL when name or parts is NULL. Tools use it to tell akl's device files
 * from others. */
AKL_EXTERN int akl_parse_basename(const char *name, akl_basename_parts_t *parts);
/* XXH3-64 (seed 0) of size bytes. */
AKL_EXTERN uint64_t akl_fingerprint(const void *data, size_t size);

/* The route loads on device take in this process: the one the first successful load on the device
 * took (an auto load then takes it too; a forced route is used as forced), or AKL_ROUTE_AUTO when
 * no load on the device has succeeded yet. AKL_EDEVICE for a negative device, AKL_EINVAL for
 * NULL. */
AKL_EXTERN int akl_device_route(int32_t device, akl_route_t *route);

/* Probes whether route works on device (the calling thread's current device) with a tiny real
 * bootstrap that publishes nothing: extend uploads the dispatcher, which only checks that it can
 * create a file in the preinstall directory; custom uploads the dispatcher through CANN's custom
 * upload and runs one of its no-op kernels. AKL_ROUTE_AUTO probes as a load decides: extend, then
 * custom for a diagnosed cause. Returns 0 with *taken (may be NULL) set to the route that worked,
 * or the error a load would get (e.g. AKL_ENOEXTEND, AKL_ENOPREINSTALL, AKL_EBOOTSKIPPED,
 * AKL_ENOCUSTOM) with the cause in akl_last_error(). Does not change the remembered route, but an
 * extend probe does use up a strict one-upload latch of the device's scheduler process. */
AKL_EXTERN int akl_route_probe(int32_t device, akl_route_t route, akl_route_t *taken);

/* ---- The device directory's collector (akl gc; docs/protocol.md section 16) ---------------- */

/* AKL_DEVICE_CACHE_MAX's default: 256 MiB, the largest SO a load accepts by default (so any one
 * loadable SO fits) and CUDA_CACHE_MAXSIZE's default on embedded platforms, which an AICPU's Linux
 * is. After every load whose bootstrap wrote a file, libakl runs the collector (as akl_device_gc
 * does), which removes unused files of the same prefix, least recently used first, until they
 * total at most this many bytes; 0 turns the bound off. It never fails the load: a failure is one
 * warning per device (AKL_LOG=warn). Under a strict one-upload latch the collector cannot be loaded
 * in a process that already bootstrapped on the device, so the bound is not applied there. */
#define AKL_DEFAULT_DEVICE_CACHE_MAX (256ull << 20)
#define AKL_GC_NO_BYTE_LIMIT UINT64_MAX

typedef struct akl_gc_options {
    size_t size;        /* sizeof(akl_gc_options_t) */
    const char *prefix; /* the prefix to collect; NULL: $AKL_PREFIX or AKL_DEFAULT_PREFIX */
    uint64_t keep;      /* the keep most recently used files are never removed */
    uint64_t max_bytes; /* stop once the prefix's files total at most this; AKL_GC_NO_BYTE_LIMIT:
                         * every file past keep is a candidate */
    uint64_t min_age_s; /* never remove a file used less than this many seconds ago */
    int32_t timeout_ms; /* 0: 60000; -1: forever */
    bool dry_run;       /* decide and report, remove nothing */
} akl_gc_options_t;

typedef enum akl_gc_state {
    AKL_GC_KEPT = 1,         /* among the keep newest, or the byte bound was met first */
    AKL_GC_REMOVED = 2,      /* removed */
    AKL_GC_WOULD_REMOVE = 3, /* dry run: would have been removed */
    AKL_GC_IN_USE = 4,       /* a live process on the device holds it: never removed */
    AKL_GC_TOO_YOUNG = 5,    /* used less than min_age_s ago */
    AKL_GC_FAILED = 6,       /* could not be removed: err is the errno */
} akl_gc_state_t;

typedef struct akl_gc_file {
    char name[104];  /* the device basename */
    uint64_t size;   /* bytes */
    int64_t used_ns; /* last use, ns since the epoch (device clock): publish or identical load */
    akl_gc_state_t state;
    int err;
} akl_gc_file_t;

typedef struct akl_gc_result {
    char directory[256]; /* the device directory collected */
    uint64_t matched;    /* files of the prefix found */
    uint64_t removed_files, removed_bytes, kept_files, kept_bytes, in_use_files;
    size_t count;         /* entries in files (less than matched when the table was full) */
    akl_gc_file_t *files; /* oldest first; free with akl_gc_result_free */
} akl_gc_result_t;

/* Removes akl's published files of one prefix from device's preinstall directory (the calling
 * thread's current device), through the device itself: libakl loads its collector
 * (akl_collector.so, embedded; $AKL_COLLECTOR overrides it) on the device like a runtime SO, under
 * the prefix "aklgc_", and launches its kernel. Only "<prefix><16 hex>_<device>.so" files of
 * exactly that prefix are considered, least recently used first; a file a live process on the
 * device holds (it published or loaded it) is never removed, nor are temporaries or other
 * prefixes' files. Errors: AKL_EINVAL (NULL arguments, bad opts->size), AKL_ENAME (prefix),
 * AKL_EDEVICE, AKL_EIO / AKL_ENOTELF / AKL_EMACHINE (the collector's file cannot be read or is not
 * for the device's machine: the message names it), AKL_EVERSION (a $AKL_COLLECTOR of another
 * collector protocol version), AKL_ENOPREINSTALL (no preinstall directory), the load's errors
 * (AKL_EBOOTSKIPPED under a strict one-upload latch in a process that already bootstrapped on the
 * device, ...), AKL_EBOOTFAILED, CANN codes. The extend route only: the custom route's files are
 * CANN's, per host process. */
AKL_EXTERN int akl_device_gc(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result);
AKL_EXTERN void akl_gc_result_free(akl_gc_result_t *result);

/* "kept", "removed", "would_remove", "in_use", "too_young", "failed"; "unknown" otherwise. */
AKL_EXTERN const char *akl_gc_state_name(akl_gc_state_t state);

/* Counters of the process cache, for tests and tools. The user's loads only: libakl's own load of
 * its collector (akl_device_gc, AKL_DEVICE_CACHE_MAX) is not counted. */
typedef struct akl_cache_stats {
    uint64_t loads;      /* akl_module_load_* calls that succeeded */
    uint64_t hits;       /* of which answered from the cache without device work */
    uint64_t bootstraps; /* bootstraps attempted */
    uint64_t failures;   /* bootstraps that failed */
} akl_cache_stats_t;
AKL_EXTERN void akl_cache_stats(akl_cache_stats_t *stats);

/* ---- Launch ---------------------------------------------------------------------------------- */

/* Maximum kernel name length (CANN's AE_MAX_KERNEL_NAME). */
#define AKL_KERNEL_NAME_MAX 200
/* Maximum argument bytes of one launch (64 MiB): pass larger data in device memory. */
#define AKL_LAUNCH_ARGS_MAX (64u << 20)

/* Launches kernel (exported by module as `uint32_t kernel(void *args)`) on blocks AICPU blocks
 * (1..65535) of module's device, on stream (NULL: default). The size bytes at args are copied
 * before the call returns; the kernel is called once per block with a device copy of them.
 * timeout_s > 0 sets a per-task AICPU timeout in seconds (0: the device's default).
 * Errors: AKL_EINVAL, AKL_ENAME, AKL_E2BIG (size over AKL_LAUNCH_ARGS_MAX), AKL_EDEVICE (module's
 * device not current in this thread), AKL_ENOSYM (the SO does not export kernel as a function:
 * the message names the SO, up to three nearest exported names, and a C++-mangled export of that
 * name, to be declared extern "C"; the exports are read once, when the module is first loaded,
 * and not checked for an SO whose .dynsym cannot be read), AKL_ENOMEM, or the runtime's code.
 * Device-side failures (kernel error, crash, timeout) appear at the next synchronize. The module
 * remembers the kernel it resolved last (as akl_module_get_kernel would): launching the same name
 * again compares its bytes instead of checking and looking it up again. */
AKL_EXTERN int akl_launch(const akl_module_t *module, const char *kernel, const void *args,
                          size_t size, uint32_t blocks, akl_stream_t stream, uint32_t timeout_s);

/* A kernel of a loaded module, resolved once (as cuModuleGetFunction gives a CUfunction): its name
 * is checked and looked up in the module's exports here, not on every launch. Owned by the module
 * and valid until akl_module_unload of it; asking twice for one name gives the same handle. */
typedef struct akl_kernel akl_kernel_t;

/* Resolves kernel of module into *out. Errors: AKL_EINVAL, AKL_ENAME, AKL_ENOSYM (as akl_launch),
 * AKL_ENOMEM. Thread-safe. */
AKL_EXTERN int akl_module_get_kernel(const akl_module_t *module, const char *kernel,
                                     const akl_kernel_t **out);

/* akl_launch of a resolved kernel: the same launch and errors, without the per-launch name check
 * and export lookup. */
AKL_EXTERN int akl_launch_kernel(const akl_kernel_t *kernel, const void *args, size_t size,
                                 uint32_t blocks, akl_stream_t stream, uint32_t timeout_s);

#ifdef __cplusplus
}
#endif

#endif /* AKL_AKL_H */
