/* The raw runtime calls AICPU host code makes to set up its device, streams and memory (CANN's
 * pkg_inc/runtime/runtime/{dev,stream,mem,config,kernel}.h and rt_external_mem.h), plus the ACL
 * calls around them that CANN 8 adds. Each one is the ACL call it corresponds to, with CANN's
 * argument conventions mapped; AICore calls say the simulator has no AICore. */
#include "aclsim_state.h"

#include <stdio.h>
#include <stdlib.h>

#include "services_setup.h"
#include "aclsim_error.h"

rtError_t rtSetDevice(int32_t devId)
{
    return aclrtSetDevice(devId);
}

rtError_t rtDeviceReset(int32_t devId)
{
    return aclrtResetDevice(devId);
}

/* The simulator has one priority: any value is accepted and ignored. */
rtError_t rtStreamCreate(rtStream_t *stm, int32_t priority)
{
    (void)priority;
    return aclrtCreateStream(stm);
}

rtError_t rtStreamDestroy(rtStream_t stm)
{
    return aclrtDestroyStream(stm);
}

rtError_t rtStreamSynchronize(rtStream_t stm)
{
    return aclrtSynchronizeStream(stm);
}

/* 0 when every task of the stream has completed, else ACL_ERROR_RT_STREAM_NOT_COMPLETE (507004);
 * a failed task's error is reported (once) as by a synchronize. */
rtError_t rtStreamQuery(rtStream_t stm)
{
    aclError rc = aclrtSynchronizeStreamWithTimeout(stm, 0);
    if (rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT) {
        aclsim_set_msg("");
        return ACL_ERROR_RT_STREAM_NOT_COMPLETE;
    }
    return rc;
}

/* RT_MEMORY_DEFAULT and RT_MEMORY_HBM, with any of the page-size policy bits, are device memory;
 * other types (host, TS, DDR, P2P) are not simulated. */
rtError_t rtMalloc(void **devPtr, uint64_t size, rtMemType_t type, const uint16_t moduleId)
{
    (void)moduleId;
    uint32_t kind = type & RT_MEMORY_TYPE_MASK_;
    if (kind != RT_MEMORY_DEFAULT && kind != RT_MEMORY_HBM)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtMalloc: memory type %#x is not simulated (only RT_MEMORY_DEFAULT and "
                           "RT_MEMORY_HBM device memory)",
                           (unsigned)type);
    if (size > SIZE_MAX)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "rtMalloc: size %llu is too large",
                           (unsigned long long)size);
    return aclrtMalloc(devPtr, (size_t)size, ACL_MEM_MALLOC_HUGE_FIRST);
}

rtError_t rtFree(void *devPtr)
{
    return aclrtFree(devPtr);
}

rtError_t rtMemcpy(void *dst, uint64_t destMax, const void *src, uint64_t cnt, rtMemcpyKind_t kind)
{
    aclrtMemcpyKind acl;
    switch (kind) {
    case RT_MEMCPY_HOST_TO_HOST:
        acl = ACL_MEMCPY_HOST_TO_HOST;
        break;
    case RT_MEMCPY_HOST_TO_DEVICE:
        acl = ACL_MEMCPY_HOST_TO_DEVICE;
        break;
    case RT_MEMCPY_DEVICE_TO_HOST:
        acl = ACL_MEMCPY_DEVICE_TO_HOST;
        break;
    case RT_MEMCPY_DEVICE_TO_DEVICE:
        acl = ACL_MEMCPY_DEVICE_TO_DEVICE;
        break;
    case RT_MEMCPY_DEFAULT:
        acl = ACL_MEMCPY_DEFAULT;
        break;
    default:
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtMemcpy: copy kind %d is not simulated (host/device kinds 0..3 and "
                           "RT_MEMCPY_DEFAULT)",
                           (int)kind);
    }
    if (destMax > SIZE_MAX || cnt > SIZE_MAX)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "rtMemcpy: size too large");
    return aclrtMemcpy(dst, (size_t)destMax, src, (size_t)cnt, acl);
}

/* The AICPU user cores of a die: what the scheduler's pool has ($AKL_SIM_AICPU_THREADS, 1..256,
 * default 6, as measured on a2: docs/cann-facts.md §5.4). */
rtError_t rtGetAiCpuCount(uint32_t *aiCpuCnt)
{
    if (!aiCpuCnt)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "rtGetAiCpuCount: aiCpuCnt is NULL");
    const char *text = getenv("AKL_SIM_AICPU_THREADS");
    if (!sim_aicpu_cores_parse(text, aiCpuCnt))
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtGetAiCpuCount: AKL_SIM_AICPU_THREADS='%s' is not a number in 1..%d",
                           text, SIM_SERVICES_MAX_AICPU_CORES);
    return ACL_SUCCESS;
}

rtError_t rtRegisterAllKernel(const rtDevBinary_t *bin, void **hdl)
{
    (void)bin;
    (void)hdl;
    return aclsim_fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                       "rtRegisterAllKernel: the simulator has no AICore; only AICPU kernels run");
}

rtError_t rtKernelLaunchWithHandleV2(void *hdl, const uint64_t tilingKey, uint32_t numBlocks,
                                     rtArgsEx_t *argsInfo, rtSmDesc_t *smDesc, rtStream_t stm,
                                     const rtTaskCfgInfo_t *cfgInfo)
{
    (void)hdl, (void)tilingKey, (void)numBlocks, (void)argsInfo, (void)smDesc, (void)stm;
    (void)cfgInfo;
    return aclsim_fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                       "rtKernelLaunchWithHandleV2: the simulator has no AICore; launch AICPU "
                       "kernels with rtAicpuKernelLaunchExWithArgs or rtsLaunchCpuKernel");
}

/* Microseconds, rounded up to the simulator's millisecond; the value in effect is returned. */
aclError aclrtSetOpExecuteTimeOutV2(uint64_t timeoutUs, uint64_t *actualTimeoutUs)
{
    if (!actualTimeoutUs)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtSetOpExecuteTimeOutV2: actualTimeoutUs is NULL");
    uint64_t ms = timeoutUs / 1000 + (timeoutUs % 1000 != 0);
    if (ms > UINT32_MAX)
        ms = UINT32_MAX;
    aclError rc = aclrtSetOpExecuteTimeOutWithMs((uint32_t)ms);
    if (rc == ACL_SUCCESS)
        *actualTimeoutUs = ms * 1000;
    return rc;
}

/* Waits for the stream's earlier tasks, then copies: the copy is ordered after them, as CANN's
 * stream-ordered copy is, and done when the call returns. */
aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count,
                          aclrtMemcpyKind kind, aclrtStream stream)
{
    aclError rc = aclrtSynchronizeStream(stream);
    if (rc != ACL_SUCCESS)
        return rc;
    return aclrtMemcpy(dst, destMax, src, count, kind);
}

/* The SoC the simulated die models (a2, the part whose cores are measured, docs/cann-facts.md
 * §5.4). */
const char *aclrtGetSocName(void)
{
    return ACLSIM_SOC_NAME;
}

aclError aclrtGetVersion(int32_t *majorVersion, int32_t *minorVersion, int32_t *patchVersion)
{
    if (!majorVersion || !minorVersion || !patchVersion)
        return aclsim_fail(ACL_ERROR_INVALID_PARAM, "aclrtGetVersion: an output is NULL");
    *majorVersion = ACL_MAJOR_VERSION;
    *minorVersion = ACL_MINOR_VERSION;
    *patchVersion = ACL_PATCH_VERSION;
    return ACL_SUCCESS;
}
