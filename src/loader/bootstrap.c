/* The extend route's bootstrap of one runtime SO on one device (DESIGN.md section 1,
 * bootstrap_abi.h, docs/protocol.md), protocol version 2.
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

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bootstrap_abi.h"
#include "dispatcher_blob.h"
#include "device_failure.h"
#include "errors.h"
#include "gc.h"
#include "log.h"
#include "runtime.h"

#define AKL_BOOT_KERNEL "DynTileFwkKernelServerInit"
#define AKL_BOOT_SO "libaicpu_extend_kernels.so"
/* The name a probe's temporary file is made for (never published). */
#define AKL_BOOT_PROBE_NAME "akl_probe"
/* The device error code of CANN's KFC lookup when it cannot find the kernel (AE_STATUS_INNER_ERROR,
 * ae_kernel_lib_aicpu_kfc.cpp), as the runtime's recent-error text shows it. */
#define AKL_BOOT_KFC_NOT_FOUND "11006"

/* The launch's argument blob; its layout is part of the protocol (docs/protocol.md). */
typedef struct akl_boot_blob {
    akl_device_kernel_args_t kernel_args;
    char kernel_name[sizeof AKL_BOOT_KERNEL];
    char so_name[sizeof AKL_BOOT_SO];
} akl_boot_blob_t;

_Static_assert(offsetof(akl_boot_blob_t, kernel_name) == 48, "kernel name at 48");
_Static_assert(offsetof(akl_boot_blob_t, so_name) == 48 + 27, "SO name at 75");
#define AKL_BOOT_BLOB_SIZE (offsetof(akl_boot_blob_t, so_name) + sizeof AKL_BOOT_SO)
_Static_assert(AKL_BOOT_BLOB_SIZE == 102, "blob of 102 bytes");

typedef struct akl_boot_layout {
    size_t dispatcher_offset;
    size_t runtime_offset;
    size_t total;
} akl_boot_layout_t;

/* One bootstrap in progress. */
typedef struct akl_boot {
    const akl_boot_request_t *req;
    const akl_runtime_t *rt;
    akl_dispatcher_bytes_t dispatcher;
    akl_boot_layout_t layout;
    void *base; /* the device allocation */
    int sync_rc;
    int ack_read_rc; /* the device-to-host copy of the ack: 0 when the ack was read */
    akl_bootstrap_ack_t ack;
    char recent[512]; /* the runtime's recent error text after a failed synchronize */
} akl_boot_t;

static double akl_seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t akl_align_up(size_t value, size_t align)
{
    return (value + align - 1) & ~(align - 1);
}

static int akl_boot_plan(akl_boot_t *b)
{
    size_t dispatcher_end = AKL_BOOT_DISPATCHER_OFFSET + b->dispatcher.size;
    b->layout.dispatcher_offset = AKL_BOOT_DISPATCHER_OFFSET;
    b->layout.runtime_offset = akl_align_up(dispatcher_end, AKL_BOOT_ALIGN);
    size_t payload = b->req->gc ? akl_gc_table_bytes() : b->req->size;
    if (b->layout.runtime_offset < dispatcher_end ||
        __builtin_add_overflow(b->layout.runtime_offset, payload, &b->layout.total))
        return akl_fail(AKL_E2BIG, "loading %s: %zu bytes do not fit one device allocation",
                        b->req->what, b->req->size);
    return 0;
}

static int akl_boot_copy(akl_boot_t *b, size_t offset, const void *src, size_t size,
                         const char *part)
{
    void *dst = (char *)b->base + offset;
    aclError rc =
        b->rt->memcpy(dst, b->layout.total - offset, src, size, ACL_MEMCPY_HOST_TO_DEVICE);
    if (rc != ACL_SUCCESS)
        return akl_fail_cann(rc,
                             "loading %s on device %" PRId32 ": copying the %s (%zu bytes) "
                             "to the device failed",
                             b->req->what, b->req->device, part, size);
    return 0;
}

