/* The dispatcher SO's bytes that a bootstrap uploads: embedded in libakl at build time, or read
 * from $AKL_DISPATCHER. */
#ifndef AKL_LOADER_DISPATCHER_BLOB_H
#define AKL_LOADER_DISPATCHER_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct akl_dispatcher_bytes {
    const void *data;
    size_t size;
    bool owned;         /* data is malloc'd (read from $AKL_DISPATCHER): release it */
    const char *origin; /* "embedded" or the path, for messages */
} akl_dispatcher_bytes_t;

/* Gets the dispatcher for a device of ELF machine `machine`: $AKL_DISPATCHER=<path> when set
 * (which must be built for that machine), else the embedded copy built for it. Returns 0, or
 * AKL_EIO/AKL_ETOOBIG/AKL_ENOMEM (unreadable override, or no embedded copy for that machine and no
 * override), AKL_ENOTELF/AKL_EMACHINE (an override that is not ELF or built for another machine).
 */
int akl_dispatcher_get(uint16_t machine, akl_dispatcher_bytes_t *out);
void akl_dispatcher_release(akl_dispatcher_bytes_t *bytes);

#endif /* AKL_LOADER_DISPATCHER_BLOB_H */
