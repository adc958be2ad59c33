/* The pool of AICPU worker threads that runs the blocks of multi-block tasks: one thread per user
 * core of the die. The stream thread that owns a task queues it here and waits; it runs no block
 * itself, so no more blocks run at once than there are cores and a spin barrier across more blocks
 * than cores hangs, as on hardware (docs/cann-facts.md §5.4). Idle workers sleep on a condition
 * variable, so an idle scheduler uses no CPU. */
#define _GNU_SOURCE
#include "sched_pool.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched_crash.h"
#include "msgbuf.h"

static void sched_pool_futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void sched_pool_futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void sched_job_release(sched_job_t *job)
{
    if (atomic_fetch_sub(&job->pending, 1) == 1)
        sched_pool_futex_wake(&job->pending);
}

static void sched_job_note_failure(sched_job_t *job, uint32_t block, uint32_t value,
                                   uint32_t devcode)
{
    uint32_t expected = 0;
    if (atomic_compare_exchange_strong(&job->failed, &expected, 2)) {
        job->failed_block = block;
        job->failed_value = value;
        job->failed_devcode = devcode;
        atomic_store_explicit(&job->failed, 1, memory_order_release);
    }
}

/* Takes and runs blocks of job until none is left. */
static void sched_job_run_blocks(sched_job_t *job)
{
    for (;;) {
        uint32_t block = atomic_fetch_add(&job->next_block, 1);
        if (block >= job->num_blocks)
            return;
        uint32_t value = sched_block_run(job->fn, job->args, job->ctx, block);
        uint32_t devcode = sched_block_map_result(job->ctx->kernel_type, value);
        if (devcode)
            sched_job_note_failure(job, block, value, devcode);
        sched_job_release(job);
    }
}

static void sched_pool_unlink(sched_pool_t *pool, sched_job_t *job)
{
    for (sched_job_t **p = &pool->head; *p; p = &(*p)->next_job) {
        if (*p == job) {
            *p = job->next_job;
            return;
        }
    }
}

/* Under pool->lock: the first queued job that still has blocks to hand out (attached: pending
 * counts the caller), dropping exhausted ones from the queue. */
static sched_job_t *sched_pool_attach_locked(sched_pool_t *pool)
{
    while (pool->head) {
        sched_job_t *job = pool->head;
        if (atomic_load(&job->next_block) < job->num_blocks) {
            atomic_fetch_add(&job->pending, 1);
            return job;
        }
        pool->head = job->next_job;
    }
    return NULL;
}

static void *sched_pool_worker(void *arg)
{
    sched_pool_t *pool = arg;
    sched_altstack_t alt;
    sched_crash_thread_enter(&alt);
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        sched_job_t *job = NULL;
        while (!pool->stop && (job = sched_pool_attach_locked(pool)) == NULL)
            pthread_cond_wait(&pool->cond, &pool->lock);
        if (!job)
            break;
        pthread_mutex_unlock(&pool->lock);
        sched_job_run_blocks(job);
        sched_job_release(job);
        pthread_mutex_lock(&pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    sched_crash_thread_leave(&alt);
    return NULL;
}

void sched_pool_run(sched_pool_t *pool, sched_job_t *job)
{
    atomic_store(&job->next_block, 0);
    atomic_store(&job->pending, job->num_blocks);
    atomic_store(&job->failed, 0);
    job->next_job = NULL;

    pthread_mutex_lock(&pool->lock);
    sched_job_t **tail = &pool->head;
    while (*tail)
        tail = &(*tail)->next_job;
    *tail = job;
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->lock);

    /* The caller is not a core: it waits until the workers have run every block and let go of
     * the job (then none can attach: no block is left), then unlinks it. */
    uint64_t spin_until = cmn_now_ns() + SCHED_SPIN_NS;
    for (;;) {
        uint32_t pending = atomic_load(&job->pending);
        if (pending == 0)
            break;
        if (cmn_now_ns() < spin_until)
            sched_cpu_relax();
        else
            sched_pool_futex_wait(&job->pending, pending);
    }
    pthread_mutex_lock(&pool->lock);
    sched_pool_unlink(pool, job);
    pthread_mutex_unlock(&pool->lock);
}

int sched_pool_start(sched_pool_t *pool, int nthreads, cmn_msg_t *err)
{
    memset(pool, 0, sizeof *pool);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->cond, NULL);
    pool->threads = calloc((size_t)nthreads, sizeof *pool->threads);
    if (!pool->threads) {
        cmn_msg_set(err, "out of memory for %d AICPU worker threads", nthreads);
        return -1;
    }
    for (int i = 0; i < nthreads; i++) {
        int rc = pthread_create(&pool->threads[i], NULL, sched_pool_worker, pool);
        if (rc != 0) {
            cmn_msg_set(err, "cannot start AICPU worker thread %d: %s", i, strerror(rc));
            sched_pool_stop(pool);
            return -1;
        }
        pool->nthreads = i + 1;
    }
    return 0;
}

void sched_pool_stop(sched_pool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stop = true;
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    free(pool->threads);
    pool->threads = NULL;
    pool->nthreads = 0;
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->lock);
}
