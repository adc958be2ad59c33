/* Device basenames ("<prefix><16 lowercase hex>_<device>.so", at most 100 characters of
 * [A-Za-z0-9._-], CANN's AE_MAX_SO_NAME and charset) and kernel-name rules (1..200 characters,
 * CANN's AE_MAX_KERNEL_NAME, of a C identifier, since the device dlsyms the name). */
#include "names.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "errors.h"
#include "so_name.h"

const char *ldr_effective_prefix(const char *opts_prefix)
{
    if (opts_prefix)
        return opts_prefix;
    const char *env = getenv("AKL_PREFIX");
    return env && env[0] ? env : AKL_DEFAULT_PREFIX;
}

static int ldr_check_prefix(const char *prefix)
{
    size_t length = strnlen(prefix, AKL_SO_NAME_MAX + 1);
    if (length > AKL_SO_NAME_MAX)
        return ldr_fail(AKL_ENAME, "prefix \"%.40s...\" is longer than %d characters", prefix,
                        AKL_SO_NAME_MAX);
    size_t bad = cmn_so_name_bad_char(prefix, length);
    if (bad < length)
        return ldr_fail(AKL_ENAME,
                        "prefix \"%s\" has character 0x%02x at %zu; a device file name may use "
                        "only [A-Za-z0-9._-]",
                        prefix, (unsigned char)prefix[bad], bad);
    return 0;
}

int akl_basename(const char *prefix, uint64_t fingerprint, int32_t device, char *buf,
                 size_t buf_size)
{
    if (!buf || buf_size == 0)
        return ldr_fail(AKL_EINVAL, "akl_basename: buf is NULL or buf_size is 0");
    buf[0] = 0;
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_basename: device %" PRId32 " is negative", device);
    prefix = ldr_effective_prefix(prefix);
    int rc = ldr_check_prefix(prefix);
    if (rc != 0)
        return rc;
    char name[AKL_SO_NAME_MAX + 64];
    int length = cmn_so_name_format(name, sizeof name, prefix, fingerprint, (uint64_t)device);
    if (length < 0 || length > AKL_SO_NAME_MAX)
        return ldr_fail(AKL_ENAME,
                        "device file name for prefix \"%s\" and device %" PRId32
                        " would be %d characters; the device allows at most %d",
                        prefix, device, length, AKL_SO_NAME_MAX);
    if ((size_t)length >= buf_size)
        return ldr_fail(AKL_EINVAL, "akl_basename: buf_size %zu is too small for \"%s\" (%d + 1)",
                        buf_size, name, length);
    memcpy(buf, name, (size_t)length + 1);
    return 0;
}

bool ldr_kernel_name_ok(const char *name, size_t *length)
{
    return cmn_kernel_name_ok(name, length);
}

int ldr_check_kernel_name(const char *name)
{
    if (!name)
        return ldr_fail(AKL_EINVAL, "kernel name is NULL");
    size_t length = strnlen(name, AKL_KERNEL_NAME_MAX + 1);
    if (length == 0)
        return ldr_fail(AKL_ENAME, "kernel name is empty");
    if (length > AKL_KERNEL_NAME_MAX)
        return ldr_fail(AKL_ENAME, "kernel name \"%.40s...\" is longer than %d characters", name,
                        AKL_KERNEL_NAME_MAX);
    size_t checked;
    if (!ldr_kernel_name_ok(name, &checked))
        return ldr_fail(AKL_ENAME,
                        "kernel name \"%s\" is not a C identifier ([A-Za-z_][A-Za-z0-9_]*), so "
                        "the device cannot look it up",
                        name);
    return 0;
}

_Static_assert(sizeof(((akl_basename_parts_t *)0)->prefix) == AKL_SO_NAME_MAX + 1,
               "akl.h's akl_basename_parts_t.prefix holds a whole device basename");

int akl_parse_basename(const char *name, akl_basename_parts_t *parts)
{
    if (!name || !parts)
        return ldr_fail(AKL_EINVAL, "akl_parse_basename: name or parts is NULL");
    size_t length = strnlen(name, AKL_SO_NAME_MAX + 1);
    cmn_so_name_parts_t found;
    if (length > AKL_SO_NAME_MAX || !cmn_so_name_parse(name, length, &found))
        return ldr_fail(AKL_ENAME,
                        "\"%.*s%s\" is not a device file name of the form "
                        "<prefix><16 lowercase hex>_<device>.so (at most %d characters of "
                        "[A-Za-z0-9._-])",
                        40, name, length > 40 ? "..." : "", AKL_SO_NAME_MAX);
    memcpy(parts->prefix, name, found.prefix_len);
    parts->prefix[found.prefix_len] = '\0';
    parts->fingerprint = found.fingerprint;
    parts->device = found.device;
    return 0;
}
