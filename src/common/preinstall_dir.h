/* Which directory the dispatcher publishes into (and the collector collects in): the one the
 * device's type-2 (KERNEL_TYPE_AICPU) lookup searches first for akl's names, derived as CANN's
 * MultiSoManager::GetInnerSoPath derives it (hicann/runtime
 * src/aicpu_sched/aicpu_processer/ae_so_manager.cc; docs/protocol.md section 8 records the
 * evidence). */
#ifndef AKL_COMMON_PREINSTALL_DIR_H
#define AKL_COMMON_PREINSTALL_DIR_H

#include <stddef.h>

/* The scheduler's run modes (CANN's aicpu::AicpuRunMode,
 * pkg_inc/aicpu_sched/.../aicpu_context.h). */
#define CMN_RUN_MODE_PROCESS_PCIE 0u
#define CMN_RUN_MODE_THREAD 2u

/* Writes the directory (ending in '/') into out. Returns 0, or an errno (EINVAL: the scheduler's
 * SO manager itself refuses its $ASCEND_AICPU_KERNEL_PATH; ENAMETOOLONG) with the cause in why. */
int cmn_preinstall_dir(char *out, size_t cap, char *why, size_t why_cap);

#endif /* AKL_COMMON_PREINSTALL_DIR_H */
