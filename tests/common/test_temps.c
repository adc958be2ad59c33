/* Tests of src/common/temps.c, the temporaries of the atomic publish: the name form round-trips,
 * only names of exactly that form count, the staleness rule (writer gone, or older than
 * CMN_TEMP_MAX_AGE_S), and that a sweep removes stale temporaries of the prefix and nothing else.
 */
#define _GNU_SOURCE
#include "temps.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define PUBLISHED "akl_0123456789abcdef_0.so"

static void test_name_round_trips(void **state)
{
    (void)state;
    char temp[256];
    long long pid = 0;
    assert_int_equal(cmn_temp_name(temp, sizeof temp, PUBLISHED, 0), 0);
    assert_true(cmn_temp_of(temp, PUBLISHED, &pid));
    assert_int_equal(pid, getpid());
    assert_false(cmn_temp_of(temp, "akl_0123456789abcdef_1.so", &pid));
    assert_true(cmn_temp_of_prefix(temp, "akl_", 4, &pid));
    assert_false(cmn_temp_of_prefix(temp, "akl", 3, &pid));
    assert_int_equal(cmn_temp_name(temp, 20, PUBLISHED, 0), -1); /* does not fit */
}

static void test_only_the_exact_form_counts(void **state)
{
    (void)state;
    long long pid;
    const char *not_ours[] = {
        "." PUBLISHED ".tmp.12.34.0123456789abcdeF",  /* upper-case nonce */
        "." PUBLISHED ".tmp.12.34.0123456789abcde",   /* 15 digits */
        "." PUBLISHED ".tmp.012.34.0123456789abcdef", /* leading zero */
        "." PUBLISHED ".tmp.12.0123456789abcdef",     /* no tid */
        PUBLISHED ".tmp.12.34.0123456789abcdef",      /* no dot in front */
        "." PUBLISHED ".tmp.12.34.0123456789abcdef.x",
    };
    for (size_t i = 0; i < sizeof not_ours / sizeof *not_ours; i++) {
        assert_false(cmn_temp_of(not_ours[i], PUBLISHED, &pid));
        assert_false(cmn_temp_of_prefix(not_ours[i], "akl_", 4, &pid));
    }
    assert_true(cmn_temp_of("." PUBLISHED ".tmp.12.34.0123456789abcdef", PUBLISHED, &pid));
    assert_int_equal(pid, 12);
    assert_int_equal(cmn_published_prefix_len(PUBLISHED), 4);
    assert_int_equal(cmn_published_prefix_len("libfoo.so"), SIZE_MAX);
}

static long long dead_pid(void)
{
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    return child;
}

static void make_file(int dirfd, const char *name, time_t age)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    close(fd);
    if (age > 0) {
        struct timespec times[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
        assert_int_equal(utimensat(dirfd, name, times, 0), 0);
    }
}

static void test_staleness_and_sweep(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/akl-test-temps-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    int dirfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dirfd >= 0);
    long long gone = dead_pid();
    char live[256], old[256], dead[256], other[256];
    snprintf(live, sizeof live, "." PUBLISHED ".tmp.%d.1.0000000000000001", (int)getpid());
    snprintf(old, sizeof old, "." PUBLISHED ".tmp.%d.1.0000000000000002", (int)getpid());
    snprintf(dead, sizeof dead, ".akl_fedcba9876543210_3.so.tmp.%lld.1.0000000000000003", gone);
    snprintf(other, sizeof other, ".mine_fedcba9876543210_3.so.tmp.%lld.1.0000000000000004", gone);
    make_file(dirfd, live, 0);
    make_file(dirfd, old, CMN_TEMP_MAX_AGE_S + 60);
    make_file(dirfd, dead, 0);
    make_file(dirfd, other, 0);
    make_file(dirfd, "unrelated.tmp.1.1.0000000000000005", 0);

    assert_false(cmn_temp_stale(dirfd, live, getpid()));
    assert_true(cmn_temp_stale(dirfd, old, getpid()));
    assert_true(cmn_temp_stale(dirfd, dead, gone));

    /* The sweep for a name of prefix "akl_" takes the old and the dead one of that prefix. */
    assert_int_equal(cmn_temps_clean(dirfd, PUBLISHED), 2);
    assert_int_equal(faccessat(dirfd, live, F_OK, 0), 0);
    assert_int_equal(faccessat(dirfd, other, F_OK, 0), 0);
    assert_int_equal(faccessat(dirfd, "unrelated.tmp.1.1.0000000000000005", F_OK, 0), 0);
    assert_int_not_equal(faccessat(dirfd, old, F_OK, 0), 0);
    assert_int_not_equal(faccessat(dirfd, dead, F_OK, 0), 0);

    unlinkat(dirfd, live, 0);
    unlinkat(dirfd, other, 0);
    unlinkat(dirfd, "unrelated.tmp.1.1.0000000000000005", 0);
    close(dirfd);
    assert_int_equal(rmdir(tmpl), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_round_trips),
        cmocka_unit_test(test_only_the_exact_form_counts),
        cmocka_unit_test(test_staleness_and_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
