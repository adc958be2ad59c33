/* Device memory: a first-fit allocator over each device's shared arena (sizes rounded up to 32
 * bytes plus 32 bytes of padding, as CANN documents), and aclrtMalloc, aclrtFree, aclrtMemcpy
 * (every kind; ACL_MEMCPY_DEFAULT infers the direction from the addresses), aclrtMemset and
 * aclrtGetMemInfo. Copies are synchronous and do not wait for streams, as on CANN. */
#define _GNU_SOURCE
#include "aclsim_mem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim_paths.h"
#include "aclsim_error.h"
#include "aclsim_state.h"
#include "aclsim_table.h"
#include "sim_held.h"

#define ACLSIM_ALIGN 64U

static size_t aclsim_round_size(size_t size)
{
    return (size + 31U) / 32U * 32U + 32U;
}

static size_t aclsim_align_up(size_t v)
{
    return (v + ACLSIM_ALIGN - 1) / ACLSIM_ALIGN * ACLSIM_ALIGN;
}

/* Index of the first allocation whose offset is >= offset. */
static size_t aclsim_alloc_lower_bound(const aclsim_device_t *dev, size_t offset)
{
    size_t lo = 0, hi = dev->nallocs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dev->allocs[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool aclsim_alloc_insert(aclsim_device_t *dev, size_t at, size_t offset, size_t size,
                                size_t requested)
{
    if (!aclsim_grow(&dev->allocs, &dev->capallocs, dev->nallocs, sizeof *dev->allocs, 64))
        return false;
    memmove(&dev->allocs[at + 1], &dev->allocs[at], (dev->nallocs - at) * sizeof *dev->allocs);
    dev->allocs[at] = (aclsim_alloc_t){offset, size, requested};
    dev->nallocs++;
    dev->used += size;
    return true;
}

aclError aclsim_mem_alloc(aclsim_device_t *dev, size_t size, size_t *offset)
{
    assert(sim_rwlock_held(&dev->rw));
    if (size > dev->mem_size)
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                           "device %d: out of device memory: %zu bytes requested, %zu in total "
                           "(AKL_SIM_DEVICE_MEM_MB)",
                           (int)dev->id, size, dev->mem_size);
    size_t need = aclsim_round_size(size);
    pthread_mutex_lock(&dev->alloc_lock);
    size_t cursor = 0;
    aclError rc = ACL_ERROR_RT_MEMORY_ALLOCATION;
    for (size_t i = 0; i <= dev->nallocs; i++) {
        size_t start = aclsim_align_up(cursor);
        size_t end = i < dev->nallocs ? dev->allocs[i].offset : dev->mem_size;
        if (start <= end && end - start >= need) {
            rc = aclsim_alloc_insert(dev, i, start, need, size) ? ACL_SUCCESS
                                                                : ACL_ERROR_RT_MEMORY_ALLOCATION;
            *offset = start;
            break;
        }
        if (i < dev->nallocs)
            cursor = dev->allocs[i].offset + dev->allocs[i].size;
    }
    size_t used = dev->used;
    pthread_mutex_unlock(&dev->alloc_lock);
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc,
                           "device %d: out of device memory: %zu bytes requested, %zu of %zu in "
                           "use (AKL_SIM_DEVICE_MEM_MB)",
                           (int)dev->id, size, used, dev->mem_size);
    return ACL_SUCCESS;
}

aclError aclsim_mem_free(aclsim_device_t *dev, size_t offset)
{
    assert(sim_rwlock_held(&dev->rw));
    pthread_mutex_lock(&dev->alloc_lock);
    size_t i = aclsim_alloc_lower_bound(dev, offset);
    bool found = i < dev->nallocs && dev->allocs[i].offset == offset;
    if (found) {
        dev->used -= dev->allocs[i].size;
        memmove(&dev->allocs[i], &dev->allocs[i + 1], (dev->nallocs - i - 1) * sizeof *dev->allocs);
        dev->nallocs--;
    }
    pthread_mutex_unlock(&dev->alloc_lock);
    if (!found)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtFree: %p is not the start of a live allocation on device %d "
                           "(never allocated, already freed, or an interior address)",
                           (void *)(dev->dev_base + offset), (int)dev->id);
    return ACL_SUCCESS;
}

