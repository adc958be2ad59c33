/* The libc calls akl's device objects (the dispatcher, the collector) make straight to the kernel,
 * because glibc would bind them to a symbol version newer than a device's glibc may have: fstat and
 * fstatat are GLIBC_2.33 since glibc 2.33, while the aarch64 baseline (and the most a device object
 * may need) is GLIBC_2.17. The link routes every fstat/fstatat of a device object here (-Wl,--wrap
 * in akl_device_object, cmake/device_object.cmake), so the rest stays ordinary libc code. Linked
 * into device objects only (the akl_device_libc object library), never into host code. On x86-64
 * and aarch64 the kernel's struct stat is glibc's, so the result is the same. With headers older
 * than 2.33 (fstat an inline over __fxstat), nothing references fstat and these go unused. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* used: with link-time optimisation nothing calls these until the linker renames the calls, so
 * the compiler would otherwise drop them first. */
__attribute__((used)) int __wrap_fstat(int fd, struct stat *st);
__attribute__((used)) int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags);
__attribute__((used)) int __wrap_futimens(int fd, const struct timespec times[2]);

int __wrap_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

/* Not for its version (GLIBC_2.17 on aarch64) but for its cost: each libc import is ~70 bytes of
 * symbol, version, relocation and GOT entry, and the aarch64 dispatcher is within a few hundred
 * bytes of its 16 KB, while syscall is imported already. futimens(fd, t) is utimensat(fd, NULL, t,
 * 0) in the kernel's terms. */
int __wrap_futimens(int fd, const struct timespec times[2])
{
    return (int)syscall(SYS_utimensat, fd, NULL, times, 0);
}
