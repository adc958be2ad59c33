/* Simulator core, device failures: a kernel that segfaults or aborts, an AICPU op timeout (per
 * task and global), and a scheduler killed with SIGKILL while work is in flight. The host gets an
 * error, never a crash; the device fails every call with 507899 until aclrtResetDevice, and then
 * works again. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_sim_util.h"
#include "test_support.h"

static bool no_scheduler_left(void *arg)
{
    (void)arg;
    pid_t pids[4];
    return simt_scheduler_pids(getpid(), pids, 4) == 0;
}

static int teardown(void **state)
{
    (void)state;
    aclrtSetOpExecuteTimeOutWithMs(0);
    aclFinalize();
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    return 0;
}

static void launch_simple(const char *kernel, const void *payload, size_t size, uint32_t blocks,
                          uint32_t type, uint32_t flags, uint16_t timeout)
{
    simt_blob_t b;
    simt_blob_init(&b, payload, size, kernel, SIMK_SO);
    b.info.timeout = timeout;
    assert_int_equal(simt_launch(type, &b, blocks, NULL, flags), ACL_SUCCESS);
}

/* Every call on the dead device fails with 507899; a reset restores a working device. */
static void expect_dead_then_recover(void)
{
    void *p;
    simk_return_args_t ra = {0, 0xFFFFFFFFU};
    simt_blob_t b;
    simt_blob_init(&b, &ra, sizeof ra, "simk_return", SIMK_SO);
    assert_int_equal(aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "aclrtResetDevice", NULL));
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0),
                     ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_int_equal(aclrtSynchronizeDevice(), ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    aclrtStream s;
    assert_int_equal(aclrtCreateStream(&s), ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_int_equal(aclrtSetDevice(0), ACL_ERROR_RT_DRV_INTERNAL_ERROR);

    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    aclError rc = aclrtSetDevice(0);
    if (rc != ACL_SUCCESS)
        fprintf(stderr, "aclrtSetDevice(0) after the reset: %s\n", aclGetRecentErrMsg());
    assert_int_equal(rc, ACL_SUCCESS);
    simk_record_t *out = simt_dev_zalloc(4 * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), 1, 0};
    launch_simple("simk_record", &a, sizeof a, 4, KERNEL_TYPE_AICPU, 0, 0);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(simt_read_u32(counter), 4);
}

static void test_segfaulting_kernel(void **state)
{
    (void)state;
    int dummy = 0;
    launch_simple("simk_segv", &dummy, sizeof dummy, 1, KERNEL_TYPE_AICPU, 0, 0);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "kernel 'simk_segv'", SIMK_SO, "block 0",
                             "crashed with signal", NULL));
    expect_dead_then_recover();
}

/* The handler runs on an alternate stack: on the overflowed one it could not run at all, and the
 * scheduler would die without saying which kernel killed it. */
static void test_stack_overflowing_kernel(void **state)
{
    (void)state;
    simk_overflow_args_t a = {0xFFFFFFFFU};
    launch_simple("simk_overflow", &a, sizeof a, 1, KERNEL_TYPE_AICPU, 0, 0);
    aclError rc = aclrtSynchronizeStream(NULL);
    if (rc != ACL_ERROR_RT_AICPU_EXCEPTION)
        fprintf(stderr, "synchronize returned %d: %s\n", rc, aclGetRecentErrMsg());
    assert_int_equal(rc, ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "kernel 'simk_overflow'", SIMK_SO,
                             "crashed with signal 11", "SIGSEGV", NULL));
    expect_dead_then_recover();
}

static void test_stack_overflow_in_worker_threads(void **state)
{
    (void)state;
    simk_overflow_args_t a = {0xFFFFFFFFU};
    launch_simple("simk_overflow", &a, sizeof a, 8, KERNEL_TYPE_AICPU, 0, 0);
    aclError rc = aclrtSynchronizeStream(NULL);
    if (rc != ACL_ERROR_RT_AICPU_EXCEPTION)
        fprintf(stderr, "synchronize returned %d: %s\n", rc, aclGetRecentErrMsg());
    assert_int_equal(rc, ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "kernel 'simk_overflow'",
                             "crashed with signal 11", NULL));
    expect_dead_then_recover();
}

static void test_aborting_kernel_in_a_worker_thread(void **state)
{
    (void)state;
    int dummy = 0;
    launch_simple("simk_abort", &dummy, sizeof dummy, 4, KERNEL_TYPE_AICPU, 0, 0);
    aclError rc = aclrtSynchronizeStream(NULL);
    if (rc != ACL_ERROR_RT_AICPU_EXCEPTION)
        fprintf(stderr, "synchronize returned %d: %s\n", rc, aclGetRecentErrMsg());
    assert_int_equal(rc, ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(
        simt_msg_has(aclGetRecentErrMsg(), "kernel 'simk_abort'", "signal 6", "SIGABRT", NULL));
    expect_dead_then_recover();
}

static void launch_wait(uint32_t *flag, uint32_t type, uint32_t flags, uint16_t timeout)
{
    simk_wait_args_t w = {simt_addr(flag), 30000, 0};
    launch_simple("simk_wait_flag", &w, sizeof w, 1, type, flags, timeout);
}

static void test_per_task_timeout(void **state)
{
    (void)state;
    uint32_t *flag = simt_dev_zalloc(4);
    /* 0xFFFF means never: this one is not ended (a sync timeout proves it still runs). */
    launch_wait(flag, KERNEL_TYPE_AICPU, RT_KERNEL_USE_SPECIAL_TIMEOUT, 0xFFFF);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(NULL, 100),
                     ACL_ERROR_RT_STREAM_SYNC_TIMEOUT);
    uint32_t one = 1;
    simt_write(flag, &one, sizeof one);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    simt_write(flag, &(uint32_t){0}, sizeof one);

    launch_wait(flag, KERNEL_TYPE_AICPU, RT_KERNEL_USE_SPECIAL_TIMEOUT, 1);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "timeout", "simk_wait_flag", "1000 ms", NULL));
    expect_dead_then_recover();
}

