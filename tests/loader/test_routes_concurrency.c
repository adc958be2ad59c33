/* Both routes at scale, the custom one forced (AKL_ROUTE=custom): vector-add in 10 fresh processes
 * one after another, then 4 processes at once on the two dies of one chip, several rounds. Every
 * run must pass and report the custom route. (The extend route's own scale test is
 * test_examples_concurrency.c.) */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"

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
#define PROC_TIMEOUT_MS 180000

static const char *const custom_env[] = {"AKL_ROUTE=custom", NULL};

static int spawn_vector_add(int device, tcli_proc_t *proc)
{
    char bin[4096], dev[16];
    snprintf(dev, sizeof dev, "%d", device);
    const char *argv[] = {tcli_bin("akl-vector-add", bin, sizeof bin),
                          "--json",
                          "--device",
                          dev,
                          "--n",
                          "65536",
                          "--blocks",
                          "4",
                          NULL};
    return tcli_spawn(argv, custom_env, proc);
}

/* True if the process exited 0, reported ok and took the custom route. */
static bool passed_on_custom_route(tcli_proc_t *proc)
{
    tcli_result_t r;
    tcli_finish(proc, PROC_TIMEOUT_MS, &r);
    char ok[16] = "", route[16] = "";
    bool passed = r.exit_code == 0 && tcli_json_is_object(r.out) &&
                  tcli_json_get(r.out, "ok", ok, sizeof ok) && strcmp(ok, "true") == 0 &&
                  tcli_json_get(r.out, "route", route, sizeof route) &&
                  strcmp(route, "custom") == 0;
    if (!passed)
        print_message("vector_add failed: exit %d\nstdout: %s\nstderr: %s\n", r.exit_code, r.out,
                      r.err);
    tcli_result_free(&r);
    return passed;
}

static void test_ten_fresh_processes_in_sequence(void **state)
{
    (void)state;
    int passed = 0;
    for (int i = 0; i < SEQUENTIAL_RUNS; i++) {
        tcli_proc_t proc;
        assert_int_equal(spawn_vector_add(0, &proc), 0);
        passed += passed_on_custom_route(&proc);
    }
    print_message("custom route, sequential: %d of %d passed\n", passed, SEQUENTIAL_RUNS);
    assert_int_equal(passed, SEQUENTIAL_RUNS);
}

static void test_four_at_once_across_two_dies(void **state)
{
    (void)state;
    int rounds_passed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        tcli_proc_t procs[PROCS_PER_ROUND];
        for (int i = 0; i < PROCS_PER_ROUND; i++)
            assert_int_equal(spawn_vector_add(i % 2, &procs[i]), 0);
        int ok = 0;
        for (int i = 0; i < PROCS_PER_ROUND; i++)
            ok += passed_on_custom_route(&procs[i]);
        rounds_passed += ok == PROCS_PER_ROUND;
    }
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
    return cmocka_run_group_tests_name("routes_concurrency", tests, tcli_reset_root,
                                       tcli_reset_root);
}
