/* The AICPU scheduler's answers to akl's device objects in a test program that runs them
 * in-process: the dispatcher and the collector ask aicpu::GetAicpuRunMode and
 * aicpu::GetUniqueVfId (weak references) to derive their directory. test_sched_answers.c defines
 * both under CANN's C++ names, exported (the program links the object library
 * akl_test_sched_answers and sets ENABLE_EXPORTS), so a dlopened device object binds to them as it
 * binds to a scheduler's. A test may change the answers. */
#ifndef AKL_TEST_SCHED_ANSWERS_H
#define AKL_TEST_SCHED_ANSWERS_H

#include <stdint.h>

#define T_SCHED_PROCESS_MODE 0u
#define T_SCHED_THREAD_MODE 2u /* the directory is $ASCEND_AICPU_KERNEL_PATH's */

extern uint32_t t_sched_run_mode; /* T_SCHED_THREAD_MODE until a test changes it */
extern uint32_t t_sched_vf_id;    /* 0 until a test changes it */

#endif /* AKL_TEST_SCHED_ANSWERS_H */
