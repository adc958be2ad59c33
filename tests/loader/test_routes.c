/* The two load routes (issue 12), end to end on the simulator:
 *
 *  - every simulated install: the normal one reports the extend route; with no extend-kernel
 *    package (AKL_SIM_EXTEND_PACKAGE=absent), no preinstall directory (AKL_SIM_PREINSTALL=absent),
 *    an unwritable one (=readonly) and the strict latch with two runtime SOs in one process,
 *    vector-add runs and reports the custom route, and with AKL_ROUTE=extend each fails naming its
 *    cause;
 *  - akl run prints the route, and its --json has a top-level "route";
 *  - akl_route_probe answers what a load would do, on each install;
 *  - protocol versions: libakl with an older dispatcher (protocol 1, $AKL_DISPATCHER) fails with
 *    AKL_EVERSION naming both versions; an older host's bootstrap (protocol 1's layout, with the
 *    hostInputInfo fix-up, made here through libaclsim directly) gets a record carrying version 2
 *    and the cause, which is what that host reports.
 * Processes (vector-add, akl run, and this program re-run as "--child <scenario>") start clean,
 * each with its own route memory and latch. */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_child_check.h"
#include "test_latch_util.h"
#include "test_support.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "acl/acl.h"
#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "runtime/rt.h"
#include "vector_add_abi.h"

#define VADD_SO AKL_BUILD_DIR "/lib/akl/examples/libakl_vector_add.so"
#define HELLO_SO AKL_BUILD_DIR "/lib/akl/examples/libakl_hello.so"
#define CHILD_DEADLINE_MS 120000
#define SYNC_MS 60000
/* The scheduler's start-up failure when the machine allows no mount namespace. */
#define NO_NAMESPACE "needs a private mount namespace"

static char self_exe[4096];

/* ---- vector-add in a fresh process --------------------------------------------------------- */

static void run_vadd(const char *const *env, tcli_result_t *r)
{
    assert_int_equal(
        tcli_run_program(r, env, "akl-vector-add", "--json", "--n", "4096", "--blocks", "4", NULL),
        0);
}

static bool install_cannot_be_modelled(const tcli_result_t *r)
{
    return strstr(r->out, NO_NAMESPACE) || strstr(r->err, NO_NAMESPACE);
}

/* vector-add under env: passes and took route. */
static void expect_vadd_route(const char *const *env, const char *route)
{
    tcli_result_t r;
    run_vadd(env, &r);
    if (install_cannot_be_modelled(&r)) {
        tcli_result_free(&r);
        skip();
    }
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_expect_json_value(r.out, "route", route);
    tcli_expect_json_value(r.out, "bootstrap", strcmp(route, "custom") == 0 ? "uploaded" : "wrote");
    tcli_result_free(&r);
}

/* vector-add under env with AKL_ROUTE=extend: fails with code, naming each of the needles. */
static void expect_vadd_extend_fails(const char *install, const char *code, const char *needle1,
                                     const char *needle2)
{
    const char *env[] = {install, "AKL_ROUTE=extend", NULL};
    tcli_result_t r;
    run_vadd(env, &r);
    if (install_cannot_be_modelled(&r)) {
        tcli_result_free(&r);
        skip();
    }
    tcli_expect_exit(&r, 1);
    tcli_expect_json_value(r.out, "ok", "false");
    tcli_expect_json_value(r.out, "name", code);
    tcli_assert_contains(r.out, needle1);
    tcli_assert_contains(r.out, needle2);
    tcli_result_free(&r);
}

/* ---- children ------------------------------------------------------------------------------ */

