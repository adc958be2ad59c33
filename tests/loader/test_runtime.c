/* Unit tests of run-time resolution of the ACL/RT entry points (AKL_RUNTIME), each scenario in a
 * child process because resolution happens once per process: a missing library, a library without
 * the symbols, "cann" on a machine without CANN, a partial CANN that must not stay loaded, a path
 * to a complete library (the fake runtime), aclInit called once with ACL_ERROR_REPEAT_INITIALIZE
 * accepted, and an aclInit failure kept. And fake CANN installs (the fake runtime copied in as
 * libacl_rt.so and libruntime.so, found through $ASCEND_HOME_PATH, with a version file): a release
 * at or above AKL_CANN_MIN_VERSION resolves, an older one is refused naming both, an install that
 * records none resolves without a version, and nothing found says to source set_env.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akl/akl.h"
#include "test_support.h"

#define CHILD_DEADLINE_MS 30000

static char self_exe[4096];

/* Runs scenario in a child with AKL_RUNTIME=runtime; the child's exit code is the number of the
 * first failed check (0: all passed), and it prints what failed. */
static int run_child(const char *runtime, int (*scenario)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("AKL_RUNTIME", runtime, 1);
        _exit(scenario());
    }
    int status = t_wait_child(pid, CHILD_DEADLINE_MS);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* As run_child, for a scenario that needs LD_LIBRARY_PATH=library_path, which the dynamic loader
 * reads only at start: this binary is run again as "--child <name>". */
static int run_exec_child(const char *runtime, const char *library_path, const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("AKL_RUNTIME", runtime, 1);
        setenv("LD_LIBRARY_PATH", library_path, 1);
        execl(self_exe, self_exe, "--child", name, (char *)NULL);
        _exit(99);
    }
    int status = t_wait_child(pid, CHILD_DEADLINE_MS);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

#define CHECK(n, cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "check %d failed: %s; last error: %s\n", n, #cond, akl_last_error());  \
            return n;                                                                              \
        }                                                                                          \
    } while (0)

static const char *fake_path(void)
{
    static char path[4096];
    return t_kernel_path("libldrk_fake_runtime.so", path, sizeof path);
}

static int scenario_missing_library(void)
{
    CHECK(1, akl_runtime_name() == NULL);
    CHECK(2, akl_init() == AKL_ERUNTIME);
    CHECK(3, strstr(akl_last_error(), "/nonexistent/libnothing.so") != NULL);
    CHECK(4, strstr(akl_last_error(), "No such file") != NULL);
    /* Every entry point reports the same failure, again and again. */
    uint32_t count;
    CHECK(5, akl_device_count(&count) == AKL_ERUNTIME);
    CHECK(6, akl_init() == AKL_ERUNTIME);
    CHECK(7, strstr(akl_last_error(), "/nonexistent/libnothing.so") != NULL);
    CHECK(8, akl_check_data("x", 1, NULL) == AKL_ERUNTIME);
    akl_module_t *module;
    CHECK(9, akl_module_load_data(0, "x", 1, NULL, &module) == AKL_ERUNTIME);
    CHECK(10, akl_runtime_name() == NULL);
    return 0;
}

static int scenario_library_without_symbols(void)
{
    CHECK(1, akl_init() == AKL_ERUNTIME);
    CHECK(2, strstr(akl_last_error(), "missing symbol aclInit") != NULL);
    CHECK(3, strstr(akl_last_error(), "missing symbol rtAicpuKernelLaunchExWithArgs") != NULL);
    CHECK(4, strstr(akl_last_error(), "libldrk_basic.so") != NULL);
    return 0;
}

static int scenario_cann_absent(void)
{
    CHECK(1, akl_init() == AKL_ERUNTIME);
    CHECK(2, strstr(akl_last_error(), "AKL_RUNTIME=cann") != NULL);
    CHECK(3, strstr(akl_last_error(), "libacl_rt.so") != NULL);
    CHECK(4, strstr(akl_last_error(), "libascendcl.so") != NULL);
    CHECK(5, strstr(akl_last_error(), "libruntime.so") != NULL);
    return 0;
}

/* libacl_rt.so loads, libruntime.so does not: resolution fails and closes what it opened, since
 * a CANN library left loaded RTLD_GLOBAL would interpose on whatever runtime comes next. */
