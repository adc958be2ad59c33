/* Integration tests of libakl on the simulated device (AKL_RUNTIME=sim): load + launch + results
 * in device memory; 1000 loads make one bootstrap and hold no device memory; a second process sees
 * IDENTICAL and the device holds one file; a wrong file under the right name is REPLACED; a
 * changed SO gets a new name while the old one keeps working; two runtime SOs side by side under
 * the normal latch, AKL_EBOOTSKIPPED under the strict one; device-side failures; a kernel that
 * never returns, and recovery by reset. Child processes are this binary re-executed with
 * "--child <scenario>", so they start clean. Devices are spread so scenarios do not interfere:
 * 0 (chip 0) basics, 1 (chip 0) changed SO, 2 (chip 1) replace, 3 (chip 1) latch, 4 (chip 2)
 * strict latch, a foreign dispatcher and a foreign client in children, 5 (chip 2) timeout, 6
 * (chip 3) failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acl/acl.h"
#include "akl/akl.h"
#include "runtime/rt.h"
#include "test_child_check.h"
#include "test_latch_util.h"
#include "test_support.h"

#define CHILD_DEADLINE_MS 120000
#define SYNC_MS 60000
#define SCHED_COMM "akl-aicpu-sched"

static char self_exe[4096];

static const char *kernel_file(const char *file)
{
    static char paths[4][4096];
    static int next;
    char *buf = paths[next++ % 4];
    return t_kernel_path(file, buf, sizeof paths[0]);
}

static void preinstall_dir(int32_t device, char *out, size_t cap)
{
    snprintf(out, cap, "%s/chip%d/usr/lib64/aicpu_kernels/0/aicpu_kernels_device", t_sim_root(),
             (int)device / 2);
}

/* ---- Helpers usable in the parent (cmocka) and in children (return a check number) ----------- */

/* Launches ldrk_store on `blocks` blocks, through kernel (a handle) when it is not NULL, else by
 * name through module, and checks out[b] == value + b. Returns 0 or the akl/CANN code, or -1 for a
 * wrong result. */
static int store_and_check_with(const akl_module_t *module, const akl_kernel_t *kernel,
                                uint32_t blocks, uint64_t value)
{
    void *out = NULL;
    int rc = akl_mem_alloc(&out, blocks * sizeof(uint64_t));
    if (rc != 0)
        return rc;
    uint64_t args[2] = {(uint64_t)(uintptr_t)out, value};
    rc = kernel ? akl_launch_kernel(kernel, args, sizeof args, blocks, NULL, 0)
                : akl_launch(module, "ldrk_store", args, sizeof args, blocks, NULL, 0);
    if (rc == 0)
        rc = akl_stream_sync(NULL, SYNC_MS);
    uint64_t results[64] = {0};
    if (rc == 0)
        rc = akl_memcpy_from_device(results, out, blocks * sizeof(uint64_t));
    for (uint32_t b = 0; rc == 0 && b < blocks; b++) {
        if (results[b] != value + b) {
            fprintf(stderr, "block %u wrote %" PRIu64 ", expected %" PRIu64 "\n", b, results[b],
                    value + b);
            rc = -1;
        }
    }
    akl_mem_free(out);
    return rc;
}

static int store_and_check(const akl_module_t *module, uint32_t blocks, uint64_t value)
{
    return store_and_check_with(module, NULL, blocks, value);
}

/* Launches a kernel that writes one uint64_t through args[0]; returns the value or UINT64_MAX. */
static uint64_t run_marker(const akl_module_t *module, const char *kernel)
{
    void *out = NULL;
    uint64_t value = UINT64_MAX;
    if (akl_mem_alloc(&out, sizeof value) != 0)
        return UINT64_MAX;
    uint64_t args[1] = {(uint64_t)(uintptr_t)out};
    if (akl_launch(module, kernel, args, sizeof args, 1, NULL, 0) == 0 &&
        akl_stream_sync(NULL, SYNC_MS) == 0)
        akl_memcpy_from_device(&value, out, sizeof value);
    akl_mem_free(out);
    return value;
}

static akl_boot_outcome_t outcome_of(const akl_module_t *module)
{
    akl_module_info_t info;
    akl_module_info(module, &info);
    return info.outcome;
}

