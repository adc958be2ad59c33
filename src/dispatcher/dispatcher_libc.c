/* The libc calls the dispatcher makes straight to the kernel, because glibc would bind them to a
 * symbol version newer than a device's glibc may have: fstat and fstatat are GLIBC_2.33 since glibc
 * 2.33, while the aarch64 baseline (and the most the dispatcher may need) is GLIBC_2.17. The link
 * routes every fstat/fstatat of the dispatcher here (-Wl,--wrap in CMakeLists.txt), so the rest of
 * the dispatcher stays ordinary libc code. On x86-64 and aarch64 the kernel's struct stat is
 * glibc's, so the result is the same. With headers older than 2.33 (fstat an inline over __fxstat),
 * nothing references fstat and these go unused. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* used: with link-time optimisation nothing calls these until the linker renames the calls, so
 * the compiler would otherwise drop them first. */
__attribute__((used)) int __wrap_fstat(int fd, struct stat *st);
__attribute__((used)) int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags);

int __wrap_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}
