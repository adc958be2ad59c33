/* XXH3-64 compiled into the dispatcher from the header-only xxhash.h, because on a device nothing
 * but libc can be assumed. Only this file includes xxhash.h, so its code is instantiated once.
 *
 * The hash advances as the publish uses the bytes (dispatcher_hash.h). XXH3's public streaming
 * API does that, but costs ~2.4 KB on aarch64 (its digest instantiates the whole one-shot hash
 * twice more, for seeds and secrets the dispatcher never uses), which the 16 KB budget has not
 * got. So with the xxhash.h the project is built with (0.8.1, Debian 12; checked), the one-shot's
 * own long loop is resumed block by block: it walks the input in blocks of 1 KB, each accumulated
 * and scrambled on its own, and only the last (partial) block and last stripe depend on the length;
 * so whole blocks before the last can be consumed as they come, and the one-shot's loop finishes
 * the rest. Inputs of up to 240 bytes are hashed at once. Other xxhash versions, whose internals
 * differ, use the streaming API. Either way the value is XXH3_64bits of all the bytes, as the host
 * computes it (test_dispatcher's fingerprint tests check it across block and chunk edges). */
#include "dispatcher_hash.h"

#include "dispatcher_ack.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#if XXH_VERSION_NUMBER == 801
#define DISPATCHER_HASH_RESUMED 1
#else
#define DISPATCHER_HASH_RESUMED 0
#endif

#if DISPATCHER_HASH_RESUMED

#define DISPATCHER_STRIPES_PER_BLOCK                                                               \
    ((sizeof XXH3_kSecret - XXH_STRIPE_LEN) / XXH_SECRET_CONSUME_RATE)
#define DISPATCHER_BLOCK (XXH_STRIPE_LEN * DISPATCHER_STRIPES_PER_BLOCK)

typedef struct dispatcher_hash_state {
    XXH_ALIGN(XXH_ACC_ALIGN) xxh_u64 acc[XXH_ACC_NB];
} dispatcher_hash_state_t;

static const dispatcher_hash_state_t dispatcher_hash_init = {XXH3_INIT_ACC};

static uint64_t dispatcher_hash_short(const xxh_u8 *input, size_t len)
{
    if (len <= 16)
        return XXH3_len_0to16_64b(input, len, XXH3_kSecret, 0);
    if (len <= 128)
        return XXH3_len_17to128_64b(input, len, XXH3_kSecret, sizeof XXH3_kSecret, 0);
    return XXH3_len_129to240_64b(input, len, XXH3_kSecret, sizeof XXH3_kSecret, 0);
}

#else
typedef XXH3_state_t dispatcher_hash_state_t;
#endif

_Static_assert(sizeof(dispatcher_hash_state_t) <= sizeof(((dispatcher_source_t *)0)->state),
               "dispatcher_source_t.state cannot hold the hash's state");
_Static_assert(_Alignof(dispatcher_hash_state_t) <= 64,
               "dispatcher_source_t.state is under-aligned");

static dispatcher_hash_state_t *dispatcher_source_state(dispatcher_source_t *src)
{
    return (dispatcher_hash_state_t *)(void *)src->state;
}

void dispatcher_source_init(dispatcher_source_t *src, const void *bytes, size_t len,
                            uint64_t expected)
{
    src->bytes = bytes;
    src->len = len;
    src->expected = expected;
    src->hashed = 0;
    src->fingerprint = 0;
#if DISPATCHER_HASH_RESUMED
    memcpy(dispatcher_source_state(src), &dispatcher_hash_init, sizeof dispatcher_hash_init);
    if (len <= XXH3_MIDSIZE_MAX) {
        src->fingerprint = dispatcher_hash_short(src->bytes, len);
        src->hashed = len;
    }
#else
    XXH3_64bits_reset(dispatcher_source_state(src));
    if (len == 0)
        src->fingerprint = XXH3_64bits_digest(dispatcher_source_state(src));
#endif
}

#if DISPATCHER_HASH_RESUMED
/* XXH3_hashLong_internal_loop's steps, resumable: its whole blocks as they come (never the last
 * one, whose length decides what follows), then its last partial block and last stripe, and
 * XXH3_hashLong_64b_internal's merge. */
void dispatcher_source_hash_to(dispatcher_source_t *src, size_t end)
{
    xxh_u64 *acc = dispatcher_source_state(src)->acc;
    size_t len = src->len;
    if (src->hashed == len)
        return;
    size_t last = (len - 1) / DISPATCHER_BLOCK * DISPATCHER_BLOCK;
    size_t stop = end < last ? end / DISPATCHER_BLOCK * DISPATCHER_BLOCK : last;
    for (; src->hashed < stop; src->hashed += DISPATCHER_BLOCK) {
        XXH3_accumulate(acc, src->bytes + src->hashed, XXH3_kSecret, DISPATCHER_STRIPES_PER_BLOCK,
                        XXH3_accumulate_512);
        XXH3_scrambleAcc(acc, XXH3_kSecret + sizeof XXH3_kSecret - XXH_STRIPE_LEN);
    }
    if (end < len)
        return;
    XXH3_accumulate(acc, src->bytes + last, XXH3_kSecret, (len - 1 - last) / XXH_STRIPE_LEN,
                    XXH3_accumulate_512);
    XXH3_accumulate_512(acc, src->bytes + len - XXH_STRIPE_LEN,
                        XXH3_kSecret + sizeof XXH3_kSecret - XXH_STRIPE_LEN -
                            XXH_SECRET_LASTACC_START);
    src->fingerprint = XXH3_mergeAccs(acc, XXH3_kSecret + XXH_SECRET_MERGEACCS_START,
                                      (xxh_u64)len * XXH_PRIME64_1);
    src->hashed = len;
}
#else
void dispatcher_source_hash_to(dispatcher_source_t *src, size_t end)
{
    if (end > src->len)
        end = src->len;
    if (end <= src->hashed)
        return;
    XXH3_64bits_update(dispatcher_source_state(src), src->bytes + src->hashed, end - src->hashed);
    src->hashed = end;
    if (end == src->len)
        src->fingerprint = XXH3_64bits_digest(dispatcher_source_state(src));
}
#endif

uint64_t dispatcher_source_fingerprint(dispatcher_source_t *src)
{
    dispatcher_source_hash_to(src, src->len);
    return src->fingerprint;
}

bool dispatcher_source_verified(dispatcher_source_t *src)
{
    return dispatcher_source_fingerprint(src) == src->expected;
}

void dispatcher_source_refuse(dispatcher_source_t *src, akl_bootstrap_ack_t *ack)
{
    uint64_t fingerprint = dispatcher_source_fingerprint(src);
    ack->bytes = 0;
    dispatcher_ack_fail(ack, AKL_STAGE_FINGERPRINT, 0, "",
                        "the %zu bytes hash to %016llx, the host expected %016llx", src->len,
                        (unsigned long long)fingerprint, (unsigned long long)src->expected);
}
