/* The streams libakl made, and which device each belongs to (streams.h): a small array under a
 * mutex, consulted only when a thread launches on a stream it has not proven yet, and an epoch
 * that every destroy and device close bumps, so that no thread keeps trusting an address that may
 * now be another device's stream. Global state, because a stream is the process's, not a thread's:
 * made in one thread, launched on and destroyed in others. */
#include "streams.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct ldr_stream_entry {
    akl_stream_t stream;
    int32_t device;
} ldr_stream_entry_t;

__thread ldr_stream_seen_t ldr_tls_stream_seen;
_Atomic uint64_t ldr_streams_epoch = 1; /* a thread's zeroed record never matches */

static pthread_mutex_t ldr_streams_lock = PTHREAD_MUTEX_INITIALIZER;
static ldr_stream_entry_t *ldr_streams;
static size_t ldr_streams_count, ldr_streams_cap;

/* Lock held. */
static ldr_stream_entry_t *ldr_stream_find(akl_stream_t stream)
{
    for (size_t i = 0; i < ldr_streams_count; i++)
        if (ldr_streams[i].stream == stream)
            return &ldr_streams[i];
    return NULL;
}

/* Lock held: removes entry (swaps the last one in). */
static void ldr_stream_remove(ldr_stream_entry_t *entry)
{
    *entry = ldr_streams[--ldr_streams_count];
}

void ldr_stream_made(akl_stream_t stream, int32_t device)
{
    pthread_mutex_lock(&ldr_streams_lock);
    ldr_stream_entry_t *entry = ldr_stream_find(stream);
    if (!entry && ldr_streams_count == ldr_streams_cap) {
        size_t cap = ldr_streams_cap ? 2 * ldr_streams_cap : 16;
        ldr_stream_entry_t *grown = realloc(ldr_streams, cap * sizeof *grown);
        if (grown) {
            ldr_streams = grown;
            ldr_streams_cap = cap;
        }
    }
    if (!entry && ldr_streams_count < ldr_streams_cap) /* else: unknown, so always queried */
        entry = &ldr_streams[ldr_streams_count++];
    if (entry)
        *entry = (ldr_stream_entry_t){.stream = stream, .device = device};
    pthread_mutex_unlock(&ldr_streams_lock);
}

void ldr_stream_gone(akl_stream_t stream)
{
    pthread_mutex_lock(&ldr_streams_lock);
    ldr_stream_entry_t *entry = ldr_stream_find(stream);
    if (entry)
        ldr_stream_remove(entry);
    atomic_fetch_add_explicit(&ldr_streams_epoch, 1, memory_order_acq_rel);
    pthread_mutex_unlock(&ldr_streams_lock);
}

void ldr_streams_device_closed(int32_t device)
{
    pthread_mutex_lock(&ldr_streams_lock);
    for (size_t i = 0; i < ldr_streams_count;) {
        if (ldr_streams[i].device == device)
            ldr_stream_remove(&ldr_streams[i]);
        else
            i++;
    }
    atomic_fetch_add_explicit(&ldr_streams_epoch, 1, memory_order_acq_rel);
    pthread_mutex_unlock(&ldr_streams_lock);
}

bool ldr_stream_prove(akl_stream_t stream, int32_t *device)
{
    if (!stream)
        return false;
    pthread_mutex_lock(&ldr_streams_lock);
    /* Read under the lock: a destroy that removes the entry bumps the epoch before it unlocks. */
    uint64_t epoch = atomic_load_explicit(&ldr_streams_epoch, memory_order_acquire);
    ldr_stream_entry_t *entry = ldr_stream_find(stream);
    if (entry)
        *device = entry->device;
    pthread_mutex_unlock(&ldr_streams_lock);
    if (entry)
        ldr_tls_stream_seen =
            (ldr_stream_seen_t){.stream = stream, .device = *device, .epoch = epoch};
    return entry != NULL;
}
