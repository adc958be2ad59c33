/* The rows of docs/errors.md that no other test shows, run through libakl on the simulator
 * (AKL_RUNTIME=sim): each bad input or fault gets its exact error code and a message naming the
 * thing and the cause, a bad SO does no device work, and the device keeps working (or a reset
 * recovers it). Each test opens its device in setup and closes it in teardown: device 0 for
 * argument checks, 2 (chip 1) for faults that stop the scheduler, 4 (chip 2) for the state of the
 * preinstall directory, 6 (chip 3) for launch failures. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "faultk_abi.h"
#include "test_expect_error.h"
#include "test_faults_util.h"
#include "test_support.h"

#define CAT_E_PARAM 107000    /* ACL_ERROR_RT_PARAM_INVALID */
#define CAT_E_DEVICEID 107001 /* ACL_ERROR_RT_INVALID_DEVICEID */
#define CAT_E_CONTEXT 107002  /* ACL_ERROR_RT_CONTEXT_NULL */
#define CAT_E_MEMORY 207001   /* ACL_ERROR_RT_MEMORY_ALLOCATION */
#define CAT_E_AICPU_TIMEOUT 507017
#define CAT_E_AICPU_EXCEPTION 507018
#define CAT_E_SYNC_TIMEOUT 507046
#define CAT_E_DEAD 507899 /* ACL_ERROR_RT_DRV_INTERNAL_ERROR */

static const int32_t cat_device_args = 0;
static const int32_t cat_device_faults = 2;
static const int32_t cat_device_dir = 4;
static const int32_t cat_device_launch = 6;

/* ---- Helpers ----------------------------------------------------------------------------------
 */

static const char *cat_kernel(const char *file, char *buf, size_t cap)
{
    return t_kernel_path(file, buf, cap);
}

static akl_module_t *cat_load_faultk(int32_t device)
{
    char path[FAULTT_PATH_MAX];
    akl_module_t *module = NULL;
    int rc = akl_module_load_file(device, cat_kernel(FAULTK_SO, path, sizeof path), NULL, &module);
    if (rc != 0)
        fail_msg("loading %s on device %d: %s", FAULTK_SO, (int)device, akl_last_error());
    return module;
}

static void *cat_device_zalloc(size_t size)
{
    void *p = faultt_device_zalloc(size);
    if (!p)
        fail_msg("allocating %zu bytes of device memory: %s", size, akl_last_error());
    return p;
}

/* faultk_store on `blocks` blocks of stream (NULL: default) gives out[b] == value + b. */
static void cat_expect_store_works(const akl_module_t *module, akl_stream_t stream)
{
    uint64_t *out = cat_device_zalloc(3 * sizeof(uint64_t));
    faultk_store_args_t args = {(uint64_t)(uintptr_t)out, 40};
    assert_int_equal(akl_launch(module, "faultk_store", &args, sizeof args, 3, stream, 0), 0);
    int rc = akl_stream_sync(stream, FAULTT_SYNC_MS);
    if (rc != 0)
        fail_msg("faultk_store: %s", akl_last_error());
    uint64_t got[3];
    assert_int_equal(akl_memcpy_from_device(got, out, sizeof got), 0);
    for (uint64_t b = 0; b < 3; b++)
        assert_int_equal(got[b], 40 + b);
    assert_int_equal(akl_mem_free(out), 0);
}

/* Entries in device's preinstall directory (-1 if it cannot be read). */
static int cat_count_entries(int32_t device)
{
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(device, dir, sizeof dir);
    faultt_snapshot_t snap;
    if (faultt_snapshot_take(dir, &snap) != 0)
        return -1;
    int count = (int)snap.count;
    faultt_snapshot_free(&snap);
    return count;
}

/* The state that shows whether a failed call did device work: bootstraps and published files. */
typedef struct cat_device_work {
    akl_cache_stats_t stats;
    int files;
} cat_device_work_t;

static cat_device_work_t cat_device_work(int32_t device)
{
    cat_device_work_t work;
    akl_cache_stats(&work.stats);
    work.files = cat_count_entries(device);
    return work;
}

static void cat_expect_no_device_work(int32_t device, const cat_device_work_t *before)
{
    cat_device_work_t now = cat_device_work(device);
    assert_int_equal(now.stats.bootstraps, before->stats.bootstraps);
    assert_int_equal(now.files, before->files);
}

/* A scratch file under the test's root holding size bytes. */
static void cat_scratch_file(const char *name, const void *bytes, size_t size, char *path,
                             size_t cap)
{
    char dir[FAULTT_PATH_MAX];
    faultt_join(dir, sizeof dir, t_sim_root(), "scratch");
    faultt_make_dirs(dir);
    faultt_join(path, cap, dir, name);
    assert_int_equal(t_write_file(path, bytes, size), 0);
}

/* libfaultk_basic.so with `pad` bytes of seeded padding: an SO of its own name. Aborts if the
 * kernel cannot be read (it may run outside cmocka's thread). */
