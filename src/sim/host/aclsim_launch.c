/* rtAicpuKernelLaunchExWithArgs: CANN's argument checks, the host-input pointer fix-ups, the copy
 * of the argument blob into the stream's argument ring in device memory (so the caller may reuse
 * its buffer at once), and publishing the task descriptor on the stream's ring. This is the hot
 * path: while the scheduler keeps up it makes no system call. */
#define _GNU_SOURCE
#include "aclsim_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct aclsim_launch {
    uint32_t type;
    uint32_t num_blocks;
    const rtAicpuArgsEx_t *info;
    uint32_t timeout_ms;
} aclsim_launch_t;

/* Where a task's blob lives in device memory. */
typedef struct aclsim_args_slot {
    uint64_t dev;
    char *host;
    uint64_t ring_start; /* s->args_pos before this allocation */
    bool big;
    size_t big_offset;
} aclsim_args_slot_t;

static aclError aclsim_launch_check_type(uint32_t type)
{
    if (type == KERNEL_TYPE_AICPU || type == KERNEL_TYPE_AICPU_KFC)
        return ACL_SUCCESS;
    if (type == KERNEL_TYPE_FWK || type == KERNEL_TYPE_AICPU_CUSTOM)
        return aclsim_fail(
            ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
            "rtAicpuKernelLaunchExWithArgs: kernel type %u (%s) is not supported "
            "by the simulator (only KERNEL_TYPE_AICPU and KERNEL_TYPE_AICPU_KFC)",
            type, type == KERNEL_TYPE_FWK ? "KERNEL_TYPE_FWK" : "KERNEL_TYPE_AICPU_CUSTOM");
    return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                       "rtAicpuKernelLaunchExWithArgs: invalid kernel type %u (accepted: 1, 2, 4, "
                       "5)",
                       type);
}

static aclError aclsim_launch_check_fixups(const rtHostInputInfo_t *list, uint16_t num,
                                           uint32_t size, const char *which)
{
    if (num && !list)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: %s is NULL with %u entries", which, num);
    for (uint16_t i = 0; i < num; i++) {
        if ((uint64_t)list[i].addrOffset + sizeof(uint64_t) > size || list[i].dataOffset >= size)
            return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                               "rtAicpuKernelLaunchExWithArgs: %s[%u] (addrOffset %u, dataOffset "
                               "%u) is outside the %u-byte args",
                               which, i, list[i].addrOffset, list[i].dataOffset, size);
    }
    return ACL_SUCCESS;
}

static aclError aclsim_launch_check(uint32_t type, const char *opName, uint32_t numBlocks,
                                    const rtAicpuArgsEx_t *info)
{
    aclError rc = aclsim_launch_check_type(type);
    if (rc != ACL_SUCCESS)
        return rc;
    if (!opName)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: opName is NULL");
    if (numBlocks == 0 || numBlocks > 0xFFFFU)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: numBlocks %u is outside 1..65535",
                           numBlocks);
    if (!info || !info->args || info->argsSize == 0)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: argsInfo, argsInfo->args and "
                           "argsInfo->argsSize must be non-zero");
    if (info->isNoNeedH2DCopy)
        return ACL_SUCCESS; /* no host copy, so no fix-ups to apply */
    rc = aclsim_launch_check_fixups(info->hostInputInfoPtr, info->hostInputInfoNum, info->argsSize,
                                    "hostInputInfoPtr");
    if (rc == ACL_SUCCESS)
        rc = aclsim_launch_check_fixups(info->kernelOffsetInfoPtr, info->kernelOffsetInfoNum,
                                        info->argsSize, "kernelOffsetInfoPtr");
    return rc;
}

/* A name must start inside the blob and end with a NUL inside it. */
static aclError aclsim_launch_check_name(const char *blob, uint32_t size, uint32_t offset,
                                         const char *which)
{
    if (offset >= size)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: %s %u is outside the %u-byte args",
                           which, offset, size);
    if (!memchr(blob + offset, 0, size - offset))
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "rtAicpuKernelLaunchExWithArgs: the name at %s %u is not "
                           "NUL-terminated within the %u-byte args",
                           which, offset, size);
    return ACL_SUCCESS;
}

static aclError aclsim_launch_check_names(const char *blob, const rtAicpuArgsEx_t *info)
{
    aclError rc = aclsim_launch_check_name(blob, info->argsSize, info->kernelNameAddrOffset,
                                           "kernelNameAddrOffset");
    if (rc == ACL_SUCCESS && info->soNameAddrOffset != SCHED_NO_NAME)
        rc = aclsim_launch_check_name(blob, info->argsSize, info->soNameAddrOffset,
                                      "soNameAddrOffset");
    return rc;
}

/* Per-task timeout (flag 0x100, seconds, 0xFFFF never, 0 the default) before the global one. */
static uint32_t aclsim_launch_timeout_ms(const rtAicpuArgsEx_t *info, uint32_t flags)
{
    if ((flags & RT_KERNEL_USE_SPECIAL_TIMEOUT) && info->timeout != 0xFFFFU && info->timeout)
        return (uint32_t)info->timeout * 1000U;
    if ((flags & RT_KERNEL_USE_SPECIAL_TIMEOUT) && info->timeout == 0xFFFFU)
        return 0;
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
    if (s->nbig == s->capbig) {
        size_t cap = s->capbig ? s->capbig * 2 : 8;
        aclsim_big_args_t *grown = realloc(s->big, cap * sizeof *grown);
        if (!grown)
            return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                               "rtAicpuKernelLaunchExWithArgs: out of host memory");
        s->big = grown;
        s->capbig = cap;
    }
    s->big[s->nbig++] = (aclsim_big_args_t){s->tail + 1, slot->big_offset};
    return ACL_SUCCESS;
}

