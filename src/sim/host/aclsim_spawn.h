/* A device's scheduler process and the regions it shares with it (aclsim_spawn.c). */
#ifndef AKL_SIM_ACLSIM_SPAWN_H
#define AKL_SIM_ACLSIM_SPAWN_H

#include <stdbool.h>
#include <stdint.h>

#include "aclsim_state.h"

aclError aclsim_spawn_start(aclsim_device_t *dev);
/* Ends the scheduler process (gracefully when asked, by SIGKILL if it does not go in time), reaps
 * it and marks the device dead so that every waiter lets go. Idempotent. */
void aclsim_spawn_halt(aclsim_device_t *dev, bool graceful);
/* Closes the descriptors and unmaps the shared regions of a halted device (write lock held). */
void aclsim_spawn_unmap(aclsim_device_t *dev);
/* Sends one control request and waits for its acknowledgement. */
aclError aclsim_spawn_request(aclsim_device_t *dev, uint32_t op, uint32_t slot);

#endif /* AKL_SIM_ACLSIM_SPAWN_H */