static unsigned char *cat_variant(int32_t dev, uint64_t seed, size_t pad, size_t *size, char *name,
                                  size_t name_cap, char *final, size_t final_cap)
{
    size_t kernel_size;
    unsigned char *bytes = faultt_read_kernel(FAULTK_SO, pad, &kernel_size);
    if (!bytes)
        abort();
    *size = kernel_size + pad;
    faultt_fill_random(bytes, kernel_size, *size, &seed);
    faultt_basename_of(bytes, *size, dev, name, name_cap);
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(dev, dir, sizeof dir);
    faultt_join(final, final_cap, dir, name);
    return bytes;
}

/* ---- API arguments ----------------------------------------------------------------------------
 */

static void test_null_and_empty_load_arguments(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    char so[FAULTT_PATH_MAX];
    cat_kernel(FAULTK_SO, so, sizeof so);
    cat_device_work_t before = cat_device_work(dev);
    /* Not NULL, never dereferenced: a failed load must clear it. */
    akl_module_t *module = (akl_module_t *)(uintptr_t)1;
    t_expect_error(akl_module_load_file(dev, so, NULL, NULL), AKL_EINVAL, "out is NULL", NULL);
    t_expect_error(akl_module_load_file(dev, NULL, NULL, &module), AKL_EINVAL, "SO path is NULL",
                   NULL);
    assert_null(module);
    t_expect_error(akl_module_load_file(dev, "", NULL, &module), AKL_EINVAL, "SO path is empty",
                   NULL);
    t_expect_error(akl_module_load_data(dev, NULL, 10, NULL, &module), AKL_EINVAL,
                   "akl_module_load_data: data is NULL (size 10)", NULL);
    t_expect_error(akl_check_data(NULL, 10, NULL), AKL_EINVAL,
                   "<memory>: data is NULL but size is 10", NULL);
    t_expect_error(akl_module_load_data(dev, "", 0, NULL, &module), AKL_ENOTELF,
                   "<memory>: not an ELF file (0 bytes", NULL);
    akl_load_options_t opts = {.size = 0};
    t_expect_error(akl_module_load_file(dev, so, &opts, &module), AKL_EINVAL, "opts->size is 0",
                   "sizeof(akl_load_options_t)", NULL);
    setenv("AKL_MAX_SO_SIZE", "lots", 1);
    int rc = akl_module_load_file(dev, so, NULL, &module);
    unsetenv("AKL_MAX_SO_SIZE");
    t_expect_error(rc, AKL_EINVAL, "$AKL_MAX_SO_SIZE=\"lots\" is not a positive byte count", NULL);
    assert_null(module);
    cat_expect_no_device_work(dev, &before);
}

static void test_null_outputs(void **state)
{
    (void)state;
    t_expect_error(akl_device_count(NULL), AKL_EINVAL, "akl_device_count: count is NULL", NULL);
    t_expect_error(akl_mem_alloc(NULL, 8), AKL_EINVAL, "akl_mem_alloc: dev_ptr is NULL", NULL);
    size_t total;
    t_expect_error(akl_mem_info(NULL, &total), AKL_EINVAL, "akl_mem_info: free_bytes is NULL",
                   NULL);
    t_expect_error(akl_stream_create(NULL), AKL_EINVAL, "akl_stream_create: stream is NULL", NULL);
    t_expect_error(akl_module_info(NULL, NULL), AKL_EINVAL, "akl_module_info: module is NULL",
                   NULL);
    char name[8];
    t_expect_error(akl_basename(NULL, 1, 0, NULL, 64), AKL_EINVAL, "buf is NULL or buf_size is 0",
                   NULL);
    t_expect_error(akl_basename(NULL, 1, 0, name, sizeof name), AKL_EINVAL,
                   "buf_size 8 is too small", "akl_inner_0000000000000001_0.so", NULL);
    assert_string_equal(name, "");
}

static void test_bad_device_memory_arguments(void **state)
{
    (void)state;
    int on_host = 0;
    t_expect_error(akl_mem_free(NULL), CAT_E_PARAM, "ACL_ERROR_RT_PARAM_INVALID",
                   "aclrtFree: devPtr is NULL", NULL);
    t_expect_error(akl_mem_free(&on_host), CAT_E_PARAM, "is not a device address of any set device",
                   NULL);
    void *dev = NULL;
    t_expect_error(akl_mem_alloc(&dev, 0), CAT_E_PARAM, "allocating 0 bytes", "size 0", NULL);
    size_t free_bytes, total;
    assert_int_equal(akl_mem_info(&free_bytes, &total), 0);
    t_expect_error(akl_mem_alloc(&dev, total + 1), CAT_E_MEMORY, "ACL_ERROR_RT_MEMORY_ALLOCATION",
                   "out of device memory", NULL);
    assert_int_equal(akl_mem_alloc(&dev, 64), 0);
    char host[128] = {0};
    t_expect_error(akl_memcpy_to_device(host, host, 16), CAT_E_PARAM,
                   "kind HOST_TO_DEVICE does not match the addresses", NULL);
    t_expect_error(akl_memcpy_to_device(dev, host, sizeof host), CAT_E_PARAM,
                   "is not inside one allocation", NULL);
    t_expect_error(akl_memcpy_from_device(NULL, dev, 16), CAT_E_PARAM, "invalid argument", NULL);
    assert_int_equal(akl_mem_free(dev), 0);
    t_expect_error(akl_mem_free(dev), CAT_E_PARAM, NULL);
}

