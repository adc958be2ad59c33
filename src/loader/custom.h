/* The custom route: a runtime SO handed to CANN's official CPU kernel upload
 * (rtsBinaryLoadFromData, cpuKernelMode 2), whose kernels launch with rtsLaunchCpuKernel and run
 * as KERNEL_TYPE_AICPU_CUSTOM in the device's custom scheduler. Needs neither the extend-kernel
 * package nor a writable preinstall directory. */
#ifndef LDR_CUSTOM_H
#define LDR_CUSTOM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "module_types.h"
#include "runtime.h"

/* Registers req's bytes with the runtime (a private copy is kept for the module's life: the
 * runtime may read them again when it sends them to a device). Fills module's route, outcome,
 * basename and timing. Returns 0, AKL_ENOCUSTOM (the runtime lacks the calls), AKL_ENOMEM, or the
 * CANN code of rtsBinaryLoadFromData, with the thread's message set. */
int ldr_custom_load(const ldr_boot_request_t *req, akl_module_t *module);

/* Launches kernel of a custom-route module: the function is registered with rtsRegisterCpuFunc on
 * its first launch and remembered by the module; the payload goes as the kernel's param. func is
 * the caller's slot for the function handle (a kernel handle's): when it holds one, the module's
 * table (and its lock) is not consulted; when it is empty it is filled. */
int ldr_custom_launch(const ldr_runtime_t *rt, const akl_module_t *module, const char *kernel,
                      _Atomic(rtFuncHandle) *func, const void *payload, size_t payload_size,
                      uint32_t blocks, akl_stream_t stream, uint32_t timeout_s);

/* For akl_module_unload: unloads the module's binary from the runtime (its functions with it) and
 * frees what the module held for the custom route. Nothing for an extend-route module. */
void ldr_custom_release(akl_module_t *module);

/* A real round trip through the custom route on the calling thread's current device: uploads
 * akl's dispatcher that way and runs one of its no-op kernels (DynTileFwkBackendKernelServer) as
 * KERNEL_TYPE_AICPU_CUSTOM, waits up to timeout_ms, unloads. Returns 0 or the error. */
int ldr_custom_probe(const ldr_runtime_t *rt, int32_t device, akl_stream_t stream,
                     int32_t timeout_ms);

#endif /* LDR_CUSTOM_H */
