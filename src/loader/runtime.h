/* The resolved runtime table: the ACL/RT entry points libakl calls, found at run time in real CANN
 * or in the simulator (AKL_RUNTIME=auto|sim|cann|<library path>), resolved once per process. */
#ifndef LDR_RUNTIME_H
#define LDR_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl/acl.h"
#include "cann_version.h"
#include "runtime/rt.h"
#include "runtime/runtime/rts/rts_kernel.h"

#define LDR_RUNTIME_NAME_MAX 4200

typedef struct ldr_runtime {
    __typeof__(aclInit) *acl_init;
    __typeof__(aclrtGetDeviceCount) *get_device_count;
    __typeof__(aclrtSetDevice) *set_device;
    __typeof__(aclrtGetDevice) *get_device;
    __typeof__(aclrtResetDevice) *reset_device;
    __typeof__(aclrtMalloc) *malloc;
    __typeof__(aclrtFree) *free;
    __typeof__(aclrtMemcpy) *memcpy;
    __typeof__(aclrtGetMemInfo) *get_mem_info;
    __typeof__(aclrtCreateStream) *create_stream;
    __typeof__(aclrtDestroyStream) *destroy_stream;
    __typeof__(aclrtSynchronizeStream) *synchronize_stream;
    __typeof__(aclrtSynchronizeStreamWithTimeout) *synchronize_stream_with_timeout;
    __typeof__(aclGetRecentErrMsg) *get_recent_err_msg;
    __typeof__(rtAicpuKernelLaunchExWithArgs) *aicpu_launch;
    /* The custom route (CANN's CPU kernel upload); NULL where the runtime lacks them. */
    __typeof__(rtsBinaryLoadFromData) *binary_load_data;
    __typeof__(rtsRegisterCpuFunc) *register_cpu_func;
    __typeof__(rtsLaunchCpuKernel) *launch_cpu_kernel;
    __typeof__(rtsBinaryUnload) *binary_unload;
    /* ELF e_machine the device runs: EM_AARCH64 for CANN; for the simulator what its
     * aclsimGetDeviceMachine answers (AKL_SIM_ARCH, default the host's). */
    uint16_t machine;
    /* The installed CANN release ("8.1.RC1"), or "" for the simulator or when no file records it */
    char version[LDR_CANN_VERSION_MAX];
    /* "sim:<path>" or "cann:<path>" */
    char name[LDR_RUNTIME_NAME_MAX];
} ldr_runtime_t;

/* Resolves the runtime and calls aclInit once per process (thread-safe). Returns 0 with *rt set,
 * or AKL_ERUNTIME / the aclInit code with the thread's message set; a failure is final for the
 * process, and every later call reports it again. */
int ldr_runtime_get(const ldr_runtime_t **rt);
/* The table after a successful ldr_runtime_get, else NULL. Lock-free: for hot paths that can only
 * be reached after a successful initialisation. */
const ldr_runtime_t *ldr_runtime_ready(void);
/* True when device is the calling thread's current device (the one the runtime launches on).
 * Otherwise false, with what is current instead in why, for a message: "the thread's current device
 * is 1", or "aclrtGetDevice returned 107002" when it has none. */
bool ldr_runtime_device_is_current(const ldr_runtime_t *rt, int32_t device, char *why, size_t cap);
/* 0 when device is the calling thread's current device; otherwise AKL_EDEVICE with the message
 * "<doing>: device <d> is not set in this thread; call akl_device_open(<d>) (<why>)", where doing
 * is formatted from doing_fmt (only on failure). The check every device-bound call makes. */
int ldr_runtime_require_device(const ldr_runtime_t *rt, int32_t device, const char *doing_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* aclGetRecentErrMsg() of the resolved runtime, or NULL. */
const char *ldr_runtime_recent_message(void);

#endif /* LDR_RUNTIME_H */