/* vadd_init + vadd_exec of module over n elements on blocks blocks; 0 when every c[i] is right. */
static int child_vadd(const akl_module_t *module, uint64_t n, uint32_t blocks)
{
    size_t bytes = n * sizeof(float);
    float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes);
    void *da = NULL, *db = NULL, *dc = NULL, *ds = NULL;
    int rc = !a || !b || !c ? -1 : 0;
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        a[i] = (float)(i % 100);
        b[i] = (float)(i % 7) * 0.5f;
    }
    vadd_status_t status = {0, 0, 0};
    if (rc == 0 &&
        (akl_mem_alloc(&da, bytes) || akl_mem_alloc(&db, bytes) || akl_mem_alloc(&dc, bytes) ||
         akl_mem_alloc(&ds, sizeof status) || akl_memcpy_to_device(da, a, bytes) ||
         akl_memcpy_to_device(db, b, bytes) || akl_memcpy_to_device(ds, &status, sizeof status)))
        rc = -2;
    vadd_args_t args = {.magic = VADD_MAGIC,
                        .version = VADD_VERSION,
                        .n = n,
                        .a = (uint64_t)(uintptr_t)da,
                        .b = (uint64_t)(uintptr_t)db,
                        .c = (uint64_t)(uintptr_t)dc,
                        .status = (uint64_t)(uintptr_t)ds};
    if (rc == 0 && (akl_launch(module, VADD_KERNEL_INIT, &args, sizeof args, 1, NULL, 0) ||
                    akl_launch(module, VADD_KERNEL_EXEC, &args, sizeof args, blocks, NULL, 0) ||
                    akl_stream_sync(NULL, SYNC_MS) || akl_memcpy_from_device(c, dc, bytes) ||
                    akl_memcpy_from_device(&status, ds, sizeof status)))
        rc = -3;
    for (uint64_t i = 0; rc == 0 && i < n; i++)
        rc = c[i] == a[i] + b[i] ? 0 : -4;
    if (rc == 0 && (status.blocks_done != blocks || status.elements_done != n))
        rc = -5;
    void *dev[] = {da, db, dc, ds};
    for (size_t i = 0; i < 4; i++)
        if (dev[i])
            akl_mem_free(dev[i]);
    free(a);
    free(b);
    free(c);
    return rc;
}

static akl_route_t route_of(const akl_module_t *module)
{
    akl_module_info_t info;
    return akl_module_info(module, &info) == 0 ? info.route : AKL_ROUTE_AUTO;
}

/* The strict latch with two runtime SOs in one process: the first (hello) takes the extend route;
 * vector-add then fails with the extend route forced (the latch) and, under auto, runs on the
 * custom route. */
static int child_strict_latch(void)
{
    akl_module_t *hello = NULL, *vadd = NULL;
    T_CHECK(1, latcht_strict_setup(0, HELLO_SO, VADD_SO, &hello) == 0);
    T_CHECK(6, latcht_second_takes_custom(0, VADD_SO, &vadd) == 0);
    T_CHECK(8, child_vadd(vadd, 10000, 4) == 0);
    T_CHECK(10, akl_device_close(0) == 0);
    return 0;
}

/* akl_route_probe on device 0 under the install the parent set: prints "<rc> <taken>". */
static int child_probe(void)
{
    T_CHECK(1, akl_device_open(0) == 0);
    akl_route_t taken = AKL_ROUTE_AUTO;
    int rc = akl_route_probe(0, AKL_ROUTE_AUTO, &taken);
    printf("auto %s %s\n", akl_errname(rc), akl_route_name(taken));
    rc = akl_route_probe(0, AKL_ROUTE_CUSTOM, &taken);
    printf("custom %s %s\n", akl_errname(rc), akl_route_name(taken));
    rc = akl_route_probe(0, AKL_ROUTE_EXTEND, &taken);
    printf("extend %s %s\n", akl_errname(rc), akl_route_name(taken));
    printf("message %s\n", akl_last_error());
    akl_route_t remembered = AKL_ROUTE_EXTEND;
    T_CHECK(2, akl_device_route(0, &remembered) == 0 && remembered == AKL_ROUTE_AUTO);
    fflush(stdout);
    T_CHECK(3, akl_device_close(0) == 0);
    return 0;
}

/* An older host: protocol 1's bootstrap made by hand through libaclsim (the blob carries the
 * DeviceArgs and a hostInputInfo fix-up points cfgdata at them; the allocation is [ack 512 |
 * dispatcher | runtime SO]). This dispatcher must answer with a record of version 2 and the cause;
 * protocol 1's host reports "the dispatcher answered with protocol version 2, expected 1". */
