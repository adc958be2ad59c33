/* Unit tests of the process cache with a fake bootstrap (no device): a miss bootstraps, a hit does
 * not, a failure is not cached, a size mismatch under one fingerprint is refused, the keys are
 * (fingerprint, device), unload frees, and a module whose device file is missing is retired. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "akl/akl.h"
#include "cache.h"
#include "errors.h"

typedef struct fake_boot {
    int calls;
    int fail_with; /* 0: succeed */
} fake_boot_t;

static int fake_bootstrap(void *ctx, akl_module_t *module)
{
    fake_boot_t *boot = ctx;
    boot->calls++;
    if (boot->fail_with)
        return ldr_fail(boot->fail_with, "scripted failure number %d", boot->calls);
    module->outcome = AKL_BOOT_WROTE;
    snprintf(module->basename, sizeof module->basename, "fake_%016llx_%d.so",
             (unsigned long long)module->fingerprint, (int)module->device);
    module->basename_length = strlen(module->basename);
    return 0;
}

static akl_cache_stats_t stats_now(void)
{
    akl_cache_stats_t stats;
    akl_cache_stats(&stats);
    return stats;
}

static void test_miss_then_hits(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_cache_stats_t before = stats_now();
    akl_module_t *first = NULL, *again = NULL;
    bool hit = true;
    assert_int_equal(ldr_cache_load(0x1111, 0, 4096, fake_bootstrap, &boot, &first, &hit), 0);
    assert_false(hit);
    assert_int_equal(boot.calls, 1);
    assert_string_equal(first->basename, "fake_0000000000001111_0.so");
    assert_int_equal(first->size, 4096);
    assert_int_equal(first->device, 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ldr_cache_load(0x1111, 0, 4096, fake_bootstrap, &boot, &again, &hit), 0);
        assert_true(hit);
        assert_ptr_equal(again, first);
    }
    assert_int_equal(boot.calls, 1);
    akl_cache_stats_t after = stats_now();
    assert_int_equal(after.loads - before.loads, 1001);
    assert_int_equal(after.hits - before.hits, 1000);
    assert_int_equal(after.bootstraps - before.bootstraps, 1);
    assert_int_equal(after.failures - before.failures, 0);
}

static void test_failure_is_not_cached(void **state)
{
    (void)state;
    fake_boot_t boot = {.fail_with = AKL_EBOOTFAILED};
    akl_cache_stats_t before = stats_now();
    akl_module_t *module = NULL;
    bool hit;
    assert_int_equal(ldr_cache_load(0x2222, 1, 100, fake_bootstrap, &boot, &module, &hit),
                     AKL_EBOOTFAILED);
    assert_string_equal(akl_last_error(), "scripted failure number 1");
    assert_int_equal(ldr_cache_load(0x2222, 1, 100, fake_bootstrap, &boot, &module, &hit),
                     AKL_EBOOTFAILED);
    assert_int_equal(boot.calls, 2);
    boot.fail_with = 0;
    assert_int_equal(ldr_cache_load(0x2222, 1, 100, fake_bootstrap, &boot, &module, &hit), 0);
    assert_false(hit);
    assert_int_equal(boot.calls, 3);
    akl_cache_stats_t after = stats_now();
    assert_int_equal(after.bootstraps - before.bootstraps, 3);
    assert_int_equal(after.failures - before.failures, 2);
    assert_int_equal(after.loads - before.loads, 1);
}

static void test_size_mismatch_is_a_collision(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_module_t *module = NULL, *other = NULL;
    bool hit;
    assert_int_equal(ldr_cache_load(0x3333, 0, 500, fake_bootstrap, &boot, &module, &hit), 0);
    assert_int_equal(ldr_cache_load(0x3333, 0, 501, fake_bootstrap, &boot, &other, &hit),
                     AKL_EFINGERPRINT);
    assert_non_null(strstr(akl_last_error(), "collision"));
    assert_int_equal(boot.calls, 1);
}

static void test_device_is_part_of_the_key(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_module_t *d0 = NULL, *d1 = NULL, *d0_again = NULL;
    bool hit;
    assert_int_equal(ldr_cache_load(0x4444, 0, 64, fake_bootstrap, &boot, &d0, &hit), 0);
    assert_int_equal(ldr_cache_load(0x4444, 1, 64, fake_bootstrap, &boot, &d1, &hit), 0);
    assert_false(hit);
    assert_ptr_not_equal(d0, d1);
    assert_int_equal(boot.calls, 2);
    assert_int_equal(ldr_cache_load(0x4444, 0, 64, fake_bootstrap, &boot, &d0_again, &hit), 0);
    assert_ptr_equal(d0, d0_again);
    assert_int_equal(ldr_cache_waiting(0x4444, 0), 0);
    assert_int_equal(ldr_cache_waiting(0x9999, 0), 0);
}

