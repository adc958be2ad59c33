/* Streams: aclrtCreateStream / aclrtDestroyStream / aclrtSynchronizeStream[WithTimeout], the
 * handles, and waiting for a stream's tasks. A waiter spins briefly on the stream's completion
 * counter (so a short task costs no system call), then sleeps on it as a cross-process futex,
 * waking at least every 50 ms to check that the scheduler process is alive. A synchronize reports
 * the stream's first unreported task error once, then clears it. */
#define _GNU_SOURCE
#include "aclsim_stream.h"

#include <assert.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aclsim_error.h"
#include "aclsim_mem.h"
#include "aclsim_proc.h"
#include "aclsim_spawn.h"
#include "aclsim_state.h"
#include "aclsim_table.h"
#include "sim_held.h"

/* Handles are tagged values, never pointers, so a stale or foreign handle is recognised instead
 * of dereferenced: tag(12) | generation(16) | device(16) | slot(16). */
#define ACLSIM_STREAM_TAG 0xAC5ULL

static aclrtStream aclsim_stream_encode(int32_t device, uint32_t slot, uint16_t gen)
{
    uint64_t v =
        ACLSIM_STREAM_TAG << 52 | (uint64_t)gen << 32 | (uint64_t)(uint32_t)device << 16 | slot;
    return (aclrtStream)(uintptr_t)v;
}

int32_t aclsim_stream_handle_device(aclrtStream handle)
{
    uint64_t v = (uint64_t)(uintptr_t)handle;
    if (v >> 52 != ACLSIM_STREAM_TAG)
        return -1;
    return (int32_t)((v >> 16) & 0xFFFFU);
}

/* Takes a use of the stream in slot if it is live (and of generation gen, unless gen < 0). The
 * use is taken before the slot is checked again: a destroy unlinks first and then waits for the
 * uses to drain (both sequentially consistent), so either it sees this use or this sees the
 * unlink. Stream structs are only freed at teardown, so the use taken on a stream that was just
 * unlinked touches live memory. */
static aclsim_stream_t *aclsim_stream_get(aclsim_device_t *dev, uint32_t slot, int32_t gen)
{
    aclsim_stream_t *s = atomic_load(&dev->streams[slot]);
    if (!s)
        return NULL;
    atomic_fetch_add(&s->users, 1);
    if (atomic_load(&dev->streams[slot]) != s || (gen >= 0 && s->gen != (uint16_t)gen)) {
        aclsim_stream_put(s);
        return NULL;
    }
    return s;
}

aclsim_stream_t *aclsim_stream_get_slot(aclsim_device_t *dev, uint32_t slot)
{
    return aclsim_stream_get(dev, slot, -1);
}

void aclsim_stream_put(aclsim_stream_t *s)
{
    atomic_fetch_sub(&s->users, 1);
}

aclError aclsim_stream_resolve(aclsim_device_t *dev, aclrtStream handle, aclsim_stream_t **out)
{
    if (!handle) {
        *out = aclsim_stream_get(dev, 0, -1);
        return *out ? ACL_SUCCESS
                    : aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                                  "device %d has no default stream (it is being torn down)",
                                  (int)dev->id);
    }
    uint64_t v = (uint64_t)(uintptr_t)handle;
    uint32_t slot = (uint32_t)(v & 0xFFFFU);
    uint16_t gen = (uint16_t)((v >> 32) & 0xFFFFU);
    aclsim_stream_t *s =
        aclsim_stream_handle_device(handle) == dev->id && slot > 0 && slot < SCHED_MAX_STREAMS
            ? aclsim_stream_get(dev, slot, gen)
            : NULL;
    if (!s)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "stream %p is not a live stream of device %d (destroyed, or not a "
                           "stream handle)",
                           handle, (int)dev->id);
    *out = s;
    return ACL_SUCCESS;
}

/* The NUL-terminated name at offset off of the task's blob, read through our view of device
 * memory and bounded by the blob, or "(none)". */
static void aclsim_task_name(aclsim_device_t *dev, const sched_task_t *t, uint32_t off, char *out,
                             size_t cap)
{
    snprintf(out, cap, "(none)");
    uintptr_t base = (uintptr_t)t->args_dev;
    if (off == SCHED_NO_NAME || off >= t->args_size || !aclsim_is_device_addr(dev, base) ||
        t->args_size > dev->arena_size - (base - (uintptr_t)dev->dev_base))
        return;
    const char *name = aclsim_host_view(dev, base + off);
    size_t len = strnlen(name, t->args_size - off);
    if (len < t->args_size - off)
        snprintf(out, cap, "%.*s", (int)len, name);
}

