/* CANN 8's ACL binary API for CPU (AICPU) kernels: aclrtBinaryLoadFromFile/FromData,
 * aclrtBinaryGetFunction, aclrtRegisterCpuFunc, aclrtBinaryUnLoad and aclrtLaunchKernelWithConfig
 * are CANN's rts* Mode B calls under their ACL names (CANN's aclrt*Impl pass the same layouts
 * through: hicann/runtime src/acl/aclrt_impl/kernel.cpp), plus kernel-argument handles
 * (aclrtKernelArgsInit/Append/Finalize) that build the argument blob a CPU kernel receives. */
#include "aclsim_state.h"

#include <stdio.h>
#include <stdlib.h>

#include "runtime/runtime/rts/rts_kernel.h"
#include "aclsim_error.h"

/* The ACL structs are the rts ones under other names (CANN casts between them). */
_Static_assert(sizeof(aclrtBinaryLoadOption) == sizeof(rtLoadBinaryOption_t), "load option");
_Static_assert(offsetof(aclrtBinaryLoadOption, value) == offsetof(rtLoadBinaryOption_t, value),
               "load option value");
_Static_assert(sizeof(aclrtBinaryLoadOptions) == sizeof(rtLoadBinaryConfig_t), "load options");
_Static_assert(sizeof(aclrtLaunchKernelAttr) == sizeof(rtLaunchKernelAttr_t), "launch attr");
_Static_assert(sizeof(aclrtLaunchKernelCfg) == sizeof(rtKernelLaunchCfg_t), "launch cfg");

#define ACLSIM_ARGS_ALIGN 8
#define ACLSIM_ARGS_MAX (64u * 1024u * 1024u)

typedef struct aclsim_args {
    struct aclsim_args *next;
    aclrtFuncHandle func;
    uint8_t *buf;
    size_t size, cap;
    bool final;
} aclsim_args_t;

/* Every live args handle, so that a handle is checked before use. Process-wide: CANN's runtime
 * owns these too; they live until the process ends. */
static pthread_mutex_t aclsim_args_lock = PTHREAD_MUTEX_INITIALIZER;
static aclsim_args_t *aclsim_args_list;

static aclError aclsim_args_find(aclrtArgsHandle handle, const char *call, aclsim_args_t **out)
{
    if (!handle)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: argsHandle is NULL", call);
    pthread_mutex_lock(&aclsim_args_lock);
    for (aclsim_args_t *a = aclsim_args_list; a; a = a->next) {
        if (a == handle) {
            *out = a;
            return ACL_SUCCESS;
        }
    }
    pthread_mutex_unlock(&aclsim_args_lock);
    return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p is not an args handle", call, handle);
}

aclError aclrtBinaryLoadFromFile(const char *binPath, aclrtBinaryLoadOptions *options,
                                 aclrtBinHandle *binHandle)
{
    return rtsBinaryLoadFromFile(binPath, (const rtLoadBinaryConfig_t *)options, binHandle);
}

aclError aclrtBinaryLoadFromData(const void *data, size_t length,
                                 const aclrtBinaryLoadOptions *options, aclrtBinHandle *binHandle)
{
    return rtsBinaryLoadFromData(data, (uint64_t)length, (const rtLoadBinaryConfig_t *)options,
                                 binHandle);
}

aclError aclrtBinaryGetFunction(const aclrtBinHandle binHandle, const char *kernelName,
                                aclrtFuncHandle *funcHandle)
{
    return rtsFuncGetByName(binHandle, kernelName, funcHandle);
}

aclError aclrtRegisterCpuFunc(const aclrtBinHandle handle, const char *funcName,
                              const char *kernelName, aclrtFuncHandle *funcHandle)
{
    return rtsRegisterCpuFunc(handle, funcName, kernelName, funcHandle);
}

aclError aclrtBinaryUnLoad(aclrtBinHandle binHandle)
{
    return rtsBinaryUnload(binHandle);
}

