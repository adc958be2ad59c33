/* Argument layouts shared by the simulator-core tests (tests/sim/host/test_sim_*.c) and their
 * kernels (simk_*.c). Device addresses travel as uint64_t. */
#ifndef AKL_TESTS_SIMK_ABI_H
#define AKL_TESTS_SIMK_ABI_H

#include <stdint.h>

#define SIMK_SO "libsimk_basic.so"

/* simk_record: each block writes its record at out[AicpuGetBlockIdx()] and bumps *counter. */
typedef struct simk_record {
    uint64_t args_addr; /* the args pointer the block received */
    uint32_t block_idx;
    uint32_t block_num;
    uint32_t tag;
    uint32_t calls;
} simk_record_t;

typedef struct simk_record_args {
    uint64_t out;     /* simk_record_t[block_num] */
    uint64_t counter; /* uint32_t */
    uint32_t tag;
    uint32_t pad;
} simk_record_args_t;

/* simk_return / simk_kfc_return: every block (or only fail_block, if not 0xFFFFFFFF) returns
 * value. */
typedef struct simk_return_args {
    uint32_t value;
    uint32_t fail_block;
} simk_return_args_t;

/* simk_wait_flag: polls *flag until non-zero (or max_ms passes), then returns 0. */
typedef struct simk_wait_args {
    uint64_t flag; /* uint32_t */
    uint32_t max_ms;
    uint32_t pad;
} simk_wait_args_t;

/* simk_append: log[atomic index++] = value. */
typedef struct simk_append_args {
    uint64_t log;   /* uint32_t[] */
    uint64_t index; /* uint32_t */
    uint32_t value;
    uint32_t pad;
} simk_append_args_t;

/* simk_env: writes ASCEND_AICPU_KERNEL_PATH and the scheduler's pid. */
typedef struct simk_env_out {
    int32_t pid;
    char kernel_path[4092];
} simk_env_out_t;

typedef struct simk_env_args {
    uint64_t out; /* simk_env_out_t */
} simk_env_args_t;

/* simk_fixup: writes out[0] = args address, out[1] = p1, out[2] = p2, out[3] = *(uint32_t *)p1. */
typedef struct simk_fixup_args {
    uint64_t out; /* uint64_t[4] */
    uint64_t p1;
    uint64_t p2;
    uint32_t marker; /* p1 is meant to point here */
    uint32_t pad;
} simk_fixup_args_t;

/* simk_sum: *out = sum of data[0..n). */
typedef struct simk_sum_args {
    uint64_t out; /* uint64_t */
    uint32_t n;
    uint32_t pad;
    uint8_t data[];
} simk_sum_args_t;

/* simk_overflow: recurses stop_depth frames of 1 KiB deep; 0xFFFFFFFF overflows any stack. */
typedef struct simk_overflow_args {
    uint32_t stop_depth;
} simk_overflow_args_t;

#endif /* AKL_TESTS_SIMK_ABI_H */
