/* The scheduler's stream threads (sched_stream.c): one per live stream, running its tasks. */
#ifndef AKL_SIM_SCHED_STREAM_H
#define AKL_SIM_SCHED_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "sched_state.h"
#include "msgbuf.h"

int sched_stream_start(sched_state_t *st, uint32_t slot, cmn_msg_t *err);
void sched_stream_stop(sched_state_t *st, uint32_t slot);
void sched_stream_stop_all(sched_state_t *st);

#endif /* AKL_SIM_SCHED_STREAM_H */
