/* Reading the bootstrap arguments the host placed in device memory (layout in bootstrap_abi.h). */
#ifndef AKL_DISPATCHER_ARGS_H
#define AKL_DISPATCHER_ARGS_H

#include "bootstrap_abi.h"

#include <stdbool.h>
#include <stddef.h>

/* From Init's args, the DeviceArgs and the host's acknowledgement record. The magic is checked
 * first: ack_addr is read only from a DeviceArgs that is akl's (of any protocol version: every
 * version keeps ack_addr at 160). Returns NULL, or why there is no record to report into (NULL
 * args, cfgdata 0, a foreign magic, ack_addr 0); the text may be built in why[cap]. Nothing may be
 * written anywhere then. */
const char *dispatcher_args_locate(void *args, const akl_device_args_t **dargs,
                                   akl_bootstrap_ack_t **ack, char *why, size_t cap);

/* Version, flags and the runtime SO's address and length (the magic was checked by locate). False
 * with the cause in ack (ARGS): another version is answered there with this one's. */
bool dispatcher_args_valid(const akl_device_args_t *dargs, akl_bootstrap_ack_t *ack);

#endif /* AKL_DISPATCHER_ARGS_H */
