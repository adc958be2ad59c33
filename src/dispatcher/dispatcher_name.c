/* Checks the target basename before anything touches the filesystem: a name the device's loader
 * would refuse or cut, or one that does not carry the bytes' fingerprint and the device id, must
 * never be published. */
#include "dispatcher_name.h"

#include "bootstrap_abi.h"
#include "so_name.h"

#include <stdio.h>
#include <string.h>

bool dispatcher_name_well_formed(const char *field, size_t field_cap, char *why, size_t why_cap)
{
    /* By hand rather than memchr/strcmp: each libc function imported costs the dispatcher's size
     * on every first bootstrap. */
    size_t len = 0;
    while (len < field_cap && field[len] != '\0')
        len++;
    if (len == field_cap) {
        snprintf(why, why_cap, "target_name is not NUL-terminated within its %zu bytes", field_cap);
        return false;
    }
    if (len == 0) {
        snprintf(why, why_cap, "target_name of %zu bytes is empty", field_cap);
        return false;
    }
    if (len > AKL_SO_NAME_MAX) {
        snprintf(why, why_cap, "target_name has %zu characters, more than %d", len,
                 AKL_SO_NAME_MAX);
        return false;
    }
    size_t bad = cmn_so_name_bad_char(field, len);
    if (bad < len) {
        snprintf(why, why_cap, "target_name has character 0x%02x at %zu, outside [A-Za-z0-9._-]",
                 (unsigned char)field[bad], bad);
        return false;
    }
    if (len <= 2 && field[0] == '.' && field[len - 1] == '.') { /* "." or ".." */
        snprintf(why, why_cap, "target_name \"%s\" is not a file name", field);
        return false;
    }
    return true;
}

bool dispatcher_name_carries(const char *name, uint64_t fingerprint, uint64_t device_id, char *why,
                             size_t why_cap)
{
    char suffix[64];
    int n = snprintf(suffix, sizeof suffix, "%016llx_%llu.so", (unsigned long long)fingerprint,
                     (unsigned long long)device_id);
    size_t len = strlen(name);
    size_t suffix_len = (size_t)n;
    if (len >= suffix_len && memcmp(name + len - suffix_len, suffix, suffix_len) == 0)
        return true;
    snprintf(why, why_cap, "target_name \"%.40s%s\" does not end with \"%s\"", name,
             len > 40 ? "..." : "", suffix);
    return false;
}