/* Files in the device's preinstall directory whose name contains needle. */
static int count_files(int32_t device, const char *needle)
{
    char dir_path[4096];
    preinstall_dir(device, dir_path, sizeof dir_path);
    DIR *dir = opendir(dir_path);
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        /* Not libakl's own collector, published beside the first file a process writes (the
         * AKL_DEVICE_CACHE_MAX bound after a load that wrote). */
        if (strstr(e->d_name, needle) && strncmp(e->d_name, "aklgc_", 6) != 0)
            count++;
    }
    closedir(dir);
    return count;
}

static bool file_equals(const char *path, const char *source)
{
    size_t a_size, b_size;
    void *a = t_read_file(path, &a_size);
    void *b = t_read_file(source, &b_size);
    bool same = a && b && a_size == b_size && memcmp(a, b, a_size) == 0;
    free(a);
    free(b);
    return same;
}

/* ---- Child scenarios ---------------------------------------------------------------------------
 */

/* Device 0 already holds libldrk_basic.so (the parent loaded it): nothing is written. */
static int child_identical(void)
{
    akl_module_t *module;
    T_CHECK(1, akl_device_open(0) == 0);
    T_CHECK(2, akl_module_load_file(0, kernel_file("libldrk_basic.so"), NULL, &module) == 0);
    T_CHECK(3, outcome_of(module) == AKL_BOOT_IDENTICAL);
    T_CHECK(4, store_and_check(module, 2, 500) == 0);
    T_CHECK(5, akl_device_close(0) == 0);
    return 0;
}

/* The changed SO on device 1, while the parent keeps the old one loaded. */
static int child_load_v2(void)
{
    akl_module_t *module;
    T_CHECK(1, akl_device_open(1) == 0);
    T_CHECK(2, akl_module_load_file(1, kernel_file("libldrk_basic_v2.so"), NULL, &module) == 0);
    T_CHECK(3, outcome_of(module) == AKL_BOOT_WROTE);
    T_CHECK(4, run_marker(module, "ldrk_version") == 2);
    T_CHECK(5, akl_device_close(1) == 0);
    return 0;
}

/* Under the strict latch the second, different runtime SO is skipped by the device's loader: with
 * the extend route forced that is the error; auto then takes the custom route, which runs it. */
static int child_strict_latch(void)
{
    const char *first_so = kernel_file("libldrk_basic.so");
    const char *second_so = kernel_file("libldrk_other.so");
    akl_module_t *first, *second = NULL;
    T_CHECK(1, latcht_strict_setup(4, first_so, second_so, &first) == 0);
    T_CHECK(5, strstr(akl_last_error(), "libaicpu_extend_kernels.so") != NULL);
    T_CHECK(17, strstr(akl_last_error(), "akl's dispatcher answered an earlier bootstrap") != NULL);
    akl_cache_stats_t stats;
    akl_cache_stats(&stats);
    T_CHECK(8, stats.failures == 1 && stats.bootstraps == 2);
    T_CHECK(9, store_and_check(first, 3, 40) == 0);
    akl_route_t route = AKL_ROUTE_AUTO;
    T_CHECK(10, akl_device_route(4, &route) == 0 && route == AKL_ROUTE_EXTEND);
    T_CHECK(11, latcht_second_takes_custom(4, second_so, &second) == 0);
    akl_module_info_t info;
    T_CHECK(12, akl_module_info(second, &info) == 0 && info.outcome == AKL_BOOT_UPLOADED);
    T_CHECK(13, run_marker(second, "ldrk_other_mark") == 0x07e4);
    T_CHECK(15, store_and_check(first, 3, 50) == 0);
    T_CHECK(16, akl_device_close(4) == 0);
    return 0;
}

/* A dispatcher that is not akl's (the simulator tests' fake one) is latched first: through
 * $AKL_DISPATCHER, then, with it unset, as any other user of the extend kernels would have left
 * it. With the extend route forced neither load is acknowledged, and neither message blames akl's
 * own latch. */
