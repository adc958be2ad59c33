/* ASCEND_RT_VISIBLE_DEVICES (aclsim_visible.c): which physical device a logical id names. */
#ifndef AKL_SIM_ACLSIM_VISIBLE_H
#define AKL_SIM_ACLSIM_VISIBLE_H

#include <stdint.h>

#include "acl/acl.h"

/* The number of visible devices, or 207004 with a
 * message when the list is invalid. */
aclError aclsim_visible_count(const char *call, int32_t *count);
/* The physical device behind logical id: 0, 107001 (not visible) or 207004 (invalid list). */
aclError aclsim_visible_physical(const char *call, int32_t logical, int32_t *physical);

#endif /* AKL_SIM_ACLSIM_VISIBLE_H */
