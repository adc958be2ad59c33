/* Unit tests of device basenames (akl_basename: format, prefix rules, 100-character limit) and of
 * kernel-name validation (1..200 characters of a C identifier). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "names.h"

static void test_default_name(void **state)
{
    (void)state;
    unsetenv("AKL_PREFIX");
    char name[128];
    assert_int_equal(akl_basename(NULL, 0x0123456789abcdefULL, 3, name, sizeof name), 0);
    assert_string_equal(name, "akl_inner_0123456789abcdef_3.so");
    assert_int_equal(akl_basename(NULL, 0x1ULL, 0, name, sizeof name), 0);
    assert_string_equal(name, "akl_inner_0000000000000001_0.so");
}

static void test_prefix_sources(void **state)
{
    (void)state;
    char name[128];
    setenv("AKL_PREFIX", "envpfx_", 1);
    assert_int_equal(akl_basename(NULL, 0xffULL, 1, name, sizeof name), 0);
    assert_string_equal(name, "envpfx_00000000000000ff_1.so");
    assert_int_equal(akl_basename("mine-1.", 0xffULL, 1, name, sizeof name), 0);
    assert_string_equal(name, "mine-1.00000000000000ff_1.so");
    /* An explicit empty prefix is a prefix: it is not replaced by the default. */
    assert_int_equal(akl_basename("", 0xffULL, 1, name, sizeof name), 0);
    assert_string_equal(name, "00000000000000ff_1.so");
    setenv("AKL_PREFIX", "", 1);
    assert_string_equal(ldr_effective_prefix(NULL), AKL_DEFAULT_PREFIX);
    unsetenv("AKL_PREFIX");
    assert_string_equal(ldr_effective_prefix(NULL), AKL_DEFAULT_PREFIX);
    assert_string_equal(ldr_effective_prefix("p"), "p");
}

static void test_bad_prefix_characters(void **state)
{
    (void)state;
    const char *bad[] = {"a/b", "../", "sp ace", "t\tab", "é", "star*", "nl\n"};
    char name[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(akl_basename(bad[i], 1, 0, name, sizeof name), AKL_ENAME);
        assert_non_null(strstr(akl_last_error(), "[A-Za-z0-9._-]"));
        assert_string_equal(name, "");
    }
}

static void test_length_limit(void **state)
{
    (void)state;
    /* "<prefix>" + 16 hex + "_" + device + ".so": 20 characters plus the device's digits. */
    char prefix[128];
    char name[256];
    memset(prefix, 'p', sizeof prefix);
    prefix[79] = 0;
    assert_int_equal(akl_basename(prefix, 1, 0, name, sizeof name), 0);
    assert_int_equal(strlen(name), 100);
    prefix[79] = 'p';
    prefix[80] = 0;
    assert_int_equal(akl_basename(prefix, 1, 0, name, sizeof name), AKL_ENAME);
    assert_non_null(strstr(akl_last_error(), "at most 100"));
    /* The device id's digits count: 79 + 20 + 2 is 101. */
    prefix[79] = 0;
    assert_int_equal(akl_basename(prefix, 1, 10, name, sizeof name), AKL_ENAME);
    prefix[78] = 0;
    assert_int_equal(akl_basename(prefix, 1, 10, name, sizeof name), 0);
    memset(prefix, 'q', 127);
    prefix[127] = 0;
    assert_int_equal(akl_basename(prefix, 1, 0, name, sizeof name), AKL_ENAME);
}

static void test_bad_buffers_and_devices(void **state)
{
    (void)state;
    char name[128];
    assert_int_equal(akl_basename(NULL, 1, 0, NULL, 10), AKL_EINVAL);
    assert_int_equal(akl_basename(NULL, 1, 0, name, 0), AKL_EINVAL);
    assert_int_equal(akl_basename(NULL, 1, 0, name, 31), AKL_EINVAL);
    assert_string_equal(name, "");
    assert_int_equal(akl_basename(NULL, 1, 0, name, 32), 0);
    assert_int_equal(akl_basename(NULL, 1, -1, name, sizeof name), AKL_EDEVICE);
    assert_int_equal(akl_basename(NULL, 1, INT32_MAX, name, sizeof name), 0);
    assert_string_equal(name, "akl_inner_0000000000000001_2147483647.so");
}

