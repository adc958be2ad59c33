/* The simulator's libaicpu_extend_kernels.so, preinstalled in every simulated chip.
 *
 * CANN's library is closed source; this one follows its open-source counterpart, PyPTO's
 * BackendServerHandleManager: the first Init launch of a process saves the uploaded SO (the
 * firstCreatSo_ latch: later uploads are ignored), the saved SO is dlopened once (firstLoadSo_)
 * and its three exports looked up, and every Init launch calls the loaded SO's Init with that
 * launch's args. AKL_SIM_EXTEND_LATCH=strict makes later Init launches skip everything.
 *
 * The process-wide state below is the latch the design names; it lives as long as the scheduler. */
#define _GNU_SOURCE
#include "extend_kernels.h"

#include "bootstrap_abi.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "sim_held.h"

#define EXTEND_FAIL 1U

typedef int (*extend_backend_fn)(void *args);

enum extend_export {
    EXTEND_STATIC = 0,
    EXTEND_DYN_INIT = 1,
    EXTEND_DYN = 2,
    EXTEND_EXPORT_COUNT = 3,
};

static const char *const extend_backend_names[EXTEND_EXPORT_COUNT] = {
    "StaticTileFwkBackendKernelServer",
    "DynTileFwkBackendKernelServerInit",
    "DynTileFwkBackendKernelServer",
};

static struct {
    pthread_mutex_t lock;
    bool first_creat_so; /* a dispatcher was saved: later uploads are ignored */
    bool first_load_so;  /* the saved dispatcher was loaded, successfully or not: never again */
    int so_fd;           /* memfd with the saved bytes; kept open so its /proc path stays unique */
    void *handle;
    extend_backend_fn backend[EXTEND_EXPORT_COUNT];
} extend_state = {PTHREAD_MUTEX_INITIALIZER, false, false, -1, NULL, {NULL, NULL, NULL}};

/* Errors always reach stderr (a failing KFC task should say why); progress only with
 * AKL_SIM_LOG set. */
static void extend_log(bool is_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void extend_log(bool is_error, const char *fmt, ...)
{
    const char *log = getenv("AKL_SIM_LOG");
    if (!is_error && !(log && *log))
        return;
    /* The whole line in one buffer and one fprintf: lines of concurrent workers stay whole. */
    char line[1024];
    int at = snprintf(line, sizeof line, "akl-sim libaicpu_extend_kernels.so[%d]: ", (int)getpid());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + at, sizeof line - (size_t)at, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}

static bool extend_latch_is_strict(void)
{
    const char *mode = getenv("AKL_SIM_EXTEND_LATCH");
    return mode && strcmp(mode, "strict") == 0;
}

/* The host hands us device addresses; copying through process_vm_readv turns a bad one into an
 * error instead of a crash of the whole scheduler. Where the call is not permitted (seccomp),
 * a plain copy is the best we can do. */
static int extend_copy_in(void *dst, uint64_t addr, size_t size)
{
    struct iovec local = {dst, size};
    struct iovec remote = {(void *)(uintptr_t)addr, size};
    ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (n == (ssize_t)size)
        return 0;
    if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
        memcpy(dst, (const void *)(uintptr_t)addr, size);
        return 0;
    }
    return -1;
}

typedef struct extend_upload {
    uint64_t bin;
    uint64_t len;
    uint64_t device_id;
} extend_upload_t;

/* Reads aicpuSoBin / aicpuSoLen / deviceId (DeviceArgs offsets 96 / 104 / 112) through cfgdata
 * (DeviceKernelArgs offset 40). */
static int extend_read_upload(void *args, extend_upload_t *up)
{
    if (!args) {
        extend_log(true, "DynTileFwkKernelServerInit: args is NULL");
        return -1;
    }
    uint64_t cfgdata = ((const akl_device_kernel_args_t *)args)->cfgdata;
    if (!cfgdata) {
        extend_log(true, "DynTileFwkKernelServerInit: cfgdata (args offset 40) is 0");
        return -1;
    }
    unsigned char raw[offsetof(akl_device_args_t, device_id) + sizeof(uint64_t)];
    if (extend_copy_in(raw, cfgdata, sizeof raw) != 0) {
        extend_log(true, "DynTileFwkKernelServerInit: cfgdata 0x%" PRIx64 " is not readable",
                   cfgdata);
        return -1;
    }
    memcpy(&up->bin, raw + offsetof(akl_device_args_t, aicpu_so_bin), sizeof up->bin);
    memcpy(&up->len, raw + offsetof(akl_device_args_t, aicpu_so_len), sizeof up->len);
    memcpy(&up->device_id, raw + offsetof(akl_device_args_t, device_id), sizeof up->device_id);
    return 0;
}

