/* Defaults of akl_load_options_t: prefix from $AKL_PREFIX, size limit from $AKL_MAX_SO_SIZE, a
 * 60 s bootstrap timeout; fields beyond a caller's opts->size take their defaults. */
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "errors.h"
#include "names.h"
#include "route.h"

/* Whether the caller's struct (opts->size bytes) reaches past field end offset. */
#define LDR_OPTS_HAS(opts, field)                                                                  \
    ((opts) && (opts)->size >= offsetof(akl_load_options_t, field) + sizeof((opts)->field))

static int ldr_env_max_size(size_t *out)
{
    const char *text = getenv("AKL_MAX_SO_SIZE");
    *out = AKL_DEFAULT_MAX_SO_SIZE;
    if (!text || !text[0])
        return 0;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end || value == 0 || text[0] == '-' || value > SIZE_MAX)
        return ldr_fail(AKL_EINVAL, "$AKL_MAX_SO_SIZE=\"%s\" is not a positive byte count", text);
    *out = (size_t)value;
    return 0;
}

_Static_assert(sizeof(akl_load_options_t) >= AKL_LOAD_OPTIONS_SIZE_V1, "the struct only grows");

int ldr_options_resolve(const akl_load_options_t *opts, ldr_options_t *out)
{
    if (opts && opts->size == 0)
        return ldr_fail(AKL_EINVAL,
                        "load options: opts->size is 0; set it to sizeof(akl_load_options_t)");
    if (opts && opts->size < AKL_LOAD_OPTIONS_SIZE_V1)
        return ldr_fail(AKL_EINVAL,
                        "load options: opts->size %zu is smaller than the struct's first version "
                        "(%u bytes); set it to sizeof(akl_load_options_t)",
                        opts->size, AKL_LOAD_OPTIONS_SIZE_V1);
    const char *prefix = LDR_OPTS_HAS(opts, prefix) ? opts->prefix : NULL;
    out->prefix = ldr_effective_prefix(prefix);
    out->stream = LDR_OPTS_HAS(opts, stream) ? opts->stream : NULL;
    int32_t timeout = LDR_OPTS_HAS(opts, timeout_ms) ? opts->timeout_ms : 0;
    if (timeout < -1)
        return ldr_fail(AKL_EINVAL,
                        "load options: timeout_ms %" PRId32 " is invalid (-1 forever, 0 default, "
                        "or milliseconds)",
                        timeout);
    out->timeout_ms = timeout == 0 ? LDR_DEFAULT_BOOT_TIMEOUT_MS : timeout;
    out->max_size = LDR_OPTS_HAS(opts, max_size) ? opts->max_size : 0;
    if (out->max_size == 0) {
        int rc = ldr_env_max_size(&out->max_size);
        if (rc != 0)
            return rc;
    }
    out->kernels = LDR_OPTS_HAS(opts, kernels) ? opts->kernels : NULL;
    out->cache_hit = LDR_OPTS_HAS(opts, cache_hit) ? opts->cache_hit : NULL;
    out->own = false;
    out->route = LDR_OPTS_HAS(opts, route) ? opts->route : AKL_ROUTE_AUTO;
    if (out->route != AKL_ROUTE_AUTO && out->route != AKL_ROUTE_EXTEND &&
        out->route != AKL_ROUTE_CUSTOM)
        return ldr_fail(AKL_EINVAL,
                        "load options: route %d is not AKL_ROUTE_AUTO, _EXTEND or _CUSTOM",
                        (int)out->route);
    if (out->route == AKL_ROUTE_AUTO)
        return ldr_route_from_env(&out->route);
    return 0;
}
