/* Events (CANN's aclrtCreateEvent .. aclrtDestroyEvent): an event recorded on a stream completes
 * when the tasks published on that stream before the record have completed. The simulator has no
 * device-side event wait: aclrtStreamWaitEvent waits on the host until the event completes, so
 * the stream's later tasks are published after it, which keeps the order CANN guarantees.
 * Timestamps are the host's CLOCK_MONOTONIC when the record is made on an idle stream, else when
 * a query or synchronize first finds the event complete (UNCONFIRMED: the device's own clock is not
 * modelled), so elapsed times are upper bounds. */
#include "aclsim_state.h"

#include <stdio.h>
#include <stdlib.h>

#include "aclsim_error.h"
#include "aclsim_stream.h"
#include "aclsim_table.h"

#define ACLSIM_EVENT_MAGIC 0x61636c6576656e74ULL /* "aclevent" */

typedef struct aclsim_event {
    uint64_t magic;
    struct aclsim_event *next;
    uint32_t flags;
    bool recorded;
    bool complete;
    aclrtStream stream;
    uint32_t target;
    uint64_t stamp_ns;
} aclsim_event_t;

/* Every live event, so that a handle is checked before it is used (a freed or forged one is
 * 107000, never a dereference). Process-wide by nature, like CANN's event table. */
static pthread_mutex_t aclsim_events_lock = PTHREAD_MUTEX_INITIALIZER;
static aclsim_event_t *aclsim_events;

/* The live event behind handle, with aclsim_events_lock held on success. */
static aclError aclsim_event_lock(aclrtEvent handle, const char *call, aclsim_event_t **out)
{
    if (!handle)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: event is NULL", call);
    pthread_mutex_lock(&aclsim_events_lock);
    for (aclsim_event_t *e = aclsim_events; e; e = e->next) {
        if (e == handle) {
            *out = e;
            return ACL_SUCCESS;
        }
    }
    pthread_mutex_unlock(&aclsim_events_lock);
    return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p is not a live event", call, handle);
}

static void aclsim_event_unlock(void)
{
    pthread_mutex_unlock(&aclsim_events_lock);
}

static aclError aclsim_event_new(aclrtEvent *event, uint32_t flags, const char *call)
{
    if (!event)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: event is NULL", call);
    aclsim_device_t *dev;
    aclError rc = aclsim_device_acquire_current(&dev);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_device_release(dev);
    aclsim_event_t *e = calloc(1, sizeof *e);
    if (!e)
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "%s: out of host memory", call);
    e->magic = ACLSIM_EVENT_MAGIC;
    e->flags = flags;
    e->complete = true; /* a never-recorded event is complete, as in CANN */
    pthread_mutex_lock(&aclsim_events_lock);
    e->next = aclsim_events;
    aclsim_events = e;
    pthread_mutex_unlock(&aclsim_events_lock);
    *event = e;
    return ACL_SUCCESS;
}

aclError aclrtCreateEvent(aclrtEvent *event)
{
    return aclsim_event_new(event, ACL_EVENT_SYNC, "aclrtCreateEvent");
}

aclError aclrtCreateEventExWithFlag(aclrtEvent *event, uint32_t flag)
{
    const uint32_t known = ACL_EVENT_SYNC | ACL_EVENT_CAPTURE_STREAM_PROGRESS |
                           ACL_EVENT_TIME_LINE | ACL_EVENT_DEVICE_USE_ONLY | ACL_EVENT_EXTERNAL |
                           ACL_EVENT_IPC;
    if (flag & ~known)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtCreateEventExWithFlag: unknown flag bits %#x", flag & ~known);
    return aclsim_event_new(event, flag, "aclrtCreateEventExWithFlag");
}

aclError aclrtDestroyEvent(aclrtEvent event)
{
    aclsim_event_t *e;
    aclError rc = aclsim_event_lock(event, "aclrtDestroyEvent", &e);
    if (rc != ACL_SUCCESS)
        return rc;
    for (aclsim_event_t **p = &aclsim_events; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    aclsim_event_unlock();
    e->magic = 0;
    free(e);
    return ACL_SUCCESS;
}

aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream)
{
    uint32_t tail;
    aclError rc = aclsim_stream_mark(stream, "aclrtRecordEvent", &tail);
    if (rc != ACL_SUCCESS)
        return rc;
    bool idle = false;
    rc = aclsim_stream_reached(stream, tail, false, &idle);
    if (rc != ACL_SUCCESS)
        return rc;
    aclsim_event_t *e;
    rc = aclsim_event_lock(event, "aclrtRecordEvent", &e);
    if (rc != ACL_SUCCESS)
        return rc;
    e->recorded = true;
    e->complete = idle; /* on an idle stream the event completes now */
    e->stamp_ns = idle ? cmn_now_ns() : 0;
    e->stream = stream;
    e->target = tail;
    aclsim_event_unlock();
    return ACL_SUCCESS;
}

