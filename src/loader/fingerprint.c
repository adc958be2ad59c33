/* The fingerprint of a runtime SO: XXH3-64 (seed 0) of its bytes. The dispatcher computes the same
 * on the device (xxhash.h used header-only on both sides), and the device file name carries it. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "akl/akl.h"

uint64_t akl_fingerprint(const void *data, size_t size)
{
    /* NULL has no bytes to hash; it hashes as the empty input rather than crashing. */
    if (!data)
        size = 0;
    return XXH3_64bits(data, size);
}
