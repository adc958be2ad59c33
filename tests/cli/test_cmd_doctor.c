/* Tests of `akl doctor`, run as a separate program on the simulator: --help and usage errors; in
 * each simulated install (normal, no extend-kernel package, no or a read-only preinstall
 * directory, the strict one-upload latch) --json is one valid JSON document (parsed with json-c)
 * naming what is missing and the route auto takes; the exit status is 0 when a route works and 1
 * when none does (no runtime); and an SO argument is checked as `akl check` checks it, with what it
 * needs from the device. */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"

#include <akl/akl.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#define HELLO_SO AKL_BUILD_DIR "/lib/akl/examples/libakl_hello.so"

static int setup_root(void **state)
{
    (void)state;
    t_rmtree(t_sim_root());
    return 0;
}

static int teardown_root(void **state)
{
    (void)state;
    assert_true(tcli_no_leftover_processes(30000));
    return setup_root(state);
}

/* Runs `akl doctor --json [SO]` with env; returns the parsed document (caller puts it), failing
 * the test unless stdout is exactly one JSON object. */
static json_object *doctor_json(const char *const *env, const char *so, int want_exit)
{
    tcli_result_t r;
    tcli_run_program(&r, env, "akl", "doctor", "--json", so, NULL);
    enum json_tokener_error error;
    json_object *doc = json_tokener_parse_verbose(r.out, &error);
    if (!doc || !json_object_is_type(doc, json_type_object))
        fail_msg("akl doctor --json printed no JSON object (%s): stdout \"%s\", stderr \"%s\"",
                 json_tokener_error_desc(error), r.out, r.err);
    if (r.exit_code != want_exit)
        fail_msg("akl doctor exited %d, want %d: %s", r.exit_code, want_exit, r.out);
    tcli_result_free(&r);
    return doc;
}

static const char *member_string(json_object *object, const char *key)
{
    json_object *value;
    if (!json_object_object_get_ex(object, key, &value))
        fail_msg("no \"%s\" in %s", key, json_object_to_json_string(object));
    return json_object_is_type(value, json_type_null) ? NULL : json_object_get_string(value);
}

/* The check named name: fails unless it has status, and detail holds needle (may be NULL). */
static void doctor_expect_check(json_object *doc, const char *name, const char *status,
                                const char *needle)
{
    json_object *checks;
    assert_true(json_object_object_get_ex(doc, "checks", &checks));
    for (size_t i = 0; i < json_object_array_length(checks); i++) {
        json_object *check = json_object_array_get_idx(checks, i);
        if (strcmp(member_string(check, "name"), name) != 0)
            continue;
        const char *detail = member_string(check, "detail");
        if (strcmp(member_string(check, "status"), status) != 0 ||
            (needle && !strstr(detail, needle)))
            fail_msg("check %s: want %s with \"%s\", got %s", name, status, needle ? needle : "",
                     json_object_to_json_string(check));
        if (strcmp(status, "ok") != 0 && !member_string(check, "fix"))
            fail_msg("check %s is %s but says no fix", name, status);
        return;
    }
    fail_msg("no check %s in %s", name, json_object_to_json_string(doc));
}

static void doctor_expect_route(json_object *doc, const char *route)
{
    const char *got = member_string(doc, "route");
    if (!got || strcmp(got, route) != 0)
        fail_msg("route %s, want %s: %s", got ? got : "null", route,
                 json_object_to_json_string(doc));
}

static void test_doctor_help_and_usage(void **state)
{
    (void)state;
    tcli_result_t r;
    tcli_run_program(&r, NULL, "akl", "--help", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "doctor");
    tcli_result_free(&r);
    tcli_run_program(&r, NULL, "akl", "doctor", "--help", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "Usage: akl doctor [--device N] [--json] [SO]");
    tcli_assert_contains(r.out, "Exit status: 0 when at least one route works");
    assert_int_equal(r.err_len, 0);
    tcli_result_free(&r);
    tcli_run_program(&r, NULL, "akl", "help", "doctor", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "Usage: akl doctor");
    tcli_result_free(&r);
    tcli_run_program(&r, NULL, "akl", "doctor", "--device", "x1", NULL);
    tcli_expect_exit(&r, 2);
    tcli_assert_contains(r.err, "--device");
    tcli_result_free(&r);
    tcli_run_program(&r, NULL, "akl", "doctor", "a.so", "extra", NULL);
    tcli_expect_exit(&r, 2);
    tcli_assert_contains(r.err, "extra");
    tcli_result_free(&r);
}

/* The normal install: every check ok, the extend route, exit 0; the text form says the same. */
static void test_doctor_normal_install(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", NULL};
    json_object *doc = doctor_json(env, NULL, 0);
    doctor_expect_route(doc, "extend");
    assert_true(json_object_get_boolean(json_object_object_get(doc, "ok")));
    assert_string_equal(member_string(doc, "min_cann_version"), AKL_CANN_MIN_VERSION);
    doctor_expect_check(doc, "runtime", "ok", "sim:");
    doctor_expect_check(doc, "devices", "ok", "device(s) visible");
    doctor_expect_check(doc, "extend-package", "ok", "libaicpu_extend_kernels.so");
    doctor_expect_check(doc, "preinstall-dir", "ok", NULL);
    doctor_expect_check(doc, "extend-route", "ok", NULL);
    doctor_expect_check(doc, "custom-route", "ok", NULL);
    doctor_expect_check(doc, "auto-route", "ok", "extend");
    doctor_expect_check(doc, "host-kernel", "ok", NULL);
    json_object_put(doc);

    tcli_result_t r;
    tcli_run_program(&r, env, "akl", "doctor", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "route: extend");
    tcli_result_free(&r);
}

