/* The install variants a simulated device models (AKL_SIM_EXTEND_PACKAGE, AKL_SIM_PREINSTALL):
 * read once when the scheduler starts, applied before it starts any thread. */
#ifndef AKL_SIM_SCHED_INSTALL_H
#define AKL_SIM_SCHED_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"

typedef enum sched_preinstall {
    SCHED_PREINSTALL_PRESENT = 0,
    SCHED_PREINSTALL_ABSENT = 1,
    SCHED_PREINSTALL_READONLY = 2,
} sched_preinstall_t;

typedef struct sched_install {
    bool extend_package; /* libaicpu_extend_kernels.so installed and preloaded */
    sched_preinstall_t preinstall;
} sched_install_t;

/* Parses the environment; an unknown value is -1 with a message naming the variable. */
int sched_install_read(sched_install_t *out, cmn_msg_t *err);

/* Makes the preinstall directory dir absent or read-only for this process, as asked. Must run
 * before the scheduler starts threads. Returns 0, or -1 with the cause in err. */
int sched_install_apply_preinstall(const sched_install_t *install, const char *dir, cmn_msg_t *err);

/* The native stage of a scheduler run under an emulator (sched_ns_exec), before it enters the
 * device's paths: makes the preinstall directory of device read-only if AKL_SIM_PREINSTALL asks,
 * as the emulated scheduler cannot. Where it cannot, it leaves why in SCHED_INSTALL_STAGE_ENV, and
 * the scheduler proper fails to start with that message as a native one would. */
#define SCHED_INSTALL_STAGE_ENV "AKL_SIM_NS_READONLY_ERROR"
void sched_install_stage(int32_t device);

#endif /* AKL_SIM_SCHED_INSTALL_H */