bool aclsim_mem_range_ok(aclsim_device_t *dev, uintptr_t ptr, size_t len)
{
    assert(sim_rwlock_held(&dev->rw));
    if (!aclsim_is_device_addr(dev, ptr))
        return false;
    size_t offset = ptr - (uintptr_t)dev->dev_base;
    pthread_mutex_lock(&dev->alloc_lock);
    size_t i = aclsim_alloc_lower_bound(dev, offset + 1);
    const aclsim_alloc_t *a = i > 0 ? &dev->allocs[i - 1] : NULL;
    bool ok = a && offset - a->offset <= a->requested && len <= a->requested - (offset - a->offset);
    pthread_mutex_unlock(&dev->alloc_lock);
    return ok;
}

void aclsim_mem_reset(aclsim_device_t *dev)
{
    assert(sim_rwlock_write_held(&dev->rw));
    free(dev->allocs);
    dev->allocs = NULL;
    dev->nallocs = dev->capallocs = 0;
    dev->used = 0;
}

/* Device id's table entry, read-locked, if it is up and its arena contains p; else NULL. */
static aclsim_device_t *aclsim_lock_if_owner(int32_t id, uintptr_t p)
{
    aclsim_device_t *dev = id >= 0 ? atomic_load(&aclsim_state.devices[id]) : NULL;
    if (!dev)
        return NULL;
    pthread_rwlock_rdlock(&dev->rw);
    if (atomic_load(&dev->up) && aclsim_is_device_addr(dev, p))
        return dev;
    pthread_rwlock_unlock(&dev->rw);
    return NULL;
}

/* The id of the device whose arena contains p, or -1 for a host address. */
static int32_t aclsim_owner_id(uintptr_t p)
{
    int count = sim_device_count();
    for (int32_t id = 0; id < count && id < ACLSIM_MAX_DEVICES; id++) {
        aclsim_device_t *dev = aclsim_lock_if_owner(id, p);
        if (dev) {
            pthread_rwlock_unlock(&dev->rw);
            return id;
        }
    }
    return -1;
}

/* The device whose arena contains p, read-locked; NULL for a host address. */
static aclsim_device_t *aclsim_owner(uintptr_t p)
{
    return aclsim_lock_if_owner(aclsim_owner_id(p), p);
}

aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy)
{
    if (!devPtr || size == 0 || ((unsigned)policy & 0xFFU) > ACL_MEM_MALLOC_NORMAL_ONLY_P2P)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtMalloc: invalid argument (devPtr %p, size %zu, policy %d)",
                           (void *)devPtr, size, (int)policy);
    aclsim_device_t *dev;
    aclError rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    size_t offset;
    rc = aclsim_mem_alloc(dev, size, &offset);
    if (rc == ACL_SUCCESS)
        *devPtr = dev->dev_base + offset;
    aclsim_device_release(dev);
    return rc;
}

aclError aclrtFree(void *devPtr)
{
    if (!devPtr)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtFree: devPtr is NULL");
    aclsim_device_t *dev = aclsim_owner((uintptr_t)devPtr);
    if (!dev)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtFree: %p is not a device address of any set device", devPtr);
    aclError rc = aclsim_device_dead(dev)
                      ? aclsim_device_dead_error(dev)
                      : aclsim_mem_free(dev, (size_t)((char *)devPtr - dev->dev_base));
    aclsim_device_release(dev);
    return rc;
}

static const char *aclsim_kind_name(aclrtMemcpyKind kind)
{
    static const char *names[] = {"HOST_TO_HOST",
                                  "HOST_TO_DEVICE",
                                  "DEVICE_TO_HOST",
                                  "DEVICE_TO_DEVICE",
                                  "DEFAULT",
                                  "HOST_TO_BUF_TO_DEVICE",
                                  "INNER_DEVICE_TO_DEVICE",
                                  "INTER_DEVICE_TO_DEVICE"};
    return (unsigned)kind < 8 ? names[kind] : "?";
}

/* Whether each side must be on a device for kind (DEFAULT: whatever the addresses say). */
static bool aclsim_kind_matches(aclrtMemcpyKind kind, bool dst_dev, bool src_dev)
{
    switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST:
        return !dst_dev && !src_dev;
    case ACL_MEMCPY_HOST_TO_DEVICE:
    case ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE:
        return dst_dev && !src_dev;
    case ACL_MEMCPY_DEVICE_TO_HOST:
        return !dst_dev && src_dev;
    case ACL_MEMCPY_DEVICE_TO_DEVICE:
    case ACL_MEMCPY_INNER_DEVICE_TO_DEVICE:
    case ACL_MEMCPY_INTER_DEVICE_TO_DEVICE:
        return dst_dev && src_dev;
    default:
        return true;
    }
}

