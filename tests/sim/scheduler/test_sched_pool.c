/* Tests of src/sim/scheduler/sched_pool.c, in-process: the worker pool runs every block of a job
 * exactly once with the block's own AicpuGetBlockIdx()/AicpuGetBlockNum(), runs as many blocks at
 * once as it has workers and never more (the caller is not a core), keeps one consistent first
 * failure, maps kernel values as CANN does, serves several callers' jobs at once, and can run the
 * same job again. The kernels are plain functions of this program. */
#define _GNU_SOURCE
#include "sched_pool.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/rt.h"
#include "test_support.h"

uint32_t AicpuGetBlockIdx(void);
uint32_t AicpuGetBlockNum(void);

#define POOL_THREADS 3
#define MAX_BLOCKS 256

/* What the kernels below record; one per test, reset by pool_setup. */
typedef struct pool_record {
    _Atomic uint32_t hits[MAX_BLOCKS];
    _Atomic uint32_t wrong_num; /* blocks that saw another AicpuGetBlockNum() */
    uint32_t expected_num;
    _Atomic uint32_t in_flight; /* blocks inside the barrier kernel now */
    _Atomic uint32_t arrived;   /* blocks that entered the barrier kernel */
    _Atomic uint32_t max_in_flight;
    uint32_t barrier; /* blocks the barrier kernel waits for */
    int barrier_ms;   /* how long a block waits at the barrier before it gives up */
    _Atomic uint32_t gave_up;
} pool_record_t;

typedef struct pool_fixture {
    sched_pool_t pool;
    pool_record_t rec;
} pool_fixture_t;

static int pool_setup(void **state)
{
    pool_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char err[256] = "";
    assert_int_equal(sched_pool_start(&f->pool, POOL_THREADS, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(f->pool.nthreads, POOL_THREADS);
    *state = f;
    return 0;
}

static int pool_teardown(void **state)
{
    pool_fixture_t *f = *state;
    sched_pool_stop(&f->pool);
    assert_int_equal(f->pool.nthreads, 0);
    free(f);
    return 0;
}

/* Counts its block and checks the block count it sees. */
static uint32_t kernel_count(void *args)
{
    pool_record_t *rec = args;
    uint32_t idx = AicpuGetBlockIdx();
    if (idx < MAX_BLOCKS)
        atomic_fetch_add(&rec->hits[idx], 1);
    if (AicpuGetBlockNum() != rec->expected_num)
        atomic_fetch_add(&rec->wrong_num, 1);
    return 0;
}

static void note_max(_Atomic uint32_t *max, uint32_t value)
{
    uint32_t seen = atomic_load(max);
    while (value > seen && !atomic_compare_exchange_weak(max, &seen, value))
        ;
}

/* A spin barrier: waits (yielding) until rec->barrier blocks have arrived, or gives up after
 * rec->barrier_ms. Records how many blocks were in it at once. */
static uint32_t kernel_barrier(void *args)
{
    pool_record_t *rec = args;
    note_max(&rec->max_in_flight, atomic_fetch_add(&rec->in_flight, 1) + 1);
    atomic_fetch_add(&rec->arrived, 1);
    uint64_t deadline = t_now_ns() + (uint64_t)rec->barrier_ms * 1000000ull;
    while (atomic_load(&rec->arrived) < rec->barrier && t_now_ns() < deadline)
        sched_yield();
    if (atomic_load(&rec->arrived) < rec->barrier)
        atomic_fetch_add(&rec->gave_up, 1);
    atomic_fetch_sub(&rec->in_flight, 1);
    return 0;
}

/* Every block fails with its own value, 100 + its index. */
static uint32_t kernel_fail_all(void *args)
{
    (void)args;
    return 100 + AicpuGetBlockIdx();
}

/* Block 5 returns the value in *args; the others succeed. */
static uint32_t kernel_fail_block5(void *args)
{
    return AicpuGetBlockIdx() == 5 ? *(const uint32_t *)args : 0;
}

static sched_task_ctx_t task_ctx(uint32_t kernel_type, uint32_t num_blocks)
{
    sched_task_ctx_t ctx = {.device = 0,
                            .stream_slot = 1,
                            .kernel_type = kernel_type,
                            .num_blocks = num_blocks,
                            .kernel = "pool_test_kernel",
                            .so = "libpool_test.so"};
    return ctx;
}

static void test_every_block_runs_once_with_its_index(void **state)
{
    pool_fixture_t *f = *state;
    const uint32_t counts[] = {2, 3, 7, 64, 255};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint32_t n = counts[i];
        memset(&f->rec, 0, sizeof f->rec);
        f->rec.expected_num = n;
        sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, n);
        sched_job_t job = {.fn = kernel_count, .args = &f->rec, .ctx = &ctx, .num_blocks = n};
        sched_pool_run(&f->pool, &job);
        for (uint32_t b = 0; b < MAX_BLOCKS; b++)
            assert_int_equal(atomic_load(&f->rec.hits[b]), b < n ? 1 : 0);
        assert_int_equal(atomic_load(&f->rec.wrong_num), 0);
        assert_int_equal(atomic_load(&job.failed), 0);
        assert_int_equal(atomic_load(&job.pending), 0);
        assert_null(f->pool.head); /* the finished job is unlinked */
    }
}

