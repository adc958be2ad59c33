/* Tests of the simulated devices' filesystem layout (src/sim/device/sim_paths.c): the root and its
 * environment overrides, device-to-chip mapping, and sim_fs_prepare installing
 * libaicpu_extend_kernels.so atomically, once, and safely from several processes at once. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_paths.h"
#include "test_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PT_WORKERS 4

typedef struct pt_state {
    char base[PATH_MAX];      /* this test program's root, removed at the end */
    char root[PATH_MAX + 32]; /* the current test's AKL_SIM_ROOT */
} pt_state_t;

static const char *const pt_env_names[] = {"AKL_SIM_ROOT", "XDG_CACHE_HOME", "HOME",
                                           "AKL_SIM_DEVICE_COUNT", "AKL_SIM_DIES_PER_CHIP"};
#define PT_ENV_COUNT (sizeof pt_env_names / sizeof pt_env_names[0])

/* dir/leaf, checked to fit (snprintf would make the compiler fret about truncation). */
static void pt_path(char *out, size_t cap, const char *dir, const char *leaf)
{
    size_t dir_len = strlen(dir), leaf_len = strlen(leaf);
    assert_true(dir_len + 1 + leaf_len < cap);
    memcpy(out, dir, dir_len);
    out[dir_len] = '/';
    memcpy(out + dir_len + 1, leaf, leaf_len + 1);
}

