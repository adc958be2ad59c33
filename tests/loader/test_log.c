/* Unit tests of the loader's log settings: AKL_LOG is read once per process, so each case runs in a
 * forked child with its own value and its stderr captured through a pipe. Any case of the four
 * level names is accepted; any other value is reported once on stderr and leaves logging off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

typedef struct log_run {
    int enabled_mask; /* bit i: ldr_log_enabled(i) was true */
    char err[4096];   /* what the child wrote to stderr */
} log_run_t;

/* In the child: asks twice per level (the value must be read and reported once), logs one line
 * at every level, and exits with the mask of enabled levels. */
static void log_child(const char *value)
{
    if (value)
        setenv("AKL_LOG", value, 1);
    else
        unsetenv("AKL_LOG");
    int mask = 0;
    for (int round = 0; round < 2; round++) {
        for (int level = LDR_LOG_DEBUG; level < LDR_LOG_OFF; level++) {
            if (ldr_log_enabled((ldr_log_level_t)level))
                mask |= 1 << level;
        }
    }
    ldr_log(LDR_LOG_ERROR, "an error line");
    fflush(stderr);
    _exit(mask);
}

static void run_with(const char *value, log_run_t *run)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        log_child(value);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t n;
    while ((n = read(fds[0], run->err + used, sizeof run->err - 1 - used)) > 0)
        used += (size_t)n;
    run->err[used] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    run->enabled_mask = WEXITSTATUS(status);
}

static int count_of(const char *haystack, const char *needle)
{
    int count = 0;
    for (const char *at = strstr(haystack, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

static void test_level_names_in_any_case(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int mask;
    } cases[] = {
        {"debug", 0xf}, {"DEBUG", 0xf}, {"Info", 0xe}, {"WARN", 0xc}, {"wArN", 0xc}, {"Error", 0x8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        log_run_t run;
        run_with(cases[i].value, &run);
        assert_int_equal(run.enabled_mask, cases[i].mask);
        assert_null(strstr(run.err, "is not one of"));
        assert_int_equal(count_of(run.err, "akl error: an error line"), 1);
    }
}

static void test_unset_or_empty_is_silent(void **state)
{
    (void)state;
    log_run_t run;
    run_with(NULL, &run);
    assert_int_equal(run.enabled_mask, 0);
    assert_string_equal(run.err, "");
    run_with("", &run);
    assert_int_equal(run.enabled_mask, 0);
    assert_string_equal(run.err, "");
}

static void test_other_values_are_reported_once(void **state)
{
    (void)state;
    static const char *const values[] = {"verbose", "warning", "2", " warn", "debug,info"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        log_run_t run;
        run_with(values[i], &run);
        assert_int_equal(run.enabled_mask, 0);
        char expected[128];
        snprintf(expected, sizeof expected, "AKL_LOG=\"%s\" is not one of debug, info, warn, error",
                 values[i]);
        assert_int_equal(count_of(run.err, expected), 1);
        assert_int_equal(count_of(run.err, "\n"), 1);
        assert_null(strstr(run.err, "an error line"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_names_in_any_case),
        cmocka_unit_test(test_unset_or_empty_is_silent),
        cmocka_unit_test(test_other_values_are_reported_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
