/* akl_launch and akl_launch_kernel, the per-task hot path. A custom-route module launches through
 * custom.c; an extend module ("Mode A type 2") with one rtAicpuKernelLaunchExWithArgs of type
 * KERNEL_TYPE_AICPU whose blob is [payload | kernel name\0 | module basename\0]. The names sit
 * after the payload at non-zero offsets (an empty payload becomes 8 zero bytes), because a zero
 * offset can leave the device's name pointers NULL on CANN's PCIe-BAR path.
 *
 * Everything that does not change between launches of one kernel is prepared once in its handle
 * (akl_kernel_t): the checked name, the names as the blob carries them, the runtime, the device and
 * the interned identity the first-failure note records. akl_launch keeps the handle it resolved
 * last per module, so launching one name again costs one compare of its bytes. A launch is then the
 * argument checks, the device check (on a stream libakl made and this thread already launched on
 * for that device, a few loads: streams.h; otherwise one runtime query, since the thread's current
 * device can change behind libakl's back, by aclrtSetDevice), the copy of payload and names, the
 * runtime call and one thread-local store. No locks, and no allocation for blobs that fit the stack
 * buffer. */
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
#include "streams.h"

#define LDR_LAUNCH_MAX_ARGS AKL_LAUNCH_ARGS_MAX
#define LDR_LAUNCH_MAX_BLOCKS 0xFFFFu
#define LDR_LAUNCH_EMPTY_PAYLOAD 8u
/* Blobs up to this size are built on the stack of the hot path; larger ones (up to the old 4 KB
 * stack buffer, then the heap) in a separate function, so the hot path's frame stays small. */
#define LDR_LAUNCH_FAST_BLOB 512u
/* A handle's names are copied in chunks of this many bytes, and at least LDR_LAUNCH_NAMES_FIXED
 * bytes in one fixed-size copy (a kernel name of up to 31 bytes with akl's usual basename): its
 * allocation is padded to that, and the blob keeps room for the overrun. */
#define LDR_LAUNCH_CHUNK 16u
#define LDR_LAUNCH_NAMES_FIXED 64u
#define LDR_LAUNCH_STACK_BLOB 4096u
/* 0xFFFF means "never" to CANN, so a finite request is capped just below it. */
#define LDR_LAUNCH_MAX_TIMEOUT_S 0xFFFEu

#define LDR_LIKELY(x) __builtin_expect(!!(x), 1)
#define LDR_UNLIKELY(x) __builtin_expect(!!(x), 0)

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
 * the other die of its chip, run the wrong die's copy). The slow half of the check: the message. */
static __attribute__((noinline, cold)) int
ldr_launch_check_device(const ldr_runtime_t *rt, const akl_module_t *module, const char *kernel)
{
    return ldr_runtime_require_device(rt, module->device, "launching %s of %s", kernel,
                                      module->basename);
}

/* A launch on a stream this thread has not proven for the module's device (streams.h). A stream
 * libakl made is proven by the device it was made on: the runtime runs a launch on it there or
 * refuses it (107003), so no query is needed. Any other stream, and the default one, is checked
 * by asking the runtime for the thread's current device. */
static __attribute__((noinline)) int ldr_launch_prove_device(const akl_kernel_t *k,
                                                             akl_stream_t stream)
{
    int32_t device = -1;
    if (ldr_stream_prove(stream, &device)) {
        if (LDR_LIKELY(device == k->device))
            return 0;
        return ldr_fail(AKL_EDEVICE,
                        "launching %s of %s: stream %p belongs to device %d, the module to device "
                        "%d; launch it on a stream of device %d",
                        k->name, k->module->basename, stream, (int)device, (int)k->device,
                        (int)k->device);
    }
    if (LDR_LIKELY(k->rt->get_device(&device) == ACL_SUCCESS && device == k->device))
        return 0;
    return ldr_launch_check_device(k->rt, k->module, k->name);
}

/* The runtime refused the stream as not in the current context (107003): on a proven stream of the
 * module's device that means the thread's current device changed, which is what to say (row 36),
 * for either route. */
static __attribute__((noinline, cold)) int ldr_launch_stream_refused(const akl_kernel_t *k, int rc)
{
    return ldr_launch_check_device(k->rt, k->module, k->name) != 0 ? AKL_EDEVICE : rc;
}

