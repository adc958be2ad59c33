/* The strict-latch set-up of the loader's child scenarios (see test_latch_util.h). */
#define _GNU_SOURCE
#include "test_latch_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_child_check.h"

static akl_route_t latcht_route_of(const akl_module_t *module)
{
    akl_module_info_t info;
    return akl_module_info(module, &info) == 0 ? info.route : AKL_ROUTE_AUTO;
}

int latcht_strict_setup(int32_t device, const char *first, const char *second,
                        akl_module_t **first_module)
{
    setenv("AKL_SIM_EXTEND_LATCH", "strict", 1);
    akl_module_t *skipped = NULL;
    akl_load_options_t extend = {.size = sizeof extend, .route = AKL_ROUTE_EXTEND};
    T_CHECK(1, akl_device_open(device) == 0);
    T_CHECK(2, akl_module_load_file(device, first, NULL, first_module) == 0);
    T_CHECK(3, latcht_route_of(*first_module) == AKL_ROUTE_EXTEND);
    T_CHECK(4, akl_module_load_file(device, second, &extend, &skipped) == AKL_EBOOTSKIPPED);
    T_CHECK(5, skipped == NULL);
    T_CHECK(6, strstr(akl_last_error(), "latch") != NULL);
    T_CHECK(7, strstr(akl_last_error(), second) != NULL);
    return 0;
}

int latcht_second_takes_custom(int32_t device, const char *second, akl_module_t **module)
{
    T_CHECK(1, akl_module_load_file(device, second, NULL, module) == 0);
    T_CHECK(2, latcht_route_of(*module) == AKL_ROUTE_CUSTOM);
    akl_route_t remembered = AKL_ROUTE_AUTO;
    T_CHECK(3, akl_device_route(device, &remembered) == 0 && remembered == AKL_ROUTE_CUSTOM);
    return 0;
}