/* Writes deviceArgsBase + dataOffset at args + addrOffset, in the caller's buffer, as CANN does. */
static void aclsim_apply_fixups(char *args, const rtHostInputInfo_t *list, uint16_t num,
                                uint64_t base)
{
    for (uint16_t i = 0; i < num; i++) {
        uint64_t value = base + list[i].dataOffset;
        memcpy(args + list[i].addrOffset, &value, sizeof value);
    }
}

/* Places the blob in device memory; fills the descriptor's args fields. */
static aclError aclsim_launch_place_args(aclsim_device_t *dev, aclsim_stream_t *s,
                                         const rtAicpuArgsEx_t *info, sched_task_t *task,
                                         uint64_t *ring_start)
{
    uint32_t size = info->argsSize;
    if (info->isNoNeedH2DCopy) {
        uintptr_t p = (uintptr_t)info->args;
        if (!aclsim_mem_range_ok(dev, p, size))
            return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                               "rtAicpuKernelLaunchExWithArgs: isNoNeedH2DCopy but args %p + %u "
                               "bytes is not inside one allocation of device %d",
                               info->args, size, (int)dev->id);
        aclError rc = aclsim_launch_check_names(aclsim_host_view(dev, p), info);
        if (rc != ACL_SUCCESS)
            return rc;
        task->args_dev = p;
        task->names_shared = 1;
        *ring_start = s->args_pos;
        return ACL_SUCCESS;
    }
    aclsim_args_slot_t slot;
    aclError rc = aclsim_args_alloc(dev, s, size, &slot);
    if (rc != ACL_SUCCESS)
        return rc;
    char *args = info->args;
    aclsim_apply_fixups(args, info->hostInputInfoPtr, info->hostInputInfoNum, slot.dev);
    aclsim_apply_fixups(args, info->kernelOffsetInfoPtr, info->kernelOffsetInfoNum, slot.dev);
    rc = aclsim_launch_check_names(args, info);
    if (rc == ACL_SUCCESS && slot.big)
        rc = aclsim_args_keep_big(s, &slot);
    if (rc != ACL_SUCCESS) {
        aclsim_args_release(dev, s, &slot);
        return rc;
    }
    memcpy(slot.host, args, size);
    task->args_dev = slot.dev;
    task->names_shared = 0;
    *ring_start = slot.ring_start;
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
        atomic_fetch_add(&shm->doorbell, 1);
        sched_futex_wake(&shm->doorbell);
    }
}

static aclError aclsim_enqueue(aclsim_device_t *dev, aclsim_stream_t *s, const aclsim_launch_t *l)
{
    const rtAicpuArgsEx_t *info = l->info;
    pthread_mutex_lock(&s->lock);
    aclsim_stream_reclaim(dev, s);
    aclError rc = aclsim_launch_wait_room(dev, s, SCHED_RING_TASKS);
    sched_task_t *task = &s->shm->ring[s->tail % SCHED_RING_TASKS];
    uint64_t ring_start = 0;
    if (rc == ACL_SUCCESS)
        rc = aclsim_launch_place_args(dev, s, info, task, &ring_start);
    if (rc == ACL_SUCCESS) {
        task->args_size = info->argsSize;
        task->kernel_type = l->type;
        task->num_blocks = l->num_blocks;
        task->so_off = info->soNameAddrOffset;
        task->kernel_off = info->kernelNameAddrOffset;
        task->timeout_ms = l->timeout_ms;
        aclsim_publish(s, ring_start);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType, const char_t *const opName,
                                        const uint32_t numBlocks, const rtAicpuArgsEx_t *argsInfo,
                                        rtSmDesc_t *const smDesc, const rtStream_t stm,
                                        const uint32_t flags)
{
    (void)smDesc;
    aclError rc = aclsim_launch_check(kernelType, opName, numBlocks, argsInfo);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_device_t *dev;
    rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_stream_t *s = NULL;
    if (stm && aclsim_stream_handle_device(stm) >= 0 && aclsim_stream_handle_device(stm) != dev->id)
        rc = aclsim_fail(ACL_ERROR_RT_STREAM_CONTEXT,
                         "rtAicpuKernelLaunchExWithArgs: stream %p belongs to device %d, not to "
                         "the current device %d",
                         stm, (int)aclsim_stream_handle_device(stm), (int)dev->id);
    else
        rc = aclsim_stream_resolve(dev, stm, &s);
    if (rc == ACL_SUCCESS) {
        aclsim_launch_t l = {.type = kernelType,
                             .num_blocks = numBlocks,
                             .info = argsInfo,
                             .timeout_ms = aclsim_launch_timeout_ms(argsInfo, flags)};
        rc = aclsim_enqueue(dev, s, &l);
    }
    aclsim_device_release(dev);
    return rc;
}