static __attribute__((noinline, cold)) int
ldr_launch_failed(rtError_t launched, const akl_kernel_t *k, uint32_t blocks, size_t size)
{
    return ldr_fail_cann(launched, "launching %s of %s on device %d (%u blocks, %zu bytes)",
                         k->name, k->module->basename, (int)k->device, blocks, size);
}

/* Copies a small payload without a call into libc (one launch's argument block is usually a few
 * pointers); larger ones by memcpy. */
static inline __attribute__((always_inline)) void ldr_copy_payload(char *dst, const void *args,
                                                                   size_t size)
{
    const char *src = args;
    if (size >= 8 && size <= 16) { /* two 8-byte moves, overlapping when size < 16 */
        __builtin_memcpy(dst, src, 8);
        __builtin_memcpy(dst + size - 8, src + size - 8, 8);
    } else if (size == 0) {
        __builtin_memset(dst, 0, LDR_LAUNCH_EMPTY_PAYLOAD);
    } else {
        memcpy(dst, src, size);
    }
}

/* The bytes a handle keeps after its names (zero), which ldr_copy_names reads: up to
 * LDR_LAUNCH_NAMES_FIXED, else up to a whole chunk. */
static inline size_t ldr_kernel_padding(size_t names_size)
{
    if (names_size <= LDR_LAUNCH_NAMES_FIXED)
        return LDR_LAUNCH_NAMES_FIXED - names_size;
    return (LDR_LAUNCH_CHUNK - names_size % LDR_LAUNCH_CHUNK) % LDR_LAUNCH_CHUNK;
}

/* Copies a handle's names and their padding (ldr_kernel_padding): handle and blob have room. */
static inline __attribute__((always_inline)) void ldr_copy_names(char *dst, const akl_kernel_t *k)
{
    if (LDR_LIKELY(k->names_size <= LDR_LAUNCH_NAMES_FIXED)) {
        __builtin_memcpy(dst, k->name, LDR_LAUNCH_NAMES_FIXED);
        return;
    }
    for (size_t at = 0; at < k->names_size; at += LDR_LAUNCH_CHUNK)
        __builtin_memcpy(dst + at, k->name + at, LDR_LAUNCH_CHUNK);
}

/* Lays out [payload | names] in blob (room for them checked, and for the names' last chunk) and
 * calls the runtime. */
static inline __attribute__((always_inline)) int
ldr_launch_extend_in(char *blob, const akl_kernel_t *k, const void *args, size_t size,
                     uint32_t blocks, akl_stream_t stream, uint32_t timeout_s)
{
    size_t kernel_at = size > 0 ? size : LDR_LAUNCH_EMPTY_PAYLOAD;
    ldr_copy_payload(blob, args, size);
    ldr_copy_names(blob + kernel_at, k);
    rtAicpuArgsEx_t info = {.args = blob,
                            .argsSize = (uint32_t)(kernel_at + k->names_size),
                            .soNameAddrOffset = (uint32_t)(kernel_at + k->name_length + 1),
                            .kernelNameAddrOffset = (uint32_t)kernel_at};
    uint32_t flags = RT_KERNEL_DEFAULT;
    if (timeout_s > 0) {
        flags = RT_KERNEL_USE_SPECIAL_TIMEOUT;
        info.timeout =
            (uint16_t)(timeout_s < LDR_LAUNCH_MAX_TIMEOUT_S ? timeout_s : LDR_LAUNCH_MAX_TIMEOUT_S);
    }
    rtError_t launched =
        k->rt->aicpu_launch(KERNEL_TYPE_AICPU, k->name, blocks, &info, NULL, stream, flags);
    return LDR_UNLIKELY(launched != RT_ERROR_NONE) ? ldr_launch_failed(launched, k, blocks, size)
                                                   : 0;
}

/* A blob larger than LDR_LAUNCH_FAST_BLOB: on a bigger stack buffer, or on the heap. */
static __attribute__((noinline)) int ldr_launch_extend_big(const akl_kernel_t *k, const void *args,
                                                           size_t size, uint32_t blocks,
                                                           akl_stream_t stream, uint32_t timeout_s)
{
    size_t total = (size > 0 ? size : LDR_LAUNCH_EMPTY_PAYLOAD) + k->names_size +
                   ldr_kernel_padding(k->names_size);
    char stack_blob[LDR_LAUNCH_STACK_BLOB];
    char *blob = total <= sizeof stack_blob ? stack_blob : malloc(total);
    if (!blob)
        return ldr_fail(AKL_ENOMEM, "launching %s of %s: cannot allocate %zu bytes for the blob",
                        k->name, k->module->basename, total);
    int rc = ldr_launch_extend_in(blob, k, args, size, blocks, stream, timeout_s);
    if (blob != stack_blob)
        free(blob);
    return rc;
}

