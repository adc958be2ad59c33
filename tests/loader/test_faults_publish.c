/* Fault injection: the aicpu scheduler killed with SIGKILL at random points during a publish.
 *
 * Each trial makes a new 1-4 MB runtime SO (libfaultk_basic.so plus random trailing bytes, which
 * loaders ignore), starts akl_module_load_data on a fresh scheduler and, from a second thread,
 * kills that scheduler after a random delay in [0, typical load time]. Afterwards:
 *  - the final name is absent or byte-identical to the source, never partial;
 *  - akl_device_close + akl_device_open give a working device;
 *  - the next load of the same SO succeeds, and no temporary of that name is left (the next
 *    publisher removes the dead writer's).
 * Where each kill landed is read from the directory: no trace (before the dispatcher created its
 * temporary), a temporary (mid-publish), the final file with a failed load (after the rename,
 * before the host heard back), or a successful load (after the publish).
 *
 * AKL_FAULT_TRIALS sets the number of trials (default 200; the `stress` target runs 5000) and
 * AKL_FAULT_SEED the random seed (printed, so a failing run can be repeated). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akl/akl.h"
#include "faultk_abi.h"
#include "test_faults_util.h"
#include "test_support.h"

#define PUB_DEVICE 0
#define PUB_MIN_SIZE (1u << 20)
#define PUB_MAX_SIZE (4u << 20)
#define PUB_DEFAULT_TRIALS 200
#define PUB_CALIBRATION_LOADS 5
#define PUB_CODES_MAX 8
#define PUB_DEAD 507899 /* ACL_ERROR_RT_DRV_INTERNAL_ERROR: the scheduler is gone */

typedef enum pub_landing {
    PUB_BEFORE,       /* no trace: the dispatcher had not created its temporary */
    PUB_MID,          /* a temporary was left: killed while writing or syncing it */
    PUB_AFTER_RENAME, /* the final file is complete, but the host never heard back */
    PUB_COMPLETED,    /* the load had returned successfully before the kill */
    PUB_LANDINGS
} pub_landing_t;

static const char *const pub_landing_names[PUB_LANDINGS] = {"before the temporary", "mid-publish",
                                                            "after the rename", "after the load"};

typedef struct pub_stats {
    unsigned landed[PUB_LANDINGS];
    int codes[PUB_CODES_MAX];
    unsigned code_counts[PUB_CODES_MAX];
    unsigned temps_left; /* temporaries found after kills, all removed by the next publish */
} pub_stats_t;

typedef struct pub_fixture {
    unsigned char *bytes; /* the kernel SO, with room for padding up to PUB_MAX_SIZE */
    size_t kernel_size;
    uint64_t rng;
    char dir[FAULTT_PATH_MAX];
    double fixed_ms; /* typical load time = fixed_ms + per_mb_ms * MB */
    double per_mb_ms;
    pub_stats_t stats;
} pub_fixture_t;

typedef struct pub_killer {
    pthread_t thread;
    pid_t victim;
    uint64_t delay_ns;
    int kill_errno;
} pub_killer_t;

static double pub_ms_since(uint64_t start_ns)
{
    return (double)(t_now_ns() - start_ns) / 1e6;
}

static unsigned pub_env_unsigned(const char *name, unsigned fallback)
{
    const char *text = getenv(name);
    if (!text || !*text)
        return fallback;
    char *end;
    unsigned long value = strtoul(text, &end, 10);
    return *end || value == 0 ? fallback : (unsigned)value;
}

/* New random padding: a new SO of `size` bytes in f->bytes. */
static void pub_make_so(pub_fixture_t *f, size_t size)
{
    faultt_fill_random(f->bytes, f->kernel_size, size, &f->rng);
}

static void pub_reopen_device(void)
{
    assert_int_equal(akl_device_close(PUB_DEVICE), 0);
    int rc = akl_device_open(PUB_DEVICE);
    if (rc != 0)
        fail_msg("reopening device %d: %s", PUB_DEVICE, akl_last_error());
}

/* Wall time of one load of new bytes on a fresh scheduler, as in a trial. */
static double pub_time_one_load(pub_fixture_t *f, size_t size)
{
    pub_reopen_device();
    pub_make_so(f, size);
    akl_module_t *module = NULL;
    uint64_t start = t_now_ns();
    int rc = akl_module_load_data(PUB_DEVICE, f->bytes, size, NULL, &module);
    double ms = pub_ms_since(start);
    if (rc != 0)
        fail_msg("calibration load: %s", akl_last_error());
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    assert_int_equal(unlink(info.device_path), 0);
    return ms;
}