/* A diagnosed failure: akl's own code, with the CANN code and the runtime's text that led to it. */
static int akl_boot_fail_cause(int code, int cann_code, const char *recent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int akl_boot_fail_cause(int code, int cann_code, const char *recent, const char *fmt, ...)
{
    char text[AKL_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int used = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t at = used < 0 ? 0 : (size_t)used < sizeof text ? (size_t)used : sizeof text - 1;
    if (cann_code != 0 && at < sizeof text)
        at += (size_t)snprintf(text + at, sizeof text - at, ": %s (%d): %s%s",
                               akl_errname(cann_code), cann_code, akl_strerror(cann_code),
                               akl_timeout_clause(cann_code, recent));
    if (at < sizeof text && recent && recent[0])
        snprintf(text + at, sizeof text - at, "; runtime says: %s", recent);
    /* An undiagnosed device failure is the device's first, or part of the cascade after it. */
    if (code == cann_code)
        akl_device_failure_note(cann_code, recent, text, sizeof text);
    return akl_fail_copy(code, text);
}

static void akl_boot_fill_args(const akl_boot_t *b, akl_device_args_t *args)
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
             b->req->probe ? AKL_BOOT_PROBE_NAME : b->req->basename);
    if (b->req->gc)
        akl_gc_fill_args(b->req->gc, base + b->layout.runtime_offset, args);
    else if (!b->req->probe)
        akl_gc_fill_publish_bound(args);
}

