/* Tests of src/sim/scheduler/sched_stream.c, in-process: the stream thread, the consumer of a
 * stream's SPSC ring of task descriptors (src/sim/shm/sched_shm.h). This program plays the host's
 * producer as libaclsim does (descriptor, then tail, then the doorbell if the consumer sleeps) and
 * checks that tasks run once each and in order across ring and counter wrap-around, that a sleeping
 * stream thread is woken by the doorbell and wakes a sleeping host waiter, that failures become
 * the stream's first error (ACL_STOP_ON_FAILURE skipping what follows), that names in caller-owned
 * memory are copied before the kernel runs, that multi-block tasks go over the worker pool and
 * that timed tasks are published and watched. Kernels are functions of this program, found by
 * the KFC lookup's global-symbol fallback (no SO name). */
#define _GNU_SOURCE
#include "sched_stream.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "acl/error_codes/rt_error_codes.h"
#include "runtime/rt.h"
#include "test_support.h"

uint32_t AicpuGetBlockIdx(void);

#define WAIT_MS 30000
#define LOG_MAX 4096
#define TEST_SLOTS 4

/* What one task's kernel receives. */
typedef struct ring_arg {
    uint32_t slot;
    uint32_t value;
} ring_arg_t;

/* The host side of one stream as this test plays it. */
typedef struct ring_host {
    sched_stream_shm_t *shm;
    uint32_t tail;
    char blob[SCHED_MSG_MAX]; /* the names of the tasks published next */
} ring_host_t;

typedef struct ring_fixture {
    sched_ctl_t *ctl;
    sched_state_t *st;
    ring_host_t host[TEST_SLOTS];
    /* What the kernels saw, per slot, in the order they ran. */
    uint32_t log[TEST_SLOTS][LOG_MAX];
    _Atomic uint32_t logged[TEST_SLOTS];
    _Atomic uint32_t block_hits[64];
    /* What ringk_observe saw of its own task. */
    uint32_t seen_running_seq;
    uint64_t seen_deadline_ns;
    uint32_t seen_armed;
} ring_fixture_t;

/* The kernels reach the fixture through this (one test runs at a time). */
static ring_fixture_t *ring_fx;

