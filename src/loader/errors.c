/* Names and explanations of every error code libakl can return (its own AKL_E* and CANN's codes
 * passed through), and the thread-local message of the most recent failure. */
#include "errors.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "akl/akl.h"
#include "log.h"

typedef struct ldr_code_entry {
    int code;
    const char *name;
    const char *text;
} ldr_code_entry_t;

static const ldr_code_entry_t ldr_own_codes[] = {{AKL_OK, "AKL_OK", "success"},
#define LDR_ERRNO_ROW_(name, value, text) {value, "AKL_" #name, text},
                                                 AKL_ERRNO_MAP(LDR_ERRNO_ROW_)
#undef LDR_ERRNO_ROW_
};

/* CANN's codes with their names and meanings as in docs/cann-facts.md section 2 (a superset of
 * include/acl/error_codes/rt_error_codes.h, so codes a real CANN returns are named too). */
static const ldr_code_entry_t ldr_cann_codes[] = {
    {100000, "ACL_ERROR_INVALID_PARAM", "ACL: invalid parameter"},
    {100001, "ACL_ERROR_UNINITIALIZE", "ACL: not initialized (aclInit not called)"},
    {100002, "ACL_ERROR_REPEAT_INITIALIZE", "ACL: initialized twice"},
    {107000, "ACL_ERROR_RT_PARAM_INVALID", "parameter invalid"},
    {107001, "ACL_ERROR_RT_INVALID_DEVICEID", "invalid device id"},
    {107002, "ACL_ERROR_RT_CONTEXT_NULL", "current context is null"},
    {107003, "ACL_ERROR_RT_STREAM_CONTEXT", "stream not in current context"},
    {107004, "ACL_ERROR_RT_MODEL_CONTEXT", "model not in current context"},
    {107005, "ACL_ERROR_RT_STREAM_MODEL", "stream not in model"},
    {107008, "ACL_ERROR_RT_ADDR_UNALIGNED", "memory address unaligned"},
    {107009, "ACL_ERROR_RT_FILE_OPEN", "open file failed"},
    {107010, "ACL_ERROR_RT_FILE_WRITE", "write file failed"},
    {107011, "ACL_ERROR_RT_STREAM_SUBSCRIBE", "error subscribing stream"},
    {107012, "ACL_ERROR_RT_THREAD_SUBSCRIBE", "error subscribing thread"},
    {107013, "ACL_ERROR_RT_GROUP_NOT_SET", "group not set"},
    {107014, "ACL_ERROR_RT_GROUP_NOT_CREATE", "group not created"},
    {107015, "ACL_ERROR_RT_STREAM_NO_CB_REG", "callback not registered to stream"},
    {107016, "ACL_ERROR_RT_INVALID_MEMORY_TYPE", "invalid memory type"},
    {107017, "ACL_ERROR_RT_INVALID_HANDLE", "invalid handle"},
    {107018, "ACL_ERROR_RT_INVALID_MALLOC_TYPE", "invalid malloc type"},
    {107019, "ACL_ERROR_RT_WAIT_TIMEOUT", "wait timeout"},
    {107020, "ACL_ERROR_RT_TASK_TIMEOUT", "task timeout"},
    {107022, "ACL_ERROR_RT_DEVICE_TASK_ABORT", "device task aborting"},
    {107023, "ACL_ERROR_RT_STREAM_ABORT", "stream aborting"},
    {107042, "ACL_ERROR_RT_SYMBOL_NOT_FOUND", "symbol not found"},
    {107044, "ACL_ERROR_RT_INVALID_DEVICE_FUNCTION", "invalid device function"},
    {207000, "ACL_ERROR_RT_FEATURE_NOT_SUPPORT", "feature not supported"},
    {207001, "ACL_ERROR_RT_MEMORY_ALLOCATION", "out of device memory"},
    {207002, "ACL_ERROR_RT_MEMORY_FREE", "memory free error"},
    {207004, "ACL_ERROR_RT_NO_DEVICE", "no device"},
    {207005, "ACL_ERROR_RT_RESOURCE_ALLOC_FAIL", "resource allocation failed"},
    {207006, "ACL_ERROR_RT_NO_PERMISSION", "no permission"},
    {207008, "ACL_ERROR_RT_NO_STREAM_RESOURCE", "no stream resource"},
    {207018, "ACL_ERROR_RT_DEVICE_OOM", "device out of memory"},
    {207020, "ACL_ERROR_RT_TIMEOUT", "driver timeout"},
    {507000, "ACL_ERROR_RT_INTERNAL_ERROR", "runtime internal error"},
    {507001, "ACL_ERROR_RT_TS_ERROR", "TS internal error"},
    {507002, "ACL_ERROR_RT_STREAM_TASK_FULL", "task full in stream"},
    {507004, "ACL_ERROR_RT_STREAM_NOT_COMPLETE", "stream not complete"},
    {507005, "ACL_ERROR_RT_END_OF_SEQUENCE", "end of sequence"},
    {507010, "ACL_ERROR_RT_LOST_HEARTBEAT", "TS lost heartbeat"},
    {507011, "ACL_ERROR_RT_MODEL_EXECUTE", "model execute failed"},
    {507012, "ACL_ERROR_RT_REPORT_TIMEOUT", "report timeout"},
    {507013, "ACL_ERROR_RT_SYS_DMA", "system DMA error"},
    {507014, "ACL_ERROR_RT_AICORE_TIMEOUT", "AICore timeout"},
    {507015, "ACL_ERROR_RT_AICORE_EXCEPTION", "AICore exception"},
    {507016, "ACL_ERROR_RT_AICORE_TRAP_EXCEPTION", "AICore trap exception"},
    {507017, "ACL_ERROR_RT_AICPU_TIMEOUT", "AICPU timeout"},
    {507018, "ACL_ERROR_RT_AICPU_EXCEPTION", "AICPU exception (the task failed on the device)"},
    {507019, "ACL_ERROR_RT_AICPU_DATADUMP_RSP_ERR", "AICPU datadump response error"},
    {507020, "ACL_ERROR_RT_AICPU_MODEL_RSP_ERR", "AICPU model operation response error"},
    {507024, "ACL_ERROR_RT_KERNEL_UNREGISTERING", "kernel unregistering"},
    {507027, "ACL_ERROR_RT_KERNEL_LOOKUP", "kernel lookup error"},
    {507028, "ACL_ERROR_RT_KERNEL_DUPLICATE", "kernel registered twice"},
    {507033, "ACL_ERROR_RT_DEV_SETUP_ERROR", "device setup error"},
    {507034, "ACL_ERROR_RT_VECTOR_CORE_TIMEOUT", "vector core timeout"},
    {507035, "ACL_ERROR_RT_VECTOR_CORE_EXCEPTION", "vector core exception"},
    {507046, "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT", "stream synchronize timed out"},
    {507047, "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT", "event synchronize timed out"},
    {507053, "ACL_ERROR_RT_DEVICE_MEM_ERROR", "device memory error"},
    {507054, "ACL_ERROR_RT_HBM_MULTI_BIT_ECC_ERROR", "HBM multi-bit ECC error"},
    {507899, "ACL_ERROR_RT_DRV_INTERNAL_ERROR", "driver internal error"},
    {507900, "ACL_ERROR_RT_AICPU_INTERNAL_ERROR", "AICPU internal error"},
    {507901, "ACL_ERROR_RT_SOCKET_CLOSE", "HDC disconnect"},
};