static double pub_median_load_ms(pub_fixture_t *f, size_t size)
{
    double ms[PUB_CALIBRATION_LOADS];
    for (int i = 0; i < PUB_CALIBRATION_LOADS; i++) {
        double v = pub_time_one_load(f, size);
        int j = i;
        for (; j > 0 && ms[j - 1] > v; j--)
            ms[j] = ms[j - 1];
        ms[j] = v;
    }
    return ms[PUB_CALIBRATION_LOADS / 2];
}

/* How long a load of what size typically takes here (this machine, this build): the kills are
 * spread over that window, whatever the speed of the disk or the sanitizers. */
static void pub_calibrate(pub_fixture_t *f)
{
    double small = pub_median_load_ms(f, PUB_MIN_SIZE);
    double large = pub_median_load_ms(f, PUB_MAX_SIZE);
    double mb = (double)(PUB_MAX_SIZE - PUB_MIN_SIZE) / (1 << 20);
    f->per_mb_ms = large > small ? (large - small) / mb : 0;
    f->fixed_ms = small - f->per_mb_ms * ((double)PUB_MIN_SIZE / (1 << 20));
    if (f->fixed_ms < 0)
        f->fixed_ms = 0;
    print_message("calibration: a load takes %.1f ms at 1 MB and %.1f ms at 4 MB\n", small, large);
}

static double pub_typical_ms(const pub_fixture_t *f, size_t size)
{
    return f->fixed_ms + f->per_mb_ms * ((double)size / (1 << 20));
}

static void *pub_killer_main(void *arg)
{
    pub_killer_t *k = arg;
    struct timespec delay = {(time_t)(k->delay_ns / 1000000000u),
                             (long)(k->delay_ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &delay, &delay) == EINTR) {
    }
    /* The victim is our unreaped child, so its pid cannot have been reused. */
    k->kill_errno = kill(k->victim, SIGKILL) == 0 ? 0 : errno;
    return NULL;
}

/* A load the kill interrupted fails with the dead device's error, naming the kill. */
static void pub_expect_killed_error(unsigned trial, int rc)
{
    const char *msg = akl_last_error();
    if (rc != PUB_DEAD || !strstr(msg, "killed by signal 9") ||
        !strstr(msg, "the bootstrap failed and no acknowledgement could be read from the device"))
        fail_msg("trial %u: the load failed with %s (%d): %s", trial, akl_errname(rc), rc, msg);
}

static void pub_count_code(pub_stats_t *stats, int rc)
{
    for (int i = 0; i < PUB_CODES_MAX; i++) {
        if (stats->code_counts[i] == 0 || stats->codes[i] == rc) {
            stats->codes[i] = rc;
            stats->code_counts[i]++;
            return;
        }
    }
}

/* What the directory shows after a kill; fails the test on a partial final file. */
static pub_landing_t pub_observe(pub_fixture_t *f, size_t size, const char *final, int load_rc,
                                 int temps)
{
    bool present = t_file_exists(final);
    if (present && !faultt_file_equals(final, f->bytes, size))
        fail_msg("%s holds other bytes than the %zu-byte source after the kill (load returned "
                 "%d: %s)",
                 final, size, load_rc, akl_last_error());
    if (load_rc == 0) {
        assert_true(present);
        return PUB_COMPLETED;
    }
    if (present)
        return PUB_AFTER_RENAME;
    return temps > 0 ? PUB_MID : PUB_BEFORE;
}

/* The next publish of the same bytes cleans up and succeeds. */
static void pub_republish(pub_fixture_t *f, size_t size, const char *name, const char *final,
                          pub_landing_t landing)
{
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(PUB_DEVICE, f->bytes, size, NULL, &module);
    if (rc != 0)
        fail_msg("the load after the reset failed: %s", akl_last_error());
    if (landing != PUB_COMPLETED) {
        akl_module_info_t info;
        assert_int_equal(akl_module_info(module, &info), 0);
        akl_boot_outcome_t expected =
            landing == PUB_AFTER_RENAME ? AKL_BOOT_IDENTICAL : AKL_BOOT_WROTE;
        assert_int_equal(info.outcome, expected);
    }
    assert_true(faultt_file_equals(final, f->bytes, size));
    int temps = faultt_count_temps(f->dir, name);
    if (temps != 0)
        fail_msg("%d temporaries of %s left after the next publish", temps, name);
    /* Keep the disk use of thousands of trials bounded. */
    assert_int_equal(unlink(final), 0);
}