aclError aclrtKernelArgsInit(aclrtFuncHandle funcHandle, aclrtArgsHandle *argsHandle)
{
    if (!funcHandle || !argsHandle)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtKernelArgsInit: %s is NULL",
                           funcHandle ? "argsHandle" : "funcHandle");
    aclsim_args_t *a = calloc(1, sizeof *a);
    if (!a)
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtKernelArgsInit: out of memory");
    a->func = funcHandle;
    pthread_mutex_lock(&aclsim_args_lock);
    a->next = aclsim_args_list;
    aclsim_args_list = a;
    pthread_mutex_unlock(&aclsim_args_lock);
    *argsHandle = a;
    return ACL_SUCCESS;
}

aclError aclrtKernelArgsAppend(aclrtArgsHandle argsHandle, void *param, size_t paramSize,
                               aclrtParamHandle *paramHandle)
{
    if (!param || paramSize == 0 || !paramHandle)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtKernelArgsAppend: param, paramSize and paramHandle must be set");
    aclsim_args_t *a;
    aclError rc = aclsim_args_find(argsHandle, "aclrtKernelArgsAppend", &a);
    if (rc != ACL_SUCCESS)
        return rc;
    size_t at = (a->size + ACLSIM_ARGS_ALIGN - 1) & ~(size_t)(ACLSIM_ARGS_ALIGN - 1);
    if (a->final) {
        rc = aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                         "aclrtKernelArgsAppend: the args handle is already finalized");
    } else if (paramSize > ACLSIM_ARGS_MAX || at + paramSize > ACLSIM_ARGS_MAX) {
        rc = aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                         "aclrtKernelArgsAppend: the arguments would exceed %u bytes",
                         ACLSIM_ARGS_MAX);
    } else {
        if (at + paramSize > a->cap) {
            size_t want = a->cap ? a->cap : 64;
            while (want < at + paramSize)
                want *= 2;
            uint8_t *grown = realloc(a->buf, want);
            if (!grown) {
                pthread_mutex_unlock(&aclsim_args_lock);
                return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                                   "aclrtKernelArgsAppend: out of memory");
            }
            memset(grown + a->cap, 0, want - a->cap);
            a->buf = grown;
            a->cap = want;
        }
        memcpy(a->buf + at, param, paramSize);
        a->size = at + paramSize;
        *paramHandle = (aclrtParamHandle)(uintptr_t)(at + 1); /* an offset, never dereferenced */
    }
    pthread_mutex_unlock(&aclsim_args_lock);
    return rc;
}

aclError aclrtKernelArgsFinalize(aclrtArgsHandle argsHandle)
{
    aclsim_args_t *a;
    aclError rc = aclsim_args_find(argsHandle, "aclrtKernelArgsFinalize", &a);
    if (rc != ACL_SUCCESS)
        return rc;
    a->final = true;
    pthread_mutex_unlock(&aclsim_args_lock);
    return ACL_SUCCESS;
}

aclError aclrtLaunchKernelWithConfig(aclrtFuncHandle funcHandle, uint32_t numBlocks,
                                     aclrtStream stream, aclrtLaunchKernelCfg *cfg,
                                     aclrtArgsHandle argsHandle, void *reserve)
{
    if (!funcHandle || numBlocks == 0 || reserve)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtLaunchKernelWithConfig: %s",
                           !funcHandle      ? "funcHandle is NULL"
                           : numBlocks == 0 ? "numBlocks is 0"
                                            : "reserve must be NULL");
    aclsim_args_t *a;
    aclError rc = aclsim_args_find(argsHandle, "aclrtLaunchKernelWithConfig", &a);
    if (rc != ACL_SUCCESS)
        return rc;
    if (!a->final) {
        pthread_mutex_unlock(&aclsim_args_lock);
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtLaunchKernelWithConfig: the args handle is not finalized");
    }
    /* The launch copies the blob before it returns; an empty one still gives the kernel a
     * valid (zeroed) pointer. */
    uint8_t empty[ACLSIM_ARGS_ALIGN] = {0};
    rtCpuKernelArgs_t args;
    memset(&args, 0, sizeof args);
    args.baseArgs.args = a->size ? a->buf : empty;
    args.baseArgs.argsSize = a->size ? (uint32_t)a->size : (uint32_t)sizeof empty;
    rc = rtsLaunchCpuKernel(funcHandle, numBlocks, stream, (const rtKernelLaunchCfg_t *)cfg, &args);
    pthread_mutex_unlock(&aclsim_args_lock);
    return rc;
}