static int child_foreign_dispatcher(void)
{
    setenv("AKL_ROUTE", "extend", 1);
    char fake_dispatcher[4096];
    snprintf(fake_dispatcher, sizeof fake_dispatcher, "%s", kernel_file("liblookk_disp_a.so"));
    setenv("AKL_DISPATCHER", fake_dispatcher, 1);
    akl_module_t *module = NULL;
    T_CHECK(1, akl_device_open(4) == 0);
    T_CHECK(2, akl_module_load_file(4, kernel_file("libldrk_basic.so"), NULL, &module) ==
                   AKL_EBOOTSKIPPED);
    T_CHECK(3, strstr(akl_last_error(), "$AKL_DISPATCHER=") != NULL);
    T_CHECK(4, strstr(akl_last_error(), fake_dispatcher) != NULL);
    T_CHECK(5, strstr(akl_last_error(), "akl's dispatcher answered") == NULL);
    unsetenv("AKL_DISPATCHER");
    T_CHECK(6, akl_module_load_file(4, kernel_file("libldrk_other.so"), NULL, &module) ==
                   AKL_EBOOTSKIPPED);
    T_CHECK(7, strstr(akl_last_error(), "already holds a dispatcher that is not akl's") != NULL);
    T_CHECK(8, strstr(akl_last_error(), "Resetting the device does not help") != NULL);
    T_CHECK(9, module == NULL);
    T_CHECK(10, akl_device_close(4) == 0);
    return 0;
}

/* ---- A foreign user of the extend kernels -------------------------------------------------- */

/* The simulator's entry points, from the library libakl resolved (same handle: RTLD_NOLOAD). */
typedef struct foreign_rt {
    __typeof__(aclrtMalloc) *malloc;
    __typeof__(aclrtMemcpy) *memcpy;
    __typeof__(aclrtSynchronizeStream) *sync;
    __typeof__(rtAicpuKernelLaunchExWithArgs) *launch;
} foreign_rt_t;

static int foreign_rt_get(foreign_rt_t *rt)
{
    const char *name = akl_runtime_name(); /* "sim:<path>" */
    void *lib = name && strncmp(name, "sim:", 4) == 0
                    ? dlopen(name + 4, RTLD_NOW | RTLD_NOLOAD | RTLD_LOCAL)
                    : NULL;
    if (!lib)
        return -1;
    *(void **)&rt->malloc = dlsym(lib, "aclrtMalloc");
    *(void **)&rt->memcpy = dlsym(lib, "aclrtMemcpy");
    *(void **)&rt->sync = dlsym(lib, "aclrtSynchronizeStream");
    *(void **)&rt->launch = dlsym(lib, "rtAicpuKernelLaunchExWithArgs");
    return rt->malloc && rt->memcpy && rt->sync && rt->launch ? 0 : -1;
}

/* What another framework in the process does before akl: its own KFC bootstrap of its own
 * dispatcher (the simulator tests' fake one) through libaicpu_extend_kernels.so, with PyPTO's
 * layout: DeviceKernelArgs (cfgdata at 40) then DeviceArgs (aicpuSoBin/Len/deviceId at 96/104/112;
 * the fake dispatcher keeps its record at the address at 160). Returns 0 when the task ran. */