static int child_old_host(void)
{
    size_t disp_size = 0, so_size = 0;
    void *disp = t_read_file(AKL_DISPATCHER_PATH, &disp_size);
    void *so = t_read_file(HELLO_SO, &so_size);
    T_CHECK(1, disp && so);
    T_CHECK(2, aclrtSetDevice(2) == ACL_SUCCESS);
    size_t so_at = (512 + disp_size + 63) & ~(size_t)63;
    void *base = NULL;
    T_CHECK(3, aclrtMalloc(&base, so_at + so_size, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS);
    static const unsigned char zero[512];
    T_CHECK(4, aclrtMemcpy(base, 512, zero, 512, ACL_MEMCPY_HOST_TO_DEVICE) == ACL_SUCCESS);
    T_CHECK(5, aclrtMemcpy((char *)base + 512, disp_size, disp, disp_size,
                           ACL_MEMCPY_HOST_TO_DEVICE) == ACL_SUCCESS);
    T_CHECK(6, aclrtMemcpy((char *)base + so_at, so_size, so, so_size, ACL_MEMCPY_HOST_TO_DEVICE) ==
                   ACL_SUCCESS);
    /* Version 1's DeviceArgs were 272 bytes (version 2 added the collector's fields after them). */
    struct {
        akl_device_kernel_args_t kargs;
        unsigned char dargs[272];
        char kernel[27];
        char so_name[27];
    } blob;
    memset(&blob, 0, sizeof blob);
    akl_device_args_t v1;
    memset(&v1, 0, sizeof v1);
    uint64_t dev = (uint64_t)(uintptr_t)base;
    v1.aicpu_so_bin = dev + 512;
    v1.aicpu_so_len = disp_size;
    v1.device_id = 2;
    v1.inner_so_bin = dev + so_at;
    v1.inner_so_len = so_size;
    v1.magic = AKL_BOOT_MAGIC;
    v1.version = 1;
    v1.expected_fingerprint = akl_fingerprint(so, so_size);
    v1.ack_addr = dev;
    akl_basename(NULL, v1.expected_fingerprint, 2, v1.target_name, sizeof v1.target_name);
    memcpy(blob.dargs, &v1, sizeof blob.dargs);
    memcpy(blob.kernel, "DynTileFwkKernelServerInit", 27);
    memcpy(blob.so_name, "libaicpu_extend_kernels.so", 27);
    rtHostInputInfo_t fixup = {.addrOffset = 40, .dataOffset = 48};
    rtAicpuArgsEx_t info = {.args = &blob,
                            .hostInputInfoPtr = &fixup,
                            .argsSize = 374,
                            .hostInputInfoNum = 1,
                            .soNameAddrOffset = 347,
                            .kernelNameAddrOffset = 320};
    T_CHECK(7, offsetof(__typeof__(blob), so_name) == 347);
    T_CHECK(8, rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU_KFC, "DynTileFwkKernelServerInit", 1,
                                             &info, NULL, NULL, 0) == ACL_SUCCESS);
    T_CHECK(9, aclrtSynchronizeStreamWithTimeout(NULL, SYNC_MS) == ACL_ERROR_RT_AICPU_EXCEPTION);
    akl_bootstrap_ack_t ack;
    T_CHECK(10, aclrtMemcpy(&ack, sizeof ack, base, sizeof ack, ACL_MEMCPY_DEVICE_TO_HOST) ==
                    ACL_SUCCESS);
    T_CHECK(11, ack.magic == AKL_ACK_MAGIC && ack.version == 2);
    T_CHECK(12, ack.status == AKL_ACK_FAILED && ack.stage == AKL_STAGE_ARGS);
    T_CHECK(13, strstr(ack.detail, "version") && strstr(ack.detail, "1"));
    printf("detail: %s\n", ack.detail);
    aclrtFree(base);
    T_CHECK(14, aclrtResetDevice(2) == ACL_SUCCESS);
    free(disp);
    free(so);
    return 0;
}

/* The custom route's per-task timeout (akl_launch's timeout_s becomes the launch config's
 * RT_LAUNCH_KERNEL_ATTR_TIMEOUT): a kernel that never returns ends with a timeout, and after a
 * reset the module launches again; unloaded and loaded again, it is registered afresh. */
