/* The scheduler's watchdog: ends a timed AICPU task that overruns its limit the way CANN does,
 * by recording 507017 for the stream's waiters, marking the device dead and stopping the whole
 * scheduler process. It sleeps while no timed task runs, so an idle scheduler uses no CPU. */
#define _GNU_SOURCE
#include "sched_watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acl/error_codes/rt_error_codes.h"
#include "msgbuf.h"

/* While timed tasks run the watchdog re-checks at least this often, so a newly armed earlier
 * deadline is noticed within this delay. */
#define SCHED_WATCHDOG_POLL_NS 20000000ULL
/* aicpu-sd's "task execute timeout" errcode. */
#define SCHED_DEVCODE_TIMEOUT 21007U

static void sched_watchdog_expire(sched_watchdog_t *wd, uint32_t slot, const sched_watch_t *w)
{
    char text[SCHED_MSG_MAX];
    snprintf(text, sizeof text,
             "device %d stream %u: AICPU task timeout: kernel '%s' in SO '%s' did not finish "
             "within %u ms (device errcode %u); the aicpu scheduler was stopped, call "
             "aclrtResetDevice",
             wd->device, slot, w->kernel, w->so[0] ? w->so : "(none)", w->timeout_ms,
             SCHED_DEVCODE_TIMEOUT);
    sched_record_error(&wd->ctl->streams[slot], ACL_ERROR_RT_AICPU_TIMEOUT, SCHED_DEVCODE_TIMEOUT,
                       text);
    sched_mark_dead(wd->ctl, ACL_ERROR_RT_DRV_INTERNAL_ERROR, text);
    /* As CANN stops the AICPU process: whatever still runs is abandoned. */
    _exit(SCHED_EXIT_TIMEOUT);
}

/* Checks every armed stream; returns the earliest deadline still ahead (0 if none). */
static uint64_t sched_watchdog_scan(sched_watchdog_t *wd)
{
    uint64_t now = cmn_now_ns();
    uint64_t earliest = 0;
    for (uint32_t slot = 0; slot < SCHED_MAX_STREAMS; slot++) {
        sched_watch_t *w = &wd->watch[slot];
        uint64_t deadline = atomic_load(&w->deadline_ns);
        if (deadline == 0)
            continue;
        if (now >= deadline) {
            sched_watch_t copy;
            copy.timeout_ms = w->timeout_ms;
            memcpy(copy.kernel, w->kernel, sizeof copy.kernel);
            memcpy(copy.so, w->so, sizeof copy.so);
            copy.kernel[sizeof copy.kernel - 1] = 0;
            copy.so[sizeof copy.so - 1] = 0;
            /* Re-read: the task may have finished while we copied its names. */
            if (atomic_load(&w->deadline_ns) == deadline)
                sched_watchdog_expire(wd, slot, &copy);
            continue;
        }
        if (earliest == 0 || deadline < earliest)
            earliest = deadline;
    }
    return earliest;
}

static struct timespec sched_abs_time(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
    return ts;
}

static void *sched_watchdog_main(void *arg)
{
    sched_watchdog_t *wd = arg;
    pthread_mutex_lock(&wd->lock);
    while (!wd->stop) {
        if (atomic_load(&wd->armed) == 0) {
            pthread_cond_wait(&wd->cond, &wd->lock);
            continue;
        }
        pthread_mutex_unlock(&wd->lock);
        uint64_t earliest = sched_watchdog_scan(wd);
        uint64_t wake = cmn_now_ns() + SCHED_WATCHDOG_POLL_NS;
        if (earliest && earliest < wake)
            wake = earliest;
        pthread_mutex_lock(&wd->lock);
        if (!wd->stop) {
            struct timespec ts = sched_abs_time(wake);
            pthread_cond_timedwait(&wd->cond, &wd->lock, &ts);
        }
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

int sched_watchdog_start(sched_watchdog_t *wd, int32_t device, sched_ctl_t *ctl, cmn_msg_t *err)
{
    wd->device = device;
    wd->ctl = ctl;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->cond, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&wd->lock, NULL);
    int rc = pthread_create(&wd->thread, NULL, sched_watchdog_main, wd);
    if (rc != 0) {
        cmn_msg_set(err, "cannot start the watchdog thread: %s", strerror(rc));
        return -1;
    }
    wd->started = true;
    return 0;
}

void sched_watchdog_stop(sched_watchdog_t *wd)
{
    if (!wd->started)
        return;
    pthread_mutex_lock(&wd->lock);
    wd->stop = true;
    pthread_cond_signal(&wd->cond);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    wd->started = false;
}

void sched_watchdog_arm(sched_watchdog_t *wd, uint32_t slot, const sched_task_ctx_t *ctx,
                        uint32_t timeout_ms)
{
    sched_watch_t *w = &wd->watch[slot];
    sched_copy_text(w->kernel, sizeof w->kernel, ctx->kernel);
    sched_copy_text(w->so, sizeof w->so, ctx->so);
    w->timeout_ms = timeout_ms;
    atomic_store(&w->deadline_ns, cmn_now_ns() + (uint64_t)timeout_ms * 1000000ULL);
    if (atomic_fetch_add(&wd->armed, 1) == 0) {
        pthread_mutex_lock(&wd->lock);
        pthread_cond_signal(&wd->cond);
        pthread_mutex_unlock(&wd->lock);
    }
}

void sched_watchdog_disarm(sched_watchdog_t *wd, uint32_t slot)
{
    atomic_store(&wd->watch[slot].deadline_ns, 0);
    atomic_fetch_sub(&wd->armed, 1);
}
