/* CANN-compatible "rts" binary and function API: the Mode B registration path (load a JSON op
 * descriptor or a CPU kernel SO, look a function up by op type, launch it by handle).
 *
 * It lives at CANN's own path (pkg_inc/runtime/runtime/rts/rts_kernel.h), so host code that
 * includes "runtime/rts/rts_kernel.h" compiles unchanged against the simulator. Names, layouts and
 * values match hicann/runtime:
 *   - pkg_inc/runtime/runtime/rts/rts_kernel.h: rtLaunchKernelAttrId and its value union,
 *     rtKernelLaunchCfg_t, rtLoadBinaryOption and its value union, rtLoadBinaryConfig_t, and the
 *     six functions below;
 *   - pkg_inc/runtime/runtime/kernel.h: rtBinHandle, rtFuncHandle, rtCpuKernelArgs_t.
 * RT_LAUNCH_KERNEL_ATTR_DYN_UBUF_SIZE (= LOCAL_MEM_SIZE = 2) and the dynUBufSize member are the
 * newer spelling of the same slot in later revisions of that header. Every layout is checked at
 * compile time below (LP64). */
#ifndef CCE_RUNTIME_RTS_KERNEL_H
#define CCE_RUNTIME_RTS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "../../rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles: a loaded binary (JSON descriptor and/or CPU SO) and one of its functions. */
typedef void *rtBinHandle;
typedef void *rtFuncHandle;

/* ---- loading ---- */

typedef enum {
    RT_LOAD_BINARY_OPT_LAZY_LOAD = 1,
    RT_LOAD_BINARY_OPT_MAGIC = 2,
    RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE = 3,
    RT_LOAD_BINARY_OPT_MAX
} rtLoadBinaryOption;

typedef union {
    uint32_t isLazyLoad;   /* 1: do not copy to the device at load; 0 (default): copy */
    uint32_t magic;        /* AICore ELF magic; only for LoadFromData */
    int32_t cpuKernelMode; /* 0: JSON only (LoadFromFile); 1: CPU SO and its JSON (LoadFromFile);
                              2: CPU SO bytes (LoadFromData), functions via rtsRegisterCpuFunc */
    uint32_t rsv[4];
} rtLoadBinaryOptionValue_t;

typedef struct {
    rtLoadBinaryOption optionId;
    rtLoadBinaryOptionValue_t value;
} rtLoadBinaryOption_t;

typedef struct {
    rtLoadBinaryOption_t *options;
    size_t numOpt;
} rtLoadBinaryConfig_t;

/* ---- launching ---- */

typedef enum { RT_ENGINE_TYPE_AIC = 0, RT_ENGINE_TYPE_AIV } rtEngineType;

typedef enum {
    RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE = 1,
    RT_LAUNCH_KERNEL_ATTR_LOCAL_MEM_SIZE = 2,
    RT_LAUNCH_KERNEL_ATTR_DYN_UBUF_SIZE = 2,
    RT_LAUNCH_KERNEL_ATTR_ENGINE_TYPE = 3,
    RT_LAUNCH_KERNEL_ATTR_BLOCKDIM_OFFSET = 4,
    RT_LAUNCH_KERNEL_ATTR_BLOCK_TASK_PREFETCH = 5,
    RT_LAUNCH_KERNEL_ATTR_DATA_DUMP = 6,
    RT_LAUNCH_KERNEL_ATTR_TIMEOUT = 7,
    RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US = 8,
    RT_LAUNCH_KERNEL_ATTR_MAX = 9
} rtLaunchKernelAttrId;

typedef struct {
    uint32_t timeoutLow;  /* low 32 bits of the timeout in microseconds */
    uint32_t timeoutHigh; /* high 32 bits */
} rtTimeoutUs;

typedef union {
    uint8_t schemMode;
    uint32_t localMemorySize;
    uint32_t dynUBufSize;
    rtEngineType engineType;
    uint32_t blockDimOffset;
    uint8_t isBlockTaskPrefetch; /* 0: disable, 1: enable */
    uint8_t isDataDump;          /* 0: disable, 1: enable */
    uint16_t timeout;            /* seconds; 0: never */
    rtTimeoutUs timeoutUs;       /* microseconds; 0: never */
    uint32_t rsv[4];
} rtLaunchKernelAttrVal_t;

typedef struct {
    rtLaunchKernelAttrId id;
    rtLaunchKernelAttrVal_t value;
} rtLaunchKernelAttr_t;

typedef struct {
    rtLaunchKernelAttr_t *attrs;
    size_t numAttrs;
} rtKernelLaunchCfg_t;

/* The device receives param = (device copy of baseArgs.args) + cpuParamHeadOffset. The kernel and
 * SO names are the ones registered with the function unless baseArgs.kernelNameAddrOffset or
 * baseArgs.soNameAddrOffset is non-zero. */
typedef struct {
    rtAicpuArgsEx_t baseArgs;
    size_t cpuParamHeadOffset;
    uint32_t rsv[4];
} rtCpuKernelArgs_t;

