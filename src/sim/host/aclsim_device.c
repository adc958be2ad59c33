/* A device's life in this process: aclrtSetDevice / aclrtResetDevice (reference counted per
 * process, one aicpu scheduler per device), synchronizing it, and forgetting the parent's devices
 * in a forked child. The table itself, the current device and the device's health are
 * aclsim_table.c's. */
#define _GNU_SOURCE
#include "aclsim_state.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_paths.h"
#include "aclsim_cust.h"
#include "aclsim_error.h"
#include "aclsim_mem.h"
#include "aclsim_spawn.h"
#include "aclsim_stream.h"
#include "aclsim_table.h"
#include "aclsim_visible.h"
#include "sim_held.h"

/* The logical id's physical device (ASCEND_RT_VISIBLE_DEVICES, aclsim_visible.c). */
static aclError aclsim_check_id(int32_t id, const char *what, int32_t *physical)
{
    return aclsim_visible_physical(what, id, physical);
}

/* The table entry of device id, created on first use (under the table lock). */
static aclsim_device_t *aclsim_device_slot_locked(int32_t id, int32_t phys)
{
    assert(sim_mutex_held(&aclsim_state.lock));
    aclsim_device_t *dev = atomic_load(&aclsim_state.devices[id]);
    if (dev) {
        if (!atomic_load(&dev->up))
            dev->phys = phys; /* the visible list may have changed since it last ran */
        return dev;
    }
    dev = calloc(1, sizeof *dev);
    if (!dev)
        return NULL;
    dev->id = id;
    dev->phys = phys;
    dev->pidfd = -1;
    dev->sock = -1;
    pthread_rwlock_init(&dev->rw, NULL);
    pthread_mutex_init(&dev->sock_lock, NULL);
    pthread_mutex_init(&dev->alloc_lock, NULL);
    pthread_mutex_init(&dev->cust_lock, NULL);
    pthread_mutex_init(&dev->streams_lock, NULL);
    atomic_store(&aclsim_state.devices[id], dev);
    return dev;
}

/* In a child forked from a process with devices, the schedulers still belong to the parent: the
 * child forgets them (closing its copies of the control sockets, so that a scheduler sees EOF when
 * its real host dies even while the child lives) and starts afresh if it sets a device. Any lock
 * may have been held by a thread that does not exist in the child, so all are re-created. */
static void aclsim_after_fork_child(void)
{
    pthread_mutex_init(&aclsim_state.lock, NULL);
    aclsim_set_current_id(-1);
    for (int32_t id = 0; id < ACLSIM_MAX_DEVICES; id++) {
        aclsim_device_t *dev = atomic_load(&aclsim_state.devices[id]);
        if (!dev)
            continue;
        pthread_rwlock_init(&dev->rw, NULL);
        pthread_mutex_init(&dev->sock_lock, NULL);
        pthread_mutex_init(&dev->alloc_lock, NULL);
        pthread_mutex_init(&dev->cust_lock, NULL);
        pthread_mutex_init(&dev->streams_lock, NULL);
        if (!atomic_load(&dev->up))
            continue;
        atomic_store(&dev->up, false);
        dev->pid = 0;
        dev->refs = 0;
        /* The child is single-threaded: the write lock is free, and taking it keeps the
         * precondition of what follows true. */
        pthread_rwlock_wrlock(&dev->rw);
        aclsim_cust_reset(dev, false);
        aclsim_stream_free_all(dev);
        aclsim_mem_reset(dev);
        aclsim_spawn_unmap(dev);
        pthread_rwlock_unlock(&dev->rw);
    }
}

__attribute__((constructor)) static void aclsim_register_fork_handler(void)
{
    pthread_atfork(NULL, NULL, aclsim_after_fork_child);
}

aclError aclrtGetDeviceCount(uint32_t *count)
{
    if (!count)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDeviceCount: count is NULL");
    int32_t visible;
    aclError rc = aclsim_visible_count("aclrtGetDeviceCount", &visible);
    if (rc == ACL_SUCCESS)
        *count = (uint32_t)visible;
    return rc;
}

/* Starts device dev's scheduler (table lock held). */
static aclError aclsim_device_bring_up(aclsim_device_t *dev)
{
    assert(sim_mutex_held(&aclsim_state.lock));
    pthread_rwlock_wrlock(&dev->rw);
    aclError rc = aclsim_spawn_start(dev);
    if (rc == ACL_SUCCESS) {
        aclsim_stream_t *dflt;
        rc = aclsim_stream_create_slot(dev, 0, &dflt);
        if (rc == ACL_SUCCESS) {
            atomic_store(&dev->up, true);
        } else {
            aclsim_spawn_halt(dev, false);
            aclsim_spawn_unmap(dev);
        }
    }
    pthread_rwlock_unlock(&dev->rw);
    return rc;
}

