/* The rules for the basename the dispatcher publishes under: what the device's loader accepts
 * (at most 100 characters of [A-Za-z0-9._-]) and what makes the name content-derived (it ends with
 * the fingerprint and the device id), so that different bytes never get a name already in use. */
#ifndef AKL_DISPATCHER_NAME_H
#define AKL_DISPATCHER_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* field is the target_name field (field_cap bytes). True when it is NUL-terminated inside the
 * field, 1..AKL_SO_NAME_MAX characters of [A-Za-z0-9._-], and not "." or "..". Otherwise false,
 * with the reason in why. */
bool dispatcher_name_well_formed(const char *field, size_t field_cap, char *why, size_t why_cap);

/* True when name ends with "<16 lowercase hex digits of fingerprint>_<device_id>.so". Otherwise
 * false, with the expected ending in why. */
bool dispatcher_name_carries(const char *name, uint64_t fingerprint, uint64_t device_id, char *why,
                             size_t why_cap);

#endif /* AKL_DISPATCHER_NAME_H */
