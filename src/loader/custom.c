/* The custom route (custom.h). A module keeps its rtBinHandle and, per kernel name, the function
 * handle rtsRegisterCpuFunc gave on the kernel's first launch: registering by the kernel's own
 * name lets CANN send the registered kernel and SO names to the device, so the launch blob is the
 * payload alone (rtsLaunchCpuKernel overrides the registered names only for non-zero offsets, and
 * the SO name CANN gives data it uploads is its own choice: "<hash>_<length>.so", rehashed on a
 * collision). */
#include "custom.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dispatcher_blob.h"
#include "cann_fail.h"
#include "errors.h"
#include "log.h"

#define LDR_CUSTOM_EMPTY_PAYLOAD 8u
#define LDR_CUSTOM_MAX_TIMEOUT_S 0xFFFEu
#define LDR_CUSTOM_PROBE_KERNEL "DynTileFwkBackendKernelServer"

typedef struct ldr_custom_func {
    char *kernel;
    rtFuncHandle func;
} ldr_custom_func_t;

struct ldr_custom_binary {
    rtBinHandle bin;
    void *bytes; /* the SO's bytes, kept while the runtime may read them */
    pthread_rwlock_t lock;
    ldr_custom_func_t *funcs;
    size_t count, cap;
};

static bool ldr_custom_available(const ldr_runtime_t *rt)
{
    return rt->binary_load_data && rt->register_cpu_func && rt->launch_cpu_kernel;
}

static int ldr_custom_unavailable(const ldr_runtime_t *rt, const char *what, int32_t device)
{
    return ldr_fail_load(AKL_ENOCUSTOM, what, device,
                         " by the custom route: the runtime %s has no "
                         "rtsBinaryLoadFromData/rtsRegisterCpuFunc/rtsLaunchCpuKernel (they "
                         "arrived after CANN 8.1.RC1); use the extend route",
                         rt->name);
}

/* rtsBinaryLoadFromData with cpuKernelMode 2: the runtime keeps the SO for this process and sends
 * it to a device's custom directory before the device first runs one of its kernels. */
static int ldr_custom_register(const ldr_runtime_t *rt, const void *data, size_t size,
                               const char *what, int32_t device, rtBinHandle *bin)
{
    rtLoadBinaryOption_t option = {.optionId = RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE,
                                   .value = {.cpuKernelMode = 2}};
    rtLoadBinaryConfig_t config = {.options = &option, .numOpt = 1};
    rtError_t rc = rt->binary_load_data(data, (uint64_t)size, &config, bin);
    if (rc != RT_ERROR_NONE)
        return ldr_fail_load_cann(
            rc, what, device,
            " by the custom route: rtsBinaryLoadFromData (cpuKernelMode 2, %zu bytes) failed",
            size);
    return 0;
}

int ldr_custom_load(const ldr_boot_request_t *req, akl_module_t *module)
{
    const ldr_runtime_t *rt = req->rt;
    if (!ldr_custom_available(rt))
        return ldr_custom_unavailable(rt, req->what, req->device);
    double t0 = cmn_now_seconds();
    struct ldr_custom_binary *custom = calloc(1, sizeof *custom);
    void *bytes = malloc(req->size);
    if (!custom || !bytes) {
        free(custom);
        free(bytes);
        return ldr_fail(AKL_ENOMEM, "loading %s by the custom route: cannot copy %zu bytes",
                        req->what, req->size);
    }
    memcpy(bytes, req->data, req->size);
    int rc = ldr_custom_register(rt, bytes, req->size, req->what, req->device, &custom->bin);
    if (rc != 0) {
        free(custom);
        free(bytes);
        return rc;
    }
    custom->bytes = bytes;
    pthread_rwlock_init(&custom->lock, NULL);
    module->custom = custom;
    module->route = AKL_ROUTE_CUSTOM;
    module->outcome = AKL_BOOT_UPLOADED;
    module->device_path[0] = '\0';
    module->bootstrap_seconds = cmn_now_seconds() - t0;
    snprintf(module->basename, sizeof module->basename, "%s", req->basename);
    module->basename_length = strlen(module->basename);
    ldr_log(LDR_LOG_INFO, "loaded %s on device %" PRId32 " by the custom route as %s (%.3f ms)",
            req->what, req->device, module->basename, module->bootstrap_seconds * 1e3);
    return 0;
}

