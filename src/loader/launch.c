/* akl_launch, the per-task hot path. A custom-route module launches through custom.c; an extend
 * module ("Mode A type 2") with one rtAicpuKernelLaunchExWithArgs of type
 * KERNEL_TYPE_AICPU whose blob is [payload | kernel name\0 | module basename\0]. The names sit
 * after the payload at non-zero offsets (an empty payload becomes 8 zero bytes), because a zero
 * offset can leave the device's name pointers NULL on CANN's PCIe-BAR path. No locks, and no
 * allocation for blobs that fit the stack buffer: just the checks (arguments, and that the module's
 * device is the thread's current one), one probe of the module's export table, the copy and the
 * call. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "custom.h"
#include "device_failure.h"
#include "cann_fail.h"
#include "errors.h"
#include "exports.h"
#include "launch.h"
#include "module_types.h"
#include "names.h"
#include "runtime.h"

#define LDR_LAUNCH_MAX_ARGS AKL_LAUNCH_ARGS_MAX
#define LDR_LAUNCH_MAX_BLOCKS 0xFFFFu
#define LDR_LAUNCH_EMPTY_PAYLOAD 8u
#define LDR_LAUNCH_STACK_BLOB 4096u
/* 0xFFFF means "never" to CANN, so a finite request is capped just below it. */
#define LDR_LAUNCH_MAX_TIMEOUT_S 0xFFFEu

static int ldr_launch_check(const akl_module_t *module, const char *kernel, const void *args,
                            size_t size, uint32_t blocks)
{
    if (blocks == 0 || blocks > LDR_LAUNCH_MAX_BLOCKS)
        return ldr_fail(AKL_EINVAL, "launching %s of %s on device %d: %u blocks; use 1..%u", kernel,
                        module->basename, (int)module->device, blocks, LDR_LAUNCH_MAX_BLOCKS);
    if (size > LDR_LAUNCH_MAX_ARGS)
        return ldr_fail(AKL_E2BIG,
                        "launching %s of %s on device %d: %zu argument bytes exceed the limit of "
                        "%u; pass large data in device memory",
                        kernel, module->basename, (int)module->device, size, LDR_LAUNCH_MAX_ARGS);
    if (!args && size > 0)
        return ldr_fail(AKL_EINVAL, "launching %s of %s on device %d: args is NULL but size is %zu",
                        kernel, module->basename, (int)module->device, size);
    return 0;
}

/* libakl read the module's exports when it first loaded it: a kernel the SO does not export is
 * refused here instead of failing at the next synchronize (11003 on the device). */
static int ldr_launch_no_kernel(const akl_module_t *module, const char *kernel)
{
    char hint[1024];
    ldr_exports_suggest(module->exports, kernel, hint, sizeof hint);
    return ldr_fail(
        AKL_ENOSYM, "launching %s of %s (%s) on device %d: the SO does not export \"%s\"%s", kernel,
        module->basename, module->source ? module->source : "?", (int)module->device, kernel, hint);
}

/* The runtime launches on the calling thread's current device, so that must be the module's: a
 * launch elsewhere would look for the module's file on a device that never published it (or, on
 * the other die of its chip, run the wrong die's copy). One thread-local read in CANN and the
 * simulator alike. */
static int ldr_launch_check_device(const ldr_runtime_t *rt, const akl_module_t *module,
                                   const char *kernel)
{
    return ldr_runtime_require_device(rt, module->device, "launching %s of %s", kernel,
                                      module->basename);
}

/* The launch once the kernel is known to be a well-formed name the module exports and the
 * arguments are checked. */
static int ldr_launch_resolved(const akl_module_t *module, const char *kernel, size_t kernel_length,
                               const char *names, const void *args, size_t size, uint32_t blocks,
                               akl_stream_t stream, uint32_t timeout_s)
{
    /* A module exists only after a successful load, which resolved the runtime (asserted). */
    const ldr_runtime_t *rt = ldr_runtime_ready();
    assert(rt);
    int rc = ldr_launch_check_device(rt, module, kernel);
    if (rc != 0)
        return rc;
    if (module->route == AKL_ROUTE_CUSTOM) {
        rc = ldr_custom_launch(rt, module, kernel, kernel_length, args, size, blocks, stream,
                               timeout_s);
        if (rc == 0)
            ldr_device_note_launch(module->device, kernel, kernel_length, module->basename);
        return rc;
    }
    size_t payload = size > 0 ? size : LDR_LAUNCH_EMPTY_PAYLOAD;
    size_t kernel_at = payload;
    size_t so_at = kernel_at + kernel_length + 1;
    size_t total = so_at + module->basename_length + 1;
    char stack_blob[LDR_LAUNCH_STACK_BLOB];
    char *blob = total <= sizeof stack_blob ? stack_blob : malloc(total);
    if (!blob)
        return ldr_fail(AKL_ENOMEM, "launching %s of %s: cannot allocate %zu bytes for the blob",
                        kernel, module->basename, total);
    if (size > 0)
        memcpy(blob, args, size);
    else
        memset(blob, 0, LDR_LAUNCH_EMPTY_PAYLOAD);
    if (names) { /* a handle's "kernel\0basename\0", laid out once */
        memcpy(blob + kernel_at, names, total - kernel_at);
    } else {
        memcpy(blob + kernel_at, kernel, kernel_length + 1);
        memcpy(blob + so_at, module->basename, module->basename_length + 1);
    }
    rtAicpuArgsEx_t info = {.args = blob,
                            .argsSize = (uint32_t)total,
                            .soNameAddrOffset = (uint32_t)so_at,
                            .kernelNameAddrOffset = (uint32_t)kernel_at};
    uint32_t flags = RT_KERNEL_DEFAULT;
    if (timeout_s > 0) {
        flags = RT_KERNEL_USE_SPECIAL_TIMEOUT;
        info.timeout =
            (uint16_t)(timeout_s < LDR_LAUNCH_MAX_TIMEOUT_S ? timeout_s : LDR_LAUNCH_MAX_TIMEOUT_S);
    }
    rtError_t launched =
        rt->aicpu_launch(KERNEL_TYPE_AICPU, kernel, blocks, &info, NULL, stream, flags);
    if (blob != stack_blob)
        free(blob);
    if (launched != RT_ERROR_NONE)
        return ldr_fail_cann(launched, "launching %s of %s on device %d (%u blocks, %zu bytes)",
                             kernel, module->basename, (int)module->device, blocks, size);
    ldr_device_note_launch(module->device, kernel, kernel_length, module->basename);
    return 0;
}

