/* The bytes of akl's device objects: the dispatcher a bootstrap uploads and the collector akl gc
 * loads, embedded in libakl at build time, or read from $AKL_DISPATCHER / $AKL_COLLECTOR. */
#ifndef LDR_DISPATCHER_BLOB_H
#define LDR_DISPATCHER_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ldr_dispatcher_bytes {
    const void *data;
    size_t size;
    bool owned;         /* data is malloc'd (read from the override): release it */
    const char *origin; /* "embedded" or the path, for messages */
} ldr_dispatcher_bytes_t;

/* Gets the dispatcher for a device of ELF machine `machine`: $AKL_DISPATCHER=<path> when set
 * (which must be built for that machine), else the embedded copy built for it. Returns 0, or
 * AKL_EIO/AKL_ETOOBIG/AKL_ENOMEM (unreadable override, or no embedded copy for that machine and no
 * override), AKL_ENOTELF/AKL_EMACHINE (an override not ELF, or built for another machine). */
int ldr_dispatcher_get(uint16_t machine, ldr_dispatcher_bytes_t *out);
/* The same for the collector (akl_collector.so): $AKL_COLLECTOR=<path>, else the embedded copy
 * built for machine; the same errors, naming the file and the variable. */
int ldr_collector_get(uint16_t machine, ldr_dispatcher_bytes_t *out);
void ldr_dispatcher_release(ldr_dispatcher_bytes_t *bytes);

#endif /* LDR_DISPATCHER_BLOB_H */