static int child_custom_timeout(void)
{
    char so[4096];
    t_kernel_path("libldrk_basic.so", so, sizeof so);
    akl_load_options_t custom = {.size = sizeof custom, .route = AKL_ROUTE_CUSTOM};
    akl_module_t *module = NULL;
    T_CHECK(1, akl_device_open(4) == 0);
    T_CHECK(2, akl_module_load_file(4, so, &custom, &module) == 0);
    T_CHECK(3, route_of(module) == AKL_ROUTE_CUSTOM);
    uint64_t args[1] = {0};
    T_CHECK(4, akl_launch(module, "ldrk_spin", args, sizeof args, 1, NULL, 1) == 0);
    int rc = akl_stream_sync(NULL, SYNC_MS);
    T_CHECK(5, rc == 507017);
    T_CHECK(6, akl_device_close(4) == 0 && akl_device_open(4) == 0);
    T_CHECK(7, akl_launch(module, "ldrk_empty", args, sizeof args, 2, NULL, 0) == 0);
    T_CHECK(8, akl_stream_sync(NULL, SYNC_MS) == 0);
    /* Unloaded, the binary goes from the runtime; loaded again, it is registered afresh. */
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    T_CHECK(9, akl_module_unload(module) == 0);
    T_CHECK(10, akl_module_load_file(4, so, &custom, &module) == 0);
    akl_cache_stats(&after);
    T_CHECK(11, after.bootstraps == before.bootstraps + 1 && route_of(module) == AKL_ROUTE_CUSTOM);
    T_CHECK(12, akl_launch(module, "ldrk_empty", args, sizeof args, 1, NULL, 0) == 0);
    T_CHECK(13, akl_stream_sync(NULL, SYNC_MS) == 0);
    T_CHECK(14, akl_device_close(4) == 0);
    return 0;
}

static int run_child_scenario(const char *name)
{
    setenv("AKL_RUNTIME", "sim", 1);
    if (strcmp(name, "strict-latch") == 0)
        return child_strict_latch();
    if (strcmp(name, "probe") == 0)
        return child_probe();
    if (strcmp(name, "old-host") == 0)
        return child_old_host();
    if (strcmp(name, "custom-timeout") == 0)
        return child_custom_timeout();
    fprintf(stderr, "unknown child scenario %s\n", name);
    return 99;
}

/* Runs this program as "--child name" with env; the child's output in r. */
static void spawn_child(const char *name, const char *const *env, tcli_result_t *r)
{
    const char *argv[] = {self_exe, "--child", name, NULL};
    assert_int_equal(tcli_run(argv, env, r), 0);
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_normal_install_takes_the_extend_route(void **state)
{
    (void)state;
    expect_vadd_route(NULL, "extend");
    /* Forced, the custom route works on it too. */
    const char *custom[] = {"AKL_ROUTE=custom", NULL};
    expect_vadd_route(custom, "custom");
}

static void test_no_extend_package(void **state)
{
    (void)state;
    const char *env[] = {"AKL_SIM_EXTEND_PACKAGE=absent", NULL};
    expect_vadd_route(env, "custom");
    expect_vadd_extend_fails(env[0], "AKL_ENOEXTEND", "libaicpu_extend_kernels.so",
                             "extend-kernel package");
}

static void test_no_preinstall_directory(void **state)
{
    (void)state;
    const char *env[] = {"AKL_SIM_PREINSTALL=absent", NULL};
    expect_vadd_route(env, "custom");
    expect_vadd_extend_fails(env[0], "AKL_ENOPREINSTALL", "No such file or directory",
                             "aicpu_kernels_device");
}

static void test_read_only_preinstall_directory(void **state)
{
    (void)state;
    const char *env[] = {"AKL_SIM_PREINSTALL=readonly", NULL};
    expect_vadd_route(env, "custom");
    expect_vadd_extend_fails(env[0], "AKL_ENOPREINSTALL", "Read-only file system",
                             "aicpu_kernels_device");
}

/* An install variable with a value the simulator does not know: the device does not start, and the
 * message names the variable and the values it takes. */
static void test_unknown_install_value_is_refused(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"AKL_SIM_PREINSTALL=elsewhere", "present, absent, readonly"},
        {"AKL_SIM_EXTEND_PACKAGE=maybe", "present, absent"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *env[] = {cases[i][0], NULL};
        tcli_result_t r;
        run_vadd(env, &r);
        tcli_expect_exit(&r, 1);
        tcli_assert_contains(r.out, cases[i][1]);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(strchr(cases[i][0], '=') - cases[i][0]),
                 cases[i][0]);
        tcli_assert_contains(r.out, name);
        tcli_result_free(&r);
    }
}

