/* Unit tests of libakl's bootstrap, launch, validation entry points and pass-throughs against the
 * fake runtime (tests/kernels/ldrk_fake_runtime.c), which checks the bootstrap bytes independently
 * and answers as scripted: every acknowledgement the dispatcher can give, a skipped bootstrap, a
 * failed or timed-out synchronize, a failed launch; and the exact launch blob. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "test_support.h"

typedef struct fake {
    void *handle;
    void (*set)(const char *key, long value);
    long (*get)(const char *key);
    const void *(*last_blob)(size_t *size);
    unsigned char *so; /* libldrk_basic.so */
    size_t so_size;
    char so_path[4096];
} fake_t;

static fake_t fake;

/* Distinct bytes per test (the validator ignores bytes after the section headers), so every test
 * bootstraps afresh instead of hitting the process cache. */
static unsigned char *variant(size_t extra, size_t *size)
{
    *size = fake.so_size + extra;
    unsigned char *bytes = calloc(1, *size);
    memcpy(bytes, fake.so, fake.so_size);
    return bytes;
}

static int reset_fake(void **state)
{
    (void)state;
    fake.set("ack_mode", 1);
    fake.set("sync_rc", 0);
    fake.set("launch_rc", 0);
    fake.set("d2h_rc", 0);
    fake.set("protocol_ok", 0);
    unsetenv("AKL_DISPATCHER");
    unsetenv("AKL_MAX_SO_SIZE");
    unsetenv("AKL_PREFIX");
    unsetenv("AKL_ROUTE");
    /* No bound after a publish: these tests count the fake device's launches and bootstraps, and
     * the bound would add the collector's (tests/loader/test_device_gc.c covers it). */
    setenv("AKL_DEVICE_CACHE_MAX", "0", 1);
    return akl_device_open(0);
}

static int load_variant(size_t extra, akl_module_t **module)
{
    size_t size;
    unsigned char *bytes = variant(extra, &size);
    int rc = akl_module_load_data(0, bytes, size, NULL, module);
    free(bytes);
    return rc;
}

static void test_device_must_be_set_in_the_thread(void **state)
{
    (void)state;
    assert_int_equal(akl_device_close(0), 0);
    akl_module_t *module = (akl_module_t *)1;
    assert_int_equal(load_variant(1, &module), AKL_EDEVICE);
    assert_null(module);
    assert_non_null(strstr(akl_last_error(), "device 0 is not set in this thread; call "
                                             "akl_device_open(0)"));
    assert_int_equal(akl_device_open(1), 0);
    assert_int_equal(load_variant(1, &module), AKL_EDEVICE);
    assert_non_null(strstr(akl_last_error(), "current device is 1"));
    assert_int_equal(fake.get("kfc_launches"), 0);
}

static void test_bootstrap_wrote_then_hits(void **state)
{
    (void)state;
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    long launches = fake.get("kfc_launches");
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, fake.so_path, NULL, &module), 0);
    assert_int_equal(fake.get("protocol_ok"), 1);
    assert_int_equal(fake.get("fixups"), 0);
    assert_int_equal(fake.get("kernel_type"), 5);
    assert_int_equal(fake.get("blocks"), 1);
    assert_int_equal(fake.get("allocs"), 0);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_WROTE);
    assert_int_equal(info.device, 0);
    assert_int_equal(info.size, fake.so_size);
    assert_int_equal(info.fingerprint, akl_fingerprint(fake.so, fake.so_size));
    char name[128], path[256];
    assert_int_equal(akl_basename(NULL, info.fingerprint, 0, name, sizeof name), 0);
    assert_string_equal(info.basename, name);
    snprintf(path, sizeof path, "/fake/preinstall/%s", name);
    assert_string_equal(info.device_path, path);
    assert_true(info.bootstrap_seconds > 0);
    for (int i = 0; i < 100; i++) {
        akl_module_t *again;
        assert_int_equal(akl_module_load_file(0, fake.so_path, NULL, &again), 0);
        assert_ptr_equal(again, module);
    }
    assert_int_equal(fake.get("kfc_launches"), launches + 1);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps - before.bootstraps, 1);
    assert_int_equal(after.hits - before.hits, 100);
}

static void test_identical_and_replaced(void **state)
{
    (void)state;
    akl_module_t *module;
    akl_module_info_t info;
    fake.set("ack_mode", 2);
    assert_int_equal(load_variant(2, &module), 0);
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_IDENTICAL);
    fake.set("ack_mode", 3);
    assert_int_equal(load_variant(3, &module), 0);
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_REPLACED);
    assert_int_equal(fake.get("allocs"), 0);
}