static int akl_boot_upload(akl_boot_t *b)
{
    aclError rc = b->rt->malloc(&b->base, b->layout.total, ACL_MEM_MALLOC_HUGE_FIRST);
    if (rc != ACL_SUCCESS) {
        b->base = NULL;
        return akl_fail_cann(rc,
                             "loading %s on device %" PRId32 ": allocating %zu bytes of "
                             "device memory for the bootstrap failed",
                             b->req->what, b->req->device, b->layout.total);
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
    akl_boot_fill_args(b, &head.parts.args);
    int err = akl_boot_copy(b, AKL_BOOT_ACK_OFFSET, head.bytes, sizeof head.bytes,
                            "zeroed acknowledgement record and the DeviceArgs");
    if (err == 0)
        err = akl_boot_copy(b, b->layout.dispatcher_offset, b->dispatcher.data, b->dispatcher.size,
                            "dispatcher");
    if (err == 0 && b->req->size > 0)
        err = akl_boot_copy(b, b->layout.runtime_offset, b->req->data, b->req->size, "runtime SO");
    return err;
}

static int akl_boot_launch(akl_boot_t *b)
{
    akl_boot_blob_t blob;
    memset(&blob, 0, sizeof blob);
    blob.kernel_args.cfgdata = (uint64_t)(uintptr_t)b->base + AKL_BOOT_ARGS_OFFSET;
    memcpy(blob.kernel_name, AKL_BOOT_KERNEL, sizeof AKL_BOOT_KERNEL);
    memcpy(blob.so_name, AKL_BOOT_SO, sizeof AKL_BOOT_SO);
    rtAicpuArgsEx_t info = {
        .args = &blob,
        .argsSize = (uint32_t)AKL_BOOT_BLOB_SIZE,
        .soNameAddrOffset = (uint32_t)offsetof(akl_boot_blob_t, so_name),
        .kernelNameAddrOffset = (uint32_t)offsetof(akl_boot_blob_t, kernel_name),
    };
    rtError_t rc = b->rt->aicpu_launch(KERNEL_TYPE_AICPU_KFC, AKL_BOOT_KERNEL, 1, &info, NULL,
                                       b->req->stream, 0);
    if (rc == ACL_ERROR_RT_FEATURE_NOT_SUPPORT)
        return akl_boot_fail_cause(AKL_ENOEXTEND, rc, akl_runtime_recent_message(),
                                   "loading %s on device %" PRId32 " by the extend route: the "
                                   "device takes no KFC launches, so its %s cannot run",
                                   b->req->what, b->req->device, AKL_BOOT_SO);
    if (rc != RT_ERROR_NONE)
        return akl_fail_cann(rc,
                             "loading %s on device %" PRId32 ": the bootstrap launch (KFC "
                             "%s/%s) failed",
                             b->req->what, b->req->device, AKL_BOOT_SO, AKL_BOOT_KERNEL);
    return 0;
}

static void akl_boot_wait_and_read(akl_boot_t *b)
{
    if (b->req->timeout_ms < 0)
        b->sync_rc = b->rt->synchronize_stream(b->req->stream);
    else
        b->sync_rc = b->rt->synchronize_stream_with_timeout(b->req->stream, b->req->timeout_ms);
    if (b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return;
    /* Read once: the runtime may clear its text when asked, and the diagnosis needs it. */
    const char *recent = b->sync_rc != ACL_SUCCESS ? b->rt->get_recent_err_msg() : NULL;
    snprintf(b->recent, sizeof b->recent, "%s", recent ? recent : "");
    b->ack_read_rc = b->rt->memcpy(&b->ack, sizeof b->ack, (char *)b->base + AKL_BOOT_ACK_OFFSET,
                                   sizeof b->ack, ACL_MEMCPY_DEVICE_TO_HOST);
}

static int akl_boot_sync_timed_out(const akl_boot_t *b)
{
    return akl_fail_cann(b->sync_rc,
                         "loading %s on device %" PRId32 ": the bootstrap did not finish within "
                         "%" PRId32 " ms; its %zu bytes of device memory at %p are deliberately "
                         "not freed because the task may still read them (reset the device to "
                         "reclaim them)",
                         b->req->what, b->req->device, b->req->timeout_ms, b->layout.total,
                         b->base);
}

/* Which devices have had a bootstrap acknowledged by akl's dispatcher in this process: global
 * state, because a skipped bootstrap can only be explained by what happened before it on the same
 * device. Never cleared: a reset that was not the device's last reference (aclrtResetDevice is
 * reference-counted) leaves the device's process, and its latch, alive. Devices beyond the map
 * count as never acknowledged. */
#define AKL_BOOT_DEVICES_TRACKED 1024
static _Atomic uint64_t akl_boot_acked[AKL_BOOT_DEVICES_TRACKED / 64];

static void akl_boot_note_acked(int32_t device)
{
    if (device >= 0 && device < AKL_BOOT_DEVICES_TRACKED)
        atomic_fetch_or(&akl_boot_acked[device / 64], UINT64_C(1) << (device % 64));
}

static bool akl_boot_was_acked(int32_t device)
{
    return device >= 0 && device < AKL_BOOT_DEVICES_TRACKED &&
           (atomic_load(&akl_boot_acked[device / 64]) & (UINT64_C(1) << (device % 64)));
}

/* No acknowledgement after a clean synchronize: the dispatcher that ran (if any) is not akl's, or
 * none ran. What was latched decides what helps, so the message says which case this is. */
static int akl_boot_skipped(const akl_boot_t *b)
{
    const akl_boot_request_t *req = b->req;
    if (akl_boot_was_acked(req->device))
        return akl_fail(AKL_EBOOTSKIPPED,
                        "loading %s on device %" PRId32 ": the device's loader (%s) skipped the "
                        "upload: akl's dispatcher answered an earlier bootstrap on this device in "
                        "this process, and the loader's one-upload latch keeps later uploads from "
                        "running, so the dispatcher never ran and %s was not published. Reset the "
                        "device (akl_device_close + akl_device_open, by the device's last user) or "
                        "restart the process, or use one runtime SO per process with that loader",
                        req->what, req->device, AKL_BOOT_SO, req->basename);
    if (strcmp(b->dispatcher.origin, "embedded") != 0)
        return akl_fail(AKL_EBOOTSKIPPED,
                        "loading %s on device %" PRId32 ": no dispatcher acknowledged the "
                        "bootstrap, and it was libakl's first on this device in this process: the "
                        "dispatcher uploaded from $AKL_DISPATCHER=%s is not akl's dispatcher of "
                        "protocol version %u (or another user of %s in this process latched its "
                        "own first), so %s was not published. Unset AKL_DISPATCHER to use the "
                        "dispatcher built into libakl, or point it at the akl_dispatcher.so built "
                        "with this libakl, then reset the device (akl_device_close + "
                        "akl_device_open) or restart the process",
                        req->what, req->device, b->dispatcher.origin, AKL_BOOT_VERSION, AKL_BOOT_SO,
                        req->basename);
    return akl_fail(AKL_EBOOTSKIPPED,
                    "loading %s on device %" PRId32 ": no dispatcher acknowledged the bootstrap, "
                    "and it was libakl's first on this device in this process (with its built-in "
                    "dispatcher): the device's loader (%s) already holds a dispatcher that is not "
                    "akl's, latched in this device process by another user of "
                    "DynTileFwkKernelServerInit in this process (or by an earlier load with "
                    "$AKL_DISPATCHER set), so %s was not published. Resetting the device does not "
                    "help while that other user is in the process: load akl's runtime SOs from a "
                    "process that does not otherwise use %s",
                    req->what, req->device, AKL_BOOT_SO, req->basename, AKL_BOOT_SO);
}

static const char *akl_stage_name(uint32_t stage)
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
        [AKL_STAGE_COLLECT] = "collect",
    };
    return stage < sizeof names / sizeof names[0] ? names[stage] : "unknown";
}

