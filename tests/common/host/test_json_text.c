/* Tests of the JSON writer shared by the CLI, the bench and the examples: which byte strings count
 * as UTF-8, what replaces the bytes that do not, and that a document holding such bytes prints as
 * valid UTF-8 JSON with the exact bytes in "<key>_hex". */
#define _GNU_SOURCE
#include "json_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FFFD "\xef\xbf\xbd"

static void expect_utf8(const char *bytes, const char *want)
{
    char *got = akl_json_text_utf8(bytes, strlen(bytes));
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_true(akl_json_text_is_utf8(got, strlen(got)));
    assert_int_equal(akl_json_text_is_utf8(bytes, strlen(bytes)), strcmp(bytes, want) == 0);
    free(got);
}

static void test_well_formed_text_is_kept(void **state)
{
    (void)state;
    expect_utf8("", "");
    expect_utf8("plain/ascii.so", "plain/ascii.so");
    expect_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_utf8("\xed\x9f\xbf \xf4\x8f\xbf\xbf",
                "\xed\x9f\xbf \xf4\x8f\xbf\xbf"); /* U+D7FF, U+10FFFF */
}

static void test_each_invalid_byte_becomes_one_replacement(void **state)
{
    (void)state;
    expect_utf8("a\xff"
                "b",
                "a" FFFD "b");                            /* never valid */
    expect_utf8("\x80", FFFD);                            /* lone continuation */
    expect_utf8("\xc0\xaf", FFFD FFFD);                   /* overlong '/' */
    expect_utf8("\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong, 3 bytes */
    expect_utf8("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate U+D800 */
    expect_utf8("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
    expect_utf8("\xe2\x82"
                "x",
                FFFD FFFD "x");                                /* truncated sequence */
    expect_utf8("latin1 caf\xe9.so", "latin1 caf" FFFD ".so"); /* a Latin-1 name */
}

/* Prints a document into memory and returns it (caller frees). */
static char *print_document(void (*build)(akl_json_t *))
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    akl_json_t json;
    akl_json_begin(&json, out);
    build(&json);
    assert_int_equal(akl_json_end(&json), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

static void build_mixed(akl_json_t *json)
{
    akl_json_string(json, "path", "/tmp/k\xff\"\n.so");
    akl_json_string(json, "ok_name", "k.so");
    akl_json_array_begin(json, "kernels");
    akl_json_string(json, NULL, "run\xfe");
    akl_json_string(json, NULL, NULL);
    akl_json_array_end(json);
    akl_json_object_begin(json, "numbers");
    akl_json_int(json, "i", -3);
    akl_json_uint(json, "u", UINT64_MAX);
    akl_json_double(json, "d", 0.5);
    akl_json_double(json, "nan", 0.0 / 0.0);
    akl_json_bool(json, "b", true);
    akl_json_object_end(json);
}

static void test_document_is_valid_utf8_json_with_exact_bytes(void **state)
{
    (void)state;
    char *text = print_document(build_mixed);
    assert_string_equal(
        text, "{\"path\":\"/tmp/k" FFFD "\\\"\\n.so\",\"path_hex\":\"2f746d702f6bff220a2e736f\","
              "\"ok_name\":\"k.so\",\"kernels\":[\"run" FFFD "\",null],"
              "\"numbers\":{\"i\":-3,\"u\":18446744073709551615,\"d\":0.5,\"nan\":null,"
              "\"b\":true}}\n");
    assert_true(akl_json_text_is_utf8(text, strlen(text)));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_text_is_kept),
        cmocka_unit_test(test_each_invalid_byte_becomes_one_replacement),
        cmocka_unit_test(test_document_is_valid_utf8_json_with_exact_bytes),
    };
    return cmocka_run_group_tests_name("json_text", tests, NULL, NULL);
}