static void test_skipped_bootstrap(void **state)
{
    (void)state;
    akl_module_t *module;
    /* akl's dispatcher answered on device 0 first: the latch is the explanation. */
    assert_int_equal(load_variant(30, &module), 0);
    fake.set("ack_mode", 0);
    assert_int_equal(load_variant(4, &module), AKL_EBOOTSKIPPED);
    assert_int_equal(fake.get("protocol_ok"), 1);
    const char *message = akl_last_error();
    assert_non_null(strstr(message, "libaicpu_extend_kernels.so"));
    assert_non_null(strstr(message, "akl's dispatcher answered an earlier bootstrap on this "
                                    "device in this process"));
    assert_non_null(strstr(message, "latch"));
    assert_non_null(strstr(message, "device 0"));
    assert_non_null(strstr(message, "akl_device_close"));
    assert_int_equal(fake.get("allocs"), 0);
    /* Not cached: once the device cooperates, the same bytes load. */
    fake.set("ack_mode", 1);
    assert_int_equal(load_variant(4, &module), 0);
}

static int load_variant_on(int32_t device, size_t extra, akl_module_t **module)
{
    size_t size;
    unsigned char *bytes = variant(extra, &size);
    int rc = akl_module_load_data(device, bytes, size, NULL, module);
    free(bytes);
    return rc;
}

/* On device 1 nothing has been acknowledged yet in this process, so a missing acknowledgement
 * cannot be the latch holding akl's own dispatcher: the message blames $AKL_DISPATCHER when it is
 * set, else a foreign dispatcher latched first, and says that a reset does not help there. */
static void test_skipped_first_bootstrap_says_which_dispatcher(void **state)
{
    (void)state;
    akl_module_t *module;
    assert_int_equal(akl_device_open(1), 0);
    fake.set("ack_mode", 0);
    char other[4096];
    t_kernel_path("libldrk_other.so", other, sizeof other);
    setenv("AKL_DISPATCHER", other, 1);
    assert_int_equal(load_variant_on(1, 20, &module), AKL_EBOOTSKIPPED);
    const char *message = akl_last_error();
    assert_non_null(strstr(message, "device 1"));
    assert_non_null(strstr(message, "libakl's first on this device in this process"));
    assert_non_null(strstr(message, "$AKL_DISPATCHER="));
    assert_non_null(strstr(message, other));
    assert_non_null(strstr(message, "Unset AKL_DISPATCHER"));
    assert_null(strstr(message, "akl's dispatcher answered"));

    unsetenv("AKL_DISPATCHER");
    assert_int_equal(load_variant_on(1, 21, &module), AKL_EBOOTSKIPPED);
    message = akl_last_error();
    assert_non_null(strstr(message, "libakl's first on this device in this process"));
    assert_non_null(strstr(message, "already holds a dispatcher that is not akl's"));
    assert_non_null(strstr(message, "another user of DynTileFwkKernelServerInit"));
    assert_non_null(strstr(message, "Resetting the device does not help"));
    assert_null(strstr(message, "AKL_DISPATCHER="));

    /* Once akl's dispatcher has answered on device 1, a skip there is the latch again. */
    fake.set("ack_mode", 1);
    assert_int_equal(load_variant_on(1, 22, &module), 0);
    fake.set("ack_mode", 0);
    assert_int_equal(load_variant_on(1, 23, &module), AKL_EBOOTSKIPPED);
    assert_non_null(strstr(akl_last_error(), "akl's dispatcher answered an earlier bootstrap"));
    assert_int_equal(akl_device_close(1), 0);
}

static void test_dispatcher_failures(void **state)
{
    (void)state;
    akl_module_t *module;
    /* EACCES creating the file: no usable preinstall directory (auto would take the custom
     * route, which this fake runtime lacks, so the extend route's cause is what is reported). */
    fake.set("ack_mode", 4);
    assert_int_equal(load_variant(5, &module), AKL_ENOPREINSTALL);
    assert_non_null(strstr(akl_last_error(), "stage create"));
    assert_non_null(strstr(akl_last_error(), "Permission denied"));
    assert_non_null(strstr(akl_last_error(), "/fake/preinstall/akl_inner_"));
    fake.set("ack_mode", 5);
    assert_int_equal(load_variant(5, &module), AKL_EFINGERPRINT);
    assert_non_null(strstr(akl_last_error(), "stage fingerprint"));
    fake.set("ack_mode", 6);
    assert_int_equal(load_variant(5, &module), AKL_EFINGERPRINT);
    assert_non_null(strstr(akl_last_error(), "the device computed fingerprint"));
    /* A full disk is a real error: reported as it is, the custom route not even tried. */
    fake.set("ack_mode", 8);
    assert_int_equal(load_variant(5, &module), AKL_EBOOTFAILED);
    assert_non_null(strstr(akl_last_error(), "No space left on device"));
    assert_null(strstr(akl_last_error(), "no route works"));
    fake.set("ack_mode", 7);
    assert_int_equal(load_variant(5, &module), AKL_EVERSION);
    assert_non_null(strstr(akl_last_error(), "protocol version 9"));
    /* An ack that says FAILED explains a failed synchronize better than the code does. */
    fake.set("ack_mode", 4);
    fake.set("sync_rc", 507018);
    assert_int_equal(load_variant(5, &module), AKL_ENOPREINSTALL);
    assert_int_equal(fake.get("allocs"), 0);
}

