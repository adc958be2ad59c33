/* Unit tests of the CANN release handling behind AKL_CANN_MIN_VERSION: parsing CANN's version
 * strings, their order (RCs before the numbered release, pre-releases before the release), and
 * finding the release in each file an install records it in, in the documented order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "akl/akl.h"
#include "cann_version.h"
#include "test_support.h"

static int compare_text(const char *a, const char *b)
{
    ldr_cann_version_t va, vb;
    if (!ldr_cann_version_parse(a, &va))
        fail_msg("\"%s\" does not parse", a);
    if (!ldr_cann_version_parse(b, &vb))
        fail_msg("\"%s\" does not parse", b);
    return ldr_cann_version_compare(&va, &vb);
}

static void test_parse(void **state)
{
    (void)state;
    ldr_cann_version_t v;
    assert_true(ldr_cann_version_parse("8.1.RC1", &v));
    assert_int_equal(v.major, 8);
    assert_int_equal(v.minor, 1);
    assert_true(v.candidate);
    assert_int_equal(v.number, 1);
    assert_true(v.final);
    assert_true(ldr_cann_version_parse(" 9.0.0-beta.1\n", &v));
    assert_false(v.candidate);
    assert_false(v.final);
    assert_string_equal(v.pre_label, "beta");
    assert_int_equal(v.pre_number, 1);
    assert_true(ldr_cann_version_parse("8.0.RC2.alpha003", &v));
    assert_int_equal(v.pre_number, 3);
    assert_true(ldr_cann_version_parse("8.5", &v));
    assert_true(ldr_cann_version_parse(AKL_CANN_MIN_VERSION, &v));
    const char *bad[] = {"",        "8",           "8.",     "RC1",  "8.1.RC",
                         "8.1.RCx", "8.1.1 extra", "8.1.1-", "x8.1", "7.7.0.1.238"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ldr_cann_version_parse(bad[i], &v))
            fail_msg("\"%s\" parsed as a CANN release", bad[i]);
    }
}

static void test_order(void **state)
{
    (void)state;
    /* Each is older than the next. */
    const char *ordered[] = {"7.0.0", "8.0.RC1", "8.0.RC2.alpha003", "8.0.RC2", "8.0.RC3",
                             "8.0.0", "8.1.RC1", "8.2.RC1",          "8.5.0",   "9.0.0-beta.1",
                             "9.0.0", "10.0.RC1"};
    size_t n = sizeof ordered / sizeof ordered[0];
    for (size_t i = 0; i + 1 < n; i++) {
        if (compare_text(ordered[i], ordered[i + 1]) >= 0)
            fail_msg("%s is not older than %s", ordered[i], ordered[i + 1]);
        if (compare_text(ordered[i + 1], ordered[i]) <= 0)
            fail_msg("%s is not newer than %s", ordered[i + 1], ordered[i]);
    }
    assert_int_equal(compare_text("8.1.RC1", "8.1.rc1"), 0);
    assert_true(compare_text("8.0.RC3", AKL_CANN_MIN_VERSION) < 0);
    assert_true(compare_text("8.0.0", AKL_CANN_MIN_VERSION) < 0);
    assert_true(compare_text("9.0.0", AKL_CANN_MIN_VERSION) > 0);
}

static char tree[PATH_MAX];

static int make_tree(void **state)
{
    (void)state;
    snprintf(tree, sizeof tree, "%s/cann_version_tree", t_sim_root());
    t_rmtree(tree);
    return t_make_dirs(tree);
}

static int remove_tree(void **state)
{
    (void)state;
    return t_rmtree(tree);
}

static void put(const char *relative, const char *text)
{
    char path[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", tree, relative);
    char dir[sizeof path];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    assert_int_equal(t_make_dirs(dir), 0);
    assert_int_equal(t_write_file(path, text, strlen(text)), 0);
}

static void expect_found(const char *want_version, const char *want_source_suffix)
{
    const char *roots[] = {NULL, tree};
    char version[LDR_CANN_VERSION_MAX] = "";
    char source[PATH_MAX + 256] = "";
    assert_true(ldr_cann_version_find(roots, 2, version, sizeof version, source, sizeof source));
    assert_string_equal(version, want_version);
    size_t n = strlen(source), m = strlen(want_source_suffix);
    if (n < m || strcmp(source + n - m, want_source_suffix) != 0)
        fail_msg("the version came from %s, not .../%s", source, want_source_suffix);
}

/* Each file in turn, adding the next-preferred one each time: the documented order decides. */
static void test_find_in_order(void **state)
{
    (void)state;
    const char *roots[] = {tree};
    char version[LDR_CANN_VERSION_MAX], source[PATH_MAX];
    assert_false(ldr_cann_version_find(roots, 1, version, sizeof version, source, sizeof source));
    put("version.cfg", "# version: 1.0\nruntime_running_version=[7.7.0.1.238:8.1.RC1]\n"
                       "runtime_upgrade_version=[7.7.0.1.238:8.1.RC1]\n");
    expect_found("8.1.RC1", "/version.cfg");
    put("version.info", "Version=7.6.0.1.220\nversion_dir=8.0.0\n");
    expect_found("8.0.0", "/version.info");
    put("runtime/version.info", "Version=7.7.0.1.238\nversion_dir=8.2.RC1\ntimestamp=x\n");
    expect_found("8.2.RC1", "/runtime/version.info");
    struct utsname host;
    assert_int_equal(uname(&host), 0);
    char arch_info[128];
    snprintf(arch_info, sizeof arch_info, "%s-linux/ascend_toolkit_install.info", host.machine);
    put(arch_info, "package_name=Ascend-cann-toolkit\nversion=8.3.RC1\narch=x\n");
    expect_found("8.3.RC1", arch_info);
    put("ascend_toolkit_install.info", "package_name=Ascend-cann-toolkit\nversion=9.0.0\n");
    expect_found("9.0.0", "/ascend_toolkit_install.info");
}

/* A file that does not parse is passed over for the next one; a file others may write is not
 * read at all. */
static void test_find_skips_bad_and_untrusted(void **state)
{
    (void)state;
    put("runtime/version.info", "Version=7.7.0.1.238\n");
    put("version.cfg", "runtime_running_version=[7.7.0.1.238:8.1.RC1]\n");
    expect_found("8.1.RC1", "/version.cfg");
    put("ascend_toolkit_install.info", "version=7.0.0\n");
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/ascend_toolkit_install.info", tree);
    assert_int_equal(chmod(path, 0666), 0);
    expect_found("8.1.RC1", "/version.cfg");
    assert_int_equal(chmod(path, 0644), 0);
    expect_found("7.0.0", "/ascend_toolkit_install.info");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_order),
        cmocka_unit_test_setup_teardown(test_find_in_order, make_tree, remove_tree),
        cmocka_unit_test_setup_teardown(test_find_skips_bad_and_untrusted, make_tree, remove_tree),
    };
    return t_run_group_tests(tests, NULL, t_remove_sim_root);
}
