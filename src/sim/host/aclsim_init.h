/* aclsim_init.c's one export that is not CANN's (the CANN calls it implements, aclInit and
 * aclFinalize, are declared in acl/acl.h). */
#ifndef AKL_SIM_ACLSIM_INIT_H
#define AKL_SIM_ACLSIM_INIT_H

#include <stdint.h>

/* Not CANN's: the ELF e_machine of the simulated device (AKL_SIM_ARCH; default the host's), or 0
 * (EM_NONE) when AKL_SIM_ARCH is invalid. libakl asks it (by dlsym) to pick the dispatcher it
 * uploads and the machine it checks runtime SOs against. */
__attribute__((visibility("default"))) uint16_t aclsimGetDeviceMachine(void);

#endif /* AKL_SIM_ACLSIM_INIT_H */
