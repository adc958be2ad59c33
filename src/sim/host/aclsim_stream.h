/* Streams (aclsim_stream.c): resolving handles, publishing and waiting for tasks, creating and
 * freeing a device's streams. Callers hold the device's read lock unless said otherwise. */
#ifndef AKL_SIM_ACLSIM_STREAM_H
#define AKL_SIM_ACLSIM_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "aclsim_state.h"

/* Resolves a handle (NULL: the default stream) of device dev; 107000 for an unknown handle. */
/* Resolves a handle (NULL: the default stream) to a live stream of dev and takes a use of it,
 * which the caller gives back with aclsim_stream_put. */
aclError aclsim_stream_resolve(aclsim_device_t *dev, aclrtStream handle, aclsim_stream_t **out);
void aclsim_stream_put(aclsim_stream_t *s);
/* The live stream in slot with a use taken, or NULL. */
aclsim_stream_t *aclsim_stream_get_slot(aclsim_device_t *dev, uint32_t slot);
/* The device a stream handle belongs to (-1 if it is not a stream handle). */
int32_t aclsim_stream_handle_device(aclrtStream handle);
/* Waits for every task published so far; timeout_ms -1: forever. */
aclError aclsim_stream_sync(aclsim_device_t *dev, aclsim_stream_t *s, int32_t timeout_ms);
/* Waits until s->shm->completed reaches target (0), the device dies (1) or deadline_ns passes
 * (2; deadline 0: none). */
int aclsim_stream_wait(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t target,
                       uint64_t deadline_ns);
/* Frees the temporary argument allocations of completed tasks (caller holds s->lock). */
void aclsim_stream_reclaim(aclsim_device_t *dev, aclsim_stream_t *s);
/* Creates stream slot (0: the default stream) under the device's write lock, or its read lock
 * plus streams_lock. */
aclError aclsim_stream_create_slot(aclsim_device_t *dev, uint32_t slot, aclsim_stream_t **out);
/* The number of tasks published on stream so far (takes the locks itself). */
aclError aclsim_stream_mark(aclrtStream stream, const char *call, uint32_t *tail);
/* Whether stream has completed target tasks (waiting for it when wait is set). A destroyed stream
 * or reset device counts as complete. Takes the locks itself. */
aclError aclsim_stream_reached(aclrtStream stream, uint32_t target, bool wait, bool *done);
/* Frees every stream of a stopped device (write lock held). */
void aclsim_stream_free_all(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_STREAM_H */
