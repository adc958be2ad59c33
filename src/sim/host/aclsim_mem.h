/* Device memory (aclsim_mem.c): the allocator of a device's arena. Callers hold the device's read
 * lock. */
#ifndef AKL_SIM_ACLSIM_MEM_H
#define AKL_SIM_ACLSIM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aclsim_state.h"

aclError aclsim_mem_alloc(aclsim_device_t *dev, size_t size, size_t *offset);
aclError aclsim_mem_free(aclsim_device_t *dev, size_t offset);
/* True if [ptr, ptr+len) lies inside one live allocation of dev. */
bool aclsim_mem_range_ok(aclsim_device_t *dev, uintptr_t ptr, size_t len);
void aclsim_mem_reset(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_MEM_H */