static int foreign_bootstrap(int32_t device, const char *dispatcher_path)
{
    foreign_rt_t rt;
    size_t size = 0;
    void *dispatcher = t_read_file(dispatcher_path, &size);
    void *dev = NULL;
    int rc = dispatcher && foreign_rt_get(&rt) == 0 ? 0 : -1;
    if (rc == 0)
        rc = rt.malloc(&dev, 512 + size, ACL_MEM_MALLOC_HUGE_FIRST);
    static const unsigned char zero_record[512];
    if (rc == 0)
        rc = rt.memcpy(dev, 512 + size, zero_record, sizeof zero_record, ACL_MEMCPY_HOST_TO_DEVICE);
    if (rc == 0)
        rc = rt.memcpy((char *)dev + 512, size, dispatcher, size, ACL_MEMCPY_HOST_TO_DEVICE);
    free(dispatcher);
    if (rc != 0)
        return rc;
    unsigned char blob[48 + 168 + 54] = {0};
    uint64_t words[4] = {(uint64_t)(uintptr_t)dev + 512, size, (uint64_t)device,
                         (uint64_t)(uintptr_t)dev};
    memcpy(blob + 48 + 96, words, 3 * sizeof words[0]);
    memcpy(blob + 48 + 160, &words[3], sizeof words[3]);
    memcpy(blob + 216, "DynTileFwkKernelServerInit", 27);
    memcpy(blob + 243, "libaicpu_extend_kernels.so", 27);
    rtHostInputInfo_t fixup = {.addrOffset = 40, .dataOffset = 48};
    rtAicpuArgsEx_t info = {.args = blob,
                            .hostInputInfoPtr = &fixup,
                            .argsSize = sizeof blob,
                            .hostInputInfoNum = 1,
                            .soNameAddrOffset = 243,
                            .kernelNameAddrOffset = 216};
    rc = rt.launch(KERNEL_TYPE_AICPU_KFC, "DynTileFwkKernelServerInit", 1, &info, NULL, NULL, 0);
    return rc == 0 ? rt.sync(NULL) : rc;
}

/* Another user of the extend kernels in this process latched its dispatcher first, with no
 * $AKL_DISPATCHER involved: with the extend route forced the message says so, and that a reset
 * does not help; under auto (the extend path latched to another dispatcher) the custom route
 * loads and runs the SO. */
static int child_foreign_client(void)
{
    setenv("AKL_ROUTE", "extend", 1);
    akl_module_t *module = NULL;
    T_CHECK(1, akl_device_open(4) == 0);
    T_CHECK(2, foreign_bootstrap(4, kernel_file("liblookk_disp_b.so")) == 0);
    T_CHECK(3, akl_module_load_file(4, kernel_file("libldrk_basic.so"), NULL, &module) ==
                   AKL_EBOOTSKIPPED);
    T_CHECK(4, strstr(akl_last_error(), "libakl's first on this device in this process") != NULL);
    T_CHECK(5, strstr(akl_last_error(), "already holds a dispatcher that is not akl's") != NULL);
    T_CHECK(6, strstr(akl_last_error(), "another user of DynTileFwkKernelServerInit") != NULL);
    T_CHECK(7, strstr(akl_last_error(), "AKL_DISPATCHER=") == NULL);
    T_CHECK(8, module == NULL);
    unsetenv("AKL_ROUTE");
    T_CHECK(10, akl_module_load_file(4, kernel_file("libldrk_basic.so"), NULL, &module) == 0);
    akl_module_info_t info;
    T_CHECK(11, akl_module_info(module, &info) == 0 && info.route == AKL_ROUTE_CUSTOM);
    T_CHECK(12, store_and_check(module, 2, 70) == 0);
    T_CHECK(9, akl_device_close(4) == 0);
    return 0;
}

/* Kernel handles on the custom route (issue 14): the handle remembers the function registered on
 * its first launch; launches by handle and by name, alternating with another kernel, run the
 * right kernel each time. */
static int child_custom_handle(void)
{
    akl_load_options_t custom = {.size = sizeof custom, .route = AKL_ROUTE_CUSTOM};
    akl_module_t *module;
    const akl_kernel_t *store = NULL;
    akl_module_info_t info;
    T_CHECK(1, akl_device_open(4) == 0);
    T_CHECK(2, akl_module_load_file(4, kernel_file("libldrk_basic.so"), &custom, &module) == 0);
    T_CHECK(3, akl_module_info(module, &info) == 0 && info.route == AKL_ROUTE_CUSTOM);
    T_CHECK(4, akl_module_get_kernel(module, "ldrk_store", &store) == 0);
    for (uint64_t i = 0; i < 3; i++) {
        T_CHECK(5, store_and_check_with(module, store, 4, 100 * i) == 0);
        T_CHECK(6, run_marker(module, "ldrk_version") == 1);
        T_CHECK(7, store_and_check(module, 3, 1000 + i) == 0);
    }
    T_CHECK(8, akl_device_close(4) == 0);
    return 0;
}

