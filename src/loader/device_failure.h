/* The first failure of each device, so that the cascade that follows it on hardware (507899,
 * 507901, 207001 from every later call) is reported together with what started it: the code, the
 * kernel and SO of the thread's last launch on that device, and the runtime's own words. */
#ifndef AKL_LOADER_DEVICE_FAILURE_H
#define AKL_LOADER_DEVICE_FAILURE_H

#include <stddef.h>
#include <stdint.h>

/* Records that the calling thread launched kernel (of kernel_length bytes) of the SO so on device.
 * Lock-free and allocation-free: a thread-local copy, for the launch hot path. */
void akl_device_note_launch(int32_t device, const char *kernel, size_t kernel_length,
                            const char *so);

/* Records that the calling thread is bootstrapping the SO so on device (a load's device work). */
void akl_device_note_bootstrap(int32_t device, const char *so);

/* For akl_fail_cann: when code is a device failure on the calling thread's current device, either
 * records it as the device's first failure (with cause, the runtime's message, which may be NULL)
 * and appends nothing, or, when the device failed before, appends to text (at most cap bytes in
 * all) what that first failure was and that the device must be reset or the process restarted. */
void akl_device_failure_note(int code, const char *cause, char *text, size_t cap);

/* A reset device starts afresh: forgets its first failure. */
void akl_device_failure_forget(int32_t device);

/* A clause for codes that are timeouts ("; a timeout: ..."), or "" for any other. cause is the
 * runtime's message (may be NULL): a 507018 whose cause names a timeout is one. */
const char *akl_timeout_clause(int code, const char *cause);

#endif /* AKL_LOADER_DEVICE_FAILURE_H */
