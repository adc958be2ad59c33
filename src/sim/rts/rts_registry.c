/* The Mode B registry: loaded binaries and their functions behind opaque handles. Each handle is a
 * serial number that is never reused, packed into a non-canonical address (so it can never equal a
 * real pointer, and a caller that dereferences one faults at once); every call looks its handle up
 * in the table of live handles, so a forged, stale or wrong-kind handle gets 107017 and never
 * touches memory. One mutex guards the table and the binaries' function lists; parsing and file
 * reading happen outside it. */
#include "sim_rts.h"
#include "rts_descriptor.h"
#include "rts_handles.h"
#include "rts_text.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>
#include "sim_held.h"

#define RTS_HANDLE_BASE UINT64_C(0xAC1D000000000000)
#define RTS_HANDLE_SERIAL_MAX (UINT64_C(1) << 44)
#define RTS_KIND_BINARY 1U
#define RTS_KIND_FUNC 2U

/* The CPU SO bytes of a binary, shared with sim_rts_image_acquire callers. */
typedef struct rts_image {
    void *data;
    size_t size;
    size_t refs; /* under the registry lock */
} rts_image_t;

typedef struct rts_binary rts_binary_t;

typedef struct rts_func {
    uint64_t handle;
    rts_binary_t *bin;
    rts_entry_t reg; /* op type, function name, SO, kernel type */
} rts_func_t;

struct rts_binary {
    uint64_t handle;
    int32_t mode;
    char *name; /* the descriptor or data, for messages */
    char so_name[SIM_RTS_SO_NAME_MAX + 1];
    rts_image_t *image; /* NULL for mode 0 */
    rts_func_t **funcs;
    size_t count;
    size_t cap;
};

/* The process's registry, as the design names it. */
static struct {
    pthread_mutex_t lock;
    rts_map_t handles;
    uint64_t next_serial;
    size_t live_binaries;
} reg = {PTHREAD_MUTEX_INITIALIZER, {NULL, NULL, 0, 0}, 1, 0};

/* ---- handles (registry lock held) ---- */

static uint64_t rts_handle_value(const void *handle)
{
    return (uint64_t)(uintptr_t)handle;
}

static void *rts_handle_pointer(uint64_t value)
{
    return (void *)(uintptr_t)value;
}

static int rts_handle_new(unsigned kind, void *object, uint64_t *handle)
{
    assert(sim_mutex_held(&reg.lock));
    if (reg.next_serial >= RTS_HANDLE_SERIAL_MAX)
        return -1;
    uint64_t value = RTS_HANDLE_BASE | reg.next_serial << 4 | kind;
    if (rts_map_put(&reg.handles, value, object) != 0)
        return -1;
    reg.next_serial++;
    *handle = value;
    return 0;
}

static void *rts_handle_lookup(const void *handle, unsigned kind)
{
    assert(sim_mutex_held(&reg.lock));
    uint64_t value = rts_handle_value(handle);
    if ((value & 0xF) != kind)
        return NULL;
    return rts_map_get(&reg.handles, value);
}

static rtError_t rts_bad_handle(const char *call, const char *what, const void *handle,
                                cmn_msg_t *msg)
{
    if (!handle)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the %s handle is NULL", call, what);
    return rts_fail(ACL_ERROR_RT_INVALID_HANDLE, msg,
                    "%s: %p is not a loaded %s handle (never returned by the simulator, or its "
                    "binary was unloaded)",
                    call, handle, what);
}

/* ---- objects ---- */

static void rts_image_unref(rts_image_t *image)
{
    if (!image)
        return;
    pthread_mutex_lock(&reg.lock);
    size_t left = --image->refs;
    pthread_mutex_unlock(&reg.lock);
    if (left == 0) {
        free(image->data);
        free(image);
    }
}

static void rts_func_free(rts_func_t *func)
{
    free(func->reg.op_type);
    free(func->reg.function_name);
    free(func->reg.kernel_so);
    free(func);
}

static void rts_binary_free(rts_binary_t *bin)
{
    for (size_t i = 0; i < bin->count; i++)
        rts_func_free(bin->funcs[i]);
    free(bin->funcs);
    rts_image_unref(bin->image);
    free(bin->name);
    free(bin);
}