static int run_child_scenario(const char *name)
{
    setenv("AKL_RUNTIME", "sim", 1);
    if (strcmp(name, "identical") == 0)
        return child_identical();
    if (strcmp(name, "load-v2") == 0)
        return child_load_v2();
    if (strcmp(name, "strict-latch") == 0)
        return child_strict_latch();
    if (strcmp(name, "foreign-dispatcher") == 0)
        return child_foreign_dispatcher();
    if (strcmp(name, "foreign-client") == 0)
        return child_foreign_client();
    if (strcmp(name, "custom-handle") == 0)
        return child_custom_handle();
    fprintf(stderr, "unknown child scenario %s\n", name);
    return 99;
}

/* Runs this binary as "--child name"; returns the child's exit code (100: it did not exit). */
static int spawn_child(const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_exe, self_exe, "--child", name, (char *)NULL);
        _exit(98);
    }
    int status = t_wait_child(pid, CHILD_DEADLINE_MS);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* ---- Tests ------------------------------------------------------------------------------------
 */

static void test_load_launch_and_results(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(0), 0);
    const char *path = kernel_file("libldrk_basic.so");
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, path, NULL, &module), 0);
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(info.outcome, AKL_BOOT_WROTE);
    char dir[4096], expected[4400];
    preinstall_dir(0, dir, sizeof dir);
    snprintf(expected, sizeof expected, "%s/%s", dir, info.basename);
    assert_string_equal(info.device_path, expected);
    assert_true(file_equals(info.device_path, path));
    assert_int_equal(store_and_check(module, 8, 1000), 0);
    assert_int_equal(run_marker(module, "ldrk_version"), 1);
    /* An empty payload reaches the kernel too. */
    assert_int_equal(akl_launch(module, "ldrk_empty", NULL, 0, 4, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
    assert_string_equal(akl_runtime_name(), akl_runtime_name());
    assert_int_equal(strncmp(akl_runtime_name(), "sim:", 4), 0);
}

/* A kernel handle (issue 14): resolved once, checked then (an unexported name fails at
 * akl_module_get_kernel), the same handle for the same name, and launches that run the kernel. */
static void test_kernel_handle_resolves_once_and_launches(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(0), 0);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, kernel_file("libldrk_basic.so"), NULL, &module), 0);
    const akl_kernel_t *store = NULL, *again = NULL, *missing = NULL;
    assert_int_equal(akl_module_get_kernel(module, "ldrk_store", &store), 0);
    assert_int_equal(akl_module_get_kernel(module, "ldrk_store", &again), 0);
    assert_ptr_equal(store, again);
    assert_int_equal(akl_module_get_kernel(module, "ldrk_stor", &missing), AKL_ENOSYM);
    assert_null(missing);
    assert_int_equal(akl_module_get_kernel(module, "bad name", &missing), AKL_ENAME);
    assert_int_equal(akl_launch_kernel(NULL, NULL, 0, 1, NULL, 0), AKL_EINVAL);
    assert_int_equal(akl_module_get_kernel(module, "ldrk_store", NULL), AKL_EINVAL);
    assert_int_equal(akl_module_get_kernel(NULL, "ldrk_store", &missing), AKL_EINVAL);
    uint64_t *out = NULL;
    assert_int_equal(akl_mem_alloc((void **)&out, 4 * sizeof(uint64_t)), 0);
    uint64_t args[2] = {(uint64_t)(uintptr_t)out, 500};
    assert_int_equal(akl_launch_kernel(store, args, sizeof args, 4, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
    uint64_t results[4] = {0};
    assert_int_equal(akl_memcpy_from_device(results, out, sizeof results), 0);
    for (uint64_t b = 0; b < 4; b++)
        assert_int_equal(results[b], 500 + b);
    assert_int_equal(akl_launch_kernel(store, args, sizeof args, 0, NULL, 0), AKL_EINVAL);
    assert_int_equal(akl_mem_free(out), 0);
    assert_int_equal(akl_device_close(0), 0);
}

/* akl_launch remembers the kernel it resolved last per module, and reuses it only for the same
 * bytes: a name rewritten in place in the caller's buffer (the same pointer) launches the new
 * kernel, and a prefix or an extension of the remembered name is looked up (and refused) as
 * itself. */
static void test_launch_by_name_reuses_only_the_same_bytes(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(0), 0);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, kernel_file("libldrk_basic.so"), NULL, &module), 0);
    uint64_t *out = NULL;
    assert_int_equal(akl_mem_alloc((void **)&out, 4 * sizeof(uint64_t)), 0);
    char name[64];
    for (int round = 0; round < 2; round++) {
        snprintf(name, sizeof name, "ldrk_store");
        uint64_t store[2] = {(uint64_t)(uintptr_t)out, 300 + (uint64_t)round};
        assert_int_equal(akl_launch(module, name, store, sizeof store, 1, NULL, 0), 0);
        assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
        uint64_t value = 0;
        assert_int_equal(akl_memcpy_from_device(&value, out, sizeof value), 0);
        assert_int_equal(value, 300 + (uint64_t)round);
        /* Same pointer, other bytes: ldrk_version writes 1 where ldrk_store would write 301+. */
        snprintf(name, sizeof name, "ldrk_version");
        uint64_t marker[1] = {(uint64_t)(uintptr_t)out};
        assert_int_equal(akl_launch(module, name, marker, sizeof marker, 1, NULL, 0), 0);
        assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
        assert_int_equal(akl_memcpy_from_device(&value, out, sizeof value), 0);
        assert_int_equal(value, 1);
        snprintf(name, sizeof name, "ldrk_versio");
        assert_int_equal(akl_launch(module, name, marker, sizeof marker, 1, NULL, 0), AKL_ENOSYM);
        snprintf(name, sizeof name, "ldrk_versionx");
        assert_int_equal(akl_launch(module, name, marker, sizeof marker, 1, NULL, 0), AKL_ENOSYM);
        snprintf(name, sizeof name, "ldrk version");
        assert_int_equal(akl_launch(module, name, marker, sizeof marker, 1, NULL, 0), AKL_ENAME);
    }
    assert_int_equal(akl_mem_free(out), 0);
    assert_int_equal(akl_device_close(0), 0);
}

