/* Unit tests of akl_fingerprint: XXH3-64 with seed 0, checked against xxhash.h itself and against
 * fixed vectors (so a change of hash in either place is caught: the dispatcher must agree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "akl/akl.h"

static void test_fixed_vectors(void **state)
{
    (void)state;
    assert_int_equal(akl_fingerprint("", 0), 0x2d06800538d394c2ULL);
    assert_int_equal(akl_fingerprint("a", 1), 0xe6c632b61e964e1fULL);
    assert_int_equal(akl_fingerprint("abc", 3), 0x78af5f94892f3950ULL);
    const char *text = "akl: zero-deploy AICPU kernel loader";
    assert_int_equal(akl_fingerprint(text, strlen(text)), 0xd4d162c26a9aecaaULL);
    unsigned char pattern[1000];
    for (int i = 0; i < 1000; i++)
        pattern[i] = (unsigned char)(i * 7 + 3);
    assert_int_equal(akl_fingerprint(pattern, sizeof pattern), 0x6c4f14bd97bd9e82ULL);
}

static void test_matches_xxh3_at_every_length_class(void **state)
{
    (void)state;
    /* XXH3 has separate code paths for 0, 1-3, 4-8, 9-16, 17-128, 129-240 and longer inputs. */
    static unsigned char data[70000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    /* From 1024 bytes on, x86-64 CPUs with AVX2 take the AVX2 build (fingerprint_avx2.c): the
     * lengths around that edge and inside and at the end of its 1 KB blocks, aligned or not, must
     * give what this file's own (SSE2) XXH3 gives. */
    const size_t lengths[] = {0,    1,    3,    4,     8,     9,     16,    17,   128,
                              129,  240,  241,  1023,  1024,  1025,  17413, 65536, 70000};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        assert_int_equal(akl_fingerprint(data, lengths[i]), XXH3_64bits(data, lengths[i]));
        if (lengths[i] < sizeof data)
            assert_int_equal(akl_fingerprint(data + 1, lengths[i]), XXH3_64bits(data + 1, lengths[i]));
    }
}

static void test_null_hashes_as_empty(void **state)
{
    (void)state;
    assert_int_equal(akl_fingerprint(NULL, 0), 0x2d06800538d394c2ULL);
    assert_int_equal(akl_fingerprint(NULL, 100), 0x2d06800538d394c2ULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_vectors),
        cmocka_unit_test(test_matches_xxh3_at_every_length_class),
        cmocka_unit_test(test_null_hashes_as_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
