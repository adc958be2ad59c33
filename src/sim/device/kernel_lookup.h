/* How the simulated AICPU scheduler finds a kernel, as CANN's aicpu_processer does.
 *
 * KERNEL_TYPE_AICPU: the SO basename is checked ([A-Za-z0-9._-], at most 100 characters; kernel
 * name at most 200), searched in GetInnerSoPath order with the realpath containment check of
 * CheckSoFile, dlopen(RTLD_LAZY|RTLD_GLOBAL)ed, its handle cached by basename for the scheduler's
 * life and its symbols cached per handle. KERNEL_TYPE_AICPU_KFC: libaicpu_extend_kernels.so is
 * preloaded RTLD_GLOBAL; kernels are cached by kernel name only, with a global-symbol fallback.
 * KERNEL_TYPE_AICPU_CUSTOM: as AICPU, but searched only in the host process's custom-kernel
 * directory (sim_cust_dir, CANN's GetCustSoPath) and cached apart from the AICPU SOs.
 * All functions are thread-safe. */
#ifndef AKL_SIM_KERNEL_LOOKUP_H
#define AKL_SIM_KERNEL_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "so_name.h" /* the device name rules and limits */
#include "msgbuf.h"

/* Device-side error codes (CANN's AE_STATUS_*), reported to the host as the device errcode. */
#define SIM_AE_BAD_PARAM 11001U
#define SIM_AE_OPEN_SO_FAILED 11002U
#define SIM_AE_GET_KERNEL_NAME_FAILED 11003U
#define SIM_AE_INNER_ERROR 11006U

#define SIM_SO_NAME_MAX AKL_SO_NAME_MAX
#define SIM_KERNEL_NAME_MAX AKL_KERNEL_NAME_MAX

typedef uint32_t (*sim_kernel_fn)(void *args);
typedef struct sim_lookup sim_lookup_t;

/* Creates the lookup state of one scheduler. preinstall_dir is the chip's preinstall directory,
 * also exported as ASCEND_AICPU_KERNEL_PATH (NULL: <chip_root>/usr/lib64/aicpu_kernels/0/
 * aicpu_kernels_device); host_pid is used for CANN's <hostPid>_<deviceId> fallback directory.
 * Returns NULL on out of memory or a NULL/empty chip_root. */
sim_lookup_t *sim_lookup_create(int32_t device_id, const char *chip_root,
                                const char *preinstall_dir, uint32_t host_pid);
void sim_lookup_destroy(sim_lookup_t *lookup);

/* Preloads <extend_dir>/libaicpu_extend_kernels.so with RTLD_LAZY|RTLD_GLOBAL (extend_dir NULL:
 * the chip's extend-syskernels directory) and caches it as an AICPU SO under its basename, as
 * CANN does. A second call does nothing. Returns 0, or SIM_AE_OPEN_SO_FAILED with the dlerror()
 * text in msg. */
uint32_t sim_lookup_preload_extend(sim_lookup_t *lookup, const char *extend_dir, cmn_msg_t *msg);

/* Resolves a KERNEL_TYPE_AICPU kernel. so_name and kernel_name are the strings from the task
 * (either may be NULL). Returns 0 with *fn set, or a SIM_AE_* code with msg naming the SO, the
 * kernel, the path tried and the cause (dlerror text). */
uint32_t sim_lookup_aicpu(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                          sim_kernel_fn *fn, cmn_msg_t *msg);
/* Resolves a KERNEL_TYPE_AICPU_KFC kernel, as above. */
uint32_t sim_lookup_kfc(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                        sim_kernel_fn *fn, cmn_msg_t *msg);
/* Resolves a KERNEL_TYPE_AICPU_CUSTOM kernel, as above, in
 * <chip_root>/home/CustAiCpuUser/cust_aicpu_<device_id>_0_<host_pid>/ only. */
uint32_t sim_lookup_custom(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                           sim_kernel_fn *fn, cmn_msg_t *msg);

#endif /* AKL_SIM_KERNEL_LOOKUP_H */