static void test_kernel_handle_on_the_custom_route(void **state)
{
    (void)state;
    assert_int_equal(spawn_child("custom-handle"), 0);
}

static void test_thousand_loads_one_bootstrap_no_memory(void **state)
{
    (void)state;
    const char *path = kernel_file("libldrk_basic.so");
    akl_module_t *first = NULL, *again = NULL;
    assert_int_equal(akl_module_load_file(0, path, NULL, &first), 0);
    size_t free_after_one, free_after_many, total;
    assert_int_equal(akl_mem_info(&free_after_one, &total), 0);
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(akl_module_load_file(0, path, NULL, &again), 0);
        assert_ptr_equal(again, first);
    }
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps - before.bootstraps, 0);
    assert_int_equal(after.hits - before.hits, 1000);
    assert_int_equal(akl_mem_info(&free_after_many, &total), 0);
    assert_int_equal(free_after_many, free_after_one);
    /* In this process, device 0 has seen exactly one bootstrap of these bytes. */
    assert_int_equal(after.bootstraps, 1);
}

static void test_second_process_finds_identical_file(void **state)
{
    (void)state;
    akl_module_t *module;
    assert_int_equal(akl_module_load_file(0, kernel_file("libldrk_basic.so"), NULL, &module), 0);
    assert_int_equal(spawn_child("identical"), 0);
    /* Two processes, one file: the name carries the fingerprint, and no temporary is left. */
    akl_module_info_t info;
    akl_module_info(module, &info);
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, info.fingerprint);
    assert_int_equal(count_files(0, hex), 1);
    assert_int_equal(count_files(0, ".tmp."), 0);
    assert_true(file_equals(info.device_path, kernel_file("libldrk_basic.so")));
}