static void test_synchronize_failures(void **state)
{
    (void)state;
    akl_module_t *module;
    fake.set("ack_mode", 0);
    fake.set("sync_rc", 507018);
    assert_int_equal(load_variant(6, &module), 507018);
    assert_non_null(strstr(akl_last_error(), "ACL_ERROR_RT_AICPU_EXCEPTION"));
    assert_non_null(strstr(akl_last_error(), "fake device: errcode 11002"));
    assert_int_equal(fake.get("allocs"), 0);
    /* Published, but the stream failed anyway: the code is reported. */
    fake.set("ack_mode", 1);
    assert_int_equal(load_variant(6, &module), 507018);
    assert_non_null(strstr(akl_last_error(), "published"));
    assert_int_equal(fake.get("allocs"), 0);
}

/* The bootstrap ran, but its acknowledgement cannot be read back: say that, not that it failed. */
static void test_unreadable_acknowledgement(void **state)
{
    (void)state;
    akl_module_t *module;
    fake.set("d2h_rc", 507899);
    assert_int_equal(load_variant(13, &module), 507899);
    assert_non_null(strstr(akl_last_error(), "reading its acknowledgement record back"));
    assert_non_null(strstr(akl_last_error(), "ACL_ERROR_RT_DRV_INTERNAL_ERROR"));
    assert_int_equal(fake.get("protocol_ok"), 1);
    assert_int_equal(fake.get("allocs"), 0);
}

static void test_synchronize_timeout_leaves_memory_to_the_device(void **state)
{
    (void)state;
    akl_module_t *module;
    long bytes_before = fake.get("alloc_bytes");
    fake.set("sync_rc", 507046);
    akl_load_options_t opts = {.size = sizeof opts, .timeout_ms = 5};
    size_t size;
    unsigned char *bytes = variant(7, &size);
    assert_int_equal(akl_module_load_data(0, bytes, size, &opts, &module), 507046);
    free(bytes);
    assert_non_null(strstr(akl_last_error(), "within 5 ms"));
    assert_non_null(strstr(akl_last_error(), "deliberately not freed"));
    assert_int_equal(fake.get("allocs"), 1);
    assert_true(fake.get("alloc_bytes") > bytes_before + (long)size);
}

/* A bootstrap that fails its device is what the next call names, not the thread's last kernel. */
static void test_first_failure_in_a_bootstrap(void **state)
{
    (void)state;
    /* A reset forgets what earlier tests did to device 0. */
    assert_int_equal(akl_device_close(0), 0);
    assert_int_equal(akl_device_open(0), 0);
    akl_module_t *module;
    assert_int_equal(load_variant(21, &module), 0);
    assert_int_equal(akl_launch(module, "ldrk_empty", NULL, 0, 1, NULL, 0), 0);
    fake.set("ack_mode", 0);
    fake.set("sync_rc", 507018);
    size_t size;
    unsigned char *bytes = variant(22, &size);
    char basename[128];
    assert_int_equal(akl_basename(NULL, akl_fingerprint(bytes, size), 0, basename, sizeof basename),
                     0);
    assert_int_equal(akl_module_load_data(0, bytes, size, NULL, &module), 507018);
    free(bytes);
    fake.set("sync_rc", 507899);
    assert_int_equal(akl_stream_sync(NULL, -1), 507899);
    char want[256];
    snprintf(want, sizeof want,
             "the first failure was ACL_ERROR_RT_AICPU_EXCEPTION (507018) in the bootstrap (load) "
             "of SO %s",
             basename);
    if (!strstr(akl_last_error(), want) || strstr(akl_last_error(), "ldrk_empty"))
        fail_msg("want \"%s\" and no ldrk_empty in: %s", want, akl_last_error());
    assert_int_equal(akl_device_close(0), 0);
    assert_int_equal(akl_device_open(0), 0);
    assert_int_equal(akl_stream_sync(NULL, -1), 507899);
    assert_null(strstr(akl_last_error(), "had already failed"));
}

static void test_failed_launch(void **state)
{
    (void)state;
    akl_module_t *module;
    long allocs = fake.get("allocs");
    /* A device without KFC support cannot run the extend route at all: a diagnosed cause. */
    fake.set("launch_rc", 207000);
    assert_int_equal(load_variant(8, &module), AKL_ENOEXTEND);
    assert_non_null(strstr(akl_last_error(), "KFC"));
    assert_non_null(strstr(akl_last_error(), "ACL_ERROR_RT_FEATURE_NOT_SUPPORT"));
    assert_int_equal(fake.get("allocs"), allocs);
}

static void test_dispatcher_override(void **state)
{
    (void)state;
    akl_module_t *module;
    setenv("AKL_DISPATCHER", "/nonexistent/akl_dispatcher.so", 1);
    assert_int_equal(load_variant(9, &module), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "$AKL_DISPATCHER"));
    assert_non_null(strstr(akl_last_error(), "/nonexistent/akl_dispatcher.so"));
    char other[4096];
    setenv("AKL_DISPATCHER", t_kernel_path("libldrk_other.so", other, sizeof other), 1);
    assert_int_equal(load_variant(9, &module), 0);
    assert_int_equal(fake.get("protocol_ok"), 1);
}

