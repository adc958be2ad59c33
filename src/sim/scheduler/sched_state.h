/* The aicpu scheduler's state: what sched_main.c sets up and the stream threads (sched_stream.c)
 * run with. Declares no function, so each part's own header (sched_block.h, sched_pool.h,
 * sched_watchdog.h, sched_crash.h, sched_stream.h, sched_ns.h) sits below it or beside it. */
#ifndef AKL_SIM_SCHED_STATE_H
#define AKL_SIM_SCHED_STATE_H

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel_lookup.h"
#include "sched_pool.h"
#include "sched_shm.h"
#include "sched_watchdog.h"

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
} sched_state_t;

#endif /* AKL_SIM_SCHED_STATE_H */
