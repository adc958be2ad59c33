/* Mode B test kernels: add and multiply two numbers from a param that sits at cpuParamHeadOffset
 * in the launch's args (checking the header before it), and wait on a flag (for timeouts). Built
 * twice with a different MODEBK_VARIANT so a test can tell which copy ran. */
#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>

#include "modebk_abi.h"

#ifndef MODEBK_VARIANT
#error "build with -DMODEBK_VARIANT=<n>"
#endif

extern uint32_t AicpuGetBlockIdx(void);
extern uint32_t AicpuGetBlockNum(void);

#define MODEBK_EXPORT __attribute__((visibility("default")))

MODEBK_EXPORT uint32_t modebk_add(void *param);
MODEBK_EXPORT uint32_t modebk_mul(void *param);
MODEBK_EXPORT uint32_t modebk_wait(void *param);

static void *modebk_ptr(uint64_t addr)
{
    return (void *)(uintptr_t)addr;
}

/* 0 if param is a modebk_param_t whose header sits head_back bytes before it, else the error. */
static uint32_t modebk_check(const modebk_param_t *p)
{
    if (p->magic != MODEBK_PARAM_MAGIC)
        return MODEBK_BAD_PARAM;
    const modebk_head_t *head = (const modebk_head_t *)((const char *)p - p->head_back);
    if (head->magic != MODEBK_HEAD_MAGIC || head->param_offset != p->head_back)
        return MODEBK_BAD_HEAD;
    return 0;
}

static uint32_t modebk_store(const modebk_param_t *p, int64_t value)
{
    uint32_t idx = AicpuGetBlockIdx();
    modebk_result_t *r = (modebk_result_t *)modebk_ptr(p->out) + idx;
    r->value = value;
    r->variant = MODEBK_VARIANT;
    r->block_idx = idx;
    r->block_num = AicpuGetBlockNum();
    __atomic_store_n(&r->done, 1u, __ATOMIC_RELEASE);
    return 0;
}

uint32_t modebk_add(void *param)
{
    const modebk_param_t *p = param;
    uint32_t bad = modebk_check(p);
    return bad ? bad : modebk_store(p, p->a + p->b);
}

uint32_t modebk_mul(void *param)
{
    const modebk_param_t *p = param;
    uint32_t bad = modebk_check(p);
    return bad ? bad : modebk_store(p, p->a * p->b);
}

uint32_t modebk_wait(void *param)
{
    const modebk_param_t *p = param;
    uint32_t bad = modebk_check(p);
    if (bad)
        return bad;
    const uint32_t *flag = modebk_ptr((uint64_t)p->a);
    for (int64_t ms = 0; ms < p->b; ms++) {
        if (flag && __atomic_load_n(flag, __ATOMIC_ACQUIRE))
            break;
        struct timespec one = {0, 1000000};
        nanosleep(&one, NULL);
    }
    return modebk_store(p, p->b);
}
