/* Tests of src/common/so_name.c: the device's basename charset and 100-character limit, the
 * 200-character C-identifier kernel-name rule, and the published name's format and parse, which
 * must be exact inverses. */
#include "so_name.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_charset(void **state)
{
    (void)state;
    const char *ok = "azAZ09._-";
    for (const char *p = ok; *p; p++)
        assert_true(cmn_so_name_char_ok(*p));
    const char *bad = "/ \\:@+~\x7f\x80\xff";
    for (const char *p = bad; *p; p++)
        assert_false(cmn_so_name_char_ok(*p));
    assert_int_equal(cmn_so_name_bad_char("abc/def", 7), 3);
    assert_int_equal(cmn_so_name_bad_char("abc/def", 3), 3); /* outside len: not looked at */
    assert_int_equal(cmn_so_name_bad_char("", 0), 0);
}

static void test_basename_rule(void **state)
{
    (void)state;
    char name[AKL_SO_NAME_MAX + 2];
    memset(name, 'a', sizeof name);
    name[AKL_SO_NAME_MAX] = '\0';
    assert_true(cmn_so_basename_ok(name)); /* exactly 100 */
    name[AKL_SO_NAME_MAX] = 'a';
    name[AKL_SO_NAME_MAX + 1] = '\0';
    assert_false(cmn_so_basename_ok(name)); /* 101 */
    assert_false(cmn_so_basename_ok(""));
    assert_false(cmn_so_basename_ok("."));
    assert_false(cmn_so_basename_ok(".."));
    assert_true(cmn_so_basename_ok("..."));
    assert_false(cmn_so_basename_ok("../x.so"));
    assert_false(cmn_so_basename_ok("dir/x.so"));
    assert_true(cmn_so_basename_ok(".hidden-1_2.so"));
}

static void test_kernel_name_rule(void **state)
{
    (void)state;
    size_t length = 0;
    assert_true(cmn_kernel_name_ok("_k9", &length));
    assert_int_equal(length, 3);
    assert_false(cmn_kernel_name_ok("", &length));
    assert_false(cmn_kernel_name_ok("9k", &length));
    assert_false(cmn_kernel_name_ok("k-1", &length));
    assert_false(cmn_kernel_name_ok("k.x", &length));
    char name[AKL_KERNEL_NAME_MAX + 2];
    memset(name, 'k', sizeof name);
    name[AKL_KERNEL_NAME_MAX] = '\0';
    assert_true(cmn_kernel_name_ok(name, &length));
    assert_int_equal(length, AKL_KERNEL_NAME_MAX);
    name[AKL_KERNEL_NAME_MAX] = 'k';
    name[AKL_KERNEL_NAME_MAX + 1] = '\0';
    assert_false(cmn_kernel_name_ok(name, &length));
}

static void test_format(void **state)
{
    (void)state;
    char buf[128];
    assert_int_equal(cmn_so_name_format(buf, sizeof buf, "akl_", 0x0123456789abcdefULL, 3), 25);
    assert_string_equal(buf, "akl_0123456789abcdef_3.so");
    assert_int_equal(cmn_so_name_format(buf, sizeof buf, "", 1, 0), 21);
    assert_string_equal(buf, "0000000000000001_0.so");
    assert_int_equal(cmn_so_name_format(buf, 21, "", 1, 0), -1); /* no room for the NUL */
    assert_int_equal(strlen(buf), 20);
}

static void expect_parse(const char *name, size_t prefix_len, uint64_t fingerprint, int32_t device)
{
    cmn_so_name_parts_t parts;
    assert_true(cmn_so_name_parse(name, strlen(name), &parts));
    assert_int_equal(parts.prefix_len, prefix_len);
    assert_int_equal(parts.fingerprint, fingerprint);
    assert_int_equal(parts.device, device);
}

static void expect_no_parse(const char *name)
{
    cmn_so_name_parts_t parts;
    assert_false(cmn_so_name_parse(name, strlen(name), &parts));
}

static void test_parse(void **state)
{
    (void)state;
    expect_parse("akl_0123456789abcdef_3.so", 4, 0x0123456789abcdefULL, 3);
    expect_parse("0000000000000001_0.so", 0, 1, 0);
    expect_parse("x_1_ffffffffffffffff_2147483647.so", 4, UINT64_MAX, INT32_MAX);
    expect_no_parse("akl_0123456789abcdef_2147483648.so"); /* above INT32_MAX */
    expect_no_parse("akl_0123456789abcdef_03.so");         /* leading zero: never made */
    expect_no_parse("akl_0123456789ABCDEF_3.so");          /* upper-case hex: never made */
    expect_no_parse("akl_0123456789abcde_3.so");           /* 15 hex digits */
    expect_no_parse("akl_0123456789abcdef3.so");           /* no '_' before the device */
    expect_no_parse("akl_0123456789abcdef_.so");           /* no device */
    expect_no_parse("akl_0123456789abcdef_3.sox");
    expect_no_parse("a/b_0123456789abcdef_3.so"); /* outside the charset */
    expect_no_parse("");
}

static void test_format_and_parse_are_inverses(void **state)
{
    (void)state;
    const char *prefixes[] = {"", "akl_", "a.b-c_", "0123456789"};
    const uint64_t fingerprints[] = {0, 1, 0xfedcba9876543210ULL, UINT64_MAX};
    const int32_t devices[] = {0, 7, 10, 1000, INT32_MAX};
    for (size_t p = 0; p < sizeof prefixes / sizeof *prefixes; p++)
        for (size_t f = 0; f < sizeof fingerprints / sizeof *fingerprints; f++)
            for (size_t d = 0; d < sizeof devices / sizeof *devices; d++) {
                char buf[AKL_SO_NAME_MAX + 1];
                int n = cmn_so_name_format(buf, sizeof buf, prefixes[p], fingerprints[f],
                                           (uint64_t)devices[d]);
                assert_true(n > 0);
                expect_parse(buf, strlen(prefixes[p]), fingerprints[f], devices[d]);
            }
    /* Over the 100-character limit, a name of the right shape is still not one. */
    char prefix[AKL_SO_NAME_MAX];
    memset(prefix, 'p', sizeof prefix);
    prefix[AKL_SO_NAME_MAX - 21] = '\0'; /* 79 + 16 + 2 + 3 = 100 */
    char buf[AKL_SO_NAME_MAX + 8];
    assert_int_equal(cmn_so_name_format(buf, sizeof buf, prefix, 1, 0), AKL_SO_NAME_MAX);
    expect_parse(buf, AKL_SO_NAME_MAX - 21, 1, 0);
    assert_int_equal(cmn_so_name_format(buf, sizeof buf, prefix, 1, 10), AKL_SO_NAME_MAX + 1);
    expect_no_parse(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charset),
        cmocka_unit_test(test_basename_rule),
        cmocka_unit_test(test_kernel_name_rule),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format_and_parse_are_inverses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
