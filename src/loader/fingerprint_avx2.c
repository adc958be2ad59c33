/* XXH3-64 with AVX2, for akl_fingerprint on x86-64 CPUs that have it (fingerprint.c decides, per
 * call): built with -mavx2, so xxhash.h picks its AVX2 loop at compile time; the value is the same
 * XXH3-64 as everywhere else (the dispatcher's, the host's SSE2 one), at about twice the speed on
 * the long inputs a runtime SO is. Nothing else in this file may run on a CPU without AVX2: every
 * function xxhash.h defines here is static (XXH_INLINE_ALL), and only this one is called. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fingerprint_avx2.h"

uint64_t ldr_fingerprint_avx2(const void *data, size_t size)
{
    return XXH3_64bits(data, size);
}
