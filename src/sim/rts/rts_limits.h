/* akl_sim_rts's limits and the cpuKernelMode values: shared by the descriptor parser, the options
 * and the registry (sim_rts.h), which declare no function of each other. */
#ifndef AKL_SIM_RTS_LIMITS_H
#define AKL_SIM_RTS_LIMITS_H

#include <stddef.h>

/* Largest JSON descriptor accepted (CANN has no limit; a real one is a few KiB). */
#define SIM_RTS_DESCRIPTOR_MAX ((size_t)1 << 20)
/* Largest CPU kernel SO accepted by cpuKernelMode 1 or 2. */
#define SIM_RTS_IMAGE_MAX ((size_t)1 << 30)
/* Longest names, in bytes: the device's buffers (kernel name 200, SO name 100) and a bound on op
 * types so every name fits the fixed fields below. */
#define SIM_RTS_FUNC_NAME_MAX 200
#define SIM_RTS_SO_NAME_MAX 100
#define SIM_RTS_OP_TYPE_MAX 255

/* The cpuKernelMode values, and "the option was not given". */
#define SIM_RTS_MODE_NONE (-1)
#define SIM_RTS_MODE_JSON 0
#define SIM_RTS_MODE_SO_AND_JSON 1
#define SIM_RTS_MODE_DATA 2

#endif /* AKL_SIM_RTS_LIMITS_H */