static void test_wrong_bytes_under_the_name_are_replaced(void **state)
{
    (void)state;
    const char *path = kernel_file("libldrk_basic.so");
    size_t size;
    void *bytes = t_read_file(path, &size);
    assert_non_null(bytes);
    char name[128], dir[4096], target[4400];
    assert_int_equal(akl_basename(NULL, akl_fingerprint(bytes, size), 2, name, sizeof name), 0);
    free(bytes);
    preinstall_dir(2, dir, sizeof dir);
    assert_int_equal(t_make_dirs(dir), 0);
    snprintf(target, sizeof target, "%s/%s", dir, name);
    assert_int_equal(t_write_file(target, "not the right bytes", 19), 0);
    assert_int_equal(akl_device_open(2), 0);
    akl_module_t *module;
    assert_int_equal(akl_module_load_file(2, path, NULL, &module), 0);
    assert_int_equal(outcome_of(module), AKL_BOOT_REPLACED);
    assert_true(file_equals(target, path));
    assert_int_equal(store_and_check(module, 2, 77), 0);
    assert_int_equal(akl_device_close(2), 0);
}

static void test_changed_so_gets_a_new_name_and_old_keeps_working(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(1), 0);
    akl_module_t *v1;
    assert_int_equal(akl_module_load_file(1, kernel_file("libldrk_basic.so"), NULL, &v1), 0);
    assert_int_equal(run_marker(v1, "ldrk_version"), 1);
    assert_int_equal(spawn_child("load-v2"), 0);
    assert_int_equal(run_marker(v1, "ldrk_version"), 1);
    assert_int_equal(count_files(1, "_1.so"), 2);
    akl_module_t *v2;
    assert_int_equal(akl_module_load_file(1, kernel_file("libldrk_basic_v2.so"), NULL, &v2), 0);
    assert_int_equal(outcome_of(v2), AKL_BOOT_IDENTICAL);
    akl_module_info_t i1, i2;
    akl_module_info(v1, &i1);
    akl_module_info(v2, &i2);
    assert_string_not_equal(i1.basename, i2.basename);
    assert_int_equal(run_marker(v2, "ldrk_version"), 2);
    assert_int_equal(run_marker(v1, "ldrk_version"), 1);
    assert_int_equal(akl_device_close(1), 0);
}

static void test_two_runtime_sos_side_by_side(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(3), 0);
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    akl_module_t *basic, *other;
    assert_int_equal(akl_module_load_file(3, kernel_file("libldrk_basic.so"), NULL, &basic), 0);
    assert_int_equal(akl_module_load_file(3, kernel_file("libldrk_other.so"), NULL, &other), 0);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps - before.bootstraps, 2);
    assert_int_equal(outcome_of(other), AKL_BOOT_WROTE);
    assert_int_equal(run_marker(other, "ldrk_other_mark"), 0x07e4);
    assert_int_equal(store_and_check(basic, 4, 9), 0);
    assert_int_equal(run_marker(other, "ldrk_other_mark"), 0x07e4);
    assert_int_equal(akl_device_close(3), 0);
}

static void test_strict_latch_second_so_fails_forced_extend_and_takes_custom(void **state)
{
    (void)state;
    assert_int_equal(spawn_child("strict-latch"), 0);
}

static void test_foreign_dispatcher_is_not_blamed_on_the_latch(void **state)
{
    (void)state;
    assert_int_equal(spawn_child("foreign-dispatcher"), 0);
    assert_int_equal(spawn_child("foreign-client"), 0);
}

static void test_device_side_failures(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(6), 0);
    akl_module_t *module;
    assert_int_equal(akl_module_load_file(6, kernel_file("libldrk_basic.so"), NULL, &module), 0);
    uint64_t args[1] = {0};
    /* A kernel the SO does not export is refused by the launch itself, naming what it exports. */
    assert_int_equal(akl_launch(module, "ldrk_stor", args, sizeof args, 1, NULL, 0), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "the SO does not export \"ldrk_stor\""));
    assert_non_null(strstr(akl_last_error(), "libldrk_basic.so"));
    assert_non_null(strstr(akl_last_error(), "nearest exported names: \"ldrk_store\""));
    assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 0);
    /* Whatever the stream's failure mode, a reset gives a working device. */
    assert_int_equal(akl_device_close(6), 0);
    assert_int_equal(akl_device_open(6), 0);
    assert_int_equal(akl_launch(module, "ldrk_fail", args, sizeof args, 1, NULL, 0), 0);
    assert_int_equal(akl_stream_sync(NULL, SYNC_MS), 507018);
    assert_int_equal(akl_device_close(6), 0);
    assert_int_equal(akl_device_open(6), 0);
    assert_int_equal(store_and_check(module, 2, 5), 0);
    assert_int_equal(akl_device_close(6), 0);
}