static void test_kernel_names(void **state)
{
    (void)state;
    assert_int_equal(ldr_check_kernel_name("k"), 0);
    assert_int_equal(ldr_check_kernel_name("_Kernel_01"), 0);
    assert_int_equal(ldr_check_kernel_name(NULL), AKL_EINVAL);
    const char *bad[] = {"", "1abc", "a-b", "a.b", "a b", "a/b", "ké", "a\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ldr_check_kernel_name(bad[i]), AKL_ENAME);
    char name[260];
    memset(name, 'k', sizeof name);
    name[AKL_KERNEL_NAME_MAX] = 0;
    assert_int_equal(ldr_check_kernel_name(name), 0);
    size_t length = 0;
    assert_true(ldr_kernel_name_ok(name, &length));
    assert_int_equal(length, AKL_KERNEL_NAME_MAX);
    name[AKL_KERNEL_NAME_MAX] = 'k';
    name[AKL_KERNEL_NAME_MAX + 1] = 0;
    assert_int_equal(ldr_check_kernel_name(name), AKL_ENAME);
    assert_non_null(strstr(akl_last_error(), "longer than 200"));
    assert_false(ldr_kernel_name_ok(name, &length));
}

/* akl_parse_basename takes back exactly what akl_basename made, and names nothing else. */
static void test_parse_basename(void **state)
{
    (void)state;
    char name[101]; /* the device's 100 characters */
    akl_basename_parts_t parts;
    assert_int_equal(akl_basename("mine-1.", 0xfedcba9876543210ULL, 12, name, sizeof name), 0);
    assert_int_equal(akl_parse_basename(name, &parts), 0);
    assert_string_equal(parts.prefix, "mine-1.");
    assert_int_equal(parts.fingerprint, 0xfedcba9876543210ULL);
    assert_int_equal(parts.device, 12);
    assert_int_equal(akl_basename("", 1, INT32_MAX, name, sizeof name), 0);
    assert_int_equal(akl_parse_basename(name, &parts), 0);
    assert_string_equal(parts.prefix, "");
    assert_int_equal(parts.device, INT32_MAX);

    const char *bad[] = {"",
                         "akl_0123456789abcdef_03.so",
                         "akl_0123456789ABCDEF_3.so",
                         "akl_0123456789abcdef.so",
                         "akl/0123456789abcdef_3.so",
                         "akl_0123456789abcdef_2147483648.so",
                         "libfoo.so"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(akl_parse_basename(bad[i], &parts), AKL_ENAME);
        assert_non_null(strstr(akl_last_error(), "is not a device file name"));
    }
    char longer[108];
    memset(longer, 'p', 80);
    strcpy(longer + 80, "0123456789abcdef_0.so"); /* 101 characters */
    assert_int_equal(akl_parse_basename(longer, &parts), AKL_ENAME);
    assert_int_equal(akl_parse_basename(NULL, &parts), AKL_EINVAL);
    assert_int_equal(akl_parse_basename(name, NULL), AKL_EINVAL);
}

static void test_boot_outcome_names(void **state)
{
    (void)state;
    assert_string_equal(akl_boot_outcome_name(AKL_BOOT_WROTE), "wrote");
    assert_string_equal(akl_boot_outcome_name(AKL_BOOT_IDENTICAL), "identical");
    assert_string_equal(akl_boot_outcome_name(AKL_BOOT_REPLACED), "replaced");
    assert_string_equal(akl_boot_outcome_name((akl_boot_outcome_t)0), "unknown");
    assert_string_equal(akl_boot_outcome_name((akl_boot_outcome_t)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_name),
        cmocka_unit_test(test_prefix_sources),
        cmocka_unit_test(test_bad_prefix_characters),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_bad_buffers_and_devices),
        cmocka_unit_test(test_parse_basename),
        cmocka_unit_test(test_kernel_names),
        cmocka_unit_test(test_boot_outcome_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
