/* The device half of an AICPU launch, shared by rtAicpuKernelLaunchExWithArgs (here) and
 * rtsLaunchCpuKernel (aclsim_rts.c): the copy of the argument blob into the stream's argument ring
 * in device memory (so the caller may reuse its buffer at once; the checks, fix-ups and names are
 * aclsim_blob.c's), and publishing the task descriptor on the stream's ring. This is the hot path:
 * while the scheduler keeps up it makes no system call. */
#define _GNU_SOURCE
#include "aclsim_launch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "aclsim_blob.h"
#include "aclsim_cust.h"
#include "aclsim_error.h"
#include "aclsim_mem.h"
#include "aclsim_state.h"
#include "aclsim_stream.h"
#include "aclsim_table.h"
#include "sim_held.h"

/* Where a task's blob lives in device memory. */
typedef struct aclsim_args_slot {
    uint64_t dev;
    char *host;
    uint64_t ring_start; /* s->args_pos before this allocation */
    bool big;
    size_t big_offset;
} aclsim_args_slot_t;

/* Per-task timeout (flag 0x100, seconds, 0xFFFF never, 0 the default) before the global one. */
static uint32_t aclsim_launch_timeout_ms(const rtAicpuArgsEx_t *info, uint32_t flags)
{
    if ((flags & RT_KERNEL_USE_SPECIAL_TIMEOUT) && info->timeout != 0xFFFFU && info->timeout)
        return (uint32_t)info->timeout * 1000U;
    if ((flags & RT_KERNEL_USE_SPECIAL_TIMEOUT) && info->timeout == 0xFFFFU)
        return 0;
    return aclsim_launch_global_timeout_ms();
}

uint32_t aclsim_launch_global_timeout_ms(void)
{
    uint64_t global = atomic_load(&aclsim_state.op_timeout_ms);
    return global > UINT32_MAX ? UINT32_MAX : (uint32_t)global;
}

/* Waits until fewer than `room` tasks of the stream are unfinished. */
static aclError aclsim_launch_wait_room(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t room)
{
    uint32_t target = s->tail - room + 1;
    if (!sched_seq_before(atomic_load_explicit(&s->shm->completed, memory_order_acquire), target))
        return ACL_SUCCESS;
    return aclsim_stream_wait(dev, s, target, 0) == 0 ? ACL_SUCCESS : aclsim_device_dead_error(dev);
}

/* Allocates size bytes of the stream's argument ring, waiting for older tasks if it is full. */
static aclError aclsim_args_from_ring(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t size,
                                      aclsim_args_slot_t *slot)
{
    uint64_t need = (size + SCHED_ARGS_ALIGN - 1) / SCHED_ARGS_ALIGN * SCHED_ARGS_ALIGN;
    for (;;) {
        uint32_t done = atomic_load_explicit(&s->shm->completed, memory_order_acquire);
        uint64_t free_from = done == s->tail ? s->args_pos : s->args_start[done % SCHED_RING_TASKS];
        uint64_t at = s->args_pos % SCHED_ARGS_RING_BYTES;
        uint64_t pad = at + need > SCHED_ARGS_RING_BYTES ? SCHED_ARGS_RING_BYTES - at : 0;
        if (s->args_pos + pad + need - free_from <= SCHED_ARGS_RING_BYTES) {
            uint64_t off = (s->args_pos + pad) % SCHED_ARGS_RING_BYTES;
            slot->ring_start = s->args_pos;
            slot->dev = s->args_dev + off;
            slot->host = s->args_host + off;
            s->args_pos += pad + need;
            return ACL_SUCCESS;
        }
        if (aclsim_stream_wait(dev, s, done + 1, 0) != 0)
            return aclsim_device_dead_error(dev);
    }
}

