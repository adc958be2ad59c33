/* Mode B: CANN's rts binary and function API (runtime/rts/rts_kernel.h). The registration logic
 * (descriptors, options, handles) is akl_sim_rts's; this file puts its messages into
 * aclGetRecentErrMsg, sends a binary's own CPU SO to the device before its first launch there, and
 * turns rtsLaunchCpuKernel into an AICPU task: the function's registered names (unless the launch's
 * offsets are non-zero), the kernel's param at the args copy + cpuParamHeadOffset, and the
 * timeout attributes of its launch config (a per-task timeout beats the global one). */
#define _GNU_SOURCE
#include "aclsim_state.h"

#include <stdio.h>

#include "aclsim_blob.h"
#include "aclsim_cust.h"
#include "aclsim_error.h"
#include "aclsim_launch.h"
#include "sim_rts.h"

static rtError_t aclsim_rts_result(rtError_t rc, const char *msg)
{
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc, "%s", msg);
    if (msg[0])
        aclsim_set_msg(msg); /* a warning, e.g. a registration that was already there */
    return rc;
}

rtError_t rtsBinaryLoadFromFile(const char_t *const binPath,
                                const rtLoadBinaryConfig_t *const optionalCfg, rtBinHandle *handle)
{
    char msg[ACLSIM_MSG_MAX];
    sim_rts_load_opts_t opts;
    rtError_t rc = sim_rts_parse_load_options(optionalCfg, true, &opts, CMN_MSG_ARRAY(msg));
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc, "rtsBinaryLoadFromFile(%s): %s", binPath ? binPath : "NULL", msg);
    rc = sim_rts_binary_load_file(binPath, opts.cpu_kernel_mode, handle, CMN_MSG_ARRAY(msg));
    return aclsim_rts_result(rc, msg);
}

rtError_t rtsBinaryLoadFromData(const void *const data, const uint64_t length,
                                const rtLoadBinaryConfig_t *const optionalCfg, rtBinHandle *handle)
{
    char msg[ACLSIM_MSG_MAX];
    sim_rts_load_opts_t opts;
    rtError_t rc = sim_rts_parse_load_options(optionalCfg, false, &opts, CMN_MSG_ARRAY(msg));
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc, "rtsBinaryLoadFromData: %s", msg);
    rc = sim_rts_binary_load_data(data, length, opts.cpu_kernel_mode, handle, CMN_MSG_ARRAY(msg));
    return aclsim_rts_result(rc, msg);
}

rtError_t rtsBinaryUnload(const rtBinHandle binHandle)
{
    char msg[ACLSIM_MSG_MAX];
    rtError_t rc = sim_rts_binary_unload(binHandle, CMN_MSG_ARRAY(msg));
    if (rc == ACL_SUCCESS)
        aclsim_cust_forget(binHandle);
    return aclsim_rts_result(rc, msg);
}

rtError_t rtsFuncGetByName(const rtBinHandle binHandle, const char_t *kernelName,
                           rtFuncHandle *funcHandle)
{
    char msg[ACLSIM_MSG_MAX];
    rtError_t rc = sim_rts_func_get_by_name(binHandle, kernelName, funcHandle, CMN_MSG_ARRAY(msg));
    return aclsim_rts_result(rc, msg);
}

rtError_t rtsRegisterCpuFunc(rtBinHandle binHandle, const char_t *const funcName,
                             const char_t *const kernelName, rtFuncHandle *funcHandle)
{
    char msg[ACLSIM_MSG_MAX];
    rtError_t rc =
        sim_rts_func_register(binHandle, funcName, kernelName, funcHandle, CMN_MSG_ARRAY(msg));
    return aclsim_rts_result(rc, msg);
}

/* The kernel type the task runs as. A binary that brought its SO has it only in the custom
 * directory, so its AICPU functions run as AICPU_CUSTOM; the types the simulator has no engine for
 * are refused as CANN refuses a feature the device lacks. */
static rtError_t aclsim_rts_kernel_type(const sim_rts_launch_t *l, uint32_t *type)
{
    uint32_t t = l->func.kernel_type;
    if (l->has_image && t == KERNEL_TYPE_AICPU)
        t = KERNEL_TYPE_AICPU_CUSTOM;
    if (t == KERNEL_TYPE_AICPU || t == KERNEL_TYPE_AICPU_CUSTOM || t == KERNEL_TYPE_AICPU_KFC) {
        *type = t;
        return ACL_SUCCESS;
    }
    return aclsim_fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                       "rtsLaunchCpuKernel: op type '%s' (function '%s') has kernel type %u (%s), "
                       "which the simulator does not run (it runs AICPUKernel, CUSTAICPUKernel and "
                       "KFCKernel functions)",
                       l->func.op_type, l->func.function_name, t,
                       t == KERNEL_TYPE_FWK ? "TFKernel" : "CUSTKFCKernel");
}

/* RT_LAUNCH_KERNEL_ATTR_TIMEOUT / _TIMEOUT_US (0: never) before aclrtSetOpExecuteTimeOut. */
static uint32_t aclsim_rts_timeout_ms(const sim_rts_launch_opts_t *opts)
{
    if (!opts->has_timeout)
        return aclsim_launch_global_timeout_ms();
    uint64_t ms = (opts->timeout_us + 999U) / 1000U;
    return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* The launch's description for the checks, the plan and the fill that both entry points share. */
static aclsim_blob_req_t aclsim_rts_blob_req(const sim_rts_launch_t *l, uint32_t num_blocks,
                                             const rtCpuKernelArgs_t *args)
{
    return (aclsim_blob_req_t){.call = "rtsLaunchCpuKernel",
                               .num_blocks = num_blocks,
                               .info = args ? &args->baseArgs : NULL,
                               .param_off = args ? args->cpuParamHeadOffset : 0,
                               .registered = true,
                               .reg_kernel = l->func.function_name,
                               .reg_so = l->func.kernel_so[0] ? l->func.kernel_so : NULL};
}

rtError_t rtsLaunchCpuKernel(const rtFuncHandle funcHandle, uint32_t numBlocks, rtStream_t stm,
                             const rtKernelLaunchCfg_t *cfg, rtCpuKernelArgs_t *argsInfo)
{
    char msg[ACLSIM_MSG_MAX];
    sim_rts_launch_t l;
    rtError_t rc = sim_rts_prepare_launch(funcHandle, cfg, &l, CMN_MSG_ARRAY(msg));
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc, "%s", msg);
    aclsim_blob_req_t req = aclsim_rts_blob_req(&l, numBlocks, argsInfo);
    uint32_t type;
    if ((rc = aclsim_blob_check(&req)) != ACL_SUCCESS ||
        (rc = aclsim_rts_kernel_type(&l, &type)) != ACL_SUCCESS)
        return rc;
    aclsim_launch_t task = {.type = type,
                            .num_blocks = numBlocks,
                            .timeout_ms = aclsim_rts_timeout_ms(&l.opts),
                            .blob = &req,
                            .cust_bin = l.has_image ? l.bin : NULL};
    return aclsim_launch_submit(stm, &task);
}
