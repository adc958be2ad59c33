/* Tests of the Mode B registration logic (src/sim/rts): JSON op descriptors (valid, and every kind
 * of malformed one, each with 107000 and a message naming the file and the problem), the
 * cpuKernelMode and file-name conventions, load options and launch attributes, the handle registry
 * (invalid, forged, wrong-kind and unloaded handles get 107017, never a crash), first registration
 * wins, the launch checks, and concurrent use. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_rts.h"
#include "test_support.h"

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_MSG 1024
#define RT_NAME "ops.json"

static const char rt_valid[] =
    "{\n"
    "  \"Add\": {\"opInfo\": {\"functionName\": \"add_kernel\", \"kernelSo\": \"libadd.so\",\n"
    "           \"opKernelLib\": \"AICPUKernel\", \"userDefined\": \"False\",\n"
    "           \"computeCost\": \"100\", \"flagAsync\": \"False\"},\n"
    "          \"input0\": {\"name\": \"x\"}},\n"
    "  \"Mul\": {\"opInfo\": {\"functionName\": \"mul_kernel\", \"kernelSo\": \"libmul.so\",\n"
    "           \"opKernelLib\": \"KFCKernel\", \"userDefined\": \"False\"}}\n"
    "}";

typedef struct rt_state {
    char dir[PATH_MAX]; /* files of this test program, removed at the end */
    size_t baseline;    /* binaries loaded before the test */
} rt_state_t;

static int rt_group_setup(void **state)
{
    rt_state_t *st = calloc(1, sizeof *st);
    assert_non_null(st);
    assert_non_null(t_sim_root_or_temp("rts", st->dir, sizeof st->dir));
    if (*t_sim_root()) {
        /* This test's own root (ctest gives each test one): emptied here, removed at the end. */
        t_rmtree(st->dir);
        assert_int_equal(t_make_dirs(st->dir), 0);
    }
    *state = st;
    return 0;
}

static int rt_group_teardown(void **state)
{
    rt_state_t *st = *state;
    t_rmtree(st->dir);
    free(st);
    return 0;
}

static int rt_setup(void **state)
{
    rt_state_t *st = *state;
    st->baseline = sim_rts_live_binaries();
    return 0;
}

/* Every test unloads what it loaded. */
static int rt_teardown(void **state)
{
    rt_state_t *st = *state;
    assert_int_equal(sim_rts_live_binaries(), st->baseline);
    return 0;
}

static void rt_path(const rt_state_t *st, const char *leaf, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", st->dir, leaf);
    assert_true(n > 0 && (size_t)n < cap);
}

static void rt_write(const rt_state_t *st, const char *leaf, const void *data, size_t size)
{
    char path[PATH_MAX];
    rt_path(st, leaf, path, sizeof path);
    assert_int_equal(t_write_file(path, data, size), 0);
}

static rtError_t rt_load_text(const char *json, size_t size, rtBinHandle *bin, char *msg)
{
    cmn_msg_t m = cmn_msg_start(msg, RT_MSG);
    return sim_rts_binary_load_descriptor(json, size, RT_NAME, bin, &m);
}