static int scenario_partial_cann(void)
{
    CHECK(1, dlopen("libacl_rt.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    CHECK(2, akl_init() == AKL_ERUNTIME);
    CHECK(3, strstr(akl_last_error(), "libruntime.so") != NULL);
    CHECK(4, dlopen("libacl_rt.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    return 0;
}

static int scenario_fake_runtime(void)
{
    CHECK(1, akl_init() == 0);
    const char *name = akl_runtime_name();
    CHECK(2, name && strncmp(name, "sim:", 4) == 0);
    CHECK(3, strstr(name, "libldrk_fake_runtime.so") != NULL);
    CHECK(4, akl_init() == 0);
    void *fake = dlopen(fake_path(), RTLD_NOW | RTLD_NOLOAD);
    CHECK(5, fake != NULL);
    long (*get)(const char *) = (long (*)(const char *))dlsym(fake, "ldrk_fake_get");
    CHECK(6, get && get("acl_inits") == 1);
    uint32_t count = 0;
    CHECK(7, akl_device_count(&count) == 0 && count == 2);
    CHECK(8, get("acl_inits") == 1);
    dlclose(fake);
    return 0;
}

static int scenario_repeat_initialize_is_success(void)
{
    void *fake = dlopen(fake_path(), RTLD_NOW);
    void (*set)(const char *, long) = (void (*)(const char *, long))dlsym(fake, "ldrk_fake_set");
    CHECK(1, set != NULL);
    set("acl_init_rc", 100002);
    CHECK(2, akl_init() == 0);
    CHECK(3, akl_runtime_name() != NULL);
    dlclose(fake);
    return 0;
}

static int scenario_acl_init_failure_is_kept(void)
{
    void *fake = dlopen(fake_path(), RTLD_NOW);
    void (*set)(const char *, long) = (void (*)(const char *, long))dlsym(fake, "ldrk_fake_set");
    long (*get)(const char *) = (long (*)(const char *))dlsym(fake, "ldrk_fake_get");
    CHECK(1, set && get);
    set("acl_init_rc", 100000);
    CHECK(2, akl_init() == 100000);
    CHECK(3, strstr(akl_last_error(), "aclInit") != NULL);
    CHECK(4, strstr(akl_last_error(), "ACL_ERROR_INVALID_PARAM") != NULL);
    set("acl_init_rc", 0);
    CHECK(5, akl_init() == 100000);
    CHECK(6, get("acl_inits") == 1);
    CHECK(7, akl_runtime_name() == NULL);
    dlclose(fake);
    return 0;
}

/* ---- Fake CANN installs ---------------------------------------------------------------------- */

static char cann_tree[PATH_MAX];
static char cann_lib_dir[PATH_MAX + 64];

static void copy_fake_runtime(const char *dir, const char *name, mode_t mode)
{
    char path[PATH_MAX + 128];
    size_t size = 0;
    void *bytes = t_read_file(fake_path(), &size);
    assert_non_null(bytes);
    assert_int_equal(t_make_dirs(dir), 0);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(t_write_file(path, bytes, size), 0);
    assert_int_equal(chmod(path, mode), 0);
    free(bytes);
}

/* <sim root>/cann_<name>/<lib_subdir>/{libacl_rt.so,libruntime.so}, and version_text in
 * <version_file> when it is not NULL. */
static void make_cann_tree(const char *name, const char *lib_subdir, const char *version_file,
                           const char *version_text)
{
    snprintf(cann_tree, sizeof cann_tree, "%s/cann_%s", t_sim_root(), name);
    t_rmtree(cann_tree);
    snprintf(cann_lib_dir, sizeof cann_lib_dir, "%s/%s", cann_tree, lib_subdir);
    copy_fake_runtime(cann_lib_dir, "libacl_rt.so", 0755);
    copy_fake_runtime(cann_lib_dir, "libruntime.so", 0755);
    if (version_file) {
        char path[PATH_MAX + 128];
        snprintf(path, sizeof path, "%s/%s", cann_tree, version_file);
        char dir[sizeof path];
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = 0;
        assert_int_equal(t_make_dirs(dir), 0);
        assert_int_equal(t_write_file(path, version_text, strlen(version_text)), 0);
    }
}

/* Runs scenario in a child with AKL_RUNTIME=cann and ASCEND_HOME_PATH=home. */
static int run_cann_child(const char *home, int (*scenario)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("AKL_RUNTIME", "cann", 1);
        setenv("ASCEND_HOME_PATH", home, 1);
        _exit(scenario());
    }
    int status = t_wait_child(pid, CHILD_DEADLINE_MS);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* These need the loader's own search to find no CANN, as on the CI machines. */
static bool real_cann_present(void)
{
    void *acl = dlopen("libacl_rt.so", RTLD_LAZY | RTLD_NOLOAD);
    if (!acl)
        acl = dlopen("libacl_rt.so", RTLD_LAZY);
    if (!acl)
        acl = dlopen("libascendcl.so", RTLD_LAZY);
    return acl != NULL;
}

static int scenario_cann_new_enough(void)
{
    CHECK(1, akl_init() == 0);
    const char *name = akl_runtime_name();
    CHECK(2, name && strncmp(name, "cann:", 5) == 0);
    CHECK(3, strstr(name, cann_lib_dir) != NULL);
    CHECK(4, akl_runtime_version() && strcmp(akl_runtime_version(), "8.2.RC1") == 0);
    return 0;
}

static int scenario_cann_too_old(void)
{
    CHECK(1, akl_init() == AKL_ERUNTIME);
    CHECK(2, strstr(akl_last_error(), "CANN 8.0.RC3") != NULL);
    CHECK(3, strstr(akl_last_error(), "older than " AKL_CANN_MIN_VERSION) != NULL);
    CHECK(4, strstr(akl_last_error(), "runtime/version.info") != NULL);
    CHECK(5, akl_runtime_name() == NULL && akl_runtime_version() == NULL);
    /* Refused, so not left loaded to interpose on anything else. */
    char path[sizeof cann_lib_dir + 32];
    snprintf(path, sizeof path, "%s/libruntime.so", cann_lib_dir);
    CHECK(6, dlopen(path, RTLD_NOW | RTLD_NOLOAD) == NULL);
    CHECK(7, akl_init() == AKL_ERUNTIME);
    return 0;
}

static int scenario_cann_toolkit_layout(void)
{
    CHECK(1, akl_init() == 0);
    CHECK(2, strstr(akl_runtime_name(), cann_lib_dir) != NULL);
    CHECK(3, akl_runtime_version() && strcmp(akl_runtime_version(), AKL_CANN_MIN_VERSION) == 0);
    return 0;
}

static int scenario_cann_version_unknown(void)
{
    CHECK(1, akl_init() == 0);
    CHECK(2, strncmp(akl_runtime_name(), "cann:", 5) == 0);
    CHECK(3, akl_runtime_version() == NULL);
    return 0;
}

static int scenario_cann_not_found(void)
{
    CHECK(1, akl_init() == AKL_ERUNTIME);
    CHECK(2, strstr(akl_last_error(), "set_env.sh") != NULL);
    CHECK(3, strstr(akl_last_error(), cann_lib_dir) != NULL);
    CHECK(4, strstr(akl_last_error(), "runtime/lib64") != NULL);
    return 0;
}

static int scenario_cann_new_enough_any(void)
{
    CHECK(1, akl_init() == 0);
    CHECK(2, strstr(akl_runtime_name(), cann_lib_dir) != NULL);
    return 0;
}

static int scenario_cann_untrusted(void)
{
    CHECK(1, akl_init() == AKL_ERUNTIME);
    CHECK(2, strstr(akl_last_error(), "not loaded") != NULL);
    CHECK(3, strstr(akl_last_error(), cann_lib_dir) != NULL);
    return 0;
}

static void test_cann_new_enough(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    struct utsname host;
    assert_int_equal(uname(&host), 0);
    char info[128];
    snprintf(info, sizeof info, "%s-linux/ascend_toolkit_install.info", host.machine);
    make_cann_tree("new", "lib64", info,
                   "package_name=Ascend-cann-toolkit\nversion=8.2.RC1\narch=aarch64\n");
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_new_enough), 0);
    t_rmtree(cann_tree);
}

static void test_cann_too_old(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    make_cann_tree("old", "lib64", "runtime/version.info",
                   "Version=7.5.0.1.129\nversion_dir=8.0.RC3\n");
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_too_old), 0);
    t_rmtree(cann_tree);
}