static void pt_setenv(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

static int pt_group_setup(void **state)
{
    pt_state_t *st = calloc(1, sizeof *st);
    assert_non_null(st);
    assert_non_null(t_sim_root_or_temp("sim-paths", st->base, sizeof st->base));
    *state = st;
    return 0;
}

static int pt_group_teardown(void **state)
{
    pt_state_t *st = *state;
    t_rmtree(st->base);
    free(st);
    return 0;
}

/* Each test starts from a clean environment and its own fresh root under the base. */
static char *pt_saved_env[PT_ENV_COUNT];

static int pt_setup(void **state)
{
    pt_state_t *st = *state;
    for (size_t i = 0; i < PT_ENV_COUNT; i++) {
        const char *v = getenv(pt_env_names[i]);
        pt_saved_env[i] = v ? strdup(v) : NULL;
        unsetenv(pt_env_names[i]);
    }
    static int counter;
    snprintf(st->root, sizeof st->root, "%s/t%d", st->base, ++counter);
    setenv("AKL_SIM_ROOT", st->root, 1);
    return 0;
}

static int pt_teardown(void **state)
{
    pt_state_t *st = *state;
    t_rmtree(st->root);
    for (size_t i = 0; i < PT_ENV_COUNT; i++) {
        pt_setenv(pt_env_names[i], pt_saved_env[i]);
        free(pt_saved_env[i]);
        pt_saved_env[i] = NULL;
    }
    return 0;
}

static void pt_expect_root(const char *expected)
{
    char out[SIM_PATH_MAX];
    assert_int_equal(sim_root(out, sizeof out), 0);
    assert_string_equal(out, expected);
}

static void test_root_defaults_and_overrides(void **state)
{
    (void)state;
    pt_setenv("AKL_SIM_ROOT", "/r/sim/");
    pt_setenv("XDG_CACHE_HOME", "/x/cache");
    pt_setenv("HOME", "/h");
    pt_expect_root("/r/sim");
    pt_setenv("AKL_SIM_ROOT", "");
    pt_expect_root("/x/cache/akl-sim");
    pt_setenv("XDG_CACHE_HOME", "relative/cache"); /* invalid per the XDG spec: ignored */
    pt_expect_root("/h/.cache/akl-sim");
    pt_setenv("XDG_CACHE_HOME", NULL);
    pt_setenv("HOME", "/h/");
    pt_expect_root("/h/.cache/akl-sim");
    pt_setenv("HOME", NULL);
    char expected[64];
    snprintf(expected, sizeof expected, "/tmp/akl-sim-%u", (unsigned)getuid());
    pt_expect_root(expected);
}

static void test_relative_root_is_made_absolute(void **state)
{
    (void)state;
    char cwd[PATH_MAX], expected[PATH_MAX + 32];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(expected, sizeof expected, "%s/rel/sim", cwd);
    pt_setenv("AKL_SIM_ROOT", "rel/sim");
    pt_expect_root(expected);
}

static void test_root_too_long_for_buffer(void **state)
{
    (void)state;
    pt_setenv("AKL_SIM_ROOT", "/a/rather/long/root");
    char out[8];
    assert_int_equal(sim_root(out, sizeof out), -1);
    assert_int_equal(sim_root(NULL, 0), -1);
}

static void test_device_count_and_dies_from_env(void **state)
{
    (void)state;
    assert_int_equal(sim_device_count(), SIM_DEFAULT_DEVICE_COUNT);
    assert_int_equal(sim_dies_per_chip(), SIM_DEFAULT_DIES_PER_CHIP);
    pt_setenv("AKL_SIM_DEVICE_COUNT", "4");
    pt_setenv("AKL_SIM_DIES_PER_CHIP", "1");
    assert_int_equal(sim_device_count(), 4);
    assert_int_equal(sim_dies_per_chip(), 1);
    pt_setenv("AKL_SIM_DEVICE_COUNT", "1024");
    pt_setenv("AKL_SIM_DIES_PER_CHIP", "16");
    assert_int_equal(sim_device_count(), 1024);
    assert_int_equal(sim_dies_per_chip(), 16);
}

static void test_bad_env_numbers_fall_back_to_defaults(void **state)
{
    (void)state;
    const char *bad[] = {"",   "0",   "-1",   "+4",          " 4", "4 ",
                         "4x", "abc", "1025", "99999999999", "0x8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pt_setenv("AKL_SIM_DEVICE_COUNT", bad[i]);
        assert_int_equal(sim_device_count(), SIM_DEFAULT_DEVICE_COUNT);
        pt_setenv("AKL_SIM_DIES_PER_CHIP", bad[i]);
        assert_int_equal(sim_dies_per_chip(), SIM_DEFAULT_DIES_PER_CHIP);
    }
    pt_setenv("AKL_SIM_DIES_PER_CHIP", "17");
    assert_int_equal(sim_dies_per_chip(), SIM_DEFAULT_DIES_PER_CHIP);
}

static void pt_expect_chip(int32_t device, const char *chip_leaf)
{
    char out[SIM_PATH_MAX], expected[SIM_PATH_MAX + 16];
    assert_int_equal(sim_chip_root(device, out, sizeof out), 0);
    snprintf(expected, sizeof expected, "%s/%s", getenv("AKL_SIM_ROOT"), chip_leaf);
    assert_string_equal(out, expected);
}

static void test_two_dies_share_a_chip(void **state)
{
    (void)state;
    pt_expect_chip(0, "chip0");
    pt_expect_chip(1, "chip0");
    pt_expect_chip(2, "chip1");
    pt_expect_chip(3, "chip1");
    pt_expect_chip(7, "chip3");
    char out[SIM_PATH_MAX];
    assert_int_equal(sim_chip_root(8, out, sizeof out), -1);
    assert_int_equal(sim_chip_root(-1, out, sizeof out), -1);
    pt_setenv("AKL_SIM_DEVICE_COUNT", "16");
    pt_expect_chip(15, "chip7");
}

static void test_one_die_per_chip(void **state)
{
    (void)state;
    pt_setenv("AKL_SIM_DIES_PER_CHIP", "1");
    pt_expect_chip(0, "chip0");
    pt_expect_chip(1, "chip1");
    pt_expect_chip(7, "chip7");
}

static void test_preinstall_and_extend_dirs(void **state)
{
    pt_state_t *st = *state;
    char out[SIM_PATH_MAX], expected[SIM_PATH_MAX + 128];
    assert_int_equal(sim_preinstall_dir(3, out, sizeof out), 0);
    snprintf(expected, sizeof expected, "%s/chip1/usr/lib64/aicpu_kernels/0/aicpu_kernels_device",
             st->root);
    assert_string_equal(out, expected);
    assert_int_equal(sim_extend_dir(3, out, sizeof out), 0);
    snprintf(expected, sizeof expected,
             "%s/chip1/usr/lib64/aicpu_kernels/0/aicpu_extend_syskernels", st->root);
    assert_string_equal(out, expected);
    assert_int_equal(sim_preinstall_dir(8, out, sizeof out), -1);
    assert_int_equal(sim_extend_dir(0, out, 10), -1);
}

static void pt_installed_path(int32_t device, char *out, size_t cap)
{
    assert_int_equal(sim_extend_dir(device, out, cap), 0);
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "/%s", SIM_EXTEND_KERNELS_NAME);
}

static void pt_assert_same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *da = t_read_file(a, &na), *db = t_read_file(b, &nb);
    assert_non_null(da);
    assert_non_null(db);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
}

