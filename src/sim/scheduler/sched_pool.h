/* The scheduler's AICPU worker pool (sched_pool.c): runs a multi-block task's blocks on several
 * threads. */
#ifndef AKL_SIM_SCHED_POOL_H
#define AKL_SIM_SCHED_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_lookup.h"
#include "sched_block.h"
#include "msgbuf.h"

/* One multi-block task handed to the worker pool. Lives on the stream thread's stack until
 * pending drops to zero. */
typedef struct sched_job {
    sim_kernel_fn fn;
    void *args;
    const sched_task_ctx_t *ctx;
    uint32_t num_blocks;
    _Atomic uint32_t next_block;
    _Atomic uint32_t pending; /* blocks not yet finished + workers attached */
    _Atomic uint32_t failed;  /* 1 once a block failed; failed_* then valid */
    uint32_t failed_block;
    uint32_t failed_value;
    uint32_t failed_devcode;
    struct sched_job *next_job;
} sched_job_t;

typedef struct sched_pool {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    sched_job_t *head;
    bool stop;
    int nthreads;
    pthread_t *threads;
} sched_pool_t;

int sched_pool_start(sched_pool_t *pool, int nthreads, cmn_msg_t *err);
void sched_pool_stop(sched_pool_t *pool);
/* Runs all blocks of job on the pool and the calling thread; returns when all have finished. */
void sched_pool_run(sched_pool_t *pool, sched_job_t *job);

#endif /* AKL_SIM_SCHED_POOL_H */
