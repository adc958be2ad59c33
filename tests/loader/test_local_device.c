/* akl_local_device (issue 15): the device of this process's local rank under mpirun, torchrun or
 * srun, from the first of LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, SLURM_LOCALID
 * that is set, within ASCEND_RT_VISIBLE_DEVICES; and errors that name the variables. Environment
 * only: no runtime is resolved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"

static const char *const ld_vars[] = {"LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
                                      "SLURM_LOCALID", "ASCEND_RT_VISIBLE_DEVICES"};

static int ld_clear(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ld_vars / sizeof ld_vars[0]; i++)
        unsetenv(ld_vars[i]);
    return 0;
}

static void ld_expect_error(const char *needle)
{
    int32_t device = 77;
    assert_int_equal(akl_local_device(&device), AKL_EDEVICE);
    assert_int_equal(device, 77);
    if (!strstr(akl_last_error(), needle))
        fail_msg("\"%s\" is not in: %s", needle, akl_last_error());
}

static int32_t ld_device(void)
{
    int32_t device = -1;
    if (akl_local_device(&device) != 0)
        fail_msg("akl_local_device: %s", akl_last_error());
    return device;
}

static void test_none_set_names_every_variable(void **state)
{
    (void)state;
    ld_expect_error("none of LOCAL_RANK, OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID, "
                    "SLURM_LOCALID is set");
    assert_int_equal(akl_local_device(NULL), AKL_EINVAL);
}

static void test_each_launcher_and_the_order(void **state)
{
    (void)state;
    setenv("SLURM_LOCALID", "4", 1);
    assert_int_equal(ld_device(), 4);
    setenv("MPI_LOCALRANKID", "3", 1);
    assert_int_equal(ld_device(), 3);
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "2", 1);
    assert_int_equal(ld_device(), 2);
    setenv("LOCAL_RANK", "1", 1);
    assert_int_equal(ld_device(), 1);
    /* Set but wrong is an error, not a reason to look further. */
    setenv("LOCAL_RANK", "one", 1);
    ld_expect_error("local rank LOCAL_RANK='one' is not a decimal number");
    setenv("LOCAL_RANK", "", 1);
    ld_expect_error("LOCAL_RANK=''");
    setenv("LOCAL_RANK", "-1", 1);
    ld_expect_error("LOCAL_RANK='-1'");
    setenv("LOCAL_RANK", "2147483648", 1);
    ld_expect_error("LOCAL_RANK='2147483648'");
}

static void test_within_visible_devices(void **state)
{
    (void)state;
    setenv("OMPI_COMM_WORLD_LOCAL_RANK", "3", 1);
    setenv("ASCEND_RT_VISIBLE_DEVICES", "4,5,6,7", 1);
    /* The runtime renumbers the visible devices 0..n-1: rank 3 opens device 3 (physical 7). */
    assert_int_equal(ld_device(), 3);
    setenv("ASCEND_RT_VISIBLE_DEVICES", "4,5,6", 1);
    ld_expect_error("OMPI_COMM_WORLD_LOCAL_RANK=3 is outside ASCEND_RT_VISIBLE_DEVICES='4,5,6', "
                    "which makes 3 device(s) visible");
    /* As in CANN, the list ends at the first id that is not a number; a descending or repeated
     * id makes the list invalid (libaclsim then answers 207004). */
    setenv("ASCEND_RT_VISIBLE_DEVICES", "0,1,x,3,4", 1);
    ld_expect_error("which makes 2 device(s) visible");
    setenv("ASCEND_RT_VISIBLE_DEVICES", "0,2,1,3", 1);
    ld_expect_error("which makes 0 device(s) visible");
    setenv("ASCEND_RT_VISIBLE_DEVICES", "0,2,2", 1);
    ld_expect_error("which makes 0 device(s) visible");
    setenv("ASCEND_RT_VISIBLE_DEVICES", "", 1); /* empty: not narrowed */
    assert_int_equal(ld_device(), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_none_set_names_every_variable, ld_clear),
        cmocka_unit_test_setup(test_each_launcher_and_the_order, ld_clear),
        cmocka_unit_test_setup(test_within_visible_devices, ld_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
