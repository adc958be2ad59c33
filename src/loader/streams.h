/* The streams akl_stream_create made and akl_stream_destroy has not destroyed yet, with the device
 * each belongs to, and the stream each thread last launched on with its device proven (streams.c).
 *
 * A launch goes to the thread's current device, and the runtime refuses a stream that is not in the
 * current context (107003, ACL_ERROR_RT_STREAM_CONTEXT). So a launch on a stream of the module's
 * device either runs on that device or fails: no current-device query is needed for it. libakl
 * knows a stream's device only for the streams it made; a launch on any other stream, or on the
 * default one (NULL), still asks the runtime for the current device. */
#ifndef LDR_STREAMS_H
#define LDR_STREAMS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "akl/akl.h"

/* A thread's last proven stream: launches on stream for a module of device were proven to reach
 * that device, as long as no stream was destroyed and no device closed since (epoch). */
typedef struct ldr_stream_seen {
    akl_stream_t stream;
    int32_t device;
    uint64_t epoch;
} ldr_stream_seen_t;

extern __thread ldr_stream_seen_t ldr_tls_stream_seen;
/* Bumped by every akl_stream_destroy and akl_device_close: an address of a destroyed stream may
 * come back as another device's stream. */
extern _Atomic uint64_t ldr_streams_epoch;

/* Whether the calling thread proved stream (non-NULL) for device since the last destroy or close:
 * a few loads, for every launch. */
static inline bool ldr_stream_proven(akl_stream_t stream, int32_t device)
{
    if (stream == NULL)
        return false;
    const ldr_stream_seen_t *seen = &ldr_tls_stream_seen;
    return stream == seen->stream && device == seen->device &&
           seen->epoch == atomic_load_explicit(&ldr_streams_epoch, memory_order_acquire);
}

/* Records stream as made on device (akl_stream_create). */
void ldr_stream_made(akl_stream_t stream, int32_t device);
/* Forgets stream (akl_stream_destroy, before the runtime destroys it). */
void ldr_stream_gone(akl_stream_t stream);
/* Forgets every stream of device (akl_device_close: a reset may destroy them). */
void ldr_streams_device_closed(int32_t device);

/* The device stream was made on, when libakl made it: true and *device, and the calling thread
 * then remembers stream as proven for that device (ldr_stream_proven). False for any other
 * stream (NULL, or one the application made). */
bool ldr_stream_prove(akl_stream_t stream, int32_t *device);

#endif /* LDR_STREAMS_H */
