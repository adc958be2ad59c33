/* Test kernels of the loader's tests (a runtime SO as users write them): store per-block values,
 * report the build's version, fail on purpose, never return. Also carries symbols that must NOT
 * count as kernels (hidden function, data object, undefined reference) for the ELF validator.
 * LDRK_VERSION is set by the build: two builds of this file are two different SOs. */
#include <stdint.h>
#include <time.h>

#ifndef LDRK_VERSION
#define LDRK_VERSION 1
#endif

/* Provided by the AICPU scheduler that loads the SO; weak so the SO links alone. */
extern uint32_t AicpuGetBlockIdx(void) __attribute__((weak));
extern uint32_t AicpuGetBlockNum(void) __attribute__((weak));

uint32_t ldrk_store(void *args);
uint32_t ldrk_version(void *args);
uint32_t ldrk_fail(void *args);
uint32_t ldrk_spin(void *args);
uint32_t ldrk_empty(void *args);

/* Arguments of ldrk_store: out[block] = value + block for every block. */
typedef struct ldrk_store_args {
    uint64_t out; /* device address of uint64_t[blocks] */
    uint64_t value;
} ldrk_store_args_t;

uint32_t ldrk_store(void *args)
{
    const ldrk_store_args_t *a = args;
    uint32_t block = AicpuGetBlockIdx ? AicpuGetBlockIdx() : 0;
    uint64_t *out = (uint64_t *)(uintptr_t)a->out;
    out[block] = a->value + block;
    return 0;
}

/* *(uint64_t *)args[0] = LDRK_VERSION */
uint32_t ldrk_version(void *args)
{
    uint64_t *out = (uint64_t *)(uintptr_t) * (const uint64_t *)args;
    *out = LDRK_VERSION;
    return 0;
}

uint32_t ldrk_fail(void *args)
{
    (void)args;
    return 7;
}

/* Never returns: the device's watchdog or a reset has to end it. */
uint32_t ldrk_spin(void *args)
{
    (void)args;
    for (;;) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

uint32_t ldrk_empty(void *args)
{
    (void)args;
    return 0;
}

/* Not kernels: a hidden function and a data object. */
__attribute__((visibility("hidden"))) uint32_t ldrk_hidden(void *args);
__attribute__((visibility("hidden"))) uint32_t ldrk_hidden(void *args)
{
    (void)args;
    return AicpuGetBlockNum ? AicpuGetBlockNum() : 0;
}
uint32_t ldrk_data_object = LDRK_VERSION;