/* Checks one side of a copy and gives the address to use in this process. */
static aclError aclsim_copy_side(aclsim_device_t *dev, uintptr_t p, size_t count, const char *side,
                                 void **out)
{
    if (!dev) {
        *out = (void *)p;
        return ACL_SUCCESS;
    }
    if (aclsim_device_dead(dev))
        return aclsim_device_dead_error(dev);
    if (!aclsim_mem_range_ok(dev, p, count))
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtMemcpy: %s range %p + %zu bytes is not inside one allocation of "
                           "device %d",
                           side, (void *)p, count, (int)dev->id);
    *out = aclsim_host_view(dev, p);
    return ACL_SUCCESS;
}

aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind)
{
    if (!dst || !src || (unsigned)kind > ACL_MEMCPY_INTER_DEVICE_TO_DEVICE || count > destMax)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtMemcpy: invalid argument (dst %p, destMax %zu, src %p, count %zu, "
                           "kind %d)",
                           dst, destMax, src, count, (int)kind);
    if (count == 0)
        return ACL_SUCCESS;
    /* Two devices are read-locked in ascending id order; one lock serves both sides of one. */
    int32_t did = aclsim_owner_id((uintptr_t)dst), sid = aclsim_owner_id((uintptr_t)src);
    aclsim_device_t *ddev = NULL, *sdev = NULL;
    if (did >= 0 && did <= sid)
        ddev = aclsim_lock_if_owner(did, (uintptr_t)dst);
    if (sid >= 0 && sid != did)
        sdev = aclsim_lock_if_owner(sid, (uintptr_t)src);
    if (did > sid)
        ddev = aclsim_lock_if_owner(did, (uintptr_t)dst);
    if (sid >= 0 && sid == did)
        sdev = ddev;
    aclError rc = ACL_SUCCESS;
    void *d = NULL, *s = NULL;
    if (!aclsim_kind_matches(kind, ddev != NULL, sdev != NULL))
        rc = aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                         "aclrtMemcpy: kind %s does not match the addresses (dst %p is %s memory, "
                         "src %p is %s memory)",
                         aclsim_kind_name(kind), dst, ddev ? "device" : "host", src,
                         sdev ? "device" : "host");
    if (rc == ACL_SUCCESS)
        rc = aclsim_copy_side(ddev, (uintptr_t)dst, count, "destination", &d);
    if (rc == ACL_SUCCESS)
        rc = aclsim_copy_side(sdev, (uintptr_t)src, count, "source", &s);
    if (rc == ACL_SUCCESS)
        memmove(d, s, count);
    if (sdev && sdev != ddev)
        aclsim_device_release(sdev);
    if (ddev)
        aclsim_device_release(ddev);
    return rc;
}

aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count)
{
    if (!devPtr || count > maxCount)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtMemset: invalid argument (devPtr %p, maxCount %zu, count %zu)",
                           devPtr, maxCount, count);
    aclsim_device_t *dev = aclsim_owner((uintptr_t)devPtr);
    if (!dev)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtMemset: %p is not a device address of any set device", devPtr);
    aclError rc = ACL_SUCCESS;
    if (aclsim_device_dead(dev))
        rc = aclsim_device_dead_error(dev);
    else if (count && !aclsim_mem_range_ok(dev, (uintptr_t)devPtr, count))
        rc = aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                         "aclrtMemset: %p + %zu bytes is not inside one allocation of device %d",
                         devPtr, count, (int)dev->id);
    else
        memset(aclsim_host_view(dev, (uintptr_t)devPtr), value, count);
    aclsim_device_release(dev);
    return rc;
}

aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free_bytes, size_t *total)
{
    if (!free_bytes || !total || (unsigned)attr > ACL_HBM_MEM_P2P_NORMAL)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtGetMemInfo: invalid argument (attr %d, free %p, total %p)",
                           (int)attr, (void *)free_bytes, (void *)total);
    aclsim_device_t *dev;
    aclError rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    pthread_mutex_lock(&dev->alloc_lock);
    *free_bytes = dev->mem_size - dev->used;
    *total = dev->mem_size;
    pthread_mutex_unlock(&dev->alloc_lock);
    aclsim_device_release(dev);
    return ACL_SUCCESS;
}
