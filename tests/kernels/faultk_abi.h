/* Argument layouts shared by the fault-injection and error-catalogue tests
 * (tests/loader/test_faults_*.c, test_errors_*.c) and their kernels (faultk_basic.c). Device
 * addresses travel as uint64_t. */
#ifndef AKL_TESTS_FAULTK_ABI_H
#define AKL_TESTS_FAULTK_ABI_H

#include <stdint.h>

#define FAULTK_SO "libfaultk_basic.so"

/* faultk_hold: bumps *started, then waits until *release is non-zero (returns 0) or max_ms pass
 * (returns FAULTK_HOLD_EXPIRED, so a broken test cannot wedge a device for ever). */
typedef struct faultk_hold_args {
    uint64_t started; /* uint32_t, device memory */
    uint64_t release; /* uint32_t, device memory */
    uint32_t max_ms;
    uint32_t pad;
} faultk_hold_args_t;

#define FAULTK_HOLD_EXPIRED 99u

/* faultk_store: out[AicpuGetBlockIdx()] = value + block. */
typedef struct faultk_store_args {
    uint64_t out; /* uint64_t[blocks], device memory */
    uint64_t value;
} faultk_store_args_t;

/* faultk_return: returns value (0 is success, anything else a kernel failure). */
typedef struct faultk_return_args {
    uint32_t value;
    uint32_t pad;
} faultk_return_args_t;

#endif /* AKL_TESTS_FAULTK_ABI_H */
