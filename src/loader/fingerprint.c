/* The fingerprint of a runtime SO: XXH3-64 (seed 0) of its bytes. The dispatcher computes the same
 * on the device (xxhash.h used header-only on both sides), and the device file name carries it.
 * On x86-64 CPUs with AVX2 long inputs take the AVX2 build of the same hash (fingerprint_avx2.c):
 * the host hashes every SO it loads once, and a 16 MB one in ~0.45 ms instead of ~0.9. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "akl/akl.h"
#include "fingerprint_avx2.h"

/* Below this the vector loop hardly runs (XXH3 hashes up to 240 bytes without it). */
#define LDR_FINGERPRINT_AVX2_MIN 1024

uint64_t akl_fingerprint(const void *data, size_t size)
{
    /* NULL has no bytes to hash; it hashes as the empty input rather than crashing. */
    if (!data)
        size = 0;
#if AKL_FINGERPRINT_AVX2
    if (size >= LDR_FINGERPRINT_AVX2_MIN && __builtin_cpu_supports("avx2"))
        return ldr_fingerprint_avx2(data, size);
#endif
    return XXH3_64bits(data, size);
}
