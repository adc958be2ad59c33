/* Test kernels for the simulator-fidelity tests (tests/integration/test_sim_fidelity.c): a spin
 * barrier across every block of a task, which completes only if all blocks run at once, as a
 * kernel written for a die's cores does. */
#include <stdint.h>

#define FIDK_EXPORT __attribute__((visibility("default")))

extern uint32_t AicpuGetBlockNum(void);

typedef struct fidk_barrier_args {
    uint64_t counter; /* device address of a zeroed uint32_t */
} fidk_barrier_args_t;

FIDK_EXPORT uint32_t fidk_barrier(void *args);

uint32_t fidk_barrier(void *args)
{
    const fidk_barrier_args_t *a = args;
    uint32_t *counter = (uint32_t *)(uintptr_t)a->counter;
    uint32_t blocks = AicpuGetBlockNum();
    __atomic_add_fetch(counter, 1U, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < blocks) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    return 0;
}