static aclError aclsim_args_alloc(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t size,
                                  aclsim_args_slot_t *slot)
{
    slot->big = false;
    if (size <= SCHED_ARGS_INLINE_MAX)
        return aclsim_args_from_ring(dev, s, size, slot);
    aclError rc = aclsim_mem_alloc(dev, size, &slot->big_offset);
    if (rc != ACL_SUCCESS)
        return rc;
    slot->big = true;
    slot->ring_start = s->args_pos;
    slot->dev = (uint64_t)(uintptr_t)(dev->dev_base + slot->big_offset);
    slot->host = dev->host_base + slot->big_offset;
    return ACL_SUCCESS;
}

static void aclsim_args_release(aclsim_device_t *dev, aclsim_stream_t *s,
                                const aclsim_args_slot_t *slot)
{
    if (slot->big)
        aclsim_mem_free(dev, slot->big_offset);
    else
        s->args_pos = slot->ring_start;
}

static aclError aclsim_args_keep_big(aclsim_stream_t *s, const aclsim_args_slot_t *slot)
{
    if (!aclsim_grow(&s->big, &s->capbig, s->nbig, sizeof *s->big, 8))
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                           "AICPU launch: out of host memory for a large argument blob");
    s->big[s->nbig++] = (aclsim_big_args_t){s->tail + 1, slot->big_offset};
    return ACL_SUCCESS;
}

static void aclsim_publish(aclsim_stream_t *s, uint64_t ring_start)
{
    sched_stream_shm_t *shm = s->shm;
    s->args_start[s->tail % SCHED_RING_TASKS] = ring_start;
    s->tail++;
    /* Dekker with the stream thread: it stores consumer_sleeping then loads tail. */
    atomic_store(&shm->tail, s->tail);
    if (atomic_load(&shm->consumer_sleeping)) {
        /* Only here, not at every launch (asking for the CPU costs several ns): a stream thread that
         * spins for more work after this task is one we just woke, or one a wait told (below). */
        sched_note_cpu(&shm->producer_cpu);
        atomic_fetch_add(&shm->doorbell, 1);
        sched_futex_wake(&shm->doorbell);
    }
}

/* The caller's args as this process can read them: its buffer, or with isNoNeedH2DCopy the host
 * view of its device memory, which must lie inside one live allocation of this device. */
static aclError aclsim_launch_source(aclsim_device_t *dev, const aclsim_blob_req_t *req, char **src)
{
    const rtAicpuArgsEx_t *info = req->info;
    if (!info->isNoNeedH2DCopy) {
        *src = info->args;
        return ACL_SUCCESS;
    }
    uintptr_t p = (uintptr_t)info->args;
    if (!aclsim_mem_range_ok(dev, p, info->argsSize))
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: isNoNeedH2DCopy but args %p + %u bytes is not inside one "
                           "allocation of device %d",
                           req->call, info->args, info->argsSize, (int)dev->id);
    *src = aclsim_host_view(dev, p);
    return ACL_SUCCESS;
}

/* Plans, places and fills the task's blob; sets the descriptor's blob fields. */
static aclError aclsim_launch_place(aclsim_device_t *dev, aclsim_stream_t *s,
                                    const aclsim_blob_req_t *req, sched_task_t *task,
                                    uint64_t *ring_start)
{
    char *src = NULL;
    aclsim_blob_plan_t plan;
    aclError rc = aclsim_launch_source(dev, req, &src);
    if (rc == ACL_SUCCESS)
        rc = aclsim_blob_plan(req, src, &plan);
    if (rc != ACL_SUCCESS)
        return rc;
    uint64_t caller_dev = (uint64_t)(uintptr_t)req->info->args;
    if (plan.kind == ACLSIM_BLOB_IN_PLACE) {
        task->args_dev = caller_dev;
        task->args_size = req->info->argsSize;
        task->names_shared = 1;
        task->param_dev = caller_dev + req->param_off;
        *ring_start = s->args_pos;
    } else {
        aclsim_args_slot_t slot;
        rc = aclsim_args_alloc(dev, s, plan.size, &slot);
        if (rc != ACL_SUCCESS)
            return rc;
        rc = aclsim_blob_fill(req, &plan, src, slot.dev, slot.host);
        if (rc == ACL_SUCCESS && slot.big)
            rc = aclsim_args_keep_big(s, &slot);
        if (rc != ACL_SUCCESS) {
            aclsim_args_release(dev, s, &slot);
            return rc;
        }
        task->args_dev = slot.dev;
        task->args_size = plan.size;
        task->names_shared = 0;
        task->param_dev = (plan.kind == ACLSIM_BLOB_COPY ? slot.dev : caller_dev) + req->param_off;
        *ring_start = slot.ring_start;
    }
    task->kernel_off = plan.kernel_off;
    task->so_off = plan.so_off;
    return ACL_SUCCESS;
}

