/* What an AICPU kernel author includes: the services the device provides to every kernel SO it
 * loads (declared once here; the simulator's scheduler defines them with these exact signatures),
 * and AKL_KERNEL to define a kernel.
 *
 * A kernel is `uint32_t name(void *args)`, exported with C linkage; the device calls it once per
 * block with the same args, and a non-zero return is the kernel's error (the host's synchronize
 * then returns 507018 with it). Build the SO for the device's architecture (aarch64 armv8-a on
 * real hardware): akl_add_aicpu_kernel() of the CMake package does, see docs/kernels.md.
 *
 *   #include <akl/akl_kernel.h>
 *   AKL_KERNEL(my_add)
 *   {
 *       const my_args_t *a = args;
 *       ... block AicpuGetBlockIdx() of AicpuGetBlockNum() ...
 *       return 0;
 *   }
 *
 * On a device these come from the AICPU scheduler process the SO is dlopened into
 * (libaicpu_sharder: AicpuGetBlockIdx/Num; the device log library: DlogRecord, CheckLogLevel;
 * libascend_hal: halGetDeviceInfo), so a kernel SO needs no library for them. Values and signatures
 * are CANN's (toolchain/slog.h, ascend_hal_base.h, aicpu_context.h). */
#ifndef AKL_AKL_KERNEL_H
#define AKL_AKL_KERNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AKL_KERNEL_VISIBLE __attribute__((visibility("default")))

/* slog levels (DlogRecord's level, CheckLogLevel's level) */
#define DLOG_DEBUG 0x0
#define DLOG_INFO 0x1
#define DLOG_WARN 0x2
#define DLOG_ERROR 0x3
#define DLOG_NULL 0x4 /* as a threshold: print nothing */
#define DLOG_EVENT 0x10

typedef enum tagDrvError {
    DRV_ERROR_NONE = 0,
    DRV_ERROR_NO_DEVICE = 1,
    DRV_ERROR_INVALID_DEVICE = 2,
    DRV_ERROR_INVALID_VALUE = 3,
    DRV_ERROR_INVALID_HANDLE = 4,
    DRV_ERROR_UNINIT = 9,
    DRV_ERROR_NOT_SUPPORT = 0xfffe,
} drvError_t;

typedef enum {
    MODULE_TYPE_SYSTEM = 0,
    MODULE_TYPE_AICPU = 1,
    MODULE_TYPE_CCPU = 2,
    MODULE_TYPE_DCPU = 3,
    MODULE_TYPE_AICORE = 4,
    MODULE_TYPE_TSCPU = 5,
    MODULE_TYPE_PCIE = 6,
    MODULE_TYPE_VECTOR_CORE = 7,
} DEV_MODULE_TYPE;

typedef enum {
    INFO_TYPE_ENV = 0,
    INFO_TYPE_VERSION = 1,
    INFO_TYPE_MASTERID = 2,
    INFO_TYPE_CORE_NUM = 3,
    INFO_TYPE_FREQUE = 4,
    INFO_TYPE_OS_SCHED = 5,
    INFO_TYPE_IN_USED = 6,
    INFO_TYPE_ERROR_MAP = 7,
    INFO_TYPE_OCCUPY = 8,
    INFO_TYPE_ID = 9,
    INFO_TYPE_PF_CORE_NUM = 20,
    INFO_TYPE_PF_OCCUPY = 21,
} DEV_INFO_TYPE;

/* The block this call runs (0..num-1) and the launch's block count. */
AKL_KERNEL_VISIBLE uint32_t AicpuGetBlockIdx(void);
AKL_KERNEL_VISIBLE uint32_t AicpuGetBlockNum(void);

/* Writes one line to the device log ("[LEVEL] module(<id>) <pid>:<tid> <timestamp> <message>"),
 * and to stderr when ASCEND_GLOBAL_LOG_LEVEL enables the level. The message is cut at 1024
 * bytes. */
AKL_KERNEL_VISIBLE void DlogRecord(int moduleId, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 if the level is enabled by ASCEND_GLOBAL_LOG_LEVEL (0 debug .. 3 error, 4 none), else 0. */
AKL_KERNEL_VISIBLE int CheckLogLevel(int moduleId, int level);

/* Facts of the device the kernel runs on; devId 0 means "this device" inside an AICPU process.
 * E.g. MODULE_TYPE_AICPU + INFO_TYPE_CORE_NUM: the user AICPU core count. */
AKL_KERNEL_VISIBLE drvError_t halGetDeviceInfo(uint32_t devId, int32_t moduleType, int32_t infoType,
                                               int64_t *value);

#ifdef __cplusplus
#define AKL_KERNEL_LINKAGE extern "C"
#else
#define AKL_KERNEL_LINKAGE
#endif

/* Declares and begins the definition of kernel `name`: C linkage, exported (also from an SO built
 * with -fvisibility=hidden), `uint32_t name(void *args)`. */
#define AKL_KERNEL(name)                                                                           \
    AKL_KERNEL_LINKAGE AKL_KERNEL_VISIBLE uint32_t name(void *args);                               \
    AKL_KERNEL_LINKAGE AKL_KERNEL_VISIBLE uint32_t name(void *args)

#ifdef __cplusplus
}
#endif

#endif /* AKL_AKL_KERNEL_H */
