/* Fault injection: the aicpu scheduler dies while four streams have work in flight.
 *
 * Four streams each run faultk_hold (a kernel that waits for a flag in device memory), four host
 * threads synchronize them, and the scheduler dies: killed with SIGKILL, or crashed by a kernel
 * on a fifth stream. Every synchronize returns an error (never 0, never a hang: each has a
 * deadline), the host lives, every later call on the device fails with 507899 until
 * akl_device_close + akl_device_open, and then a new launch runs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akl/akl.h"
#include "faultk_abi.h"
#include "test_faults_util.h"
#include "test_support.h"

#define STR_DEVICE 0
#define STR_STREAMS 4
#define STR_HOLD_MS 120000
#define STR_START_MS 30000
#define STR_DEAD 507899 /* ACL_ERROR_RT_DRV_INTERNAL_ERROR: the device's scheduler is gone */
#define STR_KERNEL_FAILED 507018 /* ACL_ERROR_RT_AICPU_EXCEPTION */

typedef struct str_waiter {
    pthread_t thread;
    akl_stream_t stream;
    atomic_int *ready;
    int rc;
    char message[1024];
} str_waiter_t;

typedef struct str_fixture {
    akl_module_t *module;
    akl_stream_t streams[STR_STREAMS];
    uint32_t *started; /* device memory */
    uint32_t *release; /* device memory */
    str_waiter_t waiters[STR_STREAMS];
    atomic_int ready;
} str_fixture_t;

static void *str_device_zalloc(size_t size)
{
    void *p = faultt_device_zalloc(size);
    if (!p)
        fail_msg("allocating %zu bytes of device memory: %s", size, akl_last_error());
    return p;
}

static bool str_all_started(void *arg)
{
    str_fixture_t *f = arg;
    uint32_t started = 0;
    return akl_memcpy_from_device(&started, f->started, sizeof started) == 0 &&
           started == STR_STREAMS;
}

/* Four streams, each held busy by one faultk_hold that has started running. */
static void str_start_held_work(str_fixture_t *f)
{
    f->started = str_device_zalloc(sizeof(uint32_t));
    f->release = str_device_zalloc(sizeof(uint32_t));
    faultk_hold_args_t args = {.started = (uint64_t)(uintptr_t)f->started,
                               .release = (uint64_t)(uintptr_t)f->release,
                               .max_ms = STR_HOLD_MS};
    for (int i = 0; i < STR_STREAMS; i++) {
        assert_int_equal(akl_stream_create(&f->streams[i]), 0);
        assert_int_equal(
            akl_launch(f->module, "faultk_hold", &args, sizeof args, 1, f->streams[i], 0), 0);
    }
    assert_true(t_wait_until(str_all_started, f, STR_START_MS));
}

static void *str_waiter_main(void *arg)
{
    str_waiter_t *w = arg;
    atomic_fetch_add(w->ready, 1);
    w->rc = akl_stream_sync(w->stream, FAULTT_SYNC_MS);
    snprintf(w->message, sizeof w->message, "%s", akl_last_error());
    return NULL;
}

static bool str_waiters_ready(void *arg)
{
    str_fixture_t *f = arg;
    return atomic_load(&f->ready) == STR_STREAMS;
}

static void str_start_waiters(str_fixture_t *f)
{
    atomic_store(&f->ready, 0);
    for (int i = 0; i < STR_STREAMS; i++) {
        str_waiter_t *w = &f->waiters[i];
        *w = (str_waiter_t){.stream = f->streams[i], .ready = &f->ready, .rc = -1};
        assert_int_equal(pthread_create(&w->thread, NULL, str_waiter_main, w), 0);
    }
    assert_true(t_wait_until(str_waiters_ready, f, STR_START_MS));
}

/* Every held stream's synchronize failed with the dead-device error and its cause. */
static void str_join_waiters_expect_dead(str_fixture_t *f, const char *cause)
{
    for (int i = 0; i < STR_STREAMS; i++) {
        str_waiter_t *w = &f->waiters[i];
        assert_int_equal(pthread_join(w->thread, NULL), 0);
        if (w->rc != STR_DEAD || !strstr(w->message, cause))
            fail_msg("stream %d: synchronize returned %d (%s), expected %d naming \"%s\"", i, w->rc,
                     w->message, STR_DEAD, cause);
        assert_non_null(strstr(w->message, "ACL_ERROR_RT_DRV_INTERNAL_ERROR"));
        assert_non_null(strstr(w->message, "aclrtResetDevice"));
    }
}