static void test_many_keys(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_module_t *modules[600];
    bool hit;
    for (int i = 0; i < 600; i++)
        assert_int_equal(ldr_cache_load(0x5000 + (uint64_t)i * 0x100000001ULL, i % 3, 10,
                                        fake_bootstrap, &boot, &modules[i], &hit),
                         0);
    for (int i = 0; i < 600; i++) {
        akl_module_t *again;
        assert_int_equal(ldr_cache_load(0x5000 + (uint64_t)i * 0x100000001ULL, i % 3, 10,
                                        fake_bootstrap, &boot, &again, &hit),
                         0);
        assert_ptr_equal(again, modules[i]);
    }
    assert_int_equal(boot.calls, 600);
}

static void test_unload_then_load_bootstraps_again(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_module_t *module = NULL, *again = NULL;
    bool hit;
    assert_int_equal(ldr_cache_load(0x5555, 0, 64, fake_bootstrap, &boot, &module, &hit), 0);
    assert_int_equal(ldr_cache_unload(module, NULL), 0);
    assert_int_equal(ldr_cache_unload(module, NULL), AKL_EINVAL);
    assert_int_equal(ldr_cache_load(0x5555, 0, 64, fake_bootstrap, &boot, &again, &hit), 0);
    assert_false(hit);
    assert_int_equal(boot.calls, 2);
    assert_int_equal(ldr_cache_unload(again, NULL), 0);
}

/* Which modules a "cannot open the SO" message retires: those it names, on its device only; all
 * of the device's when it names no SO; none when it names only another SO. */
static void test_retire_missing(void **state)
{
    (void)state;
    fake_boot_t boot = {0};
    akl_module_t *a = NULL, *b = NULL, *other_dev = NULL, *now = NULL;
    bool hit;
    assert_int_equal(ldr_cache_load(0x6661, 5, 64, fake_bootstrap, &boot, &a, &hit), 0);
    assert_int_equal(ldr_cache_load(0x6662, 5, 64, fake_bootstrap, &boot, &b, &hit), 0);
    assert_int_equal(ldr_cache_load(0x6661, 6, 64, fake_bootstrap, &boot, &other_dev, &hit), 0);
    char message[256];
    snprintf(message, sizeof message, "kernel 'k' in SO '%s': device errcode 11002", a->basename);
    assert_int_equal(ldr_cache_retire_missing(5, message), 1);
    assert_int_equal(ldr_cache_retire_missing(5, message), 0); /* already retired */
    assert_int_equal(ldr_cache_load(0x6661, 5, 64, fake_bootstrap, &boot, &now, &hit), 0);
    assert_false(hit);
    assert_ptr_not_equal(now, a);
    assert_string_equal(a->basename, "fake_0000000000006661_5.so"); /* still valid */
    assert_int_equal(ldr_cache_load(0x6662, 5, 64, fake_bootstrap, &boot, &now, &hit), 0);
    assert_true(hit);
    assert_int_equal(ldr_cache_retire_missing(5, "cannot open SO 'libother.so'"), 0);
    assert_int_equal(ldr_cache_retire_missing(5, "errcode:11002"), 2);
    assert_int_equal(ldr_cache_load(0x6661, 6, 64, fake_bootstrap, &boot, &now, &hit), 0);
    assert_true(hit); /* another device: untouched */
    assert_ptr_equal(now, other_dev);
    assert_int_equal(ldr_cache_unload(a, NULL), 0); /* a retired handle unloads once */
    assert_int_equal(ldr_cache_unload(a, NULL), AKL_EINVAL);
}

static void test_stats_null_is_harmless(void **state)
{
    (void)state;
    akl_cache_stats(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miss_then_hits),
        cmocka_unit_test(test_failure_is_not_cached),
        cmocka_unit_test(test_size_mismatch_is_a_collision),
        cmocka_unit_test(test_device_is_part_of_the_key),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_stats_null_is_harmless),
        cmocka_unit_test(test_unload_then_load_bootstraps_again),
        cmocka_unit_test(test_retire_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
