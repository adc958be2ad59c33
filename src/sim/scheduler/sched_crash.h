/* The scheduler's crash handling (sched_crash.c): a crashing kernel's report, the parent-death
 * check, and each kernel-running thread's own signal stack. */
#ifndef AKL_SIM_SCHED_CRASH_H
#define AKL_SIM_SCHED_CRASH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sched_shm.h"
#include "msgbuf.h"

/* Installs the handlers that report a crashing kernel (as device's error in its control region
 * ctl) and the check that ends the scheduler once its host process host_pid is gone. */
int sched_crash_install(int32_t device, pid_t host_pid, sched_ctl_t *ctl, cmn_msg_t *err);

/* A thread's own signal stack, and the one it had before (sanitizers install their own). */
typedef struct sched_altstack {
    stack_t previous;
    void *mem;
} sched_altstack_t;

/* Every thread that runs kernels calls these around its life: a kernel that overflows its stack
 * leaves no room there for the crash handler, which then runs on this one. Without it (out of
 * memory) the handler still runs for every other crash. */
void sched_crash_thread_enter(sched_altstack_t *alt);
void sched_crash_thread_leave(sched_altstack_t *alt);

#endif /* AKL_SIM_SCHED_CRASH_H */