static void test_bad_stream_handles(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    t_expect_error(akl_stream_destroy(NULL), CAT_E_PARAM,
                   "the default stream (NULL) cannot be destroyed", NULL);
    akl_stream_t stream = NULL;
    assert_int_equal(akl_stream_create(&stream), 0);
    assert_int_equal(akl_stream_destroy(stream), 0);
    t_expect_error(akl_stream_destroy(stream), CAT_E_PARAM, "is not a live stream of device 0",
                   NULL);
    t_expect_error(akl_stream_sync(stream, 100), CAT_E_PARAM, "is not a live stream", NULL);
    t_expect_error(akl_stream_sync((akl_stream_t)(uintptr_t)0x1234, 100), CAT_E_PARAM,
                   "is not a stream handle", NULL);
    akl_module_t *module = cat_load_faultk(dev);
    faultk_return_args_t args = {0, 0};
    t_expect_error(akl_launch(module, "faultk_return", &args, sizeof args, 1, stream, 0),
                   CAT_E_PARAM, "launching faultk_return", "is not a live stream", NULL);
}

/* ---- SO contents: validated before any device work ---------------------------------------------
 */

typedef struct cat_bad_so {
    const char *file;
    int code;
    const char *cause;
} cat_bad_so_t;

/* The other machine of the two an SO here can be built for, as the validator names it. */
static uint16_t cat_other_machine(const unsigned char *so, const char **name)
{
    uint16_t machine;
    memcpy(&machine, so + offsetof(Elf64_Ehdr, e_machine), sizeof machine);
    *name =
        machine == EM_AARCH64 ? "built for x86-64 (EM_X86_64)" : "built for AArch64 (EM_AARCH64)";
    return machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
}

/* Makes each kind of bad SO from the real one, in paths[0..4]. */
static void cat_write_bad_sos(const unsigned char *so, size_t size, char paths[][FAULTT_PATH_MAX])
{
    unsigned char *copy = malloc(size);
    assert_non_null(copy);
    cat_scratch_file("text.so", "#!/bin/sh\necho not an elf\n", 26, paths[0], FAULTT_PATH_MAX);
    cat_scratch_file("truncated.so", so, size / 2, paths[1], FAULTT_PATH_MAX);
    memcpy(copy, so, size);
    copy[EI_CLASS] = ELFCLASS32;
    cat_scratch_file("class32.so", copy, size, paths[2], FAULTT_PATH_MAX);
    memcpy(copy, so, size);
    const char *unused;
    uint16_t other = cat_other_machine(so, &unused);
    memcpy(copy + offsetof(Elf64_Ehdr, e_machine), &other, sizeof other);
    cat_scratch_file("machine.so", copy, size, paths[3], FAULTT_PATH_MAX);
    memcpy(copy, so, size);
    uint16_t type = ET_REL;
    memcpy(copy + offsetof(Elf64_Ehdr, e_type), &type, sizeof type);
    cat_scratch_file("relocatable.so", copy, size, paths[4], FAULTT_PATH_MAX);
    free(copy);
}

static void test_bad_so_contents_do_no_device_work(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    size_t size;
    unsigned char *so = faultt_read_kernel(FAULTK_SO, 0, &size);
    assert_non_null(so);
    char paths[9][FAULTT_PATH_MAX];
    cat_write_bad_sos(so, size, paths);
    const char *wrong_machine;
    cat_other_machine(so, &wrong_machine);
    cat_kernel(FAULTK_SO, paths[5], FAULTT_PATH_MAX);
    snprintf(paths[6], FAULTT_PATH_MAX, "%s/no-such-file.so", t_sim_root());
    faultt_join(paths[7], FAULTT_PATH_MAX, t_sim_root(), "scratch");
    cat_kernel(FAULTK_SO, paths[8], FAULTT_PATH_MAX);
    const cat_bad_so_t rows[] = {
        {paths[0], AKL_ENOTELF, "not an ELF file (26 bytes, no \\177ELF magic)"},
        {paths[1], AKL_ETRUNCATED, "truncated ELF file"},
        {paths[2], AKL_ECLASS, "a 32-bit ELF file (ELFCLASS32); the device loads 64-bit"},
        {paths[3], AKL_EMACHINE, wrong_machine},
        {paths[4], AKL_ENOTSO, "a relocatable object file (ET_REL), not a shared object"},
        {paths[5], AKL_ENOSYM, "kernel \"faultk_absent\" is not exported: it is not in .dynsym"},
        {paths[6], AKL_EIO, "cannot open: No such file or directory"},
        {paths[7], AKL_EIO, "not a regular file"},
        {paths[8], AKL_ETOOBIG, "is larger than the limit of 1000 bytes"},
    };
    const char *absent[] = {"faultk_hold", "faultk_absent", NULL};
    cat_device_work_t before = cat_device_work(dev);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        akl_load_options_t opts = {.size = sizeof opts,
                                   .kernels = rows[i].code == AKL_ENOSYM ? absent : NULL,
                                   .max_size = rows[i].code == AKL_ETOOBIG ? 1000 : 0};
        akl_module_t *module = NULL;
        t_expect_error(akl_module_load_file(dev, rows[i].file, &opts, &module), rows[i].code,
                       rows[i].file, rows[i].cause, NULL);
        assert_null(module);
        /* akl_check_file (and `akl check`) say the same without a device. */
        t_expect_error(akl_check_file(rows[i].file, &opts), rows[i].code, rows[i].cause, NULL);
    }
    cat_expect_no_device_work(dev, &before);
    free(so);
}