/* A timed task still running ACLSIM_TIMEOUT_GRACE_NS after its deadline means the scheduler could
 * not stop it itself (its process is stopped, e.g. by a kernel's raise(SIGSTOP), or its watchdog
 * is stuck): the host does what the watchdog would have done, and kills the scheduler. */
static void aclsim_stream_check_overdue(aclsim_device_t *dev, aclsim_stream_t *s, uint64_t now)
{
    sched_stream_shm_t *shm = s->shm;
    uint32_t head = atomic_load_explicit(&shm->completed, memory_order_acquire);
    if (atomic_load_explicit(&shm->running_seq, memory_order_acquire) != head)
        return; /* not started yet */
    uint64_t deadline = atomic_load_explicit(&shm->running_deadline_ns, memory_order_relaxed);
    if (deadline == 0 || now < deadline + ACLSIM_TIMEOUT_GRACE_NS || aclsim_device_dead(dev))
        return;
    sched_task_t task = shm->ring[head % SCHED_RING_TASKS];
    if (atomic_load(&shm->completed) != head)
        return;                            /* it finished after all */
    char kernel[201], so[101], text[1024]; /* cut to SCHED_MSG_MAX when recorded */
    aclsim_task_name(dev, &task, task.kernel_off, kernel, sizeof kernel);
    aclsim_task_name(dev, &task, task.so_off, so, sizeof so);
    snprintf(text, sizeof text,
             "device %d stream %u: AICPU task timeout: kernel '%s' in SO '%s' did not finish "
             "within %u ms (device errcode %u); its aicpu scheduler (pid %d) did not end it within "
             "%llu ms more (stopped or hung), so the host killed it; call aclrtResetDevice",
             (int)dev->id, s->slot, kernel, so, task.timeout_ms, ACLSIM_DEVCODE_TIMEOUT,
             (int)dev->pid, ACLSIM_TIMEOUT_GRACE_NS / 1000000ULL);
    sched_record_error(shm, ACL_ERROR_RT_AICPU_TIMEOUT, ACLSIM_DEVCODE_TIMEOUT, text);
    sched_mark_dead(dev->ctl, ACL_ERROR_RT_DRV_INTERNAL_ERROR, text);
    aclsim_proc_kill(dev);
}

int aclsim_stream_wait(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t target,
                       uint64_t deadline_ns)
{
    sched_stream_shm_t *shm = s->shm;
    sched_note_cpu(&shm->producer_cpu);
    uint64_t start = cmn_now_ns();
    uint64_t spin_until = start + SCHED_SPIN_NS;
    for (uint32_t i = 0;; i++) {
        if (!sched_seq_before(atomic_load_explicit(&shm->completed, memory_order_acquire), target))
            return 0;
        if ((i & 63) == 63) {
            uint64_t now = cmn_now_ns();
            if (aclsim_device_dead(dev))
                return 1;
            if (now >= spin_until || (deadline_ns && now >= deadline_ns) ||
                sched_spin_is_futile(&shm->consumer_cpu))
                break;
        }
        sched_cpu_relax();
    }
    int result;
    uint64_t last_check = start;
    int slot = sched_wait_announce(shm, target);
    atomic_fetch_add(&shm->waiters, 1);
    for (;;) {
        /* Dekker with the stream thread: it stores completed, then loads waiters and targets. */
        uint32_t done = atomic_load(&shm->completed);
        if (!sched_seq_before(done, target)) {
            result = 0;
            break;
        }
        if (aclsim_device_dead(dev)) {
            result = 1;
            break;
        }
        uint64_t now = cmn_now_ns();
        if (deadline_ns && now >= deadline_ns) {
            result = 2;
            break;
        }
        if (now - last_check >= ACLSIM_LIVENESS_NS) {
            aclsim_stream_check_overdue(dev, s, now);
            aclsim_device_check_alive(dev);
            last_check = now;
        }
        uint64_t slice = ACLSIM_LIVENESS_NS;
        if (deadline_ns && deadline_ns - now < slice)
            slice = deadline_ns - now;
        sched_futex_wait(&shm->completed, done, slice);
    }
    atomic_fetch_sub(&shm->waiters, 1);
    sched_wait_retire(shm, slot);
    return result;
}