static void pub_trial(pub_fixture_t *f, unsigned trial)
{
    size_t size = PUB_MIN_SIZE + faultt_random(&f->rng) % (PUB_MAX_SIZE - PUB_MIN_SIZE + 1);
    pub_make_so(f, size);
    char name[128], final[FAULTT_PATH_MAX];
    faultt_basename_of(f->bytes, size, PUB_DEVICE, name, sizeof name);
    faultt_join(final, sizeof final, f->dir, name);

    pub_killer_t killer = {.victim = faultt_scheduler_pid()};
    if (killer.victim <= 0)
        fail_msg("trial %u: no single scheduler child of this process", trial);
    double window_ns = pub_typical_ms(f, size) * 1e6;
    killer.delay_ns = (uint64_t)((double)(faultt_random(&f->rng) % 1000001u) / 1e6 * window_ns);
    assert_int_equal(pthread_create(&killer.thread, NULL, pub_killer_main, &killer), 0);
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(PUB_DEVICE, f->bytes, size, NULL, &module);
    assert_int_equal(pthread_join(killer.thread, NULL), 0);
    assert_int_equal(killer.kill_errno, 0);
    if (rc != 0)
        pub_expect_killed_error(trial, rc);

    int temps = faultt_count_temps(f->dir, name);
    pub_landing_t landing = pub_observe(f, size, final, rc, temps);
    f->stats.landed[landing]++;
    f->stats.temps_left += temps > 0 ? (unsigned)temps : 0;
    pub_count_code(&f->stats, rc);

    pub_reopen_device();
    pub_republish(f, size, name, final, landing);
}

static void pub_report(const pub_fixture_t *f, unsigned trials, uint64_t seed, double seconds)
{
    const pub_stats_t *s = &f->stats;
    print_message("%u trials (seed %" PRIu64 ", %.1f s): kills landed", trials, seed, seconds);
    for (int i = 0; i < PUB_LANDINGS; i++)
        print_message("%s %s %u", i ? "," : "", pub_landing_names[i], s->landed[i]);
    print_message("; %u temporaries left by killed writers, all removed by the next publish\n",
                  s->temps_left);
    print_message("load results:");
    for (int i = 0; i < PUB_CODES_MAX && s->code_counts[i]; i++)
        print_message(" %s (%d) x%u", akl_errname(s->codes[i]), s->codes[i], s->code_counts[i]);
    print_message("\n");
}

static void test_sigkill_at_random_points_of_a_publish(void **state)
{
    pub_fixture_t *f = *state;
    unsigned trials = pub_env_unsigned("AKL_FAULT_TRIALS", PUB_DEFAULT_TRIALS);
    uint64_t seed = getenv("AKL_FAULT_SEED") ? strtoull(getenv("AKL_FAULT_SEED"), NULL, 0)
                                             : (uint64_t)t_now_ns() ^ (uint64_t)getpid();
    f->rng = seed;
    print_message("seed %" PRIu64 " (AKL_FAULT_SEED repeats it)\n", seed);
    pub_calibrate(f);
    uint64_t start = t_now_ns();
    for (unsigned trial = 0; trial < trials; trial++)
        pub_trial(f, trial);
    pub_report(f, trials, seed, pub_ms_since(start) / 1e3);
}

static int pub_setup(void **state)
{
    setenv("AKL_RUNTIME", "sim", 1);
    pub_fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->bytes = faultt_read_kernel(FAULTK_SO, PUB_MAX_SIZE, &f->kernel_size);
    if (!f->bytes || f->kernel_size >= PUB_MIN_SIZE) {
        free(f->bytes);
        free(f);
        return -1;
    }
    faultt_preinstall_dir(PUB_DEVICE, f->dir, sizeof f->dir);
    *state = f;
    if (akl_device_open(PUB_DEVICE) != 0) {
        fprintf(stderr, "akl_device_open(%d): %s\n", PUB_DEVICE, akl_last_error());
        return -1;
    }
    return 0;
}

static int pub_teardown(void **state)
{
    pub_fixture_t *f = *state;
    akl_device_close(PUB_DEVICE);
    bool clean = t_wait_until(faultt_no_scheduler_left, NULL, 30000);
    t_rmtree(t_sim_root());
    free(f->bytes);
    free(f);
    return clean ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_at_random_points_of_a_publish),
    };
    return t_run_group_tests_name("faults_publish", tests, pub_setup, pub_teardown);
}
