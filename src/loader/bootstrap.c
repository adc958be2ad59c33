/* The extend route's bootstrap of one runtime SO on one device (docs/architecture.md, "Data flow of
 * a load"; bootstrap_abi.h, docs/protocol.md), protocol version 2.
 *
 * One device allocation holds [ack record (512 bytes) | DeviceArgs (512) | dispatcher |
 * runtime SO (64-aligned)]. The launch blob [akl_device_kernel_args | kernel name | SO name] goes
 * with one KERNEL_TYPE_AICPU_KFC launch of libaicpu_extend_kernels.so's DynTileFwkKernelServerInit;
 * its cfgdata (offset 40) is the absolute device address of the DeviceArgs in that allocation, the
 * form proven on hardware (no hostInputInfo fix-up). After the synchronize the host reads the ack
 * back and frees the allocation, so a loaded module holds no device memory.
 *
 * The failures that let AKL_ROUTE=auto fall back to the custom route are diagnosed here:
 * AKL_ENOEXTEND (the device has no extend kernel), AKL_ENOPREINSTALL (no usable preinstall
 * directory), AKL_EBOOTSKIPPED (the latch).
 *
 * Deliberate leak: when the synchronize times out the task may still be running and reading the
 * allocation, so it is not freed (nothing is cancelled by a sync timeout); the message says so. It
 * is reclaimed when the device is reset or the process exits. */
#include "bootstrap.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bootstrap_abi.h"
#include "clock.h"
#include "dispatcher_blob.h"
#include "device_failure.h"
#include "cann_fail.h"
#include "errors.h"
#include "log.h"
#include "runtime.h"

#define LDR_BOOT_KERNEL "DynTileFwkKernelServerInit"
#define LDR_BOOT_SO "libaicpu_extend_kernels.so"
/* The name a probe's temporary file is made for (never published). */
#define LDR_BOOT_PROBE_NAME "akl_probe"
/* The device error code of CANN's KFC lookup when it cannot find the kernel (AE_STATUS_INNER_ERROR,
 * ae_kernel_lib_aicpu_kfc.cpp), as the runtime's recent-error text shows it. */
#define LDR_BOOT_KFC_NOT_FOUND "11006"

/* The launch's argument blob; its layout is part of the protocol (docs/protocol.md). */
typedef struct ldr_boot_blob {
    akl_device_kernel_args_t kernel_args;
    char kernel_name[sizeof LDR_BOOT_KERNEL];
    char so_name[sizeof LDR_BOOT_SO];
} ldr_boot_blob_t;

_Static_assert(offsetof(ldr_boot_blob_t, kernel_name) == 48, "kernel name at 48");
_Static_assert(offsetof(ldr_boot_blob_t, so_name) == 48 + 27, "SO name at 75");
#define LDR_BOOT_BLOB_SIZE (offsetof(ldr_boot_blob_t, so_name) + sizeof LDR_BOOT_SO)
_Static_assert(LDR_BOOT_BLOB_SIZE == 102, "blob of 102 bytes");

/* The runtime SO starts on a page of its own in the allocation, as the host's bytes do (a mapped
 * file, or a large heap block one header past a page): with 64-byte alignment its offset followed
 * the dispatcher's size, and a copy whose destination sat 64 to 320 bytes past its source in the
 * page (4 KB aliasing of the copy's loads and stores) took 2.5 ms longer for 16 MB here, when the
 * dispatcher grew by 256 bytes. */
#define LDR_BOOT_SO_ALIGN 4096u
_Static_assert(LDR_BOOT_SO_ALIGN % AKL_BOOT_ALIGN == 0, "still the protocol's alignment");

typedef struct ldr_boot_layout {
    size_t dispatcher_offset;
    size_t runtime_offset;
    size_t total;
} ldr_boot_layout_t;

