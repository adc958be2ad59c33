/* The simulated device behaves as hardware was measured to (docs/cann-facts.md §5.4, §5.6): inside
 * the scheduler halGetDeviceInfo(0, ...) is this device and a die has six user cores (OCCUPY 0xfc);
 * more blocks than cores are not concurrent (a spin barrier across them hangs until its timeout);
 * ASCEND_RT_VISIBLE_DEVICES renumbers devices and an invalid list fails as CANN's runtime does;
 * ASCEND_SLOG_PRINT_TO_STDOUT=1 puts a kernel's DlogRecord line on the host's stdout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device_services.h"
#include "sim_paths.h"
#include "svck_abi.h"
#include "test_sim_util.h"
#include "test_support.h"
#include "test_svck_util.h"

#define FIDT_FIDK_SO "libfidk_kernels.so"
#define FIDT_CORES 6

/* Copies so into the preinstall directory of physical device phys (once). */
static void fidt_install(int32_t phys, const char *so)
{
    assert_int_equal(svckt_install_once(phys, so), 0);
}

static void test_device3_is_device_0_inside_with_six_cores(void **state)
{
    (void)state;
    fidt_install(3, SVCKT_SO);
    assert_int_equal(aclrtSetDevice(3), ACL_SUCCESS);
    svck_result_t r;
    svckt_run(3, 31, &r);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.rc_os_sched, 0);
    assert_int_equal(r.os_sched, 0x1);
    assert_int_equal(r.rc_core_num, 0);
    assert_int_equal(r.core_num, FIDT_CORES);
    assert_int_equal(r.rc_occupy, 0);
    assert_int_equal(r.occupy, 0xfc);
    assert_int_equal(r.rc_other_device, 1); /* device 4 from inside device 3: rc 1 */
    assert_int_equal(r.other_device_value, SVCK_UNTOUCHED);
    assert_int_equal(aclrtResetDevice(3), ACL_SUCCESS);
}

/* Launches fidk_barrier over blocks with a per-task timeout of 3 s; returns the synchronize code.
 */
static aclError fidt_barrier(uint32_t blocks)
{
    uint32_t *counter = simt_dev_zalloc(sizeof *counter);
    struct {
        uint64_t counter;
    } a = {simt_addr(counter)};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "fidk_barrier", FIDT_FIDK_SO);
    b.info.timeout = 3;
    assert_int_equal(
        simt_launch(KERNEL_TYPE_AICPU, &b, blocks, NULL, RT_KERNEL_USE_SPECIAL_TIMEOUT),
        ACL_SUCCESS);
    aclError rc = aclrtSynchronizeStreamWithTimeout(NULL, 60000);
    if (rc == ACL_SUCCESS)
        assert_int_equal(aclrtFree(counter), ACL_SUCCESS);
    return rc;
}

static void test_blocks_beyond_the_cores_are_not_concurrent(void **state)
{
    (void)state;
    fidt_install(0, FIDT_FIDK_SO);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    /* Six blocks meet at the barrier: one per core. */
    assert_int_equal(fidt_barrier(FIDT_CORES), ACL_SUCCESS);
    /* A seventh block waits for a core the other six never give up: the task times out. */
    assert_int_equal(fidt_barrier(FIDT_CORES + 1), ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "fidk_barrier", NULL));
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

static void test_visible_devices_renumber(void **state)
{
    (void)state;
    uint32_t count = 0;
    setenv("ASCEND_RT_VISIBLE_DEVICES", "2,3", 1);
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 2);
    assert_int_equal(aclrtSetDevice(2), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "ASCEND_RT_VISIBLE_DEVICES='2,3'", NULL));

    /* Logical 0 is physical 2: its preinstall directory, its log, its chip (1). */
    fidt_install(2, SVCKT_SO);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    svck_result_t r;
    svckt_run(0, 2002, &r);
    assert_int_equal(r.done, 1);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    char chip1[SIM_PATH_MAX], log[SIM_PATH_MAX + 64];
    assert_int_equal(sim_chip_root(2, chip1, sizeof chip1), 0);
    assert_non_null(getenv("ASCEND_PROCESS_LOG_PATH")); /* set by ctest */
    snprintf(log, sizeof log, "%s/debug/device-2/device-2.log", getenv("ASCEND_PROCESS_LOG_PATH"));
    char *text = t_read_file(log, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "tag 2002 on device 0"));
    free(text);
    /* The SO was installed only in physical 2's preinstall directory, which is chip 1's; the
     * log is not in the chip's tree. */
    assert_non_null(strstr(chip1, "/chip1"));
    char old_place[SIM_PATH_MAX + 64];
    snprintf(old_place, sizeof old_place, "%s/var/log", chip1);
    assert_false(t_file_exists(old_place));

    /* CANN reads up to the first invalid id: 8 is not a device of 8, " 2" not a number. */
    setenv("ASCEND_RT_VISIBLE_DEVICES", "1,3,8", 1);
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 2);
    setenv("ASCEND_RT_VISIBLE_DEVICES", "1, 2,3", 1);
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 1);
    /* Descending, repeated, or no id at all: no device (207004). */
    static const char *const invalid[] = {"3,2", "1,1", "x", "", "9"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        setenv("ASCEND_RT_VISIBLE_DEVICES", invalid[i], 1);
        assert_int_equal(aclrtGetDeviceCount(&count), ACL_ERROR_RT_NO_DEVICE);
        assert_int_equal(aclrtSetDevice(0), ACL_ERROR_RT_NO_DEVICE);
        assert_true(
            simt_msg_has(aclGetRecentErrMsg(), "ASCEND_RT_VISIBLE_DEVICES", "invalid", NULL));
    }
    unsetenv("ASCEND_RT_VISIBLE_DEVICES");
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 8);
}