static akl_module_t *basic_module(void)
{
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, fake.so_path, NULL, &module), 0);
    return module;
}

static void test_launch_blob(void **state)
{
    (void)state;
    akl_module_t *module = basic_module();
    akl_module_info_t info;
    akl_module_info(module, &info);
    uint64_t payload[2] = {0x1122334455667788ULL, 42};
    assert_int_equal(akl_launch(module, "ldrk_store", payload, sizeof payload, 3, NULL, 0), 0);
    assert_int_equal(fake.get("kernel_type"), 2);
    assert_int_equal(fake.get("blocks"), 3);
    assert_int_equal(fake.get("flags"), 0);
    assert_int_equal(fake.get("timeout"), 0);
    assert_int_equal(fake.get("fixups"), 0);
    assert_int_equal(fake.get("kernel_off"), 16);
    assert_int_equal(fake.get("so_off"), 16 + strlen("ldrk_store") + 1);
    size_t size;
    const char *blob = fake.last_blob(&size);
    assert_int_equal(size, 16 + strlen("ldrk_store") + 1 + strlen(info.basename) + 1);
    assert_memory_equal(blob, payload, sizeof payload);
    assert_string_equal(blob + 16, "ldrk_store");
    assert_string_equal(blob + fake.get("so_off"), info.basename);
}

static void test_launch_empty_payload_and_timeouts(void **state)
{
    (void)state;
    akl_module_t *module = basic_module();
    assert_int_equal(akl_launch(module, "ldrk_empty", NULL, 0, 1, NULL, 5), 0);
    assert_int_equal(fake.get("kernel_off"), 8);
    assert_int_equal(fake.get("flags"), 0x100);
    assert_int_equal(fake.get("timeout"), 5);
    size_t size;
    const unsigned char *blob = fake.last_blob(&size);
    static const unsigned char zeros[8];
    assert_memory_equal(blob, zeros, 8);
    assert_string_equal((const char *)blob + 8, "ldrk_empty");
    assert_int_equal(akl_launch(module, "ldrk_empty", NULL, 0, 65535, NULL, 100000), 0);
    assert_int_equal(fake.get("timeout"), 0xFFFE);
    assert_int_equal(fake.get("blocks"), 65535);
}

static void test_launch_big_payload(void **state)
{
    (void)state;
    akl_module_t *module = basic_module();
    size_t big = 100000;
    unsigned char *payload = malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (unsigned char)(i * 13);
    assert_int_equal(akl_launch(module, "ldrk_store", payload, big, 2, NULL, 0), 0);
    size_t size;
    const unsigned char *blob = fake.last_blob(&size);
    assert_memory_equal(blob, payload, big);
    assert_string_equal((const char *)blob + big, "ldrk_store");
    free(payload);
}

static void test_launch_rejects_bad_arguments(void **state)
{
    (void)state;
    akl_module_t *module = basic_module();
    long launches = fake.get("aicpu_launches");
    char small[16] = {0};
    assert_int_equal(akl_launch(NULL, "k", small, 8, 1, NULL, 0), AKL_EINVAL);
    assert_int_equal(akl_launch(module, NULL, small, 8, 1, NULL, 0), AKL_EINVAL);
    assert_int_equal(akl_launch(module, "", small, 8, 1, NULL, 0), AKL_ENAME);
    assert_int_equal(akl_launch(module, "bad-name", small, 8, 1, NULL, 0), AKL_ENAME);
    assert_int_equal(akl_launch(module, "k", small, 8, 0, NULL, 0), AKL_EINVAL);
    assert_int_equal(akl_launch(module, "k", small, 8, 65536, NULL, 0), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "65536 blocks"));
    assert_int_equal(akl_launch(module, "k", small, (64u << 20) + 1, 1, NULL, 0), AKL_E2BIG);
    assert_int_equal(akl_launch(module, "k", NULL, 4, 1, NULL, 0), AKL_EINVAL);
    char long_name[AKL_KERNEL_NAME_MAX + 2];
    memset(long_name, 'k', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    assert_int_equal(akl_launch(module, long_name, small, 8, 1, NULL, 0), AKL_ENAME);
    assert_int_equal(fake.get("aicpu_launches"), launches);
    fake.set("launch_rc", 107000);
    assert_int_equal(akl_launch(module, "ldrk_store", small, 16, 1, NULL, 0), 107000);
    assert_non_null(strstr(akl_last_error(), "ldrk_store"));
    assert_non_null(strstr(akl_last_error(), "ACL_ERROR_RT_PARAM_INVALID"));
}

/* A module runs only where its device is the thread's current one: a launch, or a load answered by
 * the process cache, from a thread with another device current is refused and sends nothing. */