/* One bootstrap in progress. */
typedef struct ldr_boot {
    const ldr_boot_request_t *req;
    const ldr_runtime_t *rt;
    ldr_dispatcher_bytes_t dispatcher;
    ldr_boot_layout_t layout;
    void *base; /* the device allocation */
    int sync_rc;
    int ack_read_rc; /* the device-to-host copy of the ack: 0 when the ack was read */
    akl_bootstrap_ack_t ack;
    char recent[512]; /* the runtime's recent error text after a failed synchronize */
} ldr_boot_t;

static size_t ldr_align_up(size_t value, size_t align)
{
    return (value + align - 1) & ~(align - 1);
}

static int ldr_boot_plan(ldr_boot_t *b)
{
    size_t dispatcher_end = AKL_BOOT_DISPATCHER_OFFSET + b->dispatcher.size;
    b->layout.dispatcher_offset = AKL_BOOT_DISPATCHER_OFFSET;
    b->layout.runtime_offset = ldr_align_up(dispatcher_end, LDR_BOOT_SO_ALIGN);
    if (b->layout.runtime_offset < dispatcher_end ||
        __builtin_add_overflow(b->layout.runtime_offset, b->req->size, &b->layout.total))
        return ldr_fail(AKL_E2BIG, "loading %s: %zu bytes do not fit one device allocation",
                        b->req->what, b->req->size);
    return 0;
}

static int ldr_boot_copy(ldr_boot_t *b, size_t offset, const void *src, size_t size,
                         const char *part)
{
    void *dst = (char *)b->base + offset;
    aclError rc =
        b->rt->memcpy(dst, b->layout.total - offset, src, size, ACL_MEMCPY_HOST_TO_DEVICE);
    if (rc != ACL_SUCCESS)
        return ldr_fail_load_cann(rc, b->req->what, b->req->device,
                                  ": copying the %s (%zu bytes) to the device failed", part, size);
    return 0;
}

static void ldr_boot_fill_args(const ldr_boot_t *b, akl_device_args_t *args)
{
    uint64_t base = (uint64_t)(uintptr_t)b->base;
    args->aicpu_so_bin = base + b->layout.dispatcher_offset;
    args->aicpu_so_len = b->dispatcher.size;
    args->device_id = (uint64_t)b->req->device;
    if (b->req->size > 0) {
        args->inner_so_bin = base + b->layout.runtime_offset;
        args->inner_so_len = b->req->size;
    }
    args->magic = AKL_BOOT_MAGIC;
    args->version = AKL_BOOT_VERSION;
    args->flags = b->req->probe ? AKL_BOOT_FLAG_PROBE : 0;
    args->expected_fingerprint = b->req->fingerprint;
    args->ack_addr = base + AKL_BOOT_ACK_OFFSET;
    snprintf(args->target_name, sizeof args->target_name, "%s",
             b->req->probe ? LDR_BOOT_PROBE_NAME : b->req->basename);
}

static int ldr_boot_upload(ldr_boot_t *b)
{
    aclError rc = b->rt->malloc(&b->base, b->layout.total, ACL_MEM_MALLOC_HUGE_FIRST);
    if (rc != ACL_SUCCESS) {
        b->base = NULL;
        return ldr_fail_load_cann(
            rc, b->req->what, b->req->device,
            ": allocating %zu bytes of device memory for the bootstrap failed", b->layout.total);
    }
    /* The zeroed record and the DeviceArgs in one copy: [ack 512 | DeviceArgs 512]. */
    union {
        unsigned char bytes[AKL_BOOT_DISPATCHER_OFFSET];
        struct {
            unsigned char ack[AKL_BOOT_ARGS_OFFSET];
            akl_device_args_t args;
        } parts;
    } head;
    memset(&head, 0, sizeof head);
    ldr_boot_fill_args(b, &head.parts.args);
    int err = ldr_boot_copy(b, AKL_BOOT_ACK_OFFSET, head.bytes, sizeof head.bytes,
                            "zeroed acknowledgement record and the DeviceArgs");
    if (err == 0)
        err = ldr_boot_copy(b, b->layout.dispatcher_offset, b->dispatcher.data, b->dispatcher.size,
                            "dispatcher");
    if (err == 0 && b->req->size > 0)
        err = ldr_boot_copy(b, b->layout.runtime_offset, b->req->data, b->req->size, "runtime SO");
    return err;
}

