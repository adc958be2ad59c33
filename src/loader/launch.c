/* akl_launch, the per-task hot path. A custom-route module launches through custom.c; an extend
 * module ("Mode A type 2") with one rtAicpuKernelLaunchExWithArgs of type
 * KERNEL_TYPE_AICPU whose blob is [payload | kernel name\0 | module basename\0]. The names sit
 * after the payload at non-zero offsets (an empty payload becomes 8 zero bytes), because a zero
 * offset can leave the device's name pointers NULL on CANN's PCIe-BAR path. No locks, and no
 * allocation for blobs that fit the stack buffer: just the checks (arguments, and that the module's
 * device is the thread's current one), one probe of the module's export table, the copy and the
 * call. */
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "custom.h"
#include "device_failure.h"
#include "errors.h"
#include "exports.h"
#include "module.h"
#include "names.h"
#include "runtime.h"

#define AKL_LAUNCH_MAX_ARGS AKL_LAUNCH_ARGS_MAX
#define AKL_LAUNCH_MAX_BLOCKS 0xFFFFu
#define AKL_LAUNCH_EMPTY_PAYLOAD 8u
#define AKL_LAUNCH_STACK_BLOB 4096u
/* 0xFFFF means "never" to CANN, so a finite request is capped just below it. */
#define AKL_LAUNCH_MAX_TIMEOUT_S 0xFFFEu

static int akl_launch_check(const akl_module_t *module, const char *kernel, const void *args,
                            size_t size, uint32_t blocks, size_t *kernel_length)
{
    if (!module)
        return akl_fail(AKL_EINVAL, "akl_launch: module is NULL");
    if (!kernel || !akl_kernel_name_ok(kernel, kernel_length))
        return akl_check_kernel_name(kernel);
    if (blocks == 0 || blocks > AKL_LAUNCH_MAX_BLOCKS)
        return akl_fail(AKL_EINVAL, "launching %s of %s on device %d: %u blocks; use 1..%u", kernel,
                        module->basename, (int)module->device, blocks, AKL_LAUNCH_MAX_BLOCKS);
    if (size > AKL_LAUNCH_MAX_ARGS)
        return akl_fail(AKL_E2BIG,
                        "launching %s of %s on device %d: %zu argument bytes exceed the limit of "
                        "%u; pass large data in device memory",
                        kernel, module->basename, (int)module->device, size, AKL_LAUNCH_MAX_ARGS);
    if (!args && size > 0)
        return akl_fail(AKL_EINVAL, "launching %s of %s on device %d: args is NULL but size is %zu",
                        kernel, module->basename, (int)module->device, size);
    return 0;
}

/* libakl read the module's exports when it first loaded it: a kernel the SO does not export is
 * refused here instead of failing at the next synchronize (11003 on the device). */
static int akl_launch_no_kernel(const akl_module_t *module, const char *kernel)
{
    char hint[1024];
    akl_exports_suggest(module->exports, kernel, hint, sizeof hint);
    return akl_fail(
        AKL_ENOSYM, "launching %s of %s (%s) on device %d: the SO does not export \"%s\"%s", kernel,
        module->basename, module->source ? module->source : "?", (int)module->device, kernel, hint);
}

/* The runtime launches on the calling thread's current device, so that must be the module's: a
 * launch elsewhere would look for the module's file on a device that never published it (or, on
 * the other die of its chip, run the wrong die's copy). One thread-local read in CANN and the
 * simulator alike. */
static int akl_launch_check_device(const akl_runtime_t *rt, const akl_module_t *module,
                                   const char *kernel)
{
    char why[64];
    if (akl_runtime_device_is_current(rt, module->device, why, sizeof why))
        return 0;
    return akl_fail(AKL_EDEVICE,
                    "launching %s of %s: device %d is not set in this thread; call "
                    "akl_device_open(%d) (%s)",
                    kernel, module->basename, (int)module->device, (int)module->device, why);
}

int akl_launch(const akl_module_t *module, const char *kernel, const void *args, size_t size,
               uint32_t blocks, akl_stream_t stream, uint32_t timeout_s)
{
    size_t kernel_length = 0;
    int rc = akl_launch_check(module, kernel, args, size, blocks, &kernel_length);
    if (rc != 0)
        return rc;
    if (module->exports && !akl_exports_has(module->exports, kernel, kernel_length))
        return akl_launch_no_kernel(module, kernel);
    /* A module exists only after a successful load, which resolved the runtime. */
    const akl_runtime_t *rt = akl_runtime_ready();
    rc = akl_launch_check_device(rt, module, kernel);
    if (rc != 0)
        return rc;
    if (module->route == AKL_ROUTE_CUSTOM) {
        rc = akl_custom_launch(rt, module, kernel, kernel_length, args, size, blocks, stream,
                               timeout_s);
        if (rc == 0)
            akl_device_note_launch(module->device, kernel, kernel_length, module->basename);
        return rc;
    }
    size_t payload = size > 0 ? size : AKL_LAUNCH_EMPTY_PAYLOAD;
    size_t kernel_at = payload;
    size_t so_at = kernel_at + kernel_length + 1;
    size_t total = so_at + module->basename_length + 1;
    char stack_blob[AKL_LAUNCH_STACK_BLOB];
    char *blob = total <= sizeof stack_blob ? stack_blob : malloc(total);
    if (!blob)
        return akl_fail(AKL_ENOMEM, "launching %s of %s: cannot allocate %zu bytes for the blob",
                        kernel, module->basename, total);
    if (size > 0)
        memcpy(blob, args, size);
    else
        memset(blob, 0, AKL_LAUNCH_EMPTY_PAYLOAD);
    memcpy(blob + kernel_at, kernel, kernel_length + 1);
    memcpy(blob + so_at, module->basename, module->basename_length + 1);
    rtAicpuArgsEx_t info = {.args = blob,
                            .argsSize = (uint32_t)total,
                            .soNameAddrOffset = (uint32_t)so_at,
                            .kernelNameAddrOffset = (uint32_t)kernel_at};
    uint32_t flags = RT_KERNEL_DEFAULT;
    if (timeout_s > 0) {
        flags = RT_KERNEL_USE_SPECIAL_TIMEOUT;
        info.timeout =
            (uint16_t)(timeout_s < AKL_LAUNCH_MAX_TIMEOUT_S ? timeout_s : AKL_LAUNCH_MAX_TIMEOUT_S);
    }
    rtError_t launched =
        rt->aicpu_launch(KERNEL_TYPE_AICPU, kernel, blocks, &info, NULL, stream, flags);
    if (blob != stack_blob)
        free(blob);
    if (launched != RT_ERROR_NONE)
        return akl_fail_cann(launched, "launching %s of %s on device %d (%u blocks, %zu bytes)",
                             kernel, module->basename, (int)module->device, blocks, size);
    akl_device_note_launch(module->device, kernel, kernel_length, module->basename);
    return 0;
}
