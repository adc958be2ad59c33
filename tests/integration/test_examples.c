/* End-to-end tests of the example programs: akl-hello and akl-vector-add, run as separate
 * processes on the simulated device, in text and JSON, with the failures they must report. */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_ARGS 32

static void run_example(tcli_result_t *r, const char *program, const char *first, ...)
{
    const char *argv[MAX_ARGS];
    char bin[4096];
    int n = 0;
    argv[n++] = tcli_bin(program, bin, sizeof bin);
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && n < MAX_ARGS - 1; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    tcli_run(argv, NULL, r);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

static void expect_json_value(const char *json, const char *key, const char *want)
{
    char got[4096];
    if (!tcli_json_get(json, key, got, sizeof got))
        fail_msg("no \"%s\" in %s", key, json);
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\" is \"%s\", want \"%s\" in %s", key, got, want, json);
}

static void expect_success(const tcli_result_t *r)
{
    if (r->exit_code != 0)
        fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", r->exit_code, r->out, r->err);
}

static int reset_root(void **state)
{
    (void)state;
    t_rmtree(t_sim_root());
    return 0;
}

static int check_and_reset_root(void **state)
{
    assert_true(tcli_no_leftover_processes(30000));
    return reset_root(state);
}

static void test_hello(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-hello", "--token", "0x1234abcd", NULL);
    expect_success(&r);
    assert_contains(r.out, "runtime sim:");
    assert_contains(r.out, "bootstrap: wrote");
    assert_contains(r.out, "token 0x1234abcd (ok)");
    assert_contains(r.out, "PASS");
    tcli_result_free(&r);

    run_example(&r, "akl-hello", "--device", "1", NULL);
    expect_success(&r);
    assert_contains(r.out, "_1.so");
    assert_contains(r.out, "PASS");
    tcli_result_free(&r);
}

static void test_hello_usage_and_errors(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-hello", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_contains(r.out, "Usage: akl-hello");
    tcli_result_free(&r);
    run_example(&r, "akl-hello", "--device", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_result_free(&r);
    run_example(&r, "akl-hello", "--so", "/nonexistent/libakl_hello.so", NULL);
    assert_int_equal(r.exit_code, 1);
    assert_contains(r.err, "/nonexistent/libakl_hello.so");
    tcli_result_free(&r);
}

static void test_vector_add_default_text(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-vector-add", NULL);
    expect_success(&r);
    assert_contains(r.out, "runtime:     sim:");
    assert_contains(r.out, "bootstrap:   wrote");
    assert_contains(r.out, "device file: akl_inner_");
    assert_contains(r.out, "device path: ");
    assert_contains(r.out, "blocks:      8 (8 ran vadd_exec)");
    assert_contains(r.out, "check:       1048576/1048576 elements correct");
    assert_contains(r.out, "result:      PASS");
    tcli_result_free(&r);
}

static void test_vector_add_json(void **state)
{
    (void)state;
    tcli_result_t r;
    /* 1000 elements over 3 blocks: slices of 334, 334 and 332. */
    run_example(&r, "akl-vector-add", "--json", "--n", "1000", "--blocks", "3", "--device", "1",
                NULL);
    expect_success(&r);
    assert_true(tcli_json_is_object(r.out));
    expect_json_value(r.out, "ok", "true");
    expect_json_value(r.out, "correct", "1000");
    expect_json_value(r.out, "blocks_done", "3");
    expect_json_value(r.out, "bootstrap", "wrote");
    expect_json_value(r.out, "device", "1");
    tcli_result_free(&r);

    /* A second process finds the file already on the chip: nothing written. */
    run_example(&r, "akl-vector-add", "--json", "--n", "5", "--blocks", "8", "--device", "1", NULL);
    expect_success(&r);
    expect_json_value(r.out, "bootstrap", "identical");
    expect_json_value(r.out, "correct", "5");
    tcli_result_free(&r);

    run_example(&r, "akl-vector-add", "--quiet", "--n", "4096", NULL);
    expect_success(&r);
    assert_int_equal(r.out_len, 0);
    tcli_result_free(&r);
}

static void test_vector_add_errors(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-vector-add", "--n", "0", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_contains(r.err, "--n");
    tcli_result_free(&r);
    run_example(&r, "akl-vector-add", "--blocks", "100000", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_result_free(&r);

    /* The hello SO has no vadd_* kernels: the load's kernel check or the device must say so. */
    char hello[4096];
    assert_true(snprintf(hello, sizeof hello, "%s/lib/akl/examples/libakl_hello.so",
                         AKL_BUILD_DIR) < (int)(sizeof hello));
    run_example(&r, "akl-vector-add", "--json", "--n", "16", "--so", hello, NULL);
    assert_int_equal(r.exit_code, 1);
    assert_true(tcli_json_is_object(r.out));
    expect_json_value(r.out, "ok", "false");
    assert_contains(r.err, "vadd_init");
    tcli_result_free(&r);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, reset_root, check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_hello_usage_and_errors, reset_root,
                                        check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_default_text, reset_root,
                                        check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_json, reset_root, check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_errors, reset_root, check_and_reset_root),
    };
    return cmocka_run_group_tests_name("examples", tests, reset_root, reset_root);
}
