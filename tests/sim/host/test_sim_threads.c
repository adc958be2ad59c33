/* Simulator core, concurrency: a device set by a thread that then exits keeps its scheduler;
 * several host threads launch at once, on their own streams and on one shared stream, with
 * single- and multi-block tasks, and every task runs exactly once. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_sim_util.h"
#include "test_support.h"

enum { THREADS = 4, LAUNCHES = 400, BLOCKS = 6 };

static void *set_device_and_exit(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)aclrtSetDevice(0);
}

static void test_scheduler_outlives_the_thread_that_started_it(void **state)
{
    (void)state;
    pthread_t t;
    void *rc;
    assert_int_equal(pthread_create(&t, NULL, set_device_and_exit, NULL), 0);
    assert_int_equal(pthread_join(t, &rc), 0);
    assert_int_equal((intptr_t)rc, ACL_SUCCESS);
    pid_t before;
    assert_int_equal(simt_scheduler_pids(getpid(), &before, 1), 1);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    uint32_t *flag = simt_dev_zalloc(4);
    uint32_t one = 1;
    simt_write(flag, &one, sizeof one);
    simk_wait_args_t w = {simt_addr(flag), 1000, 0};
    simt_blob_t b;
    simt_blob_init(&b, &w, sizeof w, "simk_wait_flag", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    pid_t after;
    assert_int_equal(simt_scheduler_pids(getpid(), &after, 1), 1);
    assert_int_equal(before, after);
    aclFinalize();
}

typedef struct worker {
    aclrtStream stream;
    simk_record_t *out;
    uint32_t *counter;
    uint32_t blocks;
    int failures;
} worker_t;

static void *launch_many(void *arg)
{
    worker_t *w = arg;
    if (aclrtSetDevice(0) != ACL_SUCCESS) {
        w->failures++;
        return NULL;
    }
    simk_record_args_t a = {simt_addr(w->out), simt_addr(w->counter), 1, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    for (int i = 0; i < LAUNCHES; i++)
        w->failures += simt_launch(KERNEL_TYPE_AICPU, &b, w->blocks, w->stream, 0) != ACL_SUCCESS;
    w->failures += aclrtSynchronizeStream(w->stream) != ACL_SUCCESS;
    w->failures += aclrtResetDevice(0) != ACL_SUCCESS;
    return NULL;
}

static void test_threads_launch_concurrently(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    aclrtStream shared;
    assert_int_equal(aclrtCreateStream(&shared), ACL_SUCCESS);
    worker_t w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].blocks = i % 2 ? BLOCKS : 1;
        /* Threads 0 and 1 share a stream; the others have their own. */
        if (i < 2)
            w[i].stream = shared;
        else
            assert_int_equal(aclrtCreateStream(&w[i].stream), ACL_SUCCESS);
        w[i].out = simt_dev_zalloc(BLOCKS * sizeof(simk_record_t));
        w[i].counter = simt_dev_zalloc(4);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, launch_many, &w[i]), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(aclrtSynchronizeDevice(), ACL_SUCCESS);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].failures, 0);
        assert_int_equal(simt_read_u32(w[i].counter), LAUNCHES * w[i].blocks);
        simk_record_t rec[BLOCKS];
        simt_read(rec, w[i].out, sizeof rec);
        for (uint32_t blk = 0; blk < w[i].blocks; blk++)
            assert_int_equal(rec[blk].calls, LAUNCHES);
        if (i >= 2)
            assert_int_equal(aclrtDestroyStream(w[i].stream), ACL_SUCCESS);
    }
    assert_int_equal(aclrtDestroyStream(shared), ACL_SUCCESS);
    aclFinalize();
}

/* Threads synchronizing one stream together after a failed task: exactly one of them reports the
 * failure (the stream's first unreported error is taken once), the others succeed. */
enum { SYNC_THREADS = 4, SYNC_ROUNDS = 300 };

typedef struct sync_crowd {
    pthread_barrier_t start, done;
    aclError got[SYNC_THREADS];
    int setup_failures;
} sync_crowd_t;

typedef struct sync_member {
    sync_crowd_t *crowd;
    int index;
} sync_member_t;

static void *sync_together(void *arg)
{
    sync_member_t *m = arg;
    sync_crowd_t *c = m->crowd;
    bool set = aclrtSetDevice(0) == ACL_SUCCESS;
    if (!set)
        __atomic_fetch_add(&c->setup_failures, 1, __ATOMIC_SEQ_CST);
    for (int round = 0; round < SYNC_ROUNDS; round++) {
        pthread_barrier_wait(&c->start);
        c->got[m->index] = set ? aclrtSynchronizeStream(NULL) : ACL_ERROR_RT_CONTEXT_NULL;
        pthread_barrier_wait(&c->done);
    }
    if (set)
        aclrtResetDevice(0);
    return NULL;
}

static void test_concurrent_synchronizes_report_an_error_once(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    sync_crowd_t crowd;
    memset(&crowd, 0, sizeof crowd);
    assert_int_equal(pthread_barrier_init(&crowd.start, NULL, SYNC_THREADS + 1), 0);
    assert_int_equal(pthread_barrier_init(&crowd.done, NULL, SYNC_THREADS + 1), 0);
    sync_member_t members[SYNC_THREADS];
    pthread_t t[SYNC_THREADS];
    for (int i = 0; i < SYNC_THREADS; i++) {
        members[i] = (sync_member_t){&crowd, i};
        assert_int_equal(pthread_create(&t[i], NULL, sync_together, &members[i]), 0);
    }
    simk_return_args_t fail = {7, 0xFFFFFFFFU};
    simt_blob_t b;
    simt_blob_init(&b, &fail, sizeof fail, "simk_return", SIMK_SO);
    int reported_wrongly = 0;
    for (int round = 0; round < SYNC_ROUNDS; round++) {
        aclError launched = simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0);
        pthread_barrier_wait(&crowd.start);
        pthread_barrier_wait(&crowd.done);
        int errors = 0, successes = 0;
        for (int i = 0; i < SYNC_THREADS; i++) {
            errors += crowd.got[i] == ACL_ERROR_RT_AICPU_EXCEPTION;
            successes += crowd.got[i] == ACL_SUCCESS;
        }
        if (launched != ACL_SUCCESS || errors != 1 || successes != SYNC_THREADS - 1) {
            fprintf(stderr, "round %d: launch %d, %d thread(s) saw the error, %d succeeded\n",
                    round, launched, errors, successes);
            reported_wrongly++;
        }
    }
    for (int i = 0; i < SYNC_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&crowd.start);
    pthread_barrier_destroy(&crowd.done);
    assert_int_equal(crowd.setup_failures, 0);
    assert_int_equal(reported_wrongly, 0);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    aclFinalize();
}

int main(void)
{
    if (simt_install_kernels(0) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scheduler_outlives_the_thread_that_started_it),
        cmocka_unit_test(test_threads_launch_concurrently),
        cmocka_unit_test(test_concurrent_synchronizes_report_an_error_once),
    };
    int failed = t_run_group_tests_name("sim_threads", tests, NULL, NULL);
    simt_remove_root();
    return failed;
}
