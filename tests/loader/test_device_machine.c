/* The device's architecture decides which runtime SOs it takes (tests device_machine and
 * aarch64_device_machine, the same program on the native and on the aarch64 simulated device):
 * akl_device_arch() names it; an SO built for the other machine is refused with AKL_EMACHINE
 * naming both architectures, by akl_check_file before any device is touched and by a load before
 * any device work (nothing published, the device keeps working); the SO built for the device loads
 * and runs. On the native run only: the akl CLI's answers to a bad AKL_SIM_ARCH and to a missing
 * emulator or sysroot, and `akl sim ls --json` naming the device architecture. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "akl/akl.h"
#include "test_cli_spawn.h"
#include "test_support.h"

#define DEVICE 0
#define SYNC_MS 120000
#define SCHED_COMM "akl-aicpu-sched"

static bool device_is_aarch64_on_other_host(void)
{
    return strcmp(t_device_subdir(), "aarch64/") == 0;
}

/* The ldrk_basic kernel built for the device's machine, and for the other one. */
static const char *right_so(char *buf, size_t cap)
{
    return t_kernel_path("libldrk_basic.so", buf, cap);
}

static const char *wrong_so(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%slibldrk_basic.so", AKL_TEST_KERNEL_DIR,
             device_is_aarch64_on_other_host() ? "" : "aarch64/");
    return buf;
}

static int akl_files_in_preinstall(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/chip0/usr/lib64/aicpu_kernels/0/aicpu_kernels_device",
             t_sim_root());
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, "akl_", 4) == 0;
    if (d)
        closedir(d);
    return n;
}

static void assert_names_both_machines(void)
{
    const char *msg = akl_last_error();
    assert_non_null(strstr(msg, "x86-64"));
    assert_non_null(strstr(msg, "AArch64"));
}

static void test_device_arch_is_named(void **state)
{
    (void)state;
    assert_int_equal(akl_init(), 0);
    struct utsname host;
    assert_int_equal(uname(&host), 0);
    assert_string_equal(akl_device_arch(),
                        device_is_aarch64_on_other_host() ? "aarch64" : host.machine);
}

static void test_check_refuses_the_other_machine_without_a_device(void **state)
{
    (void)state;
    char path[4096];
    assert_int_equal(akl_check_file(wrong_so(path, sizeof path), NULL), AKL_EMACHINE);
    assert_names_both_machines();
    assert_non_null(strstr(akl_last_error(), path));
    assert_int_equal(akl_check_file(right_so(path, sizeof path), NULL), 0);
    /* No scheduler was started and no chip directory made. */
    assert_int_equal(t_count_processes(SCHED_COMM, getpid()), 0);
    char chip[4096];
    snprintf(chip, sizeof chip, "%s/chip0", t_sim_root());
    assert_false(t_file_exists(chip));
}

static void test_load_refuses_the_other_machine_before_device_work(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(DEVICE), 0);
    size_t free_before, free_after, total;
    assert_int_equal(akl_mem_info(&free_before, &total), 0);
    char path[4096];
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(DEVICE, wrong_so(path, sizeof path), NULL, &module),
                     AKL_EMACHINE);
    assert_names_both_machines();
    assert_null(module);
    assert_int_equal(akl_files_in_preinstall(), 0);
    assert_int_equal(akl_mem_info(&free_after, &total), 0);
    assert_int_equal(free_after, free_before);

    /* The device is untouched and takes the SO built for it. */
    assert_int_equal(akl_module_load_file(DEVICE, right_so(path, sizeof path), NULL, &module), 0);
    assert_int_equal(akl_files_in_preinstall(), 1);
    enum { BLOCKS = 4 };
    void *out = NULL;
    assert_int_equal(akl_mem_alloc(&out, BLOCKS * sizeof(uint64_t)), 0);
    uint64_t args[2] = {(uint64_t)(uintptr_t)out, 1000};
    assert_int_equal(akl_launch(module, "ldrk_store", args, sizeof args, BLOCKS, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
    uint64_t got[BLOCKS];
    assert_int_equal(akl_memcpy_from_device(got, out, sizeof got), 0);
    for (uint64_t b = 0; b < BLOCKS; b++)
        assert_int_equal(got[b], 1000 + b);
    assert_int_equal(akl_mem_free(out), 0);
    assert_int_equal(akl_device_close(DEVICE), 0);
}

/* akl run of the aarch64 hello SO with env; expects exit 1 and `want` in stderr. */
static void expect_run_refused(const char *const *env, const char *want)
{
    char so[4096];
    snprintf(so, sizeof so, "%s/lib/akl/examples/aarch64/libakl_hello.so", AKL_BUILD_DIR);
    tcli_result_t r;
    tcli_run_program(&r, env, "akl", "run", "--buffer", "16", so, "akl_hello", NULL);
    tcli_expect_exit(&r, 1);
    tcli_assert_contains(r.err, want);
    tcli_result_free(&r);
}

static void test_cli_names_what_an_aarch64_device_lacks(void **state)
{
    (void)state;
    if (device_is_aarch64_on_other_host())
        skip();
    const char *bad_arch[] = {"AKL_SIM_ARCH=riscv64", NULL};
    expect_run_refused(bad_arch, "AKL_SIM_ARCH='riscv64' is not a device architecture");
    const char *bad_qemu[] = {"AKL_SIM_ARCH=aarch64", "AKL_SIM_QEMU=/nonexistent/qemu", NULL};
    expect_run_refused(bad_qemu, "AKL_SIM_QEMU='/nonexistent/qemu' is not an executable program");
    const char *no_qemu[] = {"AKL_SIM_ARCH=aarch64", "PATH=/nonexistent", NULL};
    expect_run_refused(no_qemu, "install the Debian package qemu-user");
    const char *bad_root[] = {"AKL_SIM_ARCH=aarch64", "AKL_SIM_SYSROOT=/nonexistent", NULL};
    expect_run_refused(bad_root, "AKL_SIM_SYSROOT='/nonexistent' has no lib/ld-linux-aarch64.so.1");

    tcli_result_t r;
    const char *aarch64[] = {"AKL_SIM_ARCH=aarch64", NULL};
    tcli_run_program(&r, aarch64, "akl", "sim", "ls", "--json", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "device_arch", "aarch64");
    tcli_expect_json_value(r.out, "emulator_error", "");
    tcli_result_free(&r);
    tcli_run_program(&r, bad_arch, "akl", "sim", "ls", NULL);
    tcli_expect_exit(&r, 1);
    tcli_assert_contains(r.err, "AKL_SIM_ARCH='riscv64'");
    tcli_result_free(&r);
    assert_true(tcli_no_leftover_processes(10000));
}

int main(void)
{
    tcli_init();
    t_rmtree(t_sim_root());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_arch_is_named),
        cmocka_unit_test(test_check_refuses_the_other_machine_without_a_device),
        cmocka_unit_test(test_load_refuses_the_other_machine_before_device_work),
        cmocka_unit_test(test_cli_names_what_an_aarch64_device_lacks),
    };
    int failed = t_run_group_tests(tests, NULL, NULL);
    t_rmtree(t_sim_root());
    return failed;
}
