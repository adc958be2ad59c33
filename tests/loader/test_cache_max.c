/* AKL_DEVICE_CACHE_MAX as libakl reads it for every publish (docs/protocol.md section 16): bytes
 * with an optional K, M or G suffix, 0 for no bound, the default when unset or empty, and the
 * default (with a warning) for anything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "gc_table.h"

static uint64_t cm_read(const char *value)
{
    if (value)
        setenv("AKL_DEVICE_CACHE_MAX", value, 1);
    else
        unsetenv("AKL_DEVICE_CACHE_MAX");
    return ldr_device_cache_max();
}

static void test_values(void **state)
{
    (void)state;
    assert_int_equal(cm_read(NULL), AKL_DEFAULT_DEVICE_CACHE_MAX);
    assert_int_equal(cm_read(""), AKL_DEFAULT_DEVICE_CACHE_MAX);
    assert_int_equal(cm_read("0"), 0);
    assert_int_equal(cm_read("12345"), 12345);
    assert_int_equal(cm_read("12K"), 12 * 1024);
    assert_int_equal(cm_read("3m"), 3 << 20);
    assert_int_equal(cm_read("2G"), 2ull << 30);
    const char *bad[] = {"abc", "-1", "12KB", "1.5M", "99999999999999999999", "17179869184G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cm_read(bad[i]), AKL_DEFAULT_DEVICE_CACHE_MAX);
}

static void test_publish_bound_fields(void **state)
{
    (void)state;
    akl_device_args_t args = {0};
    cm_read("4096");
    ldr_gc_fill_publish_bound(&args);
    assert_int_equal(args.gc_max_bytes, 4096);
    assert_int_equal(args.gc_flags, AKL_GC_FLAG_BOUND);
    assert_int_equal(args.gc_keep, 0);
    cm_read("0");
    ldr_gc_fill_publish_bound(&args);
    assert_int_equal(args.gc_flags, 0); /* no bound: the dispatcher does not collect */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_publish_bound_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