/* No extend-kernel package on the device: the package is named missing, auto takes custom. */
static void test_doctor_extend_package_absent(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", "AKL_SIM_EXTEND_PACKAGE=absent", NULL};
    json_object *doc = doctor_json(env, NULL, 0);
    doctor_expect_route(doc, "custom");
    doctor_expect_check(doc, "extend-package", "warning", "no libaicpu_extend_kernels.so");
    doctor_expect_check(doc, "extend-route", "warning", "AKL_ENOEXTEND");
    doctor_expect_check(doc, "custom-route", "ok", NULL);
    doctor_expect_check(doc, "auto-route", "ok", "custom");
    json_object_put(doc);
}

static void test_doctor_preinstall_absent(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", "AKL_SIM_PREINSTALL=absent", NULL};
    json_object *doc = doctor_json(env, NULL, 0);
    doctor_expect_route(doc, "custom");
    doctor_expect_check(doc, "extend-package", "ok", NULL);
    doctor_expect_check(doc, "preinstall-dir", "warning", "aicpu_kernels_device");
    json_object_put(doc);
}

static void test_doctor_preinstall_readonly(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", "AKL_SIM_PREINSTALL=readonly", NULL};
    json_object *doc = doctor_json(env, NULL, 0);
    doctor_expect_route(doc, "custom");
    doctor_expect_check(doc, "preinstall-dir", "warning", "aicpu_kernels_device");
    doctor_expect_check(doc, "host-kernel", "ok", "mount namespace");
    json_object_put(doc);
}

/* The strict one-upload latch: a fresh process's first upload still goes through, so a program
 * loading one SO takes the extend route (each route is probed in a process of its own). */
static void test_doctor_strict_latch(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", "AKL_SIM_EXTEND_LATCH=strict", NULL};
    json_object *doc = doctor_json(env, NULL, 0);
    doctor_expect_route(doc, "extend");
    doctor_expect_check(doc, "extend-route", "ok", NULL);
    doctor_expect_check(doc, "custom-route", "ok", NULL);
    json_object_put(doc);
}

/* ASCEND_RT_VISIBLE_DEVICES is shown, and a list CANN would stop reading early is a warning. */
static void test_doctor_visible_devices(void **state)
{
    (void)state;
    static const char *const good[] = {"AKL_RUNTIME=sim", "ASCEND_RT_VISIBLE_DEVICES=0,1", NULL};
    json_object *doc = doctor_json(good, NULL, 0);
    doctor_expect_check(doc, "devices", "ok", "ASCEND_RT_VISIBLE_DEVICES=0,1");
    json_object_put(doc);
    /* CANN reads a list up to its first id that is not a number: the rest is ignored, a warning. */
    static const char *const cut[] = {"AKL_RUNTIME=sim", "ASCEND_RT_VISIBLE_DEVICES=0,x", NULL};
    doc = doctor_json(cut, NULL, 0);
    doctor_expect_check(doc, "devices", "warning", "malformed");
    json_object_put(doc);
    /* An id below the one before makes CANN's runtime (and the simulator) see no device at all. */
    static const char *const bad[] = {"AKL_RUNTIME=sim", "ASCEND_RT_VISIBLE_DEVICES=1,0", NULL};
    doc = doctor_json(bad, NULL, 1);
    doctor_expect_check(doc, "devices", "failure", "not in ascending order");
    json_object_put(doc);
}

/* No runtime at all: no route can work, so exit 1, and still one JSON document saying why. */
static void test_doctor_no_route_exits_1(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=/nonexistent/libnothing.so", NULL};
    json_object *doc = doctor_json(env, NULL, 1);
    assert_null(member_string(doc, "route"));
    assert_false(json_object_get_boolean(json_object_object_get(doc, "ok")));
    doctor_expect_check(doc, "runtime", "failure", "/nonexistent/libnothing.so");
    json_object_put(doc);
}

/* An SO argument is checked as `akl check` does: a good one fits, a text file does not. */
static void test_doctor_checks_an_so(void **state)
{
    (void)state;
    static const char *const env[] = {"AKL_RUNTIME=sim", NULL};
    json_object *doc = doctor_json(env, HELLO_SO, 0);
    doctor_expect_check(doc, "so", "ok", "fits the device");
    doctor_expect_check(doc, "so-needs", "ok", NULL);
    json_object_put(doc);
    char bad[4096];
    snprintf(bad, sizeof bad, "%s.not-an-so", t_sim_root());
    assert_int_equal(t_write_file(bad, "hello\n", 6), 0);
    /* libakl itself fits a simulated device but needs libelf and its symbols, which no device has.
     */
    doc = doctor_json(env, AKL_BUILD_DIR "/lib/libakl.so", 0);
    doctor_expect_check(doc, "so", "ok", "exports");
    doctor_expect_check(doc, "so-needs", "warning", "libelf.so.1");
    doctor_expect_check(doc, "so-needs", "warning", "elf_version");
    json_object_put(doc);
    doc = doctor_json(env, bad, 0);
    doctor_expect_check(doc, "so", "failure", "AKL_ENOTELF");
    json_object_put(doc);
    unlink(bad);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doctor_help_and_usage),
        cmocka_unit_test_setup_teardown(test_doctor_normal_install, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_extend_package_absent, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_preinstall_absent, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_preinstall_readonly, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_strict_latch, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_visible_devices, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_no_route_exits_1, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_doctor_checks_an_so, setup_root, teardown_root),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
