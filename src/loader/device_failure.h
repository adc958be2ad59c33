/* The first failure of each device, so that the cascade that follows it on hardware (507899,
 * 507901, 207001 from every later call) is reported together with what started it: the code, the
 * kernel and SO of the thread's last launch on that device, and the runtime's own words. */
#ifndef LDR_DEVICE_FAILURE_H
#define LDR_DEVICE_FAILURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"

/* What a launch was: its device, and the kernel and SO (or, for bootstrap, the SO a load was
 * publishing). */
typedef struct ldr_launch_identity {
    struct ldr_launch_identity *next; /* the interned list */
    int32_t device;
    bool bootstrap; /* in a load's bootstrap of so, rather than in kernel of so */
    char kernel[AKL_KERNEL_NAME_MAX + 1];
    char so[AKL_SO_NAME_MAX + 1];
} ldr_launch_identity_t;

/* The calling thread's last launch on any device, so that a failure at the next synchronize can
 * name it: set by every launch (one store), read only when a failure is reported. NULL: none.
 * The files that touch it are built with TLS descriptors on x86-64 (src/loader/CMakeLists.txt),
 * which make the store a few instructions where the default dialect calls __tls_get_addr. Not
 * the initial-exec model: that would put all of libakl's thread-locals (2.3 KB) in the static TLS
 * block, which a dlopen of libakl (from Python) cannot grow. */
extern __thread const ldr_launch_identity_t *ldr_last_launch_identity;

/* The identity of kernel (kernel_length bytes) of SO so on device, interned: the same pointer for
 * the same names, valid for the life of the process. NULL when out of memory. Takes a lock. */
const ldr_launch_identity_t *ldr_launch_identity_intern(int32_t device, const char *kernel,
                                                        size_t kernel_length, const char *so);

/* Records that the calling thread launched an interned identity: the launch hot path. */
static inline void ldr_device_note_launch_identity(const ldr_launch_identity_t *identity)
{
    ldr_last_launch_identity = identity;
}

/* Records that the calling thread launched kernel (of kernel_length bytes) of the SO so on device,
 * by copying the names into a thread-local record: for launches without an interned identity. */
void ldr_device_note_launch(int32_t device, const char *kernel, size_t kernel_length,
                            const char *so);

/* Records that the calling thread is bootstrapping the SO so on device (a load's device work). */
void ldr_device_note_bootstrap(int32_t device, const char *so);

/* For ldr_fail_cann: when code is a device failure on the calling thread's current device, either
 * records it as the device's first failure (with cause, the runtime's message, which may be NULL)
 * and appends nothing, or, when the device failed before, appends to text (at most cap bytes in
 * all) what that first failure was and that the device must be reset or the process restarted. */
void ldr_device_failure_note(int code, const char *cause, char *text, size_t cap);

/* A reset device starts afresh: forgets its first failure. */
void ldr_device_failure_forget(int32_t device);

/* A clause for codes that are timeouts ("; a timeout: ..."), or "" for any other. cause is the
 * runtime's message (may be NULL): a 507018 whose cause names a timeout is one. */
const char *ldr_timeout_clause(int code, const char *cause);

#endif /* LDR_DEVICE_FAILURE_H */