/* No usable preinstall directory: it is absent (or not a directory), or the scheduler's user may
 * not open it or create a file in it. A full filesystem, an I/O error or a failure at a later
 * step is a real error, not this. */
static bool akl_boot_preinstall_unusable(const akl_bootstrap_ack_t *ack)
{
    int err = ack->err;
    bool denied = err == EACCES || err == EPERM || err == EROFS;
    if (ack->stage == AKL_STAGE_DIR)
        return err == ENOENT || err == ENOTDIR || denied;
    return ack->stage == AKL_STAGE_CREATE && denied;
}

static int akl_boot_failed_on_device(const akl_boot_t *b)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    if (b->req->gc && ack->stage == AKL_STAGE_ARGS && strstr(ack->detail, "flags at 148"))
        return akl_fail(
            AKL_EVERSION,
            "collecting on device %" PRId32 ": the device's dispatcher predates the "
            "collector: it refused DeviceArgs flag 0x%x (AKL_BOOT_FLAG_GC): %.*s. The "
            "dispatcher latched in the device's extend-kernel process comes from an "
            "older libakl (or $AKL_DISPATCHER=%s), or it was built without the collector "
            "(this libakl's aarch64 dispatcher, for now: docs/protocol.md section 16): "
            "run akl gc from a process with this libakl only, reset the device or "
            "restart the process",
            b->req->device, AKL_BOOT_FLAG_GC, (int)sizeof ack->detail, ack->detail,
            b->dispatcher.origin);
    int code = ack->stage == AKL_STAGE_FINGERPRINT ? AKL_EFINGERPRINT
               : akl_boot_preinstall_unusable(ack) ? AKL_ENOPREINSTALL
                                                   : AKL_EBOOTFAILED;
    return akl_fail(code,
                    "loading %s on device %" PRId32 ": the dispatcher failed at stage %s "
                    "%s %s: %s (errno %d) at \"%.*s\": %.*s%s",
                    b->req->what, b->req->device, akl_stage_name(ack->stage),
                    b->req->probe ? "probing the preinstall directory for" : "publishing",
                    b->req->probe ? AKL_BOOT_PROBE_NAME : b->req->basename,
                    ack->err ? strerror(ack->err) : "no errno", (int)ack->err,
                    (int)sizeof ack->path, ack->path, (int)sizeof ack->detail, ack->detail,
                    code == AKL_ENOPREINSTALL ? " (no usable preinstall directory on the device)"
                                              : "");
}

static int akl_boot_version_mismatch(const akl_boot_t *b)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    return akl_fail(AKL_EVERSION,
                    "loading %s on device %" PRId32 ": the device's dispatcher speaks bootstrap "
                    "protocol version %" PRIu32 ", this libakl speaks %u (%.*s). The dispatcher "
                    "latched in the device's extend-kernel process comes from another libakl "
                    "(or $AKL_DISPATCHER=%s is not this one's): use one libakl version per "
                    "device process, reset the device or restart the process",
                    b->req->what, b->req->device, ack->version, AKL_BOOT_VERSION,
                    (int)sizeof ack->detail, ack->detail, b->dispatcher.origin);
}

static int akl_boot_interpret_ack(const akl_boot_t *b, akl_module_t *module)
{
    const akl_bootstrap_ack_t *ack = &b->ack;
    if (ack->version != AKL_BOOT_VERSION)
        return akl_boot_version_mismatch(b);
    if (ack->status == AKL_ACK_FAILED)
        return akl_boot_failed_on_device(b);
    bool expected = b->req->gc ? ack->status == AKL_ACK_COLLECTED
                    : b->req->probe
                        ? ack->status == AKL_ACK_PROBED
                        : ack->status >= AKL_ACK_WROTE && ack->status <= AKL_ACK_REPLACED;
    if (!expected)
        return akl_fail(AKL_EBOOTFAILED,
                        "loading %s on device %" PRId32 ": the dispatcher answered with unknown "
                        "status %" PRId32,
                        b->req->what, b->req->device, ack->status);
    if (b->sync_rc != ACL_SUCCESS)
        return akl_fail_cann(b->sync_rc,
                             "loading %s on device %" PRId32 ": the dispatcher published %s, but "
                             "the bootstrap's synchronize failed",
                             b->req->what, b->req->device, b->req->basename);
    if (b->req->gc)
        return akl_gc_read_table(b->rt, (const char *)b->base + b->layout.runtime_offset, ack,
                                 b->req->gc_result);
    if (!b->req->probe && ack->fingerprint != b->req->fingerprint)
        return akl_fail(AKL_EFINGERPRINT,
                        "loading %s on device %" PRId32 ": the device computed fingerprint "
                        "%016" PRIx64 ", the host %016" PRIx64,
                        b->req->what, b->req->device, ack->fingerprint, b->req->fingerprint);
    module->outcome = (akl_boot_outcome_t)ack->status;
    snprintf(module->device_path, sizeof module->device_path, "%.*s", (int)sizeof ack->path,
             ack->path);
    return 0;
}