static int ring_setup(void **state)
{
    ring_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->ctl =
        mmap(NULL, sched_ctl_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(f->ctl != MAP_FAILED);
    f->st = calloc(1, sizeof *f->st);
    assert_non_null(f->st);
    sched_state_t *st = f->st;
    st->device = 0;
    st->host_pid = getpid();
    st->ctl = f->ctl;
    st->lookup = sim_lookup_create(0, t_sim_root(), NULL, (uint32_t)getpid());
    assert_non_null(st->lookup);
    char err[256] = "";
    assert_int_equal(sched_pool_start(&st->pool, 2, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(sched_watchdog_start(&st->watchdog, st->device, st->ctl, CMN_MSG_ARRAY(err)),
                     0);
    for (uint32_t slot = 0; slot < TEST_SLOTS; slot++)
        f->host[slot].shm = &f->ctl->streams[slot];
    ring_fx = f;
    *state = f;
    return 0;
}

static int ring_teardown(void **state)
{
    ring_fixture_t *f = *state;
    sched_stream_stop_all(f->st);
    sched_watchdog_stop(&f->st->watchdog);
    sched_pool_stop(&f->st->pool);
    sim_lookup_destroy(f->st->lookup);
    munmap(f->ctl, sched_ctl_size());
    free(f->st);
    free(f);
    ring_fx = NULL;
    return 0;
}

static void start_stream(ring_fixture_t *f, uint32_t slot)
{
    char err[256] = "";
    assert_int_equal(sched_stream_start(f->st, slot, CMN_MSG_ARRAY(err)), 0);
}

/* ---- The kernels (exported: the KFC lookup finds them by name). ---- */

uint32_t ringk_append(void *args);
uint32_t ringk_return(void *args);
uint32_t ringk_blocks(void *args);
uint32_t ringk_scribble(void *args);
uint32_t ringk_observe(void *args);

static void ring_log(const ring_arg_t *a)
{
    uint32_t at = atomic_load(&ring_fx->logged[a->slot]);
    if (at < LOG_MAX)
        ring_fx->log[a->slot][at] = a->value;
    atomic_store(&ring_fx->logged[a->slot], at + 1);
}

/* Logs its value and succeeds. */
uint32_t ringk_append(void *args)
{
    ring_log(args);
    return 0;
}

/* Logs its value and returns it (non-zero: the task fails). */
uint32_t ringk_return(void *args)
{
    const ring_arg_t *a = args;
    ring_log(a);
    return a->value;
}

/* Counts its block; block 4 returns the value in its argument. */
uint32_t ringk_blocks(void *args)
{
    const ring_arg_t *a = args;
    uint32_t idx = AicpuGetBlockIdx();
    atomic_fetch_add(&ring_fx->block_hits[idx], 1);
    return idx == 4 ? a->value : 0;
}

/* Overwrites the memory it was given (which holds its own name) and fails. */
uint32_t ringk_scribble(void *args)
{
    memset(args, 'X', 16);
    return 7;
}

/* Records what the host can see of the task running now. */
uint32_t ringk_observe(void *args)
{
    const ring_arg_t *a = args;
    const sched_stream_shm_t *shm = &ring_fx->ctl->streams[a->slot];
    ring_fx->seen_running_seq = atomic_load(&shm->running_seq);
    ring_fx->seen_deadline_ns = atomic_load(&shm->running_deadline_ns);
    ring_fx->seen_armed = atomic_load(&ring_fx->st->watchdog.armed);
    return 0;
}

/* ---- The host's side of the ring, as libaclsim plays it. ---- */

typedef struct reached {
    sched_stream_shm_t *shm;
    uint32_t target;
} reached_t;

static bool ring_reached(void *arg)
{
    const reached_t *r = arg;
    return !sched_seq_before(atomic_load(&r->shm->completed), r->target);
}

/* Waits until the stream has completed task number target - 1. */
static void ring_wait(ring_host_t *h, uint32_t target)
{
    reached_t r = {h->shm, target};
    assert_true(t_wait_until(ring_reached, &r, WAIT_MS));
}

/* Publishes one task, waiting for room first. */
static void ring_publish(ring_host_t *h, const sched_task_t *task)
{
    reached_t room = {h->shm, h->tail - SCHED_RING_TASKS + 1};
    if (!ring_reached(&room))
        assert_true(t_wait_until(ring_reached, &room, WAIT_MS));
    h->shm->ring[h->tail % SCHED_RING_TASKS] = *task;
    h->tail++;
    /* Dekker with the stream thread: it stores consumer_sleeping then loads tail. */
    atomic_store(&h->shm->tail, h->tail);
    if (atomic_load(&h->shm->consumer_sleeping)) {
        atomic_fetch_add(&h->shm->doorbell, 1);
        sched_futex_wake(&h->shm->doorbell);
    }
}

/* A task of kernel of type. Without an SO name the blob is the kernel name itself (a literal,
 * never written); with one, both names are put in h->blob, which stays valid until the next such
 * call (the tests wait for such a task before they name another one). */
static sched_task_t ring_task(ring_host_t *h, uint32_t type, const char *kernel, const char *so,
                              const ring_arg_t *arg)
{
    size_t klen = strlen(kernel) + 1;
    const char *blob = kernel;
    size_t size = klen;
    if (so) {
        memcpy(h->blob, kernel, klen);
        memcpy(h->blob + klen, so, strlen(so) + 1);
        blob = h->blob;
        size += strlen(so) + 1;
    }
    sched_task_t t = {.args_dev = (uint64_t)(uintptr_t)blob,
                      .args_size = (uint32_t)size,
                      .kernel_type = type,
                      .num_blocks = 1,
                      .so_off = so ? (uint32_t)klen : SCHED_NO_NAME,
                      .kernel_off = 0,
                      .param_dev = (uint64_t)(uintptr_t)arg};
    return t;
}

/* Publishes a one-block KFC task of kernel with arg, without waiting for it. */
static void ring_kfc(ring_host_t *h, const char *kernel, const ring_arg_t *arg)
{
    sched_task_t t = ring_task(h, KERNEL_TYPE_AICPU_KFC, kernel, NULL, arg);
    ring_publish(h, &t);
}

static bool consumer_sleeps(void *arg)
{
    return atomic_load(&((sched_stream_shm_t *)arg)->consumer_sleeping) == 1;
}

static void expect_logged(ring_fixture_t *f, uint32_t slot, const uint32_t *values, uint32_t n)
{
    assert_int_equal(atomic_load(&f->logged[slot]), n);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(f->log[slot][i], values[i]);
}

/* ---- The tests. ---- */

/* More tasks than the ring holds: each runs once, in order; the host waits for room. */
static void test_tasks_run_in_order_across_ring_wraps(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    enum { N = 3 * SCHED_RING_TASKS + 5 };
    static ring_arg_t args[N];
    for (uint32_t i = 0; i < N; i++) {
        args[i] = (ring_arg_t){1, i};
        ring_kfc(&f->host[1], "ringk_append", &args[i]);
    }
    ring_wait(&f->host[1], N);
    assert_int_equal(atomic_load(&f->logged[1]), N);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(f->log[1][i], i);
    assert_int_equal(atomic_load(&f->ctl->streams[1].err_state), SCHED_ERR_NONE);
}

/* The 32-bit counters wrap: a stream whose counts start just below 2^32 runs on past it. */
static void test_counters_wrap_around(void **state)
{
    ring_fixture_t *f = *state;
    const uint32_t start = 0xFFFFFFF0U;
    f->host[2].tail = start;
    atomic_store(&f->ctl->streams[2].tail, start);
    atomic_store(&f->ctl->streams[2].completed, start);
    start_stream(f, 2);
    enum { N = 40 };
    ring_arg_t args[N];
    uint32_t expect[N];
    for (uint32_t i = 0; i < N; i++) {
        args[i] = (ring_arg_t){2, i};
        expect[i] = i;
        ring_kfc(&f->host[2], "ringk_append", &args[i]);
    }
    ring_wait(&f->host[2], start + N);
    assert_int_equal(atomic_load(&f->ctl->streams[2].completed), start + N); /* 24: wrapped */
    expect_logged(f, 2, expect, N);
}

/* An idle stream thread sleeps on the doorbell; a published task wakes it. */
static void test_sleeping_stream_thread_is_woken_by_the_doorbell(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    for (uint32_t round = 0; round < 3; round++) {
        assert_true(t_wait_until(consumer_sleeps, f->host[1].shm, WAIT_MS));
        ring_arg_t arg = {1, round};
        ring_kfc(&f->host[1], "ringk_append", &arg);
        ring_wait(&f->host[1], round + 1);
    }
    const uint32_t expect[] = {0, 1, 2};
    expect_logged(f, 1, expect, 3);
}

/* A host thread sleeping on `completed` (announced with its target and counted in `waiters`, as
 * aclsim_stream_wait does) is woken when its task is done. */
typedef struct waiter {
    sched_stream_shm_t *shm;
    uint32_t target;
    _Atomic uint32_t sleeping;
    _Atomic uint32_t done;
} waiter_t;

static void *waiter_main(void *arg)
{
    waiter_t *w = arg;
    int slot = sched_wait_announce(w->shm, w->target);
    atomic_fetch_add(&w->shm->waiters, 1);
    for (;;) {
        /* Dekker with the stream thread: it stores completed, then loads waiters and targets. */
        uint32_t done = atomic_load(&w->shm->completed);
        if (!sched_seq_before(done, w->target))
            break;
        atomic_store(&w->sleeping, 1);
        sched_futex_wait(&w->shm->completed, done, 0);
    }
    atomic_fetch_sub(&w->shm->waiters, 1);
    sched_wait_retire(w->shm, slot);
    atomic_store(&w->done, 1);
    return NULL;
}

static bool waiter_sleeps(void *arg)
{
    return atomic_load(&((waiter_t *)arg)->sleeping) == 1;
}

static bool waiter_done(void *arg)
{
    return atomic_load(&((waiter_t *)arg)->done) == 1;
}

static void test_sleeping_host_waiter_is_woken(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    waiter_t w = {.shm = f->host[1].shm, .target = 1};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, waiter_main, &w), 0);
    assert_true(t_wait_until(waiter_sleeps, &w, WAIT_MS));
    ring_arg_t arg = {1, 5};
    ring_kfc(&f->host[1], "ringk_append", &arg);
    bool woken = t_wait_until(waiter_done, &w, WAIT_MS);
    if (!woken) { /* let the thread go before failing */
        atomic_store(&w.shm->completed, 1);
        sched_futex_wake(&w.shm->completed);
    }
    pthread_join(thread, NULL);
    assert_true(woken);
}

/* A failing task records the stream's first error; the stream goes on, and a later failure does
 * not overwrite the first until the host has taken it. */
static void test_kernel_failure_is_the_streams_first_error(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    ring_arg_t args[] = {{1, 0}, {1, 7}, {1, 0}, {1, 9}};
    for (uint32_t i = 0; i < 4; i++)
        ring_kfc(&f->host[1], "ringk_return", &args[i]);
    ring_wait(&f->host[1], 4);
    const uint32_t expect[] = {0, 7, 0, 9};
    expect_logged(f, 1, expect, 4);
    const sched_stream_shm_t *shm = &f->ctl->streams[1];
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_code, ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_int_equal(shm->err_devcode, 1); /* KFC: any other value is AE_STATUS_TASK_FAIL */
    assert_string_equal(shm->err_msg, "device 0 stream 1: KFC task failed: kernel 'ringk_return' "
                                      "in SO '(null)' block 0 of 1 returned 7: device errcode 1");
}

/* With ACL_STOP_ON_FAILURE the tasks after a failed one complete without running until the host
 * takes the error; then the stream runs tasks again. */
static void test_stop_on_failure_skips_until_the_error_is_taken(void **state)
{
    ring_fixture_t *f = *state;
    atomic_store(&f->ctl->streams[1].stop_on_failure, 1);
    start_stream(f, 1);
    ring_arg_t args[] = {{1, 0}, {1, 5}, {1, 0}, {1, 0}, {1, 0}};
    for (uint32_t i = 0; i < 5; i++)
        ring_kfc(&f->host[1], "ringk_return", &args[i]);
    ring_wait(&f->host[1], 5);
    const uint32_t ran[] = {0, 5};
    expect_logged(f, 1, ran, 2);
    assert_int_equal(atomic_load(&f->ctl->streams[1].err_state), SCHED_ERR_READY);

    atomic_store(&f->ctl->streams[1].err_state, SCHED_ERR_NONE); /* the host took it */
    ring_arg_t again = {1, 0};
    ring_kfc(&f->host[1], "ringk_return", &again);
    ring_wait(&f->host[1], 6);
    const uint32_t ran_again[] = {0, 5, 0};
    expect_logged(f, 1, ran_again, 3);
    assert_int_equal(atomic_load(&f->ctl->streams[1].err_state), SCHED_ERR_NONE);
}

/* A kernel that cannot be resolved fails its task with the lookup's devcode and reason; the
 * stream goes on with the next task. */
static void test_unresolved_kernel_is_reported_and_the_stream_goes_on(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    ring_host_t *h = &f->host[1];
    const sched_stream_shm_t *shm = &f->ctl->streams[1];
    ring_arg_t arg = {1, 1};

    sched_task_t t = ring_task(h, KERNEL_TYPE_AICPU_KFC, "ringk_no_such_kernel", NULL, &arg);
    ring_publish(h, &t);
    ring_wait(h, 1);
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_code, ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_int_equal(shm->err_devcode, SIM_AE_INNER_ERROR);
    assert_non_null(strstr(shm->err_msg, "KFC task failed: kernel 'ringk_no_such_kernel' in SO "
                                         "'(null)' could not be resolved: device errcode 11006 "
                                         "(AE_INNER): "));
    atomic_store(&f->ctl->streams[1].err_state, SCHED_ERR_NONE);

    t = ring_task(h, KERNEL_TYPE_AICPU, "ringk_append", "libringk_missing.so", &arg);
    ring_publish(h, &t);
    ring_wait(h, 2);
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_devcode, SIM_AE_OPEN_SO_FAILED);
    assert_non_null(strstr(shm->err_msg, "AICPU task failed: kernel 'ringk_append' in SO "
                                         "'libringk_missing.so' could not be resolved: device "
                                         "errcode 11002 (AE_OPEN_SO_FAILED): "));
    atomic_store(&f->ctl->streams[1].err_state, SCHED_ERR_NONE);

    ring_kfc(h, "ringk_append", &arg);
    ring_wait(h, 3);
    const uint32_t ran[] = {1};
    expect_logged(f, 1, ran, 1);
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_NONE);
}