/* The executable this test is: ET_DYN marked DF_1_PIE (or ET_EXEC), never loadable. */
static void test_executable_is_not_a_shared_object(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = NULL;
    int rc = akl_module_load_file(dev, "/proc/self/exe", NULL, &module);
    t_expect_error(rc, AKL_ENOTSO, "/proc/self/exe", "not a shared object", "-shared", NULL);
}

/* ---- Names ------------------------------------------------------------------------------------
 */

static void test_bad_names(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    char so[FAULTT_PATH_MAX];
    cat_kernel(FAULTK_SO, so, sizeof so);
    akl_module_t *module = NULL;
    akl_load_options_t opts = {.size = sizeof opts, .prefix = "bad/prefix"};
    t_expect_error(akl_module_load_file(dev, so, &opts, &module), AKL_ENAME,
                   "prefix \"bad/prefix\" has character 0x2f at 3",
                   "a device file name may use only [A-Za-z0-9._-]", NULL);
    char long_prefix[82];
    memset(long_prefix, 'p', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = 0;
    opts.prefix = long_prefix;
    t_expect_error(akl_module_load_file(dev, so, &opts, &module), AKL_ENAME,
                   "would be 102 characters; the device allows at most 100", NULL);
    setenv("AKL_PREFIX", "sp ace_", 1);
    int rc = akl_module_load_file(dev, so, NULL, &module);
    unsetenv("AKL_PREFIX");
    t_expect_error(rc, AKL_ENAME, "prefix \"sp ace_\" has character 0x20 at 2", NULL);

    module = cat_load_faultk(dev);
    faultk_return_args_t args = {0, 0};
    char long_kernel[AKL_KERNEL_NAME_MAX + 2];
    memset(long_kernel, 'k', sizeof long_kernel - 1);
    long_kernel[sizeof long_kernel - 1] = 0;
    t_expect_error(akl_launch(module, long_kernel, &args, sizeof args, 1, NULL, 0), AKL_ENAME,
                   "is longer than 200 characters", NULL);
    t_expect_error(akl_launch(module, "faultk-return", &args, sizeof args, 1, NULL, 0), AKL_ENAME,
                   "kernel name \"faultk-return\" is not a C identifier", NULL);
    t_expect_error(akl_launch(module, "", &args, sizeof args, 1, NULL, 0), AKL_ENAME,
                   "kernel name is empty", NULL);
    t_expect_error(akl_launch(module, NULL, &args, sizeof args, 1, NULL, 0), AKL_EINVAL,
                   "kernel name is NULL", NULL);
    const char *kernels[] = {"faultk.hold", NULL};
    opts = (akl_load_options_t){.size = sizeof opts, .kernels = kernels};
    t_expect_error(akl_module_load_file(dev, so, &opts, &module), AKL_ENAME,
                   "kernel name \"faultk.hold\" is not a C identifier", NULL);
}

/* ---- Device ids -------------------------------------------------------------------------------
 */

static void test_bad_device_ids(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    char so[FAULTT_PATH_MAX];
    cat_kernel(FAULTK_SO, so, sizeof so);
    akl_module_t *module = NULL;
    t_expect_error(akl_device_open(-1), AKL_EDEVICE, "akl_device_open: device -1 is negative",
                   NULL);
    t_expect_error(akl_device_close(-1), AKL_EDEVICE, "device -1 is negative", NULL);
    t_expect_error(akl_module_load_file(-1, so, NULL, &module), AKL_EDEVICE,
                   "akl_module_load: device -1 is negative", NULL);
    uint32_t count = 0;
    assert_int_equal(akl_device_count(&count), 0);
    char invalid[96], not_set[96];
    snprintf(invalid, sizeof invalid, "invalid device id %u (the simulator has %u devices", count,
             count);
    t_expect_error(akl_device_open((int32_t)count), CAT_E_DEVICEID, "ACL_ERROR_RT_INVALID_DEVICEID",
                   invalid, NULL);
    t_expect_error(akl_device_close((int32_t)count), CAT_E_DEVICEID, invalid, NULL);
    /* Loading (bytes no test loaded, so that it bootstraps) needs the device to be the calling
     * thread's current one. */
    size_t size;
    char name[128], final[FAULTT_PATH_MAX];
    unsigned char *bytes = cat_variant(dev, 41, 64, &size, name, sizeof name, final, sizeof final);
    t_expect_error(akl_module_load_data(dev + 1, bytes, size, NULL, &module), AKL_EDEVICE,
                   "device 1 is not set in this thread; call akl_device_open(1)",
                   "the thread's current device is 0", NULL);
    snprintf(not_set, sizeof not_set, "device %u is not set in this thread", count + 5);
    t_expect_error(akl_module_load_data((int32_t)count + 5, bytes, size, NULL, &module),
                   AKL_EDEVICE, not_set, NULL);
    assert_null(module);
    free(bytes);
}

/* What a thread that never opened a device gets from a load that would bootstrap, a load the
 * process cache could answer, an allocation and a synchronize. */
typedef struct cat_no_device {
    int rc[4];
    char message[4][512];
} cat_no_device_t;

/* Bytes no test has loaded, so that the process cache cannot answer the load. */
static void *cat_thread_without_device(void *arg)
{
    cat_no_device_t *out = arg;
    size_t size;
    char name[128], final[FAULTT_PATH_MAX];
    unsigned char *bytes = cat_variant(0, 31, 64, &size, name, sizeof name, final, sizeof final);
    akl_module_t *module = NULL;
    void *p = NULL;
    out->rc[0] = akl_module_load_data(0, bytes, size, NULL, &module);
    free(bytes);
    snprintf(out->message[0], sizeof out->message[0], "%s", akl_last_error());
    out->rc[1] = akl_mem_alloc(&p, 64);
    snprintf(out->message[1], sizeof out->message[1], "%s", akl_last_error());
    out->rc[2] = akl_stream_sync(NULL, 100);
    snprintf(out->message[2], sizeof out->message[2], "%s", akl_last_error());
    char so[FAULTT_PATH_MAX];
    out->rc[3] = akl_module_load_file(0, cat_kernel(FAULTK_SO, so, sizeof so), NULL, &module);
    snprintf(out->message[3], sizeof out->message[3], "%s", akl_last_error());
    return NULL;
}

static void cat_expect_text(int rc, int code, const char *message, const char *needle)
{
    if (rc != code || !strstr(message, needle))
        fail_msg("expected %s (%d) naming \"%s\", got %d: %s", akl_errname(code), code, needle, rc,
                 message);
}

static void test_calls_from_a_thread_without_a_device(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    cat_load_faultk(dev); /* in the process cache from now on */
    cat_no_device_t out;
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, cat_thread_without_device, &out), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    cat_expect_text(out.rc[0], AKL_EDEVICE, out.message[0],
                    "device 0 is not set in this thread; call akl_device_open(0)");
    cat_expect_text(out.rc[1], CAT_E_CONTEXT, out.message[1], "no current device in this thread");
    cat_expect_text(out.rc[2], CAT_E_CONTEXT, out.message[2], "no current device in this thread");
    cat_expect_text(out.rc[3], AKL_EDEVICE, out.message[3], "(aclrtGetDevice returned 107002)");
}

