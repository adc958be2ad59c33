/* Tests of src/common/fd_io.c: whole writes and reads through pipes (which split them), the
 * whole-file read's refusals (not regular, too big), errno values returned rather than -1, and the
 * file and directory fsyncs. */
#define _GNU_SOURCE
#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define BIG (3u << 20) /* more than a pipe holds and more than one write chunk */

typedef struct reader {
    int fd;
    unsigned char *buf;
    size_t got;
    int err;
} reader_t;

static void *read_side(void *arg)
{
    reader_t *r = arg;
    r->err = cmn_read_full(r->fd, r->buf, BIG + 1, &r->got);
    return NULL;
}

static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131u + (i >> 11));
    return p;
}

/* A pipe hands the bytes over in pieces: both sides must carry on until all of them are through,
 * and the reader stops cleanly at end of file with fewer than it asked for. */
static void test_write_all_and_read_full_through_a_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    unsigned char *out = pattern(BIG);
    reader_t r = {fds[0], malloc(BIG + 1), 0, -1};
    assert_non_null(r.buf);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_side, &r), 0);
    size_t written = 0;
    assert_int_equal(cmn_write_all(fds[1], out, BIG, &written), 0);
    assert_int_equal(written, BIG);
    close(fds[1]);
    pthread_join(t, NULL);
    assert_int_equal(r.err, 0);
    assert_int_equal(r.got, BIG);
    assert_memory_equal(r.buf, out, BIG);
    close(fds[0]);
    free(r.buf);
    free(out);
}

static void test_errors_come_back_as_errno_values(void **state)
{
    (void)state;
    char c = 0;
    size_t n = 99;
    assert_int_equal(cmn_read_full(-1, &c, 1, &n), EBADF);
    assert_int_equal(n, 0);
    assert_int_equal(cmn_write_all(-1, &c, 1, &n), EBADF);
    assert_int_equal(n, 0);
    assert_int_equal(cmn_write_all(-1, &c, 1, NULL), EBADF);
    assert_int_equal(cmn_fsync(-1), EBADF);
    assert_int_equal(cmn_fsync_dir(-1), EBADF);
    assert_int_equal(cmn_fsync_dir_path("/nonexistent/akl-test"), ENOENT);
    void *data = NULL;
    size_t size = 0;
    assert_int_equal(cmn_read_file("/nonexistent/akl-test", 10, &data, &size), ENOENT);
    assert_null(data);
}

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/akl-test-fd-io-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    return strdup(dir);
}

static void test_read_file_whole_and_refusals(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[256], fifo[256];
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(fifo, sizeof fifo, "%s/p", dir);
    unsigned char *bytes = pattern(100000);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(cmn_write_all(fd, bytes, 100000, NULL), 0);
    assert_int_equal(cmn_fsync(fd), 0);
    close(fd);
    assert_int_equal(cmn_fsync_dir_path(dir), 0);

    void *data = NULL;
    size_t size = 0;
    assert_int_equal(cmn_read_file(path, 100000, &data, &size), 0);
    assert_int_equal(size, 100000);
    assert_memory_equal(data, bytes, size);
    free(data);
    data = NULL;
    assert_int_equal(cmn_read_file(path, 99999, &data, &size), EFBIG);
    assert_null(data);
    assert_int_equal(cmn_read_file(dir, SIZE_MAX, &data, &size), EINVAL); /* a directory */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(cmn_read_file(fifo, SIZE_MAX, &data, &size), EINVAL); /* no hang */
    assert_null(data);

    /* An empty file reads as a non-NULL buffer of 0 bytes. */
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(cmn_read_file(path, 0, &data, &size), 0);
    assert_non_null(data);
    assert_int_equal(size, 0);
    free(data);

    unlink(path);
    unlink(fifo);
    rmdir(dir);
    free(dir);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_all_and_read_full_through_a_pipe),
        cmocka_unit_test(test_errors_come_back_as_errno_values),
        cmocka_unit_test(test_read_file_whole_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