static void test_strict_latch_two_sos_in_one_process(void **state)
{
    (void)state;
    tcli_result_t r;
    spawn_child("strict-latch", NULL, &r);
    tcli_expect_exit(&r, 0);
    tcli_result_free(&r);
}

static void test_custom_route_task_timeout(void **state)
{
    (void)state;
    tcli_result_t r;
    spawn_child("custom-timeout", NULL, &r);
    tcli_expect_exit(&r, 0);
    tcli_result_free(&r);
}

static void test_akl_run_reports_the_route(void **state)
{
    (void)state;
    const char *env[] = {"AKL_SIM_EXTEND_PACKAGE=absent", NULL};
    tcli_result_t r;
    assert_int_equal(tcli_run_program(&r, env, "akl", "run", "--json", "--buffer", "16",
                                      "--args-hex", "2a00000000000000", HELLO_SO, "akl_hello",
                                      NULL),
                     0);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "route", "custom");
    tcli_result_free(&r);
    assert_int_equal(tcli_run_program(&r, NULL, "akl", "run", "--buffer", "16", "--args-hex",
                                      "2a00000000000000", HELLO_SO, "akl_hello", NULL),
                     0);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "route:        extend");
    tcli_result_free(&r);
}

/* probe lines: "<route asked> <error name> <route taken>". */
static void expect_probe(const char *install, const char *auto_line, const char *extend_line)
{
    const char *env[] = {install, NULL};
    tcli_result_t r;
    spawn_child("probe", install ? env : NULL, &r);
    if (install_cannot_be_modelled(&r)) {
        tcli_result_free(&r);
        skip();
    }
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, auto_line);
    tcli_assert_contains(r.out, "custom AKL_OK custom");
    tcli_assert_contains(r.out, extend_line);
    tcli_result_free(&r);
}

static void test_probe_answers_per_install(void **state)
{
    (void)state;
    expect_probe(NULL, "auto AKL_OK extend", "extend AKL_OK extend");
    expect_probe("AKL_SIM_EXTEND_PACKAGE=absent", "auto AKL_OK custom",
                 "extend AKL_ENOEXTEND auto");
    expect_probe("AKL_SIM_PREINSTALL=absent", "auto AKL_OK custom",
                 "extend AKL_ENOPREINSTALL auto");
    expect_probe("AKL_SIM_PREINSTALL=readonly", "auto AKL_OK custom",
                 "extend AKL_ENOPREINSTALL auto");
}

/* A dispatcher of protocol 1 (as an older libakl uploads) answers this libakl's bootstrap with a
 * record of version 1: AKL_EVERSION naming both versions, under auto as much as forced (a version
 * mismatch is never a reason to fall back). */
static void test_new_host_with_old_dispatcher(void **state)
{
    (void)state;
    const char *env[] = {"AKL_DISPATCHER=" AKL_DISPATCHER_V1_PATH, NULL};
    tcli_result_t r;
    run_vadd(env, &r);
    tcli_expect_exit(&r, 1);
    tcli_expect_json_value(r.out, "name", "AKL_EVERSION");
    tcli_assert_contains(r.out, "protocol version 1, this libakl speaks 2");
    tcli_result_free(&r);
}

static void test_old_host_with_new_dispatcher(void **state)
{
    (void)state;
    tcli_result_t r;
    spawn_child("old-host", NULL, &r);
    tcli_expect_exit(&r, 0);
    tcli_result_free(&r);
}

int main(int argc, char **argv)
{
    if (!t_self_exe(self_exe, sizeof self_exe))
        return 98;
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return run_child_scenario(argv[2]);
    tcli_init();
    setenv("AKL_RUNTIME", "sim", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_normal_install_takes_the_extend_route, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_no_extend_package, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_no_preinstall_directory, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_read_only_preinstall_directory, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_unknown_install_value_is_refused, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_strict_latch_two_sos_in_one_process, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_custom_route_task_timeout, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_akl_run_reports_the_route, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_probe_answers_per_install, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_new_host_with_old_dispatcher, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_old_host_with_new_dispatcher, tcli_reset_root,
                                        tcli_check_and_reset_root),
    };
    return t_run_group_tests_name("routes", tests, tcli_reset_root, tcli_reset_root);
}
