/* What the vector_add runtime SO and its host program agree on: kernel names, the argument block
 * both kernels take, the device-side status record and the kernels' error codes. */
#ifndef AKL_EXAMPLE_VECTOR_ADD_ABI_H
#define AKL_EXAMPLE_VECTOR_ADD_ABI_H

#include <stdint.h>

#define VADD_SO_NAME "libakl_vector_add.so"
#define VADD_KERNEL_INIT "vadd_init"
#define VADD_KERNEL_EXEC "vadd_exec"

#define VADD_MAGIC 0x44444156u /* "VADD" little-endian */
#define VADD_VERSION 1u
#define VADD_READY 0x59444552u /* "REDY": vadd_init accepted the argument block */

/* Kernel return values other than 0 (in the 1000..1099 range the device passes through). */
#define VADD_E_MAGIC 1001u     /* magic is not VADD_MAGIC */
#define VADD_E_VERSION 1002u   /* version is not VADD_VERSION */
#define VADD_E_NULL 1003u      /* a, b, c or status is 0 */
#define VADD_E_EMPTY 1004u     /* n is 0 */
#define VADD_E_NOT_READY 1005u /* vadd_exec before a successful vadd_init */
#define VADD_E_BLOCK 1006u     /* the block index is not below the block count */

/* The argument block of both kernels; all addresses are device addresses. */
typedef struct vadd_args {
    uint32_t magic;   /* VADD_MAGIC */
    uint32_t version; /* VADD_VERSION */
    uint64_t n;       /* elements in a, b and c */
    uint64_t a;       /* const float[n] */
    uint64_t b;       /* const float[n] */
    uint64_t c;       /* float[n]: c[i] = a[i] + b[i] */
    uint64_t status;  /* vadd_status_t */
} vadd_args_t;

/* Written by the kernels: vadd_init sets ready and clears the counters, each block of vadd_exec
 * adds itself and its elements, so the host can tell that every block ran. */
typedef struct vadd_status {
    uint32_t ready;
    uint32_t blocks_done;
    uint64_t elements_done;
} vadd_status_t;

#endif /* AKL_EXAMPLE_VECTOR_ADD_ABI_H */
