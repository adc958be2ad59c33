/* Kernels of the fault-injection and error-catalogue tests: hold a stream busy until the host
 * releases it, store per-block values, return a chosen value, crash. Built as libfaultk_basic.so;
 * the publish fault test also pads copies of it with random bytes to get large runtime SOs. */
#include <stdint.h>
#include <time.h>

#include "faultk_abi.h"

/* Provided by the AICPU scheduler that loads the SO; weak so the SO links alone. */
extern uint32_t AicpuGetBlockIdx(void) __attribute__((weak));

uint32_t faultk_hold(void *args);
uint32_t faultk_store(void *args);
uint32_t faultk_return(void *args);
uint32_t faultk_segv(void *args);

static uint32_t *faultk_u32(uint64_t device_address)
{
    return (uint32_t *)(uintptr_t)device_address;
}

static uint64_t faultk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Polls rather than spins flat out: several of these run at once on a 2-core machine. */
uint32_t faultk_hold(void *args)
{
    const faultk_hold_args_t *a = args;
    __atomic_fetch_add(faultk_u32(a->started), 1u, __ATOMIC_SEQ_CST);
    uint64_t deadline = faultk_now_ms() + a->max_ms;
    while (__atomic_load_n(faultk_u32(a->release), __ATOMIC_ACQUIRE) == 0) {
        if (faultk_now_ms() >= deadline)
            return FAULTK_HOLD_EXPIRED;
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
    return 0;
}

uint32_t faultk_store(void *args)
{
    const faultk_store_args_t *a = args;
    uint32_t block = AicpuGetBlockIdx ? AicpuGetBlockIdx() : 0;
    uint64_t *out = (uint64_t *)(uintptr_t)a->out;
    out[block] = a->value + block;
    return 0;
}

uint32_t faultk_return(void *args)
{
    const faultk_return_args_t *a = args;
    return a->value;
}

/* A store to an unmapped page. The address comes through a volatile so that no compiler can
 * prove the store undefined and replace it by a trap (SIGILL). */
uint32_t faultk_segv(void *args)
{
    (void)args;
    volatile uintptr_t unmapped = 8;
    *(volatile int *)unmapped = 1;
    return 0;
}
