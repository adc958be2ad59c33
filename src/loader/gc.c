/* akl_device_gc and the AKL_DEVICE_CACHE_MAX bound: the collector runs on the device as an ordinary
 * akl runtime SO, akl_collector.so (src/collector), which libakl loads through its one load path
 * (module_load.c: checks, process cache, routes, and the dispatcher's hold on the published file)
 * under its own prefix, and whose kernel akl_collect it launches on one block with the rule and a
 * device buffer for the result table (collector_abi.h, gc_table.c). */
#include "gc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cann_fail.h"
#include "collector_abi.h"
#include "device_failure.h"
#include "dispatcher_blob.h"
#include "errors.h"
#include "gc_table.h"
#include "log.h"
#include "module_load.h"
#include "module_types.h"
#include "names.h"

#define LDR_GC_DEFAULT_TIMEOUT_MS 60000

/* Loads the collector on the device (a cache hit after the first time in the process). */
static int ldr_gc_load_collector(ldr_gc_run_t *run, akl_module_t **module)
{
    ldr_dispatcher_bytes_t bytes;
    int rc = ldr_collector_get(run->rt->machine, &bytes);
    if (rc != 0)
        return rc;
    snprintf(run->origin, sizeof run->origin, "%s",
             bytes.owned ? bytes.origin : "akl_collector.so embedded in libakl");
    static const char *const kernels[] = {AKL_COLLECT_KERNEL, NULL};
    ldr_options_t opts = {.prefix = AKL_COLLECTOR_PREFIX,
                          .stream = run->stream,
                          .timeout_ms = run->timeout_ms,
                          .max_size = bytes.size,
                          .kernels = kernels,
                          .route = AKL_ROUTE_EXTEND,
                          .own = true};
    bool bootstrapped = false;
    rc = ldr_load_bytes(run->device, bytes.data, bytes.size, run->origin, &opts, run->rt, module,
                        &bootstrapped);
    ldr_dispatcher_release(&bytes);
    return rc;
}

/* Reserves the table and zeroes its header (a magic still 0 afterwards: nothing was written). */
static int ldr_gc_alloc_table(ldr_gc_run_t *run)
{
    size_t bytes = ldr_gc_table_bytes(run->cap);
    aclError rc = run->rt->malloc(&run->table, bytes, ACL_MEM_MALLOC_HUGE_FIRST);
    if (rc != ACL_SUCCESS) {
        run->table = NULL;
        return ldr_fail_cann(rc, "%s: allocating %zu bytes of device memory for the result failed",
                             run->what, bytes);
    }
    memset(&run->head, 0, sizeof run->head);
    rc =
        run->rt->memcpy(run->table, bytes, &run->head, sizeof run->head, ACL_MEMCPY_HOST_TO_DEVICE);
    if (rc != ACL_SUCCESS)
        return ldr_fail_cann(rc, "%s: clearing the result table failed", run->what);
    return 0;
}

/* Launches akl_collect with the run's rule; ack_addr as in akl_collect_args. */
static int ldr_gc_launch(const ldr_gc_run_t *run, const akl_module_t *module, uint64_t ack_addr)
{
    akl_collect_args_t args;
    ldr_gc_fill_args(run->prefix, run->rule, (uint64_t)(uintptr_t)run->table, run->cap, &args);
    if (run->published) { /* the collector answers from its ledger while under the bound */
        args.published_size = run->published_size;
        snprintf(args.published, sizeof args.published, "%s", run->published);
    }
    args.ack_addr = ack_addr;
    return akl_launch(module, AKL_COLLECT_KERNEL, &args, sizeof args, 1, run->stream, 0);
}

