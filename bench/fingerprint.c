/* Fingerprint throughput: akl's XXH3-64 beside FNV-1a (the seed design's hash) and beside
 * the floor of simply reading the bytes. */
#include "bench.h"

#include <akl/akl.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t read_words(const unsigned char *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)(const void *)p;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= n / 8; i += 4) {
        a += w[i];
        b ^= w[i + 1];
        c += w[i + 2];
        d ^= w[i + 3];
    }
    return a + b + c + d;
}

static double gbps(size_t bytes, int reps, uint64_t ns)
{
    return (double)bytes * reps / (double)ns;
}

int bench_fingerprint(const bench_config_t *cfg)
{
    size_t size = cfg->quick ? (1u << 20) : (64u << 20);
    int reps = cfg->quick ? 2 : 8;
    unsigned char *buf = malloc(size);
    if (!buf)
        return -1;
    for (size_t i = 0; i < size; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    volatile uint64_t sink = 0;
    bench_progress(cfg, "fingerprint: reading the bytes");
    uint64_t t0 = cmn_now_ns();
    for (int r = 0; r < reps; r++)
        sink += read_words(buf, size);
    uint64_t t_read = cmn_now_ns() - t0;
    bench_progress(cfg, "fingerprint: XXH3-64");
    t0 = cmn_now_ns();
    for (int r = 0; r < reps; r++)
        sink += akl_fingerprint(buf, size);
    uint64_t t_xxh = cmn_now_ns() - t0;
    bench_progress(cfg, "fingerprint: FNV-1a");
    int fnv_reps = reps > 2 ? 2 : reps;
    t0 = cmn_now_ns();
    for (int r = 0; r < fnv_reps; r++)
        sink += fnv1a64(buf, size);
    uint64_t t_fnv = cmn_now_ns() - t0;
    (void)sink;
    free(buf);
    bench_report("floor", "read the bytes (memory bandwidth)", gbps(size, reps, t_read), "GB/s", "",
                 "");
    bench_report("hash", "fingerprint XXH3-64 (akl_fingerprint)", gbps(size, reps, t_xxh), "GB/s",
                 "read the bytes (memory bandwidth)", "");
    bench_report("hash", "FNV-1a 64 (seed design, for comparison)", gbps(size, fnv_reps, t_fnv),
                 "GB/s", "read the bytes (memory bandwidth)", "");
    return 0;
}