static rtError_t rts_binary_new(const char *name, int32_t mode, const char *so_path,
                                rts_binary_t **out, cmn_msg_t *msg)
{
    const char *so_name = rts_basename(so_path);
    if (strlen(so_name) > SIM_RTS_SO_NAME_MAX)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "%s: the CPU SO name '%s' is %zu bytes, longer than the device's limit of "
                        "%d",
                        name, rts_show(so_name).text, strlen(so_name), SIM_RTS_SO_NAME_MAX);
    rts_binary_t *bin = calloc(1, sizeof *bin);
    if (!bin || !(bin->name = strdup(name))) {
        free(bin);
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", name);
    }
    bin->mode = mode;
    snprintf(bin->so_name, sizeof bin->so_name, "%s", so_name);
    *out = bin;
    return ACL_RT_SUCCESS;
}

static int rts_binary_reserve(rts_binary_t *bin, size_t more)
{
    if (bin->count + more <= bin->cap)
        return 0;
    size_t cap = bin->cap ? bin->cap : 8;
    while (cap < bin->count + more)
        cap *= 2;
    rts_func_t **funcs = realloc(bin->funcs, cap * sizeof *funcs);
    if (!funcs)
        return -1;
    bin->funcs = funcs;
    bin->cap = cap;
    return 0;
}

/* Moves the descriptor's entries into new functions of bin (no handles yet). */
static rtError_t rts_binary_take_entries(rts_binary_t *bin, rts_descriptor_t *desc, cmn_msg_t *msg)
{
    if (rts_binary_reserve(bin, desc->count) != 0)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", bin->name);
    for (size_t i = 0; i < desc->count; i++) {
        rts_func_t *func = calloc(1, sizeof *func);
        if (!func)
            return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", bin->name);
        func->bin = bin;
        func->reg = desc->entries[i];
        desc->entries[i] = (rts_entry_t){0};
        bin->funcs[bin->count++] = func;
    }
    return ACL_RT_SUCCESS;
}

static void rts_forget_handles(rts_binary_t *bin)
{
    for (size_t i = 0; i < bin->count; i++) {
        if (bin->funcs[i]->handle)
            rts_map_del(&reg.handles, bin->funcs[i]->handle);
    }
    if (bin->handle)
        rts_map_del(&reg.handles, bin->handle);
}

/* Gives bin and its functions handles and makes them visible; on failure frees bin. */
static rtError_t rts_binary_publish(rts_binary_t *bin, rtBinHandle *out, cmn_msg_t *msg)
{
    pthread_mutex_lock(&reg.lock);
    int failed = rts_handle_new(RTS_KIND_BINARY, bin, &bin->handle);
    for (size_t i = 0; !failed && i < bin->count; i++)
        failed = rts_handle_new(RTS_KIND_FUNC, bin->funcs[i], &bin->funcs[i]->handle);
    if (failed)
        rts_forget_handles(bin);
    else
        reg.live_binaries++;
    pthread_mutex_unlock(&reg.lock);
    if (failed) {
        rtError_t rc = rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg,
                                "%s: out of memory for handles", bin->name);
        rts_binary_free(bin);
        return rc;
    }
    *out = rts_handle_pointer(bin->handle);
    return ACL_RT_SUCCESS;
}

/* ---- loading ---- */

static rtError_t rts_check_out(const char *call, const void *out, cmn_msg_t *msg)
{
    if (!out)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the output handle pointer is NULL",
                        call);
    return ACL_RT_SUCCESS;
}