static int ldr_gc_launch_and_wait(ldr_gc_run_t *run, const akl_module_t *module)
{
    int rc = ldr_gc_launch(run, module, 0);
    if (rc == 0)
        rc = akl_stream_sync(run->stream, run->timeout_ms);
    if (rc == 0)
        return 0;
    char cause[LDR_ERROR_MESSAGE_MAX];
    snprintf(cause, sizeof cause, "%s", akl_last_error());
    bool timed_out = rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT;
    if (timed_out)
        run->table = NULL; /* the task may still write it: deliberately not freed */
    return ldr_fail(rc, "%s: running the collector (%s) failed: %s%s", run->what, run->origin,
                    cause,
                    timed_out ? "; its result table in device memory is deliberately not freed "
                                "(the task may still write it; reset the device to reclaim it)"
                              : "");
}

static int ldr_gc_read_head(ldr_gc_run_t *run)
{
    aclError rc = run->rt->memcpy(&run->head, sizeof run->head, run->table, sizeof run->head,
                                  ACL_MEMCPY_DEVICE_TO_HOST);
    if (rc != ACL_SUCCESS)
        return ldr_fail_cann(rc, "%s: reading the device's result table back failed", run->what);
    return ldr_gc_check_head(&run->head, run->what, run->origin);
}

static void ldr_gc_free_table(ldr_gc_run_t *run)
{
    if (!run->table)
        return;
    aclError rc = run->rt->free(run->table);
    if (rc != ACL_SUCCESS)
        ldr_log(LDR_LOG_WARN, "%s: aclrtFree(%p) returned %d", run->what, run->table, rc);
    run->table = NULL;
}

static void ldr_gc_name_run(ldr_gc_run_t *run)
{
    snprintf(run->what, sizeof run->what, "collecting prefix \"%s\" on device %" PRId32,
             run->prefix, run->device);
}

/* Loads the collector, runs it and reads the result; result may be NULL (the counts stay in
 * run->head). */
static int ldr_gc_run(ldr_gc_run_t *run, akl_gc_result_t *result)
{
    ldr_gc_name_run(run);
    akl_module_t *module = NULL;
    int rc = ldr_gc_load_collector(run, &module);
    if (rc == 0)
        rc = ldr_gc_alloc_table(run);
    if (rc == 0)
        rc = ldr_gc_launch_and_wait(run, module);
    if (rc == 0)
        rc = ldr_gc_read_head(run);
    if (rc == 0 && result)
        rc = ldr_gc_read_entries(run->rt, &run->head, (const char *)run->table + sizeof run->head,
                                 result);
    ldr_gc_free_table(run);
    return rc;
}

static int ldr_gc_check_args(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (!opts || !result)
        return ldr_fail(AKL_EINVAL, "akl_device_gc: %s is NULL", opts ? "result" : "opts");
    if (opts->size < sizeof *opts)
        return ldr_fail(AKL_EINVAL, "akl_device_gc: opts->size is %zu, at least %zu expected",
                        opts->size, sizeof *opts);
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_device_gc: device %" PRId32 " is negative", device);
    return 0;
}

int akl_device_gc(int32_t device, const akl_gc_options_t *opts, akl_gc_result_t *result)
{
    if (result)
        memset(result, 0, sizeof *result);
    int rc = ldr_gc_check_args(device, opts, result);
    const ldr_runtime_t *rt = NULL;
    if (rc == 0)
        rc = ldr_runtime_get(&rt);
    if (rc != 0)
        return rc;
    const char *prefix = ldr_effective_prefix(opts->prefix);
    char name[AKL_SO_NAME_MAX + 1];
    /* The prefix must make valid device names: the same check a load makes. */
    rc = akl_basename(prefix, 0, device, name, sizeof name);
    if (rc != 0)
        return rc;
    rc = ldr_runtime_require_device(rt, device, "collecting prefix \"%s\"", prefix);
    if (rc != 0)
        return rc;
    ldr_gc_run_t run = {
        .rt = rt,
        .device = device,
        .prefix = prefix,
        .rule = opts,
        .timeout_ms = opts->timeout_ms == 0 ? LDR_GC_DEFAULT_TIMEOUT_MS : opts->timeout_ms,
        .cap = LDR_GC_TABLE_CAP,
    };
    return ldr_gc_run(&run, result);
}

