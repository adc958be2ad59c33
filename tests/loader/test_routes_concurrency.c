/* Both routes at scale, the custom one forced (AKL_ROUTE=custom): vector-add in 10 fresh processes
 * one after another, then 4 processes at once on the two dies of one chip, several rounds. Every
 * run must pass and report the custom route. (The extend route's own scale test is
 * test_examples_concurrency.c.) */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"
#include "test_vector_add.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define SEQUENTIAL_RUNS 10
#define ROUNDS 4
#define PROCS_PER_ROUND 4

static const char *const custom_env[] = {"AKL_ROUTE=custom", NULL};

static void test_ten_fresh_processes_in_sequence(void **state)
{
    (void)state;
    int passed = tvadd_run_in_sequence(SEQUENTIAL_RUNS, custom_env, "custom", NULL);
    print_message("custom route, sequential: %d of %d passed\n", passed, SEQUENTIAL_RUNS);
    assert_int_equal(passed, SEQUENTIAL_RUNS);
}

static void test_four_at_once_across_two_dies(void **state)
{
    (void)state;
    int rounds_passed = 0;
    for (int round = 0; round < ROUNDS; round++)
        rounds_passed +=
            tvadd_run_at_once(PROCS_PER_ROUND, 2, custom_env, "custom") == PROCS_PER_ROUND;
    print_message("custom route, 4 at once on two dies: %d of %d rounds passed\n", rounds_passed,
                  ROUNDS);
    assert_int_equal(rounds_passed, ROUNDS);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ten_fresh_processes_in_sequence, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_four_at_once_across_two_dies, tcli_reset_root,
                                        tcli_check_and_reset_root),
    };
    return t_run_group_tests_name("routes_concurrency", tests, tcli_reset_root, tcli_reset_root);
}