static rtFuncHandle ldr_custom_find(const struct ldr_custom_binary *custom, const char *kernel)
{
    for (size_t i = 0; i < custom->count; i++) {
        if (strcmp(custom->funcs[i].kernel, kernel) == 0)
            return custom->funcs[i].func;
    }
    return NULL;
}

/* Registers kernel under its own name as op type. custom's write lock held (asserted in builds
 * without NDEBUG: a held rwlock cannot be taken again). */
static int ldr_custom_add(const ldr_runtime_t *rt, const akl_module_t *module,
                          struct ldr_custom_binary *custom, const char *kernel, rtFuncHandle *func)
{
    assert(pthread_rwlock_trywrlock(&custom->lock) != 0);
    if (custom->count == custom->cap) {
        size_t cap = custom->cap ? custom->cap * 2 : 8;
        ldr_custom_func_t *grown = realloc(custom->funcs, cap * sizeof *grown);
        if (!grown)
            return ldr_fail(AKL_ENOMEM, "launching %s of %s: out of host memory", kernel,
                            module->basename);
        custom->funcs = grown;
        custom->cap = cap;
    }
    char *name = strdup(kernel);
    if (!name)
        return ldr_fail(AKL_ENOMEM, "launching %s of %s: out of host memory", kernel,
                        module->basename);
    rtError_t rc = rt->register_cpu_func(custom->bin, kernel, kernel, func);
    if (rc != RT_ERROR_NONE) {
        free(name);
        return ldr_fail_cann(rc, "launching %s of %s on device %d: rtsRegisterCpuFunc failed",
                             kernel, module->basename, (int)module->device);
    }
    custom->funcs[custom->count++] = (ldr_custom_func_t){name, *func};
    return 0;
}

static int ldr_custom_func(const ldr_runtime_t *rt, const akl_module_t *module, const char *kernel,
                           rtFuncHandle *func)
{
    struct ldr_custom_binary *custom = module->custom;
    pthread_rwlock_rdlock(&custom->lock);
    *func = ldr_custom_find(custom, kernel);
    pthread_rwlock_unlock(&custom->lock);
    if (*func)
        return 0;
    pthread_rwlock_wrlock(&custom->lock);
    *func = ldr_custom_find(custom, kernel);
    int rc = *func ? 0 : ldr_custom_add(rt, module, custom, kernel, func);
    pthread_rwlock_unlock(&custom->lock);
    return rc;
}

/* rtsLaunchCpuKernel of func with the payload as param; names from the registration. */
static rtError_t ldr_custom_submit(const ldr_runtime_t *rt, rtFuncHandle func, const void *payload,
                                   size_t payload_size, uint32_t blocks, akl_stream_t stream,
                                   uint32_t timeout_s)
{
    unsigned char empty[LDR_CUSTOM_EMPTY_PAYLOAD] = {0};
    rtCpuKernelArgs_t args = {
        .baseArgs = {.args = payload_size > 0 ? (void *)payload : empty,
                     .argsSize = (uint32_t)(payload_size > 0 ? payload_size : sizeof empty)},
        .cpuParamHeadOffset = 0,
    };
    rtLaunchKernelAttr_t attr = {.id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT};
    rtKernelLaunchCfg_t cfg = {.attrs = &attr, .numAttrs = 1};
    if (timeout_s > 0)
        attr.value.timeout =
            (uint16_t)(timeout_s < LDR_CUSTOM_MAX_TIMEOUT_S ? timeout_s : LDR_CUSTOM_MAX_TIMEOUT_S);
    return rt->launch_cpu_kernel(func, blocks, stream, timeout_s > 0 ? &cfg : NULL, &args);
}