/* Places the task's blob in device memory and publishes the task on stream s (device read lock
 * held). */
static aclError aclsim_launch_enqueue(aclsim_device_t *dev, aclsim_stream_t *s,
                                      const aclsim_launch_t *l)
{
    assert(sim_rwlock_held(&dev->rw));
    pthread_mutex_lock(&s->lock);
    aclsim_stream_reclaim(dev, s);
    aclError rc = aclsim_launch_wait_room(dev, s, SCHED_RING_TASKS);
    sched_task_t *task = &s->shm->ring[s->tail % SCHED_RING_TASKS];
    uint64_t ring_start = 0;
    if (rc == ACL_SUCCESS)
        rc = aclsim_launch_place(dev, s, l->blob, task, &ring_start);
    if (rc == ACL_SUCCESS) {
        task->kernel_type = l->type;
        task->num_blocks = l->num_blocks;
        task->timeout_ms = l->timeout_ms;
        aclsim_publish(s, ring_start);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The stream a launch names (NULL: the default one); 107003 if it belongs to another device. */
static aclError aclsim_launch_stream(aclsim_device_t *dev, rtStream_t stm, const char *call,
                                     aclsim_stream_t **s)
{
    int32_t owner = stm ? aclsim_stream_handle_device(stm) : -1;
    if (owner >= 0 && owner != dev->id)
        return aclsim_fail(ACL_ERROR_RT_STREAM_CONTEXT,
                           "%s: stream %p belongs to device %d, not to the current device %d", call,
                           stm, (int)owner, (int)dev->id);
    return aclsim_stream_resolve(dev, stm, s);
}

aclError aclsim_launch_submit(rtStream_t stm, const aclsim_launch_t *l)
{
    assert(l->blob->checked);
    aclsim_device_t *dev;
    aclError rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_stream_t *s = NULL;
    rc = aclsim_launch_stream(dev, stm, l->blob->call, &s);
    if (rc == ACL_SUCCESS && l->cust_bin)
        rc = aclsim_cust_ensure(dev, l->cust_bin);
    if (rc == ACL_SUCCESS)
        rc = aclsim_launch_enqueue(dev, s, l);
    if (s)
        aclsim_stream_put(s);
    aclsim_device_release(dev);
    return rc;
}

rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType, const char_t *const opName,
                                        const uint32_t numBlocks, const rtAicpuArgsEx_t *argsInfo,
                                        rtSmDesc_t *const smDesc, const rtStream_t stm,
                                        const uint32_t flags)
{
    (void)smDesc;
    static const char call[] = "rtAicpuKernelLaunchExWithArgs";
    aclsim_blob_req_t req = {.call = call, .num_blocks = numBlocks, .info = argsInfo};
    aclError rc = aclsim_blob_check_launch(kernelType, opName);
    if (rc == ACL_SUCCESS)
        rc = aclsim_blob_check(&req);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_launch_t l = {.type = kernelType,
                         .num_blocks = numBlocks,
                         .timeout_ms = aclsim_launch_timeout_ms(argsInfo, flags),
                         .blob = &req};
    return aclsim_launch_submit(stm, &l);
}
