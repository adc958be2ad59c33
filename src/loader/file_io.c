/* Reading a runtime SO from disk: read(2) into a private buffer rather than mmap, so a file that
 * another process truncates meanwhile gives a short read, never a SIGBUS. */
#define _GNU_SOURCE
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "errors.h"
#include "fd_io.h"

static int ldr_read_open_file(int fd, const char *path, size_t max_size, void **data, size_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return ldr_fail(AKL_EIO, "%s: stat failed: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ldr_fail(AKL_EIO, "%s: not a regular file", path);
    if ((unsigned long long)st.st_size > max_size)
        return ldr_fail(AKL_ETOOBIG, "%s: %lld bytes is larger than the limit of %zu bytes", path,
                        (long long)st.st_size, max_size);
    size_t want = (size_t)st.st_size;
    char *buf = malloc(want ? want : 1);
    if (!buf)
        return ldr_fail(AKL_ENOMEM, "%s: cannot allocate %zu bytes to read it", path, want);
    /* A file that shrinks meanwhile reads short: the caller's checks of the bytes catch it. */
    int err = cmn_read_full(fd, buf, want, size);
    if (err != 0) {
        free(buf);
        return ldr_fail(AKL_EIO, "%s: read failed: %s", path, strerror(err));
    }
    *data = buf;
    return 0;
}

int ldr_read_file(const char *path, size_t max_size, void **data, size_t *size)
{
    if (!path)
        return ldr_fail(AKL_EINVAL, "SO path is NULL");
    if (!path[0])
        return ldr_fail(AKL_EINVAL, "SO path is empty");
    /* O_NONBLOCK: opening a FIFO must not hang the caller; it is then refused as not regular. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return ldr_fail(AKL_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = ldr_read_open_file(fd, path, max_size, data, size);
    close(fd);
    return rc;
}
