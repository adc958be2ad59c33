/* Tests of the simulator's libaicpu_extend_kernels.so (src/sim/device/extend_kernels.c), driven
 * in-process with DeviceArgs in host memory (in-process a device address is just a pointer):
 * the firstCreatSo_ / firstLoadSo_ latches, the normal and strict latch modes, a dispatcher
 * missing an export, empty uploads and bad arguments. Each test loads its own copy of the library,
 * so that each starts with the latches of a fresh scheduler process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bootstrap_abi.h"
#include "lookk_fake_dispatcher.h"
#include "test_support.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EK_THREADS 4
#define EK_MEMFD_PREFIX "/memfd:akl_extend_server"

typedef uint32_t (*ek_kernel_fn)(void *args);

/* One launch's worth of host-memory "device" data. */
typedef struct ek_launch {
    akl_device_kernel_args_t kargs;
    akl_device_args_t dargs;
    lookk_dispatch_record_t record;
    void *so_bytes;
    size_t so_len;
} ek_launch_t;

/* One fresh copy of the library: its three kernels. */
typedef struct ek_instance {
    void *handle;
    ek_kernel_fn init;
    ek_kernel_fn dyn;
    ek_kernel_fn stat;
} ek_instance_t;

typedef struct ek_state {
    char base[PATH_MAX];
    int copies;
    ek_instance_t lib;
    ek_launch_t a, b, noexport;
} ek_state_t;

static void ek_launch_init(ek_launch_t *launch, const char *kernel_file, uint64_t device_id)
{
    memset(launch, 0, sizeof *launch);
    if (kernel_file) {
        char path[PATH_MAX];
        launch->so_bytes =
            t_read_file(t_kernel_path(kernel_file, path, sizeof path), &launch->so_len);
        assert_non_null(launch->so_bytes);
    }
    launch->kargs.cfgdata = (uint64_t)(uintptr_t)&launch->dargs;
    launch->dargs.aicpu_so_bin = (uint64_t)(uintptr_t)launch->so_bytes;
    launch->dargs.aicpu_so_len = launch->so_len;
    launch->dargs.device_id = device_id;
    launch->dargs.ack_addr = (uint64_t)(uintptr_t)&launch->record;
}

/* Copies the built library under a new name and loads it: a new name is a new object for the
 * dynamic loader, with its own fresh latches. */
static void ek_load_fresh_copy(ek_state_t *st)
{
    char dir[PATH_MAX + 32], path[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/copy%d", st->base, ++st->copies);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/libaicpu_extend_kernels.so", dir);
    size_t size = 0;
    void *data = t_read_file(SIM_TEST_EXTEND_LIB, &size);
    assert_non_null(data);
    assert_int_equal(t_write_file(path, data, size), 0);
    free(data);
    st->lib.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!st->lib.handle)
        fail_msg("dlopen %s: %s", path, dlerror());
    void *init = dlsym(st->lib.handle, "DynTileFwkKernelServerInit");
    void *dyn = dlsym(st->lib.handle, "DynTileFwkKernelServer");
    void *stat_fn = dlsym(st->lib.handle, "StaticTileFwkKernelServer");
    assert_non_null(init);
    assert_non_null(dyn);
    assert_non_null(stat_fn);
    memcpy(&st->lib.init, &init, sizeof init);
    memcpy(&st->lib.dyn, &dyn, sizeof dyn);
    memcpy(&st->lib.stat, &stat_fn, sizeof stat_fn);
    /* Only the three kernels are exported. */
    assert_null(dlsym(st->lib.handle, "extend_save_so"));
    assert_null(dlsym(st->lib.handle, "extend_state"));
}

static int ek_group_setup(void **state)
{
    ek_state_t *st = calloc(1, sizeof *st);
    assert_non_null(st);
    assert_non_null(t_sim_root_or_temp("extend", st->base, sizeof st->base));
    mkdir(st->base, 0755);
    *state = st;
    return 0;
}

static int ek_group_teardown(void **state)
{
    ek_state_t *st = *state;
    t_rmtree(st->base);
    free(st);
    return 0;
}

