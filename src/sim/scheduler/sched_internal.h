/* The aicpu scheduler's internal state and the interfaces between its parts: the stream threads
 * (sched_stream.c), the AICPU worker pool (sched_pool.c), the watchdog (sched_watchdog.c), the
 * crash handler (sched_crash.c) and the per-block context kernels read (sched_block.c). */
#ifndef AKL_SIM_SCHED_INTERNAL_H
#define AKL_SIM_SCHED_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel_lookup.h"
#include "sched_shm.h"

/* What a running block is doing, for the crash handler's message. The name pointers point into
 * the task's argument blob. */
typedef struct sched_task_ctx {
    int32_t device;
    uint32_t stream_slot;
    uint32_t kernel_type;
    uint32_t num_blocks;
    const char *kernel;
    const char *so;
} sched_task_ctx_t;

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

/* The watchdog's view of one stream's running timed task. deadline_ns 0: nothing timed. */
typedef struct sched_watch {
    _Atomic uint64_t deadline_ns;
    uint32_t timeout_ms;
    char kernel[SIM_KERNEL_NAME_MAX + 1];
    char so[SIM_SO_NAME_MAX + 1];
} sched_watch_t;

typedef struct sched_watchdog {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic uint32_t armed; /* timed tasks running */
    bool stop;
    bool started;
    pthread_t thread;
} sched_watchdog_t;

struct sched_state;

typedef struct sched_stream {
    struct sched_state *state;
    uint32_t slot;
    sched_stream_shm_t *shm;
    _Atomic uint32_t stop;
    bool running;
    pthread_t thread;
} sched_stream_t;

typedef struct sched_state {
    int32_t device;
    pid_t host_pid;
    int sock;
    bool address_taken;          /* startup failed because dev_base was already mapped here */
    char ns_note[SCHED_MSG_MAX]; /* why the device's own paths are unavailable, or "" */
    sched_ctl_t *ctl;
    size_t ctl_size;
    void *arena;
    size_t arena_size;
    sim_lookup_t *lookup;
    sched_pool_t pool;
    sched_watchdog_t watchdog;
    sched_stream_t streams[SCHED_MAX_STREAMS];
    sched_watch_t watch[SCHED_MAX_STREAMS];
} sched_state_t;

/* snprintf for messages, where cutting a long path short is intended. */
__attribute__((format(printf, 3, 4))) static inline void sched_format(char *buf, size_t cap,
                                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* sched_block.c: the calling thread's block, as AicpuGetBlockIdx()/AicpuGetBlockNum() answer. */
void sched_block_enter(const sched_task_ctx_t *ctx, uint32_t block_idx);
void sched_block_leave(void);
/* Runs one block of fn with the block context set; returns the kernel's own value. */
uint32_t sched_block_run(sim_kernel_fn fn, void *args, const sched_task_ctx_t *ctx,
                         uint32_t block_idx);
/* The block the calling thread runs, for the crash handler (NULL outside a kernel). */
const sched_task_ctx_t *sched_block_current(uint32_t *block_idx);
/* CANN's mapping of a kernel's return value to the device errcode (0: not an error). */
uint32_t sched_block_map_result(uint32_t kernel_type, uint32_t value);

/* sched_pool.c */
int sched_pool_start(sched_pool_t *pool, int nthreads, char *err, size_t cap);
void sched_pool_stop(sched_pool_t *pool);
/* Runs all blocks of job on the pool and the calling thread; returns when all have finished. */
void sched_pool_run(sched_pool_t *pool, sched_job_t *job);

/* sched_watchdog.c */
int sched_watchdog_start(sched_state_t *st, char *err, size_t cap);
void sched_watchdog_stop(sched_state_t *st);
void sched_watchdog_arm(sched_state_t *st, uint32_t slot, const sched_task_ctx_t *ctx,
                        uint32_t timeout_ms);
void sched_watchdog_disarm(sched_state_t *st, uint32_t slot);

/* sched_stream.c */
int sched_stream_start(sched_state_t *st, uint32_t slot, char *err, size_t cap);
void sched_stream_stop(sched_state_t *st, uint32_t slot);
void sched_stream_stop_all(sched_state_t *st);

/* sched_crash.c: installs the handlers that report a crashing kernel and the parent-death check. */
int sched_crash_install(sched_state_t *st, char *err, size_t cap);

/* A thread's own signal stack, and the one it had before (sanitizers install their own). */
typedef struct sched_altstack {
    stack_t previous;
    void *mem;
} sched_altstack_t;

/* Every thread that runs kernels calls these around its life: a kernel that overflows its stack
 * leaves no room there for the crash handler, which then runs on this one. Without it (out of
 * memory) the handler still runs for every other crash. */
void sched_crash_thread_enter(sched_altstack_t *alt);
void sched_crash_thread_leave(sched_altstack_t *alt);

/* sched_ns.c: binds the chip's directories over the device's own paths in a private mount (and
 * user) namespace; must run while the scheduler is single-threaded. 0, or -1 with why in note
 * (empty for AKL_SIM_NAMESPACE=0), which the scheduler passes to its host with its READY. */
int sched_ns_enter(int32_t device, char *note, size_t cap);
/* The native first stage of a scheduler that runs under an emulator (qemu-user is multi-threaded
 * from its start, so it cannot enter namespaces itself): `akl-aicpu-scheduler --ns-exec=<device>
 * <program> <args...>` gives this process the device's paths and execs program with
 * SCHED_NS_ENTERED_ENV set, which tells the scheduler it runs there. Returns only on failure. */
#define SCHED_NS_ENTERED_ENV "AKL_SIM_NS_ENTERED"
/* Why the stage could not, for the scheduler to report to its host. */
#define SCHED_NS_NOTE_ENV "AKL_SIM_NS_NOTE"
int sched_ns_exec(int32_t device, char **argv);

#endif /* AKL_SIM_SCHED_INTERNAL_H */
