/* The fingerprint: XXH3-64, seed 0, of the runtime SO's bytes, the same value the host computes. */
#ifndef AKL_DISPATCHER_HASH_H
#define AKL_DISPATCHER_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t dispatcher_fingerprint(const void *data, size_t len);

#endif /* AKL_DISPATCHER_HASH_H */