static void test_device_log_on_host_stdout(void **state)
{
    (void)state;
    char path[] = "/tmp/akl-fidt-stdout-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    setenv("ASCEND_SLOG_PRINT_TO_STDOUT", "1", 1);
    setenv("ASCEND_GLOBAL_LOG_LEVEL", "1", 1);
    fidt_install(1, SVCKT_SO);
    aclError set = aclrtSetDevice(1);
    svck_result_t r = {0};
    if (set == ACL_SUCCESS) {
        svckt_run(1, 7777, &r);
        aclrtResetDevice(1); /* the scheduler is gone: everything it wrote is in the file */
    }
    unsetenv("ASCEND_SLOG_PRINT_TO_STDOUT");
    unsetenv("ASCEND_GLOBAL_LOG_LEVEL");
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    assert_int_equal(set, ACL_SUCCESS);
    char *text = t_read_file(path, NULL);
    unlink(path);
    assert_non_null(text);
    /* CANN's console form: [LEVEL] <module>(<pid>,<process>):<timestamp> <message>. */
    const char *hit = strstr(text, "svck_services: tag 7777 on device 1");
    if (!hit)
        fail_msg("no DlogRecord line on stdout:\n%s", text);
    assert_non_null(strstr(text, "[ERROR] AICPU("));
    assert_non_null(strstr(text, ",akl-aicpu-sched):"));
    free(text);
}

/* Runs fidk_write_file on the current device: size bytes from host buffer data to path; returns
 * the kernel's errno (0: written). */
static int32_t fidt_device_write(const char *path, const void *data, size_t size)
{
    void *dev_data = simt_dev_zalloc(size);
    simt_write(dev_data, data, size);
    int32_t *out = simt_dev_zalloc(sizeof *out);
    struct {
        uint64_t data, size, out;
        char path[256];
    } a = {simt_addr(dev_data), size, simt_addr(out), ""};
    snprintf(a.path, sizeof a.path, "%s", path);
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "fidk_write_file", FIDT_FIDK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(NULL, 60000), ACL_SUCCESS);
    int32_t rc = (int32_t)simt_read_u32(out);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    assert_int_equal(aclrtFree(dev_data), ACL_SUCCESS);
    return rc;
}

/* Device code writes the device's own paths; the files land in the chip's tree, never on the
 * host, and an SO written to the real preinstall path is found by a later type-2 launch. */
static void test_device_paths_reach_the_chip(void **state)
{
    (void)state;
    struct stat sb;
    bool host_had_kernels = stat("/usr/lib64/aicpu_kernels", &sb) == 0;
    bool host_had_cust = stat("/home/CustAiCpuUser", &sb) == 0;
    char tmp_name[64];
    snprintf(tmp_name, sizeof tmp_name, "akl-fidt-%d", (int)getpid());
    char host_tmp[128];
    snprintf(host_tmp, sizeof host_tmp, "/var/tmp/%s", tmp_name);

    fidt_install(0, FIDT_FIDK_SO);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    char src[4096];
    size_t size;
    void *so = t_read_file(t_kernel_path(FIDT_FIDK_SO, src, sizeof src), &size);
    assert_non_null(so);
    assert_int_equal(fidt_device_write("/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/"
                                       "libfidk_copy.so",
                                       so, size),
                     0);
    free(so);
    assert_int_equal(fidt_device_write(host_tmp, "tmp", 3), 0);
    assert_int_equal(fidt_device_write("/home/CustAiCpuUser/akl-fidt", "cust", 4), 0);

    /* In the chip's tree... */
    char dir[SIM_PATH_MAX], chip[SIM_PATH_MAX], path[SIM_PATH_MAX + 128];
    assert_int_equal(sim_preinstall_dir(0, dir, sizeof dir), 0);
    assert_int_equal(sim_chip_root(0, chip, sizeof chip), 0);
    snprintf(path, sizeof path, "%s/libfidk_copy.so", dir);
    assert_true(t_file_exists(path));
    snprintf(path, sizeof path, "%s/var/tmp/%s", chip, tmp_name);
    assert_true(t_file_exists(path));
    snprintf(path, sizeof path, "%s/home/CustAiCpuUser/akl-fidt", chip);
    assert_true(t_file_exists(path));
    /* ...and nowhere on the host. */
    assert_int_equal(stat("/usr/lib64/aicpu_kernels", &sb) == 0, host_had_kernels);
    assert_false(t_file_exists("/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/libfidk_copy.so"));
    assert_int_equal(stat("/home/CustAiCpuUser", &sb) == 0, host_had_cust);
    assert_false(t_file_exists(host_tmp));

    /* A type-2 launch finds the SO device code wrote. */
    uint32_t *counter = simt_dev_zalloc(sizeof *counter);
    uint64_t a = simt_addr(counter);
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "fidk_barrier", "libfidk_copy.so");
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(NULL, 60000), ACL_SUCCESS);
    assert_int_equal(simt_read_u32(counter), 1);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