/* The name checks akl_launch makes on every launch and akl_module_get_kernel once (the export
 * lookup after the argument checks, so a bad argument is reported as such whatever the name). */
static int ldr_launch_check_name(const akl_module_t *module, const char *kernel, size_t *length)
{
    if (!module)
        return ldr_fail(AKL_EINVAL, "akl_launch: module is NULL");
    if (!kernel || !ldr_kernel_name_ok(kernel, length))
        return ldr_check_kernel_name(kernel);
    return 0;
}

static int ldr_launch_check_export(const akl_module_t *module, const char *kernel, size_t length)
{
    if (module->exports && !ldr_exports_has(module->exports, kernel, length))
        return ldr_launch_no_kernel(module, kernel);
    return 0;
}

int akl_launch(const akl_module_t *module, const char *kernel, const void *args, size_t size,
               uint32_t blocks, akl_stream_t stream, uint32_t timeout_s)
{
    size_t kernel_length = 0;
    int rc = ldr_launch_check_name(module, kernel, &kernel_length);
    if (rc == 0)
        rc = ldr_launch_check(module, kernel, args, size, blocks);
    if (rc == 0)
        rc = ldr_launch_check_export(module, kernel, kernel_length);
    if (rc != 0)
        return rc;
    return ldr_launch_resolved(module, kernel, kernel_length, NULL, args, size, blocks, stream,
                               timeout_s);
}

int akl_launch_kernel(const akl_kernel_t *kernel, const void *args, size_t size, uint32_t blocks,
                      akl_stream_t stream, uint32_t timeout_s)
{
    if (!kernel)
        return ldr_fail(AKL_EINVAL, "akl_launch_kernel: kernel is NULL");
    int rc = ldr_launch_check(kernel->module, kernel->name, args, size, blocks);
    if (rc != 0)
        return rc;
    return ldr_launch_resolved(kernel->module, kernel->name, kernel->name_length, kernel->name,
                               args, size, blocks, stream, timeout_s);
}

static const akl_kernel_t *ldr_kernel_find(const akl_module_t *module, const char *name,
                                           size_t length)
{
    for (const akl_kernel_t *k = atomic_load(&((akl_module_t *)module)->kernels); k; k = k->next)
        if (k->name_length == length && memcmp(k->name, name, length) == 0)
            return k;
    return NULL;
}

/* The module's list only grows (a lock-free push) until the module is unloaded, which frees it. */
int akl_module_get_kernel(const akl_module_t *module, const char *kernel, const akl_kernel_t **out)
{
    if (!out)
        return ldr_fail(AKL_EINVAL, "akl_module_get_kernel: out is NULL");
    *out = NULL;
    size_t length = 0;
    int rc = ldr_launch_check_name(module, kernel, &length);
    if (rc == 0)
        rc = ldr_launch_check_export(module, kernel, length);
    if (rc != 0)
        return rc;
    const akl_kernel_t *found = ldr_kernel_find(module, kernel, length);
    if (found) {
        *out = found;
        return 0;
    }
    akl_kernel_t *k = malloc(sizeof *k + length + 1 + module->basename_length + 1);
    if (!k)
        return ldr_fail(AKL_ENOMEM, "akl_module_get_kernel: cannot allocate a handle for %s",
                        kernel);
    k->module = module;
    k->name_length = length;
    memcpy(k->name, kernel, length + 1);
    memcpy(k->name + length + 1, module->basename, module->basename_length + 1);
    akl_module_t *owner = (akl_module_t *)module;
    akl_kernel_t *head = atomic_load(&owner->kernels);
    do {
        k->next = head;
        /* Another thread may have added this name meanwhile: take its handle. */
        for (const akl_kernel_t *other = head; other; other = other->next)
            if (other->name_length == length && memcmp(other->name, kernel, length) == 0) {
                free(k);
                *out = other;
                return 0;
            }
    } while (!atomic_compare_exchange_weak(&owner->kernels, &head, k));
    *out = k;
    return 0;
}

void ldr_module_free_kernels(akl_module_t *module)
{
    akl_kernel_t *k = atomic_exchange(&module->kernels, NULL);
    while (k) {
        akl_kernel_t *next = k->next;
        free(k);
        k = next;
    }
}
