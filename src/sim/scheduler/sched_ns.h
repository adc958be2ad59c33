/* The device's own paths for the scheduler (sched_ns.c): a private mount (and user) namespace. */
#ifndef AKL_SIM_SCHED_NS_H
#define AKL_SIM_SCHED_NS_H

#include <stddef.h>
#include <stdint.h>
#include "msgbuf.h"

/* Binds the chip's directories over the device's own paths in a private mount (and
 * user) namespace; must run while the scheduler is single-threaded. 0, or -1 with why in note
 * (empty for AKL_SIM_NAMESPACE=0), which the scheduler passes to its host with its READY. */
int sched_ns_enter(int32_t device, cmn_msg_t *note);
/* The native first stage of a scheduler that runs under an emulator (qemu-user is multi-threaded
 * from its start, so it cannot enter namespaces itself): `akl-aicpu-scheduler --ns-exec=<device>
 * <program> <args...>` makes the mounts the scheduler would make (AKL_SIM_PREINSTALL=readonly's,
 * sched_install_stage, then the device's paths) and execs program with SCHED_NS_ENTERED_ENV set,
 * which tells the scheduler it runs there. Returns only on failure. */
#define SCHED_NS_ENTERED_ENV "AKL_SIM_NS_ENTERED"
/* Why the stage could not, for the scheduler to report to its host. */
#define SCHED_NS_NOTE_ENV "AKL_SIM_NS_NOTE"
int sched_ns_exec(int32_t device, char **argv);

#endif /* AKL_SIM_SCHED_NS_H */
