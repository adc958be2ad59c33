/* The device-side CANN services inside the real aicpu scheduler: the svck_services kernel,
 * launched as any AICPU kernel, resolves DlogRecord, CheckLogLevel and halGetDeviceInfo from the
 * scheduler that loads it; its log line lands in the device's own log file under the chip root
 * (written by the scheduler process, not the host), halGetDeviceInfo answers OS_SCHED = 1 and the
 * scheduler's worker count (AKL_SIM_AICPU_THREADS, 3 for this test), other queries get the
 * documented driver codes, and CheckLogLevel follows ASCEND_GLOBAL_LOG_LEVEL (1, INFO, here). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device_services.h"
#include "sim_paths.h"
#include "svck_abi.h"
#include "test_sim_util.h"
#include "test_support.h"
#include "test_svck_util.h"

#define SVCT_THREADS 3 /* AKL_SIM_AICPU_THREADS, set by tests/sim/services/sim_services.cmake */

/* Runs svck_services on device with tag; returns its answers. */
static void svct_run(int32_t device, uint32_t tag, svck_result_t *result)
{
    assert_int_equal(aclrtSetDevice(device), ACL_SUCCESS);
    assert_int_equal(svckt_install_once(device, SVCKT_SO), 0);
    svckt_run(device, tag, result);
}

/* The documented place: $ASCEND_PROCESS_LOG_PATH/debug/device-<id>/device-<id>.log (ctest sets
 * the variable for every test). */
static char *svct_read_log(int32_t device)
{
    char path[SIM_PATH_MAX + 64];
    assert_non_null(getenv("ASCEND_PROCESS_LOG_PATH"));
    snprintf(path, sizeof path, "%s/debug/device-%d/device-%d.log",
             getenv("ASCEND_PROCESS_LOG_PATH"), (int)device, (int)device);
    char *text = t_read_file(path, NULL);
    if (!text)
        fprintf(stderr, "cannot read the device log %s\n", path);
    return text;
}

/* The log line of tag, or NULL. */
static const char *svct_find_line(const char *log, uint32_t tag, int32_t device)
{
    char want[128];
    snprintf(want, sizeof want, SVCK_LOG_FORMAT, tag, (unsigned)device);
    const char *hit = strstr(log, want);
    if (!hit)
        return NULL;
    while (hit > log && hit[-1] != '\n')
        hit--;
    return hit;
}

static void test_services_answer_inside_the_scheduler(void **state)
{
    (void)state;
    svck_result_t r;
    svct_run(0, 1234, &r);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.rc_os_sched, DRV_ERROR_NONE);
    assert_int_equal(r.os_sched, 1);
    assert_int_equal(r.rc_core_num, DRV_ERROR_NONE);
    assert_int_equal(r.core_num, SVCT_THREADS);
    /* Another device's id, a NULL value, another module: the documented driver codes, and the
     * failed query leaves its output alone. */
    assert_int_equal(r.rc_other_device, DRV_ERROR_NO_DEVICE);
    assert_int_equal(r.other_device_value, SVCK_UNTOUCHED);
    assert_int_equal(r.rc_null_value, DRV_ERROR_INVALID_VALUE);
    assert_int_equal(r.rc_unsupported, DRV_ERROR_NOT_SUPPORT);
    /* ASCEND_GLOBAL_LOG_LEVEL=1: INFO and above are enabled. */
    assert_int_equal(r.check_error, 1);
    assert_int_equal(r.check_debug, 0);
}

static void test_log_line_lands_in_the_device_log(void **state)
{
    (void)state;
    svck_result_t r;
    svct_run(0, 4321, &r);
    pid_t scheduler = 0;
    assert_int_equal(simt_scheduler_pids(getpid(), &scheduler, 1), 1);
    char *log = svct_read_log(0);
    assert_non_null(log);
    const char *line = svct_find_line(log, 4321, 0);
    if (!line)
        fail_msg("no line for tag 4321 in the device log:\n%s", log);
    char head[64];
    snprintf(head, sizeof head, "[ERROR] module(%d) %d:", SVCK_MODULE_AICPU, (int)scheduler);
    if (strncmp(line, head, strlen(head)) != 0)
        fail_msg("line \"%.200s\" does not start with \"%s\"", line, head);
    free(log);
}

/* Devices 0 and 1 share chip 0's root, and each still has its own log. */
static void test_each_device_has_its_own_log(void **state)
{
    (void)state;
    svck_result_t r;
    svct_run(1, 77, &r);
    assert_int_equal(r.core_num, SVCT_THREADS);
    assert_int_equal(r.rc_other_device, DRV_ERROR_NO_DEVICE);
    char *log1 = svct_read_log(1);
    char *log0 = svct_read_log(0);
    assert_non_null(log1);
    assert_non_null(svct_find_line(log1, 77, 1));
    assert_true(!log0 || !svct_find_line(log0, 77, 1));
    free(log0);
    free(log1);
    assert_int_equal(aclrtResetDevice(1), ACL_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services_answer_inside_the_scheduler),
        cmocka_unit_test(test_log_line_lands_in_the_device_log),
        cmocka_unit_test(test_each_device_has_its_own_log),
    };
    return t_run_group_tests_name("sim_services", tests, simt_acl_group_setup,
                                  simt_acl_group_teardown);
}
