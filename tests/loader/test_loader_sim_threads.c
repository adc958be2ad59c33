/* Concurrency test of libakl on the simulated device: 8 threads, each with device 0 open, load the
 * same runtime SO at once; the process makes exactly one bootstrap, every thread gets the same
 * module, and every thread can launch with it. Then threads launching different kernels of one
 * module by name at once (akl_launch's per-module cache of the last kernel changes under them)
 * while others resolve handles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akl/akl.h"
#include "test_support.h"

#define THREADS 8
#define SYNC_MS 60000

typedef struct loader {
    pthread_t thread;
    int index;
    pthread_barrier_t *start;
    const char *path;
    int load_rc;
    int launch_rc;
    akl_module_t *module;
    char message[512];
} loader_t;

/* Each thread writes its index into its own slot through its own stream. */
static int launch_own_slot(loader_t *l)
{
    void *out = NULL;
    akl_stream_t stream = NULL;
    int rc = akl_mem_alloc(&out, sizeof(uint64_t));
    if (rc == 0)
        rc = akl_stream_create(&stream);
    uint64_t args[2] = {(uint64_t)(uintptr_t)out, 1000u + (unsigned)l->index};
    if (rc == 0)
        rc = akl_launch(l->module, "ldrk_store", args, sizeof args, 1, stream, 0);
    if (rc == 0)
        rc = akl_stream_sync(stream, SYNC_MS);
    uint64_t value = 0;
    if (rc == 0)
        rc = akl_memcpy_from_device(&value, out, sizeof value);
    if (rc == 0 && value != 1000u + (unsigned)l->index)
        rc = -1;
    if (stream)
        akl_stream_destroy(stream);
    if (out)
        akl_mem_free(out);
    return rc;
}

static void *load_at_once(void *arg)
{
    loader_t *l = arg;
    l->load_rc = akl_device_open(0);
    pthread_barrier_wait(l->start);
    if (l->load_rc == 0)
        l->load_rc = akl_module_load_file(0, l->path, NULL, &l->module);
    if (l->load_rc != 0)
        snprintf(l->message, sizeof l->message, "%s", akl_last_error());
    else
        l->launch_rc = launch_own_slot(l);
    akl_device_close(0);
    return NULL;
}

