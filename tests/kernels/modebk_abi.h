/* Argument and result layouts of the Mode B test kernels (modebk_ops.c), shared with the host
 * program that launches them (tests/sim/rts/test_modeb.c). The args of a launch are a header
 * the kernel is not handed, then the param at cpuParamHeadOffset; the param tells the kernel how
 * far back the header is, so the kernel can check it was given exactly args + offset. */
#ifndef AKL_TEST_MODEBK_ABI_H
#define AKL_TEST_MODEBK_ABI_H

#include <stdint.h>

/* The same source built twice: into the preinstall directory (cpuKernelMode 0) and as the SO a
 * binary brings along (cpuKernelMode 1 and 2). Each build answers with its own variant. */
#define MODEBK_OPS_SO "libmodebk_ops.so"
#define MODEBK_CUST_SO "libmodebk_cust.so"
#define MODEBK_VARIANT_OPS 1u
#define MODEBK_VARIANT_CUST 2u

#define MODEBK_HEAD_MAGIC 0x44414548u  /* "HEAD" */
#define MODEBK_PARAM_MAGIC 0x4d524150u /* "PARM" */

/* Error values the kernels return (device errcodes at the synchronize). */
#define MODEBK_BAD_PARAM 71u
#define MODEBK_BAD_HEAD 72u

typedef struct modebk_head {
    uint32_t magic;
    uint32_t param_offset; /* where the param starts, from the start of the args */
    uint64_t reserved[3];
} modebk_head_t;

typedef struct modebk_param {
    uint32_t magic;
    uint32_t head_back; /* the header is this many bytes before the param */
    uint64_t out;       /* device address of modebk_result_t[numBlocks] */
    int64_t a;          /* modebk_wait: device address of a uint32_t flag (0: none) */
    int64_t b;          /* modebk_wait: milliseconds to wait at most */
} modebk_param_t;

typedef struct modebk_result {
    int64_t value;
    uint32_t variant;
    uint32_t block_idx;
    uint32_t block_num;
    uint32_t done;
} modebk_result_t;

#endif /* AKL_TEST_MODEBK_ABI_H */
