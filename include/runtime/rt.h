/* CANN-compatible runtime declarations: the AICPU launch subset that the akl simulator serves.
 *
 * Names, layouts and values match CANN's pkg_inc/runtime headers (rt_external_base.h,
 * rt_external_kernel.h, runtime/kernel.h). rtAicpuArgsEx_t is the 48-byte layout of CANN 8.1.RC1
 * and later; every field offset is checked at compile time below. */
#ifndef CCE_RUNTIME_RT_H
#define CCE_RUNTIME_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl/error_codes/rt_error_codes.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RTS_API __attribute__((visibility("default")))
#else
#define RTS_API
#endif

typedef int32_t rtError_t;
typedef char char_t;
typedef void *rtStream_t;

static const int32_t RT_ERROR_NONE = 0;

typedef enum tagRtKernelType {
    KERNEL_TYPE_CCE = 0,
    KERNEL_TYPE_FWK = 1,
    KERNEL_TYPE_AICPU = 2,
    KERNEL_TYPE_AICPU_CUSTOM = 4,
    KERNEL_TYPE_AICPU_KFC = 5,
    KERNEL_TYPE_CUSTOM_KFC = 6,
    KERNEL_TYPE_HWTS = 10,
    KERNEL_TYPE_RESERVED = 99,
} rtKernelType_t;

/* Launch flags */
#define RT_KERNEL_DEFAULT (0x00U)
#define RT_KERNEL_USE_SPECIAL_TIMEOUT (0x100U)

/* Shared-memory descriptor: accepted and ignored, as by CANN for AICPU launches. */
typedef struct tagRtSmDesc rtSmDesc_t;

/* One pointer fix-up: before the copy, the runtime writes the uint64_t
 * (device args base + dataOffset) at args + addrOffset, in the caller's buffer. */
typedef struct tagRtHostInputInfo {
    uint32_t addrOffset;
    uint32_t dataOffset;
} rtHostInputInfo_t;

typedef struct tagRtAicpuArgsEx {
    void *args;                             /* host buffer holding the argument blob */
    rtHostInputInfo_t *hostInputInfoPtr;    /* pointer fix-ups, NULL for none */
    rtHostInputInfo_t *kernelOffsetInfoPtr; /* second fix-up list */
    uint32_t argsSize;                      /* bytes copied to the device */
    uint16_t hostInputInfoNum;
    uint16_t kernelOffsetInfoNum;
    uint32_t soNameAddrOffset;     /* NUL-terminated SO basename inside args; 0xFFFFFFFF: none */
    uint32_t kernelNameAddrOffset; /* NUL-terminated kernel name inside args */
    bool isNoNeedH2DCopy;          /* args is already a device address */
    uint16_t timeout;              /* per-task seconds, honoured with RT_KERNEL_USE_SPECIAL_TIMEOUT;
                                      0xFFFF: never */
    uint8_t reserved;
} rtAicpuArgsEx_t;

#ifdef __cplusplus
#define RT_STATIC_ASSERT_(cond, msg) static_assert(cond, msg)
#else
#define RT_STATIC_ASSERT_(cond, msg) _Static_assert(cond, msg)
#endif
RT_STATIC_ASSERT_(sizeof(rtHostInputInfo_t) == 8, "rtHostInputInfo_t is 8 bytes");
RT_STATIC_ASSERT_(offsetof(rtHostInputInfo_t, dataOffset) == 4, "dataOffset at 4");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, args) == 0, "args at 0");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, hostInputInfoPtr) == 8, "hostInputInfoPtr at 8");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, kernelOffsetInfoPtr) == 16,
                  "kernelOffsetInfoPtr at 16");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, argsSize) == 24, "argsSize at 24");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, hostInputInfoNum) == 28, "hostInputInfoNum at 28");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, kernelOffsetInfoNum) == 30,
                  "kernelOffsetInfoNum at 30");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, soNameAddrOffset) == 32, "soNameAddrOffset at 32");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, kernelNameAddrOffset) == 36,
                  "kernelNameAddrOffset at 36");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, isNoNeedH2DCopy) == 40, "isNoNeedH2DCopy at 40");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, timeout) == 42, "timeout at 42");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, reserved) == 44, "reserved at 44");
RT_STATIC_ASSERT_(sizeof(rtAicpuArgsEx_t) == 48, "rtAicpuArgsEx_t is 48 bytes");

