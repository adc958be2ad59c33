/* The simulator seen through the akl CLI, as a user runs it: a kernel that stops its scheduler
 * (raise(SIGSTOP)) is timed out by the host under `akl run --timeout 2 --sync-timeout -1` instead
 * of hanging; and `akl run` works under valgrind's memcheck, where pidfd_open is missing, with no
 * error reported. Each run has a deadline, and no process may be left behind. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_cli_spawn.h"
#include "test_support.h"

#define SCLI_HELLO_SO AKL_BUILD_DIR "/lib/akl/examples/libakl_hello.so"
#define SCLI_SIMK_SO AKL_TEST_KERNEL_DIR "/libsimk_basic.so"
/* Generous: a valgrind run is slow; a hang is what these tests exist to catch. */
#define SCLI_DEADLINE_MS 90000

static void scli_run(tcli_result_t *r, const char *const *argv)
{
    tcli_proc_t proc;
    assert_int_equal(tcli_spawn(argv, NULL, &proc), 0);
    int finished = tcli_finish(&proc, SCLI_DEADLINE_MS, r);
    if (finished != 0)
        fprintf(stderr, "%s did not finish within %d ms; stderr:\n%s\n", argv[0], SCLI_DEADLINE_MS,
                r->err);
    assert_int_equal(finished, 0);
}

static void test_run_of_a_kernel_that_stops_its_scheduler_times_out(void **state)
{
    (void)state;
    char akl[4096];
    tcli_bin("akl", akl, sizeof akl);
    const char *const argv[] = {akl,  "run",        "--timeout", "2", "--sync-timeout",
                                "-1", SCLI_SIMK_SO, "simk_stop", NULL};
    tcli_result_t r;
    scli_run(&r, argv);
    tcli_expect_exit(&r, 1);
    tcli_assert_contains(r.err, "507017");
    tcli_assert_contains(r.err, "kernel 'simk_stop'");
    tcli_assert_contains(r.err, "2000 ms");
    tcli_result_free(&r);
    assert_true(tcli_no_leftover_processes(10000));
}

/* valgrind's path, or NULL when it is not installed. */
static const char *scli_find_valgrind(char *out, size_t cap)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && (size_t)snprintf(out, cap, "%.*s/valgrind", (int)len, path) < cap &&
            access(out, X_OK) == 0)
            return out;
        path += len + (path[len] == ':');
    }
    return NULL;
}

static void test_run_under_valgrind_memcheck(void **state)
{
    (void)state;
    char valgrind[4096], akl[4096];
    if (AKL_TEST_SANITIZED) {
        fprintf(stderr, "skipped: valgrind cannot run a sanitizer build\n");
        skip();
    }
    if (!scli_find_valgrind(valgrind, sizeof valgrind)) {
        fprintf(stderr, "skipped: valgrind is not installed (scripts/deps.sh installs it)\n");
        skip();
    }
    tcli_bin("akl", akl, sizeof akl);
    const char *const argv[] = {valgrind,
                                "--tool=memcheck",
                                "--error-exitcode=99",
                                "-q",
                                akl,
                                "run",
                                "--json",
                                "--buffer",
                                "16",
                                "--args-hex",
                                "8877665544332211",
                                SCLI_HELLO_SO,
                                "akl_hello",
                                NULL};
    tcli_result_t r;
    scli_run(&r, argv);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_expect_json_value(r.out, "hex", "48454c4c4f0000008877665544332211");
    tcli_result_free(&r);
    assert_true(tcli_no_leftover_processes(10000));
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_of_a_kernel_that_stops_its_scheduler_times_out,
                                        tcli_reset_root, tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_run_under_valgrind_memcheck, tcli_reset_root,
                                        tcli_check_and_reset_root),
    };
    return t_run_group_tests_name("sim_cli", tests, NULL, NULL);
}
