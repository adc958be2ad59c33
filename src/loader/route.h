/* The two routes a module can take to a device (akl_route_t), the per-process memory of which one
 * worked on each device, and the rule that decides when auto falls back from extend to custom. */
#ifndef AKL_LOADER_ROUTE_H
#define AKL_LOADER_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "akl/akl.h"

/* $AKL_ROUTE, or auto when unset or empty; AKL_EINVAL for any other text. */
int akl_route_from_env(akl_route_t *route);
/* The route remembered for device, AKL_ROUTE_AUTO when none. */
akl_route_t akl_route_remembered(int32_t device);
/* Remembers route for device unless one is remembered already (the first success wins). */
void akl_route_remember(int32_t device, akl_route_t route);
/* Whether an extend failure with code is one of the diagnosed causes that let auto fall back to
 * custom: no extend package, no usable preinstall directory, the latch. */
bool akl_route_extend_cause_is_diagnosed(int code);

#endif /* AKL_LOADER_ROUTE_H */