int ldr_custom_launch(const ldr_runtime_t *rt, const akl_module_t *module, const char *kernel,
                      _Atomic(rtFuncHandle) *cached, const void *payload, size_t payload_size,
                      uint32_t blocks, akl_stream_t stream, uint32_t timeout_s)
{
    /* The module's table gives every thread the same function for a name, valid for the module's
     * life: threads that race to fill the slot store the same value. */
    rtFuncHandle func = atomic_load_explicit(cached, memory_order_acquire);
    if (!func) {
        int rc = ldr_custom_func(rt, module, kernel, &func);
        if (rc != 0)
            return rc;
        atomic_store_explicit(cached, func, memory_order_release);
    }
    rtError_t launched =
        ldr_custom_submit(rt, func, payload, payload_size, blocks, stream, timeout_s);
    if (launched != RT_ERROR_NONE)
        return ldr_fail_cann(launched,
                             "launching %s of %s on device %d by the custom route (%u blocks, "
                             "%zu bytes)",
                             kernel, module->basename, (int)module->device, blocks, payload_size);
    return 0;
}

static int ldr_custom_probe_run(const ldr_runtime_t *rt, rtBinHandle bin, int32_t device,
                                akl_stream_t stream, int32_t timeout_ms)
{
    rtFuncHandle func;
    rtError_t rc =
        rt->register_cpu_func(bin, LDR_CUSTOM_PROBE_KERNEL, LDR_CUSTOM_PROBE_KERNEL, &func);
    if (rc != RT_ERROR_NONE)
        return ldr_fail_cann(
            rc, "probing the custom route on device %" PRId32 ": rtsRegisterCpuFunc failed",
            device);
    rc = ldr_custom_submit(rt, func, NULL, 0, 1, stream, 0);
    if (rc != RT_ERROR_NONE)
        return ldr_fail_cann(
            rc, "probing the custom route on device %" PRId32 ": rtsLaunchCpuKernel failed",
            device);
    rc = timeout_ms < 0 ? rt->synchronize_stream(stream)
                        : rt->synchronize_stream_with_timeout(stream, timeout_ms);
    if (rc != ACL_SUCCESS)
        return ldr_fail_cann(rc,
                             "probing the custom route on device %" PRId32 ": the probe kernel "
                             "(akl's dispatcher's %s, run as KERNEL_TYPE_AICPU_CUSTOM) failed",
                             device, LDR_CUSTOM_PROBE_KERNEL);
    return 0;
}

int ldr_custom_probe(const ldr_runtime_t *rt, int32_t device, akl_stream_t stream,
                     int32_t timeout_ms)
{
    if (!ldr_custom_available(rt))
        return ldr_custom_unavailable(rt, "the probe", device);
    ldr_dispatcher_bytes_t dispatcher;
    int rc = ldr_dispatcher_get(rt->machine, &dispatcher);
    if (rc != 0)
        return rc;
    rtBinHandle bin = NULL;
    rc = ldr_custom_register(rt, dispatcher.data, dispatcher.size, "the probe", device, &bin);
    if (rc == 0)
        rc = ldr_custom_probe_run(rt, bin, device, stream, timeout_ms);
    /* After a sync timeout the task may still need the binary: it stays loaded. */
    if (bin && rt->binary_unload && rc != ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
        rt->binary_unload(bin);
    ldr_dispatcher_release(&dispatcher);
    return rc;
}

void ldr_custom_release(akl_module_t *module)
{
    struct ldr_custom_binary *custom = module->custom;
    if (!custom)
        return;
    module->custom = NULL;
    const ldr_runtime_t *rt = ldr_runtime_ready();
    if (rt && rt->binary_unload) {
        rtError_t rc = rt->binary_unload(custom->bin);
        if (rc != RT_ERROR_NONE)
            ldr_log(LDR_LOG_WARN, "unloading %s from device %d: rtsBinaryUnload returned %d",
                    module->basename, (int)module->device, (int)rc);
    }
    for (size_t i = 0; i < custom->count; i++)
        free(custom->funcs[i].kernel);
    free(custom->funcs);
    pthread_rwlock_destroy(&custom->lock);
    free(custom->bytes);
    free(custom);
}
