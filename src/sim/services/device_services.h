/* The device-side CANN services that the simulated AICPU scheduler provides to every kernel and
 * dispatcher it loads: slog's DlogRecord/CheckLogLevel and the driver's halGetDeviceInfo, with
 * CANN's names, signatures and values. The scheduler's private setup calls (which device, which
 * log file, how many cores) are in services_setup.h.
 *
 * Sources of the values:
 *   - DLOG_* levels, DlogRecord, CheckLogLevel: CANN toolchain/slog.h (copy in
 *     mindspore-ai/graphengine 910/third_party/fwkacllib/inc/toolchain/slog.h);
 *   - ASCEND_GLOBAL_LOG_LEVEL (0..4, default 3 = ERROR when unset, empty or invalid): CANN's
 *     environment-variable reference (hiascend.com envref_07_0122);
 *   - drvError_t: hicann/driver pkg_inc/ascend_hal_error.h;
 *   - DEV_MODULE_TYPE, DEV_INFO_TYPE and halGetDeviceInfo: hicann/driver pkg_inc/ascend_hal_base.h.
 *
 * Kernels written for CANN declare these functions themselves (from slog.h and ascend_hal.h), or
 * include akl/akl_kernel.h; this header adds what the simulator's services do beyond it. */
#ifndef AKL_SIM_DEVICE_SERVICES_H
#define AKL_SIM_DEVICE_SERVICES_H

#include <stdint.h>

/* The exported services (CANN's names, signatures and values): declared once, in the header kernel
 * authors include. */
#include "akl/akl_kernel.h"

#define SIM_SERVICES_EXPORT __attribute__((visibility("default")))

/* A message is cut to this many bytes (CANN's MSG_LENGTH). */
#define SIM_SERVICES_MSG_MAX 1024

/* What the simulator's services do, beyond akl_kernel.h:
 * - DlogRecord writes one line "[LEVEL] module(<id>) <pid>:<tid> <timestamp> <message>" to the
 *   device log file, whatever the level, and, when ASCEND_GLOBAL_LOG_LEVEL enables the level, to
 *   the host's stdout in CANN's console form "[LEVEL] <module>(<pid>,<process>):<timestamp>
 *   <message>" if ASCEND_LOG_PRINT_TO_STDOUT (else ASCEND_SLOG_PRINT_TO_STDOUT) is 1, else to
 *   stderr. Each line is a single write(), so concurrent writers (threads or scheduler processes
 *   sharing the device's file) never interleave. The message is cut at SIM_SERVICES_MSG_MAX bytes
 *   and its newlines become spaces. A NULL fmt or a level other than DLOG_DEBUG..DLOG_ERROR or
 *   DLOG_EVENT writes nothing.
 * - CheckLogLevel: per-module levels are not simulated (moduleId is ignored); DLOG_EVENT is
 *   enabled unless the threshold is DLOG_NULL.
 * - halGetDeviceInfo answers for devId 0, which inside an AICPU process means "this device":
 *     MODULE_TYPE_AICPU + INFO_TYPE_OS_SCHED          -> 0x1 (the AICPU OS owns cpu 0)
 *     MODULE_TYPE_AICPU + INFO_TYPE_CORE_NUM / _PF_CORE_NUM -> the AICPU worker count
 *     MODULE_TYPE_AICPU + INFO_TYPE_OCCUPY / _PF_OCCUPY -> the workers' bitmap, cpus 2..n+1
 *     (n <= 61; 6 cores: 0xfc)
 *   value NULL -> DRV_ERROR_INVALID_VALUE; any devId but 0 -> DRV_ERROR_NO_DEVICE (1); before
 *   sim_services_init -> DRV_ERROR_UNINIT; any other query -> DRV_ERROR_NOT_SUPPORT. *value is
 *   written only on success. */

/* CANN's aicpu::GetAicpuRunMode(uint32_t &) and aicpu::GetUniqueVfId() (declared weak in CANN's
 * pkg_inc/aicpu_sched/aicpu_schedule/aicpu_context.h for code the scheduler loads), by their C++
 * symbol names. The simulated scheduler answers THREAD_MODE (2), because its type-2 lookup takes
 * the preinstall directory from ASCEND_AICPU_KERNEL_PATH as CANN's does in that mode, and vf 0 (a
 * physical device). The dispatcher asks both to find where the lookup searches. */
#define SIM_SERVICES_RUN_MODE_THREAD 2u
SIM_SERVICES_EXPORT int
sim_services_run_mode(uint32_t *mode) __asm__("_ZN5aicpu15GetAicpuRunModeERj");
SIM_SERVICES_EXPORT uint32_t sim_services_vf_id(void) __asm__("_ZN5aicpu13GetUniqueVfIdEv");

#endif /* AKL_SIM_DEVICE_SERVICES_H */
