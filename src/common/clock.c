/* The one monotonic clock (see clock.h). */
#include "clock.h"

#include <time.h>

uint64_t cmn_now_ns(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double cmn_now_seconds(void)
{
    return (double)cmn_now_ns() * 1e-9;
}