void aclsim_stream_reclaim(aclsim_device_t *dev, aclsim_stream_t *s)
{
    assert(sim_mutex_held(&s->lock));
    uint32_t done = atomic_load_explicit(&s->shm->completed, memory_order_acquire);
    size_t kept = 0;
    for (size_t i = 0; i < s->nbig; i++) {
        if (sched_seq_before(done, s->big[i].done_at))
            s->big[kept++] = s->big[i];
        else
            aclsim_mem_free(dev, s->big[i].offset);
    }
    s->nbig = kept;
}

/* Takes the stream's first unreported error, if any. Claiming it (READY -> WRITING) makes one
 * synchronize of several concurrent ones report it, and keeps the device from recording the next
 * error over the fields while they are read. */
static bool aclsim_stream_take_error(aclsim_stream_t *s, aclError *code)
{
    sched_stream_shm_t *shm = s->shm;
    uint32_t ready = SCHED_ERR_READY;
    if (atomic_load_explicit(&shm->err_state, memory_order_relaxed) != SCHED_ERR_READY ||
        !atomic_compare_exchange_strong(&shm->err_state, &ready, SCHED_ERR_WRITING))
        return false;
    *code = shm->err_code;
    shm->err_msg[sizeof shm->err_msg - 1] = 0;
    aclsim_set_msg(shm->err_msg);
    atomic_store(&shm->err_state, SCHED_ERR_NONE);
    return true;
}

aclError aclsim_stream_sync(aclsim_device_t *dev, aclsim_stream_t *s, int32_t timeout_ms)
{
    uint32_t target = atomic_load(&s->shm->tail);
    uint64_t deadline = 0;
    if (timeout_ms >= 0)
        deadline = cmn_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
    if (timeout_ms == 0)
        deadline = 1; /* already past: check once */
    int result = aclsim_stream_wait(dev, s, target, deadline);
    aclError code;
    if (aclsim_stream_take_error(s, &code))
        return code;
    if (result == 1 || aclsim_device_dead(dev))
        return aclsim_device_dead_error(dev);
    if (result == 2) {
        uint32_t done = atomic_load(&s->shm->completed);
        return aclsim_fail(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT,
                           "device %d stream %u: synchronize timed out after %d ms with %u task(s) "
                           "not finished; nothing was cancelled",
                           (int)dev->id, s->slot, (int)timeout_ms, target - done);
    }
    pthread_mutex_lock(&s->lock);
    aclsim_stream_reclaim(dev, s);
    pthread_mutex_unlock(&s->lock);
    return ACL_SUCCESS;
}

static void aclsim_stream_reset_shm(sched_stream_shm_t *shm)
{
    atomic_store(&shm->tail, 0);
    atomic_store(&shm->producer_cpu, SCHED_CPU_UNKNOWN);
    atomic_store(&shm->consumer_cpu, SCHED_CPU_UNKNOWN);
    atomic_store(&shm->consumer_sleeping, 0);
    atomic_store(&shm->doorbell, 0);
    atomic_store(&shm->stop_on_failure, 0);
    atomic_store(&shm->completed, 0);
    atomic_store(&shm->waiters, 0);
    atomic_store(&shm->untargeted, 0);
    for (int i = 0; i < SCHED_WAIT_SLOTS; i++)
        atomic_store(&shm->wait_target[i], 0);
    atomic_store(&shm->running_seq, 0);
    atomic_store(&shm->running_deadline_ns, 0);
    atomic_store(&shm->err_state, SCHED_ERR_NONE);
}

/* The slot's stream struct, made on first use and reset for each new stream in the slot. A stale
 * user may still hold its `users` count (see aclsim_stream_get), so that is never reset. */
static aclsim_stream_t *aclsim_stream_struct(aclsim_device_t *dev, uint32_t slot)
{
    aclsim_stream_t *s = dev->stream_mem[slot];
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        pthread_mutex_init(&s->lock, NULL);
        dev->stream_mem[slot] = s;
    }
    free(s->big);
    s->big = NULL;
    s->nbig = s->capbig = 0;
    s->tail = 0;
    s->args_pos = 0;
    return s;
}