static void test_module_used_from_another_current_device(void **state)
{
    (void)state;
    akl_module_t *module = basic_module();
    long launches = fake.get("aicpu_launches");
    assert_int_equal(akl_device_open(1), 0);
    uint64_t payload[2] = {0, 0};
    assert_int_equal(akl_launch(module, "ldrk_store", payload, sizeof payload, 1, NULL, 0),
                     AKL_EDEVICE);
    assert_non_null(strstr(akl_last_error(), "ldrk_store"));
    assert_non_null(strstr(akl_last_error(), "device 0 is not set in this thread"));
    assert_non_null(strstr(akl_last_error(), "current device is 1"));
    assert_int_equal(fake.get("aicpu_launches"), launches);
    akl_module_t *again = NULL;
    assert_int_equal(akl_module_load_file(0, fake.so_path, NULL, &again), AKL_EDEVICE);
    assert_null(again);
    assert_int_equal(akl_device_close(1), 0);
    assert_int_equal(akl_launch(module, "ldrk_store", payload, sizeof payload, 1, NULL, 0),
                     AKL_EDEVICE);
    assert_non_null(strstr(akl_last_error(), "aclrtGetDevice returned 107002"));
    assert_int_equal(fake.get("aicpu_launches"), launches);
    assert_int_equal(akl_device_open(0), 0);
    assert_int_equal(akl_launch(module, "ldrk_store", payload, sizeof payload, 1, NULL, 0), 0);
}

/* A kernel the module does not export is refused by akl_launch, before anything is sent, with
 * the nearest exported names, and for a C++ function of that name the advice to declare it
 * extern "C". */
static void test_launch_of_a_kernel_not_exported(void **state)
{
    (void)state;
    char other[4096];
    t_kernel_path("libldrk_other.so", other, sizeof other);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, other, NULL, &module), 0);
    long launches = fake.get("aicpu_launches");
    uint64_t payload[1] = {0};
    assert_int_equal(akl_launch(module, "ldrk_other_marc", payload, sizeof payload, 1, NULL, 0),
                     AKL_ENOSYM);
    const char *message = akl_last_error();
    assert_non_null(strstr(message, "launching ldrk_other_marc of akl_inner_"));
    assert_non_null(strstr(message, other));
    assert_non_null(strstr(message, "the SO does not export \"ldrk_other_marc\""));
    assert_non_null(strstr(message, "nearest exported names: \"ldrk_other_mark\""));
    assert_null(strstr(message, "extern"));

    assert_int_equal(akl_launch(module, "ldrk_cxx_kernel", payload, sizeof payload, 1, NULL, 0),
                     AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "it exports \"_Z15ldrk_cxx_kernelPv\", a C++ "
                                             "function named ldrk_cxx_kernel: declare it "
                                             "extern \"C\""));
    assert_int_equal(akl_launch(module, "nested_kernel", payload, sizeof payload, 1, NULL, 0),
                     AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "\"_ZN4ldrk13nested_kernelEPv\", a C++ function"));
    assert_int_equal(fake.get("aicpu_launches"), launches);

    /* Exported kernels still launch, and so does the mangled name itself. */
    assert_int_equal(akl_launch(module, "ldrk_other_mark", payload, sizeof payload, 1, NULL, 0), 0);
    assert_int_equal(fake.get("aicpu_launches"), launches + 1);
    /* The same module from the process cache knows its exports too. */
    akl_module_t *again = NULL;
    assert_int_equal(akl_module_load_file(0, other, NULL, &again), 0);
    assert_ptr_equal(again, module);
    assert_int_equal(akl_launch(again, "ldrk_other_marc", payload, sizeof payload, 1, NULL, 0),
                     AKL_ENOSYM);
}

static void test_load_rejects_bad_arguments(void **state)
{
    (void)state;
    akl_module_t *module;
    long launches = fake.get("kfc_launches");
    assert_int_equal(akl_module_load_file(0, fake.so_path, NULL, NULL), AKL_EINVAL);
    assert_int_equal(akl_module_load_file(-1, fake.so_path, NULL, &module), AKL_EDEVICE);
    assert_int_equal(akl_module_load_file(0, NULL, NULL, &module), AKL_EINVAL);
    assert_int_equal(akl_module_load_file(0, "/nonexistent.so", NULL, &module), AKL_EIO);
    assert_int_equal(akl_module_load_data(0, NULL, 10, NULL, &module), AKL_EINVAL);
    assert_int_equal(akl_module_load_data(0, "garbage", 7, NULL, &module), AKL_ENOTELF);
    akl_load_options_t opts = {.size = 0};
    assert_int_equal(akl_module_load_file(0, fake.so_path, &opts, &module), AKL_EINVAL);
    opts = (akl_load_options_t){.size = sizeof opts, .timeout_ms = -2};
    assert_int_equal(akl_module_load_file(0, fake.so_path, &opts, &module), AKL_EINVAL);
    opts = (akl_load_options_t){.size = sizeof opts, .prefix = "bad/prefix"};
    assert_int_equal(akl_module_load_file(0, fake.so_path, &opts, &module), AKL_ENAME);
    const char *kernels[] = {"ldrk_store", "absent_kernel", NULL};
    opts = (akl_load_options_t){.size = sizeof opts, .kernels = kernels};
    assert_int_equal(akl_module_load_file(0, fake.so_path, &opts, &module), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "absent_kernel"));
    assert_non_null(strstr(akl_last_error(), fake.so_path));
    opts = (akl_load_options_t){.size = sizeof opts, .max_size = 100};
    assert_int_equal(akl_module_load_file(0, fake.so_path, &opts, &module), AKL_ETOOBIG);
    assert_int_equal(fake.get("kfc_launches"), launches);
    assert_int_equal(akl_module_info(NULL, NULL), AKL_EINVAL);
}

