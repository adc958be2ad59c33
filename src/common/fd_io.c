/* File I/O with one EINTR policy (see fd_io.h). */
#define _GNU_SOURCE
#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds one write(2), so that a huge buffer never meets a filesystem's per-call limits. */
#define CMN_WRITE_CHUNK (1u << 20)

int cmn_read_full(int fd, void *buf, size_t want, size_t *got)
{
    size_t done = 0;
    int err = 0;
    while (done < want) {
        ssize_t n = read(fd, (char *)buf + done, want - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = errno;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    *got = done;
    return err;
}

int cmn_write_all(int fd, const void *buf, size_t len, size_t *written)
{
    size_t done = 0;
    int err = 0;
    while (done < len) {
        size_t want = len - done < CMN_WRITE_CHUNK ? len - done : CMN_WRITE_CHUNK;
        ssize_t n = write(fd, (const char *)buf + done, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    if (written)
        *written = done;
    return err;
}

int cmn_read_fd(int fd, size_t max_size, void **data, size_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return EINVAL;
    if ((unsigned long long)st.st_size > max_size)
        return EFBIG;
    size_t want = (size_t)st.st_size;
    char *buf = malloc(want ? want : 1);
    if (!buf)
        return ENOMEM;
    size_t got = 0;
    int err = cmn_read_full(fd, buf, want, &got);
    if (err == 0 && got < want)
        err = EIO; /* it shrank while we read it */
    if (err != 0) {
        free(buf);
        return err;
    }
    *data = buf;
    *size = got;
    return 0;
}

int cmn_read_file(const char *path, size_t max_size, void **data, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno;
    int err = cmn_read_fd(fd, max_size, data, size);
    close(fd);
    return err;
}

int cmn_fsync(int fd)
{
    while (fsync(fd) != 0) {
        if (errno != EINTR)
            return errno;
    }
    return 0;
}

int cmn_fsync_dir(int dirfd)
{
    int err = cmn_fsync(dirfd);
    return err == EINVAL || err == ENOTSUP ? 0 : err;
}

int cmn_fsync_dir_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = cmn_fsync_dir(fd);
    close(fd);
    return err;
}

int cmn_fd_is_name(int dirfd, const char *name, int fd)
{
    struct stat by_fd, by_name;
    if (fstatat(dirfd, name, &by_name, AT_SYMLINK_NOFOLLOW) != 0)
        return errno;
    if (fstat(fd, &by_fd) != 0)
        return errno;
    return by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev ? 0 : ESTALE;
}
