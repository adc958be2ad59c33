/* Fault injection: publishes whose writes fail. Each gives a clear error (naming the stage, the
 * errno text and the path: AKL_EBOOTFAILED for a real error, AKL_ENOPREINSTALL for a preinstall
 * directory that is absent or unwritable) and leaves every earlier file of the preinstall
 * directory intact (compared byte for byte), and the same SO loads once the fault is gone. The
 * extend route is forced (AKL_ROUTE=extend): under auto the ENOPREINSTALL cases would take the
 * custom route instead (tests/loader/test_routes.c).
 *
 *  - a file-size limit: RLIMIT_FSIZE of the device's scheduler lowered with prlimit (the
 *    scheduler ignores SIGXFSZ, so write() fails with EFBIG);
 *  - the preinstall directory missing (moved away after the device was opened), or a regular
 *    file in its place;
 *  - a read-only preinstall directory. Tests run as root, for whom permission bits do not stop a
 *    write, so a child makes it truly read-only: in its own mount namespace it bind-mounts the
 *    directory onto itself read-only, and its scheduler (which inherits the namespace) gets EROFS.
 *    Where no mount namespace can be made, a non-root run uses chmod 0555 (EACCES) instead, and a
 *    root run skips the case, saying so.
 * Devices: 2 (chip 1) file-size limit, 4 (chip 2) missing directory and file in its place,
 * 6 (chip 3) read-only. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "faultk_abi.h"
#include "test_faults_util.h"
#include "test_child_check.h"
#include "test_support.h"

#define STO_FSIZE_DEVICE 2
#define STO_DIR_DEVICE 4
#define STO_RO_DEVICE 6
#define STO_FSIZE_LIMIT (512u << 10)
#define STO_BIG_PAD (2u << 20)
#define STO_CHILD_MS 120000
/* A child's exit code when this machine cannot give it a read-only mount. */
#define STO_NO_READONLY_MOUNT 77

/* Seeds of the big SOs (the read-only child makes the same bytes as its parent). */
enum { STO_SEED_FSIZE = 11, STO_SEED_MISSING = 12, STO_SEED_NOTDIR = 13, STO_SEED_READONLY = 14 };

typedef struct sto_so {
    unsigned char *bytes;
    size_t size;
    char name[128];
    char final[FAULTT_PATH_MAX];
} sto_so_t;

/* libfaultk_basic.so padded with STO_BIG_PAD random bytes from seed: bigger than the limit. */
static int sto_big_so(int32_t device, uint64_t seed, sto_so_t *so)
{
    size_t kernel_size;
    so->bytes = faultt_read_kernel(FAULTK_SO, STO_BIG_PAD, &kernel_size);
    if (!so->bytes)
        return -1;
    so->size = kernel_size + STO_BIG_PAD;
    faultt_fill_random(so->bytes, kernel_size, so->size, &seed);
    faultt_basename_of(so->bytes, so->size, device, so->name, sizeof so->name);
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(device, dir, sizeof dir);
    faultt_join(so->final, sizeof so->final, dir, so->name);
    return 0;
}

/* Loads a test kernel SO file as it is. */
static int sto_load_kernel_file(int32_t device, const char *file, akl_module_t **module)
{
    char path[FAULTT_PATH_MAX];
    return akl_module_load_file(device, t_kernel_path(file, path, sizeof path), NULL, module);
}

/* ---- Children (exit code: 0, or the number of the check that failed) ------------------------- */

static bool sto_has(const char *text, const char *needle)
{
    if (strstr(text, needle))
        return true;
    fprintf(stderr, "\"%s\" not in: %s\n", needle, text);
    return false;
}

/* A private mount namespace where the preinstall directory is a read-only bind mount of itself.
 * Returns 0, or -1 when this machine does not allow it. */