static int ek_setup(void **state)
{
    ek_state_t *st = *state;
    unsetenv("AKL_SIM_EXTEND_LATCH");
    ek_load_fresh_copy(st);
    ek_launch_init(&st->a, "liblookk_disp_a.so", 0);
    ek_launch_init(&st->b, "liblookk_disp_b.so", 0);
    ek_launch_init(&st->noexport, "liblookk_disp_noexport.so", 0);
    return 0;
}

/* The copy stays loaded: the dispatcher it loaded may still be mapped, and unloading proves
 * nothing here. */
static int ek_teardown(void **state)
{
    ek_state_t *st = *state;
    unsetenv("AKL_SIM_EXTEND_LATCH");
    free(st->a.so_bytes);
    free(st->b.so_bytes);
    free(st->noexport.so_bytes);
    return 0;
}

/* How many uploaded SOs this process holds: each save is one memfd. */
static int ek_count_saved_sos(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char link[PATH_MAX + 32], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        count += strncmp(target, EK_MEMFD_PREFIX, strlen(EK_MEMFD_PREFIX)) == 0;
    }
    closedir(d);
    return count;
}

static void test_normal_latch_calls_first_dispatcher_with_each_launch_args(void **state)
{
    ek_state_t *st = *state;
    int saved = ek_count_saved_sos();
    assert_int_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->a.record.init_calls, 1);
    assert_int_equal(st->a.record.dispatcher_id, 1);
    assert_ptr_equal(st->a.record.last_args, &st->a.kargs);
    assert_int_equal(ek_count_saved_sos(), saved + 1);
    /* Other bytes in the second launch: not saved, but the first dispatcher's Init runs again
     * with this launch's args. */
    assert_int_equal(st->lib.init(&st->b.kargs), 0);
    assert_int_equal(st->b.record.init_calls, 1);
    assert_int_equal(st->b.record.dispatcher_id, 1);
    assert_ptr_equal(st->b.record.last_args, &st->b.kargs);
    assert_int_equal(st->a.record.init_calls, 1);
    assert_int_equal(ek_count_saved_sos(), saved + 1);
}

static void test_init_result_is_passed_through(void **state)
{
    ek_state_t *st = *state;
    st->a.record.init_result = 1005;
    assert_int_equal(st->lib.init(&st->a.kargs), 1005);
    assert_int_equal(st->a.record.init_calls, 1);
}

static void test_servers_call_loaded_dispatcher(void **state)
{
    ek_state_t *st = *state;
    assert_int_not_equal(st->lib.dyn(&st->a.kargs), 0); /* nothing loaded yet */
    assert_int_not_equal(st->lib.stat(&st->a.kargs), 0);
    assert_int_equal(st->a.record.dyn_calls + st->a.record.static_calls, 0);
    assert_int_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->lib.dyn(&st->b.kargs), 0);
    assert_int_equal(st->lib.stat(&st->b.kargs), 0);
    assert_int_equal(st->b.record.dyn_calls, 1);
    assert_int_equal(st->b.record.static_calls, 1);
    assert_ptr_equal(st->b.record.last_args, &st->b.kargs);
}

static void test_strict_latch_skips_later_inits(void **state)
{
    ek_state_t *st = *state;
    setenv("AKL_SIM_EXTEND_LATCH", "strict", 1);
    int saved = ek_count_saved_sos();
    assert_int_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->a.record.init_calls, 1);
    assert_int_equal(st->lib.init(&st->b.kargs), 0);
    assert_int_equal(st->b.record.init_calls, 0);
    assert_int_equal(st->a.record.init_calls, 1);
    assert_int_equal(ek_count_saved_sos(), saved + 1);
    /* The switch is read at each call. */
    setenv("AKL_SIM_EXTEND_LATCH", "normal", 1);
    assert_int_equal(st->lib.init(&st->b.kargs), 0);
    assert_int_equal(st->b.record.init_calls, 1);
    assert_int_equal(st->b.record.dispatcher_id, 1);
}

static void test_missing_export_fails_and_stays_failed(void **state)
{
    ek_state_t *st = *state;
    assert_int_not_equal(st->lib.init(&st->noexport.kargs), 0);
    assert_int_equal(st->noexport.record.init_calls, 0);
    assert_int_not_equal(st->lib.dyn(&st->noexport.kargs), 0);
    assert_int_equal(st->noexport.record.dyn_calls, 0);
    /* As on the device: one upload per process, so a later good one is ignored. */
    assert_int_not_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->a.record.init_calls, 0);
}

