/* The fingerprint: XXH3-64, seed 0, of the runtime SO's bytes, the same value the host computes.
 * It is computed in the same pass that compares or writes the bytes (a source's hash advances as
 * they are used), so each byte of device memory is read once, not once to hash and once more to
 * publish. */
#ifndef AKL_DISPATCHER_HASH_H
#define AKL_DISPATCHER_HASH_H

#include "bootstrap_abi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bytes being published, with their hash so far. The XXH3 state lives in state (xxhash.h is
 * included by dispatcher_hash.c alone, which checks that it fits). */
typedef struct dispatcher_source {
    const unsigned char *bytes;
    size_t len;
    uint64_t expected;    /* the fingerprint the host computed */
    size_t hashed;        /* bytes[0..hashed) have been hashed */
    uint64_t fingerprint; /* valid once hashed == len */
    _Alignas(64) unsigned char state[640];
} dispatcher_source_t;

/* Hashing and comparing or writing go chunk by chunk, each chunk hashed just before it is used,
 * so that it is still in the cache then. 1 MB measured best on the project's VM (AMD EPYC): hash +
 * compare of 16 MB took 1.74 ms of CPU in 1 MB chunks, 1.87 in 256 KB, 1.94 in 64 KB, 2.24 as two
 * passes; hash + write 3.8, 4.2, 5.0 and 4.5 ms (docs/performance.md). */
#define DISPATCHER_CHUNK (1u << 20)

void dispatcher_source_init(dispatcher_source_t *src, const void *bytes, size_t len,
                            uint64_t expected);
/* Hashes bytes[hashed..end) (nothing when they were hashed already). */
void dispatcher_source_hash_to(dispatcher_source_t *src, size_t end);
/* Hashes whatever is left; returns the fingerprint of all len bytes. */
uint64_t dispatcher_source_fingerprint(dispatcher_source_t *src);
/* Whether the bytes hash to the fingerprint the host expected (hashing what is left). */
bool dispatcher_source_verified(dispatcher_source_t *src);
/* Records in ack that the bytes do not hash to what the host expected: FAILED at FINGERPRINT,
 * nothing published. */
void dispatcher_source_refuse(dispatcher_source_t *src, akl_bootstrap_ack_t *ack);

#endif /* AKL_DISPATCHER_HASH_H */