/* Per device, whether the bound was warned about, and whether it cannot work in this process (the
 * collector's bootstrap was skipped by the one-upload latch, which lasts as long as the device's
 * scheduler process): global state, because both are facts about the process and the device, not
 * about one load. Devices beyond the map are tried every time and warned about every time. */
#define LDR_GC_DEVICES_TRACKED 1024
static _Atomic uint64_t ldr_gc_warned[LDR_GC_DEVICES_TRACKED / 64];
static _Atomic uint64_t ldr_gc_latched[LDR_GC_DEVICES_TRACKED / 64];

/* Sets device's bit in map; true when it was already set. */
static bool ldr_gc_mark(_Atomic uint64_t *map, int32_t device)
{
    if (device < 0 || device >= LDR_GC_DEVICES_TRACKED)
        return false;
    uint64_t bit = UINT64_C(1) << (device % 64);
    return (atomic_fetch_or(&map[device / 64], bit) & bit) != 0;
}

static bool ldr_gc_marked(_Atomic uint64_t *map, int32_t device)
{
    return device >= 0 && device < LDR_GC_DEVICES_TRACKED &&
           (atomic_load(&map[device / 64]) & (UINT64_C(1) << (device % 64))) != 0;
}

static void ldr_gc_warn_bound(const akl_module_t *module, uint64_t bound, int rc)
{
    if (ldr_gc_mark(ldr_gc_warned, module->device))
        return;
    bool latched = rc == AKL_EBOOTSKIPPED;
    ldr_log(LDR_LOG_WARN,
            "AKL_DEVICE_CACHE_MAX (%" PRIu64 " bytes) not applied on device %" PRId32
            " after publishing %s: %s (%s)%s",
            bound, module->device, module->basename, akl_last_error(), akl_errname(rc),
            latched ? ". The collector's bootstrap was skipped by the device's one-upload latch "
                      "(this process already bootstrapped on that device), so the bound cannot be "
                      "applied in this process; `akl gc` still collects (it runs in its own "
                      "process)"
                    : "; the load itself succeeded");
}

static bool ldr_gc_published(const akl_module_t *module)
{
    return module->route == AKL_ROUTE_EXTEND &&
           (module->outcome == AKL_BOOT_WROTE || module->outcome == AKL_BOOT_REPLACED);
}

/* The bound's answer (rc, and the run's head when rc is 0): a warning, or what it removed. */
static void ldr_gc_bound_report(const ldr_gc_bound_t *b, const akl_module_t *module, int rc)
{
    if (rc == AKL_EBOOTSKIPPED)
        ldr_gc_mark(ldr_gc_latched, module->device);
    if (rc != 0)
        ldr_gc_warn_bound(module, b->rule.max_bytes, rc);
    else if (b->run.head.removed_files > 0)
        ldr_log(LDR_LOG_INFO,
                "AKL_DEVICE_CACHE_MAX on device %" PRId32 ": removed %" PRIu64
                " unused files of prefix \"%s\" (%" PRIu64 " bytes)",
                module->device, b->run.head.removed_files, b->run.prefix,
                b->run.head.removed_bytes);
}

/* The collector's module when this process already loaded it on the device, else NULL: the
 * queued request never bootstraps (that needs a synchronize of its own). */
static const akl_module_t *ldr_gc_collector_loaded(const ldr_runtime_t *rt, int32_t device)
{
    ldr_dispatcher_bytes_t bytes;
    if (ldr_collector_get(rt->machine, &bytes) != 0)
        return NULL;
    uint64_t fingerprint = akl_fingerprint(bytes.data, bytes.size);
    ldr_dispatcher_release(&bytes);
    return ldr_cache_ready(fingerprint, device);
}

/* ldr_boot_follow_t.queue: the bound request behind the bootstrap, on its stream, answered by the
 * same synchronize. Nothing is queued (the request then runs after the load, as its own
 * collection) when the collector is not loaded yet or anything fails here. */