/* Parses a descriptor and builds an unpublished binary from it. */
static rtError_t rts_binary_from_descriptor(const void *json, size_t size, const char *name,
                                            int32_t mode, const char *so_path, rts_binary_t **out,
                                            cmn_msg_t *msg)
{
    rts_descriptor_t desc;
    rtError_t rc = rts_descriptor_parse(json, size, name, &desc, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    rts_binary_t *bin = NULL;
    rc = rts_binary_new(name, mode, so_path, &bin, msg);
    if (rc == ACL_RT_SUCCESS)
        rc = rts_binary_take_entries(bin, &desc, msg);
    rts_descriptor_free(&desc);
    if (rc != ACL_RT_SUCCESS && bin)
        rts_binary_free(bin);
    *out = rc == ACL_RT_SUCCESS ? bin : NULL;
    return rc;
}

static rtError_t rts_attach_image(rts_binary_t *bin, void *data, size_t size, cmn_msg_t *msg)
{
    rts_image_t *image = calloc(1, sizeof *image);
    if (!image) {
        free(data);
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", bin->name);
    }
    *image = (rts_image_t){data, size, 1};
    bin->image = image;
    return ACL_RT_SUCCESS;
}

static rtError_t rts_check_file_mode(const char *path, int32_t mode, cmn_msg_t *msg)
{
    if (mode == SIM_RTS_MODE_NONE)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromFile: %s: no RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE option; "
                        "without it CANN loads an AICore binary, which the simulator does not run",
                        path);
    if (mode != SIM_RTS_MODE_JSON && mode != SIM_RTS_MODE_SO_AND_JSON)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromFile: cpuKernelMode %d is invalid (0: load only the JSON "
                        "file, 1: load the CPU SO and its JSON file)",
                        mode);
    return ACL_RT_SUCCESS;
}

/* Reads and parses the JSON, and for mode 1 reads the SO; returns an unpublished binary. */
static rtError_t rts_binary_from_files(const char *json_path, const char *so_path, int32_t mode,
                                       rts_binary_t **out, cmn_msg_t *msg)
{
    void *json = NULL;
    size_t json_size = 0;
    rtError_t rc = rts_read_file(json_path, SIM_RTS_DESCRIPTOR_MAX, "JSON op descriptor", &json,
                                 &json_size, msg);
    rts_binary_t *bin = NULL;
    if (rc == ACL_RT_SUCCESS)
        rc = rts_binary_from_descriptor(json, json_size, json_path, mode, so_path, &bin, msg);
    free(json);
    if (rc == ACL_RT_SUCCESS && mode == SIM_RTS_MODE_SO_AND_JSON) {
        void *image = NULL;
        size_t image_size = 0;
        rc = rts_read_file(so_path, SIM_RTS_IMAGE_MAX, "CPU kernel SO (cpuKernelMode 1)", &image,
                           &image_size, msg);
        if (rc == ACL_RT_SUCCESS)
            rc = rts_attach_image(bin, image, image_size, msg);
    }
    if (rc != ACL_RT_SUCCESS && bin) {
        rts_binary_free(bin);
        bin = NULL;
    }
    *out = bin;
    return rc;
}