/* As many blocks as workers run at once: a spin barrier across that many blocks completes. */
static void test_as_many_blocks_at_once_as_workers(void **state)
{
    pool_fixture_t *f = *state;
    memset(&f->rec, 0, sizeof f->rec);
    f->rec.barrier = POOL_THREADS;
    f->rec.barrier_ms = 30000;
    sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, POOL_THREADS);
    sched_job_t job = {
        .fn = kernel_barrier, .args = &f->rec, .ctx = &ctx, .num_blocks = POOL_THREADS};
    sched_pool_run(&f->pool, &job);
    assert_int_equal(atomic_load(&f->rec.gave_up), 0);
    assert_int_equal(atomic_load(&f->rec.max_in_flight), POOL_THREADS);
}

/* One block more than workers never runs at once (the caller runs none): a spin barrier across
 * them cannot complete while the first blocks wait in it, as on hardware; they give up. */
static void test_never_more_blocks_at_once_than_workers(void **state)
{
    pool_fixture_t *f = *state;
    memset(&f->rec, 0, sizeof f->rec);
    f->rec.barrier = POOL_THREADS + 1;
    f->rec.barrier_ms = 300;
    sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, POOL_THREADS + 1);
    sched_job_t job = {
        .fn = kernel_barrier, .args = &f->rec, .ctx = &ctx, .num_blocks = POOL_THREADS + 1};
    sched_pool_run(&f->pool, &job);
    assert_true(atomic_load(&f->rec.max_in_flight) <= POOL_THREADS);
    assert_true(atomic_load(&f->rec.gave_up) >= 1);
    assert_int_equal(atomic_load(&f->rec.arrived), POOL_THREADS + 1);
}

/* When every block fails, the job keeps one failure whose fields belong together. */
static void test_first_failure_is_one_consistent_record(void **state)
{
    pool_fixture_t *f = *state;
    sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, 32);
    sched_job_t job = {.fn = kernel_fail_all, .ctx = &ctx, .num_blocks = 32};
    sched_pool_run(&f->pool, &job);
    assert_int_equal(atomic_load(&job.failed), 1);
    assert_true(job.failed_block < 32);
    assert_int_equal(job.failed_value, 100 + job.failed_block);
    assert_int_equal(job.failed_devcode, 100 + job.failed_block);
}

/* A failing block is reported with CANN's mapping of its value to the device errcode. */
static void test_failure_names_block_value_and_devcode(void **state)
{
    pool_fixture_t *f = *state;
    const struct {
        uint32_t type, value, devcode;
    } cases[] = {
        {KERNEL_TYPE_AICPU, 7, 7},           /* below 21200: passes through */
        {KERNEL_TYPE_AICPU, 30000, 21008},   /* above: AICPU's generic errcode */
        {KERNEL_TYPE_AICPU_CUSTOM, 42, 42},  /* custom kernels map as AICPU */
        {KERNEL_TYPE_AICPU_KFC, 1042, 1042}, /* KFC's own range passes through */
        {KERNEL_TYPE_AICPU_KFC, 7, 1},       /* any other KFC value: task fail */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t value = cases[i].value;
        sched_task_ctx_t ctx = task_ctx(cases[i].type, 8);
        sched_job_t job = {.fn = kernel_fail_block5, .args = &value, .ctx = &ctx, .num_blocks = 8};
        sched_pool_run(&f->pool, &job);
        assert_int_equal(atomic_load(&job.failed), 1);
        assert_int_equal(job.failed_block, 5);
        assert_int_equal(job.failed_value, value);
        assert_int_equal(job.failed_devcode, cases[i].devcode);
    }
}

