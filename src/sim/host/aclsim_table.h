/* The per-process device table (aclsim_table.c): the calling thread's current device, acquiring a
 * device that is up, and its health. */
#ifndef AKL_SIM_ACLSIM_TABLE_H
#define AKL_SIM_ACLSIM_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "aclsim_state.h"

int32_t aclsim_current_id(void);
void aclsim_set_current_id(int32_t id);
/* Read-locks device id if it is up; returns 0, or 107002 (not set) / 507899 (dead) with a
 * message. On success the caller must aclsim_device_release(). */
aclError aclsim_device_acquire(int32_t id, aclsim_device_t **out);
/* aclsim_device_acquire on the calling thread's current device (107002 if it has none). */
aclError aclsim_device_acquire_current(aclsim_device_t **out);
/* As above, but a dead device is acquired too (for synchronizes, which report the task's own
 * error before the device's death). */
aclError aclsim_device_acquire_any(int32_t id, aclsim_device_t **out);
aclError aclsim_device_acquire_current_any(aclsim_device_t **out);
void aclsim_device_release(aclsim_device_t *dev);
bool aclsim_device_dead(aclsim_device_t *dev);
/* 507899 with the device's death reason. */
aclError aclsim_device_dead_error(aclsim_device_t *dev);
/* Marks the device dead if its scheduler process has exited (a system call: call it rarely). */
void aclsim_device_check_alive(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_TABLE_H */
