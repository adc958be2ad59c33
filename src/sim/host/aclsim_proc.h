/* Watching a device's scheduler process (aclsim_proc.c): a pidfd where the kernel has
 * pidfd_open, else waitid polling. */
#ifndef AKL_SIM_ACLSIM_PROC_H
#define AKL_SIM_ACLSIM_PROC_H

#include <signal.h>
#include <stdbool.h>

#include "aclsim_state.h"

/* Starts watching dev->pid: 0, or 507899 with a message. */
aclError aclsim_proc_watch(aclsim_device_t *dev);
/* True once the scheduler has exited (info: how, when still known); never blocks. */
bool aclsim_proc_exited(aclsim_device_t *dev, siginfo_t *info);
/* Waits up to timeout_ms for the scheduler to exit; true if it did. */
bool aclsim_proc_wait_exit(aclsim_device_t *dev, int timeout_ms);
/* SIGKILLs the scheduler (a stopped one too) unless it is gone. */
void aclsim_proc_kill(aclsim_device_t *dev);
/* Reaps the scheduler; returns at once if someone else already did. */
void aclsim_proc_reap(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_PROC_H */
