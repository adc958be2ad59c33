/* Test kernels for the simulator-core tests: record blocks, return values, wait on a flag,
 * append to a log, report the scheduler's environment, check pointer fix-ups, sum a large blob,
 * and crash (segfault, abort, stack overflow). Built as libsimk_basic.so and installed in each
 * test's simulated preinstall directory. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simk_abi.h"

/* Resolved from the aicpu scheduler that loads us. */
extern uint32_t AicpuGetBlockIdx(void);
extern uint32_t AicpuGetBlockNum(void);

#define SIMK_EXPORT __attribute__((visibility("default")))

SIMK_EXPORT uint32_t simk_record(void *args);
SIMK_EXPORT uint32_t simk_return(void *args);
SIMK_EXPORT uint32_t simk_kfc_return(void *args);
SIMK_EXPORT uint32_t simk_wait_flag(void *args);
SIMK_EXPORT uint32_t simk_append(void *args);
SIMK_EXPORT uint32_t simk_env(void *args);
SIMK_EXPORT uint32_t simk_fixup(void *args);
SIMK_EXPORT uint32_t simk_sum(void *args);
SIMK_EXPORT uint32_t simk_segv(void *args);
SIMK_EXPORT uint32_t simk_abort(void *args);
SIMK_EXPORT uint32_t simk_stop(void *args);
SIMK_EXPORT uint32_t simk_overflow(void *args);

static void *simk_ptr(uint64_t addr)
{
    return (void *)(uintptr_t)addr;
}

uint32_t simk_record(void *args)
{
    const simk_record_args_t *a = args;
    uint32_t idx = AicpuGetBlockIdx();
    simk_record_t *rec = (simk_record_t *)simk_ptr(a->out) + idx;
    rec->args_addr = (uint64_t)(uintptr_t)args;
    rec->block_idx = idx;
    rec->block_num = AicpuGetBlockNum();
    rec->tag = a->tag;
    __atomic_fetch_add(&rec->calls, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add((uint32_t *)simk_ptr(a->counter), 1, __ATOMIC_SEQ_CST);
    return 0;
}

uint32_t simk_return(void *args)
{
    const simk_return_args_t *a = args;
    if (a->fail_block != 0xFFFFFFFFU && a->fail_block != AicpuGetBlockIdx())
        return 0;
    return a->value;
}

uint32_t simk_kfc_return(void *args)
{
    return simk_return(args);
}

uint32_t simk_wait_flag(void *args)
{
    const simk_wait_args_t *a = args;
    const uint32_t *flag = simk_ptr(a->flag);
    for (uint32_t ms = 0; ms < a->max_ms; ms++) {
        if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
            return 0;
        struct timespec one = {0, 1000000};
        nanosleep(&one, NULL);
    }
    return 0;
}

uint32_t simk_append(void *args)
{
    const simk_append_args_t *a = args;
    uint32_t pos = __atomic_fetch_add((uint32_t *)simk_ptr(a->index), 1, __ATOMIC_SEQ_CST);
    ((uint32_t *)simk_ptr(a->log))[pos] = a->value;
    return 0;
}

uint32_t simk_env(void *args)
{
    const simk_env_args_t *a = args;
    simk_env_out_t *out = simk_ptr(a->out);
    const char *path = getenv("ASCEND_AICPU_KERNEL_PATH");
    out->pid = (int32_t)getpid();
    strncpy(out->kernel_path, path ? path : "", sizeof out->kernel_path - 1);
    return 0;
}

uint32_t simk_fixup(void *args)
{
    const simk_fixup_args_t *a = args;
    uint64_t *out = simk_ptr(a->out);
    out[0] = (uint64_t)(uintptr_t)args;
    out[1] = a->p1;
    out[2] = a->p2;
    out[3] = *(const uint32_t *)simk_ptr(a->p1);
    return 0;
}

uint32_t simk_sum(void *args)
{
    const simk_sum_args_t *a = args;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < a->n; i++)
        sum += a->data[i];
    *(uint64_t *)simk_ptr(a->out) = sum;
    return 0;
}

uint32_t simk_segv(void *args)
{
    (void)args;
    volatile int *nowhere = NULL;
    *nowhere = 1;
    return 0;
}

uint32_t simk_abort(void *args)
{
    (void)args;
    abort();
}

/* Stops the whole scheduler process, watchdog included: only the host can end this task. */
uint32_t simk_stop(void *args)
{
    (void)args;
    raise(SIGSTOP);
    return 0;
}

/* Each frame keeps a live buffer, so the recursion can become neither a loop nor a tail call. */
static uint32_t simk_recurse(volatile char *caller, uint32_t depth, uint32_t stop)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    frame[1] = caller ? caller[0] : 0;
    if (depth == stop)
        return 0;
    return simk_recurse(frame, depth + 1, stop) + (uint32_t)frame[1];
}

uint32_t simk_overflow(void *args)
{
    const simk_overflow_args_t *a = args;
    return simk_recurse(NULL, 0, a->stop_depth);
}