#define LDR_COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const ldr_code_entry_t *ldr_code_find(int code)
{
    const ldr_code_entry_t *table = code > 0 ? ldr_cann_codes : ldr_own_codes;
    size_t count = code > 0 ? LDR_COUNT_OF(ldr_cann_codes) : LDR_COUNT_OF(ldr_own_codes);
    for (size_t i = 0; i < count; i++) {
        if (table[i].code == code)
            return &table[i];
    }
    return NULL;
}

const char *akl_errname(int code)
{
    const ldr_code_entry_t *entry = ldr_code_find(code);
    return entry ? entry->name : "UNKNOWN";
}

const char *akl_strerror(int code)
{
    const ldr_code_entry_t *entry = ldr_code_find(code);
    return entry ? entry->text : "unknown error code";
}

/* The message outlives the failing call so that the caller can fetch it afterwards. */
static __thread char ldr_error_message[LDR_ERROR_MESSAGE_MAX];

const char *akl_last_error(void)
{
    return ldr_error_message;
}

static int ldr_fail_finish(int code)
{
    ldr_log(LDR_LOG_ERROR, "%s", ldr_error_message);
    return code;
}

int ldr_fail_copy(int code, const char *text)
{
    if (text != ldr_error_message)
        snprintf(ldr_error_message, sizeof ldr_error_message, "%s", text ? text : "");
    return ldr_fail_finish(code);
}

void ldr_error_restore(const char *text)
{
    if (text != ldr_error_message)
        snprintf(ldr_error_message, sizeof ldr_error_message, "%s", text ? text : "");
}

int ldr_fail(int code, const char *fmt, ...)
{
    char text[LDR_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return ldr_fail_copy(code, text);
}

size_t ldr_load_prefix(char *buf, size_t cap, const char *what, int32_t device)
{
    int used = snprintf(buf, cap, "loading %s on device %" PRId32, what, device);
    if (used < 0)
        return 0;
    return (size_t)used < cap ? (size_t)used : cap - 1;
}

int ldr_fail_load(int code, const char *what, int32_t device, const char *fmt, ...)
{
    char text[LDR_ERROR_MESSAGE_MAX];
    size_t at = ldr_load_prefix(text, sizeof text, what, device);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + at, sizeof text - at, fmt, ap);
    va_end(ap);
    return ldr_fail_copy(code, text);
}