/* A multi-block task runs each block once over the worker pool; a failing block is named. */
static void test_multi_block_task_runs_on_the_pool(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    ring_host_t *h = &f->host[1];
    ring_arg_t ok = {1, 0};
    sched_task_t t = ring_task(h, KERNEL_TYPE_AICPU_KFC, "ringk_blocks", NULL, &ok);
    t.num_blocks = 6;
    ring_publish(h, &t);
    ring_wait(h, 1);
    for (uint32_t b = 0; b < 64; b++)
        assert_int_equal(atomic_load(&f->block_hits[b]), b < 6 ? 1 : 0);
    assert_int_equal(atomic_load(&f->ctl->streams[1].err_state), SCHED_ERR_NONE);

    ring_arg_t fail = {1, 1042};
    t = ring_task(h, KERNEL_TYPE_AICPU_KFC, "ringk_blocks", NULL, &fail);
    t.num_blocks = 6;
    ring_publish(h, &t);
    ring_wait(h, 2);
    const sched_stream_shm_t *shm = &f->ctl->streams[1];
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_devcode, 1042);
    assert_non_null(strstr(shm->err_msg, "kernel 'ringk_blocks' in SO '(null)' block 4 of 6 "
                                         "returned 1042: device errcode 1042"));
}

/* Names in caller-owned device memory (names_shared) are copied before the kernel runs: the
 * kernel may rewrite that memory, and the failure still names it. */
