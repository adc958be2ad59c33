/* XXH3-64 compiled into the dispatcher from the header-only xxhash.h, because on a device nothing
 * but libc can be assumed. Only this file includes xxhash.h, so its code is instantiated once. */
#include "dispatcher_hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t dispatcher_fingerprint(const void *data, size_t len)
{
    return (uint64_t)XXH3_64bits(data, len);
}
