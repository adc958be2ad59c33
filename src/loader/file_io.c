/* Reading a runtime SO from disk. ldr_read_file: read(2) into a private buffer, so a file that
 * another process truncates meanwhile gives a short read, never a SIGBUS. ldr_map_file (the load
 * path, issue 14): a large file that only its owner, the caller, can change is mapped instead, so
 * its bytes are not copied once more into fresh, page-faulted heap memory (18 ms of a 45 ms load
 * of 16 MB in a new process); anything else is read as before. */
#define _GNU_SOURCE
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "errors.h"
#include "fd_io.h"

static int ldr_check_open_file(int fd, const char *path, size_t max_size, struct stat *st)
{
    if (fstat(fd, st) != 0)
        return ldr_fail(AKL_EIO, "%s: stat failed: %s", path, strerror(errno));
    if (!S_ISREG(st->st_mode))
        return ldr_fail(AKL_EIO, "%s: not a regular file", path);
    if ((unsigned long long)st->st_size > max_size)
        return ldr_fail(AKL_ETOOBIG, "%s: %lld bytes is larger than the limit of %zu bytes", path,
                        (long long)st->st_size, max_size);
    return 0;
}

static int ldr_read_open_file(int fd, const char *path, size_t max_size, void **data, size_t *size)
{
    struct stat st;
    int rc = ldr_check_open_file(fd, path, max_size, &st);
    if (rc != 0)
        return rc;
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

/* Below this, reading costs about what mapping does. */
#define LDR_MAP_MIN_SIZE (256u << 10)

/* Only the caller (or root) can truncate it: a SIGBUS from a mapped page would be its own doing. */
static bool ldr_file_mappable(const struct stat *st)
{
    return (size_t)st->st_size >= LDR_MAP_MIN_SIZE &&
           (st->st_uid == geteuid() || st->st_uid == 0) && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int ldr_map_file(const char *path, size_t max_size, void **data, size_t *size, bool *mapped)
{
    *mapped = false;
    if (!path || !path[0])
        return ldr_read_file(path, max_size, data, size);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return ldr_fail(AKL_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = ldr_check_open_file(fd, path, max_size, &st);
    if (rc == 0 && ldr_file_mappable(&st)) {
        /* Not MAP_POPULATE: faulting the pages in as the hash first reads them (the kernel maps
         * 16 around each fault) cost 30 us less per MB than populating them up front here. */
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            *data = map;
            *size = (size_t)st.st_size;
            *mapped = true;
            return 0;
        }
    }
    if (rc == 0)
        rc = ldr_read_open_file(fd, path, max_size, data, size);
    close(fd);
    return rc;
}

void ldr_unmap_file(void *data, size_t size, bool mapped)
{
    if (mapped)
        munmap(data, size);
    else
        free(data);
}
