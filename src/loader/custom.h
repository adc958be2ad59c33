/* The custom route: a runtime SO handed to CANN's official CPU kernel upload
 * (rtsBinaryLoadFromData, cpuKernelMode 2), whose kernels launch with rtsLaunchCpuKernel and run
 * as KERNEL_TYPE_AICPU_CUSTOM in the device's custom scheduler. Needs neither the extend-kernel
 * package nor a writable preinstall directory. */
#ifndef AKL_LOADER_CUSTOM_H
#define AKL_LOADER_CUSTOM_H

#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "module.h"
#include "runtime.h"

/* Registers req's bytes with the runtime (a private copy is kept for the module's life: the
 * runtime may read them again when it sends them to a device). Fills module's route, outcome,
 * basename and timing. Returns 0, AKL_ENOCUSTOM (the runtime lacks the calls), AKL_ENOMEM, or the
 * CANN code of rtsBinaryLoadFromData, with the thread's message set. */
int akl_custom_load(const akl_boot_request_t *req, akl_module_t *module);

/* Launches kernel (kernel_length bytes) of a custom-route module: the function is registered with
 * rtsRegisterCpuFunc on its first launch and remembered; the payload goes as the kernel's param. */
int akl_custom_launch(const akl_runtime_t *rt, const akl_module_t *module, const char *kernel,
                      size_t kernel_length, const void *payload, size_t payload_size,
                      uint32_t blocks, akl_stream_t stream, uint32_t timeout_s);

/* For akl_module_unload: unloads the module's binary from the runtime (its functions with it) and
 * frees what the module held for the custom route. Nothing for an extend-route module. */
void akl_custom_release(akl_module_t *module);

/* A real round trip through the custom route on the calling thread's current device: uploads
 * akl's dispatcher that way and runs one of its no-op kernels (DynTileFwkBackendKernelServer) as
 * KERNEL_TYPE_AICPU_CUSTOM, waits up to timeout_ms, unloads. Returns 0 or the error. */
int akl_custom_probe(const akl_runtime_t *rt, int32_t device, akl_stream_t stream,
                     int32_t timeout_ms);

#endif /* AKL_LOADER_CUSTOM_H */