static int ldr_boot_launch(ldr_boot_t *b)
{
    ldr_boot_blob_t blob;
    memset(&blob, 0, sizeof blob);
    blob.kernel_args.cfgdata = (uint64_t)(uintptr_t)b->base + AKL_BOOT_ARGS_OFFSET;
    memcpy(blob.kernel_name, LDR_BOOT_KERNEL, sizeof LDR_BOOT_KERNEL);
    memcpy(blob.so_name, LDR_BOOT_SO, sizeof LDR_BOOT_SO);
    rtAicpuArgsEx_t info = {
        .args = &blob,
        .argsSize = (uint32_t)LDR_BOOT_BLOB_SIZE,
        .soNameAddrOffset = (uint32_t)offsetof(ldr_boot_blob_t, so_name),
        .kernelNameAddrOffset = (uint32_t)offsetof(ldr_boot_blob_t, kernel_name),
    };
    rtError_t rc = b->rt->aicpu_launch(KERNEL_TYPE_AICPU_KFC, LDR_BOOT_KERNEL, 1, &info, NULL,
                                       b->req->stream, 0);
    if (rc == ACL_ERROR_RT_FEATURE_NOT_SUPPORT)
        return ldr_fail_load_cause(
            AKL_ENOEXTEND, rc, ldr_runtime_recent_message(), b->req->what, b->req->device,
            " by the extend route: the device takes no KFC launches, so its %s cannot run",
            LDR_BOOT_SO);
    if (rc != RT_ERROR_NONE)
        return ldr_fail_load_cann(rc, b->req->what, b->req->device,
                                  ": the bootstrap launch (KFC %s/%s) failed", LDR_BOOT_SO,
                                  LDR_BOOT_KERNEL);
    return 0;
}

