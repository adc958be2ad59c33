/* AKL_DEVICE_CACHE_MAX as libakl reads it for every publish (docs/protocol.md section 16): bytes
 * with an optional K, M or G suffix, 0 for no bound, the default when unset or empty, and the
 * default (with a warning) for anything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* The collector's arguments: the rule as asked, the byte rule only with a byte limit. */
static void test_collect_args(void **state)
{
    (void)state;
    akl_collect_args_t args;
    akl_gc_options_t rule = {.size = sizeof rule, .max_bytes = 4096};
    ldr_gc_fill_args("p_", &rule, 0x1000, 7, &args);
    assert_int_equal(args.magic, AKL_COLLECT_MAGIC);
    assert_int_equal(args.version, AKL_COLLECT_VERSION);
    assert_int_equal(args.max_bytes, 4096);
    assert_int_equal(args.flags, AKL_GC_FLAG_BOUND);
    assert_int_equal(args.keep, 0);
    assert_int_equal(args.table_addr, 0x1000);
    assert_int_equal(args.table_cap, 7);
    assert_string_equal(args.prefix, "p_");
    rule = (akl_gc_options_t){.size = sizeof rule,
                              .keep = 2,
                              .max_bytes = AKL_GC_NO_BYTE_LIMIT,
                              .min_age_s = 9,
                              .dry_run = true};
    ldr_gc_fill_args("p_", &rule, 0x1000, 7, &args);
    assert_int_equal(args.flags, AKL_GC_FLAG_DRY_RUN); /* no byte rule */
    assert_int_equal(args.max_bytes, 0);
    assert_int_equal(args.keep, 2);
    assert_int_equal(args.min_age_s, 9);
    assert_int_equal(ldr_gc_table_bytes(2), sizeof(akl_gc_table_t) + 2 * 128);
}

/* A table a collector of another version wrote, or one that says it failed, is an error naming
 * the collector; a clean one is not. */
static void test_table_head(void **state)
{
    (void)state;
    akl_gc_table_t head = {0};
    assert_int_equal(ldr_gc_check_head(&head, "collecting", "c.so"), AKL_EBOOTFAILED);
    head.magic = AKL_GC_TABLE_MAGIC;
    head.version = AKL_COLLECT_VERSION + 1;
    assert_int_equal(ldr_gc_check_head(&head, "collecting", "c.so"), AKL_EVERSION);
    assert_non_null(strstr(akl_last_error(), "c.so"));
    head.version = AKL_COLLECT_VERSION;
    head.stage = AKL_GC_STAGE_DIR;
    head.err = ENOENT;
    assert_int_equal(ldr_gc_check_head(&head, "collecting", "c.so"), AKL_ENOPREINSTALL);
    head.stage = AKL_GC_STAGE_COLLECT;
    head.err = EIO;
    assert_int_equal(ldr_gc_check_head(&head, "collecting", "c.so"), AKL_EBOOTFAILED);
    head.stage = AKL_GC_STAGE_NONE;
    head.err = 0;
    assert_int_equal(ldr_gc_check_head(&head, "collecting", "c.so"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_collect_args),
        cmocka_unit_test(test_table_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