static void test_cann_toolkit_layout(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    struct utsname host;
    assert_int_equal(uname(&host), 0);
    char lib_subdir[128];
    snprintf(lib_subdir, sizeof lib_subdir, "%s-linux/lib64", host.machine);
    make_cann_tree("toolkit", lib_subdir, "version.cfg",
                   "# version: 1.0\nruntime_running_version=[7.7.0.1.238:8.1.RC1]\n");
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_toolkit_layout), 0);
    t_rmtree(cann_tree);
}

static void test_cann_version_unknown(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    make_cann_tree("unknown", "runtime/lib64", NULL, NULL);
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_version_unknown), 0);
    t_rmtree(cann_tree);
}

static void test_cann_not_found_says_set_env(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    snprintf(cann_tree, sizeof cann_tree, "%s/cann_empty", t_sim_root());
    snprintf(cann_lib_dir, sizeof cann_lib_dir, "%s/lib64", cann_tree);
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_not_found), 0);
}

static void test_cann_untrusted_library_not_loaded(void **state)
{
    (void)state;
    if (real_cann_present())
        skip();
    make_cann_tree("untrusted", "lib64", "version.cfg",
                   "runtime_running_version=[7.7.0.1.238:8.1.RC1]\n");
    char path[sizeof cann_lib_dir + 32];
    snprintf(path, sizeof path, "%s/libruntime.so", cann_lib_dir);
    assert_int_equal(chmod(path, 0777), 0);
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_untrusted), 0);
    /* A private file in a directory anyone may write to is no better: it can be swapped. */
    assert_int_equal(chmod(path, 0755), 0);
    assert_int_equal(chmod(cann_lib_dir, 0777), 0);
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_untrusted), 0);
    assert_int_equal(chmod(cann_lib_dir, 0755), 0);
    assert_int_equal(run_cann_child(cann_tree, scenario_cann_new_enough_any), 0);
    t_rmtree(cann_tree);
}