static void ldr_boot_wait_and_read(ldr_boot_t *b)
{
    if (b->req->timeout_ms < 0)
        b->sync_rc = b->rt->synchronize_stream(b->req->stream);
    else
        b->sync_rc = b->rt->synchronize_stream_with_timeout(b->req->stream, b->req->timeout_ms);
    if (b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return;
    /* Read once: the runtime may clear its text when asked, and the diagnosis needs it. */
    const char *recent = b->sync_rc != ACL_SUCCESS ? ldr_runtime_recent_message() : NULL;
    snprintf(b->recent, sizeof b->recent, "%s", recent ? recent : "");
    b->ack_read_rc = b->rt->memcpy(&b->ack, sizeof b->ack, (char *)b->base + AKL_BOOT_ACK_OFFSET,
                                   sizeof b->ack, ACL_MEMCPY_DEVICE_TO_HOST);
}

static int ldr_boot_sync_timed_out(const ldr_boot_t *b)
{
    return ldr_fail_load_cann(
        b->sync_rc, b->req->what, b->req->device,
        ": the bootstrap did not finish within %" PRId32
        " ms; its %zu bytes of device memory at %p are deliberately not freed because the task may "
        "still read them (reset the device to reclaim them)",
        b->req->timeout_ms, b->layout.total, b->base);
}

/* Which devices have had a bootstrap acknowledged by akl's dispatcher in this process: global
 * state, because a skipped bootstrap can only be explained by what happened before it on the same
 * device. Never cleared: a reset that was not the device's last reference (aclrtResetDevice is
 * reference-counted) leaves the device's process, and its latch, alive. Devices beyond the map
 * count as never acknowledged. */
#define LDR_BOOT_DEVICES_TRACKED 1024
static _Atomic uint64_t ldr_boot_acked[LDR_BOOT_DEVICES_TRACKED / 64];

static void ldr_boot_note_acked(int32_t device)
{
    if (device >= 0 && device < LDR_BOOT_DEVICES_TRACKED)
        atomic_fetch_or(&ldr_boot_acked[device / 64], UINT64_C(1) << (device % 64));
}

static bool ldr_boot_was_acked(int32_t device)
{
    return device >= 0 && device < LDR_BOOT_DEVICES_TRACKED &&
           (atomic_load(&ldr_boot_acked[device / 64]) & (UINT64_C(1) << (device % 64)));
}

/* No acknowledgement after a clean synchronize: the dispatcher that ran (if any) is not akl's, or
 * none ran. What was latched decides what helps, so the message says which case this is. */
static int ldr_boot_skipped(const ldr_boot_t *b)
{
    const ldr_boot_request_t *req = b->req;
    if (ldr_boot_was_acked(req->device))
        return ldr_fail_load(
            AKL_EBOOTSKIPPED, req->what, req->device,
            ": the device's loader (%s) skipped the upload: akl's dispatcher answered an earlier "
            "bootstrap on this device in this process, and the loader's one-upload latch keeps "
            "later uploads from running, so the dispatcher never ran and %s was not published. "
            "Reset the device (akl_device_close + akl_device_open, by the device's last user) or "
            "restart the process, or use one runtime SO per process with that loader",
            LDR_BOOT_SO, req->basename);
    if (strcmp(b->dispatcher.origin, "embedded") != 0)
        return ldr_fail_load(
            AKL_EBOOTSKIPPED, req->what, req->device,
            ": no dispatcher acknowledged the bootstrap, and it was libakl's first on this device "
            "in this process: the dispatcher uploaded from $AKL_DISPATCHER=%s is not akl's "
            "dispatcher of protocol version %u (or another user of %s in this process latched its "
            "own first), so %s was not published. Unset AKL_DISPATCHER to use the dispatcher built "
            "into libakl, or point it at the akl_dispatcher.so built with this libakl, then reset "
            "the device (akl_device_close + akl_device_open) or restart the process",
            b->dispatcher.origin, AKL_BOOT_VERSION, LDR_BOOT_SO, req->basename);
    return ldr_fail_load(
        AKL_EBOOTSKIPPED, req->what, req->device,
        ": no dispatcher acknowledged the bootstrap, and it was libakl's first on this device in "
        "this process (with its built-in dispatcher): the device's loader (%s) already holds a "
        "dispatcher that is not akl's, latched in this device process by another user of "
        "DynTileFwkKernelServerInit in this process (or by an earlier load with $AKL_DISPATCHER "
        "set), so %s was not published. Resetting the device does not help while that other user "
        "is in the process: load akl's runtime SOs from a process that does not otherwise use %s",
        LDR_BOOT_SO, req->basename, LDR_BOOT_SO);
}

static const char *ldr_stage_name(uint32_t stage)
{
    static const char *const names[] = {
        [AKL_STAGE_NONE] = "none",
        [AKL_STAGE_ARGS] = "arguments",
        [AKL_STAGE_NAME] = "name",
        [AKL_STAGE_FINGERPRINT] = "fingerprint",
        [AKL_STAGE_DIR] = "directory",
        [AKL_STAGE_COMPARE] = "compare",
        [AKL_STAGE_CREATE] = "create",
        [AKL_STAGE_WRITE] = "write",
        [AKL_STAGE_FSYNC] = "fsync",
        [AKL_STAGE_RENAME] = "rename",
        [AKL_STAGE_DIRSYNC] = "directory fsync",
    };
    return stage < sizeof names / sizeof names[0] ? names[stage] : "unknown";
}

/* No usable preinstall directory: it is absent (or not a directory), or the scheduler's user may
 * not open it or create a file in it. A full filesystem, an I/O error or a failure at a later
 * step is a real error, not this. */
static bool ldr_boot_preinstall_unusable(const akl_bootstrap_ack_t *ack)
{
    int err = ack->err;
    bool denied = err == EACCES || err == EPERM || err == EROFS;
    if (ack->stage == AKL_STAGE_DIR)
        return err == ENOENT || err == ENOTDIR || denied;
    return ack->stage == AKL_STAGE_CREATE && denied;
}

static int ldr_boot_failed_on_device(const ldr_boot_t *b)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    int code = ack->stage == AKL_STAGE_FINGERPRINT ? AKL_EFINGERPRINT
               : ldr_boot_preinstall_unusable(ack) ? AKL_ENOPREINSTALL
                                                   : AKL_EBOOTFAILED;
    return ldr_fail_load(
        code, b->req->what, b->req->device,
        ": the dispatcher failed at stage %s %s %s: %s (errno %d) at \"%.*s\": %.*s%s",
        ldr_stage_name(ack->stage),
        b->req->probe ? "probing the preinstall directory for" : "publishing",
        b->req->probe ? LDR_BOOT_PROBE_NAME : b->req->basename,
        ack->err ? strerror(ack->err) : "no errno", (int)ack->err, (int)sizeof ack->path, ack->path,
        (int)sizeof ack->detail, ack->detail,
        code == AKL_ENOPREINSTALL ? " (no usable preinstall directory on the device)" : "");
}

