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

/* Runs build/bin/<program> with the NULL-terminated arguments that follow. */
#define run_example(result, ...) tcli_run_program(result, NULL, __VA_ARGS__)

static void test_hello(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-hello", "--token", "0x1234abcd", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "runtime sim:");
    tcli_assert_contains(r.out, "bootstrap: wrote");
    tcli_assert_contains(r.out, "token 0x1234abcd (ok)");
    tcli_assert_contains(r.out, "PASS");
    tcli_result_free(&r);

    run_example(&r, "akl-hello", "--device", "1", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "_1.so");
    tcli_assert_contains(r.out, "PASS");
    tcli_result_free(&r);
}

static void test_hello_usage_and_errors(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-hello", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "Usage: akl-hello");
    tcli_result_free(&r);
    run_example(&r, "akl-hello", "--device", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_result_free(&r);
    run_example(&r, "akl-hello", "--so", "/nonexistent/libakl_hello.so", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "/nonexistent/libakl_hello.so");
    tcli_result_free(&r);
}

static void test_vector_add_default_text(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-vector-add", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "runtime:     sim:");
    tcli_assert_contains(r.out, "bootstrap:   wrote");
    tcli_assert_contains(r.out, "device file: akl_inner_");
    tcli_assert_contains(r.out, "device path: ");
    tcli_assert_contains(r.out, "blocks:      8 (8 ran vadd_exec)");
    tcli_assert_contains(r.out, "check:       1048576/1048576 elements correct");
    tcli_assert_contains(r.out, "result:      PASS");
    tcli_result_free(&r);
}

static void test_vector_add_json(void **state)
{
    (void)state;
    tcli_result_t r;
    /* 1000 elements over 3 blocks: slices of 334, 334 and 332. */
    run_example(&r, "akl-vector-add", "--json", "--n", "1000", "--blocks", "3", "--device", "1",
                NULL);
    tcli_expect_exit(&r, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_expect_json_value(r.out, "correct", "1000");
    tcli_expect_json_value(r.out, "blocks_done", "3");
    tcli_expect_json_value(r.out, "bootstrap", "wrote");
    tcli_expect_json_value(r.out, "device", "1");
    tcli_result_free(&r);

    /* A second process finds the file already on the chip: nothing written. */
    run_example(&r, "akl-vector-add", "--json", "--n", "5", "--blocks", "8", "--device", "1", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "bootstrap", "identical");
    tcli_expect_json_value(r.out, "correct", "5");
    tcli_result_free(&r);

    run_example(&r, "akl-vector-add", "--quiet", "--n", "4096", NULL);
    tcli_expect_exit(&r, 0);
    assert_int_equal(r.out_len, 0);
    tcli_result_free(&r);
}

static void test_vector_add_errors(void **state)
{
    (void)state;
    tcli_result_t r;
    run_example(&r, "akl-vector-add", "--n", "0", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_assert_contains(r.err, "--n");
    tcli_result_free(&r);
    run_example(&r, "akl-vector-add", "--blocks", "100000", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_result_free(&r);

    /* The hello SO has no vadd_* kernels: the load's kernel check or the device must say so. */
    char hello[4096];
    t_device_file("lib/akl/examples", "libakl_hello.so", hello, sizeof hello);
    run_example(&r, "akl-vector-add", "--json", "--n", "16", "--so", hello, NULL);
    assert_int_equal(r.exit_code, 1);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "false");
    tcli_assert_contains(r.err, "vadd_init");
    tcli_result_free(&r);
}

/* The SO under a path that is not UTF-8: the JSON stays valid UTF-8 and carries the exact bytes of
 * the path in "so_hex". */
static void test_vector_add_json_of_a_non_utf8_path(void **state)
{
    (void)state;
    char so[4096], dir[4096];
    t_device_file("lib/akl/examples", "libakl_vector_add.so", so, sizeof so);
    size_t size;
    void *data = t_read_file(so, &size);
    assert_non_null(data);
    assert_true(snprintf(dir, sizeof dir, "%s.so-dir", t_sim_root()) < (int)(sizeof dir));
    assert_int_equal(t_make_dirs(dir), 0);
    assert_true(snprintf(so, sizeof so, "%s/v\xff.so", dir) < (int)(sizeof so));
    assert_int_equal(t_write_file(so, data, size), 0);
    free(data);
    tcli_result_t r;
    run_example(&r, "akl-vector-add", "--json", "--n", "16", "--so", so, NULL);
    t_rmtree(dir);
    assert_int_equal(r.exit_code, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"so_hex\":\"");
    tcli_assert_contains(r.out, "2f76ff2e736f\"");
    tcli_result_free(&r);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hello, tcli_reset_root, tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_hello_usage_and_errors, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_default_text, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_json, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_errors, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_vector_add_json_of_a_non_utf8_path, tcli_reset_root,
                                        tcli_check_and_reset_root),
    };
    return t_run_group_tests_name("examples", tests, tcli_reset_root, tcli_reset_root);
}