static void test_shared_names_are_copied_before_the_kernel_runs(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    ring_host_t *h = &f->host[1];
    char caller_blob[64] = "ringk_scribble";
    sched_task_t t = {.args_dev = (uint64_t)(uintptr_t)caller_blob,
                      .args_size = sizeof caller_blob,
                      .kernel_type = KERNEL_TYPE_AICPU_KFC,
                      .num_blocks = 1,
                      .so_off = SCHED_NO_NAME,
                      .kernel_off = 0,
                      .names_shared = 1,
                      .param_dev = (uint64_t)(uintptr_t)caller_blob};
    ring_publish(h, &t);
    ring_wait(h, 1);
    assert_memory_equal(caller_blob, "XXXXXXXXXXXXXXXX", 16); /* the kernel ran */
    const sched_stream_shm_t *shm = &f->ctl->streams[1];
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_non_null(strstr(shm->err_msg, "kernel 'ringk_scribble' in SO '(null)' block 0 of 1 "
                                         "returned 7"));
}

/* The running task's number is published for the host; a timed AICPU task also its deadline
 * (and the watchdog watches it while it runs); KFC tasks are not timed, as in CANN. */
static void test_running_task_and_deadline_are_published(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    ring_host_t *h = &f->host[1];
    ring_arg_t arg = {1, 0};
    sched_task_t t = ring_task(h, KERNEL_TYPE_AICPU_KFC, "ringk_observe", NULL, &arg);
    t.timeout_ms = 60000;
    ring_publish(h, &t);
    ring_wait(h, 1);
    assert_int_equal(f->seen_running_seq, 0);
    assert_int_equal(f->seen_deadline_ns, 0);
    assert_int_equal(f->seen_armed, 0);

    /* A timed AICPU task (its SO is missing, so it ends at once). */
    uint64_t before = t_now_ns();
    t = ring_task(h, KERNEL_TYPE_AICPU, "ringk_observe", "libringk_missing.so", &arg);
    t.timeout_ms = 60000;
    ring_publish(h, &t);
    ring_wait(h, 2);
    const sched_stream_shm_t *shm = &f->ctl->streams[1];
    assert_int_equal(atomic_load(&shm->running_seq), 1);
    assert_true(atomic_load(&shm->running_deadline_ns) >= before + 60000ull * 1000000ull);
    assert_int_equal(atomic_load(&f->st->watchdog.armed), 0); /* disarmed when it ended */
    assert_string_equal(f->st->watchdog.watch[1].kernel, "ringk_observe");
    assert_string_equal(f->st->watchdog.watch[1].so, "libringk_missing.so");
    assert_int_equal(f->st->watchdog.watch[1].timeout_ms, 60000);
}

