/* Device-side kernels for the benchmarks: an empty kernel (the launch path's cost with no work)
 * and one that counts its calls (so a run can check every launch really ran). */
#include <stdint.h>

#define BENCH_KERNEL __attribute__((visibility("default")))

BENCH_KERNEL uint32_t bench_empty(void *args);
BENCH_KERNEL uint32_t bench_count(void *args);

uint32_t bench_empty(void *args)
{
    (void)args;
    return 0;
}

/* args: { uint64_t counter_address } in device memory. */
uint32_t bench_count(void *args)
{
    uint64_t *counter = (uint64_t *)(uintptr_t)(*(const uint64_t *)args);
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
    return 0;
}
