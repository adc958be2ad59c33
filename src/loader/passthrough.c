/* Thin pass-throughs to the resolved runtime (devices, memory, streams), so that one program
 * binary runs on real CANN and on the simulator. Each resolves the runtime on first use and turns
 * a CANN failure into a message naming the call and its arguments. */
#include <inttypes.h>

#include "akl/akl.h"
#include "device_failure.h"
#include "cann_fail.h"
#include "errors.h"
#include "sync_failure.h"
#include "runtime.h"
#include "streams.h"

/* The runtime table, or an early return of the resolution error. */
#define LDR_RUNTIME_OR_RETURN(rt)                                                                  \
    const ldr_runtime_t *rt;                                                                       \
    do {                                                                                           \
        int rc_ = ldr_runtime_get(&rt);                                                            \
        if (rc_ != 0)                                                                              \
            return rc_;                                                                            \
    } while (0)

int akl_device_count(uint32_t *count)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (!count)
        return ldr_fail(AKL_EINVAL, "akl_device_count: count is NULL");
    aclError rc = rt->get_device_count(count);
    return rc ? ldr_fail_cann(rc, "aclrtGetDeviceCount failed") : 0;
}

int akl_device_open(int32_t device)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_device_open: device %" PRId32 " is negative", device);
    aclError rc = rt->set_device(device);
    return rc ? ldr_fail_cann(rc, "opening device %" PRId32 " (aclrtSetDevice) failed", device) : 0;
}

int akl_device_close(int32_t device)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_device_close: device %" PRId32 " is negative", device);
    ldr_streams_device_closed(device); /* a reset may destroy the device's streams */
    aclError rc = rt->reset_device(device);
    if (rc != 0)
        return ldr_fail_cann(rc, "closing device %" PRId32 " (aclrtResetDevice) failed", device);
    /* A reset device is a new one: its earlier failure no longer explains anything. */
    ldr_device_failure_forget(device);
    return 0;
}

int akl_mem_alloc(void **dev_ptr, size_t size)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (!dev_ptr)
        return ldr_fail(AKL_EINVAL, "akl_mem_alloc: dev_ptr is NULL");
    aclError rc = rt->malloc(dev_ptr, size, ACL_MEM_MALLOC_HUGE_FIRST);
    return rc ? ldr_fail_cann(rc, "allocating %zu bytes of device memory (aclrtMalloc) failed",
                              size)
              : 0;
}

int akl_mem_free(void *dev_ptr)
{
    LDR_RUNTIME_OR_RETURN(rt);
    aclError rc = rt->free(dev_ptr);
    return rc ? ldr_fail_cann(rc, "freeing device memory at %p (aclrtFree) failed", dev_ptr) : 0;
}

int akl_mem_info(size_t *free_bytes, size_t *total_bytes)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (!free_bytes || !total_bytes)
        return ldr_fail(AKL_EINVAL, "akl_mem_info: %s is NULL",
                        free_bytes ? "total_bytes" : "free_bytes");
    /* HBM is the device memory aclrtMalloc serves on Ascend training and inference parts. */
    aclError rc = rt->get_mem_info(ACL_HBM_MEM, free_bytes, total_bytes);
    return rc ? ldr_fail_cann(rc, "querying device memory (aclrtGetMemInfo) failed") : 0;
}

int akl_memcpy_to_device(void *dev_dst, const void *host_src, size_t size)
{
    LDR_RUNTIME_OR_RETURN(rt);
    aclError rc = rt->memcpy(dev_dst, size, host_src, size, ACL_MEMCPY_HOST_TO_DEVICE);
    return rc ? ldr_fail_cann(rc, "copying %zu bytes from host %p to device %p failed", size,
                              host_src, dev_dst)
              : 0;
}

int akl_memcpy_from_device(void *host_dst, const void *dev_src, size_t size)
{
    LDR_RUNTIME_OR_RETURN(rt);
    aclError rc = rt->memcpy(host_dst, size, dev_src, size, ACL_MEMCPY_DEVICE_TO_HOST);
    return rc ? ldr_fail_cann(rc, "copying %zu bytes from device %p to host %p failed", size,
                              dev_src, host_dst)
              : 0;
}

int akl_stream_create(akl_stream_t *stream)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (!stream)
        return ldr_fail(AKL_EINVAL, "akl_stream_create: stream is NULL");
    aclError rc = rt->create_stream(stream);
    if (rc != 0)
        return ldr_fail_cann(rc, "creating a stream (aclrtCreateStream) failed");
    int32_t device; /* a stream belongs to the device current when it is made */
    if (rt->get_device(&device) == ACL_SUCCESS)
        ldr_stream_made(*stream, device);
    return 0;
}

int akl_stream_destroy(akl_stream_t stream)
{
    LDR_RUNTIME_OR_RETURN(rt);
    ldr_stream_gone(stream);
    aclError rc = rt->destroy_stream(stream);
    return rc ? ldr_fail_cann(rc, "destroying stream %p (aclrtDestroyStream) failed", stream) : 0;
}

int akl_stream_sync(akl_stream_t stream, int32_t timeout_ms)
{
    LDR_RUNTIME_OR_RETURN(rt);
    if (timeout_ms < -1)
        return ldr_fail(AKL_EINVAL,
                        "akl_stream_sync: timeout_ms %" PRId32 " is invalid (-1 "
                        "waits forever)",
                        timeout_ms);
    aclError rc = timeout_ms == -1 ? rt->synchronize_stream(stream)
                                   : rt->synchronize_stream_with_timeout(stream, timeout_ms);
    if (rc)
        ldr_sync_failure_note(rc);
    return rc ? ldr_fail_cann(rc, "synchronizing stream %p (timeout %" PRId32 " ms) failed", stream,
                              timeout_ms)
              : 0;
}
