/* Reading the bootstrap arguments the host placed in device memory (layout in bootstrap_abi.h). */
#ifndef AKL_DISPATCHER_ARGS_H
#define AKL_DISPATCHER_ARGS_H

#include "bootstrap_abi.h"

#include <stdbool.h>

/* From Init's args, the DeviceArgs and the host's acknowledgement record. Returns NULL, or what is
 * missing (NULL args, cfgdata 0 or ack_addr 0): nothing can be reported into the record then. */
const char *dispatcher_args_locate(void *args, const akl_device_args_t **dargs,
                                   akl_bootstrap_ack_t **ack);

/* Magic, version and the runtime SO's address and length. False with the cause in ack (ARGS). */
bool dispatcher_args_valid(const akl_device_args_t *dargs, akl_bootstrap_ack_t *ack);

#endif /* AKL_DISPATCHER_ARGS_H */