static void test_options_prefix_and_struct_sizes(void **state)
{
    (void)state;
    akl_module_t *module;
    akl_module_info_t info;
    size_t size;
    unsigned char *bytes = variant(10, &size);
    akl_load_options_t opts = {.size = sizeof opts, .prefix = "mine_"};
    assert_int_equal(akl_module_load_data(0, bytes, size, &opts, &module), 0);
    akl_module_info(module, &info);
    assert_int_equal(strncmp(info.basename, "mine_", 5), 0);
    free(bytes);
    /* A size below the struct's first version is refused, before any device work. */
    bytes = variant(11, &size);
    long launches = fake.get("kfc_launches");
    opts = (akl_load_options_t){
        .size = offsetof(akl_load_options_t, stream), .prefix = "old_", .max_size = 1};
    module = NULL;
    assert_int_equal(akl_module_load_data(0, bytes, size, &opts, &module), AKL_EINVAL);
    assert_null(module);
    assert_non_null(strstr(akl_last_error(), "opts->size 16 is smaller than the struct's first "
                                             "version (48 bytes)"));
    opts.size = AKL_LOAD_OPTIONS_SIZE_V1 - 1;
    assert_int_equal(akl_check_data(bytes, size, &opts), AKL_EINVAL);
    assert_int_equal(fake.get("kfc_launches"), launches);
    /* The first version's size, and a later, larger struct's, are accepted. */
    opts.size = AKL_LOAD_OPTIONS_SIZE_V1;
    opts.max_size = 0;
    assert_int_equal(akl_module_load_data(0, bytes, size, &opts, &module), 0);
    akl_module_info(module, &info);
    assert_int_equal(strncmp(info.basename, "old_", 4), 0);
    struct {
        akl_load_options_t v1;
        uint64_t later_field;
    } grown = {.v1 = {.size = sizeof grown, .prefix = "new_"}, .later_field = 7};
    assert_int_equal(akl_check_data(bytes, size, &grown.v1), 0);
    free(bytes);
    setenv("AKL_PREFIX", "env_", 1);
    bytes = variant(12, &size);
    assert_int_equal(akl_module_load_data(0, bytes, size, NULL, &module), 0);
    akl_module_info(module, &info);
    assert_int_equal(strncmp(info.basename, "env_", 4), 0);
    free(bytes);
}

static void test_check_entry_points(void **state)
{
    (void)state;
    long launches = fake.get("kfc_launches");
    assert_int_equal(akl_check_file(fake.so_path, NULL), 0);
    assert_int_equal(akl_check_data(fake.so, fake.so_size, NULL), 0);
    assert_int_equal(akl_check_data("nope", 4, NULL), AKL_ENOTELF);
    assert_int_equal(akl_check_file("/nonexistent.so", NULL), AKL_EIO);
    const char *kernels[] = {"ldrk_version", "missing_one", NULL};
    akl_load_options_t opts = {.size = sizeof opts, .kernels = kernels};
    assert_int_equal(akl_check_file(fake.so_path, &opts), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "missing_one"));
    setenv("AKL_MAX_SO_SIZE", "1000", 1);
    assert_int_equal(akl_check_file(fake.so_path, NULL), AKL_ETOOBIG);
    setenv("AKL_MAX_SO_SIZE", "lots", 1);
    assert_int_equal(akl_check_file(fake.so_path, NULL), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "AKL_MAX_SO_SIZE"));
    unsetenv("AKL_MAX_SO_SIZE");
    assert_int_equal(fake.get("kfc_launches"), launches);
}