/* Two streams are independent: each runs its own tasks in its own order at the same time. */
typedef struct producer {
    ring_fixture_t *f;
    uint32_t slot;
    ring_arg_t args[1500];
} producer_t;

static void *producer_main(void *arg)
{
    producer_t *p = arg;
    ring_host_t *h = &p->f->host[p->slot];
    sched_task_t t = ring_task(h, KERNEL_TYPE_AICPU_KFC, "ringk_append", NULL, NULL);
    for (uint32_t i = 0; i < 1500; i++) {
        p->args[i] = (ring_arg_t){p->slot, i};
        t.param_dev = (uint64_t)(uintptr_t)&p->args[i];
        ring_publish(h, &t);
    }
    ring_wait(h, 1500);
    return NULL;
}

static void test_streams_run_independently(void **state)
{
    ring_fixture_t *f = *state;
    start_stream(f, 1);
    start_stream(f, 3);
    static producer_t producers[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        producers[i].f = f;
        producers[i].slot = i == 0 ? 1 : 3;
        assert_int_equal(pthread_create(&threads[i], NULL, producer_main, &producers[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < 2; i++) {
        uint32_t slot = producers[i].slot;
        assert_int_equal(atomic_load(&f->logged[slot]), 1500);
        for (uint32_t v = 0; v < 1500; v++)
            assert_int_equal(f->log[slot][v], v);
    }
}

/* Starting a slot out of range or one already running is refused, saying which. */
static void test_start_refuses_bad_slots(void **state)
{
    ring_fixture_t *f = *state;
    char err[256] = "";
    assert_int_equal(sched_stream_start(f->st, SCHED_MAX_STREAMS, CMN_MSG_ARRAY(err)), -1);
    assert_string_equal(err, "stream slot 256 out of range");
    start_stream(f, 1);
    assert_int_equal(sched_stream_start(f->st, 1, CMN_MSG_ARRAY(err)), -1);
    assert_string_equal(err, "stream slot 1 is already running");
    sched_stream_stop(f->st, 1);
    assert_false(f->st->streams[1].running);
    sched_stream_stop(f->st, 1); /* a stopped stream stops again without harm */
    start_stream(f, 1);          /* and starts again */
    ring_arg_t arg = {1, 3};
    ring_kfc(&f->host[1], "ringk_append", &arg);
    ring_wait(&f->host[1], 1);
    const uint32_t ran[] = {3};
    expect_logged(f, 1, ran, 1);
}

#define RING_TEST(fn) cmocka_unit_test_setup_teardown(fn, ring_setup, ring_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        RING_TEST(test_tasks_run_in_order_across_ring_wraps),
        RING_TEST(test_counters_wrap_around),
        RING_TEST(test_sleeping_stream_thread_is_woken_by_the_doorbell),
        RING_TEST(test_sleeping_host_waiter_is_woken),
        RING_TEST(test_kernel_failure_is_the_streams_first_error),
        RING_TEST(test_stop_on_failure_skips_until_the_error_is_taken),
        RING_TEST(test_unresolved_kernel_is_reported_and_the_stream_goes_on),
        RING_TEST(test_multi_block_task_runs_on_the_pool),
        RING_TEST(test_shared_names_are_copied_before_the_kernel_runs),
        RING_TEST(test_running_task_and_deadline_are_published),
        RING_TEST(test_streams_run_independently),
        RING_TEST(test_start_refuses_bad_slots),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