/* Brings the event's state up to date (waiting for it when wait is set). */
static aclError aclsim_event_refresh(aclrtEvent event, const char *call, bool wait, bool *complete,
                                     uint64_t *stamp)
{
    aclsim_event_t *e;
    aclError rc = aclsim_event_lock(event, call, &e);
    if (rc != ACL_SUCCESS)
        return rc;
    bool done = e->complete;
    aclrtStream stream = e->stream;
    uint32_t target = e->target;
    aclsim_event_unlock();
    if (!done) {
        rc = aclsim_stream_reached(stream, target, wait, &done);
        if (rc != ACL_SUCCESS)
            return rc;
    }
    rc = aclsim_event_lock(event, call, &e);
    if (rc != ACL_SUCCESS)
        return rc;
    if (done && !e->complete && e->stream == stream && e->target == target) {
        e->complete = true;
        e->stamp_ns = cmn_now_ns();
    }
    if (complete)
        *complete = e->complete;
    if (stamp)
        *stamp = e->stamp_ns;
    bool recorded = e->recorded;
    aclsim_event_unlock();
    if (stamp && !recorded)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: the event was never recorded", call);
    return ACL_SUCCESS;
}

aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus *status)
{
    if (!status)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtQueryEventStatus: status is NULL");
    bool complete;
    aclError rc = aclsim_event_refresh(event, "aclrtQueryEventStatus", false, &complete, NULL);
    if (rc == ACL_SUCCESS)
        *status =
            complete ? ACL_EVENT_RECORDED_STATUS_COMPLETE : ACL_EVENT_RECORDED_STATUS_NOT_READY;
    return rc;
}

aclError aclrtSynchronizeEvent(aclrtEvent event)
{
    return aclsim_event_refresh(event, "aclrtSynchronizeEvent", true, NULL, NULL);
}

aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event)
{
    uint32_t tail;
    aclError rc = aclsim_stream_mark(stream, "aclrtStreamWaitEvent", &tail);
    if (rc != ACL_SUCCESS)
        return rc;
    return aclsim_event_refresh(event, "aclrtStreamWaitEvent", true, NULL, NULL);
}

aclError aclrtEventGetTimestamp(aclrtEvent event, uint64_t *timestamp)
{
    if (!timestamp)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtEventGetTimestamp: timestamp is NULL");
    bool complete;
    uint64_t stamp;
    aclError rc = aclsim_event_refresh(event, "aclrtEventGetTimestamp", false, &complete, &stamp);
    if (rc != ACL_SUCCESS)
        return rc;
    if (!complete)
        return aclsim_fail(ACL_ERROR_RT_STREAM_NOT_COMPLETE,
                           "aclrtEventGetTimestamp: the event has not completed");
    *timestamp = stamp / 1000; /* microseconds */
    return ACL_SUCCESS;
}

aclError aclrtEventElapsedTime(float *ms, aclrtEvent startEvent, aclrtEvent endEvent)
{
    if (!ms)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtEventElapsedTime: ms is NULL");
    bool c1, c2;
    uint64_t t1, t2;
    aclError rc = aclsim_event_refresh(startEvent, "aclrtEventElapsedTime", false, &c1, &t1);
    if (rc == ACL_SUCCESS)
        rc = aclsim_event_refresh(endEvent, "aclrtEventElapsedTime", false, &c2, &t2);
    if (rc != ACL_SUCCESS)
        return rc;
    if (!c1 || !c2)
        return aclsim_fail(ACL_ERROR_RT_STREAM_NOT_COMPLETE,
                           "aclrtEventElapsedTime: an event has not completed");
    *ms = t2 >= t1 ? (float)(t2 - t1) / 1e6f : -(float)(t1 - t2) / 1e6f;
    return ACL_SUCCESS;
}