static void test_empty_upload_saves_nothing(void **state)
{
    ek_state_t *st = *state;
    int saved = ek_count_saved_sos();
    ek_launch_t empty;
    ek_launch_init(&empty, NULL, 0);
    assert_int_not_equal(st->lib.init(&empty.kargs), 0); /* no dispatcher to call */
    assert_int_equal(ek_count_saved_sos(), saved);
    /* The latch is not set by an empty upload: a real one still goes through. */
    assert_int_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->a.record.init_calls, 1);
    assert_int_equal(ek_count_saved_sos(), saved + 1);
}

static void test_bad_args_fail_without_crashing(void **state)
{
    ek_state_t *st = *state;
    assert_int_not_equal(st->lib.init(NULL), 0);
    ek_launch_t bad;
    ek_launch_init(&bad, NULL, 0);
    bad.kargs.cfgdata = 0;
    assert_int_not_equal(st->lib.init(&bad.kargs), 0);
    bad.kargs.cfgdata = 0x10; /* unmapped */
    assert_int_not_equal(st->lib.init(&bad.kargs), 0);
    ek_launch_init(&bad, NULL, 0);
    bad.dargs.aicpu_so_bin = 0x10;
    bad.dargs.aicpu_so_len = 4096;
    assert_int_not_equal(st->lib.init(&bad.kargs), 0);
    bad.dargs.aicpu_so_bin = 0;
    assert_int_not_equal(st->lib.init(&bad.kargs), 0);
    /* None of that latched anything. */
    assert_int_equal(st->lib.init(&st->a.kargs), 0);
    assert_int_equal(st->a.record.init_calls, 1);
}

static void test_non_elf_upload_fails(void **state)
{
    ek_state_t *st = *state;
    ek_launch_t junk;
    ek_launch_init(&junk, NULL, 0);
    static char bytes[] = "definitely not an ELF shared object";
    junk.dargs.aicpu_so_bin = (uint64_t)(uintptr_t)bytes;
    junk.dargs.aicpu_so_len = sizeof bytes;
    assert_int_not_equal(st->lib.init(&junk.kargs), 0);
    assert_int_equal(junk.record.init_calls, 0);
}

static void *ek_init_thread(void *arg)
{
    const ek_state_t *st = arg;
    return (void *)(uintptr_t)st->lib.init((void *)&st->a.kargs);
}

static void test_concurrent_inits_save_once_and_all_call_init(void **state)
{
    ek_state_t *st = *state;
    int saved = ek_count_saved_sos();
    pthread_t threads[EK_THREADS];
    for (int i = 0; i < EK_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, ek_init_thread, st), 0);
    for (int i = 0; i < EK_THREADS; i++) {
        void *rc = (void *)1;
        assert_int_equal(pthread_join(threads[i], &rc), 0);
        assert_null(rc);
    }
    assert_int_equal(__atomic_load_n(&st->a.record.init_calls, __ATOMIC_SEQ_CST), EK_THREADS);
    assert_int_equal(ek_count_saved_sos(), saved + 1);
}

int main(void)
{
#define EK_TEST(f) cmocka_unit_test_setup_teardown(f, ek_setup, ek_teardown)
    const struct CMUnitTest tests[] = {
        EK_TEST(test_normal_latch_calls_first_dispatcher_with_each_launch_args),
        EK_TEST(test_init_result_is_passed_through),
        EK_TEST(test_servers_call_loaded_dispatcher),
        EK_TEST(test_strict_latch_skips_later_inits),
        EK_TEST(test_missing_export_fails_and_stays_failed),
        EK_TEST(test_empty_upload_saves_nothing),
        EK_TEST(test_bad_args_fail_without_crashing),
        EK_TEST(test_non_elf_upload_fails),
        EK_TEST(test_concurrent_inits_save_once_and_all_call_init),
    };
#undef EK_TEST
    return t_run_group_tests(tests, ek_group_setup, ek_group_teardown);
}