static void test_kernel_that_never_returns(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(5), 0);
    akl_module_t *module;
    assert_int_equal(akl_module_load_file(5, kernel_file("libldrk_basic.so"), NULL, &module), 0);
    uint64_t args[1] = {0};
    assert_int_equal(akl_launch(module, "ldrk_spin", args, sizeof args, 1, NULL, 1), 0);
    int rc = akl_stream_sync(NULL, SYNC_MS);
    assert_true(rc == 507017 || rc == 507018 || rc == 507000 || rc == 507046);
    assert_true(strlen(akl_last_error()) > 0);
    assert_non_null(strstr(akl_last_error(), akl_errname(rc)));
    assert_int_equal(akl_device_close(5), 0);
    assert_int_equal(akl_device_open(5), 0);
    assert_int_equal(store_and_check(module, 3, 123), 0);
    assert_int_equal(akl_device_close(5), 0);
}

static bool no_scheduler_left(void *arg)
{
    (void)arg;
    return t_count_processes(SCHED_COMM, getpid()) == 0;
}

static int group_setup(void **state)
{
    (void)state;
    setenv("AKL_RUNTIME", "sim", 1);
    unsetenv("AKL_SIM_EXTEND_LATCH");
    return akl_init();
}

static int group_teardown(void **state)
{
    (void)state;
    akl_device_close(0);
    bool clean = t_wait_until(no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

/* opts->cache_hit says per call whether a load returned a module from the process cache (issue
 * 10): false for the load that bootstraps, true for the next one, false for a failed load, and a
 * caller whose opts->size stops short of the field never has it written. */
static void test_load_says_whether_it_hit_the_cache(void **state)
{
    (void)state;
    assert_int_equal(akl_device_open(7), 0);
    bool hit = true;
    akl_load_options_t opts = {.size = sizeof opts, .cache_hit = &hit};
    akl_module_t *first = NULL, *again = NULL, *none = NULL;
    assert_int_equal(akl_module_load_file(7, kernel_file("libldrk_other.so"), &opts, &first), 0);
    assert_false(hit);
    assert_int_equal(akl_module_load_file(7, kernel_file("libldrk_other.so"), &opts, &again), 0);
    assert_true(hit);
    assert_ptr_equal(again, first);
    assert_int_not_equal(akl_module_load_file(7, "/nonexistent/libnone.so", &opts, &none), 0);
    assert_false(hit);
    bool untouched = true;
    akl_load_options_t old = {.size = offsetof(akl_load_options_t, cache_hit),
                              .cache_hit = &untouched};
    assert_int_equal(akl_module_load_file(7, kernel_file("libldrk_basic.so"), &old, &none), 0);
    assert_true(untouched);
    assert_int_equal(akl_device_close(7), 0);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return run_child_scenario(argv[2]);
    if (!t_self_exe(self_exe, sizeof self_exe))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_launch_and_results),
        cmocka_unit_test(test_kernel_handle_resolves_once_and_launches),
        cmocka_unit_test(test_launch_by_name_reuses_only_the_same_bytes),
        cmocka_unit_test(test_kernel_handle_on_the_custom_route),
        cmocka_unit_test(test_thousand_loads_one_bootstrap_no_memory),
        cmocka_unit_test(test_second_process_finds_identical_file),
        cmocka_unit_test(test_wrong_bytes_under_the_name_are_replaced),
        cmocka_unit_test(test_changed_so_gets_a_new_name_and_old_keeps_working),
        cmocka_unit_test(test_two_runtime_sos_side_by_side),
        cmocka_unit_test(test_strict_latch_second_so_fails_forced_extend_and_takes_custom),
        cmocka_unit_test(test_foreign_dispatcher_is_not_blamed_on_the_latch),
        cmocka_unit_test(test_device_side_failures),
        cmocka_unit_test(test_kernel_that_never_returns),
        cmocka_unit_test(test_load_says_whether_it_hit_the_cache),
    };
    return t_run_group_tests(tests, group_setup, group_teardown);
}
