/* Argument and result layouts of the device-services test kernel (svck_services.c), shared with
 * the tests that launch it. All fields are fixed-size so host and device agree. */
#ifndef AKL_TEST_SVCK_ABI_H
#define AKL_TEST_SVCK_ABI_H

#include <stdint.h>

/* The kernel logs with this module id: AICPU in CANN's slog module enum. */
#define SVCK_MODULE_AICPU 36
/* What the kernel logs, at DLOG_ERROR, with the args' tag and device id. */
#define SVCK_LOG_FORMAT "svck_services: tag %u on device %u"

typedef struct svck_args {
    uint64_t out;       /* device address of an svck_result_t */
    uint32_t device_id; /* the device the kernel runs on, as the host knows it */
    uint32_t tag;       /* logged, so the test can find the line */
} svck_args_t;

typedef struct svck_result {
    int64_t os_sched;           /* MODULE_TYPE_AICPU + INFO_TYPE_OS_SCHED, devId 0 */
    int64_t core_num;           /* MODULE_TYPE_AICPU + INFO_TYPE_CORE_NUM */
    int64_t other_device_value; /* untouched by the failing query: stays SVCK_UNTOUCHED */
    int32_t rc_os_sched;
    int32_t rc_core_num;
    int32_t rc_other_device; /* the host's id + 1: another device */
    int32_t rc_null_value;   /* value NULL */
    int32_t rc_unsupported;  /* MODULE_TYPE_CCPU + INFO_TYPE_CORE_NUM */
    int32_t check_error;     /* CheckLogLevel(AICPU, DLOG_ERROR) */
    int32_t check_debug;     /* CheckLogLevel(AICPU, DLOG_DEBUG) */
    int32_t rc_occupy;       /* MODULE_TYPE_AICPU + INFO_TYPE_OCCUPY */
    int64_t occupy;
    uint32_t done; /* 1 once the kernel has written everything */
} svck_result_t;

#define SVCK_UNTOUCHED INT64_C(-12345)

#endif /* AKL_TEST_SVCK_ABI_H */