rtError_t sim_rts_binary_load_file(const char *path, int32_t mode, rtBinHandle *out, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    rtError_t rc = rts_check_out("rtsBinaryLoadFromFile", out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    *out = NULL;
    if (!path || !*path)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "rtsBinaryLoadFromFile: the path is %s",
                        path ? "empty" : "NULL");
    if ((rc = rts_check_file_mode(path, mode, msg)) != ACL_RT_SUCCESS)
        return rc;
    char json_path[PATH_MAX], so_path[PATH_MAX];
    if (rts_replace_extension(path, ".json", json_path, sizeof json_path) != 0 ||
        rts_replace_extension(path, ".so", so_path, sizeof so_path) != 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromFile: the path is longer than %d bytes", PATH_MAX - 8);
    rts_binary_t *bin = NULL;
    rc = rts_binary_from_files(json_path, so_path, mode, &bin, msg);
    return rc == ACL_RT_SUCCESS ? rts_binary_publish(bin, out, msg) : rc;
}

rtError_t sim_rts_binary_load_descriptor(const void *json, size_t size, const char *name,
                                         rtBinHandle *out, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    rtError_t rc = rts_check_out("sim_rts_binary_load_descriptor", out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    *out = NULL;
    if (!name || !*name)
        name = "(descriptor)";
    char so_path[PATH_MAX];
    if (rts_replace_extension(name, ".so", so_path, sizeof so_path) != 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "descriptor name is too long");
    rts_binary_t *bin = NULL;
    rc = rts_binary_from_descriptor(json, size, name, SIM_RTS_MODE_JSON, so_path, &bin, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    return rts_binary_publish(bin, out, msg);
}

/* CANN names a data-loaded SO after a hash of its bytes and its length; the simulator hashes all
 * of them, so different bytes never share a name. */
static void rts_data_so_name(const void *data, size_t size, char *out, size_t cap)
{
    snprintf(out, cap, "%" PRIu64 "_%zu.so", (uint64_t)XXH3_64bits(data, size), size);
}

rtError_t sim_rts_binary_load_data(const void *data, uint64_t length, int32_t mode,
                                   rtBinHandle *out, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    rtError_t rc = rts_check_out("rtsBinaryLoadFromData", out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    *out = NULL;
    if (!data || length == 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "rtsBinaryLoadFromData: %s",
                        data ? "length is 0" : "data is NULL");
    if (mode != SIM_RTS_MODE_DATA)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromData: cpuKernelMode %d is invalid (only 2: load from "
                        "data%s)",
                        mode, mode == SIM_RTS_MODE_NONE ? "; the option is missing" : "");
    if (length > SIM_RTS_IMAGE_MAX)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromData: %" PRIu64 " bytes is more than the %zu-byte limit",
                        length, SIM_RTS_IMAGE_MAX);
    size_t size = (size_t)length;
    char so_name[64];
    rts_data_so_name(data, size, so_name, sizeof so_name);
    void *copy = malloc(size);
    if (!copy)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg,
                        "rtsBinaryLoadFromData: out of memory for %zu bytes", size);
    memcpy(copy, data, size);
    rts_binary_t *bin = NULL;
    rc = rts_binary_new(so_name, SIM_RTS_MODE_DATA, so_name, &bin, msg);
    if (rc != ACL_RT_SUCCESS) {
        free(copy);
        return rc;
    }
    if ((rc = rts_attach_image(bin, copy, size, msg)) != ACL_RT_SUCCESS) {
        rts_binary_free(bin);
        return rc;
    }
    return rts_binary_publish(bin, out, msg);
}

rtError_t sim_rts_binary_unload(rtBinHandle handle, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    pthread_mutex_lock(&reg.lock);
    rts_binary_t *bin = rts_handle_lookup(handle, RTS_KIND_BINARY);
    if (bin) {
        rts_forget_handles(bin);
        reg.live_binaries--;
    }
    pthread_mutex_unlock(&reg.lock);
    if (!bin)
        return rts_bad_handle("rtsBinaryUnload", "binary", handle, msg);
    rts_binary_free(bin);
    return ACL_RT_SUCCESS;
}

/* ---- functions ---- */

static rts_func_t *rts_find_op(const rts_binary_t *bin, const char *op_type)
{
    for (size_t i = 0; i < bin->count; i++) {
        if (strcmp(bin->funcs[i]->reg.op_type, op_type) == 0)
            return bin->funcs[i];
    }
    return NULL;
}

/* "A, B, C" (the first few op types of bin), for a miss's message. */
static void rts_list_ops(const rts_binary_t *bin, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < bin->count && i < 8 && len + 1 < cap; i++) {
        int n = snprintf(out + len, cap - len, "%s'%s'", i ? ", " : "",
                         rts_show(bin->funcs[i]->reg.op_type).text);
        len += n > 0 ? (size_t)n : 0;
    }
    if (bin->count > 8 && len + 1 < cap)
        snprintf(out + len, cap - len, ", ...");
}

static rtError_t rts_check_name(const char *call, const char *what, const char *name, size_t max,
                                cmn_msg_t *msg)
{
    if (!name || !*name)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the %s is %s", call, what,
                        name ? "empty" : "NULL");
    if (strlen(name) > max)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "%s: the %s '%s' is %zu bytes, longer than %zu", call, what,
                        rts_show(name).text, strlen(name), max);
    return ACL_RT_SUCCESS;
}

/* What rtsFuncGetByName and rtsRegisterCpuFunc check first: an out pointer (cleared) and a
 * binary handle. */
