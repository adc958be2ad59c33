/* The vector_add example (examples/vector_add) as the workload of the multi-process tests: start
 * it, judge its --json answer, and run it in fresh processes one after another or several at
 * once. Shared by tests/examples/test_examples_concurrency.c (the extend route, with a watcher on
 * the published files) and tests/loader/test_routes_concurrency.c (the custom route forced). */
#ifndef AKL_TEST_VECTOR_ADD_H
#define AKL_TEST_VECTOR_ADD_H

#include <stdbool.h>
#include <stddef.h>

#include "test_cli_spawn.h"

/* How long one vector_add process may take before it is killed and counted as failed. */
#define TVADD_TIMEOUT_MS 180000

/* Starts akl-vector-add --json on device over 65,536 elements in 4 blocks, with env added to its
 * environment (as tcli_spawn). Returns 0, or -1 if it could not start. */
int tvadd_spawn(int device, const char *const *env, tcli_proc_t *proc);

/* Waits for proc: true if it exited 0, reported ok and, unless route is NULL, took that route.
 * Copies its bootstrap outcome ("?" if it gave none) into outcome unless outcome is NULL. Prints
 * its output when it failed. */
bool tvadd_passed(tcli_proc_t *proc, const char *route, char *outcome, size_t cap);

/* runs fresh processes one after another on device 0, each asserted to start; check(run, outcome)
 * is called for each that passed, unless check is NULL. Returns how many passed. */
int tvadd_run_in_sequence(int runs, const char *const *env, const char *route,
                          void (*check)(int run, const char *outcome));

/* procs processes started at once, process i on device i % devices, each asserted to start.
 * Returns how many passed. */
int tvadd_run_at_once(int procs, int devices, const char *const *env, const char *route);

#endif /* AKL_TEST_VECTOR_ADD_H */