static int sto_make_read_only(const char *dir)
{
    if (unshare(CLONE_NEWNS) != 0) {
        /* Not privileged: a user namespace may still own a mount namespace of its own. */
        uid_t uid = getuid();
        gid_t gid = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
            return -1;
        char map[64];
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (t_write_file("/proc/self/uid_map", map, strlen(map)) != 0)
            return -1;
        t_write_file("/proc/self/setgroups", "deny", 4);
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (t_write_file("/proc/self/gid_map", map, strlen(map)) != 0)
            return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(dir, dir, NULL, MS_BIND, NULL) != 0 ||
        mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
        return -1;
    return 0;
}

/* In a read-only preinstall directory what is there still loads (IDENTICAL), a new SO fails to
 * create its temporary with EROFS. */
static int sto_child_read_only(void)
{
    char dir[FAULTT_PATH_MAX], probe[FAULTT_PATH_MAX];
    faultt_preinstall_dir(STO_RO_DEVICE, dir, sizeof dir);
    if (sto_make_read_only(dir) != 0)
        return STO_NO_READONLY_MOUNT;
    faultt_join(probe, sizeof probe, dir, "probe");
    T_CHECK(1, open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS);
    T_CHECK(2, akl_device_open(STO_RO_DEVICE) == 0);
    akl_module_t *module = NULL;
    T_CHECK(3, sto_load_kernel_file(STO_RO_DEVICE, "libldrk_basic.so", &module) == 0);
    akl_module_info_t info;
    T_CHECK(4, akl_module_info(module, &info) == 0 && info.outcome == AKL_BOOT_IDENTICAL);
    sto_so_t big;
    T_CHECK(5, sto_big_so(STO_RO_DEVICE, STO_SEED_READONLY, &big) == 0);
    module = NULL;
    int rc = akl_module_load_data(STO_RO_DEVICE, big.bytes, big.size, NULL, &module);
    T_CHECK(6, rc == AKL_ENOPREINSTALL && module == NULL);
    const char *msg = akl_last_error();
    T_CHECK(7, sto_has(msg, "stage create") && sto_has(msg, "Read-only file system") &&
                   sto_has(msg, dir) && sto_has(msg, big.name));
    free(big.bytes);
    T_CHECK(8, akl_device_close(STO_RO_DEVICE) == 0);
    return 0;
}

static int sto_run_child_scenario(const char *name)
{
    setenv("AKL_RUNTIME", "sim", 1);
    setenv("AKL_ROUTE", "extend", 1);
    if (strcmp(name, "read-only") == 0)
        return sto_child_read_only();
    fprintf(stderr, "unknown child scenario %s\n", name);
    return 99;
}

/* ---- Parent helpers ---------------------------------------------------------------------------
 */

/* Publishes libldrk_basic.so on device (a file the failing publishes must not touch) and
 * snapshots the preinstall directory. */
static void sto_publish_earlier_file(int32_t device, faultt_snapshot_t *snap)
{
    assert_int_equal(akl_device_open(device), 0);
    akl_module_t *module = NULL;
    int rc = sto_load_kernel_file(device, "libldrk_basic.so", &module);
    if (rc != 0)
        fail_msg("publishing the earlier file: %s", akl_last_error());
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(device, dir, sizeof dir);
    assert_int_equal(faultt_snapshot_take(dir, snap), 0);
    assert_true(snap->count >= 1);
}

/* After a failed publish of so: earlier files intact, no final name, no temporary. */
static void sto_expect_nothing_damaged(const faultt_snapshot_t *snap, int32_t device,
                                       const sto_so_t *so)
{
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(device, dir, sizeof dir);
    assert_true(faultt_snapshot_intact(snap, dir));
    assert_false(t_file_exists(so->final));
    assert_int_equal(faultt_count_temps(dir, so->name), 0);
}

/* Once the fault is gone, the same bytes load (the failure was not cached). */
static void sto_expect_load_now_works(int32_t device, const sto_so_t *so)
{
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(device, so->bytes, so->size, NULL, &module);
    if (rc != 0)
        fail_msg("loading %s after the fault: %s", so->name, akl_last_error());
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_WROTE);
    assert_true(faultt_file_equals(so->final, so->bytes, so->size));
}

/* The end of every case: the bytes load again, then the device, the SO and the snapshot go. */
static void sto_expect_recovered(int32_t device, sto_so_t *so, faultt_snapshot_t *snap)
{
    sto_expect_load_now_works(device, so);
    assert_int_equal(akl_device_close(device), 0);
    free(so->bytes);
    faultt_snapshot_free(snap);
}