static rtError_t rts_func_call_start(const char *call, rtBinHandle handle, rtFuncHandle *out,
                                     cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    rtError_t rc = rts_check_out(call, out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    *out = NULL;
    return handle ? ACL_RT_SUCCESS : rts_bad_handle(call, "binary", handle, msg);
}

rtError_t sim_rts_func_get_by_name(rtBinHandle handle, const char *op_type, rtFuncHandle *out,
                                   cmn_msg_t *msg)
{
    static const char call[] = "rtsFuncGetByName";
    rtError_t rc = rts_func_call_start(call, handle, out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    if (!op_type)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the op type is NULL", call);
    pthread_mutex_lock(&reg.lock);
    rts_binary_t *bin = rts_handle_lookup(handle, RTS_KIND_BINARY);
    rts_func_t *func = bin ? rts_find_op(bin, op_type) : NULL;
    if (func) {
        *out = rts_handle_pointer(func->handle);
    } else if (bin) {
        char ops[512];
        rts_list_ops(bin, ops, sizeof ops);
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: %s registers no op type '%s' (it has %zu: %s)", call, bin->name,
                      rts_show(op_type).text, bin->count, ops);
    }
    pthread_mutex_unlock(&reg.lock);
    if (!bin)
        return rts_bad_handle(call, "binary", handle, msg);
    return rc;
}

static rtError_t rts_add_func(rts_binary_t *bin, const char *func_name, const char *op_type,
                              rts_func_t **out, cmn_msg_t *msg)
{
    rts_func_t *func = calloc(1, sizeof *func);
    if (func) {
        func->bin = bin;
        func->reg = (rts_entry_t){strdup(op_type), strdup(func_name), strdup(bin->so_name),
                                  KERNEL_TYPE_AICPU_CUSTOM};
    }
    if (!func || !func->reg.op_type || !func->reg.function_name || !func->reg.kernel_so ||
        rts_binary_reserve(bin, 1) != 0 || rts_handle_new(RTS_KIND_FUNC, func, &func->handle)) {
        if (func)
            rts_func_free(func);
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", bin->name);
    }
    bin->funcs[bin->count++] = func;
    *out = func;
    return ACL_RT_SUCCESS;
}

rtError_t sim_rts_func_register(rtBinHandle handle, const char *func_name, const char *op_type,
                                rtFuncHandle *out, cmn_msg_t *msg)
{
    static const char call[] = "rtsRegisterCpuFunc";
    rtError_t rc = rts_func_call_start(call, handle, out, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    if ((rc = rts_check_name(call, "function name", func_name, SIM_RTS_FUNC_NAME_MAX, msg)) ||
        (rc = rts_check_name(call, "op type", op_type, SIM_RTS_OP_TYPE_MAX, msg)))
        return rc;
    pthread_mutex_lock(&reg.lock);
    rts_binary_t *bin = rts_handle_lookup(handle, RTS_KIND_BINARY);
    rts_func_t *func = bin ? rts_find_op(bin, op_type) : NULL;
    if (func)
        rts_fail(ACL_RT_SUCCESS, msg,
                 "%s: warning: op type '%s' is already registered in %s (function '%s'); the first "
                 "registration wins",
                 call, rts_show(op_type).text, bin->name, rts_show(func->reg.function_name).text);
    else if (bin)
        rc = rts_add_func(bin, func_name, op_type, &func, msg);
    if (func)
        *out = rts_handle_pointer(func->handle);
    pthread_mutex_unlock(&reg.lock);
    if (!bin)
        return rts_bad_handle(call, "binary", handle, msg);
    return rc;
}

/* Names were checked against the field sizes at registration; the cut is only a guard. This runs
 * on every launch, hence memcpy rather than snprintf. */
static void rts_copy_name(char *dst, size_t cap, const char *src)
{
    size_t len = strnlen(src, cap - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void rts_copy_func_info(const void *object, void *out)
{
    const rts_func_t *func = object;
    sim_rts_func_info_t *info = out;
    rts_copy_name(info->op_type, sizeof info->op_type, func->reg.op_type);
    rts_copy_name(info->function_name, sizeof info->function_name, func->reg.function_name);
    rts_copy_name(info->kernel_so, sizeof info->kernel_so, func->reg.kernel_so);
    info->kernel_type = func->reg.kernel_type;
}

static void rts_copy_binary_info(const void *object, void *out)
{
    const rts_binary_t *bin = object;
    sim_rts_binary_info_t *info = out;
    info->mode = bin->mode;
    memcpy(info->so_name, bin->so_name, sizeof info->so_name);
    info->function_count = bin->count;
    info->image_size = bin->image ? bin->image->size : 0;
}

/* A handle's description (what: "function" or "binary"), copied under the registry's lock. */
static rtError_t rts_describe(const void *handle, unsigned kind, const char *what,
                              void (*copy)(const void *, void *), void *info, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!info)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s info output is NULL", what);
    pthread_mutex_lock(&reg.lock);
    const void *object = rts_handle_lookup(handle, kind);
    if (object)
        copy(object, info);
    pthread_mutex_unlock(&reg.lock);
    return object ? ACL_RT_SUCCESS : rts_bad_handle(what, what, handle, msg);
}

rtError_t sim_rts_func_describe(rtFuncHandle handle, sim_rts_func_info_t *info, cmn_msg_t *msg)
{
    return rts_describe(handle, RTS_KIND_FUNC, "function", rts_copy_func_info, info, msg);
}

rtError_t sim_rts_binary_describe(rtBinHandle handle, sim_rts_binary_info_t *info, cmn_msg_t *msg)
{
    return rts_describe(handle, RTS_KIND_BINARY, "binary", rts_copy_binary_info, info, msg);
}

rtError_t sim_rts_image_acquire(rtBinHandle handle, sim_rts_image_t *image, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!image)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "image output is NULL");
    *image = (sim_rts_image_t){0};
    rtError_t rc = ACL_RT_SUCCESS;
    pthread_mutex_lock(&reg.lock);
    rts_binary_t *bin = rts_handle_lookup(handle, RTS_KIND_BINARY);
    if (bin && bin->image) {
        bin->image->refs++;
        *image = (sim_rts_image_t){bin->image->data, bin->image->size, {0}, bin->image};
        memcpy(image->so_name, bin->so_name, sizeof image->so_name);
    } else if (bin) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: loaded with cpuKernelMode 0, it has no CPU SO image", bin->name);
    }
    pthread_mutex_unlock(&reg.lock);
    return bin ? rc : rts_bad_handle("binary", "binary", handle, msg);
}

