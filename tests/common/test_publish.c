/* Tests of src/common/publish.c, the one atomic publish: the bytes arrive whole with the asked mode
 * whatever the umask, no temporary outlives a publish or a failed step, the step that failed is
 * named, the stale temporaries of the name's prefix are swept first, and CMN_PUBLISH_HOLD's
 * descriptor holds the published file's shared lock (and nothing stays open when it fails), and
 * CMN_PUBLISH_NEW_NAME writes where no name shows the bytes (falling back to the rename when the
 * name exists after all). */
#define _GNU_SOURCE
#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define NAME "akl_0123456789abcdef_0.so"

typedef struct fixture {
    char dir[64];
    int dirfd;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/akl-test-publish-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *state = f;
    return f->dirfd < 0 ? -1 : 0;
}

/* Removes what a test left in the directory, one level of subdirectories included (the rename
 * test's directory in the way). A fresh open of "." each time: a dup of dirfd would share the
 * directory offset a previous scan left at the end, and see nothing. */
static void remove_entries(int dirfd)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            unlinkat(dirfd, e->d_name, 0) == 0)
            continue;
        int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            remove_entries(sub);
            close(sub);
        }
        unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
    }
    if (d)
        closedir(d);
    else if (fd >= 0)
        close(fd);
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    remove_entries(f->dirfd);
    close(f->dirfd);
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