static inline __attribute__((always_inline)) int
ldr_launch_extend(const akl_kernel_t *k, const void *args, size_t size, uint32_t blocks,
                  akl_stream_t stream, uint32_t timeout_s)
{
    if (LDR_UNLIKELY(size + k->names_size >
                     LDR_LAUNCH_FAST_BLOB - LDR_LAUNCH_EMPTY_PAYLOAD - LDR_LAUNCH_NAMES_FIXED))
        return ldr_launch_extend_big(k, args, size, blocks, stream, timeout_s);
    char blob[LDR_LAUNCH_FAST_BLOB];
    return ldr_launch_extend_in(blob, k, args, size, blocks, stream, timeout_s);
}

/* The launch of a resolved kernel: the argument checks (their messages in ldr_launch_check), the
 * current-device check, the launch by the module's route, and the first-failure note. */
static inline __attribute__((always_inline)) int
ldr_launch_handle(const akl_kernel_t *k, const void *args, size_t size, uint32_t blocks,
                  akl_stream_t stream, uint32_t timeout_s)
{
    if (LDR_UNLIKELY(blocks - 1u >= LDR_LAUNCH_MAX_BLOCKS || size > LDR_LAUNCH_MAX_ARGS ||
                     (!args && size > 0)))
        return ldr_launch_check(k->module, k->name, args, size, blocks);
    if (!ldr_stream_proven(stream, k->device)) {
        int rc = ldr_launch_prove_device(k, stream);
        if (rc != 0)
            return rc;
    }
    /* The handle's function slot is written once, by whichever launch registers it first. */
    _Atomic(rtFuncHandle) *func = (_Atomic(rtFuncHandle) *)&k->custom_func;
    int rc = LDR_UNLIKELY(k->custom) ? ldr_custom_launch(k->rt, k->module, k->name, func, args,
                                                         size, blocks, stream, timeout_s)
                                     : ldr_launch_extend(k, args, size, blocks, stream, timeout_s);
    if (LDR_UNLIKELY(rc != 0))
        return rc == ACL_ERROR_RT_STREAM_CONTEXT ? ldr_launch_stream_refused(k, rc) : rc;
    if (LDR_LIKELY(k->identity))
        ldr_device_note_launch_identity(k->identity);
    else
        ldr_device_note_launch(k->device, k->name, k->name_length, k->module->basename);
    return 0;
}

/* The name checks akl_launch makes on a miss of its cache and akl_module_get_kernel once (the
 * export lookup after the argument checks, so a bad argument is reported as such whatever the
 * name). */
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

/* Fills a handle for the checked kernel of module (k has room for the names). */
static void ldr_kernel_fill(akl_kernel_t *k, const akl_module_t *module, const char *kernel,
                            size_t length)
{
    k->next = NULL;
    k->module = module;
    k->rt = ldr_runtime_ready(); /* a module exists only after a load resolved it */
    assert(k->rt);
    k->identity = NULL;
    k->device = module->device;
    k->custom = module->route == AKL_ROUTE_CUSTOM;
    atomic_init(&k->custom_func, NULL);
    k->name_length = length;
    k->names_size = length + 1 + module->basename_length + 1;
    memcpy(k->name, kernel, length);
    k->name[length] = 0;
    memcpy(k->name + length + 1, module->basename, module->basename_length + 1);
    memset(k->name + k->names_size, 0, ldr_kernel_padding(k->names_size));
}

static const akl_kernel_t *ldr_kernel_find(const akl_module_t *module, const char *name,
                                           size_t length)
{
    for (const akl_kernel_t *k = atomic_load(&((akl_module_t *)module)->kernels); k; k = k->next)
        if (k->name_length == length && memcmp(k->name, name, length) == 0)
            return k;
    return NULL;
}

/* The module's handle for a checked, exported kernel name, made on its first use. The module's
 * list only grows (a lock-free push) until the module is unloaded, which frees it. */