static void test_global_timeout_in_ms(void **state)
{
    (void)state;
    uint32_t *flag = simt_dev_zalloc(4);
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(200), ACL_SUCCESS);
    launch_wait(flag, KERNEL_TYPE_AICPU, 0, 0);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "200 ms", NULL));
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(0), ACL_SUCCESS);
    expect_dead_then_recover();
}

static void test_kfc_tasks_are_not_timed(void **state)
{
    (void)state;
    uint32_t *flag = simt_dev_zalloc(4);
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(100), ACL_SUCCESS);
    launch_wait(flag, KERNEL_TYPE_AICPU_KFC, RT_KERNEL_USE_SPECIAL_TIMEOUT, 1);
    /* Well past both limits, the task still runs and the device is alive. */
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(NULL, 1300),
                     ACL_ERROR_RT_STREAM_SYNC_TIMEOUT);
    uint32_t one = 1;
    simt_write(flag, &one, sizeof one);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
}

static void test_scheduler_killed_with_work_in_flight(void **state)
{
    (void)state;
    uint32_t *flag = simt_dev_zalloc(4);
    launch_wait(flag, KERNEL_TYPE_AICPU, 0, 0);
    pid_t sched;
    assert_int_equal(simt_scheduler_pids(getpid(), &sched, 1), 1);
    assert_int_equal(kill(sched, SIGKILL), 0);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "killed by signal 9", NULL));
    expect_dead_then_recover();
}

/* raise(SIGSTOP) in a kernel stops the scheduler's own watchdog too: the host times the task out
 * (deadline plus ACLSIM_TIMEOUT_GRACE_NS) instead of waiting forever. */
static void test_kernel_stopping_its_scheduler_is_timed_out_by_the_host(void **state)
{
    (void)state;
    launch_simple("simk_stop", "x", 1, 1, KERNEL_TYPE_AICPU, RT_KERNEL_USE_SPECIAL_TIMEOUT, 1);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "timeout", "kernel 'simk_stop'", "1000 ms",
                             "host killed", NULL));
    expect_dead_then_recover();
}

static bool scheduler_stopped(void *arg)
{
    pid_t pid = *(pid_t *)arg;
    char comm[64], st = 0;
    pid_t ppid;
    return t_proc_stat(pid, comm, sizeof comm, &ppid, &st) && st == 'T';
}

/* An untimed task that stopped its scheduler: a reset still ends the device (SIGKILL ends a
 * stopped process) and returns. */
static void test_reset_kills_a_stopped_scheduler(void **state)
{
    (void)state;
    pid_t sched;
    assert_int_equal(simt_scheduler_pids(getpid(), &sched, 1), 1);
    launch_simple("simk_stop", "x", 1, 1, KERNEL_TYPE_AICPU, 0, 0);
    assert_true(t_wait_until(scheduler_stopped, &sched, 10000));
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
}

/* With AKL_SIM_NO_PIDFD=1 (the sim_failures_no_pidfd registration) libaclsim holds no pidfd: the
 * failures above are then detected by the waitid fallback that kernels without pidfd_open use. */
static void test_fallback_holds_no_pidfd(void **state)
{
    (void)state;
    const char *knob = getenv("AKL_SIM_NO_PIDFD");
    if (!knob || strcmp(knob, "1") != 0)
        skip();
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    struct dirent *e;
    int pidfds = 0;
    while ((e = readdir(d)) != NULL) {
        char link[320], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = 0;
            pidfds += strstr(target, "pidfd") != NULL;
        }
    }
    closedir(d);
    assert_int_equal(pidfds, 0);
}

/* A simulator root other users may write is refused before any scheduler serves from it. */
static void test_root_writable_by_others_fails_set_device(void **state)
{
    (void)state;
    const char *root = t_sim_root();
    struct stat sb;
    assert_int_equal(stat(root, &sb), 0);
    assert_int_equal(chmod(root, 0777), 0);
    aclError rc = aclrtSetDevice(0);
    assert_int_equal(chmod(root, sb.st_mode & 07777), 0);
    assert_int_equal(rc, ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), root, "mode 0777", "chmod go-w", NULL));
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
}

int main(void)
{
    if (simt_install_kernels(0) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_segfaulting_kernel, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_stack_overflowing_kernel, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stack_overflow_in_worker_threads, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_aborting_kernel_in_a_worker_thread, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_per_task_timeout, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_global_timeout_in_ms, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_kfc_tasks_are_not_timed, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_killed_with_work_in_flight,
                                        simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_stopping_its_scheduler_is_timed_out_by_the_host,
                                        simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_reset_kills_a_stopped_scheduler, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fallback_holds_no_pidfd, simt_setup_device0, teardown),
        cmocka_unit_test_teardown(test_root_writable_by_others_fails_set_device, teardown),
    };
    int failed = t_run_group_tests_name("sim_failures", tests, NULL, NULL);
    simt_remove_root();
    return failed;
}
