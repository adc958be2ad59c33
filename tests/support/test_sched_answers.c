/* The scheduler's answers a test program gives akl's device objects (see test_sched_answers.h). */
#include "test_sched_answers.h"

uint32_t t_sched_run_mode = T_SCHED_THREAD_MODE;
uint32_t t_sched_vf_id = 0;

__attribute__((visibility("default"))) int
t_sched_get_run_mode(uint32_t *mode) __asm__("_ZN5aicpu15GetAicpuRunModeERj");
__attribute__((visibility("default"))) uint32_t
t_sched_get_vf_id(void) __asm__("_ZN5aicpu13GetUniqueVfIdEv");

int t_sched_get_run_mode(uint32_t *mode)
{
    *mode = t_sched_run_mode;
    return 0;
}

uint32_t t_sched_get_vf_id(void)
{
    return t_sched_vf_id;
}
