/* The multi-process test of the loader, with the vector_add example as the workload: 10 fresh
 * processes one after another, then 4 processes at once for 8 rounds on one device and across the
 * two dies of one chip. While they run, a watcher thread lists the chip's preinstall directory
 * continuously and reads every file under an akl final name (<prefix><16 hex>_<device>.so): each
 * must be byte-identical to the source SO, never a temporary or a truncated copy. */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"
#include "test_vector_add.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define VADD_SO "libakl_vector_add.so"
#define PREINSTALL_SUBDIR "usr/lib64/aicpu_kernels/0/aicpu_kernels_device"
#define SEQUENTIAL_RUNS 10
#define ROUNDS 8
#define PROCS_PER_ROUND 4

typedef struct watcher {
    char dir[4096];
    unsigned char *source;
    size_t source_size;
    pthread_t thread;
    atomic_bool stop;
    atomic_ulong scans;
    atomic_ulong checked;
    atomic_ulong violations;
    atomic_ulong temporaries_seen;
    char first_violation[1024]; /* written by the watcher thread only; read after the join */
} watcher_t;

static bool is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* <prefix><16 lowercase hex>_<decimal>.so, at most 100 characters, not hidden. */
static bool is_final_name(const char *name)
{
    size_t len = strlen(name);
    if (name[0] == '.' || len > 100 || len < 21 || strcmp(name + len - 3, ".so") != 0)
        return false;
    size_t end = len - 3, digits = end;
    while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9')
        digits--;
    if (digits == end || digits < 17 || name[digits - 1] != '_')
        return false;
    for (size_t i = digits - 17; i < digits - 1; i++)
        if (!is_hex_lower(name[i]))
            return false;
    return true;
}

static void watcher_violation(watcher_t *w, const char *name, const char *what)
{
    if (atomic_fetch_add(&w->violations, 1) == 0)
        snprintf(w->first_violation, sizeof w->first_violation, "%s: %s", name, what);
}

/* Reads the file under a final name and compares it with the source SO. libakl's own collector
 * (prefix aklgc_, loaded after each load that wrote: AKL_DEVICE_CACHE_MAX) is published beside it
 * and is not the source SO. */
static void watcher_check_file(watcher_t *w, const char *name)
{
    if (strncmp(name, "aklgc_", 6) == 0)
        return;
    char path[8192];
    if (snprintf(path, sizeof path, "%s/%s", w->dir, name) >= (int)sizeof path)
        return; /* cannot happen for a name of at most 100 characters; no assert off the main thread
                 */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* removed between readdir and open (the test clears files between rounds) */
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size != w->source_size) {
        watcher_violation(w, name, "size differs from the source SO (truncated or partial)");
    } else if ((buf = malloc(w->source_size + 1)) != NULL) {
        size_t got = 0;
        ssize_t n;
        while (got <= w->source_size && (n = read(fd, buf + got, w->source_size + 1 - got)) > 0)
            got += (size_t)n;
        if (got != w->source_size || memcmp(buf, w->source, w->source_size) != 0)
            watcher_violation(w, name, "bytes differ from the source SO");
    }
    free(buf);
    close(fd);
    atomic_fetch_add(&w->checked, 1);
}

static void watcher_scan(watcher_t *w)
{
    DIR *dir = opendir(w->dir);
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (is_final_name(e->d_name))
            watcher_check_file(w, e->d_name);
        else if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp."))
            atomic_fetch_add(&w->temporaries_seen, 1);
    }
    closedir(dir);
    atomic_fetch_add(&w->scans, 1);
}

static void *watcher_main(void *arg)
{
    watcher_t *w = arg;
    while (!atomic_load(&w->stop)) {
        watcher_scan(w);
        /* A short pause between scans leaves the two cores to the processes under test. */
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void watcher_start(watcher_t *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "%s/chip0/%s", t_sim_root(), PREINSTALL_SUBDIR);
    char vadd_so[4096];
    w->source = t_read_file(t_device_file("lib/akl/examples", VADD_SO, vadd_so, sizeof vadd_so),
                            &w->source_size);
    assert_non_null(w->source);
    assert_int_equal(pthread_create(&w->thread, NULL, watcher_main, w), 0);
}

static void watcher_stop(watcher_t *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    watcher_scan(w); /* the final state counts too */
    free(w->source);
    w->source = NULL;
}

/* Removes every final-name file of chip 0, so the next round publishes again. */
static void clear_published(const char *dir_path)
{
    DIR *dir = opendir(dir_path);
    if (!dir)
        return;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!is_final_name(e->d_name))
            continue;
        char path[8192];
        assert_true(snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name) < (int)(sizeof path));
        assert_true(unlink(path) == 0 || errno == ENOENT);
    }
    closedir(dir);
}

/* The first publishes; every later process finds the same bytes already there. */
static void expect_first_writes(int run, const char *outcome)
{
    assert_string_equal(outcome, run == 0 ? "wrote" : "identical");
}

static void test_ten_fresh_processes_in_sequence(void **state)
{
    (void)state;
    int passed = tvadd_run_in_sequence(SEQUENTIAL_RUNS, NULL, NULL, expect_first_writes);
    print_message("sequential: %d of %d passed\n", passed, SEQUENTIAL_RUNS);
    assert_int_equal(passed, SEQUENTIAL_RUNS);
}

/* 8 rounds of 4 processes at once, process i on device i % dies. */
static void run_rounds(int dies)
{
    watcher_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    watcher_start(w);
    int rounds_passed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        clear_published(w->dir);
        rounds_passed += tvadd_run_at_once(PROCS_PER_ROUND, dies, NULL, NULL) == PROCS_PER_ROUND;
    }
    watcher_stop(w);
    print_message("%d die(s): %d of %d rounds passed; watcher: %lu scans, %lu final-name files "
                  "checked, %lu temporaries seen, %lu violations\n",
                  dies, rounds_passed, ROUNDS, atomic_load(&w->scans), atomic_load(&w->checked),
                  atomic_load(&w->temporaries_seen), atomic_load(&w->violations));
    if (atomic_load(&w->violations) != 0)
        fail_msg("watcher saw a bad file under a final name: %s", w->first_violation);
    assert_int_equal(rounds_passed, ROUNDS);
    /* The watcher must have actually looked at published files, or it proved nothing. */
    assert_true(atomic_load(&w->checked) > 0);
    free(w);
}

static void test_four_at_once_on_one_device(void **state)
{
    (void)state;
    run_rounds(1);
}

static void test_four_at_once_across_two_dies(void **state)
{
    (void)state;
    run_rounds(2);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ten_fresh_processes_in_sequence, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_four_at_once_on_one_device, tcli_reset_root,
                                        tcli_check_and_reset_root),
        cmocka_unit_test_setup_teardown(test_four_at_once_across_two_dies, tcli_reset_root,
                                        tcli_check_and_reset_root),
    };
    return t_run_group_tests_name("examples_concurrency", tests, tcli_reset_root, tcli_reset_root);
}
