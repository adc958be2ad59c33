/* Module lifecycle on the simulator (issue 15): akl_module_unload removes a module from the
 * process cache, so a later load bootstraps again; unloading twice or a handle that was never
 * loaded is AKL_EINVAL; a module whose device file was deleted is republished by the next load
 * (its first failing synchronize retires it). Device 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akl/akl.h"
#include "faultk_abi.h"
#include "test_faults_util.h"
#include "test_support.h"

static const int32_t lc_device = 0;

/* A fresh runtime SO (the fault kernel with random trailing bytes) no other test loads. */
static unsigned char *lc_variant(uint64_t seed, size_t *size)
{
    size_t kernel_size;
    unsigned char *bytes = faultt_read_kernel(FAULTK_SO, 512, &kernel_size);
    if (!bytes)
        abort();
    *size = kernel_size + 512;
    faultt_fill_random(bytes, kernel_size, *size, &seed);
    return bytes;
}

/* faultk_store on 2 blocks writes 10, 11 into device memory: the module launches. */
static void lc_expect_launches(const akl_module_t *module)
{
    uint64_t *out = faultt_device_zalloc(2 * sizeof(uint64_t));
    assert_non_null(out);
    faultk_store_args_t args = {(uint64_t)(uintptr_t)out, 10};
    assert_int_equal(akl_launch(module, "faultk_store", &args, sizeof args, 2, NULL, 0), 0);
    if (akl_stream_sync(NULL, FAULTT_SYNC_MS) != 0)
        fail_msg("faultk_store: %s", akl_last_error());
    uint64_t got[2];
    assert_int_equal(akl_memcpy_from_device(got, out, sizeof got), 0);
    assert_int_equal(got[0], 10);
    assert_int_equal(got[1], 11);
    assert_int_equal(akl_mem_free(out), 0);
}

static void test_unload_then_load_bootstraps_again(void **state)
{
    (void)state;
    size_t size;
    unsigned char *bytes = lc_variant(1501, &size);
    akl_module_t *module = NULL, *same = NULL;
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &module), 0);
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &same), 0);
    assert_ptr_equal(same, module); /* a cache hit: one module per bytes and device */
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    assert_int_equal(akl_module_unload(module), 0);
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &module), 0);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps, before.bootstraps + 1);
    assert_int_equal(after.hits, before.hits);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_IDENTICAL); /* the file stayed on the device */
    lc_expect_launches(module);
    assert_int_equal(akl_module_unload(module), 0);
    free(bytes);
}

static void test_unload_rejects_what_is_not_loaded(void **state)
{
    (void)state;
    size_t size;
    unsigned char *bytes = lc_variant(1502, &size);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_unload(NULL), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "akl_module_unload: module is NULL"));
    /* Never dereferenced: any address that is not a loaded module is refused. */
    assert_int_equal(akl_module_unload((akl_module_t *)bytes), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "is not a loaded module"));
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &module), 0);
    assert_int_equal(akl_module_unload(module), 0);
    assert_int_equal(akl_module_unload(module), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "already unloaded"));
    free(bytes);
}

/* The published file deleted in the simulator's root (found through akl_module_info): the launch
 * fails with 11002 at the synchronize, the next load publishes again, and launches work. */
static void test_deleted_device_file_is_republished(void **state)
{
    (void)state;
    size_t size;
    unsigned char *bytes = lc_variant(1503, &size);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &module), 0);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_non_null(strstr(info.device_path, t_sim_root()));
    assert_int_equal(unlink(info.device_path), 0);
    faultk_return_args_t args = {0, 0};
    assert_int_equal(akl_launch(module, "faultk_return", &args, sizeof args, 1, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 507018);
    assert_non_null(strstr(akl_last_error(), "device errcode 11002"));
    akl_module_t *again = NULL;
    assert_int_equal(akl_module_load_data(lc_device, bytes, size, NULL, &again), 0);
    assert_int_equal(akl_module_info(again, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_WROTE);
    assert_true(faultt_file_equals(info.device_path, bytes, size));
    lc_expect_launches(again);
    assert_int_equal(akl_module_unload(again), 0);
    assert_int_equal(akl_module_unload(module), 0);
    free(bytes);
}

static int lc_setup(void **state)
{
    (void)state;
    return akl_device_open(lc_device);
}

static int lc_teardown(void **state)
{
    (void)state;
    int rc = akl_device_close(lc_device);
    bool clean = t_wait_until(faultt_no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return rc == 0 && clean ? 0 : -1;
}

int main(void)
{
    setenv("AKL_RUNTIME", "sim", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unload_then_load_bootstraps_again),
        cmocka_unit_test(test_unload_rejects_what_is_not_loaded),
        cmocka_unit_test(test_deleted_device_file_is_republished),
    };
    return t_run_group_tests(tests, lc_setup, lc_teardown);
}