/* CANN's "task wait" (101) and "end of sequence" (201) are not failures of an AICPU kernel. */
static void test_wait_and_end_of_sequence_are_not_failures(void **state)
{
    pool_fixture_t *f = *state;
    const uint32_t values[] = {101, 201};
    for (size_t i = 0; i < 2; i++) {
        uint32_t value = values[i];
        sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, 8);
        sched_job_t job = {.fn = kernel_fail_block5, .args = &value, .ctx = &ctx, .num_blocks = 8};
        sched_pool_run(&f->pool, &job);
        assert_int_equal(atomic_load(&job.failed), 0);
    }
}

/* The same job struct runs again: sched_pool_run resets its counters and failure. */
static void test_a_job_runs_again(void **state)
{
    pool_fixture_t *f = *state;
    uint32_t value = 9;
    sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, 16);
    sched_job_t job = {.fn = kernel_fail_block5, .args = &value, .ctx = &ctx, .num_blocks = 16};
    sched_pool_run(&f->pool, &job);
    assert_int_equal(atomic_load(&job.failed), 1);
    memset(&f->rec, 0, sizeof f->rec);
    f->rec.expected_num = 16;
    job.fn = kernel_count;
    job.args = &f->rec;
    sched_pool_run(&f->pool, &job);
    assert_int_equal(atomic_load(&job.failed), 0);
    for (uint32_t b = 0; b < 16; b++)
        assert_int_equal(atomic_load(&f->rec.hits[b]), 1);
}

/* Several stream threads share the pool: each one's jobs run all their blocks, once. */
#define CALLERS 4
#define JOBS_PER_CALLER 40
#define CALLER_BLOCKS 9

typedef struct caller {
    sched_pool_t *pool;
    pool_record_t rec;
    uint32_t bad_jobs;
} caller_t;

static void *caller_main(void *arg)
{
    caller_t *c = arg;
    for (int j = 0; j < JOBS_PER_CALLER; j++) {
        memset(&c->rec, 0, sizeof c->rec);
        c->rec.expected_num = CALLER_BLOCKS;
        sched_task_ctx_t ctx = task_ctx(KERNEL_TYPE_AICPU, CALLER_BLOCKS);
        sched_job_t job = {
            .fn = kernel_count, .args = &c->rec, .ctx = &ctx, .num_blocks = CALLER_BLOCKS};
        sched_pool_run(c->pool, &job);
        bool ok = atomic_load(&job.failed) == 0 && atomic_load(&c->rec.wrong_num) == 0;
        for (uint32_t b = 0; b < CALLER_BLOCKS; b++)
            ok = ok && atomic_load(&c->rec.hits[b]) == 1;
        if (!ok)
            c->bad_jobs++;
    }
    return NULL;
}

static void test_concurrent_callers_share_the_pool(void **state)
{
    pool_fixture_t *f = *state;
    caller_t *callers = calloc(CALLERS, sizeof *callers);
    pthread_t threads[CALLERS];
    assert_non_null(callers);
    for (int i = 0; i < CALLERS; i++) {
        callers[i].pool = &f->pool;
        assert_int_equal(pthread_create(&threads[i], NULL, caller_main, &callers[i]), 0);
    }
    for (int i = 0; i < CALLERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(callers[i].bad_jobs, 0);
    }
    assert_null(f->pool.head);
    free(callers);
}

/* An idle pool stops at once: its workers sleep on the condition variable and wake to stop. */
static void test_idle_pool_stops(void **state)
{
    (void)state;
    sched_pool_t pool;
    char err[256] = "";
    assert_int_equal(sched_pool_start(&pool, 2, CMN_MSG_ARRAY(err)), 0);
    assert_string_equal(err, "");
    sched_pool_stop(&pool);
    assert_int_equal(pool.nthreads, 0);
    assert_null(pool.threads);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_block_runs_once_with_its_index, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_as_many_blocks_at_once_as_workers, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_never_more_blocks_at_once_than_workers, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_first_failure_is_one_consistent_record, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_failure_names_block_value_and_devcode, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_wait_and_end_of_sequence_are_not_failures, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_a_job_runs_again, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_callers_share_the_pool, pool_setup,
                                        pool_teardown),
        cmocka_unit_test(test_idle_pool_stops),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