aclError aclrtSetDevice(int32_t deviceId)
{
    int32_t phys;
    aclError rc = aclsim_check_id(deviceId, "aclrtSetDevice", &phys);
    if (rc != ACL_SUCCESS)
        return rc;
    pthread_mutex_lock(&aclsim_state.lock);
    aclsim_device_t *dev = aclsim_device_slot_locked(deviceId, phys);
    if (!dev) {
        rc = aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtSetDevice(%d): out of host memory",
                         (int)deviceId);
    } else if (atomic_load(&dev->up) && aclsim_device_dead(dev)) {
        rc = aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR,
                         "aclrtSetDevice(%d): the device is dead, call aclrtResetDevice first: %s",
                         (int)deviceId, dev->ctl->dead_msg);
    } else if (!atomic_load(&dev->up)) {
        rc = aclsim_device_bring_up(dev);
    }
    if (rc == ACL_SUCCESS) {
        dev->refs++;
        aclsim_set_current_id(deviceId);
    }
    pthread_mutex_unlock(&aclsim_state.lock);
    return rc;
}

aclError aclrtGetDevice(int32_t *deviceId)
{
    if (!deviceId)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDevice: deviceId is NULL");
    int32_t current = aclsim_current_id();
    if (current < 0)
        return aclsim_fail(ACL_ERROR_RT_CONTEXT_NULL,
                           "aclrtGetDevice: no current device in this thread");
    *deviceId = current;
    return ACL_SUCCESS;
}

/* Stops the scheduler and frees everything of dev (table lock held). Waiters on the device see
 * it die and let go of the read lock before the write lock is granted. */
static void aclsim_device_tear_down(aclsim_device_t *dev)
{
    assert(sim_mutex_held(&aclsim_state.lock));
    aclsim_spawn_halt(dev, !aclsim_device_dead(dev));
    pthread_rwlock_wrlock(&dev->rw);
    atomic_store(&dev->up, false);
    aclsim_cust_reset(dev, true);
    aclsim_stream_free_all(dev);
    aclsim_mem_reset(dev);
    aclsim_spawn_unmap(dev);
    dev->refs = 0;
    pthread_rwlock_unlock(&dev->rw);
}

static aclError aclsim_reset(int32_t deviceId, bool force, const char *what)
{
    int32_t phys;
    aclError rc = aclsim_check_id(deviceId, what, &phys);
    if (rc != ACL_SUCCESS)
        return rc;
    pthread_mutex_lock(&aclsim_state.lock);
    aclsim_device_t *dev = atomic_load(&aclsim_state.devices[deviceId]);
    if (dev && atomic_load(&dev->up)) {
        if (force || dev->refs <= 1 || aclsim_device_dead(dev))
            aclsim_device_tear_down(dev);
        else
            dev->refs--;
    }
    if (aclsim_current_id() == deviceId && !(dev && atomic_load(&dev->up)))
        aclsim_set_current_id(-1);
    pthread_mutex_unlock(&aclsim_state.lock);
    return ACL_SUCCESS;
}

aclError aclrtResetDevice(int32_t deviceId)
{
    return aclsim_reset(deviceId, false, "aclrtResetDevice");
}

aclError aclrtResetDeviceForce(int32_t deviceId)
{
    return aclsim_reset(deviceId, true, "aclrtResetDeviceForce");
}

/* Synchronizes every stream of the current device within timeout_ms (-1: forever). */
static aclError aclsim_sync_device(int32_t timeout_ms)
{
    aclsim_device_t *dev;
    aclError rc = aclsim_device_acquire_current_any(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    uint64_t deadline = timeout_ms >= 0 ? cmn_now_ns() + (uint64_t)timeout_ms * 1000000ULL : 0;
    aclError first = ACL_SUCCESS;
    char first_msg[ACLSIM_MSG_MAX] = "";
    for (uint32_t slot = 0; slot < SCHED_MAX_STREAMS; slot++) {
        aclsim_stream_t *s = aclsim_stream_get_slot(dev, slot);
        if (!s)
            continue;
        int32_t left = -1;
        if (timeout_ms >= 0) {
            uint64_t now = cmn_now_ns();
            left = now >= deadline ? 0 : (int32_t)((deadline - now + 999999ULL) / 1000000ULL);
        }
        rc = aclsim_stream_sync(dev, s, left);
        aclsim_stream_put(s);
        if (rc != ACL_SUCCESS && first == ACL_SUCCESS) {
            first = rc;
            sched_copy_text(first_msg, sizeof first_msg, aclsim_recent_msg());
        }
    }
    aclsim_device_release(dev);
    if (first != ACL_SUCCESS)
        aclsim_set_msg(first_msg);
    return first;
}

aclError aclrtSynchronizeDevice(void)
{
    return aclsim_sync_device(-1);
}

aclError aclrtSynchronizeDeviceWithTimeout(int32_t timeout)
{
    if (timeout < -1)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtSynchronizeDeviceWithTimeout: timeout %d ms is invalid (-1 waits "
                           "forever)",
                           (int)timeout);
    return aclsim_sync_device(timeout);
}
