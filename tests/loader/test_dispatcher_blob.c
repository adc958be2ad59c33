/* Unit tests of the dispatcher bytes a bootstrap uploads: the copies embedded in libakl are
 * byte-identical to the build's akl_dispatcher.so (and its aarch64 build), chosen by the device's
 * machine, and $AKL_DISPATCHER overrides them (an unreadable or empty override, or one built for
 * another machine, is an error naming it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/stat.h>

#include "akl/akl.h"
#include "dispatcher_blob.h"
#include "test_support.h"

static uint16_t t_host_machine(void)
{
#if defined(__aarch64__)
    return EM_AARCH64;
#else
    return EM_X86_64;
#endif
}

/* What get gives for machine is the embedded copy (not owned), byte for byte the file built at
 * built_path. */
static void tdb_expect_embedded(int (*get)(uint16_t, ldr_dispatcher_bytes_t *), uint16_t machine,
                                const char *built_path)
{
    size_t size;
    void *built = t_read_file(built_path, &size);
    assert_non_null(built);
    ldr_dispatcher_bytes_t bytes;
    assert_int_equal(get(machine, &bytes), 0);
    assert_false(bytes.owned);
    assert_int_equal(bytes.size, size);
    assert_memory_equal(bytes.data, built, size);
    ldr_dispatcher_release(&bytes);
    free(built);
}

static void test_embedded_copy_is_the_built_dispatcher(void **state)
{
    (void)state;
    unsetenv("AKL_DISPATCHER");
    tdb_expect_embedded(ldr_dispatcher_get, t_host_machine(),
                        AKL_BUILD_DIR "/lib/akl/akl_dispatcher.so");
    ldr_dispatcher_bytes_t bytes;
    assert_int_equal(ldr_dispatcher_get(t_host_machine(), &bytes), 0);
    assert_string_equal(bytes.origin, "embedded");
    assert_int_equal((uintptr_t)bytes.data % 64, 0);
    ldr_dispatcher_release(&bytes);
}

/* The aarch64 build (cmake/aarch64.cmake) is embedded too, and chosen for an aarch64 device. */
static void test_embedded_aarch64_copy(void **state)
{
    (void)state;
#ifdef AKL_TEST_AARCH64_DISPATCHER
    unsetenv("AKL_DISPATCHER");
    tdb_expect_embedded(ldr_dispatcher_get, EM_AARCH64, AKL_TEST_AARCH64_DISPATCHER);
#else
    skip();
#endif
}

/* No embedded build for the device's machine, and an override built for another machine. */
static void test_no_dispatcher_for_the_device_machine(void **state)
{
    (void)state;
    unsetenv("AKL_DISPATCHER");
    ldr_dispatcher_bytes_t bytes;
    assert_int_equal(ldr_dispatcher_get(EM_RISCV, &bytes), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "without an embedded dispatcher for RISC-V"));
    char path[4096];
    setenv("AKL_DISPATCHER", t_kernel_path("libldrk_other.so", path, sizeof path), 1);
    assert_int_equal(ldr_dispatcher_get(EM_RISCV, &bytes), AKL_EMACHINE);
    assert_non_null(strstr(akl_last_error(), path));
    assert_non_null(strstr(akl_last_error(), "but the device runs RISC-V"));
    setenv("AKL_DISPATCHER", AKL_SOURCE_DIR "/README.md", 1);
    assert_int_equal(ldr_dispatcher_get(t_host_machine(), &bytes), AKL_ENOTELF);
    unsetenv("AKL_DISPATCHER");
}

/* The collector (akl gc) is embedded and chosen the same way, for the host's machine and for
 * aarch64, and $AKL_COLLECTOR overrides it with the same checks, naming the collector. */
static void test_collector_embedded_and_overridden(void **state)
{
    (void)state;
    unsetenv("AKL_COLLECTOR");
    tdb_expect_embedded(ldr_collector_get, t_host_machine(),
                        AKL_BUILD_DIR "/lib/akl/akl_collector.so");
#ifdef AKL_TEST_AARCH64_COLLECTOR
    tdb_expect_embedded(ldr_collector_get, EM_AARCH64, AKL_TEST_AARCH64_COLLECTOR);
#endif
    ldr_dispatcher_bytes_t bytes;
    assert_int_equal(ldr_collector_get(EM_RISCV, &bytes), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "without an embedded collector for RISC-V"));
    assert_non_null(strstr(akl_last_error(), "$AKL_COLLECTOR"));
    char path[4096];
    setenv("AKL_COLLECTOR", t_kernel_path("libldrk_other.so", path, sizeof path), 1);
    assert_int_equal(ldr_collector_get(EM_RISCV, &bytes), AKL_EMACHINE);
    assert_non_null(strstr(akl_last_error(), "$AKL_COLLECTOR="));
    assert_non_null(strstr(akl_last_error(), path));
    assert_int_equal(ldr_collector_get(t_host_machine(), &bytes), 0);
    assert_true(bytes.owned);
    assert_string_equal(bytes.origin, path);
    ldr_dispatcher_release(&bytes);
    unsetenv("AKL_COLLECTOR");
}

static void test_override(void **state)
{
    (void)state;
    char path[4096];
    t_kernel_path("libldrk_other.so", path, sizeof path);
    setenv("AKL_DISPATCHER", path, 1);
    size_t size;
    void *expected = t_read_file(path, &size);
    ldr_dispatcher_bytes_t bytes;
    assert_int_equal(ldr_dispatcher_get(t_host_machine(), &bytes), 0);
    assert_true(bytes.owned);
    assert_string_equal(bytes.origin, path);
    assert_int_equal(bytes.size, size);
    assert_memory_equal(bytes.data, expected, size);
    ldr_dispatcher_release(&bytes);
    assert_null(bytes.data);
    free(expected);
}

static void test_bad_overrides(void **state)
{
    (void)state;
    ldr_dispatcher_bytes_t bytes;
    setenv("AKL_DISPATCHER", "/nonexistent/dispatcher.so", 1);
    assert_int_equal(ldr_dispatcher_get(t_host_machine(), &bytes), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "$AKL_DISPATCHER"));
    assert_non_null(strstr(akl_last_error(), "/nonexistent/dispatcher.so"));
    char dir[4096], empty[4200];
    snprintf(dir, sizeof dir, "%s", t_sim_root());
    assert_int_equal(t_make_dirs(dir), 0);
    snprintf(empty, sizeof empty, "%s/empty.so", dir);
    assert_int_equal(t_write_file(empty, "", 0), 0);
    setenv("AKL_DISPATCHER", empty, 1);
    assert_int_equal(ldr_dispatcher_get(t_host_machine(), &bytes), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "empty"));
    unsetenv("AKL_DISPATCHER");
    t_rmtree(t_sim_root());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_copy_is_the_built_dispatcher),
        cmocka_unit_test(test_embedded_aarch64_copy),
        cmocka_unit_test(test_no_dispatcher_for_the_device_machine),
        cmocka_unit_test(test_override),
        cmocka_unit_test(test_collector_embedded_and_overridden),
        cmocka_unit_test(test_bad_overrides),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