/* A module of device 2 launched from a thread whose current device is 0: refused, rather than
 * sent to device 0, whose scheduler would look for the device-2 file (or, on the other die of the
 * same chip, run the wrong die's copy). */
static void test_launch_on_another_device_than_the_module_s(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    assert_int_equal(akl_device_open(cat_device_faults), 0);
    akl_module_t *module = cat_load_faultk(cat_device_faults);
    /* Launched once on the right device first: the kernel's handle (akl_launch keeps the last
     * one) holds the module's device, and the thread's is still asked on every launch. */
    faultk_return_args_t args = {0, 0};
    const akl_kernel_t *kernel = NULL;
    assert_int_equal(akl_module_get_kernel(module, "faultk_return", &kernel), 0);
    assert_int_equal(akl_launch(module, "faultk_return", &args, sizeof args, 1, NULL, 0), 0);
    assert_int_equal(akl_launch_kernel(kernel, &args, sizeof args, 1, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    assert_int_equal(akl_device_open(dev), 0); /* the thread's current device again */
    int rc = akl_launch(module, "faultk_return", &args, sizeof args, 1, NULL, 0);
    t_expect_error(rc, AKL_EDEVICE, "launching faultk_return of akl_inner_",
                   "device 2 is not set in this thread; call akl_device_open(2)",
                   "the thread's current device is 0", NULL);
    rc = akl_launch_kernel(kernel, &args, sizeof args, 1, NULL, 0);
    assert_int_equal(akl_device_close(dev), 0);
    assert_int_equal(akl_device_close(cat_device_faults), 0);
    t_expect_error(rc, AKL_EDEVICE, "launching faultk_return of akl_inner_",
                   "device 2 is not set in this thread; call akl_device_open(2)",
                   "the thread's current device is 0", NULL);
}

/* The same on streams libakl made (streams.h), where a launch asks the runtime nothing once the
 * thread proved the stream: a proven stream of the module's device launched on from a thread whose
 * current device changed is still refused with row 36's message (the runtime refuses the stream,
 * 107003, and libakl says why); a stream of another device is refused before any launch (row 36a);
 * and a stream destroyed and made again, perhaps at the same address, on another device is not
 * trusted for the old one. */
static void test_launch_on_a_stream_of_another_device(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    assert_int_equal(akl_device_open(cat_device_faults), 0);
    akl_module_t *module = cat_load_faultk(cat_device_faults);
    const akl_kernel_t *kernel = NULL;
    assert_int_equal(akl_module_get_kernel(module, "faultk_return", &kernel), 0);
    akl_stream_t mine = NULL;
    assert_int_equal(akl_stream_create(&mine), 0);
    faultk_return_args_t args = {0, 0};
    assert_int_equal(akl_launch_kernel(kernel, &args, sizeof args, 1, mine, 0), 0); /* proven */
    assert_int_equal(akl_stream_sync(mine, FAULTT_SYNC_MS), 0);

    assert_int_equal(akl_device_open(dev), 0); /* the thread's current device is now 0 */
    t_expect_error(akl_launch_kernel(kernel, &args, sizeof args, 1, mine, 0), AKL_EDEVICE,
                   "launching faultk_return of akl_inner_",
                   "device 2 is not set in this thread; call akl_device_open(2)",
                   "the thread's current device is 0", NULL);
    akl_stream_t other = NULL;
    assert_int_equal(akl_stream_create(&other), 0); /* a stream of device 0 */
    t_expect_error(akl_launch(module, "faultk_return", &args, sizeof args, 1, other, 0),
                   AKL_EDEVICE, "launching faultk_return of akl_inner_", "belongs to device 0",
                   "the module to device 2; launch it on a stream of device 2", NULL);

    /* Destroyed and made again on device 0: whatever its address, not device 2's any more. */
    assert_int_equal(akl_device_open(cat_device_faults), 0);
    assert_int_equal(akl_stream_destroy(mine), 0);
    assert_int_equal(akl_device_open(dev), 0);
    akl_stream_t again = NULL;
    assert_int_equal(akl_stream_create(&again), 0);
    t_expect_error(akl_launch_kernel(kernel, &args, sizeof args, 1, again, 0), AKL_EDEVICE,
                   "belongs to device 0", NULL);
    assert_int_equal(akl_stream_destroy(again), 0);
    assert_int_equal(akl_stream_destroy(other), 0);
    assert_int_equal(akl_device_close(dev), 0);
    assert_int_equal(akl_device_close(dev), 0);
    assert_int_equal(akl_device_close(cat_device_faults), 0);
    assert_int_equal(akl_device_close(cat_device_faults), 0);
}

/* ---- Argument sizes, block counts, timeout arguments -----------------------------------------
 */

static void test_launch_limits(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = cat_load_faultk(dev);
    faultk_return_args_t args = {0, 0};
    t_expect_error(akl_launch(module, "faultk_return", &args, sizeof args, 0, NULL, 0), AKL_EINVAL,
                   "launching faultk_return of akl_inner_", "on device 0: 0 blocks; use 1..65535",
                   NULL);
    t_expect_error(akl_launch(module, "faultk_return", &args, sizeof args, 65536, NULL, 0),
                   AKL_EINVAL, "65536 blocks; use 1..65535", NULL);
    t_expect_error(akl_launch(module, "faultk_return", &args, (64u << 20) + 1, 1, NULL, 0),
                   AKL_E2BIG, "67108865 argument bytes exceed the limit of 67108864",
                   "pass large data in device memory", NULL);
    t_expect_error(akl_launch(module, "faultk_return", NULL, 8, 1, NULL, 0), AKL_EINVAL,
                   "args is NULL but size is 8", NULL);
    t_expect_error(akl_launch(NULL, "faultk_return", &args, sizeof args, 1, NULL, 0), AKL_EINVAL,
                   "akl_launch: module is NULL", NULL);
    /* No payload at all is fine: the kernel gets 8 zero bytes (faultk_return then returns 0). */
    assert_int_equal(akl_launch(module, "faultk_return", NULL, 0, 1, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    cat_expect_store_works(module, NULL);
}

static void test_timeout_arguments(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    t_expect_error(akl_stream_sync(NULL, -2), AKL_EINVAL,
                   "akl_stream_sync: timeout_ms -2 is invalid (-1 waits forever)", NULL);
    char so[FAULTT_PATH_MAX];
    cat_kernel(FAULTK_SO, so, sizeof so);
    akl_module_t *module = NULL;
    akl_load_options_t opts = {.size = sizeof opts, .timeout_ms = -5};
    t_expect_error(akl_module_load_file(dev, so, &opts, &module), AKL_EINVAL,
                   "load options: timeout_ms -5 is invalid", NULL);
}

/* ---- Timeouts and hung kernels (device 2: these stop or reset the scheduler) ------------------
 */

static uint32_t *cat_hold(const akl_module_t *module, uint32_t **release, uint32_t timeout_s)
{
    uint32_t *started = cat_device_zalloc(sizeof(uint32_t));
    *release = cat_device_zalloc(sizeof(uint32_t));
    faultk_hold_args_t args = {.started = (uint64_t)(uintptr_t)started,
                               .release = (uint64_t)(uintptr_t)*release,
                               .max_ms = 120000};
    assert_int_equal(akl_launch(module, "faultk_hold", &args, sizeof args, 1, NULL, timeout_s), 0);
    return started;
}

static void cat_reopen(int32_t dev)
{
    assert_int_equal(akl_device_close(dev), 0);
    int rc = akl_device_open(dev);
    if (rc != 0)
        fail_msg("reopening device %d: %s", (int)dev, akl_last_error());
}

static void test_per_task_timeout_stops_the_scheduler(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = cat_load_faultk(dev);
    uint32_t *release;
    cat_hold(module, &release, 1);
    t_expect_error(akl_stream_sync(NULL, FAULTT_SYNC_MS), CAT_E_AICPU_TIMEOUT,
                   "ACL_ERROR_RT_AICPU_TIMEOUT", "AICPU task timeout: kernel 'faultk_hold'",
                   "did not finish within 1000 ms", "device errcode 21007",
                   "the aicpu scheduler was stopped", NULL);
    void *p = NULL;
    t_expect_error(akl_mem_alloc(&p, 64), CAT_E_DEAD, "call aclrtResetDevice", NULL);
    cat_reopen(dev);
    cat_expect_store_works(module, NULL);
}

static bool cat_started(void *arg)
{
    uint32_t value = 0;
    return akl_memcpy_from_device(&value, arg, sizeof value) == 0 && value == 1;
}

static void test_sync_timeout_cancels_nothing(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = cat_load_faultk(dev);
    uint32_t *release;
    uint32_t *started = cat_hold(module, &release, 0);
    assert_true(t_wait_until(cat_started, started, 30000));
    t_expect_error(akl_stream_sync(NULL, 50), CAT_E_SYNC_TIMEOUT,
                   "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT",
                   "synchronize timed out after 50 ms with 1 task(s) not finished",
                   "nothing was cancelled", NULL);
    t_expect_error(akl_stream_sync(NULL, 0), CAT_E_SYNC_TIMEOUT, NULL);
    /* The kernel still runs: released, it completes and the stream is clean. */
    uint32_t one = 1;
    assert_int_equal(akl_memcpy_to_device(release, &one, sizeof one), 0);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    cat_expect_store_works(module, NULL);
}

/* A kernel that never returns and has no timeout: the synchronize's deadline gives 507046, and a
 * reset ends the kernel with its scheduler. */
static void test_hung_kernel_is_ended_by_a_reset(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = cat_load_faultk(dev);
    uint32_t *release;
    uint32_t *started = cat_hold(module, &release, 0);
    assert_true(t_wait_until(cat_started, started, 30000));
    t_expect_error(akl_stream_sync(NULL, 100), CAT_E_SYNC_TIMEOUT, NULL);
    cat_reopen(dev);
    cat_expect_store_works(module, NULL);
}

/* ---- The preinstall directory (device 4) ------------------------------------------------------
 */

static void test_symlink_under_the_final_name_is_replaced(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    size_t size;
    char name[128], final[FAULTT_PATH_MAX], target[FAULTT_PATH_MAX];
    unsigned char *bytes =
        cat_variant(dev, 21, 4096, &size, name, sizeof name, final, sizeof final);
    static const char outside[] = "a file outside the preinstall directory\n";
    cat_scratch_file("link-target", outside, sizeof outside - 1, target, sizeof target);
    assert_int_equal(symlink(target, final), 0);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_data(dev, bytes, size, NULL, &module), 0);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_REPLACED);
    struct stat st;
    assert_int_equal(lstat(final, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_true(faultt_file_equals(final, bytes, size));
    assert_true(faultt_file_equals(target, outside, sizeof outside - 1));
    cat_expect_store_works(module, NULL);
    free(bytes);
}

static void test_directory_under_the_final_name_fails_at_rename(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    size_t size;
    char name[128], final[FAULTT_PATH_MAX], dir[FAULTT_PATH_MAX];
    unsigned char *bytes =
        cat_variant(dev, 22, 4096, &size, name, sizeof name, final, sizeof final);
    faultt_preinstall_dir(dev, dir, sizeof dir);
    cat_load_faultk(dev); /* an earlier file */
    faultt_snapshot_t snap;
    assert_int_equal(faultt_snapshot_take(dir, &snap), 0);
    assert_int_equal(mkdir(final, 0755), 0);
    akl_module_t *module = NULL;
    t_expect_error(akl_module_load_data(dev, bytes, size, NULL, &module), AKL_EBOOTFAILED,
                   "the dispatcher failed at stage rename", "Is a directory (errno 21)", final,
                   NULL);
    struct stat st;
    assert_int_equal(lstat(final, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(faultt_count_temps(dir, name), 0);
    assert_true(faultt_snapshot_intact(&snap, dir));
    /* Not cached: once the directory is gone the same bytes load. */
    assert_int_equal(rmdir(final), 0);
    assert_int_equal(akl_module_load_data(dev, bytes, size, NULL, &module), 0);
    assert_true(faultt_file_equals(final, bytes, size));
    faultt_snapshot_free(&snap);
    free(bytes);
}

/* ---- Launch failures (device 6) ---------------------------------------------------------------
 */

/* The published file removed behind the process's back (as `akl sim clean` does): a scheduler
 * that has not opened it yet cannot find it (11002); that synchronize retires the module from the
 * process cache, so the next load of the same bytes publishes the file again and launches work. */
static void test_published_file_removed_gives_11002(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    size_t size;
    char name[128], final[FAULTT_PATH_MAX];
    unsigned char *bytes =
        cat_variant(dev, 61, 4096, &size, name, sizeof name, final, sizeof final);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_data(dev, bytes, size, NULL, &module), 0);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(unlink(info.device_path), 0);
    faultk_return_args_t args = {0, 0};
    assert_int_equal(akl_launch(module, "faultk_return", &args, sizeof args, 1, NULL, 0), 0);
    t_expect_error(akl_stream_sync(NULL, FAULTT_SYNC_MS), CAT_E_AICPU_EXCEPTION,
                   "ACL_ERROR_RT_AICPU_EXCEPTION", "device errcode 11002", info.basename, NULL);
    akl_module_t *again = NULL;
    assert_int_equal(akl_module_load_data(dev, bytes, size, NULL, &again), 0);
    assert_ptr_not_equal(again, module);
    assert_true(faultt_file_equals(info.device_path, bytes, size));
    cat_expect_store_works(again, NULL);
    /* The retired handle stayed valid: it names the same file, which is back. */
    cat_expect_store_works(module, NULL);
    assert_int_equal(akl_module_unload(module), 0);
    assert_int_equal(akl_module_unload(again), 0);
    free(bytes);
}

static void test_kernel_failures_are_reported_at_the_synchronize(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    akl_module_t *module = cat_load_faultk(dev);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    faultk_return_args_t args = {7, 0};
    assert_int_equal(akl_launch(module, "faultk_return", &args, sizeof args, 2, NULL, 0), 0);
    t_expect_error(akl_stream_sync(NULL, FAULTT_SYNC_MS), CAT_E_AICPU_EXCEPTION,
                   "kernel 'faultk_return'", info.basename, "returned 7", "device errcode 7", NULL);
    /* Reported once; later tasks run. */
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    /* A kernel the SO does not export: refused by the launch, nothing reaches the device. */
    t_expect_error(akl_launch(module, "faultk_absent", &args, sizeof args, 1, NULL, 0), AKL_ENOSYM,
                   "the SO does not export \"faultk_absent\"", info.basename,
                   "nearest exported names: ", NULL);
    assert_int_equal(akl_stream_sync(NULL, FAULTT_SYNC_MS), 0);
    cat_expect_store_works(module, NULL);
}

/* ---- Setup ------------------------------------------------------------------------------------
 */

static int cat_setup(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    if (akl_device_open(dev) == 0)
        return 0;
    fprintf(stderr, "akl_device_open(%d): %s\n", (int)dev, akl_last_error());
    return -1;
}

static int cat_teardown(void **state)
{
    int32_t dev = *(const int32_t *)*state;
    return akl_device_close(dev) == 0 ? 0 : -1;
}

static int cat_group_setup(void **state)
{
    (void)state;
    setenv("AKL_RUNTIME", "sim", 1);
    unsetenv("AKL_PREFIX");
    unsetenv("AKL_MAX_SO_SIZE");
    return akl_init();
}

static int cat_group_teardown(void **state)
{
    (void)state;
    bool clean = t_wait_until(faultt_no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

#define CAT_TEST(fn, device)                                                                       \
    cmocka_unit_test_prestate_setup_teardown(fn, cat_setup, cat_teardown, (void *)&(device))

int main(void)
{
    const struct CMUnitTest tests[] = {
        CAT_TEST(test_null_and_empty_load_arguments, cat_device_args),
        CAT_TEST(test_null_outputs, cat_device_args),
        CAT_TEST(test_bad_device_memory_arguments, cat_device_args),
        CAT_TEST(test_bad_stream_handles, cat_device_args),
        CAT_TEST(test_bad_so_contents_do_no_device_work, cat_device_args),
        CAT_TEST(test_executable_is_not_a_shared_object, cat_device_args),
        CAT_TEST(test_bad_names, cat_device_args),
        CAT_TEST(test_bad_device_ids, cat_device_args),
        CAT_TEST(test_calls_from_a_thread_without_a_device, cat_device_args),
        CAT_TEST(test_launch_on_another_device_than_the_module_s, cat_device_args),
        CAT_TEST(test_launch_on_a_stream_of_another_device, cat_device_args),
        CAT_TEST(test_launch_limits, cat_device_args),
        CAT_TEST(test_timeout_arguments, cat_device_args),
        CAT_TEST(test_per_task_timeout_stops_the_scheduler, cat_device_faults),
        CAT_TEST(test_sync_timeout_cancels_nothing, cat_device_faults),
        CAT_TEST(test_hung_kernel_is_ended_by_a_reset, cat_device_faults),
        CAT_TEST(test_symlink_under_the_final_name_is_replaced, cat_device_dir),
        CAT_TEST(test_directory_under_the_final_name_fails_at_rename, cat_device_dir),
        CAT_TEST(test_published_file_removed_gives_11002, cat_device_launch),
        CAT_TEST(test_kernel_failures_are_reported_at_the_synchronize, cat_device_launch),
    };
    return t_run_group_tests_name("errors_catalogue", tests, cat_group_setup, cat_group_teardown);
}
