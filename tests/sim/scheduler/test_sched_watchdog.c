/* Tests of src/sim/scheduler/sched_watchdog.c, in-process: a timed task that overruns its limit
 * is ended as CANN ends it (507017 with the task's names on its stream, the device marked dead,
 * the scheduler process stopped with SCHED_EXIT_TIMEOUT); a disarmed task is not timed out; an
 * earlier deadline armed after a later one is still noticed; the watchdog stops whether idle or
 * watching. The expiring cases run in a child process (the watchdog _exits the process) whose
 * control region is shared with this one, so the test reads what the child recorded. */
#define _GNU_SOURCE
#include "sched_watchdog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "acl/error_codes/rt_error_codes.h"
#include "runtime/rt.h"
#include "test_support.h"

/* How long a child waits for its watchdog before it gives up (and the test fails). */
#define CHILD_WAIT_MS 30000
/* aicpu-sd's "task execute timeout" errcode, as the watchdog reports it. */
#define DEVCODE_TIMEOUT 21007U

typedef struct watchdog_fixture {
    sched_ctl_t *ctl; /* shared with the child */
    sched_watchdog_t *wd;
} watchdog_fixture_t;

static int watchdog_setup(void **state)
{
    watchdog_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->ctl =
        mmap(NULL, sched_ctl_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(f->ctl != MAP_FAILED);
    f->wd = calloc(1, sizeof *f->wd);
    assert_non_null(f->wd);
    *state = f;
    return 0;
}

static int watchdog_teardown(void **state)
{
    watchdog_fixture_t *f = *state;
    munmap(f->ctl, sched_ctl_size());
    free(f->wd);
    free(f);
    return 0;
}

static sched_task_ctx_t task_ctx(uint32_t slot, const char *kernel, const char *so)
{
    sched_task_ctx_t ctx = {.device = 2,
                            .stream_slot = slot,
                            .kernel_type = KERNEL_TYPE_AICPU,
                            .num_blocks = 1,
                            .kernel = kernel,
                            .so = so};
    return ctx;
}

/* In the child: arms what the test asks (start_child's callback), then waits for the watchdog
 * to end the process; exits 0 if it never does. */
typedef void (*child_arm_fn)(sched_watchdog_t *wd);

static pid_t start_child(watchdog_fixture_t *f, child_arm_fn arm)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[256];
        if (sched_watchdog_start(f->wd, 2, f->ctl, CMN_MSG_ARRAY(err)) != 0)
            _exit(3);
        arm(f->wd);
        uint64_t deadline = t_now_ns() + (uint64_t)CHILD_WAIT_MS * 1000000ull;
        while (t_now_ns() < deadline) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        _exit(0);
    }
    return pid;
}

/* Waits for the child and checks that the watchdog ended it. */
static void expect_timeout_exit(pid_t pid)
{
    int status = t_wait_child(pid, CHILD_WAIT_MS + 10000);
    assert_true(status != -1);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), SCHED_EXIT_TIMEOUT);
}