RT_STATIC_ASSERT_(sizeof(rtLoadBinaryOption) == 4, "rtLoadBinaryOption is 4 bytes");
RT_STATIC_ASSERT_(sizeof(rtLoadBinaryOptionValue_t) == 16, "rtLoadBinaryOptionValue_t is 16 bytes");
RT_STATIC_ASSERT_(offsetof(rtLoadBinaryOption_t, value) == 4, "option value at 4");
RT_STATIC_ASSERT_(sizeof(rtLoadBinaryOption_t) == 20, "rtLoadBinaryOption_t is 20 bytes");
RT_STATIC_ASSERT_(offsetof(rtLoadBinaryConfig_t, numOpt) == 8, "numOpt at 8");
RT_STATIC_ASSERT_(sizeof(rtLoadBinaryConfig_t) == 16, "rtLoadBinaryConfig_t is 16 bytes");
RT_STATIC_ASSERT_(sizeof(rtTimeoutUs) == 8, "rtTimeoutUs is 8 bytes");
RT_STATIC_ASSERT_(offsetof(rtTimeoutUs, timeoutHigh) == 4, "timeoutHigh at 4");
RT_STATIC_ASSERT_(sizeof(rtLaunchKernelAttrId) == 4, "rtLaunchKernelAttrId is 4 bytes");
RT_STATIC_ASSERT_(sizeof(rtLaunchKernelAttrVal_t) == 16, "rtLaunchKernelAttrVal_t is 16 bytes");
RT_STATIC_ASSERT_(offsetof(rtLaunchKernelAttr_t, value) == 4, "attr value at 4");
RT_STATIC_ASSERT_(sizeof(rtLaunchKernelAttr_t) == 20, "rtLaunchKernelAttr_t is 20 bytes");
RT_STATIC_ASSERT_(offsetof(rtKernelLaunchCfg_t, numAttrs) == 8, "numAttrs at 8");
RT_STATIC_ASSERT_(sizeof(rtKernelLaunchCfg_t) == 16, "rtKernelLaunchCfg_t is 16 bytes");
RT_STATIC_ASSERT_(offsetof(rtCpuKernelArgs_t, baseArgs) == 0, "baseArgs at 0");
RT_STATIC_ASSERT_(offsetof(rtCpuKernelArgs_t, cpuParamHeadOffset) == 48,
                  "cpuParamHeadOffset at 48");
RT_STATIC_ASSERT_(offsetof(rtCpuKernelArgs_t, rsv) == 56, "rsv at 56");
RT_STATIC_ASSERT_(sizeof(rtCpuKernelArgs_t) == 72, "rtCpuKernelArgs_t is 72 bytes");

/* Loads a binary from a file. With RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE 0, binPath names the JSON op
 * descriptor (the path with its extension replaced by .json is read); with mode 1, also the CPU SO
 * beside it (the path with its extension replaced by .so). Any other mode returns 107000. */
RTS_API rtError_t rtsBinaryLoadFromFile(const char_t *const binPath,
                                        const rtLoadBinaryConfig_t *const optionalCfg,
                                        rtBinHandle *handle);

/* Loads a CPU kernel SO from host memory (RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE 2 only); its
 * functions are then registered with rtsRegisterCpuFunc. */
RTS_API rtError_t rtsBinaryLoadFromData(const void *const data, const uint64_t length,
                                        const rtLoadBinaryConfig_t *const optionalCfg,
                                        rtBinHandle *handle);

/* Unloads a binary and invalidates every function handle it holds. */
RTS_API rtError_t rtsBinaryUnload(const rtBinHandle binHandle);

/* Looks a function up by its op type (the descriptor's top-level key). A miss returns 107000; a
 * handle that is not a loaded binary returns 107017. */
RTS_API rtError_t rtsFuncGetByName(const rtBinHandle binHandle, const char_t *kernelName,
                                   rtFuncHandle *funcHandle);

/* Registers function funcName of the binary's CPU SO under op type kernelName. An op type that is
 * already registered keeps its first registration, whose handle is returned. */
RTS_API rtError_t rtsRegisterCpuFunc(rtBinHandle binHandle, const char_t *const funcName,
                                     const char_t *const kernelName, rtFuncHandle *funcHandle);

/* Launches a registered CPU function on numBlocks blocks. cfg may be NULL; its attributes
 * RT_LAUNCH_KERNEL_ATTR_TIMEOUT (seconds) or _TIMEOUT_US (not both) set the task's timeout. */
RTS_API rtError_t rtsLaunchCpuKernel(const rtFuncHandle funcHandle, uint32_t numBlocks,
                                     rtStream_t stm, const rtKernelLaunchCfg_t *cfg,
                                     rtCpuKernelArgs_t *argsInfo);

#ifdef __cplusplus
}
#endif

#endif /* CCE_RUNTIME_RTS_KERNEL_H */
