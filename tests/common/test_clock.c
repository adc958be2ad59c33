/* Tests of src/common/clock.c: the clock never goes back, agrees with CLOCK_MONOTONIC, and the two
 * units agree with each other. */
#include "clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

static uint64_t reference_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_monotonic_and_on_clock_monotonic(void **state)
{
    (void)state;
    uint64_t before = reference_ns();
    uint64_t previous = cmn_now_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = cmn_now_ns();
        assert_true(now >= previous);
        previous = now;
    }
    uint64_t after = reference_ns();
    assert_true(previous >= before);
    assert_true(previous <= after);
}

static void test_seconds_agree_with_nanoseconds(void **state)
{
    (void)state;
    uint64_t ns_before = cmn_now_ns();
    double seconds = cmn_now_seconds();
    uint64_t ns_after = cmn_now_ns();
    /* Within a microsecond: a double carries far more precision than that at any uptime. */
    assert_true(seconds >= (double)ns_before * 1e-9 - 1e-6);
    assert_true(seconds <= (double)ns_after * 1e-9 + 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monotonic_and_on_clock_monotonic),
        cmocka_unit_test(test_seconds_agree_with_nanoseconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
