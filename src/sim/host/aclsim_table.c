/* The per-process device table (aclsim_state) and who may use an entry: the calling thread's
 * current device, acquiring a device that is up (its read lock) and its health. A device whose
 * scheduler died fails every call with 507899 until aclrtResetDevice (aclsim_device.c) tears it
 * down whatever its reference count. */
#define _GNU_SOURCE
#include "aclsim_table.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "aclsim_error.h"
#include "aclsim_proc.h"

aclsim_state_t aclsim_state = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Per thread, as CANN's current context is. */
static __thread int32_t aclsim_tls_device = -1;

int32_t aclsim_current_id(void)
{
    return aclsim_tls_device;
}

void aclsim_set_current_id(int32_t id)
{
    aclsim_tls_device = id;
}

bool aclsim_device_dead(aclsim_device_t *dev)
{
    return atomic_load_explicit(&dev->ctl->dead, memory_order_acquire) != 0;
}

aclError aclsim_device_dead_error(aclsim_device_t *dev)
{
    return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR, "%s", dev->ctl->dead_msg);
}

static const char *aclsim_signal_name(int sig)
{
    const char *name = sigabbrev_np(sig);
    return name ? name : "?";
}

void aclsim_device_check_alive(aclsim_device_t *dev)
{
    siginfo_t info;
    if (!aclsim_proc_exited(dev, &info))
        return;
    char how[96] = "exited";
    if (info.si_pid) {
        if (info.si_code == CLD_EXITED)
            snprintf(how, sizeof how, "exited with status %d", info.si_status);
        else
            snprintf(how, sizeof how, "was killed by signal %d (SIG%s)", info.si_status,
                     aclsim_signal_name(info.si_status));
    }
    char text[SCHED_MSG_MAX];
    snprintf(text, sizeof text,
             "device %d: the aicpu scheduler (pid %d) %s; call aclrtResetDevice to restart it",
             (int)dev->id, (int)dev->pid, how);
    sched_mark_dead(dev->ctl, ACL_ERROR_RT_DRV_INTERNAL_ERROR, text);
}

static aclError aclsim_acquire(int32_t id, bool allow_dead, aclsim_device_t **out)
{
    aclsim_device_t *dev =
        id >= 0 && id < ACLSIM_MAX_DEVICES ? atomic_load(&aclsim_state.devices[id]) : NULL;
    if (dev) {
        pthread_rwlock_rdlock(&dev->rw);
        if (atomic_load(&dev->up)) {
            if (!allow_dead && aclsim_device_dead(dev)) {
                aclError rc = aclsim_device_dead_error(dev);
                pthread_rwlock_unlock(&dev->rw);
                return rc;
            }
            *out = dev;
            return ACL_SUCCESS;
        }
        pthread_rwlock_unlock(&dev->rw);
    }
    return aclsim_fail(ACL_ERROR_RT_CONTEXT_NULL,
                       "device %d is not set in this process (call aclrtSetDevice)", (int)id);
}

aclError aclsim_device_acquire(int32_t id, aclsim_device_t **out)
{
    return aclsim_acquire(id, false, out);
}

aclError aclsim_device_acquire_any(int32_t id, aclsim_device_t **out)
{
    return aclsim_acquire(id, true, out);
}

static aclError aclsim_acquire_current(bool allow_dead, aclsim_device_t **out)
{
    int32_t id = aclsim_tls_device;
    if (id < 0)
        return aclsim_fail(ACL_ERROR_RT_CONTEXT_NULL,
                           "no current device in this thread (call aclrtSetDevice)");
    return aclsim_acquire(id, allow_dead, out);
}

aclError aclsim_device_acquire_current(aclsim_device_t **out)
{
    return aclsim_acquire_current(false, out);
}

aclError aclsim_device_acquire_current_any(aclsim_device_t **out)
{
    return aclsim_acquire_current(true, out);
}

void aclsim_device_release(aclsim_device_t *dev)
{
    pthread_rwlock_unlock(&dev->rw);
}
