/* The one clock for measuring time and deadlines: CLOCK_MONOTONIC, which no one can set, so an
 * interval or a deadline never jumps with the wall clock. */
#ifndef AKL_COMMON_CLOCK_H
#define AKL_COMMON_CLOCK_H

#include <stdint.h>

/* Monotonic time in nanoseconds (from an arbitrary start: only differences mean anything). */
uint64_t cmn_now_ns(void);
/* The same in seconds, for reports. */
double cmn_now_seconds(void);

#endif /* AKL_COMMON_CLOCK_H */
