/* The bootstrap: one KFC launch that uploads the dispatcher and a runtime SO to a device, which
 * publishes the SO under its basename and acknowledges what it did. */
#ifndef LDR_BOOTSTRAP_H
#define LDR_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "module_types.h"

/* Bootstraps req on its device by the extend route, which the caller has checked is the thread's
 * current one. On success fills module's outcome, basename, device path, route and timing (a probe
 * fills nothing); returns 0 or an error code (loader's or CANN's) with the thread's message set:
 * AKL_ENOEXTEND, AKL_ENOPREINSTALL and AKL_EBOOTSKIPPED are the diagnosed causes auto falls back
 * on. The current device is asserted (in builds without NDEBUG). Holds no device memory
 * afterwards, except after a synchronize timeout (see bootstrap.c). */
int ldr_bootstrap(const ldr_boot_request_t *req, akl_module_t *module);

#endif /* LDR_BOOTSTRAP_H */
