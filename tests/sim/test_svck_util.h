/* The svck_services test kernel (tests/kernels/svck_services.c) run inside the real scheduler, as
 * tests/sim/services/test_sim_services.c and tests/sim/test_sim_fidelity.c run it: installed into
 * a chip's preinstall directory, launched on the current device, its answers read back. */
#ifndef AKL_TESTS_TEST_SVCK_UTIL_H
#define AKL_TESTS_TEST_SVCK_UTIL_H

#include <stdint.h>

#include "svck_abi.h"

#define SVCKT_SO "libsvck_services.so"

/* Copies the test kernel so into the preinstall directory of (physical) device, once: rewriting a
 * file the scheduler has mapped would change the code under it. Creates the chip's directories
 * first (sim_fs_prepare), so it may run before the device is set. Returns 0 or -1. */
int svckt_install_once(int32_t device, const char *so);

/* Runs svck_services on the current device, whose host id is logical, with tag; its answers into
 * result. Asserts that the launch, the synchronize and the copies succeed. */
void svckt_run(int32_t logical, uint32_t tag, svck_result_t *result);

#endif /* AKL_TESTS_TEST_SVCK_UTIL_H */
