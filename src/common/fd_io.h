/* File I/O with one policy for everyone: a call interrupted by a signal (EINTR) is retried, short
 * reads and writes are continued, and every function returns 0 or the errno value that stopped it
 * (never -1 with errno), so a caller can pass the cause on without it being clobbered. */
#ifndef AKL_COMMON_FD_IO_H
#define AKL_COMMON_FD_IO_H

#include <stddef.h>

/* Reads up to want bytes into buf, stopping early only at end of file; *got says how many.
 * Returns 0 (also at end of file) or the errno of a failed read. */
int cmn_read_full(int fd, void *buf, size_t want, size_t *got);
/* Writes all len bytes; *written (may be NULL) says how many made it. Returns 0 or the errno of a
 * failed write (EIO for a write that wrote nothing). */
int cmn_write_all(int fd, const void *buf, size_t len, size_t *written);
/* Reads the whole regular file open at fd into a malloc'd buffer (*data, caller frees; never NULL
 * on success, even for an empty file). Returns 0, EINVAL when fd is not a regular file, EFBIG when
 * it is larger than max_size, EIO when it shrank while being read, ENOMEM, or a read/stat errno. */
int cmn_read_fd(int fd, size_t max_size, void **data, size_t *size);
/* cmn_read_fd of the file at path (opened O_NONBLOCK, so a FIFO is refused instead of hanging).
 * Returns 0 or an errno as cmn_read_fd, or the errno of the open. */
int cmn_read_file(const char *path, size_t max_size, void **data, size_t *size);
/* fsync(2) of a file. Returns 0 or its errno. */
int cmn_fsync(int fd);
/* fsync(2) of a directory, so that a rename in it is durable. A filesystem that cannot fsync a
 * directory (EINVAL, ENOTSUP) counts as success: the rename is then as durable as it allows.
 * Returns 0 or the errno. */
int cmn_fsync_dir(int dirfd);
/* cmn_fsync_dir of the directory at path. Returns 0 or the errno of the open or the fsync. */
int cmn_fsync_dir_path(const char *path);
/* Whether fd is still the file that name (in dirfd, not followed if a link) refers to: the check a
 * holder of a lock on fd makes before trusting the name (the dispatcher's hold, the collector's
 * unlink). Returns 0 when it is, else the errno of the
 * lookup (ENOENT: gone) or ESTALE when the name now refers to another file. */
int cmn_fd_is_name(int dirfd, const char *name, int fd);

#endif /* AKL_COMMON_FD_IO_H */