/* Launch an AICPU kernel. kernelType: KERNEL_TYPE_FWK, _AICPU, _AICPU_CUSTOM or _AICPU_KFC
 * (the simulator runs _AICPU, _AICPU_CUSTOM (from the host process's custom-kernel directory) and
 * _AICPU_KFC; it rejects _FWK with ACL_ERROR_RT_FEATURE_NOT_SUPPORT). opName must be non-NULL and
 * is otherwise unused. numBlocks in 1..0xFFFF. The args are copied before the call returns. */
RTS_API rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType,
                                                const char_t *const opName,
                                                const uint32_t numBlocks,
                                                const rtAicpuArgsEx_t *argsInfo,
                                                rtSmDesc_t *const smDesc, const rtStream_t stm,
                                                const uint32_t flags);

/* ---- Devices, streams, memory: the raw calls of CANN's runtime/dev.h, stream.h, mem.h,
 * config.h and rt_external_mem.h (hicann/runtime pkg_inc/runtime). Each behaves as the
 * corresponding aclrt* call and returns the same ACL_ERROR_RT_* codes. ---- */

typedef uint32_t rtMemType_t;
#define RT_MEMORY_DEFAULT (0x0U) /* default memory on device */
#define RT_MEMORY_HBM (0x2U)     /* HBM memory on device */
/* The low byte selects the memory; higher bits are page-size policies (accepted, ignored). */
#define RT_MEMORY_TYPE_MASK_ (0xFFU)

typedef enum tagRtMemcpyKind {
    RT_MEMCPY_HOST_TO_HOST = 0,
    RT_MEMCPY_HOST_TO_DEVICE,
    RT_MEMCPY_DEVICE_TO_HOST,
    RT_MEMCPY_DEVICE_TO_DEVICE,
    RT_MEMCPY_MANAGED,
    RT_MEMCPY_ADDR_DEVICE_TO_DEVICE,
    RT_MEMCPY_HOST_TO_DEVICE_EX,
    RT_MEMCPY_DEVICE_TO_HOST_EX,
    RT_MEMCPY_DEFAULT,
    RT_MEMCPY_RESERVED,
} rtMemcpyKind_t;

RTS_API rtError_t rtSetDevice(int32_t devId);
RTS_API rtError_t rtDeviceReset(int32_t devId);
/* priority is accepted and ignored: the simulator's streams have one priority. */
RTS_API rtError_t rtStreamCreate(rtStream_t *stm, int32_t priority);
RTS_API rtError_t rtStreamDestroy(rtStream_t stm);
RTS_API rtError_t rtStreamSynchronize(rtStream_t stm);
/* 0 when the stream's tasks are done, else ACL_ERROR_RT_STREAM_NOT_COMPLETE. */
RTS_API rtError_t rtStreamQuery(rtStream_t stm);
/* type RT_MEMORY_DEFAULT or RT_MEMORY_HBM (others: ACL_ERROR_RT_PARAM_INVALID); moduleId
 * ignored. */
RTS_API rtError_t rtMalloc(void **devPtr, uint64_t size, rtMemType_t type, const uint16_t moduleId);
RTS_API rtError_t rtFree(void *devPtr);
/* kind RT_MEMCPY_HOST_TO_HOST..DEVICE_TO_DEVICE or RT_MEMCPY_DEFAULT (others: PARAM_INVALID). */
RTS_API rtError_t rtMemcpy(void *dst, uint64_t destMax, const void *src, uint64_t cnt,
                           rtMemcpyKind_t kind);
/* The AICPU user cores of the device: 6 (a die of a2), or $AKL_SIM_AICPU_THREADS. */
RTS_API rtError_t rtGetAiCpuCount(uint32_t *aiCpuCnt);

/* ---- AICore: declared so that code referencing them compiles; the simulator has no AICore, so
 * they return ACL_ERROR_RT_FEATURE_NOT_SUPPORT with a message saying so. The argument types are
 * opaque here. ---- */
typedef struct tagRtDevBinary rtDevBinary_t;
typedef struct tagRtArgsEx rtArgsEx_t;
typedef struct tagRtTaskCfgInfo rtTaskCfgInfo_t;
RTS_API rtError_t rtRegisterAllKernel(const rtDevBinary_t *bin, void **hdl);
RTS_API rtError_t rtKernelLaunchWithHandleV2(void *hdl, const uint64_t tilingKey,
                                             uint32_t numBlocks, rtArgsEx_t *argsInfo,
                                             rtSmDesc_t *smDesc, rtStream_t stm,
                                             const rtTaskCfgInfo_t *cfgInfo);

#ifdef __cplusplus
}
#endif

#endif /* CCE_RUNTIME_RT_H */
