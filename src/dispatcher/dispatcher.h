/* The three entry points akl_dispatcher.so exports to libaicpu_extend_kernels.so (the only symbols
 * it exports). Their names and the int fn(void *) signature are fixed by the device's loader. */
#ifndef AKL_DISPATCHER_H
#define AKL_DISPATCHER_H

#define DISPATCHER_EXPORT __attribute__((visibility("default")))

/* Init: args is an akl_device_kernel_args (bootstrap_abi.h). Returns 0 when the runtime SO is
 * published (written, already identical, or replaced), else DISPATCHER_RC_BASE + the failed
 * stage. */
DISPATCHER_EXPORT int DynTileFwkBackendKernelServerInit(void *args);
/* Not used by akl: log and return 0, so a loader that calls them finds them well-behaved. */
DISPATCHER_EXPORT int DynTileFwkBackendKernelServer(void *args);
DISPATCHER_EXPORT int StaticTileFwkBackendKernelServer(void *args);

#endif /* AKL_DISPATCHER_H */