static int ldr_boot_version_mismatch(const ldr_boot_t *b)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    return ldr_fail_load(
        AKL_EVERSION, b->req->what, b->req->device,
        ": the device's dispatcher speaks bootstrap protocol version %" PRIu32
        ", this libakl speaks %u (%.*s). The dispatcher latched in the device's extend-kernel "
        "process comes from another libakl (or $AKL_DISPATCHER=%s is not this one's): use one "
        "libakl version per device process, reset the device or restart the process",
        ack->version, AKL_BOOT_VERSION, (int)sizeof ack->detail, ack->detail, b->dispatcher.origin);
}

static int ldr_boot_interpret_ack(const ldr_boot_t *b, akl_module_t *module)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    if (ack->version != AKL_BOOT_VERSION)
        return ldr_boot_version_mismatch(b);
    if (ack->status == AKL_ACK_FAILED)
        return ldr_boot_failed_on_device(b);
    bool expected = b->req->probe ? ack->status == AKL_ACK_PROBED
                                  : ack->status >= AKL_ACK_WROTE && ack->status <= AKL_ACK_REPLACED;
    if (!expected)
        return ldr_fail_load(AKL_EBOOTFAILED, b->req->what, b->req->device,
                             ": the dispatcher answered with unknown status %" PRId32, ack->status);
    if (b->sync_rc != ACL_SUCCESS)
        return ldr_fail_load_cann(
            b->sync_rc, b->req->what, b->req->device,
            ": the dispatcher published %s, but the bootstrap's synchronize failed",
            b->req->basename);
    if (!b->req->probe && ack->fingerprint != b->req->fingerprint)
        return ldr_fail_load(AKL_EFINGERPRINT, b->req->what, b->req->device,
                             ": the device computed fingerprint %016" PRIx64
                             ", the host %016" PRIx64,
                             ack->fingerprint, b->req->fingerprint);
    module->outcome = (akl_boot_outcome_t)ack->status;
    snprintf(module->device_path, sizeof module->device_path, "%.*s", (int)sizeof ack->path,
             ack->path);
    return 0;
}

