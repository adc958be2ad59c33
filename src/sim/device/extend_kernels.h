/* The kernels of the simulator's libaicpu_extend_kernels.so (see extend_kernels.c): the only
 * symbols the library exports. Each takes the KFC launch's args, an akl_device_kernel_args_t whose
 * cfgdata holds the device address of an akl_device_args_t (src/common/bootstrap_abi.h). */
#ifndef AKL_SIM_EXTEND_KERNELS_H
#define AKL_SIM_EXTEND_KERNELS_H

#include <stdint.h>

#define EXTEND_EXPORT __attribute__((visibility("default")))

/* Saves the uploaded SO (once per process), loads it (once) and calls its
 * DynTileFwkBackendKernelServerInit(args). Returns that result, or non-zero on failure. */
EXTEND_EXPORT uint32_t DynTileFwkKernelServerInit(void *args);
/* Call the loaded SO's DynTileFwkBackendKernelServer / StaticTileFwkBackendKernelServer. */
EXTEND_EXPORT uint32_t DynTileFwkKernelServer(void *args);
EXTEND_EXPORT uint32_t StaticTileFwkKernelServer(void *args);

#endif /* AKL_SIM_EXTEND_KERNELS_H */