static void str_expect_device_dead(str_fixture_t *f)
{
    void *p = NULL;
    assert_int_equal(akl_mem_alloc(&p, 64), STR_DEAD);
    faultk_return_args_t args = {0, 0};
    assert_int_equal(akl_launch(f->module, "faultk_return", &args, sizeof args, 1, NULL, 0),
                     STR_DEAD);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), STR_DEAD);
    assert_int_equal(akl_device_open(STR_DEVICE), STR_DEAD);
    assert_non_null(strstr(akl_last_error(), "call aclrtResetDevice first"));
}

/* akl_device_close + akl_device_open give a working device: old stream handles are refused, and
 * new work runs on a new stream and on the default stream. */
static void str_expect_recovery(str_fixture_t *f)
{
    assert_int_equal(akl_device_close(STR_DEVICE), 0);
    int rc = akl_device_open(STR_DEVICE);
    if (rc != 0)
        fail_msg("reopening device %d: %s", STR_DEVICE, akl_last_error());
    assert_int_equal(akl_stream_sync(f->streams[0], FAULTT_SYNC_MS), 107000);
    akl_stream_t stream;
    assert_int_equal(akl_stream_create(&stream), 0);
    uint64_t *out = str_device_zalloc(4 * sizeof(uint64_t));
    faultk_store_args_t args = {(uint64_t)(uintptr_t)out, 500};
    assert_int_equal(akl_launch(f->module, "faultk_store", &args, sizeof args, 4, stream, 0), 0);
    assert_int_equal(akl_stream_sync(stream, FAULTT_SYNC_MS), 0);
    assert_int_equal(akl_launch(f->module, "faultk_store", &args, sizeof args, 2, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    uint64_t got[4];
    assert_int_equal(akl_memcpy_from_device(got, out, sizeof got), 0);
    for (uint64_t b = 0; b < 4; b++)
        assert_int_equal(got[b], 500 + b);
    assert_int_equal(akl_mem_free(out), 0);
    assert_int_equal(akl_stream_destroy(stream), 0);
}

static void test_sigkill_with_four_streams_in_flight(void **state)
{
    str_fixture_t *f = *state;
    str_start_held_work(f);
    str_start_waiters(f);
    pid_t scheduler = faultt_scheduler_pid();
    assert_true(scheduler > 0);
    assert_int_equal(kill(scheduler, SIGKILL), 0);
    str_join_waiters_expect_dead(f, "killed by signal 9");
    str_expect_device_dead(f);
    str_expect_recovery(f);
}

static void test_kernel_crash_with_four_streams_in_flight(void **state)
{
    str_fixture_t *f = *state;
    akl_stream_t crashing;
    assert_int_equal(akl_stream_create(&crashing), 0);
    str_start_held_work(f);
    str_start_waiters(f);
    uint64_t dummy = 0;
    assert_int_equal(akl_launch(f->module, "faultk_segv", &dummy, sizeof dummy, 1, crashing, 0), 0);
    /* The crashing stream gets the kernel's own error; the others learn the device died. */
    assert_int_equal(akl_stream_sync(crashing, FAULTT_SYNC_MS), STR_KERNEL_FAILED);
    assert_non_null(strstr(akl_last_error(), "faultk_segv"));
    assert_non_null(strstr(akl_last_error(), "SIGSEGV"));
    str_join_waiters_expect_dead(f, "faultk_segv");
    str_expect_device_dead(f);
    str_expect_recovery(f);
}

/* Loads (a process-cache hit after the first test) with the device open since group setup. */
static int str_setup(void **state)
{
    str_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    char path[FAULTT_PATH_MAX];
    if (akl_module_load_file(STR_DEVICE, t_kernel_path(FAULTK_SO, path, sizeof path), NULL,
                             &f->module) != 0) {
        fprintf(stderr, "setup: %s\n", akl_last_error());
        return -1;
    }
    return 0;
}

static int str_teardown(void **state)
{
    free(*state);
    return 0;
}

static int str_group_setup(void **state)
{
    (void)state;
    setenv("AKL_RUNTIME", "sim", 1);
    if (akl_device_open(STR_DEVICE) == 0)
        return 0;
    fprintf(stderr, "akl_device_open(%d): %s\n", STR_DEVICE, akl_last_error());
    return -1;
}

static int str_group_teardown(void **state)
{
    (void)state;
    akl_device_close(STR_DEVICE);
    bool clean = t_wait_until(faultt_no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_with_four_streams_in_flight, str_setup,
                                        str_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_crash_with_four_streams_in_flight, str_setup,
                                        str_teardown),
    };
    return t_run_group_tests_name("faults_streams", tests, str_group_setup, str_group_teardown);
}
