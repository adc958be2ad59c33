/* akl_load_options_t with every default applied, so that later stages read plain values. */
#ifndef LDR_OPTIONS_H
#define LDR_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"

#define LDR_DEFAULT_BOOT_TIMEOUT_MS 60000

typedef struct ldr_options {
    const char *prefix;         /* effective prefix */
    akl_stream_t stream;        /* bootstrap stream, NULL: default */
    int32_t timeout_ms;         /* -1: forever, else > 0 */
    size_t max_size;            /* effective size limit */
    const char *const *kernels; /* NULL or a NULL-terminated list */
    akl_route_t route;          /* as asked: opts->route, else $AKL_ROUTE, else auto */
    bool *cache_hit;            /* NULL, or where a load says whether it hit the cache */
    bool own;                   /* libakl's own load (the collector): not in akl_cache_stats */
    struct ldr_boot_follow
        *follow; /* NULL, or work a bootstrap queues behind it (module_types.h) */
} ldr_options_t;

/* Applies defaults (opts may be NULL). opts->size below AKL_LOAD_OPTIONS_SIZE_V1 is AKL_EINVAL;
 * fields beyond opts->size (a caller built against an older version of a grown struct) take their
 * defaults. Returns 0 or AKL_EINVAL. */
int ldr_options_resolve(const akl_load_options_t *opts, ldr_options_t *out);

#endif /* LDR_OPTIONS_H */