/* Entries of the directory whose name starts with a dot (temporaries), "." and ".." aside. */
static int count_temps(int dirfd)
{
    DIR *d = fdopendir(openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_publishes_whole_with_mode(void **state)
{
    fixture_t *f = *state;
    mode_t old = umask(077);
    cmn_publish_t pub;
    assert_int_equal(cmn_publish(f->dirfd, NAME, "hello", 5, 0755, 0, &pub), 0);
    assert_int_equal(cmn_publish(f->dirfd, NAME, "world!", 6, 0755, CMN_PUBLISH_NO_FSYNC, &pub), 0);
    umask(old);
    struct stat st;
    assert_int_equal(fstatat(f->dirfd, NAME, &st, 0), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(st.st_size, 6);
    assert_int_equal(pub.written, 6);
    char buf[8] = {0};
    int fd = openat(f->dirfd, NAME, O_RDONLY);
    assert_int_equal(read(fd, buf, sizeof buf), 6);
    close(fd);
    assert_string_equal(buf, "world!");
    assert_int_equal(count_temps(f->dirfd), 0);
}

static void test_failed_rename_names_the_step_and_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(mkdirat(f->dirfd, NAME, 0700), 0);
    assert_int_equal(mkdirat(f->dirfd, NAME "/x", 0700), 0); /* not empty: rename must fail */
    cmn_publish_t pub;
    int err = cmn_publish(f->dirfd, NAME, "x", 1, 0644, 0, &pub);
    assert_true(err == EISDIR || err == ENOTEMPTY || err == EEXIST);
    assert_int_equal(pub.step, CMN_PUBLISH_RENAME);
    assert_string_equal(cmn_publish_step_name(pub.step), "rename");
    assert_int_equal(count_temps(f->dirfd), 0);
    unlinkat(f->dirfd, NAME "/x", AT_REMOVEDIR);
}

static void test_sweeps_stale_temporaries_first(void **state)
{
    fixture_t *f = *state;
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    char stale[128];
    snprintf(stale, sizeof stale, ".akl_fedcba9876543210_1.so.tmp.%d.1.0123456789abcdef",
             (int)gone);
    int fd = openat(f->dirfd, stale, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    cmn_publish_t pub;
    assert_int_equal(cmn_publish(f->dirfd, NAME, "x", 1, 0644, 0, &pub), 0);
    assert_int_equal(pub.temps_removed, 1);
    assert_int_equal(count_temps(f->dirfd), 0);
}

static void test_name_too_long_for_a_temporary(void **state)
{
    fixture_t *f = *state;
    char name[260];
    memset(name, 'n', 250);
    name[250] = '\0';
    cmn_publish_t pub;
    assert_int_equal(cmn_publish_once(f->dirfd, name, "x", 1, 0644, 0, NULL, NULL, &pub),
                     ENAMETOOLONG);
    assert_int_equal(pub.step, CMN_PUBLISH_CREATE);
}

/* Descriptors open in this process, to show that a publish leaks none. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* CMN_PUBLISH_HOLD: the published file comes with a read-only descriptor of it carrying a shared
 * flock, so a collector's exclusive non-blocking lock fails from the moment the name exists. */
static void test_hold_is_a_read_only_shared_lock_of_the_file(void **state)
{
    fixture_t *f = *state;
    cmn_publish_t pub;
    assert_int_equal(
        cmn_publish_once(f->dirfd, NAME, "held", 4, 0755, CMN_PUBLISH_HOLD, NULL, NULL, &pub), 0);
    assert_true(pub.held >= 0);
    assert_int_equal(fcntl(pub.held, F_GETFL) & O_ACCMODE, O_RDONLY);
    struct stat by_fd, by_name;
    assert_int_equal(fstat(pub.held, &by_fd), 0);
    assert_int_equal(fstatat(f->dirfd, NAME, &by_name, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev);
    int other = openat(f->dirfd, NAME, O_RDONLY | O_CLOEXEC);
    assert_true(other >= 0);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
    assert_int_equal(errno, EWOULDBLOCK);
    close(pub.held);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0); /* the hold was the only lock */
    close(other);
    /* Without the flag nothing is held. */
    assert_int_equal(cmn_publish_once(f->dirfd, NAME, "x", 1, 0755, 0, NULL, NULL, &pub), 0);
    assert_int_equal(pub.held, -1);
}

/* A publish that fails after the hold was taken (here at its rename) leaves no descriptor open. */
static void test_failed_publish_holds_nothing(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(mkdirat(f->dirfd, NAME, 0700), 0);
    assert_int_equal(mkdirat(f->dirfd, NAME "/x", 0700), 0); /* not empty: rename must fail */
    int before = open_fds();
    cmn_publish_t pub;
    assert_int_not_equal(
        cmn_publish_once(f->dirfd, NAME, "x", 1, 0644, CMN_PUBLISH_HOLD, NULL, NULL, &pub), 0);
    assert_int_equal(pub.step, CMN_PUBLISH_RENAME);
    assert_int_equal(pub.held, -1);
    assert_int_equal(open_fds(), before);
    assert_int_equal(count_temps(f->dirfd), 0);
    unlinkat(f->dirfd, NAME "/x", AT_REMOVEDIR);
}

/* An inspect that counts, before each chunk is written, the temporaries the directory shows. */
typedef struct seen {
    int dirfd;
    int temps; /* the most seen at once */
} seen_t;

static int count_visible_temps(void *ctx, const void *chunk, size_t len)
{
    (void)chunk;
    (void)len;
    seen_t *seen = ctx;
    int n = count_temps(seen->dirfd);
    seen->temps = n > seen->temps ? n : seen->temps;
    return 0;
}

/* CMN_PUBLISH_NEW_NAME: the bytes are written where no name shows them (an unnamed temporary, on
 * filesystems that have O_TMPFILE), then appear whole under the name, with the mode and the hold;
 * without the flag the named temporary is in the directory while it is written. */
static void test_new_name_goes_through_an_unnamed_temporary(void **state)
{
    fixture_t *f = *state;
    int probe = openat(f->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (probe < 0)
        skip(); /* a filesystem without O_TMPFILE: the named route, tested above */
    close(probe);
    seen_t seen = {.dirfd = f->dirfd};
    cmn_publish_t pub;
    assert_int_equal(cmn_publish_once(f->dirfd, NAME, "fresh", 5, 0755,
                                      CMN_PUBLISH_NEW_NAME | CMN_PUBLISH_HOLD, count_visible_temps,
                                      &seen, &pub),
                     0);
    assert_int_equal(seen.temps, 0);
    assert_true(pub.held >= 0);
    struct stat st;
    assert_int_equal(fstatat(f->dirfd, NAME, &st, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(st.st_size, 5);
    int other = openat(f->dirfd, NAME, O_RDONLY | O_CLOEXEC);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1); /* held */
    close(other);
    close(pub.held);
    assert_int_equal(count_temps(f->dirfd), 0);

    unlinkat(f->dirfd, NAME, 0);
    assert_int_equal(cmn_publish_once(f->dirfd, NAME, "named", 5, 0755, 0, count_visible_temps,
                                      &seen, &pub),
                     0);
    assert_int_equal(seen.temps, 1);
}

/* The caller found no file under the name, but one is there by the time of the link: only a rename
 * replaces, so the publish goes the named way from the start, and the new bytes win. */
static void test_new_name_that_exists_after_all_is_replaced(void **state)
{
    fixture_t *f = *state;
    cmn_publish_t pub;
    assert_int_equal(cmn_publish_once(f->dirfd, NAME, "old", 3, 0644, 0, NULL, NULL, &pub), 0);
    assert_int_equal(cmn_publish_once(f->dirfd, NAME, "newer", 5, 0755, CMN_PUBLISH_NEW_NAME, NULL,
                                      NULL, &pub),
                     0);
    char buf[8] = {0};
    int fd = openat(f->dirfd, NAME, O_RDONLY | O_CLOEXEC);
    assert_int_equal(read(fd, buf, sizeof buf), 5);
    close(fd);
    assert_string_equal(buf, "newer");
    assert_int_equal(count_temps(f->dirfd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publishes_whole_with_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_rename_names_the_step_and_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sweeps_stale_temporaries_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_too_long_for_a_temporary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_is_a_read_only_shared_lock_of_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_publish_holds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_name_goes_through_an_unnamed_temporary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_new_name_that_exists_after_all_is_replaced, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