aclError aclsim_stream_create_slot(aclsim_device_t *dev, uint32_t slot, aclsim_stream_t **out)
{
    aclsim_stream_t *s = aclsim_stream_struct(dev, slot);
    if (!s)
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                           "device %d: out of host memory for a stream", (int)dev->id);
    s->slot = slot;
    s->gen = ++dev->gens[slot];
    s->shm = &dev->ctl->streams[slot];
    size_t ring_off = dev->mem_size + (size_t)slot * SCHED_ARGS_RING_BYTES;
    s->args_host = dev->host_base + ring_off;
    s->args_dev = (uint64_t)(uintptr_t)(dev->dev_base + ring_off);
    /* The scheduler starts the default stream's thread itself, on a fresh (zeroed) region; any
     * other slot may hold a destroyed stream's counters, and no thread runs on it yet. */
    aclError rc = ACL_SUCCESS;
    if (slot != 0) {
        aclsim_stream_reset_shm(s->shm);
        rc = aclsim_spawn_request(dev, SCHED_OP_STREAM_START, slot);
    }
    if (rc != ACL_SUCCESS)
        return rc;
    atomic_store_explicit(&dev->streams[slot], s, memory_order_release);
    *out = s;
    return ACL_SUCCESS;
}

/* Teardown, under the device's write lock: no thread holds a stream. */
void aclsim_stream_free_all(aclsim_device_t *dev)
{
    assert(sim_rwlock_write_held(&dev->rw));
    for (uint32_t slot = 0; slot < SCHED_MAX_STREAMS; slot++) {
        atomic_store(&dev->streams[slot], NULL);
        aclsim_stream_t *s = dev->stream_mem[slot];
        if (!s)
            continue;
        pthread_mutex_destroy(&s->lock);
        free(s->big);
        free(s);
        dev->stream_mem[slot] = NULL;
    }
}

/* Creating or destroying a stream takes only the device's read lock (and streams_lock), so it
 * does not wait for other threads' synchronizes, which hold the read lock while they wait. */
aclError aclrtCreateStream(aclrtStream *stream)
{
    if (!stream)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtCreateStream: stream is NULL");
    aclsim_device_t *dev = NULL;
    aclError rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    pthread_mutex_lock(&dev->streams_lock);
    uint32_t slot = 1;
    while (slot < SCHED_MAX_STREAMS && atomic_load(&dev->streams[slot]))
        slot++;
    if (slot == SCHED_MAX_STREAMS) {
        rc = aclsim_fail(ACL_ERROR_RT_NO_STREAM_RESOURCE,
                         "aclrtCreateStream: device %d already has %d streams", (int)dev->id,
                         SCHED_MAX_STREAMS - 1);
    } else {
        aclsim_stream_t *s;
        rc = aclsim_stream_create_slot(dev, slot, &s);
        if (rc == ACL_SUCCESS)
            *stream = aclsim_stream_encode(dev->id, slot, s->gen);
    }
    pthread_mutex_unlock(&dev->streams_lock);
    aclsim_device_release(dev);
    return rc;
}

/* Read-locks the device a stream handle belongs to (NULL: the current device). */
static aclError aclsim_acquire_for_stream(aclrtStream stream, const char *what,
                                          aclsim_device_t **dev, aclsim_stream_t **s)
{
    int32_t id = stream ? aclsim_stream_handle_device(stream) : aclsim_current_id();
    if (stream && id < 0)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p is not a stream handle", what,
                           stream);
    aclError rc =
        stream ? aclsim_device_acquire_any(id, dev) : aclsim_device_acquire_current_any(dev);
    if (rc != ACL_SUCCESS)
        return rc;
    rc = aclsim_stream_resolve(*dev, stream, s);
    if (rc != ACL_SUCCESS)
        aclsim_device_release(*dev);
    return rc;
}

aclError aclrtDestroyStream(aclrtStream stream)
{
    if (!stream)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtDestroyStream: the default stream (NULL) cannot be destroyed");
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    aclError rc = aclsim_acquire_for_stream(stream, "aclrtDestroyStream", &dev, &s);
    if (rc != ACL_SUCCESS)
        return rc;
    /* Like CANN, let the stream's tasks finish first; their errors are not reported here. */
    aclsim_stream_wait(dev, s, atomic_load(&s->shm->tail), 0);
    pthread_mutex_lock(&dev->streams_lock);
    if (atomic_load(&dev->streams[s->slot]) != s) {
        rc = aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                         "aclrtDestroyStream: stream %p was destroyed by another thread", stream);
        aclsim_stream_put(s);
    } else {
        atomic_store(&dev->streams[s->slot], NULL);
        aclsim_stream_put(s);
        /* Whoever still holds it is about to find it gone or finishing a call on it. */
        while (atomic_load(&s->users) != 0)
            sched_yield();
        if (!aclsim_device_dead(dev))
            aclsim_spawn_request(dev, SCHED_OP_STREAM_STOP, s->slot);
        pthread_mutex_lock(&s->lock);
        aclsim_stream_reclaim(dev, s);
        pthread_mutex_unlock(&s->lock);
    }
    pthread_mutex_unlock(&dev->streams_lock);
    aclsim_device_release(dev);
    return rc;
}

