/* XXH3-64 compiled for AVX2 (fingerprint_avx2.c): call only on a CPU that has AVX2. */
#ifndef AKL_LOADER_FINGERPRINT_AVX2_H
#define AKL_LOADER_FINGERPRINT_AVX2_H

#include <stddef.h>
#include <stdint.h>

uint64_t ldr_fingerprint_avx2(const void *data, size_t size);

#endif /* AKL_LOADER_FINGERPRINT_AVX2_H */
