/* The block a scheduler thread runs (sched_block.c): the context AicpuGetBlockIdx()/
 * AicpuGetBlockNum() answer from and the crash handler names, and CANN's result mapping. */
#ifndef AKL_SIM_SCHED_BLOCK_H
#define AKL_SIM_SCHED_BLOCK_H

#include <stdint.h>

#include "kernel_lookup.h"

/* What a running block is doing, for the crash handler's message. The name pointers point into
 * the task's argument blob. */
typedef struct sched_task_ctx {
    int32_t device;
    uint32_t stream_slot;
    uint32_t kernel_type;
    uint32_t num_blocks;
    const char *kernel;
    const char *so;
} sched_task_ctx_t;

/* The calling thread's block, as AicpuGetBlockIdx()/AicpuGetBlockNum() answer. */
void sched_block_enter(const sched_task_ctx_t *ctx, uint32_t block_idx);
void sched_block_leave(void);
/* Runs one block of fn with the block context set; returns the kernel's own value. */
uint32_t sched_block_run(sim_kernel_fn fn, void *args, const sched_task_ctx_t *ctx,
                         uint32_t block_idx);
/* The block the calling thread runs, for the crash handler (NULL outside a kernel). */
const sched_task_ctx_t *sched_block_current(uint32_t *block_idx);
/* CANN's mapping of a kernel's return value to the device errcode (0: not an error). */
uint32_t sched_block_map_result(uint32_t kernel_type, uint32_t value);

#endif /* AKL_SIM_SCHED_BLOCK_H */