/* The route's inputs, and a runtime without the custom route's calls (this fake has none). */
static void test_route_options_and_a_runtime_without_the_custom_calls(void **state)
{
    (void)state;
    akl_module_t *module = NULL;
    size_t size;
    unsigned char *bytes = variant(20, &size);
    akl_load_options_t opts = {.size = sizeof opts, .route = (akl_route_t)7};
    assert_int_equal(akl_module_load_data(0, bytes, size, &opts, &module), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "route 7"));
    setenv("AKL_ROUTE", "sideways", 1);
    assert_int_equal(akl_module_load_data(0, bytes, size, NULL, &module), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "$AKL_ROUTE=\"sideways\""));
    setenv("AKL_ROUTE", "custom", 1);
    long kfc_before = fake.get("kfc_launches");
    assert_int_equal(akl_module_load_data(0, bytes, size, NULL, &module), AKL_ENOCUSTOM);
    assert_non_null(strstr(akl_last_error(), "rtsBinaryLoadFromData"));
    assert_int_equal(fake.get("kfc_launches"), kfc_before);
    /* auto: the extend route's diagnosed cause, with the custom route's reason beside it. */
    unsetenv("AKL_ROUTE");
    fake.set("ack_mode", 0);
    assert_int_equal(akl_module_load_data(0, bytes, size, NULL, &module), AKL_EBOOTSKIPPED);
    assert_non_null(strstr(akl_last_error(), "no route works"));
    assert_non_null(strstr(akl_last_error(), "rtsBinaryLoadFromData"));
    free(bytes);

    akl_route_t route = AKL_ROUTE_CUSTOM, taken = AKL_ROUTE_CUSTOM;
    assert_int_equal(akl_route_parse("extend", &route), 0);
    assert_int_equal(route, AKL_ROUTE_EXTEND);
    assert_int_equal(akl_route_parse("Extend", &route), AKL_EINVAL);
    assert_int_equal(akl_route_parse(NULL, &route), AKL_EINVAL);
    assert_string_equal(akl_route_name((akl_route_t)9), "unknown");
    assert_int_equal(akl_device_route(0, NULL), AKL_EINVAL);
    assert_int_equal(akl_device_route(-1, &route), AKL_EDEVICE);
    assert_int_equal(akl_route_probe(0, (akl_route_t)9, &taken), AKL_EINVAL);
    assert_int_equal(akl_route_probe(3, AKL_ROUTE_AUTO, &taken), AKL_EDEVICE);
    assert_int_equal(taken, AKL_ROUTE_AUTO);
    assert_int_equal(akl_route_probe(0, AKL_ROUTE_CUSTOM, &taken), AKL_ENOCUSTOM);
    fake.set("ack_mode", 1);
}

static void test_unresolved_symbols(void **state)
{
    (void)state;
    char path[4096];
    t_kernel_path("libldrk_unresolved.so", path, sizeof path);
    long launches = fake.get("kfc_launches");
    char **names = NULL;
    size_t count = 99;
    assert_int_equal(akl_unresolved_symbols_file(path, NULL, &names, &count), 0);
    assert_int_equal(count, 2);
    assert_string_equal(names[0], "ldrk_missing_helper");
    assert_string_equal(names[1], "ldrk_missing_table");
    assert_null(names[2]);
    free(names);
    assert_int_equal(akl_unresolved_symbols_data(fake.so, fake.so_size, NULL, &names, &count), 0);
    assert_int_equal(count, 0);
    assert_null(names[0]);
    free(names);
    /* Validated first, like akl_check_*. */
    assert_int_equal(akl_unresolved_symbols_data("nope", 4, NULL, &names, &count), AKL_ENOTELF);
    assert_null(names);
    assert_int_equal(akl_unresolved_symbols_file(path, NULL, NULL, &count), AKL_EINVAL);
    assert_int_equal(akl_unresolved_symbols_file(path, NULL, &names, NULL), AKL_EINVAL);
    assert_int_equal(fake.get("kfc_launches"), launches); /* no device work */
}

static void test_pass_throughs(void **state)
{
    (void)state;
    uint32_t count = 0;
    assert_int_equal(akl_device_count(&count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(akl_device_count(NULL), AKL_EINVAL);
    assert_int_equal(akl_device_open(7), 107001);
    assert_non_null(strstr(akl_last_error(), "device 7"));
    assert_int_equal(akl_device_open(-1), AKL_EDEVICE);
    size_t free_before, total, free_after;
    assert_int_equal(akl_mem_info(&free_before, &total), 0);
    void *dev = NULL;
    assert_int_equal(akl_mem_alloc(&dev, 4096), 0);
    assert_int_equal(akl_mem_info(&free_after, &total), 0);
    assert_int_equal(free_before - free_after, 4096);
    const char text[] = "round trip";
    char back[sizeof text] = {0};
    assert_int_equal(akl_memcpy_to_device(dev, text, sizeof text), 0);
    assert_int_equal(akl_memcpy_from_device(back, dev, sizeof text), 0);
    assert_string_equal(back, text);
    assert_int_equal(akl_mem_free(dev), 0);
    assert_int_equal(akl_mem_free(NULL), 107000);
    assert_int_equal(akl_mem_alloc(NULL, 1), AKL_EINVAL);
    assert_int_equal(akl_mem_info(NULL, &total), AKL_EINVAL);
    akl_stream_t stream = NULL;
    assert_int_equal(akl_stream_create(&stream), 0);
    assert_int_equal(akl_stream_sync(stream, -1), 0);
    assert_int_equal(akl_stream_sync(stream, 100), 0);
    assert_int_equal(akl_stream_sync(stream, -2), AKL_EINVAL);
    assert_int_equal(akl_stream_destroy(stream), 0);
    assert_int_equal(akl_stream_create(NULL), AKL_EINVAL);
    assert_string_equal(akl_errname(akl_stream_destroy(NULL)), "ACL_ERROR_RT_PARAM_INVALID");
}

/* A synchronize that fails with 11002 in a message that names no module (the fake's text) retires
 * every module of the device, so each one's next load bootstraps again; another failure retires
 * nothing. */
static void test_missing_file_retires_the_devices_modules(void **state)
{
    (void)state;
    akl_module_t *first, *second, *again;
    assert_int_equal(load_variant(21, &first), 0);
    assert_int_equal(load_variant(22, &second), 0);
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    fake.set("sync_rc", 507017); /* a timeout: nothing to do with the file */
    assert_int_equal(akl_stream_sync(NULL, 100), 507017);
    fake.set("sync_rc", 0);
    assert_int_equal(load_variant(21, &again), 0);
    assert_ptr_equal(again, first);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps, before.bootstraps);
    fake.set("sync_rc", 507018);
    assert_int_equal(akl_stream_sync(NULL, 100), 507018);
    assert_non_null(strstr(akl_last_error(), "errcode 11002"));
    fake.set("sync_rc", 0);
    assert_int_equal(load_variant(21, &again), 0);
    assert_ptr_not_equal(again, first);
    assert_int_equal(load_variant(22, &again), 0);
    assert_ptr_not_equal(again, second);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps, before.bootstraps + 2);
    /* The retired handles stay valid until unloaded; each unloads once. */
    akl_module_info_t info;
    assert_int_equal(akl_module_info(first, &info), 0);
    assert_int_equal(akl_module_unload(first), 0);
    assert_int_equal(akl_module_unload(second), 0);
    assert_int_equal(akl_module_unload(first), AKL_EINVAL);
    assert_non_null(strstr(akl_last_error(), "is not a loaded module"));
}