static void rt_unload(rtBinHandle bin)
{
    char msg[RT_MSG];
    assert_int_equal(sim_rts_binary_unload(bin, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
}

static void rt_expect_contains(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("message '%s' lacks '%s'", msg, part);
}

/* The descriptor is refused with 107000 and a message naming RT_NAME and each given part. */
static void rt_expect_bad(const char *json, size_t size, const char *part1, const char *part2)
{
    char msg[RT_MSG];
    rtBinHandle bin = (rtBinHandle)(uintptr_t)0x1;
    rtError_t rc = rt_load_text(json, size, &bin, msg);
    if (rc != ACL_ERROR_RT_PARAM_INVALID)
        fail_msg("rc %d for descriptor '%.*s' (message '%s')", rc, (int)(size > 200 ? 200 : size),
                 json, msg);
    assert_null(bin);
    rt_expect_contains(msg, RT_NAME ":");
    if (part1)
        rt_expect_contains(msg, part1);
    if (part2)
        rt_expect_contains(msg, part2);
}

static void rt_expect_bad_text(const char *json, const char *part1, const char *part2)
{
    rt_expect_bad(json, strlen(json), part1, part2);
}

static void rt_func_info(rtBinHandle bin, const char *op, sim_rts_func_info_t *info,
                         rtFuncHandle *out)
{
    char msg[RT_MSG];
    rtFuncHandle func = NULL;
    assert_int_equal(sim_rts_func_get_by_name(bin, op, &func, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_non_null(func);
    assert_int_equal(sim_rts_func_describe(func, info, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    if (out)
        *out = func;
}

/* ---- valid descriptors ---- */

static void test_valid_descriptor_with_two_ops(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    assert_string_equal(msg, "");
    sim_rts_func_info_t add, mul;
    rtFuncHandle add_h, add_again;
    rt_func_info(bin, "Add", &add, &add_h);
    assert_string_equal(add.op_type, "Add");
    assert_string_equal(add.function_name, "add_kernel");
    assert_string_equal(add.kernel_so, "libadd.so");
    assert_int_equal(add.kernel_type, KERNEL_TYPE_AICPU);
    rt_func_info(bin, "Mul", &mul, NULL);
    assert_string_equal(mul.function_name, "mul_kernel");
    assert_string_equal(mul.kernel_so, "libmul.so");
    assert_int_equal(mul.kernel_type, KERNEL_TYPE_AICPU_KFC);
    rt_func_info(bin, "Add", &add, &add_again);
    assert_ptr_equal(add_h, add_again); /* one handle per function */

    sim_rts_binary_info_t info;
    assert_int_equal(sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(info.mode, SIM_RTS_MODE_JSON);
    assert_int_equal(info.function_count, 2);
    assert_int_equal(info.image_size, 0);
    assert_string_equal(info.so_name, "ops.so");
    rt_unload(bin);
}

static void test_unknown_op_type_is_param_invalid(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    rtFuncHandle func = (rtFuncHandle)(uintptr_t)0x1;
    assert_int_equal(sim_rts_func_get_by_name(bin, "Sub", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_null(func);
    rt_expect_contains(msg, "'Sub'");
    rt_expect_contains(msg, RT_NAME);
    rt_expect_contains(msg, "'Add'");
    assert_int_equal(sim_rts_func_get_by_name(bin, "", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(sim_rts_func_get_by_name(bin, NULL, &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(sim_rts_func_get_by_name(bin, "Add", NULL, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_unload(bin);
}

static void test_each_kernel_lib_gives_its_type(void **state)
{
    (void)state;
    static const struct {
        const char *lib;
        const char *user;
        uint32_t type;
    } cases[] = {
        {"AICPUKernel", "False", KERNEL_TYPE_AICPU},
        {"AICPUKernel", "True", KERNEL_TYPE_AICPU_CUSTOM},
        {"CUSTAICPUKernel", "False", KERNEL_TYPE_AICPU_CUSTOM},
        {"CUSTAICPUKernel", "True", KERNEL_TYPE_AICPU_CUSTOM},
        {"KFCKernel", "False", KERNEL_TYPE_AICPU_KFC},
        {"KFCKernel", "True", KERNEL_TYPE_AICPU_KFC},
        {"CUSTKFCKernel", "False", KERNEL_TYPE_CUSTOM_KFC},
        {"TFKernel", "False", KERNEL_TYPE_FWK},
    };
    assert_int_equal(KERNEL_TYPE_AICPU, 2);
    assert_int_equal(KERNEL_TYPE_AICPU_CUSTOM, 4);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[512], msg[RT_MSG];
        snprintf(json, sizeof json,
                 "{\"Op\": {\"opInfo\": {\"functionName\": \"f\", \"kernelSo\": \"libk.so\", "
                 "\"opKernelLib\": \"%s\", \"userDefined\": \"%s\"}}}",
                 cases[i].lib, cases[i].user);
        rtBinHandle bin = NULL;
        assert_int_equal(rt_load_text(json, strlen(json), &bin, msg), ACL_RT_SUCCESS);
        sim_rts_func_info_t info;
        rt_func_info(bin, "Op", &info, NULL);
        if (info.kernel_type != cases[i].type)
            fail_msg("%s/%s: type %u, want %u", cases[i].lib, cases[i].user, info.kernel_type,
                     cases[i].type);
        rt_unload(bin);
    }
}

static void test_empty_object_registers_nothing(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(" {} \n", 5, &bin, msg), ACL_RT_SUCCESS);
    rtFuncHandle func;
    assert_int_equal(sim_rts_func_get_by_name(bin, "Add", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_unload(bin);
}

/* A key repeated in one object keeps its last value, as CANN's nlohmann::json parser does. */
static void test_duplicate_key_in_one_object_keeps_last(void **state)
{
    (void)state;
    static const char json[] =
        "{\"Op\": {\"opInfo\": {\"functionName\": \"first\", \"kernelSo\": \"libk.so\", "
        "\"opKernelLib\": \"AICPUKernel\", \"userDefined\": \"False\"}},"
        " \"Op\": {\"opInfo\": {\"functionName\": \"second\", \"kernelSo\": \"libk.so\", "
        "\"opKernelLib\": \"AICPUKernel\", \"userDefined\": \"False\"}}}";
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(json, strlen(json), &bin, msg), ACL_RT_SUCCESS);
    sim_rts_func_info_t info;
    rt_func_info(bin, "Op", &info, NULL);
    assert_string_equal(info.function_name, "second");
    rt_unload(bin);
}

/* ---- malformed descriptors ---- */

static void test_not_json(void **state)
{
    (void)state;
    rt_expect_bad_text("hello", "not valid JSON", NULL);
    rt_expect_bad_text("{'Add': 1}", "not valid JSON at byte 1", "single-quoted");
    rt_expect_bad_text("{\"Add\": {\"x\": 'y'}}", "single-quoted", NULL);
    rt_expect_bad_text("{\"Add\": {\"x\": \"a\tb\"}}", "control character 0x09", NULL);
    rt_expect_bad_text("{\"Add\": {\"x\": NaN}}", "NaN", NULL);
    rt_expect_bad_text("{\"Add\": {\"x\": [-Infinity]}}", "Infinity", NULL);
    rt_expect_bad_text("/* comment */ {}", "not valid JSON", NULL);
    rt_expect_bad_text("{\"Add\": {\"opInfo\": {},}}", "not valid JSON", NULL);
    rt_expect_bad_text("{} x", "byte", NULL);
    rt_expect_bad_text("{}{}", "byte", NULL);
    rt_expect_bad_text("\xff\xfe{}", "JSON", NULL);
    rt_expect_bad_text("{\"A\xc3\x28\": {}}", "not valid JSON", NULL); /* invalid UTF-8 */
    rt_expect_bad("{\"Add\"\0: 1}", 11, "NUL", "byte 6");
}

static void test_empty(void **state)
{
    (void)state;
    rt_expect_bad("", 0, "empty", NULL);
    rt_expect_bad_text("   \n\t ", "truncated", NULL);
}

static void test_truncated_at_every_point(void **state)
{
    (void)state;
    size_t len = strlen(rt_valid);
    for (size_t cut = 1; cut < len; cut++)
        rt_expect_bad(rt_valid, cut, NULL, NULL);
    /* Inside a string, after a key, after a colon, before the last brace. */
    const char *at[] = {"\"add_k", "\"Mul\"", "\"Mul\":", "\"False\"}}\n"};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        const char *p = strstr(rt_valid, at[i]);
        assert_non_null(p);
        rt_expect_bad(rt_valid, (size_t)(p - rt_valid) + strlen(at[i]), "truncated", NULL);
    }
}

static void test_top_level_not_an_object(void **state)
{
    (void)state;
    rt_expect_bad_text("[{\"Add\": {}}]", "top level is an array", NULL);
    rt_expect_bad_text("\"Add\"", "top level is a string", NULL);
    rt_expect_bad_text("42", "top level is a number", NULL);
    rt_expect_bad_text("null", "top level is null", NULL);
    rt_expect_bad_text("true", "top level is a boolean", NULL);
}

static void test_entry_and_op_info_shape(void **state)
{
    (void)state;
    rt_expect_bad_text("{\"Add\": 1}", "op 'Add'", "entry is a number, not an object");
    rt_expect_bad_text("{\"Add\": []}", "op 'Add'", "entry is an array");
    rt_expect_bad_text("{\"Add\": {\"input0\": {}}}", "op 'Add'", "opInfo missing");
    rt_expect_bad_text("{\"Add\": {\"opinfo\": {}}}", "op 'Add'", "opInfo missing");
    rt_expect_bad_text("{\"Add\": {\"opInfo\": \"x\"}}", "op 'Add'", "opInfo is a string");
    rt_expect_bad_text("{\"Add\": {\"opInfo\": null}}", "op 'Add'", "opInfo is null");
    rt_expect_bad_text("{\"\": {\"opInfo\": {}}}", "op type", "empty");
}

static const char *const rt_fields[] = {"functionName", "kernelSo", "opKernelLib", "userDefined"};
static const char *const rt_field_values[] = {"\"f\"", "\"libk.so\"", "\"AICPUKernel\"",
                                              "\"False\""};

/* {"Add": {"opInfo": {...}}} with field `skip` left out or given `replacement` as its value. */
static void rt_op_with(char *out, size_t cap, size_t skip, const char *replacement)
{
    int n = snprintf(out, cap, "{\"Add\": {\"opInfo\": {");
    for (size_t i = 0; i < 4; i++) {
        if (i == skip && !replacement)
            continue;
        n += snprintf(out + n, cap - (size_t)n, "%s\"%s\": %s", n > 20 ? ", " : "", rt_fields[i],
                      i == skip ? replacement : rt_field_values[i]);
    }
    snprintf(out + n, cap - (size_t)n, "}}}");
}

static void test_each_field_missing(void **state)
{
    (void)state;
    for (size_t i = 0; i < 4; i++) {
        char json[512], want[64];
        rt_op_with(json, sizeof json, i, NULL);
        snprintf(want, sizeof want, "opInfo.%s missing", rt_fields[i]);
        rt_expect_bad_text(json, "op 'Add'", want);
    }
}

static void test_each_field_of_the_wrong_type(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        const char *kind;
    } wrong[] = {{"1", "a number"}, {"2.5", "a number"},     {"true", "a boolean"},
                 {"null", "null"},  {"[\"f\"]", "an array"}, {"{\"v\": \"f\"}", "an object"}};
    for (size_t f = 0; f < 4; f++) {
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
            char json[512], want[96];
            rt_op_with(json, sizeof json, f, wrong[w].value);
            snprintf(want, sizeof want, "opInfo.%s is %s, not a string", rt_fields[f],
                     wrong[w].kind);
            rt_expect_bad_text(json, "op 'Add'", want);
        }
    }
}

static void test_field_values(void **state)
{
    (void)state;
    char json[1024], big[300];
    rt_op_with(json, sizeof json, 2, "\"GPUKernel\"");
    rt_expect_bad_text(json, "opKernelLib 'GPUKernel' is unknown", "AICPUKernel");
    rt_op_with(json, sizeof json, 2, "\"aicpukernel\"");
    rt_expect_bad_text(json, "opKernelLib 'aicpukernel' is unknown", NULL);
    rt_op_with(json, sizeof json, 3, "\"true\"");
    rt_expect_bad_text(json, "userDefined is 'true'", "neither \"True\" nor \"False\"");
    rt_op_with(json, sizeof json, 3, "\"yes\"");
    rt_expect_bad_text(json, "userDefined is 'yes'", NULL);
    rt_op_with(json, sizeof json, 3, "\"\"");
    rt_expect_bad_text(json, "opInfo.userDefined is empty", NULL);
    rt_op_with(json, sizeof json, 0, "\"\"");
    rt_expect_bad_text(json, "opInfo.functionName is empty", NULL);
    rt_op_with(json, sizeof json, 1, "\"\"");
    rt_expect_bad_text(json, "opInfo.kernelSo is empty", NULL);
    rt_op_with(json, sizeof json, 0, "\"f\\u0000g\"");
    rt_expect_bad_text(json, "opInfo.functionName contains a NUL", NULL);

    /* Longer than the device's buffers: a quoted run of n 'f's. */
    big[0] = '"';
    memset(big + 1, 'f', 201);
    memcpy(big + 202, "\"", 2);
    rt_op_with(json, sizeof json, 0, big);
    rt_expect_bad_text(json, "opInfo.functionName is 201 bytes", "limit of 200");
    memcpy(big + 102, "\"", 2);
    rt_op_with(json, sizeof json, 1, big);
    rt_expect_bad_text(json, "opInfo.kernelSo is 101 bytes", "limit of 100");
    /* Exactly at the limits is fine. */
    memcpy(big + 101, "\"", 2);
    rt_op_with(json, sizeof json, 1, big);
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(json, strlen(json), &bin, msg), ACL_RT_SUCCESS);
    rt_unload(bin);
}

static void test_op_type_limits(void **state)
{
    (void)state;
    char key[300], json[1024];
    memset(key, 'K', 256);
    key[256] = '\0';
    snprintf(json, sizeof json,
             "{\"%s\": {\"opInfo\": {\"functionName\": \"f\", \"kernelSo\": \"libk.so\", "
             "\"opKernelLib\": \"AICPUKernel\", \"userDefined\": \"False\"}}}",
             key);
    rt_expect_bad_text(json, "256 bytes", "KKKK...");
    /* Control characters in a name are shown as '?'. */
    rt_expect_bad_text("{\"A\\u0001B\": 5}", "op 'A?B'", NULL);
}

static void test_nesting_depth(void **state)
{
    (void)state;
    char json[512];
    int n = snprintf(json, sizeof json, "{\"Add\": {\"opInfo\": {\"deep\": ");
    for (int i = 0; i < 40; i++)
        json[n++] = '[';
    for (int i = 0; i < 40; i++)
        json[n++] = ']';
    snprintf(json + n, sizeof json - (size_t)n, "}}}");
    rt_expect_bad_text(json, "not valid JSON", "nesting too deep");
}

/* A descriptor of exactly size bytes: the valid one padded with spaces. */
static char *rt_padded(size_t size)
{
    char *json = malloc(size);
    assert_non_null(json);
    memset(json, ' ', size);
    memcpy(json, rt_valid, strlen(rt_valid));
    return json;
}

static void test_oversized(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    char *json = rt_padded(SIM_RTS_DESCRIPTOR_MAX);
    assert_int_equal(rt_load_text(json, SIM_RTS_DESCRIPTOR_MAX, &bin, msg), ACL_RT_SUCCESS);
    rt_unload(bin);
    free(json);
    json = rt_padded(SIM_RTS_DESCRIPTOR_MAX + 1);
    rt_expect_bad(json, SIM_RTS_DESCRIPTOR_MAX + 1, "1048577 bytes", "1048576-byte limit");
    free(json);
}

/* ---- files and modes ---- */

static void test_load_file_json_mode(void **state)
{
    rt_state_t *st = *state;
    char path[PATH_MAX], msg[RT_MSG];
    rt_write(st, "ops.json", rt_valid, strlen(rt_valid));
    rt_path(st, "ops.json", path, sizeof path);
    rtBinHandle bin = NULL;
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    sim_rts_binary_info_t info;
    assert_int_equal(sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_string_equal(info.so_name, "ops.so");
    assert_int_equal(info.function_count, 2);
    sim_rts_image_t image;
    assert_int_equal(sim_rts_image_acquire(bin, &image, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "no CPU SO image");
    rt_unload(bin);

    /* The same JSON named through the SO's name, or without an extension. */
    rt_path(st, "ops.so", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    rt_unload(bin);
    rt_path(st, "ops", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    rt_unload(bin);
}

static void test_load_file_so_and_json_mode(void **state)
{
    rt_state_t *st = *state;
    char path[PATH_MAX], msg[RT_MSG];
    static const char so_bytes[] = "\x7f"
                                   "ELF pretend shared object";
    rt_write(st, "libcust.json", rt_valid, strlen(rt_valid));
    rt_path(st, "libcust.so", path, sizeof path);
    rtBinHandle bin = (rtBinHandle)(uintptr_t)0x1;
    /* The SO is missing: the message names it. */
    assert_int_equal(
        sim_rts_binary_load_file(path, SIM_RTS_MODE_SO_AND_JSON, &bin, CMN_MSG_ARRAY(msg)),
        ACL_ERROR_RT_PARAM_INVALID);
    assert_null(bin);
    rt_expect_contains(msg, path);
    rt_expect_contains(msg, "No such file");

    rt_write(st, "libcust.so", so_bytes, sizeof so_bytes);
    assert_int_equal(
        sim_rts_binary_load_file(path, SIM_RTS_MODE_SO_AND_JSON, &bin, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    sim_rts_binary_info_t info;
    assert_int_equal(sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(info.mode, SIM_RTS_MODE_SO_AND_JSON);
    assert_string_equal(info.so_name, "libcust.so");
    assert_int_equal(info.image_size, sizeof so_bytes);
    sim_rts_image_t image;
    assert_int_equal(sim_rts_image_acquire(bin, &image, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(image.size, sizeof so_bytes);
    assert_memory_equal(image.data, so_bytes, sizeof so_bytes);
    assert_string_equal(image.so_name, "libcust.so");
    /* The image outlives the unload until it is released. */
    rt_unload(bin);
    assert_memory_equal(image.data, so_bytes, sizeof so_bytes);
    sim_rts_image_release(&image);
    assert_null(image.ref);
    sim_rts_image_release(&image); /* twice is harmless */

    /* Functions from the JSON keep the SO the JSON names. */
    assert_int_equal(
        sim_rts_binary_load_file(path, SIM_RTS_MODE_SO_AND_JSON, &bin, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    sim_rts_func_info_t add;
    rt_func_info(bin, "Add", &add, NULL);
    assert_string_equal(add.kernel_so, "libadd.so");
    rt_unload(bin);
}

static void test_load_file_errors(void **state)
{
    rt_state_t *st = *state;
    char path[PATH_MAX], msg[RT_MSG];
    rtBinHandle bin = NULL;
    rt_write(st, "good.json", rt_valid, strlen(rt_valid));
    rt_path(st, "good.json", path, sizeof path);
    static const int32_t bad_modes[] = {SIM_RTS_MODE_DATA, 3, -7, SIM_RTS_MODE_NONE};
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        assert_int_equal(sim_rts_binary_load_file(path, bad_modes[i], &bin, CMN_MSG_ARRAY(msg)),
                         ACL_ERROR_RT_PARAM_INVALID);
        rt_expect_contains(msg, "rtsBinaryLoadFromFile");
    }
    rt_expect_contains(msg, "AICore");

    rt_path(st, "missing.json", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, path);
    rt_expect_contains(msg, "No such file");

    rt_write(st, "empty.json", "", 0);
    rt_path(st, "empty.json", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, path);
    rt_expect_contains(msg, "empty");

    rt_write(st, "bad.json", "{\"Add\": {}}", 11);
    rt_path(st, "bad.json", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "bad.json: op 'Add': opInfo missing");

    char *big = rt_padded(SIM_RTS_DESCRIPTOR_MAX + 10);
    rt_write(st, "big.json", big, SIM_RTS_DESCRIPTOR_MAX + 10);
    free(big);
    rt_path(st, "big.json", path, sizeof path);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "big.json");
    rt_expect_contains(msg, "limit");

    rt_path(st, "adir.json", path, sizeof path);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "not a regular file");

    assert_int_equal(sim_rts_binary_load_file(NULL, SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(sim_rts_binary_load_file("", SIM_RTS_MODE_JSON, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, NULL, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    /* No message buffer is fine. */
    assert_int_equal(sim_rts_binary_load_file(path, SIM_RTS_MODE_JSON, &bin, NULL),
                     ACL_ERROR_RT_PARAM_INVALID);
}

static void test_load_data(void **state)
{
    (void)state;
    char msg[RT_MSG];
    unsigned char so[300];
    for (size_t i = 0; i < sizeof so; i++)
        so[i] = (unsigned char)(i * 7);
    rtBinHandle bin = NULL;
    assert_int_equal(
        sim_rts_binary_load_data(so, sizeof so, SIM_RTS_MODE_DATA, &bin, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    so[0] ^= 0xff; /* the binary holds its own copy */
    sim_rts_binary_info_t info;
    assert_int_equal(sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(info.mode, SIM_RTS_MODE_DATA);
    assert_int_equal(info.function_count, 0);
    assert_int_equal(info.image_size, sizeof so);
    uint64_t hash = 0;
    size_t length = 0;
    char tail[8] = "";
    assert_int_equal(sscanf(info.so_name, "%" SCNu64 "_%zu%7s", &hash, &length, tail), 3);
    assert_int_equal(length, sizeof so);
    assert_string_equal(tail, ".so");
    sim_rts_image_t image;
    assert_int_equal(sim_rts_image_acquire(bin, &image, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(((const unsigned char *)image.data)[0], 0);
    sim_rts_image_release(&image);

    /* No functions until registered; registration uses the binary's SO, custom type. */
    rtFuncHandle func = NULL, again = NULL;
    assert_int_equal(sim_rts_func_get_by_name(bin, "Op", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(sim_rts_func_register(bin, "op_kernel", "Op", &func, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    assert_string_equal(msg, "");
    sim_rts_func_info_t fi;
    assert_int_equal(sim_rts_func_describe(func, &fi, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_string_equal(fi.op_type, "Op");
    assert_string_equal(fi.function_name, "op_kernel");
    assert_string_equal(fi.kernel_so, info.so_name);
    assert_int_equal(fi.kernel_type, KERNEL_TYPE_AICPU_CUSTOM);
    assert_int_equal(sim_rts_func_get_by_name(bin, "Op", &again, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    assert_ptr_equal(func, again);

    /* Different bytes, different name. */
    rtBinHandle other = NULL;
    assert_int_equal(
        sim_rts_binary_load_data(so, sizeof so, SIM_RTS_MODE_DATA, &other, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    sim_rts_binary_info_t other_info;
    assert_int_equal(sim_rts_binary_describe(other, &other_info, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    assert_string_not_equal(other_info.so_name, info.so_name);
    rt_unload(other);
    rt_unload(bin);
}

static void test_load_data_errors(void **state)
{
    (void)state;
    char msg[RT_MSG], so[16] = "so";
    rtBinHandle bin = NULL;
    static const int32_t bad_modes[] = {SIM_RTS_MODE_JSON, SIM_RTS_MODE_SO_AND_JSON, 3,
                                        SIM_RTS_MODE_NONE};
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        assert_int_equal(
            sim_rts_binary_load_data(so, sizeof so, bad_modes[i], &bin, CMN_MSG_ARRAY(msg)),
            ACL_ERROR_RT_PARAM_INVALID);
        rt_expect_contains(msg, "rtsBinaryLoadFromData: cpuKernelMode");
    }
    assert_int_equal(sim_rts_binary_load_data(NULL, 5, SIM_RTS_MODE_DATA, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "NULL");
    assert_int_equal(sim_rts_binary_load_data(so, 0, SIM_RTS_MODE_DATA, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "length is 0");
    assert_int_equal(sim_rts_binary_load_data(so, (uint64_t)SIM_RTS_IMAGE_MAX + 1,
                                              SIM_RTS_MODE_DATA, &bin, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "limit");
    assert_int_equal(
        sim_rts_binary_load_data(so, sizeof so, SIM_RTS_MODE_DATA, NULL, CMN_MSG_ARRAY(msg)),
        ACL_ERROR_RT_PARAM_INVALID);
}

/* ---- registration ---- */

static void test_first_registration_wins(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    rtFuncHandle from_json = NULL, registered = NULL;
    sim_rts_func_info_t info;
    rt_func_info(bin, "Add", &info, &from_json);
    assert_int_equal(
        sim_rts_func_register(bin, "other_kernel", "Add", &registered, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    assert_ptr_equal(registered, from_json);
    rt_expect_contains(msg, "warning");
    rt_expect_contains(msg, "'Add'");
    rt_expect_contains(msg, "first registration wins");
    rt_func_info(bin, "Add", &info, NULL);
    assert_string_equal(info.function_name, "add_kernel");
    assert_int_equal(info.kernel_type, KERNEL_TYPE_AICPU);

    /* A new op type joins the binary; registering it again keeps the first. */
    rtFuncHandle sub = NULL, sub_again = NULL;
    assert_int_equal(sim_rts_func_register(bin, "sub_kernel", "Sub", &sub, CMN_MSG_ARRAY(msg)),
                     ACL_RT_SUCCESS);
    assert_int_equal(
        sim_rts_func_register(bin, "sub_kernel_2", "Sub", &sub_again, CMN_MSG_ARRAY(msg)),
        ACL_RT_SUCCESS);
    assert_ptr_equal(sub, sub_again);
    rt_func_info(bin, "Sub", &info, NULL);
    assert_string_equal(info.function_name, "sub_kernel");
    assert_string_equal(info.kernel_so, "ops.so");
    sim_rts_binary_info_t bi;
    assert_int_equal(sim_rts_binary_describe(bin, &bi, CMN_MSG_ARRAY(msg)), ACL_RT_SUCCESS);
    assert_int_equal(bi.function_count, 3);
    rt_unload(bin);
}

static void test_register_errors(void **state)
{
    (void)state;
    char msg[RT_MSG], big[300];
    rtBinHandle bin = NULL;
    rtFuncHandle func = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    assert_int_equal(sim_rts_func_register(bin, NULL, "Op", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "function name is NULL");
    assert_int_equal(sim_rts_func_register(bin, "f", "", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "op type is empty");
    memset(big, 'x', 201);
    big[201] = '\0';
    assert_int_equal(sim_rts_func_register(bin, big, "Op", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "201 bytes");
    assert_int_equal(sim_rts_func_register(bin, "f", "Op", NULL, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_unload(bin);
}

/* ---- handles ---- */

static void rt_expect_invalid_binary(rtBinHandle bin)
{
    char msg[RT_MSG];
    rtFuncHandle func = (rtFuncHandle)(uintptr_t)0x1;
    sim_rts_binary_info_t info;
    sim_rts_image_t image;
    assert_int_equal(sim_rts_func_get_by_name(bin, "Add", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
    assert_null(func);
    rt_expect_contains(msg, "rtsFuncGetByName");
    rt_expect_contains(msg, "not a loaded binary handle");
    assert_int_equal(sim_rts_func_register(bin, "f", "Op", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
    assert_int_equal(sim_rts_binary_unload(bin, CMN_MSG_ARRAY(msg)), ACL_ERROR_RT_INVALID_HANDLE);
    assert_int_equal(sim_rts_binary_describe(bin, &info, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
    assert_int_equal(sim_rts_image_acquire(bin, &image, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
}

static void rt_expect_invalid_function(rtFuncHandle func)
{
    char msg[RT_MSG];
    sim_rts_func_info_t info;
    sim_rts_launch_t launch;
    assert_int_equal(sim_rts_func_describe(func, &info, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
    assert_int_equal(sim_rts_prepare_launch(func, NULL, &launch, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
    rt_expect_contains(msg, "rtsLaunchCpuKernel");
    rt_expect_contains(msg, "not a loaded function handle");
}

static void test_invalid_handles(void **state)
{
    (void)state;
    char msg[RT_MSG];
    int local = 0;
    void *heap = malloc(64);
    assert_non_null(heap);
    memset(heap, 0xAC, 64);
    void *const forged[] = {&local,
                            heap,
                            (void *)(uintptr_t)0x1,
                            (void *)(uintptr_t)-1,
                            (void *)(uintptr_t)0xAC1D000000000011ULL,
                            (void *)rt_valid};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        rt_expect_invalid_binary(forged[i]);
        rt_expect_invalid_function(forged[i]);
    }
    free(heap);

    /* NULL is a missing argument, not a handle. */
    rtFuncHandle func = NULL;
    assert_int_equal(sim_rts_func_get_by_name(NULL, "Add", &func, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "NULL");
    assert_int_equal(sim_rts_binary_unload(NULL, CMN_MSG_ARRAY(msg)), ACL_ERROR_RT_PARAM_INVALID);
    sim_rts_launch_t launch;
    assert_int_equal(sim_rts_prepare_launch(NULL, NULL, &launch, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);

    /* Handles of the wrong kind, and values next to real ones. */
    rtBinHandle bin = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    sim_rts_func_info_t info;
    rt_func_info(bin, "Add", &info, &func);
    rt_expect_invalid_binary(func);
    rt_expect_invalid_function(bin);
    rt_expect_invalid_binary((void *)((uintptr_t)bin + 16));
    rt_expect_invalid_binary((void *)((uintptr_t)bin ^ 0x100));
    rt_expect_invalid_function((void *)((uintptr_t)func + ((uintptr_t)16 << 20)));
    rt_unload(bin);
}

static void test_unloaded_handles(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    rtFuncHandle add = NULL, mul = NULL;
    sim_rts_func_info_t info;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    rt_func_info(bin, "Add", &info, &add);
    rt_func_info(bin, "Mul", &info, &mul);
    rt_unload(bin);
    rt_expect_invalid_binary(bin);
    rt_expect_invalid_function(add);
    rt_expect_invalid_function(mul);
    /* A new load never revives the old handles. */
    rtBinHandle fresh = NULL;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &fresh, msg), ACL_RT_SUCCESS);
    assert_ptr_not_equal(fresh, bin);
    rt_expect_invalid_binary(bin);
    rt_expect_invalid_function(add);
    rt_unload(fresh);
}

/* ---- options ---- */

static void test_load_options(void **state)
{
    (void)state;
    char msg[RT_MSG];
    sim_rts_load_opts_t opts;
    assert_int_equal(sim_rts_parse_load_options(NULL, true, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_int_equal(opts.cpu_kernel_mode, SIM_RTS_MODE_NONE);
    assert_false(opts.lazy_load);

    rtLoadBinaryOption_t o[3];
    memset(o, 0, sizeof o);
    rtLoadBinaryConfig_t cfg = {o, 0};
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_int_equal(opts.cpu_kernel_mode, SIM_RTS_MODE_NONE);

    o[0].optionId = RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE;
    o[0].value.cpuKernelMode = 1;
    o[1].optionId = RT_LOAD_BINARY_OPT_LAZY_LOAD;
    o[1].value.isLazyLoad = 1;
    cfg.numOpt = 2;
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_int_equal(opts.cpu_kernel_mode, 1);
    assert_true(opts.lazy_load);
    /* Mode 1 is for files only. */
    assert_int_equal(sim_rts_parse_load_options(&cfg, false, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "cpuKernelMode 1");
    o[0].value.cpuKernelMode = 2;
    assert_int_equal(sim_rts_parse_load_options(&cfg, false, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_int_equal(opts.cpu_kernel_mode, 2);
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "cpuKernelMode 2");
    o[0].value.cpuKernelMode = -1;
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);

    o[0].value.cpuKernelMode = 0;
    o[1].value.isLazyLoad = 2;
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "isLazyLoad 2");

    o[1].optionId = RT_LOAD_BINARY_OPT_MAGIC;
    o[1].value.magic = 0x43554245U;
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "MAGIC");
    o[0].value.cpuKernelMode = 2;
    assert_int_equal(sim_rts_parse_load_options(&cfg, false, &opts, CMN_MSG_ARRAY(msg)), 0);
    o[1].value.magic = 0x12345678U;
    assert_int_equal(sim_rts_parse_load_options(&cfg, false, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);

    static const int ids[] = {0, RT_LOAD_BINARY_OPT_MAX, 99, -1};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        o[1].optionId = (rtLoadBinaryOption)ids[i];
        assert_int_equal(sim_rts_parse_load_options(&cfg, false, &opts, CMN_MSG_ARRAY(msg)),
                         ACL_ERROR_RT_PARAM_INVALID);
        rt_expect_contains(msg, "optionId");
    }

    cfg.options = NULL;
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "NULL");
    cfg = (rtLoadBinaryConfig_t){o, 1000000};
    assert_int_equal(sim_rts_parse_load_options(&cfg, true, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "numOpt");
}

static void test_launch_cfg(void **state)
{
    (void)state;
    char msg[RT_MSG];
    sim_rts_launch_opts_t opts;
    assert_int_equal(sim_rts_parse_launch_cfg(NULL, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_false(opts.has_timeout);

    rtLaunchKernelAttr_t a[3];
    memset(a, 0, sizeof a);
    rtKernelLaunchCfg_t cfg = {a, 1};
    a[0].id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT;
    a[0].value.timeout = 5;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_true(opts.has_timeout);
    assert_int_equal(opts.timeout_us, 5000000);

    a[0].id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US;
    a[0].value.timeoutUs.timeoutLow = 7;
    a[0].value.timeoutUs.timeoutHigh = 1;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_int_equal(opts.timeout_us, (UINT64_C(1) << 32) + 7);

    a[0].value.timeoutUs.timeoutHigh = 0;
    a[0].value.timeoutUs.timeoutLow = 0;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_true(opts.has_timeout);
    assert_int_equal(opts.timeout_us, 0); /* never */

    a[1].id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT;
    cfg.numAttrs = 2;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "TIMEOUT_US");

    a[1].id = RT_LAUNCH_KERNEL_ATTR_DATA_DUMP;
    a[1].value.isDataDump = 1;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);
    assert_true(opts.data_dump);
    a[1].value.isDataDump = 2;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "isDataDump 2");
    a[1].id = RT_LAUNCH_KERNEL_ATTR_BLOCK_TASK_PREFETCH;
    a[1].value.isBlockTaskPrefetch = 3;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    a[1].id = RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE;
    a[1].value.schemMode = 1;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);

    static const int ids[] = {0, RT_LAUNCH_KERNEL_ATTR_MAX, 1000, -3};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        a[1].id = (rtLaunchKernelAttrId)ids[i];
        assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                         ACL_ERROR_RT_PARAM_INVALID);
        rt_expect_contains(msg, "attribute id");
    }
    cfg.attrs = NULL;
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    cfg = (rtKernelLaunchCfg_t){a, 100000};
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    cfg = (rtKernelLaunchCfg_t){NULL, 0};
    assert_int_equal(sim_rts_parse_launch_cfg(&cfg, &opts, CMN_MSG_ARRAY(msg)), 0);
}

/* ---- launch checks ---- */

/* The registry's part of a launch: the function's names and type and the cfg's attributes. The
 * launch's numBlocks and arguments are libaclsim's single check (tests/sim/rts/test_modeb.c
 * test_bad_launches, tests/sim/host/test_sim_launch.c test_launch_argument_checks). */
static void test_prepare_launch(void **state)
{
    (void)state;
    char msg[RT_MSG];
    rtBinHandle bin = NULL;
    rtFuncHandle add = NULL;
    sim_rts_func_info_t info;
    assert_int_equal(rt_load_text(rt_valid, strlen(rt_valid), &bin, msg), ACL_RT_SUCCESS);
    rt_func_info(bin, "Add", &info, &add);
    rtLaunchKernelAttr_t attr = {.id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT, .value.timeout = 3};
    rtKernelLaunchCfg_t cfg = {&attr, 1};
    sim_rts_launch_t launch;
    assert_int_equal(sim_rts_prepare_launch(add, &cfg, &launch, CMN_MSG_ARRAY(msg)), 0);
    assert_string_equal(msg, "");
    assert_string_equal(launch.func.function_name, "add_kernel");
    assert_string_equal(launch.func.kernel_so, "libadd.so");
    assert_int_equal(launch.func.kernel_type, KERNEL_TYPE_AICPU);
    assert_true(launch.opts.has_timeout);
    assert_int_equal(launch.opts.timeout_us, 3000000);
    assert_false(launch.has_image);

    assert_int_equal(sim_rts_prepare_launch(add, NULL, &launch, CMN_MSG_ARRAY(msg)), 0);
    assert_false(launch.opts.has_timeout);
    assert_int_equal(sim_rts_prepare_launch(NULL, NULL, &launch, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "function handle is NULL");
    assert_int_equal(sim_rts_prepare_launch(add, NULL, NULL, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_expect_contains(msg, "launch output is NULL");
    attr.id = (rtLaunchKernelAttrId)0;
    assert_int_equal(sim_rts_prepare_launch(add, &cfg, &launch, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_PARAM_INVALID);
    rt_unload(bin);
    assert_int_equal(sim_rts_prepare_launch(add, NULL, &launch, CMN_MSG_ARRAY(msg)),
                     ACL_ERROR_RT_INVALID_HANDLE);
}

/* ---- robustness ---- */

static uint64_t rt_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Deterministic mutations of the valid descriptor: each gives success or 107000, and a failure
 * always has a message naming the descriptor. (tests/fuzz/fuzz_rts_descriptor.c goes further.) */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    static const char alphabet[] = "{}[]\":,\\ \n0123456789aeflnrstuTFE\x01\x80\xff";
    size_t len = strlen(rt_valid);
    char *buf = malloc(len + 16);
    assert_non_null(buf);
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int iter = 0; iter < 5000; iter++) {
        memcpy(buf, rt_valid, len);
        size_t n = len;
        int edits = 1 + (int)(rt_rand(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = rt_rand(&seed) % n;
            switch (rt_rand(&seed) % 3) {
            case 0:
                buf[at] = alphabet[rt_rand(&seed) % (sizeof alphabet - 1)];
                break;
            case 1:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default:
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = alphabet[rt_rand(&seed) % (sizeof alphabet - 1)];
                n++;
                break;
            }
        }
        char msg[RT_MSG];
        rtBinHandle bin = NULL;
        rtError_t rc = rt_load_text(buf, n, &bin, msg);
        if (rc == ACL_RT_SUCCESS) {
            rt_unload(bin);
            continue;
        }
        assert_int_equal(rc, ACL_ERROR_RT_PARAM_INVALID);
        assert_null(bin);
        rt_expect_contains(msg, RT_NAME ":");
    }
    free(buf);
}

/* ---- concurrency ---- */

#define RT_THREADS 4
#define RT_ROUNDS 300

typedef struct rt_worker {
    pthread_t thread;
    int id;
    rtBinHandle *shared; /* handles other threads unload; some are stale when used */
    int failures;
} rt_worker_t;

static void *rt_worker_main(void *arg)
{
    rt_worker_t *w = arg;
    char msg[RT_MSG];
    for (int round = 0; round < RT_ROUNDS; round++) {
        rtBinHandle bin = NULL;
        if (rt_load_text(rt_valid, strlen(rt_valid), &bin, msg) != ACL_RT_SUCCESS) {
            w->failures++;
            continue;
        }
        rtFuncHandle func = NULL;
        if (sim_rts_func_get_by_name(bin, "Mul", &func, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
            w->failures++;
        /* Poke at another thread's binary: valid or already unloaded, never anything else. */
        rtBinHandle other = __atomic_load_n(&w->shared[(w->id + 1) % RT_THREADS], __ATOMIC_ACQUIRE);
        rtFuncHandle of = NULL;
        rtError_t rc = sim_rts_func_get_by_name(other, "Add", &of, CMN_MSG_ARRAY(msg));
        if (other && rc != ACL_RT_SUCCESS && rc != ACL_ERROR_RT_INVALID_HANDLE)
            w->failures++;
        sim_rts_func_info_t info;
        rc = of ? sim_rts_func_describe(of, &info, CMN_MSG_ARRAY(msg)) : ACL_RT_SUCCESS;
        if (rc != ACL_RT_SUCCESS && rc != ACL_ERROR_RT_INVALID_HANDLE)
            w->failures++;
        rtBinHandle old = __atomic_exchange_n(&w->shared[w->id], bin, __ATOMIC_ACQ_REL);
        if (old && sim_rts_binary_unload(old, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
            w->failures++;
    }
    rtBinHandle last = __atomic_exchange_n(&w->shared[w->id], NULL, __ATOMIC_ACQ_REL);
    if (last && sim_rts_binary_unload(last, CMN_MSG_ARRAY(msg)) != ACL_RT_SUCCESS)
        w->failures++;
    return NULL;
}

static void test_concurrent_use(void **state)
{
    (void)state;
    rtBinHandle shared[RT_THREADS] = {0};
    rt_worker_t workers[RT_THREADS];
    for (int i = 0; i < RT_THREADS; i++) {
        workers[i] = (rt_worker_t){.id = i, .shared = shared};
        assert_int_equal(pthread_create(&workers[i].thread, NULL, rt_worker_main, &workers[i]), 0);
    }
    for (int i = 0; i < RT_THREADS; i++) {
        pthread_join(workers[i].thread, NULL);
        assert_int_equal(workers[i].failures, 0);
    }
}

int main(void)
{
#define RT_TEST(fn) cmocka_unit_test_setup_teardown(fn, rt_setup, rt_teardown)
    const struct CMUnitTest tests[] = {
        RT_TEST(test_valid_descriptor_with_two_ops),
        RT_TEST(test_unknown_op_type_is_param_invalid),
        RT_TEST(test_each_kernel_lib_gives_its_type),
        RT_TEST(test_empty_object_registers_nothing),
        RT_TEST(test_duplicate_key_in_one_object_keeps_last),
        RT_TEST(test_not_json),
        RT_TEST(test_empty),
        RT_TEST(test_truncated_at_every_point),
        RT_TEST(test_top_level_not_an_object),
        RT_TEST(test_entry_and_op_info_shape),
        RT_TEST(test_each_field_missing),
        RT_TEST(test_each_field_of_the_wrong_type),
        RT_TEST(test_field_values),
        RT_TEST(test_op_type_limits),
        RT_TEST(test_nesting_depth),
        RT_TEST(test_oversized),
        RT_TEST(test_load_file_json_mode),
        RT_TEST(test_load_file_so_and_json_mode),
        RT_TEST(test_load_file_errors),
        RT_TEST(test_load_data),
        RT_TEST(test_load_data_errors),
        RT_TEST(test_first_registration_wins),
        RT_TEST(test_register_errors),
        RT_TEST(test_invalid_handles),
        RT_TEST(test_unloaded_handles),
        RT_TEST(test_load_options),
        RT_TEST(test_launch_cfg),
        RT_TEST(test_prepare_launch),
        RT_TEST(test_mutations_never_crash),
        RT_TEST(test_concurrent_use),
    };
    return t_run_group_tests(tests, rt_group_setup, rt_group_teardown);
}