static int ldr_boot_interpret(const ldr_boot_t *b, akl_module_t *module)
{
    if (b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return ldr_boot_sync_timed_out(b);
    if (b->ack_read_rc != ACL_SUCCESS && b->sync_rc == ACL_SUCCESS)
        return ldr_fail_load_cann(b->ack_read_rc, b->req->what, b->req->device,
                                  ": the bootstrap finished, but reading its acknowledgement "
                                  "record back from the device failed");
    if (b->ack_read_rc == ACL_SUCCESS && b->ack.magic == AKL_ACK_MAGIC) {
        ldr_boot_note_acked(b->req->device);
        return ldr_boot_interpret_ack(b, module);
    }
    if (b->sync_rc == ACL_SUCCESS)
        return ldr_boot_skipped(b);
    if (strstr(b->recent, LDR_BOOT_KFC_NOT_FOUND) != NULL)
        return ldr_fail_load_cause(
            AKL_ENOEXTEND, b->sync_rc, b->recent, b->req->what, b->req->device,
            " by the extend route: the device has no extend-kernel package: its KFC lookup of "
            "%s/%s failed (device errcode " LDR_BOOT_KFC_NOT_FOUND
            "), so the missing %s cannot bootstrap anything",
            LDR_BOOT_SO, LDR_BOOT_KERNEL, LDR_BOOT_SO);
    return ldr_fail_load_cause(
        b->sync_rc, b->sync_rc, b->recent, b->req->what, b->req->device,
        ": the bootstrap failed and no acknowledgement could be read from the device");
}

static void ldr_boot_free(ldr_boot_t *b)
{
    if (!b->base || b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return;
    aclError rc = b->rt->free(b->base);
    if (rc != ACL_SUCCESS)
        ldr_log(LDR_LOG_WARN, "loading %s on device %" PRId32 ": aclrtFree(%p) returned %d",
                b->req->what, b->req->device, b->base, rc);
    b->base = NULL;
}

/* Runs the device part; leaves b->base for ldr_boot_free. */
static int ldr_boot_run(ldr_boot_t *b, akl_module_t *module)
{
    int rc = ldr_dispatcher_get(b->rt->machine, &b->dispatcher);
    if (rc == 0)
        rc = ldr_boot_plan(b);
    if (rc == 0)
        rc = ldr_boot_upload(b);
    if (rc == 0)
        rc = ldr_boot_launch(b);
    if (rc != 0)
        return rc;
    ldr_boot_follow_t *follow = b->req->probe ? NULL : b->req->follow;
    if (follow)
        follow->queue(follow, b->req, (uint64_t)(uintptr_t)b->base + AKL_BOOT_ACK_OFFSET);
    ldr_boot_wait_and_read(b);
    if (follow && follow->queued)
        follow->sync_rc = b->sync_rc;
    return ldr_boot_interpret(b, module);
}

int ldr_bootstrap(const ldr_boot_request_t *req, akl_module_t *module)
{
    /* The caller has checked (bootstrap.h); asserted where NDEBUG is off (sanitizer builds). */
    assert(ldr_runtime_device_is_current(req->rt, req->device, NULL, 0));
    double start = cmn_now_seconds();
    ldr_boot_t b = {.req = req, .rt = req->rt};
    int rc = ldr_boot_run(&b, module);
    ldr_boot_free(&b);
    ldr_dispatcher_release(&b.dispatcher);
    if (rc != 0 || req->probe)
        return rc;
    module->bootstrap_seconds = cmn_now_seconds() - start;
    module->route = AKL_ROUTE_EXTEND;
    snprintf(module->basename, sizeof module->basename, "%s", req->basename);
    module->basename_length = strlen(module->basename);
    ldr_log(LDR_LOG_INFO, "loaded %s on device %" PRId32 " as %s (%s, %.3f ms)", req->what,
            req->device, module->device_path, akl_boot_outcome_name(module->outcome),
            module->bootstrap_seconds * 1e3);
    return 0;
}

const char *akl_boot_outcome_name(akl_boot_outcome_t outcome)
{
    return outcome == AKL_BOOT_WROTE       ? "wrote"
           : outcome == AKL_BOOT_IDENTICAL ? "identical"
           : outcome == AKL_BOOT_REPLACED  ? "replaced"
           : outcome == AKL_BOOT_UPLOADED  ? "uploaded"
                                           : "unknown";
}
