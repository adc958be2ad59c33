/* The scheduler's watchdog (sched_watchdog.c): ends a timed task that overruns its limit. */
#ifndef AKL_SIM_SCHED_WATCHDOG_H
#define AKL_SIM_SCHED_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_lookup.h"
#include "sched_block.h"
#include "sched_shm.h"
#include "msgbuf.h"

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
    int32_t device;   /* for messages */
    sched_ctl_t *ctl; /* where an expiry records the error and the device's death */
    sched_watch_t watch[SCHED_MAX_STREAMS];
} sched_watchdog_t;

/* Starts the watchdog thread of device's control region ctl. */
int sched_watchdog_start(sched_watchdog_t *wd, int32_t device, sched_ctl_t *ctl, cmn_msg_t *err);
void sched_watchdog_stop(sched_watchdog_t *wd);
/* Stream slot runs a task of ctx that must finish within timeout_ms; disarm when it has. */
void sched_watchdog_arm(sched_watchdog_t *wd, uint32_t slot, const sched_task_ctx_t *ctx,
                        uint32_t timeout_ms);
void sched_watchdog_disarm(sched_watchdog_t *wd, uint32_t slot);

#endif /* AKL_SIM_SCHED_WATCHDOG_H */