static int pt_count_temps(int32_t device)
{
    char dir[SIM_PATH_MAX];
    assert_int_equal(sim_extend_dir(device, dir, sizeof dir), 0);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        count += strncmp(e->d_name, "." SIM_EXTEND_KERNELS_NAME ".", 28) == 0;
    closedir(d);
    return count;
}

static void test_prepare_creates_dirs_and_installs_lib(void **state)
{
    (void)state;
    char err[512] = "untouched";
    assert_int_equal(sim_fs_prepare(2, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    char dir[SIM_PATH_MAX], lib[SIM_PATH_MAX];
    struct stat st;
    assert_int_equal(sim_preinstall_dir(2, dir, sizeof dir), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    pt_installed_path(2, lib, sizeof lib);
    assert_int_equal(stat(lib, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    pt_assert_same_bytes(lib, SIM_TEST_EXTEND_LIB);
    assert_int_equal(pt_count_temps(2), 0);
    /* The other die of chip 1 sees the same file; a device of chip 0 does not. */
    char other[SIM_PATH_MAX];
    pt_installed_path(3, other, sizeof other);
    assert_string_equal(other, lib);
    pt_installed_path(0, other, sizeof other);
    assert_false(t_file_exists(other));
}

static void test_prepare_without_lib_only_creates_dirs(void **state)
{
    (void)state;
    assert_int_equal(sim_fs_prepare(0, NULL, NULL), 0);
    char dir[SIM_PATH_MAX], lib[SIM_PATH_MAX];
    assert_int_equal(sim_extend_dir(0, dir, sizeof dir), 0);
    assert_true(t_file_exists(dir));
    pt_installed_path(0, lib, sizeof lib);
    assert_false(t_file_exists(lib));
}

static void test_second_prepare_writes_nothing(void **state)
{
    (void)state;
    char err[512], lib[SIM_PATH_MAX];
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    pt_installed_path(0, lib, sizeof lib);
    struct stat before, after;
    assert_int_equal(stat(lib, &before), 0);
    assert_int_equal(sim_fs_prepare(1, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(stat(lib, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    assert_int_equal(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
}

static void test_changed_source_replaces_lib_atomically(void **state)
{
    pt_state_t *st = *state;
    char err[512], lib[SIM_PATH_MAX], changed[PATH_MAX + 16];
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    pt_installed_path(0, lib, sizeof lib);
    struct stat before, after;
    assert_int_equal(stat(lib, &before), 0);
    size_t size = 0;
    char *data = t_read_file(SIM_TEST_EXTEND_LIB, &size);
    assert_non_null(data);
    data[size / 2] ^= 0x5a; /* same size, other bytes: only a byte comparison can tell */
    pt_path(changed, sizeof changed, st->root, "changed.so");
    assert_int_equal(t_write_file(changed, data, size), 0);
    free(data);
    assert_int_equal(sim_fs_prepare(0, changed, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(stat(lib, &after), 0);
    assert_int_not_equal(before.st_ino, after.st_ino); /* a new file renamed in, not rewritten */
    assert_int_equal(after.st_mode & 0777, 0755);
    pt_assert_same_bytes(lib, changed);
    assert_int_equal(pt_count_temps(0), 0);
}

/* A temporary of the extend-kernels library in the one form of src/common/temps.h, written by pid.
 */
static void pt_make_temp(const char *dir, long long pid, char *path, size_t cap)
{
    snprintf(path, cap, "%s/.%s.tmp.%lld.1.0123456789abcdef", dir, SIM_EXTEND_KERNELS_NAME, pid);
    assert_int_equal(t_write_file(path, "partial", 7), 0);
}

/* The one staleness rule (temps.h): a temporary whose writer is gone is removed; one whose writer
 * is alive (this process) is kept. */
static void test_prepare_removes_only_abandoned_temps(void **state)
{
    (void)state;
    char err[512], dir[SIM_PATH_MAX], stale[SIM_PATH_MAX + 64], busy[SIM_PATH_MAX + 64];
    assert_int_equal(sim_fs_prepare(0, NULL, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(sim_extend_dir(0, dir, sizeof dir), 0);
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    pt_make_temp(dir, gone, stale, sizeof stale);
    pt_make_temp(dir, getpid(), busy, sizeof busy);
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    assert_false(t_file_exists(stale));
    assert_true(t_file_exists(busy));
    unlink(busy);
}

static void *pt_prepare_thread(void *arg)
{
    char err[512];
    intptr_t device = (intptr_t)arg;
    intptr_t rc = sim_fs_prepare((int32_t)device, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err));
    if (rc != 0)
        fprintf(stderr, "sim_fs_prepare: %s\n", err);
    return (void *)rc;
}

static void test_concurrent_prepare_threads(void **state)
{
    (void)state;
    pthread_t threads[PT_WORKERS];
    for (intptr_t i = 0; i < PT_WORKERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, pt_prepare_thread, (void *)(i % 2)), 0);
    for (int i = 0; i < PT_WORKERS; i++) {
        void *rc = NULL;
        assert_int_equal(pthread_join(threads[i], &rc), 0);
        assert_null(rc);
    }
    char lib[SIM_PATH_MAX];
    pt_installed_path(0, lib, sizeof lib);
    pt_assert_same_bytes(lib, SIM_TEST_EXTEND_LIB);
    assert_int_equal(pt_count_temps(0), 0);
}

static void test_concurrent_prepare_processes(void **state)
{
    (void)state;
    pid_t children[PT_WORKERS];
    for (int i = 0; i < PT_WORKERS; i++) {
        children[i] = fork();
        assert_true(children[i] >= 0);
        if (children[i] == 0) {
            char err[512];
            int rc = sim_fs_prepare(i % 2, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err));
            if (rc != 0)
                fprintf(stderr, "sim_fs_prepare: %s\n", err);
            _exit(rc == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < PT_WORKERS; i++) {
        int status = t_wait_child(children[i], 60000);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    char lib[SIM_PATH_MAX];
    pt_installed_path(1, lib, sizeof lib);
    pt_assert_same_bytes(lib, SIM_TEST_EXTEND_LIB);
    assert_int_equal(pt_count_temps(0), 0);
}

static void test_unwritable_root_fails_with_message(void **state)
{
    pt_state_t *st = *state;
    char file[PATH_MAX + 16], root[PATH_MAX + 32], err[512];
    assert_int_equal(mkdir(st->root, 0755), 0);
    pt_path(file, sizeof file, st->root, "plainfile");
    assert_int_equal(t_write_file(file, "x", 1), 0);
    pt_path(root, sizeof root, file, "sub");
    pt_setenv("AKL_SIM_ROOT", root);
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, file));
    assert_non_null(strstr(err, strerror(ENOTDIR)));
    /* Permission bits do not stop root, so this half only runs as an ordinary user. */
    if (geteuid() != 0) {
        pt_path(root, sizeof root, st->root, "readonly");
        assert_int_equal(mkdir(root, 0555), 0);
        pt_setenv("AKL_SIM_ROOT", root);
        assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), -1);
        assert_non_null(strstr(err, root));
        assert_non_null(strstr(err, strerror(EACCES)));
        chmod(root, 0755);
    }
}

/* ---- a tree another user could change is refused ------------------------------------------- */

/* mode & 07777 of path, not following a link. */
static unsigned pt_mode(const char *path)
{
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    return (unsigned)(sb.st_mode & 07777);
}

static void pt_expect_refused(const char *what1, const char *what2, const char *what3)
{
    char err[1024] = "";
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), -1);
    const char *whats[] = {what1, what2, what3};
    for (int i = 0; i < 3; i++) {
        if (whats[i] && !strstr(err, whats[i]))
            fail_msg("'%s' not in the error: %s", whats[i], err);
    }
}

/* A root that does not exist yet is made, with its missing parents, 0700 from top to bottom. */
static void test_fresh_root_dirs_are_0700(void **state)
{
    pt_state_t *st = *state;
    char root[PATH_MAX + 64], dir[SIM_PATH_MAX], err[512];
    pt_path(root, sizeof root, st->root, "new/sim");
    pt_setenv("AKL_SIM_ROOT", root);
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(pt_mode(st->root), 0700);
    assert_int_equal(sim_extend_dir(0, dir, sizeof dir), 0);
    for (size_t len = strlen(dir); len > strlen(st->root); len--) {
        if (dir[len] != '/' && dir[len] != '\0')
            continue;
        char saved = dir[len];
        dir[len] = '\0';
        if (pt_mode(dir) != 0700)
            fail_msg("%s has mode %04o, not 0700", dir, pt_mode(dir));
        dir[len] = saved;
    }
    assert_int_equal(sim_preinstall_dir(0, dir, sizeof dir), 0);
    assert_int_equal(pt_mode(dir), 0700);
}

static void test_root_of_another_user_is_refused(void **state)
{
    pt_state_t *st = *state;
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: only root can give a directory to another user\n");
        skip();
    }
    assert_int_equal(mkdir(st->root, 0700), 0);
    assert_int_equal(chown(st->root, 65534, 65534), 0);
    pt_expect_refused(st->root, "owned by uid 65534", "AKL_SIM_ROOT");
    /* The same deeper down: a chip tree another user made inside our root. */
    char chip[PATH_MAX + 16];
    assert_int_equal(chown(st->root, 0, 0), 0);
    pt_path(chip, sizeof chip, st->root, "chip0");
    assert_int_equal(mkdir(chip, 0700), 0);
    assert_int_equal(chown(chip, 65534, 65534), 0);
    pt_expect_refused(chip, "owned by uid 65534", NULL);
}

static void test_root_writable_by_others_is_refused(void **state)
{
    pt_state_t *st = *state;
    assert_int_equal(mkdir(st->root, 0700), 0);
    assert_int_equal(chmod(st->root, 0777), 0);
    pt_expect_refused(st->root, "mode 0777", "chmod go-w");
    assert_int_equal(chmod(st->root, 0775), 0);
    pt_expect_refused(st->root, "mode 0775", "chmod go-w");
    /* An old tree (0755) is fine; a group-writable extend-kernel directory is not. */
    assert_int_equal(chmod(st->root, 0755), 0);
    char err[512], dir[SIM_PATH_MAX];
    assert_int_equal(sim_fs_prepare(0, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(sim_extend_dir(0, dir, sizeof dir), 0);
    assert_int_equal(chmod(dir, 0770), 0);
    pt_expect_refused(dir, "mode 0770", NULL);
}

static void test_symlinked_chip_tree_is_refused(void **state)
{
    pt_state_t *st = *state;
    char elsewhere[PATH_MAX + 16], chip[PATH_MAX + 16];
    assert_int_equal(mkdir(st->root, 0700), 0);
    pt_path(elsewhere, sizeof elsewhere, st->root, "elsewhere");
    pt_path(chip, sizeof chip, st->root, "chip0");
    assert_int_equal(mkdir(elsewhere, 0700), 0);
    assert_int_equal(symlink(elsewhere, chip), 0);
    pt_expect_refused(chip, "symbolic link", NULL);
    /* Nothing was created through the link. */
    DIR *d = opendir(elsewhere);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        entries += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(entries, 0);
    /* Nor is a root that is itself a link. */
    char link_root[PATH_MAX + 16];
    pt_path(link_root, sizeof link_root, st->root, "linkroot");
    assert_int_equal(symlink(elsewhere, link_root), 0);
    pt_setenv("AKL_SIM_ROOT", link_root);
    pt_expect_refused(link_root, "symbolic link", "AKL_SIM_ROOT");
}

static void test_prepare_bad_inputs(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(sim_fs_prepare(8, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "invalid device id 8"));
    assert_int_equal(sim_fs_prepare(-3, SIM_TEST_EXTEND_LIB, NULL), -1);
    assert_int_equal(sim_fs_prepare(0, "/nonexistent/libx.so", CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/libx.so"));
    assert_non_null(strstr(err, strerror(ENOENT)));
    char small[16];
    assert_int_equal(sim_fs_prepare(0, "/nonexistent/libx.so", CMN_MSG_ARRAY(small)), -1);
    assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_root_defaults_and_overrides, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_relative_root_is_made_absolute, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_root_too_long_for_buffer, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_device_count_and_dies_from_env, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_env_numbers_fall_back_to_defaults, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_two_dies_share_a_chip, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_one_die_per_chip, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_preinstall_and_extend_dirs, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_creates_dirs_and_installs_lib, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_without_lib_only_creates_dirs, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_second_prepare_writes_nothing, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_changed_source_replaces_lib_atomically, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_removes_only_abandoned_temps, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_prepare_threads, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_prepare_processes, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_root_fails_with_message, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_prepare_bad_inputs, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_fresh_root_dirs_are_0700, pt_setup, pt_teardown),
        cmocka_unit_test_setup_teardown(test_root_of_another_user_is_refused, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_root_writable_by_others_is_refused, pt_setup,
                                        pt_teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_chip_tree_is_refused, pt_setup, pt_teardown),
    };
    return t_run_group_tests(tests, pt_group_setup, pt_group_teardown);
}
