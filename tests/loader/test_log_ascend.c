/* The loader's log level (issue 15): AKL_LOG decides when it is set (even empty); otherwise CANN's
 * ASCEND_GLOBAL_LOG_LEVEL does, with CANN's numbering (0 debug .. 3 error, 4 off). The level is
 * read once per process, so each case runs in a forked child that sets the environment first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* The lowest enabled level in a child with these variables (NULL: unset), LDR_LOG_OFF if none. */
static int lg_threshold(const char *ldr_log, const char *ascend_level)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (ldr_log)
            setenv("AKL_LOG", ldr_log, 1);
        else
            unsetenv("AKL_LOG");
        if (ascend_level)
            setenv("ASCEND_GLOBAL_LOG_LEVEL", ascend_level, 1);
        else
            unsetenv("ASCEND_GLOBAL_LOG_LEVEL");
        int level = LDR_LOG_DEBUG;
        while (level < LDR_LOG_OFF && !ldr_log_enabled((ldr_log_level_t)level))
            level++;
        _exit(level);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_ascend_level_when_akl_log_is_unset(void **state)
{
    (void)state;
    assert_int_equal(lg_threshold(NULL, NULL), LDR_LOG_OFF);
    assert_int_equal(lg_threshold(NULL, "0"), LDR_LOG_DEBUG);
    assert_int_equal(lg_threshold(NULL, "1"), LDR_LOG_INFO);
    assert_int_equal(lg_threshold(NULL, "2"), LDR_LOG_WARN);
    assert_int_equal(lg_threshold(NULL, "3"), LDR_LOG_ERROR);
    assert_int_equal(lg_threshold(NULL, "4"), LDR_LOG_OFF);
    assert_int_equal(lg_threshold(NULL, "5"), LDR_LOG_OFF);
    assert_int_equal(lg_threshold(NULL, "01"), LDR_LOG_OFF);
    assert_int_equal(lg_threshold(NULL, ""), LDR_LOG_OFF);
}

static void test_akl_log_wins_when_set(void **state)
{
    (void)state;
    assert_int_equal(lg_threshold("warn", "0"), LDR_LOG_WARN);
    assert_int_equal(lg_threshold("debug", "4"), LDR_LOG_DEBUG);
    assert_int_equal(lg_threshold("", "0"), LDR_LOG_OFF); /* set but empty: silent */
    assert_int_equal(lg_threshold("error", NULL), LDR_LOG_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascend_level_when_akl_log_is_unset),
        cmocka_unit_test(test_akl_log_wins_when_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
