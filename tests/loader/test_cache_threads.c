/* Concurrency tests of the process cache with a fake bootstrap: 8 threads loading one key make one
 * bootstrap and all get its module; when that bootstrap fails, every waiter gets the same error and
 * message; and a slow bootstrap of one key never blocks loads of other keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "akl/akl.h"
#include "cache.h"
#include "errors.h"
#include "test_support.h"

#define THREADS 8
#define DEADLINE_MS 20000

/* A bootstrap that waits for the test to open its gate. */
typedef struct gated_boot {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    bool open;
    int calls;
    int fail_first_with; /* the first call fails with this code, later calls succeed */
} gated_boot_t;

static void gate_init(gated_boot_t *g, int fail_first_with)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->opened, NULL);
    g->open = false;
    g->calls = 0;
    g->fail_first_with = fail_first_with;
}

static void gate_destroy(gated_boot_t *g)
{
    pthread_cond_destroy(&g->opened);
    pthread_mutex_destroy(&g->lock);
}

static void gate_open(gated_boot_t *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = true;
    pthread_cond_broadcast(&g->opened);
    pthread_mutex_unlock(&g->lock);
}

static int gated_bootstrap(void *ctx, akl_module_t *module)
{
    gated_boot_t *g = ctx;
    pthread_mutex_lock(&g->lock);
    int call = ++g->calls;
    while (!g->open)
        pthread_cond_wait(&g->opened, &g->lock);
    pthread_mutex_unlock(&g->lock);
    if (call == 1 && g->fail_first_with)
        return ldr_fail(g->fail_first_with, "device 0: scripted bootstrap failure");
    module->outcome = AKL_BOOT_WROTE;
    return 0;
}

static int gate_calls(gated_boot_t *g)
{
    pthread_mutex_lock(&g->lock);
    int calls = g->calls;
    pthread_mutex_unlock(&g->lock);
    return calls;
}

typedef struct loader_thread {
    pthread_t thread;
    uint64_t fingerprint;
    gated_boot_t *gate;
    int rc;
    char message[256];
    akl_module_t *module;
    bool done;
    pthread_mutex_t *done_lock;
} loader_thread_t;

static void *load_one(void *arg)
{
    loader_thread_t *t = arg;
    bool hit;
    t->rc = ldr_cache_load(t->fingerprint, 0, 1000, gated_bootstrap, t->gate, &t->module, &hit);
    snprintf(t->message, sizeof t->message, "%s", t->rc ? akl_last_error() : "");
    pthread_mutex_lock(t->done_lock);
    t->done = true;
    pthread_mutex_unlock(t->done_lock);
    return NULL;
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;

static void start_loaders(loader_thread_t *threads, int count, uint64_t fingerprint,
                          gated_boot_t *gate)
{
    for (int i = 0; i < count; i++) {
        threads[i] =
            (loader_thread_t){.fingerprint = fingerprint, .gate = gate, .done_lock = &done_lock};
        assert_int_equal(pthread_create(&threads[i].thread, NULL, load_one, &threads[i]), 0);
    }
}

typedef struct waiting_for {
    uint64_t fingerprint;
    unsigned waiters;
} waiting_for_t;

static bool enough_waiters(void *arg)
{
    waiting_for_t *w = arg;
    return ldr_cache_waiting(w->fingerprint, 0) >= w->waiters;
}

static void test_one_bootstrap_for_eight_threads(void **state)
{
    (void)state;
    gated_boot_t gate;
    gate_init(&gate, 0);
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    loader_thread_t threads[THREADS];
    start_loaders(threads, THREADS, 0xabc1, &gate);
    waiting_for_t w = {0xabc1, THREADS - 1};
    assert_true(t_wait_until(enough_waiters, &w, DEADLINE_MS));
    gate_open(&gate);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i].thread, NULL);
        assert_int_equal(threads[i].rc, 0);
        assert_ptr_equal(threads[i].module, threads[0].module);
    }
    assert_int_equal(gate.calls, 1);
    akl_cache_stats(&after);
    assert_int_equal(after.bootstraps - before.bootstraps, 1);
    assert_int_equal(after.loads - before.loads, THREADS);
    assert_int_equal(after.hits - before.hits, THREADS - 1);
    gate_destroy(&gate);
}

static void test_waiters_share_the_failure(void **state)
{
    (void)state;
    gated_boot_t gate;
    gate_init(&gate, AKL_EBOOTFAILED);
    loader_thread_t threads[THREADS];
    start_loaders(threads, THREADS, 0xabc2, &gate);
    waiting_for_t w = {0xabc2, THREADS - 1};
    assert_true(t_wait_until(enough_waiters, &w, DEADLINE_MS));
    gate_open(&gate);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i].thread, NULL);
        assert_int_equal(threads[i].rc, AKL_EBOOTFAILED);
        assert_string_equal(threads[i].message, "device 0: scripted bootstrap failure");
    }
    assert_int_equal(gate.calls, 1);
    /* Not cached: the next load bootstraps again, and succeeds. */
    akl_module_t *module;
    bool hit;
    assert_int_equal(ldr_cache_load(0xabc2, 0, 1000, gated_bootstrap, &gate, &module, &hit), 0);
    assert_false(hit);
    assert_int_equal(gate.calls, 2);
    gate_destroy(&gate);
}

static bool thread_done(void *arg)
{
    loader_thread_t *t = arg;
    pthread_mutex_lock(&done_lock);
    bool done = t->done;
    pthread_mutex_unlock(&done_lock);
    return done;
}

static bool boot_entered(void *arg)
{
    return gate_calls(arg) >= 1;
}

static void test_slow_bootstrap_does_not_block_other_keys(void **state)
{
    (void)state;
    gated_boot_t slow, fast;
    gate_init(&slow, 0);
    gate_init(&fast, 0);
    gate_open(&fast);
    loader_thread_t slow_thread, fast_thread;
    start_loaders(&slow_thread, 1, 0xabc3, &slow);
    assert_true(t_wait_until(boot_entered, &slow, DEADLINE_MS));
    start_loaders(&fast_thread, 1, 0xabc4, &fast);
    assert_true(t_wait_until(thread_done, &fast_thread, DEADLINE_MS));
    assert_int_equal(fast_thread.rc, 0);
    assert_false(thread_done(&slow_thread));
    /* A hit on a ready key is not blocked either. */
    akl_module_t *module;
    bool hit;
    assert_int_equal(ldr_cache_load(0xabc4, 0, 1000, gated_bootstrap, &fast, &module, &hit), 0);
    assert_true(hit);
    gate_open(&slow);
    pthread_join(slow_thread.thread, NULL);
    pthread_join(fast_thread.thread, NULL);
    assert_int_equal(slow_thread.rc, 0);
    gate_destroy(&slow);
    gate_destroy(&fast);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_bootstrap_for_eight_threads),
        cmocka_unit_test(test_waiters_share_the_failure),
        cmocka_unit_test(test_slow_bootstrap_does_not_block_other_keys),
    };
    return t_run_group_tests(tests, NULL, NULL);
}
