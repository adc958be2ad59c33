/* The device's name rules and the published-name format (see so_name.h). */
#include "so_name.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool cmn_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool cmn_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool cmn_so_name_char_ok(char c)
{
    return cmn_is_alpha(c) || cmn_is_digit(c) || c == '.' || c == '_' || c == '-';
}

size_t cmn_so_name_bad_char(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && cmn_so_name_char_ok(s[i]))
        i++;
    return i;
}

bool cmn_so_basename_ok(const char *name)
{
    size_t len = strnlen(name, AKL_SO_NAME_MAX + 1);
    if (len == 0 || len > AKL_SO_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    return cmn_so_name_bad_char(name, len) == len;
}

bool cmn_kernel_name_ok(const char *name, size_t *length)
{
    if (!cmn_is_alpha(name[0]) && name[0] != '_')
        return false;
    size_t i = 1;
    for (; name[i]; i++) {
        if (i >= AKL_KERNEL_NAME_MAX)
            return false;
        if (!cmn_is_alpha(name[i]) && !cmn_is_digit(name[i]) && name[i] != '_')
            return false;
    }
    *length = i;
    return true;
}

int cmn_so_name_format(char *buf, size_t cap, const char *prefix, uint64_t fingerprint,
                       uint64_t device)
{
    int n = snprintf(buf, cap, "%s%016" PRIx64 "_%" PRIu64 ".so", prefix, fingerprint, device);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int cmn_hex_value(char c)
{
    return cmn_is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The device number: 1..10 digits, no leading zero but "0" itself, at most INT32_MAX. */
static bool cmn_parse_device(const char *digits, size_t n, int32_t *device)
{
    if (n == 0 || n > 10 || (digits[0] == '0' && n > 1))
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < n; i++)
        value = value * 10 + (uint64_t)(digits[i] - '0');
    if (value > INT32_MAX)
        return false;
    *device = (int32_t)value;
    return true;
}

bool cmn_so_name_parse(const char *name, size_t len, cmn_so_name_parts_t *out)
{
    if (len > AKL_SO_NAME_MAX || len < CMN_FINGERPRINT_HEX + 5 ||
        memcmp(name + len - 3, ".so", 3) != 0 || cmn_so_name_bad_char(name, len) != len)
        return false;
    size_t end = len - 3, digits = end;
    while (digits > 0 && cmn_is_digit(name[digits - 1]))
        digits--;
    if (digits < CMN_FINGERPRINT_HEX + 1 || name[digits - 1] != '_' ||
        !cmn_parse_device(name + digits, end - digits, &out->device))
        return false;
    size_t hex = digits - 1 - CMN_FINGERPRINT_HEX;
    uint64_t fingerprint = 0;
    for (size_t i = hex; i < hex + CMN_FINGERPRINT_HEX; i++) {
        int v = cmn_hex_value(name[i]);
        if (v < 0)
            return false;
        fingerprint = fingerprint << 4 | (uint64_t)v;
    }
    out->fingerprint = fingerprint;
    out->prefix_len = hex;
    return true;
}