void sim_rts_image_release(sim_rts_image_t *image)
{
    if (!image || !image->ref)
        return;
    rts_image_unref(image->ref);
    *image = (sim_rts_image_t){0};
}

/* ---- launching ---- */

rtError_t sim_rts_prepare_launch(rtFuncHandle handle, const rtKernelLaunchCfg_t *cfg,
                                 sim_rts_launch_t *launch, cmn_msg_t *msg)
{
    static const char call[] = "rtsLaunchCpuKernel";
    cmn_msg_clear(msg);
    if (!launch)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: launch output is NULL", call);
    /* Not a whole-struct clear: this runs on every launch and the names are filled below. */
    launch->func.op_type[0] = launch->func.function_name[0] = launch->func.kernel_so[0] = '\0';
    launch->func.kernel_type = 0;
    launch->opts = (sim_rts_launch_opts_t){0};
    launch->bin = NULL;
    launch->has_image = false;
    if (!handle)
        return rts_bad_handle(call, "function", handle, msg);
    pthread_mutex_lock(&reg.lock);
    rts_func_t *func = rts_handle_lookup(handle, RTS_KIND_FUNC);
    if (func) {
        rts_copy_func_info(func, &launch->func);
        launch->bin = rts_handle_pointer(func->bin->handle);
        launch->has_image = func->bin->image != NULL;
    }
    pthread_mutex_unlock(&reg.lock);
    if (!func)
        return rts_bad_handle(call, "function", handle, msg);
    return sim_rts_parse_launch_cfg(cfg, &launch->opts, msg);
}

size_t sim_rts_live_binaries(void)
{
    pthread_mutex_lock(&reg.lock);
    size_t n = reg.live_binaries;
    pthread_mutex_unlock(&reg.lock);
    return n;
}