static void expect_timeout_record(const sched_ctl_t *ctl, uint32_t slot, const char *text)
{
    const sched_stream_shm_t *shm = &ctl->streams[slot];
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_code, ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_int_equal(shm->err_devcode, DEVCODE_TIMEOUT);
    assert_non_null(strstr(shm->err_msg, text));
    assert_non_null(strstr(shm->err_msg, "call aclrtResetDevice"));
    assert_int_equal(atomic_load(&ctl->dead), 1);
    assert_int_equal(ctl->dead_code, ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_string_equal(ctl->dead_msg, shm->err_msg);
}

static void arm_slot3_50ms(sched_watchdog_t *wd)
{
    sched_task_ctx_t ctx = task_ctx(3, "slow_kernel", "libslow.so");
    sched_watchdog_arm(wd, 3, &ctx, 50);
}

static void test_overrun_is_timed_out_and_stops_the_process(void **state)
{
    watchdog_fixture_t *f = *state;
    expect_timeout_exit(start_child(f, arm_slot3_50ms));
    expect_timeout_record(f->ctl, 3,
                          "device 2 stream 3: AICPU task timeout: kernel 'slow_kernel' in SO "
                          "'libslow.so' did not finish within 50 ms (device errcode 21007)");
}

/* Slot 1's task finishes (disarm) well before its 200 ms; slot 2's, armed next with 1000 ms,
 * overruns. Had the disarm not taken, slot 1 would have expired first. */
static void arm_then_disarm_slot1(sched_watchdog_t *wd)
{
    sched_task_ctx_t one = task_ctx(1, "quick_kernel", "libquick.so");
    sched_task_ctx_t two = task_ctx(2, "slow_kernel", "libslow.so");
    sched_watchdog_arm(wd, 1, &one, 200);
    sched_watchdog_disarm(wd, 1);
    sched_watchdog_arm(wd, 2, &two, 1000);
}

static void test_disarmed_task_is_not_timed_out(void **state)
{
    watchdog_fixture_t *f = *state;
    expect_timeout_exit(start_child(f, arm_then_disarm_slot1));
    expect_timeout_record(f->ctl, 2, "stream 2: AICPU task timeout: kernel 'slow_kernel'");
    assert_int_equal(atomic_load(&f->ctl->streams[1].err_state), SCHED_ERR_NONE);
}

/* A task of slot 5 may run for a minute; one of slot 6 armed after it for 100 ms (a kernel with
 * no SO name) expires first, within the child's wait. */
static void arm_late_then_early(sched_watchdog_t *wd)
{
    sched_task_ctx_t late = task_ctx(5, "patient_kernel", "libpatient.so");
    sched_task_ctx_t early = task_ctx(6, "kfc_like_kernel", NULL);
    sched_watchdog_arm(wd, 5, &late, 60000);
    sched_watchdog_arm(wd, 6, &early, 100);
}

static void test_earlier_deadline_armed_later_is_noticed(void **state)
{
    watchdog_fixture_t *f = *state;
    expect_timeout_exit(start_child(f, arm_late_then_early));
    expect_timeout_record(f->ctl, 6,
                          "kernel 'kfc_like_kernel' in SO '(none)' did not finish within 100 ms");
    assert_int_equal(atomic_load(&f->ctl->streams[5].err_state), SCHED_ERR_NONE);
}

/* In this process: arm and disarm keep the count of timed tasks, and stop joins the watchdog
 * thread whether it sleeps idle or watches a task. */
static void test_arm_disarm_and_stop(void **state)
{
    watchdog_fixture_t *f = *state;
    sched_watchdog_t *wd = f->wd;
    char err[256] = "";
    assert_int_equal(sched_watchdog_start(wd, 2, f->ctl, CMN_MSG_ARRAY(err)), 0);
    assert_true(wd->started);

    sched_task_ctx_t ctx = task_ctx(7, "kernel_seven", "libseven.so");
    sched_watchdog_arm(wd, 7, &ctx, 60000);
    assert_int_equal(atomic_load(&wd->armed), 1);
    assert_true(atomic_load(&wd->watch[7].deadline_ns) > t_now_ns());
    assert_string_equal(wd->watch[7].kernel, "kernel_seven");
    assert_string_equal(wd->watch[7].so, "libseven.so");
    assert_int_equal(wd->watch[7].timeout_ms, 60000);
    sched_watchdog_disarm(wd, 7);
    assert_int_equal(atomic_load(&wd->armed), 0);
    assert_int_equal(atomic_load(&wd->watch[7].deadline_ns), 0);

    sched_watchdog_arm(wd, 7, &ctx, 60000); /* stop while watching */
    sched_watchdog_stop(wd);
    assert_false(wd->started);
    assert_int_equal(atomic_load(&f->ctl->dead), 0);
    assert_int_equal(atomic_load(&f->ctl->streams[7].err_state), SCHED_ERR_NONE);
    sched_watchdog_stop(wd); /* a second stop does nothing */
}

static void test_idle_watchdog_stops(void **state)
{
    watchdog_fixture_t *f = *state;
    char err[256] = "";
    assert_int_equal(sched_watchdog_start(f->wd, 2, f->ctl, CMN_MSG_ARRAY(err)), 0);
    sched_watchdog_stop(f->wd);
    assert_false(f->wd->started);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overrun_is_timed_out_and_stops_the_process,
                                        watchdog_setup, watchdog_teardown),
        cmocka_unit_test_setup_teardown(test_disarmed_task_is_not_timed_out, watchdog_setup,
                                        watchdog_teardown),
        cmocka_unit_test_setup_teardown(test_earlier_deadline_armed_later_is_noticed,
                                        watchdog_setup, watchdog_teardown),
        cmocka_unit_test_setup_teardown(test_arm_disarm_and_stop, watchdog_setup,
                                        watchdog_teardown),
        cmocka_unit_test_setup_teardown(test_idle_watchdog_stops, watchdog_setup,
                                        watchdog_teardown),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
