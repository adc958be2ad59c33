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
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, kernelOffsetInfoPtr) == 16, "kernelOffsetInfoPtr at 16");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, argsSize) == 24, "argsSize at 24");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, hostInputInfoNum) == 28, "hostInputInfoNum at 28");
RT_STATIC_ASSERT_(offsetof(rtAicpuArgsEx_t, kernelOffsetInfoNum) == 30, "kernelOffsetInfoNum at 30");
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
RTS_API rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType, const char_t *const opName,
                                                const uint32_t numBlocks,
                                                const rtAicpuArgsEx_t *argsInfo,
                                                rtSmDesc_t *const smDesc, const rtStream_t stm,
                                                const uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* CCE_RUNTIME_RT_H */
