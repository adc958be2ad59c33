/* The dispatcher's hold (dispatcher_hold.c, docs/protocol.md section 16), in-process: what it
 * published, and what it found identical, carries its shared flock (so the collector's exclusive
 * non-blocking lock fails) and a fresh mtime. The collector itself is tested in tests/collector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_dispatcher_common.h"
#include "test_support.h"

/* Whether a collector could take the file's exclusive lock now. */
static bool hold_lockable(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    int rc = flock(fd, LOCK_EX | LOCK_NB);
    int err = errno;
    close(fd);
    if (rc != 0)
        assert_int_equal(err, EWOULDBLOCK);
    return rc == 0;
}

static void hold_age(const char *path, int age)
{
    assert_int_equal(t_set_age(path, age), 0);
}

static void test_published_and_identical_files_are_held(void **state)
{
    (void)state;
    char dir[1024], path[2048], name[128];
    disp_t_use_dir("hold", dir, sizeof dir);
    /* A file of that name, not held by anyone yet: a collector could lock it. */
    unsigned char *bytes = disp_t_pattern(500, 77);
    disp_t_name(name, sizeof name, "akl_inner_", disp_t_fingerprint(bytes, 500), 0);
    disp_t_join(path, sizeof path, dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, 500, f), 500);
    assert_int_equal(fclose(f), 0);
    hold_age(path, 1000);
    assert_true(hold_lockable(path));

    disp_t_request_t pub;
    disp_t_request(&pub, bytes, 500, 0);
    assert_int_equal(disp_t_run(&disp_lib, &pub), 0);
    assert_int_equal(pub.ack.status, AKL_ACK_IDENTICAL);
    assert_false(hold_lockable(path)); /* held for the scheduler's (here: this program's) life */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_mtime > time(NULL) - 100); /* recency refreshed */
    free(bytes);

    bytes = disp_t_pattern(600, 78);
    disp_t_request(&pub, bytes, 600, 0);
    assert_int_equal(disp_t_run(&disp_lib, &pub), 0);
    assert_int_equal(pub.ack.status, AKL_ACK_WROTE);
    assert_false(hold_lockable(pub.ack.path));
    free(bytes);
}

/* A request for the collector that lived in the dispatcher before (flag 0x2) is refused as any
 * unknown flag: the collector is akl_collector.so now. */
static void test_old_gc_flag_is_refused(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("hold_flag", dir, sizeof dir);
    disp_t_request_t req;
    disp_t_request(&req, "x", 1, 0);
    req.dargs.flags = 2;
    assert_int_equal(disp_t_run(&disp_lib, &req), 1000 + AKL_STAGE_ARGS);
    assert_non_null(strstr(req.ack.detail, "flags at 148 are 0x2"));
    assert_int_equal(disp_t_count_entries(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_and_identical_files_are_held),
        cmocka_unit_test(test_old_gc_flag_is_refused),
    };
    return t_run_group_tests(tests, disp_t_group_setup, disp_t_group_teardown);
}
