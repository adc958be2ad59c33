/* Test kernel for the device-side CANN services: written the way CANN kernels are, it declares
 * DlogRecord, CheckLogLevel and halGetDeviceInfo itself (as slog.h and ascend_hal.h would) and
 * resolves them from the aicpu scheduler that loads it. It logs one line and writes the answers of
 * a few halGetDeviceInfo queries into the device memory named by its args. */
#include <stddef.h>
#include <stdint.h>

#include "svck_abi.h"

/* CANN's declarations (toolchain/slog.h, driver/ascend_hal.h), values included. */
extern void DlogRecord(int moduleId, int level, const char *fmt, ...);
extern int CheckLogLevel(int moduleId, int level);
extern int halGetDeviceInfo(uint32_t devId, int32_t moduleType, int32_t infoType, int64_t *value);
#define DLOG_DEBUG 0
#define DLOG_ERROR 3
#define MODULE_TYPE_AICPU 1
#define MODULE_TYPE_CCPU 2
#define INFO_TYPE_CORE_NUM 3
#define INFO_TYPE_OS_SCHED 5
#define INFO_TYPE_OCCUPY 8

#define SVCK_EXPORT __attribute__((visibility("default")))

SVCK_EXPORT uint32_t svck_services(void *args);

uint32_t svck_services(void *args)
{
    const svck_args_t *a = args;
    svck_result_t *r = (svck_result_t *)(uintptr_t)a->out;
    DlogRecord(SVCK_MODULE_AICPU, DLOG_ERROR, SVCK_LOG_FORMAT, a->tag, a->device_id);
    /* devId 0 is this device inside an AICPU process, whatever the host calls it. */
    r->rc_os_sched = halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &r->os_sched);
    r->rc_core_num = halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &r->core_num);
    r->rc_occupy = halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OCCUPY, &r->occupy);
    r->other_device_value = SVCK_UNTOUCHED;
    r->rc_other_device = halGetDeviceInfo(a->device_id + 1, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM,
                                          &r->other_device_value);
    r->rc_null_value = halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, NULL);
    int64_t ignored = 0;
    r->rc_unsupported = halGetDeviceInfo(0, MODULE_TYPE_CCPU, INFO_TYPE_CORE_NUM, &ignored);
    r->check_error = CheckLogLevel(SVCK_MODULE_AICPU, DLOG_ERROR);
    r->check_debug = CheckLogLevel(SVCK_MODULE_AICPU, DLOG_DEBUG);
    __atomic_store_n(&r->done, 1U, __ATOMIC_RELEASE);
    return 0;
}