/* write() from the device address reports EFAULT for a bad range instead of faulting. */
static int extend_write_bytes(int fd, uint64_t addr, uint64_t len)
{
    const char *p = (const char *)(uintptr_t)addr;
    while (len > 0) {
        size_t chunk = len > (1U << 30) ? (1U << 30) : (size_t)len;
        ssize_t n = write(fd, p, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        p += n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* PyPTO's SaveSoFile. Where CANN's build writes the bytes is UNCONFIRMED; we use a memfd, so that
 * a killed scheduler leaves nothing behind. Caller holds the lock. */
static int extend_save_so(const extend_upload_t *up)
{
    assert(sim_mutex_held(&extend_state.lock));
    if (up->len < 1 || extend_state.first_creat_so)
        return 0;
    if (!up->bin) {
        extend_log(true, "SaveSoFile: aicpuSoBin is 0 with aicpuSoLen %" PRIu64, up->len);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "akl_extend_server%" PRIu64, up->device_id);
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        extend_log(true, "SaveSoFile: memfd_create(%s): %s", name, strerror(errno));
        return -1;
    }
    int err = extend_write_bytes(fd, up->bin, up->len);
    if (err != 0) {
        extend_log(true, "SaveSoFile: copying %" PRIu64 " bytes from 0x%" PRIx64 ": %s", up->len,
                   up->bin, strerror(err));
        close(fd);
        return -1;
    }
    extend_state.so_fd = fd;
    extend_state.first_creat_so = true;
    extend_log(false, "saved %" PRIu64 " bytes for device %" PRIu64 " in memfd %d", up->len,
               up->device_id, fd);
    return 0;
}

/* PyPTO's SetTileFwkKernelMap: one attempt per process whatever its outcome, so a bad upload
 * leaves this process without a dispatcher, as it would on the device. RTLD_LOCAL instead of
 * PyPTO's RTLD_DEEPBIND, which AddressSanitizer refuses. Caller holds the lock. */
static void extend_load_so(void)
{
    assert(sim_mutex_held(&extend_state.lock));
    if (extend_state.first_load_so || !extend_state.first_creat_so)
        return;
    extend_state.first_load_so = true;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", extend_state.so_fd);
    dlerror();
    void *handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        extend_log(true, "cannot load the uploaded SO: %s", why ? why : path);
        return;
    }
    extend_backend_fn found[EXTEND_EXPORT_COUNT];
    for (int i = 0; i < EXTEND_EXPORT_COUNT; i++) {
        dlerror();
        void *addr = dlsym(handle, extend_backend_names[i]);
        if (!addr) {
            const char *why = dlerror();
            extend_log(true, "the uploaded SO does not export %s: %s", extend_backend_names[i],
                       why ? why : "symbol is NULL");
            dlclose(handle);
            return;
        }
        memcpy(&found[i], &addr, sizeof found[i]);
    }
    memcpy(extend_state.backend, found, sizeof found);
    extend_state.handle = handle;
    extend_log(false, "loaded the uploaded SO from %s", path);
}

/* Why a backend is missing, for the error line: nothing uploaded yet, or the one upload this
 * process accepts could not be used. */
static const char *extend_missing_reason(void)
{
    if (!extend_state.first_creat_so)
        return "no SO has been uploaded in this process yet";
    return "the SO uploaded earlier in this process could not be loaded, and a process takes one "
           "upload only";
}

/* The backend runs outside the lock, as in PyPTO: concurrent launches may run it concurrently. */
static uint32_t extend_call_backend(enum extend_export which, void *args)
{
    pthread_mutex_lock(&extend_state.lock);
    extend_backend_fn fn = extend_state.backend[which];
    const char *reason = fn ? NULL : extend_missing_reason();
    pthread_mutex_unlock(&extend_state.lock);
    if (!fn) {
        extend_log(true, "cannot call %s: %s", extend_backend_names[which], reason);
        return EXTEND_FAIL;
    }
    return (uint32_t)fn(args);
}

EXTEND_EXPORT uint32_t DynTileFwkKernelServerInit(void *args)
{
    bool strict = extend_latch_is_strict();
    pthread_mutex_lock(&extend_state.lock);
    if (strict && extend_state.first_creat_so) {
        pthread_mutex_unlock(&extend_state.lock);
        extend_log(false, "DynTileFwkKernelServerInit skipped (AKL_SIM_EXTEND_LATCH=strict)");
        return 0;
    }
    extend_upload_t up;
    int rc = extend_read_upload(args, &up);
    if (rc == 0)
        rc = extend_save_so(&up);
    if (rc == 0)
        extend_load_so();
    pthread_mutex_unlock(&extend_state.lock);
    return rc == 0 ? extend_call_backend(EXTEND_DYN_INIT, args) : EXTEND_FAIL;
}

EXTEND_EXPORT uint32_t DynTileFwkKernelServer(void *args)
{
    return extend_call_backend(EXTEND_DYN, args);
}

EXTEND_EXPORT uint32_t StaticTileFwkKernelServer(void *args)
{
    return extend_call_backend(EXTEND_STATIC, args);
}
