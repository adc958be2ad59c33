/* The vector_add runtime SO (libakl_vector_add.so): vadd_init validates the argument block and
 * marks the device-side status ready; vadd_exec computes c = a + b over float vectors in device
 * memory, each block taking one contiguous slice. */
#include "vector_add_abi.h"

#include <stdint.h>

/* AKL_KERNEL, and AicpuGetBlockIdx()/AicpuGetBlockNum(), which the AICPU scheduler that loads this
 * SO provides. */
#include <akl/akl_kernel.h>

static uint32_t vadd_validate(const vadd_args_t *in)
{
    if (in->magic != VADD_MAGIC)
        return VADD_E_MAGIC;
    if (in->version != VADD_VERSION)
        return VADD_E_VERSION;
    if (!in->a || !in->b || !in->c || !in->status)
        return VADD_E_NULL;
    if (in->n == 0)
        return VADD_E_EMPTY;
    return 0;
}

static vadd_status_t *vadd_status_of(const vadd_args_t *in)
{
    return (vadd_status_t *)(uintptr_t)in->status;
}

AKL_KERNEL(vadd_init)
{
    const vadd_args_t *in = args;
    uint32_t rc = in ? vadd_validate(in) : VADD_E_NULL;
    if (rc != 0)
        return rc;
    vadd_status_t *status = vadd_status_of(in);
    __atomic_store_n(&status->blocks_done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&status->elements_done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&status->ready, VADD_READY, __ATOMIC_RELEASE);
    return 0;
}

AKL_KERNEL(vadd_exec)
{
    const vadd_args_t *in = args;
    uint32_t rc = in ? vadd_validate(in) : VADD_E_NULL;
    if (rc != 0)
        return rc;
    vadd_status_t *status = vadd_status_of(in);
    if (__atomic_load_n(&status->ready, __ATOMIC_ACQUIRE) != VADD_READY)
        return VADD_E_NOT_READY;
    uint32_t block = AicpuGetBlockIdx(), blocks = AicpuGetBlockNum();
    if (blocks == 0 || block >= blocks)
        return VADD_E_BLOCK;

    /* Contiguous slices of ceil(n / blocks): each block touches its own cache lines. */
    uint64_t slice = (in->n + blocks - 1) / blocks;
    uint64_t begin = slice * block < in->n ? slice * block : in->n;
    uint64_t end = begin + slice < in->n ? begin + slice : in->n;
    const float *a = (const float *)(uintptr_t)in->a;
    const float *b = (const float *)(uintptr_t)in->b;
    float *c = (float *)(uintptr_t)in->c;
    for (uint64_t i = begin; i < end; i++)
        c[i] = a[i] + b[i];

    __atomic_fetch_add(&status->elements_done, end - begin, __ATOMIC_RELAXED);
    __atomic_fetch_add(&status->blocks_done, 1, __ATOMIC_RELEASE);
    return 0;
}
