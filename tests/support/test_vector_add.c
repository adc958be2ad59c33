/* The vector_add example as a multi-process workload (see test_vector_add.h). */
#define _GNU_SOURCE
#include "test_vector_add.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* At most this many processes at once (tvadd_run_at_once). */
#define TVADD_MAX_AT_ONCE 64

int tvadd_spawn(int device, const char *const *env, tcli_proc_t *proc)
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
    return tcli_spawn(argv, env, proc);
}

bool tvadd_passed(tcli_proc_t *proc, const char *route, char *outcome, size_t cap)
{
    tcli_result_t r;
    tcli_finish(proc, TVADD_TIMEOUT_MS, &r);
    char ok[16] = "", taken[16] = "";
    bool passed = r.exit_code == 0 && tcli_json_is_object(r.out) &&
                  tcli_json_get(r.out, "ok", ok, sizeof ok) && strcmp(ok, "true") == 0 &&
                  (!route || (tcli_json_get(r.out, "route", taken, sizeof taken) &&
                              strcmp(taken, route) == 0));
    if (outcome && !tcli_json_get(r.out, "bootstrap", outcome, cap))
        snprintf(outcome, cap, "?");
    if (!passed)
        print_message("vector_add failed: exit %d\nstdout: %s\nstderr: %s\n", r.exit_code, r.out,
                      r.err);
    tcli_result_free(&r);
    return passed;
}

int tvadd_run_in_sequence(int runs, const char *const *env, const char *route,
                          void (*check)(int run, const char *outcome))
{
    int passed = 0;
    for (int i = 0; i < runs; i++) {
        tcli_proc_t proc;
        assert_int_equal(tvadd_spawn(0, env, &proc), 0);
        char outcome[32];
        if (tvadd_passed(&proc, route, outcome, sizeof outcome)) {
            passed++;
            if (check)
                check(i, outcome);
        }
    }
    return passed;
}

int tvadd_run_at_once(int procs, int devices, const char *const *env, const char *route)
{
    assert_true(procs > 0 && procs <= TVADD_MAX_AT_ONCE && devices > 0);
    tcli_proc_t started[TVADD_MAX_AT_ONCE];
    for (int i = 0; i < procs; i++)
        assert_int_equal(tvadd_spawn(i % devices, env, &started[i]), 0);
    int passed = 0;
    for (int i = 0; i < procs; i++)
        passed += tvadd_passed(&started[i], route, NULL, 0);
    return passed;
}