static void ldr_gc_bound_queue(ldr_boot_follow_t *follow, const ldr_boot_request_t *req,
                               uint64_t ack_addr)
{
    ldr_gc_bound_t *b = (ldr_gc_bound_t *)((char *)follow - offsetof(ldr_gc_bound_t, follow));
    if (ldr_gc_marked(ldr_gc_latched, req->device))
        return;
    const akl_module_t *collector = ldr_gc_collector_loaded(b->run.rt, req->device);
    if (!collector)
        return;
    b->run.device = req->device;
    b->run.published = req->basename;
    b->run.published_size = req->size;
    ldr_gc_name_run(&b->run);
    char kept[LDR_ERROR_MESSAGE_MAX];
    snprintf(kept, sizeof kept, "%s", akl_last_error());
    int rc = ldr_gc_alloc_table(&b->run);
    if (rc == 0)
        rc = ldr_gc_launch(&b->run, collector, ack_addr);
    if (rc != 0)
        ldr_gc_free_table(&b->run);
    else
        follow->queued = true;
    /* A failure of the stream from here is the bootstrap's (the device work of this load). */
    ldr_device_note_bootstrap(req->device, req->basename);
    ldr_error_restore(kept);
}

void ldr_gc_bound_init(ldr_gc_bound_t *b, const ldr_runtime_t *rt, const ldr_options_t *opts)
{
    memset(b, 0, sizeof *b);
    b->rule = (akl_gc_options_t){.size = sizeof b->rule, .max_bytes = ldr_device_cache_max()};
    b->run = (ldr_gc_run_t){.rt = rt,
                            .prefix = opts->prefix,
                            .rule = &b->rule,
                            .stream = opts->stream,
                            .timeout_ms = opts->timeout_ms};
    if (b->rule.max_bytes > 0)
        b->follow.queue = ldr_gc_bound_queue;
}

/* The request did not go behind the bootstrap: the collector loaded (the first time on this device
 * in this process) and run on its own, after the load. */
static void ldr_gc_bound_run_after(ldr_gc_bound_t *b, const akl_module_t *module)
{
    if (ldr_gc_marked(ldr_gc_latched, module->device))
        return;
    b->run.device = module->device;
    b->run.published = module->basename;
    b->run.published_size = module->size;
    ldr_gc_bound_report(b, module, ldr_gc_run(&b->run, NULL));
}

void ldr_gc_bound_finish(ldr_gc_bound_t *b, const akl_module_t *module)
{
    if (!b->follow.queue)
        return;
    if (b->follow.queued && b->follow.sync_rc == ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        return; /* the task may still write the table: deliberately not freed, as the bootstrap's */
    if (!module || !ldr_gc_published(module)) {
        ldr_gc_free_table(&b->run); /* a failed load keeps its own message */
        return;
    }
    char kept[LDR_ERROR_MESSAGE_MAX]; /* a successful load leaves the thread's message alone */
    snprintf(kept, sizeof kept, "%s", akl_last_error());
    if (b->follow.queued) {
        ldr_gc_bound_report(b, module, ldr_gc_read_head(&b->run));
        ldr_gc_free_table(&b->run);
    } else {
        ldr_gc_bound_run_after(b, module);
    }
    ldr_error_restore(kept);
}

void akl_gc_result_free(akl_gc_result_t *result)
{
    if (!result)
        return;
    free(result->files);
    result->files = NULL;
    result->count = 0;
}

const char *akl_gc_state_name(akl_gc_state_t state)
{
    static const char *const names[] = {[AKL_GC_KEPT] = "kept",
                                        [AKL_GC_REMOVED] = "removed",
                                        [AKL_GC_WOULD_REMOVE] = "would_remove",
                                        [AKL_GC_IN_USE] = "in_use",
                                        [AKL_GC_TOO_YOUNG] = "too_young",
                                        [AKL_GC_FAILED] = "failed"};
    const char *name = (unsigned)state < sizeof names / sizeof names[0] ? names[state] : NULL;
    return name ? name : "unknown";
}
