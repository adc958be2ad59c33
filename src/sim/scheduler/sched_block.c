/* The per-block context of the aicpu scheduler: what AicpuGetBlockIdx()/AicpuGetBlockNum() answer
 * for the calling kernel (exported from the scheduler executable, as libaicpu_sharder.so exports
 * them on a device), and CANN's mapping of a kernel's return value to the device errcode. */
#define _GNU_SOURCE
#include "sched_block.h"

#include "akl/akl_kernel.h"
#include "runtime/rt.h"

/* Thread-local because every worker thread runs its own block, as in CANN's aicpu_context. */
static __thread const sched_task_ctx_t *sched_tls_ctx;
static __thread uint32_t sched_tls_block_idx;
static __thread uint32_t sched_tls_block_num;

uint32_t AicpuGetBlockIdx(void)
{
    return sched_tls_block_idx;
}

uint32_t AicpuGetBlockNum(void)
{
    return sched_tls_block_num;
}

void sched_block_enter(const sched_task_ctx_t *ctx, uint32_t block_idx)
{
    sched_tls_block_idx = block_idx;
    sched_tls_block_num = ctx->num_blocks;
    sched_tls_ctx = ctx;
}

void sched_block_leave(void)
{
    sched_tls_ctx = NULL;
    sched_tls_block_idx = 0;
    sched_tls_block_num = 0;
}

const sched_task_ctx_t *sched_block_current(uint32_t *block_idx)
{
    *block_idx = sched_tls_block_idx;
    return sched_tls_ctx;
}

/* AICPU: ae_kernel_lib_aicpu.cc TransformKernelErrorCode (101 task wait and 201 end of sequence are
 * not errors; values below 21200 pass through, others become 21008). KFC: 301 abort and
 * 1000..1099 pass through, any other non-zero value becomes AE_STATUS_TASK_FAIL (1). */
uint32_t sched_block_map_result(uint32_t kernel_type, uint32_t value)
{
    if (value == 0)
        return 0;
    if (kernel_type == KERNEL_TYPE_AICPU_KFC) {
        if (value == 301 || (value >= 1000 && value <= 1099))
            return value;
        return 1;
    }
    if (value == 101 || value == 201)
        return 0;
    return value < 21200 ? value : 21008;
}

uint32_t sched_block_run(sim_kernel_fn fn, void *args, const sched_task_ctx_t *ctx,
                         uint32_t block_idx)
{
    sched_block_enter(ctx, block_idx);
    uint32_t value = fn(args);
    sched_block_leave();
    return value;
}