/* Without the namespace (AKL_SIM_NAMESPACE=0, as where namespaces are unavailable) the device's
 * path is the host's, which has no preinstall directory: the write fails and the host stays
 * untouched; the chip's tree is still reachable through ASCEND_AICPU_KERNEL_PATH. */
static void test_without_namespace_host_stays_untouched(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("/usr/lib64/aicpu_kernels", &sb) == 0)
        skip(); /* a machine with a real preinstall tree */
    setenv("AKL_SIM_NAMESPACE", "0", 1);
    fidt_install(0, FIDT_FIDK_SO);
    aclError set = aclrtSetDevice(0);
    unsetenv("AKL_SIM_NAMESPACE");
    assert_int_equal(set, ACL_SUCCESS);
    assert_int_equal(
        fidt_device_write("/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/x.so", "x", 1), ENOENT);
    assert_int_equal(stat("/usr/lib64/aicpu_kernels", &sb), -1);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

/* AKL_SIM_PREINSTALL=readonly (the install variant of issue 12) holds at the device's path too:
 * the namespace is entered after the read-only mount is made, and carries it. */
static void test_read_only_preinstall_at_the_device_path(void **state)
{
    (void)state;
    fidt_install(0, FIDT_FIDK_SO);
    setenv("AKL_SIM_PREINSTALL", "readonly", 1);
    aclError set = aclrtSetDevice(0);
    unsetenv("AKL_SIM_PREINSTALL");
    assert_int_equal(set, ACL_SUCCESS);
    assert_int_equal(
        fidt_device_write("/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/ro.so", "x", 1), EROFS);
    assert_int_equal(fidt_device_write("/var/tmp/akl-fidt-ro", "x", 1), 0); /* still writable */
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

/* Where the device's paths cannot be given (here: a simulator root below /var/tmp, which a bind
 * would hide), the device still starts, and the process is told why once, however many devices
 * it starts. */
static void test_fallback_is_said_once(void **state)
{
    (void)state;
    char root[128], saved_root[4096];
    snprintf(saved_root, sizeof saved_root, "%s", getenv("AKL_SIM_ROOT"));
    snprintf(root, sizeof root, "/var/tmp/akl-fidt-root-%d", (int)getpid());
    setenv("AKL_SIM_ROOT", root, 1);
    char path[] = "/tmp/akl-fidt-stderr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    aclError set0 = aclrtSetDevice(0), set1 = aclrtSetDevice(1);
    aclrtResetDevice(0);
    aclrtResetDevice(1);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    setenv("AKL_SIM_ROOT", saved_root, 1);
    t_rmtree(root);
    char *text = t_read_file(path, NULL);
    unlink(path);
    assert_int_equal(set0, ACL_SUCCESS);
    assert_int_equal(set1, ACL_SUCCESS);
    assert_non_null(text);
    const char *first = strstr(text, "cannot give device code the device's own paths");
    if (!first)
        fail_msg("no fallback note on stderr:\n%s", text);
    assert_non_null(strstr(first, "/var/tmp"));
    assert_null(strstr(first + 1, "cannot give device code the device's own paths"));
    free(text);
}

static int fidt_setup(void **state)
{
    unsetenv("AKL_SIM_AICPU_THREADS");
    unsetenv("ASCEND_RT_VISIBLE_DEVICES");
    unsetenv("AKL_SIM_DEVICE_COUNT");
    return simt_acl_group_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device3_is_device_0_inside_with_six_cores),
        cmocka_unit_test(test_blocks_beyond_the_cores_are_not_concurrent),
        cmocka_unit_test(test_visible_devices_renumber),
        cmocka_unit_test(test_device_log_on_host_stdout),
        cmocka_unit_test(test_device_paths_reach_the_chip),
        cmocka_unit_test(test_without_namespace_host_stays_untouched),
        cmocka_unit_test(test_fallback_is_said_once),
        cmocka_unit_test(test_read_only_preinstall_at_the_device_path),
    };
    return t_run_group_tests_name("sim_fidelity", tests, fidt_setup, simt_acl_group_teardown);
}
