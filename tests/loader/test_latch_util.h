/* The strict extend latch (AKL_SIM_EXTEND_LATCH=strict) with two runtime SOs in one process, as
 * test_loader_sim.c and test_routes.c set it up in a child: the first SO latches the device's
 * extend kernels to akl's dispatcher, so the second, with the extend route forced, is skipped by
 * the device's loader; under auto it takes the custom route. Each returns 0, or the number of the
 * check that failed (printed, as T_CHECK does). */
#ifndef AKL_TEST_LATCH_UTIL_H
#define AKL_TEST_LATCH_UTIL_H

#include <stdint.h>

#include "akl/akl.h"

/* Sets the strict latch, opens device and loads first (*first_module, on the extend route); then
 * second with the extend route forced fails with AKL_EBOOTSKIPPED, no module, and a message naming
 * the latch and second. */
int latcht_strict_setup(int32_t device, const char *first, const char *second,
                        akl_module_t **first_module);

/* second under auto loads (*module) on the custom route, which the device then remembers. */
int latcht_second_takes_custom(int32_t device, const char *second, akl_module_t **module);

#endif /* AKL_TEST_LATCH_UTIL_H */
