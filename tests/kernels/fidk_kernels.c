/* Test kernels for the simulator-fidelity tests (tests/sim/test_sim_fidelity.c): a spin
 * barrier across every block of a task, which completes only if all blocks run at once, as a
 * kernel written for a die's cores does; and a file writer for the device's own paths. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#define FIDK_EXPORT __attribute__((visibility("default")))

extern uint32_t AicpuGetBlockNum(void);

typedef struct fidk_barrier_args {
    uint64_t counter; /* device address of a zeroed uint32_t */
} fidk_barrier_args_t;

FIDK_EXPORT uint32_t fidk_barrier(void *args);

uint32_t fidk_barrier(void *args)
{
    const fidk_barrier_args_t *a = args;
    uint32_t *counter = (uint32_t *)(uintptr_t)a->counter;
    uint32_t blocks = AicpuGetBlockNum();
    __atomic_add_fetch(counter, 1U, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < blocks) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    return 0;
}

/* Writes size bytes from device address data to path (created, truncated, mode 0755) and stores
 * 0 or the errno at out: device code writing a device path, as third-party dispatchers do. */
typedef struct fidk_write_args {
    uint64_t data;
    uint64_t size;
    uint64_t out; /* device address of an int32_t */
    char path[256];
} fidk_write_args_t;

FIDK_EXPORT uint32_t fidk_write_file(void *args);

uint32_t fidk_write_file(void *args)
{
    const fidk_write_args_t *a = args;
    int32_t *out = (int32_t *)(uintptr_t)a->out;
    int fd = open(a->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0) {
        *out = errno;
        return 0;
    }
    const char *p = (const char *)(uintptr_t)a->data;
    size_t left = (size_t)a->size;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n <= 0) {
            *out = errno ? errno : EIO;
            close(fd);
            return 0;
        }
        p += n;
        left -= (size_t)n;
    }
    *out = close(fd) == 0 ? 0 : errno;
    return 0;
}
