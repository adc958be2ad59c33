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

#include "acl/acl.h"
#include "runtime/rt.h"
#include "sim_paths.h"
#include "svck_abi.h"
#include "test_support.h"

#define RTT_SO "libsvck_services.so"

/* Test plumbing only: the kernel SO in device 0's preinstall directory. */
static void rtt_install(void)
{
    char dir[SIM_PATH_MAX], src[4096], dst[SIM_PATH_MAX + 64], err[512];
    if (sim_fs_prepare(0, NULL, err, sizeof err) != 0)
        fail_msg("sim_fs_prepare: %s", err);
    assert_int_equal(sim_preinstall_dir(0, dir, sizeof dir), 0);
    snprintf(dst, sizeof dst, "%s/%s", dir, RTT_SO);
    size_t size;
    void *bytes = t_read_file(t_kernel_path(RTT_SO, src, sizeof src), &size);
    assert_non_null(bytes);
    assert_int_equal(t_write_file(dst, bytes, size), 0);
    free(bytes);
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

int main(void)
{
    unsetenv("AKL_SIM_AICPU_THREADS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_rt_host_program),
    };
    return cmocka_run_group_tests_name("sim_rt", tests, NULL, NULL);
}
