/* The custom-kernel SOs libaclsim sends to a device (aclsim_cust.c), for Mode B binaries that
 * bring their own CPU SO. */
#ifndef AKL_SIM_ACLSIM_CUST_H
#define AKL_SIM_ACLSIM_CUST_H

#include <stdbool.h>

#include "aclsim_state.h"

/* Makes sure the CPU SO of Mode B binary bin is in dev's custom-kernel directory (read lock held):
 * written on the first launch of the binary on the device, then found in the table. Refuses, with
 * 107000, different bytes under a name this scheduler may already have loaded. */
aclError aclsim_cust_ensure(aclsim_device_t *dev, void *bin);
/* Binary bin was unloaded: it stops using its SO on every device; an SO no binary uses any more
 * is removed from the directory. */
void aclsim_cust_forget(void *bin);
/* Forgets the device's SOs and removes its custom-kernel directory (write lock held, scheduler
 * stopped). remove_files false: only the table (a forked child's copy of its parent's). */
void aclsim_cust_reset(aclsim_device_t *dev, bool remove_files);

#endif /* AKL_SIM_ACLSIM_CUST_H */