static void sto_expect_failure(int rc, int code, const char *stage, const char *errno_text,
                               const char *path)
{
    const char *msg = akl_last_error();
    if (rc != code || !strstr(msg, stage) || !strstr(msg, errno_text) || !strstr(msg, path))
        fail_msg("expected %s naming \"%s\", \"%s\" and %s; got %d: %s", akl_errname(code), stage,
                 errno_text, path, rc, msg);
}

/* ---- Tests ------------------------------------------------------------------------------------
 */

/* The scheduler's file-size limit is set from here (prlimit), not inherited from a child that set
 * it before opening the device: the host itself extends memfds to the device memory's size when
 * it opens a device, and RLIMIT_FSIZE applies to that too. */
static void sto_limit_scheduler_file_size(rlim_t limit)
{
    pid_t scheduler = faultt_scheduler_pid();
    assert_true(scheduler > 0);
    struct rlimit old, small;
    assert_int_equal(prlimit(scheduler, RLIMIT_FSIZE, NULL, &old), 0);
    small = old;
    small.rlim_cur = limit;
    assert_int_equal(prlimit(scheduler, RLIMIT_FSIZE, &small, NULL), 0);
}

static void test_write_fails_under_a_file_size_limit(void **state)
{
    (void)state;
    faultt_snapshot_t snap;
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(STO_FSIZE_DEVICE, dir, sizeof dir);
    sto_publish_earlier_file(STO_FSIZE_DEVICE, &snap);
    sto_limit_scheduler_file_size(STO_FSIZE_LIMIT);
    /* Under the limit a small SO still publishes. */
    akl_module_t *module = NULL;
    assert_int_equal(sto_load_kernel_file(STO_FSIZE_DEVICE, FAULTK_SO, &module), 0);
    akl_module_info_t small;
    assert_int_equal(akl_module_info(module, &small), 0);
    assert_int_equal(small.outcome, AKL_BOOT_WROTE);
    faultt_snapshot_free(&snap);
    assert_int_equal(faultt_snapshot_take(dir, &snap), 0);
    assert_true(snap.count >= 2);

    sto_so_t big;
    assert_int_equal(sto_big_so(STO_FSIZE_DEVICE, STO_SEED_FSIZE, &big), 0);
    module = NULL;
    int rc = akl_module_load_data(STO_FSIZE_DEVICE, big.bytes, big.size, NULL, &module);
    sto_expect_failure(rc, AKL_EBOOTFAILED, "stage write", "File too large", dir);
    assert_null(module);
    const char *msg = akl_last_error();
    assert_non_null(strstr(msg, "errno 27"));
    /* at the temporary: a named one, or an unnamed one (O_TMPFILE) by its final name */
    char at_final[FAULTT_PATH_MAX + 300];
    snprintf(at_final, sizeof at_final, "at \"%s/%s\"", dir, big.name);
    assert_true(strstr(msg, ".tmp.") != NULL || strstr(msg, at_final) != NULL);
    assert_non_null(strstr(msg, big.name));
    sto_expect_nothing_damaged(&snap, STO_FSIZE_DEVICE, &big);

    /* A new scheduler has no limit: the big SO publishes. */
    assert_int_equal(akl_device_close(STO_FSIZE_DEVICE), 0);
    assert_int_equal(akl_device_open(STO_FSIZE_DEVICE), 0);
    sto_expect_recovered(STO_FSIZE_DEVICE, &big, &snap);
}

static void test_missing_preinstall_directory(void **state)
{
    (void)state;
    faultt_snapshot_t snap;
    sto_publish_earlier_file(STO_DIR_DEVICE, &snap);
    char dir[FAULTT_PATH_MAX], aside[FAULTT_PATH_MAX + 8];
    faultt_preinstall_dir(STO_DIR_DEVICE, dir, sizeof dir);
    snprintf(aside, sizeof aside, "%s.aside", dir);
    sto_so_t big;
    assert_int_equal(sto_big_so(STO_DIR_DEVICE, STO_SEED_MISSING, &big), 0);

    /* The directory goes away while the device is open (moved, so its files can be checked). */
    assert_int_equal(rename(dir, aside), 0);
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(STO_DIR_DEVICE, big.bytes, big.size, NULL, &module);
    sto_expect_failure(rc, AKL_ENOPREINSTALL, "stage directory", "No such file or directory", dir);
    assert_null(module);
    assert_false(t_file_exists(dir));
    assert_int_equal(rename(aside, dir), 0);

    sto_expect_nothing_damaged(&snap, STO_DIR_DEVICE, &big);
    sto_expect_recovered(STO_DIR_DEVICE, &big, &snap);
}