static void test_eight_threads_one_bootstrap(void **state)
{
    (void)state;
    char path[4096];
    t_kernel_path("libldrk_basic.so", path, sizeof path);
    /* Keep the device up across the threads' opens and closes. */
    assert_int_equal(akl_device_open(0), 0);
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    loader_t loaders[THREADS];
    for (int i = 0; i < THREADS; i++) {
        loaders[i] = (loader_t){.index = i, .start = &start, .path = path};
        assert_int_equal(pthread_create(&loaders[i].thread, NULL, load_at_once, &loaders[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(loaders[i].thread, NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        if (loaders[i].load_rc != 0)
            fail_msg("thread %d: %d %s", i, loaders[i].load_rc, loaders[i].message);
        assert_ptr_equal(loaders[i].module, loaders[0].module);
        assert_int_equal(loaders[i].launch_rc, 0);
    }
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps - before.bootstraps, 1);
    assert_int_equal(after.loads - before.loads, THREADS);
    assert_int_equal(after.hits - before.hits, THREADS - 1);
    assert_int_equal(after.failures - before.failures, 0);
    assert_int_equal(akl_device_close(0), 0);
}

#define MIXERS 4
#define MIX_ROUNDS 50

typedef struct mixer {
    pthread_t thread;
    int index;
    const akl_module_t *module;
    pthread_barrier_t *start;
    int rc;
    char message[512];
} mixer_t;

static int mix_expect(mixer_t *m, const uint64_t *out, uint64_t store, int round)
{
    uint64_t values[2] = {0, 0};
    int rc = akl_memcpy_from_device(values, out, sizeof values);
    if (rc == 0 && (values[0] != store || values[1] != 1)) {
        snprintf(m->message, sizeof m->message,
                 "thread %d round %d: %llu and %llu, expected %llu, 1", m->index, round,
                 (unsigned long long)values[0], (unsigned long long)values[1],
                 (unsigned long long)store);
        rc = -1;
    }
    return rc;
}

/* One round: ldrk_store by name, ldrk_version by name, ldrk_empty by a handle resolved now. */
static int mix_round(mixer_t *m, akl_stream_t stream, uint64_t *out, int round)
{
    uint64_t store = 10000u * (unsigned)m->index + (unsigned)round;
    uint64_t store_args[2] = {(uint64_t)(uintptr_t)out, store};
    uint64_t marker_args[1] = {(uint64_t)(uintptr_t)(out + 1)};
    const akl_kernel_t *empty = NULL;
    int rc = akl_launch(m->module, "ldrk_store", store_args, sizeof store_args, 1, stream, 0);
    if (rc == 0)
        rc = akl_launch(m->module, "ldrk_version", marker_args, sizeof marker_args, 1, stream, 0);
    if (rc == 0)
        rc = akl_module_get_kernel(m->module, "ldrk_empty", &empty);
    if (rc == 0)
        rc = akl_launch_kernel(empty, NULL, 0, 1, stream, 0);
    if (rc == 0)
        rc = akl_stream_sync(stream, SYNC_MS);
    return rc == 0 ? mix_expect(m, out, store, round) : rc;
}

static void *mix_kernels(void *arg)
{
    mixer_t *m = arg;
    akl_stream_t stream = NULL;
    uint64_t *out = NULL;
    m->rc = akl_device_open(0);
    if (m->rc == 0)
        m->rc = akl_stream_create(&stream);
    if (m->rc == 0)
        m->rc = akl_mem_alloc((void **)&out, 2 * sizeof(uint64_t));
    pthread_barrier_wait(m->start);
    for (int round = 0; round < MIX_ROUNDS && m->rc == 0; round++)
        m->rc = mix_round(m, stream, out, round);
    if (m->rc != 0 && !m->message[0])
        snprintf(m->message, sizeof m->message, "%s", akl_last_error());
    if (out)
        akl_mem_free(out);
    if (stream)
        akl_stream_destroy(stream);
    akl_device_close(0);
    return NULL;
}

/* Each thread launches three kernels of one module in turn, so the module's last-resolved kernel
 * changes under every launch by name; each launch must still run the kernel it names. */
static void test_threads_launch_different_kernels_of_one_module(void **state)
{
    (void)state;
    char path[4096];
    t_kernel_path("libldrk_basic.so", path, sizeof path);
    assert_int_equal(akl_device_open(0), 0);
    akl_module_t *module = NULL;
    assert_int_equal(akl_module_load_file(0, path, NULL, &module), 0);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, MIXERS);
    mixer_t mixers[MIXERS];
    for (int i = 0; i < MIXERS; i++) {
        mixers[i] = (mixer_t){.index = i, .module = module, .start = &start};
        assert_int_equal(pthread_create(&mixers[i].thread, NULL, mix_kernels, &mixers[i]), 0);
    }
    for (int i = 0; i < MIXERS; i++)
        pthread_join(mixers[i].thread, NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < MIXERS; i++)
        if (mixers[i].rc != 0)
            fail_msg("thread %d: %d %s", i, mixers[i].rc, mixers[i].message);
    assert_int_equal(akl_device_close(0), 0);
}

static bool no_scheduler_left(void *arg)
{
    (void)arg;
    return t_count_processes("akl-aicpu-sched", getpid()) == 0;
}

static int group_setup(void **state)
{
    (void)state;
    setenv("AKL_RUNTIME", "sim", 1);
    return akl_init();
}

static int group_teardown(void **state)
{
    (void)state;
    bool clean = t_wait_until(no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_threads_one_bootstrap),
        cmocka_unit_test(test_threads_launch_different_kernels_of_one_module),
    };
    return t_run_group_tests(tests, group_setup, group_teardown);
}
