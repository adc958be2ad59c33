/* The device's name rules, in one place: a device basename is 1..100 characters of [A-Za-z0-9._-]
 * (CANN's AE_MAX_SO_NAME and charset), a kernel name 1..200 characters of a C identifier (CANN's
 * AE_MAX_KERNEL_NAME; the device dlsyms it), and what akl publishes is named
 * "<prefix><16 lowercase hex of the fingerprint>_<device>.so", so that different bytes never get a
 * name already in use. Both the formatting and the parsing of that name live here. */
#ifndef AKL_COMMON_SO_NAME_H
#define AKL_COMMON_SO_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"       /* AKL_KERNEL_NAME_MAX */
#include "bootstrap_abi.h" /* AKL_SO_NAME_MAX */

/* Hex digits of the fingerprint in a published name. */
#define CMN_FINGERPRINT_HEX 16

/* True for a character of [A-Za-z0-9._-]. */
bool cmn_so_name_char_ok(char c);
/* The index of the first of the len characters at s outside [A-Za-z0-9._-], or len if none. */
size_t cmn_so_name_bad_char(const char *s, size_t len);
/* True when name is a basename the device accepts and that stays inside its directory:
 * 1..AKL_SO_NAME_MAX characters of [A-Za-z0-9._-], and not "." or "..". */
bool cmn_so_basename_ok(const char *name);
/* True when name is a kernel name the device accepts (1..AKL_KERNEL_NAME_MAX characters of
 * [A-Za-z_][A-Za-z0-9_]*), with its length in *length. */
bool cmn_kernel_name_ok(const char *name, size_t *length);

/* Writes "<prefix><16 lowercase hex>_<device>.so" into buf (cap bytes). Returns its length, or -1
 * when it does not fit in cap (buf then holds a cut, NUL-terminated copy when cap > 0). The name
 * rule's limit (AKL_SO_NAME_MAX) and the prefix's characters are the caller's to check. */
int cmn_so_name_format(char *buf, size_t cap, const char *prefix, uint64_t fingerprint,
                       uint64_t device);

/* The parts of a published name: the prefix is its first prefix_len characters. */
typedef struct cmn_so_name_parts {
    size_t prefix_len;
    uint64_t fingerprint;
    int32_t device;
} cmn_so_name_parts_t;

/* Parses the len characters at name as what cmn_so_name_format makes for a device in 0..INT32_MAX
 * (the device number without leading zeros), within the basename rule. False when they are not
 * such a name. */
bool cmn_so_name_parse(const char *name, size_t len, cmn_so_name_parts_t *out);

#endif /* AKL_COMMON_SO_NAME_H */