static void test_missing_library(void **state)
{
    (void)state;
    assert_int_equal(run_child("/nonexistent/libnothing.so", scenario_missing_library), 0);
}

static void test_library_without_symbols(void **state)
{
    (void)state;
    char path[4096];
    t_kernel_path("libldrk_basic.so", path, sizeof path);
    assert_int_equal(run_child(path, scenario_library_without_symbols), 0);
}

static void test_cann_absent(void **state)
{
    (void)state;
    /* Only meaningful where CANN is not installed, as on the CI machines. */
    void *acl = dlopen("libascendcl.so", RTLD_NOW | RTLD_NOLOAD);
    if (acl || dlopen("libacl_rt.so", RTLD_LAZY)) {
        skip();
    }
    assert_int_equal(run_child("cann", scenario_cann_absent), 0);
}

static void test_partial_cann_is_not_left_loaded(void **state)
{
    (void)state;
    char dir[4096];
    t_kernel_path("partial_cann", dir, sizeof dir);
    assert_int_equal(run_exec_child("cann", dir, "partial-cann"), 0);
}

static void test_fake_runtime(void **state)
{
    (void)state;
    assert_int_equal(run_child(fake_path(), scenario_fake_runtime), 0);
}

static void test_repeat_initialize_is_success(void **state)
{
    (void)state;
    assert_int_equal(run_child(fake_path(), scenario_repeat_initialize_is_success), 0);
}

static void test_acl_init_failure_is_kept(void **state)
{
    (void)state;
    assert_int_equal(run_child(fake_path(), scenario_acl_init_failure_is_kept), 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0 && strcmp(argv[2], "partial-cann") == 0)
        return scenario_partial_cann();
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0)
        return 1;
    self_exe[n] = 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_library_without_symbols),
        cmocka_unit_test(test_cann_absent),
        cmocka_unit_test(test_partial_cann_is_not_left_loaded),
        cmocka_unit_test(test_fake_runtime),
        cmocka_unit_test(test_repeat_initialize_is_success),
        cmocka_unit_test(test_acl_init_failure_is_kept),
        cmocka_unit_test(test_cann_new_enough),
        cmocka_unit_test(test_cann_too_old),
        cmocka_unit_test(test_cann_toolkit_layout),
        cmocka_unit_test(test_cann_version_unknown),
        cmocka_unit_test(test_cann_not_found_says_set_env),
        cmocka_unit_test(test_cann_untrusted_library_not_loaded),
    };
    return t_run_group_tests(tests, NULL, t_remove_sim_root);
}