static void test_regular_file_in_place_of_the_preinstall_directory(void **state)
{
    (void)state;
    faultt_snapshot_t snap;
    sto_publish_earlier_file(STO_DIR_DEVICE, &snap);
    char dir[FAULTT_PATH_MAX], aside[FAULTT_PATH_MAX + 8];
    faultt_preinstall_dir(STO_DIR_DEVICE, dir, sizeof dir);
    snprintf(aside, sizeof aside, "%s.aside", dir);
    sto_so_t big;
    assert_int_equal(sto_big_so(STO_DIR_DEVICE, STO_SEED_NOTDIR, &big), 0);

    static const char placeholder[] = "a regular file where a directory should be\n";
    assert_int_equal(rename(dir, aside), 0);
    assert_int_equal(t_write_file(dir, placeholder, sizeof placeholder - 1), 0);
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(STO_DIR_DEVICE, big.bytes, big.size, NULL, &module);
    sto_expect_failure(rc, AKL_ENOPREINSTALL, "stage directory", "Not a directory", dir);
    assert_true(faultt_file_equals(dir, placeholder, sizeof placeholder - 1));
    assert_int_equal(unlink(dir), 0);
    assert_int_equal(rename(aside, dir), 0);

    sto_expect_nothing_damaged(&snap, STO_DIR_DEVICE, &big);
    sto_expect_recovered(STO_DIR_DEVICE, &big, &snap);
}

/* Without a mount namespace, and only when not root: permission bits make it unwritable. */
static void sto_read_only_by_permissions(const char *dir, const sto_so_t *big)
{
    assert_int_equal(chmod(dir, 0555), 0);
    assert_int_equal(akl_device_open(STO_RO_DEVICE), 0);
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(STO_RO_DEVICE, big->bytes, big->size, NULL, &module);
    assert_int_equal(akl_device_close(STO_RO_DEVICE), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    sto_expect_failure(rc, AKL_ENOPREINSTALL, "stage create", "Permission denied", dir);
}

static void test_read_only_preinstall_directory(void **state)
{
    (void)state;
    faultt_snapshot_t snap;
    sto_publish_earlier_file(STO_RO_DEVICE, &snap);
    assert_int_equal(akl_device_close(STO_RO_DEVICE), 0);
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(STO_RO_DEVICE, dir, sizeof dir);
    sto_so_t big;
    assert_int_equal(sto_big_so(STO_RO_DEVICE, STO_SEED_READONLY, &big), 0);

    int child = faultt_run_child("read-only", STO_CHILD_MS);
    if (child == STO_NO_READONLY_MOUNT && geteuid() != 0) {
        sto_read_only_by_permissions(dir, &big);
    } else if (child == STO_NO_READONLY_MOUNT) {
        free(big.bytes);
        faultt_snapshot_free(&snap);
        print_message("no mount namespace here and running as root: the read-only case cannot "
                      "be made, skipped\n");
        skip();
    } else {
        assert_int_equal(child, 0);
    }
    sto_expect_nothing_damaged(&snap, STO_RO_DEVICE, &big);
    assert_int_equal(akl_device_open(STO_RO_DEVICE), 0);
    sto_expect_recovered(STO_RO_DEVICE, &big, &snap);
}

static int sto_group_setup(void **state)
{
    (void)state;
    setenv("AKL_RUNTIME", "sim", 1);
    setenv("AKL_ROUTE", "extend", 1);
    return akl_init();
}

static int sto_group_teardown(void **state)
{
    (void)state;
    bool clean = t_wait_until(faultt_no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return sto_run_child_scenario(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_fails_under_a_file_size_limit),
        cmocka_unit_test(test_missing_preinstall_directory),
        cmocka_unit_test(test_regular_file_in_place_of_the_preinstall_directory),
        cmocka_unit_test(test_read_only_preinstall_directory),
    };
    return t_run_group_tests_name("faults_storage", tests, sto_group_setup, sto_group_teardown);
}