aclError aclrtSynchronizeStream(aclrtStream stream)
{
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    aclError rc = aclsim_acquire_for_stream(stream, "aclrtSynchronizeStream", &dev, &s);
    if (rc != ACL_SUCCESS)
        return rc;
    rc = aclsim_stream_sync(dev, s, -1);
    aclsim_stream_put(s);
    aclsim_device_release(dev);
    return rc;
}

aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout)
{
    if (timeout < -1)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtSynchronizeStreamWithTimeout: timeout %d ms is invalid (-1 waits "
                           "forever)",
                           (int)timeout);
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    aclError rc = aclsim_acquire_for_stream(stream, "aclrtSynchronizeStreamWithTimeout", &dev, &s);
    if (rc != ACL_SUCCESS)
        return rc;
    rc = aclsim_stream_sync(dev, s, timeout);
    aclsim_stream_put(s);
    aclsim_device_release(dev);
    return rc;
}

/* CANN's ACL_CONTINUE_ON_FAILURE (0, the default) or ACL_STOP_ON_FAILURE (1): with the latter, the
 * tasks that follow a failed one on the stream do not run; the next synchronize reports the
 * failure and later tasks run again. */
aclError aclrtSetStreamFailureMode(aclrtStream stream, uint64_t mode)
{
    if (mode != ACL_CONTINUE_ON_FAILURE && mode != ACL_STOP_ON_FAILURE)
        return aclsim_fail(
            ACL_ERROR_RT_PARAM_INVALID,
            "aclrtSetStreamFailureMode: mode %llu is neither ACL_CONTINUE_ON_FAILURE "
            "(0) nor ACL_STOP_ON_FAILURE (1)",
            (unsigned long long)mode);
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    aclError rc = aclsim_acquire_for_stream(stream, "aclrtSetStreamFailureMode", &dev, &s);
    if (rc != ACL_SUCCESS)
        return rc;
    atomic_store(&s->shm->stop_on_failure, (uint32_t)mode);
    aclsim_stream_put(s);
    aclsim_device_release(dev);
    return ACL_SUCCESS;
}

aclError aclsim_stream_mark(aclrtStream stream, const char *call, uint32_t *tail)
{
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    aclError rc = aclsim_acquire_for_stream(stream, call, &dev, &s);
    if (rc != ACL_SUCCESS)
        return rc;
    if (aclsim_device_dead(dev)) {
        rc = aclsim_device_dead_error(dev);
    } else {
        *tail = atomic_load_explicit(&s->shm->tail, memory_order_acquire);
    }
    aclsim_stream_put(s);
    aclsim_device_release(dev);
    return rc;
}

aclError aclsim_stream_reached(aclrtStream stream, uint32_t target, bool wait, bool *done)
{
    aclsim_device_t *dev;
    aclsim_stream_t *s;
    int32_t id = stream ? aclsim_stream_handle_device(stream) : aclsim_current_id();
    aclError rc =
        stream ? aclsim_device_acquire_any(id, &dev) : aclsim_device_acquire_current_any(&dev);
    if (rc != ACL_SUCCESS) {
        *done = true; /* the device was reset: its tasks are over */
        aclsim_set_msg("");
        return ACL_SUCCESS;
    }
    if (aclsim_stream_resolve(dev, stream, &s) != ACL_SUCCESS) {
        aclsim_device_release(dev);
        *done = true; /* destroyed: a destroy lets its tasks finish first */
        aclsim_set_msg("");
        return ACL_SUCCESS;
    }
    if (wait && aclsim_stream_wait(dev, s, target, 0) == 1)
        rc = aclsim_device_dead_error(dev);
    uint32_t completed = atomic_load_explicit(&s->shm->completed, memory_order_acquire);
    *done = (int32_t)(completed - target) >= 0;
    aclsim_stream_put(s);
    aclsim_device_release(dev);
    return rc;
}