static int akl_boot_interpret(const akl_boot_t *b, akl_module_t *module)
{
    if (b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return akl_boot_sync_timed_out(b);
    if (b->ack_read_rc != ACL_SUCCESS && b->sync_rc == ACL_SUCCESS)
        return akl_fail_cann(b->ack_read_rc,
                             "loading %s on device %" PRId32 ": the bootstrap finished, but "
                             "reading its acknowledgement record back from the device failed",
                             b->req->what, b->req->device);
    if (b->ack_read_rc == ACL_SUCCESS && b->ack.magic == AKL_ACK_MAGIC) {
        akl_boot_note_acked(b->req->device);
        return akl_boot_interpret_ack(b, module);
    }
    if (b->sync_rc == ACL_SUCCESS)
        return akl_boot_skipped(b);
    if (strstr(b->recent, AKL_BOOT_KFC_NOT_FOUND) != NULL)
        return akl_boot_fail_cause(AKL_ENOEXTEND, b->sync_rc, b->recent,
                                   "loading %s on device %" PRId32 " by the extend route: the "
                                   "device has no extend-kernel package: its KFC lookup of "
                                   "%s/%s failed (device errcode " AKL_BOOT_KFC_NOT_FOUND "), so "
                                   "the missing %s cannot bootstrap anything",
                                   b->req->what, b->req->device, AKL_BOOT_SO, AKL_BOOT_KERNEL,
                                   AKL_BOOT_SO);
    return akl_boot_fail_cause(b->sync_rc, b->sync_rc, b->recent,
                               "loading %s on device %" PRId32 ": the bootstrap failed and no "
                               "acknowledgement could be read from the device",
                               b->req->what, b->req->device);
}

static void akl_boot_free(akl_boot_t *b)
{
    if (!b->base || b->sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return;
    aclError rc = b->rt->free(b->base);
    if (rc != ACL_SUCCESS)
        akl_log(AKL_LOG_WARN, "loading %s on device %" PRId32 ": aclrtFree(%p) returned %d",
                b->req->what, b->req->device, b->base, rc);
    b->base = NULL;
}

/* Runs the device part; leaves b->base for akl_boot_free. */
static int akl_boot_run(akl_boot_t *b, akl_module_t *module)
{
    int rc = akl_dispatcher_get(b->rt->machine, &b->dispatcher);
    if (rc == 0)
        rc = akl_boot_plan(b);
    if (rc == 0)
        rc = akl_boot_upload(b);
    if (rc == 0)
        rc = akl_boot_launch(b);
    if (rc != 0)
        return rc;
    akl_boot_wait_and_read(b);
    return akl_boot_interpret(b, module);
}

int akl_bootstrap(const akl_boot_request_t *req, akl_module_t *module)
{
    double start = akl_seconds_now();
    akl_boot_t b = {.req = req, .rt = req->rt};
    int rc = akl_boot_run(&b, module);
    akl_boot_free(&b);
    akl_dispatcher_release(&b.dispatcher);
    if (rc != 0 || req->probe || req->gc)
        return rc;
    module->bootstrap_seconds = akl_seconds_now() - start;
    module->route = AKL_ROUTE_EXTEND;
    snprintf(module->basename, sizeof module->basename, "%s", req->basename);
    module->basename_length = strlen(module->basename);
    akl_log(AKL_LOG_INFO, "loaded %s on device %" PRId32 " as %s (%s, %.3f ms)", req->what,
            req->device, module->device_path, akl_boot_outcome_name(module->outcome),
            module->bootstrap_seconds * 1e3);
    return 0;
}
