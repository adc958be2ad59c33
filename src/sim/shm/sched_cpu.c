/* sched_this_cpu (sched_shm.h): the one place that asks which CPU a thread runs on, so that the
 * header shared by both halves of the transport needs no _GNU_SOURCE of its includers. */
#define _GNU_SOURCE
#include <sched.h>

#include "sched_shm.h"

uint32_t sched_this_cpu(void)
{
    int cpu = sched_getcpu(); /* a read of the thread's rseq area where the kernel provides one */
    return cpu < 0 ? SCHED_CPU_UNKNOWN : (uint32_t)cpu;
}