static int setup(void **state)
{
    (void)state;
    char path[4096];
    setenv("AKL_RUNTIME", t_kernel_path("libldrk_fake_runtime.so", path, sizeof path), 1);
    fake.handle = dlopen(path, RTLD_NOW);
    if (!fake.handle)
        return -1;
    fake.set = (void (*)(const char *, long))dlsym(fake.handle, "ldrk_fake_set");
    fake.get = (long (*)(const char *))dlsym(fake.handle, "ldrk_fake_get");
    fake.last_blob = (const void *(*)(size_t *))dlsym(fake.handle, "ldrk_fake_last_blob");
    t_kernel_path("libldrk_basic.so", fake.so_path, sizeof fake.so_path);
    fake.so = t_read_file(fake.so_path, &fake.so_size);
    return fake.set && fake.get && fake.last_blob && fake.so ? akl_init() : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(fake.so);
    akl_device_close(0);
    dlclose(fake.handle);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_device_must_be_set_in_the_thread, reset_fake),
        cmocka_unit_test_setup(test_bootstrap_wrote_then_hits, reset_fake),
        cmocka_unit_test_setup(test_identical_and_replaced, reset_fake),
        cmocka_unit_test_setup(test_skipped_first_bootstrap_says_which_dispatcher, reset_fake),
        cmocka_unit_test_setup(test_skipped_bootstrap, reset_fake),
        cmocka_unit_test_setup(test_dispatcher_failures, reset_fake),
        cmocka_unit_test_setup(test_synchronize_failures, reset_fake),
        cmocka_unit_test_setup(test_unreadable_acknowledgement, reset_fake),
        cmocka_unit_test_setup(test_synchronize_timeout_leaves_memory_to_the_device, reset_fake),
        cmocka_unit_test_setup(test_first_failure_in_a_bootstrap, reset_fake),
        cmocka_unit_test_setup(test_failed_launch, reset_fake),
        cmocka_unit_test_setup(test_dispatcher_override, reset_fake),
        cmocka_unit_test_setup(test_launch_blob, reset_fake),
        cmocka_unit_test_setup(test_launch_empty_payload_and_timeouts, reset_fake),
        cmocka_unit_test_setup(test_launch_big_payload, reset_fake),
        cmocka_unit_test_setup(test_launch_rejects_bad_arguments, reset_fake),
        cmocka_unit_test_setup(test_module_used_from_another_current_device, reset_fake),
        cmocka_unit_test_setup(test_launch_of_a_kernel_not_exported, reset_fake),
        cmocka_unit_test_setup(test_load_rejects_bad_arguments, reset_fake),
        cmocka_unit_test_setup(test_options_prefix_and_struct_sizes, reset_fake),
        cmocka_unit_test_setup(test_check_entry_points, reset_fake),
        cmocka_unit_test_setup(test_route_options_and_a_runtime_without_the_custom_calls,
                               reset_fake),
        cmocka_unit_test_setup(test_unresolved_symbols, reset_fake),
        cmocka_unit_test_setup(test_pass_throughs, reset_fake),
        cmocka_unit_test_setup(test_missing_file_retires_the_devices_modules, reset_fake),
    };
    return t_run_group_tests(tests, setup, teardown);
}
