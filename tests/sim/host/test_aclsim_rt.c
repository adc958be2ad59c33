/* AICPU host code written only against CANN's headers (acl/acl.h, runtime/rt.h) runs unchanged:
 * it creates its device, stream and memory with the raw rt* calls, launches an AICPU kernel,
 * copies the answer back and tears down; each call's error path gets CANN's code. The ACL calls
 * CANN 8 adds around them (V2 timeout, device synchronize with timeout, async copy, SoC name)
 * and the AICore calls the simulator refuses are covered too. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl/acl.h"
#include "runtime/rt.h"
#include "svck_abi.h"
#include "test_support.h"
#include "test_svck_util.h"

#define RTT_SO SVCKT_SO

/* Test plumbing only: the kernel SO in device 0's preinstall directory. */
static void rtt_install(void)
{
    assert_int_equal(svckt_install_once(0, RTT_SO), 0);
}

static void test_raw_rt_host_program(void **state)
{
    (void)state;
    rtt_install();
    assert_int_equal(rtSetDevice(0), RT_ERROR_NONE);
    rtStream_t stm = NULL;
    assert_int_equal(rtStreamCreate(&stm, 0), RT_ERROR_NONE);
    void *out = NULL;
    assert_int_equal(rtMalloc(&out, sizeof(svck_result_t), RT_MEMORY_HBM, 0), RT_ERROR_NONE);
    svck_result_t zero = {0};
    assert_int_equal(rtMemcpy(out, sizeof zero, &zero, sizeof zero, RT_MEMCPY_HOST_TO_DEVICE),
                     RT_ERROR_NONE);

    /* The blob: args, then the kernel and SO names. */
    struct {
        svck_args_t a;
        char kernel[16];
        char so[32];
    } blob = {{(uint64_t)(uintptr_t)out, 0, 99}, "svck_services", RTT_SO};
    rtAicpuArgsEx_t info = {0};
    info.args = &blob;
    info.argsSize = sizeof blob;
    info.kernelNameAddrOffset = (uint32_t)offsetof(__typeof__(blob), kernel);
    info.soNameAddrOffset = (uint32_t)offsetof(__typeof__(blob), so);
    assert_int_equal(
        rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU, "svck", 1, &info, NULL, stm, 0),
        RT_ERROR_NONE);
    assert_int_equal(rtStreamSynchronize(stm), RT_ERROR_NONE);
    assert_int_equal(rtStreamQuery(stm), RT_ERROR_NONE);
    svck_result_t r;
    assert_int_equal(rtMemcpy(&r, sizeof r, out, sizeof r, RT_MEMCPY_DEVICE_TO_HOST),
                     RT_ERROR_NONE);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.core_num, 6);

    uint32_t cores = 0;
    assert_int_equal(rtGetAiCpuCount(&cores), RT_ERROR_NONE);
    assert_int_equal(cores, 6);
    assert_int_equal(rtGetAiCpuCount(NULL), ACL_ERROR_RT_PARAM_INVALID);

    /* Error paths: CANN's codes. */
    void *bad = NULL;
    assert_int_equal(rtMalloc(&bad, 64, 0x1U /* RT_MEMORY_TS */, 0), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(rtMemcpy(&r, sizeof r, out, sizeof r, RT_MEMCPY_MANAGED),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(rtMemcpy(&r, 4, out, sizeof r, RT_MEMCPY_DEVICE_TO_HOST),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(rtFree(&r), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(rtSetDevice(4096), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_int_equal(rtStreamSynchronize((rtStream_t)(uintptr_t)0x1234),
                     ACL_ERROR_RT_PARAM_INVALID);

    /* AICore is not simulated. */
    void *hdl = NULL;
    assert_int_equal(rtRegisterAllKernel(NULL, &hdl), ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
    assert_non_null(strstr(aclGetRecentErrMsg(), "no AICore"));
    assert_int_equal(rtKernelLaunchWithHandleV2(NULL, 0, 1, NULL, NULL, stm, NULL),
                     ACL_ERROR_RT_FEATURE_NOT_SUPPORT);
    assert_non_null(strstr(aclGetRecentErrMsg(), "no AICore"));

    /* CANN 8's ACL additions. */
    uint64_t actual = 0;
    assert_int_equal(aclrtSetOpExecuteTimeOutV2(1500, &actual), ACL_SUCCESS);
    assert_int_equal(actual, 2000);
    assert_int_equal(aclrtSetOpExecuteTimeOutV2(0, &actual), ACL_SUCCESS);
    assert_int_equal(actual, 0);
    assert_int_equal(aclrtSetOpExecuteTimeOutV2(5, NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtSynchronizeDeviceWithTimeout(1000), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeDeviceWithTimeout(-2), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpyAsync(&r, sizeof r, out, sizeof r, ACL_MEMCPY_DEVICE_TO_HOST, stm),
                     ACL_SUCCESS);
    assert_int_equal(r.done, 1);
    assert_string_equal(aclrtGetSocName(), "Ascend910B1");

    assert_int_equal(rtFree(out), RT_ERROR_NONE);
    assert_int_equal(rtStreamDestroy(stm), RT_ERROR_NONE);
    assert_int_equal(rtDeviceReset(0), RT_ERROR_NONE);
    assert_int_equal(aclrtSynchronizeDeviceWithTimeout(0), ACL_ERROR_RT_CONTEXT_NULL);
}

/* Launches svck_services (or a kernel name the SO lacks, which fails with 11003) on stm, writing
 * its answers to out. */
static void rtt_launch(rtStream_t stm, void *out, const char *kernel)
{
    struct {
        svck_args_t a;
        char kernel[16];
        char so[32];
    } blob = {{(uint64_t)(uintptr_t)out, 0, 5}, "", RTT_SO};
    snprintf(blob.kernel, sizeof blob.kernel, "%s", kernel);
    rtAicpuArgsEx_t info = {0};
    info.args = &blob;
    info.argsSize = sizeof blob;
    info.kernelNameAddrOffset = (uint32_t)offsetof(__typeof__(blob), kernel);
    info.soNameAddrOffset = (uint32_t)offsetof(__typeof__(blob), so);
    assert_int_equal(
        rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU, "svck", 1, &info, NULL, stm, 0),
        RT_ERROR_NONE);
}

static uint32_t rtt_done(void *out)
{
    svck_result_t r;
    assert_int_equal(aclrtMemcpy(&r, sizeof r, out, sizeof r, ACL_MEMCPY_DEVICE_TO_HOST),
                     ACL_SUCCESS);
    return r.done;
}

static void rtt_clear(void *out)
{
    assert_int_equal(aclrtMemset(out, sizeof(svck_result_t), 0, sizeof(svck_result_t)),
                     ACL_SUCCESS);
}

/* ACL_STOP_ON_FAILURE: the task after a failed one does not run until a synchronize reports the
 * failure; ACL_CONTINUE_ON_FAILURE (the default) runs it. */
static void test_stream_failure_mode(void **state)
{
    (void)state;
    rtt_install();
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    aclrtStream stop = NULL, cont = NULL;
    assert_int_equal(aclrtCreateStream(&stop), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(&cont), ACL_SUCCESS);
    assert_int_equal(aclrtSetStreamFailureMode(stop, ACL_STOP_ON_FAILURE), ACL_SUCCESS);
    assert_int_equal(aclrtSetStreamFailureMode(cont, ACL_CONTINUE_ON_FAILURE), ACL_SUCCESS);
    assert_int_equal(aclrtSetStreamFailureMode(stop, 2), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtSetStreamFailureMode((aclrtStream)(uintptr_t)0x1234, 1),
                     ACL_ERROR_RT_PARAM_INVALID);
    void *out = NULL;
    assert_int_equal(aclrtMalloc(&out, sizeof(svck_result_t), ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_SUCCESS);

    rtt_clear(out);
    rtt_launch(stop, out, "svck_missing");
    rtt_launch(stop, out, "svck_services");
    assert_int_equal(aclrtSynchronizeStream(stop), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_int_equal(rtt_done(out), 0); /* stopped */
    rtt_launch(stop, out, "svck_services");
    assert_int_equal(aclrtSynchronizeStream(stop), ACL_SUCCESS);
    assert_int_equal(rtt_done(out), 1); /* reported: the stream runs again */

    rtt_clear(out);
    rtt_launch(cont, out, "svck_missing");
    rtt_launch(cont, out, "svck_services");
    assert_int_equal(aclrtSynchronizeStream(cont), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_int_equal(rtt_done(out), 1); /* continued */

    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(stop), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(cont), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

static void test_events(void **state)
{
    (void)state;
    rtt_install();
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    aclrtStream a = NULL, b = NULL;
    assert_int_equal(aclrtCreateStream(&a), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(&b), ACL_SUCCESS);
    void *out = NULL;
    assert_int_equal(aclrtMalloc(&out, sizeof(svck_result_t), ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_SUCCESS);
    rtt_clear(out);
    aclrtEvent start = NULL, end = NULL, never = NULL;
    assert_int_equal(aclrtCreateEvent(&start), ACL_SUCCESS);
    assert_int_equal(aclrtCreateEventExWithFlag(&end, ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE),
                     ACL_SUCCESS);
    assert_int_equal(aclrtCreateEvent(&never), ACL_SUCCESS);

    assert_int_equal(aclrtRecordEvent(start, a), ACL_SUCCESS);
    rtt_launch(a, out, "svck_services");
    assert_int_equal(aclrtRecordEvent(end, a), ACL_SUCCESS);
    /* b waits for a's kernel: once the wait returns, the kernel has run. */
    assert_int_equal(aclrtStreamWaitEvent(b, end), ACL_SUCCESS);
    assert_int_equal(rtt_done(out), 1);
    aclrtEventRecordedStatus st = ACL_EVENT_RECORDED_STATUS_NOT_READY;
    assert_int_equal(aclrtQueryEventStatus(end, &st), ACL_SUCCESS);
    assert_int_equal(st, ACL_EVENT_RECORDED_STATUS_COMPLETE);
    assert_int_equal(aclrtSynchronizeEvent(end), ACL_SUCCESS);
    float ms = -1.0f;
    assert_int_equal(aclrtEventElapsedTime(&ms, start, end), ACL_SUCCESS);
    assert_true(ms >= 0.0f);
    uint64_t t1 = 0, t2 = 0;
    assert_int_equal(aclrtEventGetTimestamp(start, &t1), ACL_SUCCESS);
    assert_int_equal(aclrtEventGetTimestamp(end, &t2), ACL_SUCCESS);
    assert_true(t2 >= t1);

    /* Errors: NULL outputs and handles, unknown flags, a never-recorded event's timestamp, a
     * destroyed event. */
    assert_int_equal(aclrtCreateEvent(NULL), ACL_ERROR_RT_PARAM_INVALID);
    aclrtEvent bad = NULL;
    assert_int_equal(aclrtCreateEventExWithFlag(&bad, 0x80000000U), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtQueryEventStatus(end, NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtEventElapsedTime(NULL, start, end), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtEventGetTimestamp(never, &t1), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtRecordEvent(NULL, a), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtDestroyEvent(never), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyEvent(never), ACL_ERROR_RT_PARAM_INVALID);
    assert_non_null(strstr(aclGetRecentErrMsg(), "not a live event"));
    assert_int_equal(aclrtSynchronizeEvent(never), ACL_ERROR_RT_PARAM_INVALID);

    int32_t major = 0, minor = 0, patch = -1;
    assert_int_equal(aclrtGetVersion(&major, &minor, &patch), ACL_SUCCESS);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 17);
    assert_int_equal(patch, 0);
    assert_int_equal(aclrtGetVersion(NULL, &minor, &patch), ACL_ERROR_INVALID_PARAM);

    assert_int_equal(aclrtDestroyEvent(start), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyEvent(end), ACL_SUCCESS);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(a), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(b), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

/* CANN 8's ACL binary API with a CPU kernel: a JSON descriptor (cpuKernelMode 0) names
 * svck_services in the preinstalled SO; its argument is built with an args handle. */
static void test_acl_binary_api(void **state)
{
    (void)state;
    rtt_install();
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    char dir[] = "/tmp/akl-rtt-XXXXXX", json[64];
    assert_non_null(mkdtemp(dir));
    snprintf(json, sizeof json, "%s/ops.json", dir);
    static const char desc[] = "{\"SvckOp\": {\"opInfo\": {\"functionName\": \"svck_services\", "
                               "\"kernelSo\": \"" RTT_SO "\", \"opKernelLib\": \"AICPUKernel\", "
                               "\"userDefined\": \"False\"}}}";
    assert_int_equal(t_write_file(json, desc, sizeof desc - 1), 0);

    aclrtBinaryLoadOption opt = {ACL_RT_BINARY_LOAD_OPT_CPU_KERNEL_MODE, {.cpuKernelMode = 0}};
    aclrtBinaryLoadOptions opts = {&opt, 1};
    aclrtBinHandle bin = NULL;
    assert_int_equal(aclrtBinaryLoadFromFile(json, &opts, &bin), ACL_SUCCESS);
    unlink(json);
    rmdir(dir);
    aclrtFuncHandle func = NULL;
    assert_int_equal(aclrtBinaryGetFunction(bin, "SvckOp", &func), ACL_SUCCESS);
    assert_int_equal(aclrtBinaryGetFunction(bin, "NoSuchOp", &func), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtBinaryGetFunction(bin, "SvckOp", &func), ACL_SUCCESS);

    void *out = NULL;
    assert_int_equal(aclrtMalloc(&out, sizeof(svck_result_t), ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_SUCCESS);
    rtt_clear(out);
    svck_args_t a = {(uint64_t)(uintptr_t)out, 0, 8};
    aclrtArgsHandle args = NULL;
    aclrtParamHandle param = NULL;
    assert_int_equal(aclrtKernelArgsInit(func, &args), ACL_SUCCESS);
    assert_int_equal(aclrtKernelArgsAppend(args, &a, sizeof a, &param), ACL_SUCCESS);
    /* Not finalized yet: refused. */
    assert_int_equal(aclrtLaunchKernelWithConfig(func, 1, NULL, NULL, args, NULL),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtKernelArgsFinalize(args), ACL_SUCCESS);
    assert_int_equal(aclrtKernelArgsAppend(args, &a, sizeof a, &param), ACL_ERROR_RT_PARAM_INVALID);
    aclrtLaunchKernelAttr attr = {ACL_RT_LAUNCH_KERNEL_ATTR_TIMEOUT, {.timeout = 30}};
    aclrtLaunchKernelCfg cfg = {&attr, 1};
    assert_int_equal(aclrtLaunchKernelWithConfig(func, 1, NULL, &cfg, args, NULL), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(rtt_done(out), 1);

    /* Errors. */
    int reserve = 0;
    assert_int_equal(aclrtLaunchKernelWithConfig(func, 1, NULL, NULL, args, &reserve),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtLaunchKernelWithConfig(func, 0, NULL, NULL, args, NULL),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtLaunchKernelWithConfig(func, 1, NULL, NULL, (aclrtArgsHandle)&a, NULL),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_non_null(strstr(aclGetRecentErrMsg(), "not an args handle"));
    assert_int_equal(aclrtKernelArgsInit(NULL, &args), ACL_ERROR_RT_PARAM_INVALID);
    aclrtBinHandle missing = NULL;
    assert_int_equal(aclrtBinaryLoadFromFile("/nonexistent/ops.json", &opts, &missing),
                     ACL_ERROR_RT_PARAM_INVALID);

    assert_int_equal(aclrtBinaryUnLoad(bin), ACL_SUCCESS);
    assert_int_equal(aclrtBinaryUnLoad(bin), ACL_ERROR_RT_INVALID_HANDLE);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

/* Test plumbing: the test's simulator root (device logs included) goes. */
static int rtt_teardown(void **state)
{
    (void)state;
    aclFinalize();
    if (*t_sim_root())
        t_rmtree(t_sim_root());
    return 0;
}

int main(void)
{
    unsetenv("AKL_SIM_AICPU_THREADS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_rt_host_program),
        cmocka_unit_test(test_stream_failure_mode),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_acl_binary_api),
    };
    return t_run_group_tests_name("sim_rt", tests, NULL, rtt_teardown);
}