static int ldr_kernel_resolve(const akl_module_t *module, const char *kernel, size_t length,
                              const akl_kernel_t **out)
{
    const akl_kernel_t *found = ldr_kernel_find(module, kernel, length);
    if (found) {
        *out = found;
        return 0;
    }
    size_t names_size = length + 1 + module->basename_length + 1;
    akl_kernel_t *k = malloc(sizeof *k + names_size + ldr_kernel_padding(names_size));
    if (!k)
        return ldr_fail(AKL_ENOMEM, "resolving kernel %s of %s: cannot allocate its handle", kernel,
                        module->basename);
    ldr_kernel_fill(k, module, kernel, length);
    /* NULL when out of memory: the launches then copy the names for the note instead. */
    k->identity = ldr_launch_identity_intern(module->device, kernel, length, module->basename);
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

/* A handle on the stack for a module whose exports are unknown: no handle is kept for names that
 * were never checked against an export table (any well-formed name is launched), so such launches
 * cannot grow the module without bound. */
typedef union ldr_kernel_scratch {
    akl_kernel_t kernel;
    char bytes[sizeof(akl_kernel_t) + AKL_KERNEL_NAME_MAX + 1 + AKL_SO_NAME_MAX + 1 +
               LDR_LAUNCH_NAMES_FIXED];
} ldr_kernel_scratch_t;

/* akl_launch when the module's last resolved kernel is not this name: the full checks, then the
 * kernel's handle, remembered as the module's last. */
static __attribute__((noinline)) int ldr_launch_by_name(const akl_module_t *module,
                                                        const char *kernel, const void *args,
                                                        size_t size, uint32_t blocks,
                                                        akl_stream_t stream, uint32_t timeout_s)
{
    size_t length = 0;
    int rc = ldr_launch_check_name(module, kernel, &length);
    if (rc == 0)
        rc = ldr_launch_check(module, kernel, args, size, blocks);
    if (rc == 0)
        rc = ldr_launch_check_export(module, kernel, length);
    if (rc != 0)
        return rc;
    if (!module->exports) {
        ldr_kernel_scratch_t scratch;
        ldr_kernel_fill(&scratch.kernel, module, kernel, length);
        return ldr_launch_handle(&scratch.kernel, args, size, blocks, stream, timeout_s);
    }
    const akl_kernel_t *k;
    rc = ldr_kernel_resolve(module, kernel, length, &k);
    if (rc != 0)
        return rc;
    atomic_store_explicit(&((akl_module_t *)module)->last_kernel, k, memory_order_release);
    return ldr_launch_handle(k, args, size, blocks, stream, timeout_s);
}

/* Whether kernel is k's name: compares at most its length + 1 bytes (the terminator included),
 * stopping at the first difference, so a shorter string is never read past its end. */
static inline bool ldr_kernel_is(const akl_kernel_t *k, const char *kernel)
{
    return strncmp(kernel, k->name, k->name_length + 1) == 0;
}

int akl_launch(const akl_module_t *module, const char *kernel, const void *args, size_t size,
               uint32_t blocks, akl_stream_t stream, uint32_t timeout_s)
{
    if (LDR_LIKELY(module && kernel)) {
        const akl_kernel_t *k =
            atomic_load_explicit(&((akl_module_t *)module)->last_kernel, memory_order_acquire);
        if (LDR_LIKELY(k && ldr_kernel_is(k, kernel)))
            return ldr_launch_handle(k, args, size, blocks, stream, timeout_s);
    }
    return ldr_launch_by_name(module, kernel, args, size, blocks, stream, timeout_s);
}

int akl_launch_kernel(const akl_kernel_t *kernel, const void *args, size_t size, uint32_t blocks,
                      akl_stream_t stream, uint32_t timeout_s)
{
    if (LDR_UNLIKELY(!kernel))
        return ldr_fail(AKL_EINVAL, "akl_launch_kernel: kernel is NULL");
    return ldr_launch_handle(kernel, args, size, blocks, stream, timeout_s);
}

int akl_module_get_kernel(const akl_module_t *module, const char *kernel, const akl_kernel_t **out)
{
    if (!out)
        return ldr_fail(AKL_EINVAL, "akl_module_get_kernel: out is NULL");
    *out = NULL;
    size_t length = 0;
    int rc = ldr_launch_check_name(module, kernel, &length);
    if (rc == 0)
        rc = ldr_launch_check_export(module, kernel, length);
    if (rc == 0)
        rc = ldr_kernel_resolve(module, kernel, length, out);
    return rc;
}

void ldr_module_free_kernels(akl_module_t *module)
{
    atomic_store(&module->last_kernel, NULL);
    akl_kernel_t *k = atomic_exchange(&module->kernels, NULL);
    while (k) {
        akl_kernel_t *next = k->next;
        free(k);
        k = next;
    }
}
