/* The load path: a process-cache hit, a new process on a device that already holds the file, a
 * first publish of 16 KB / 1 MB / 16 MB, 1..16 processes bootstrapping one SO at once, and the
 * device memory a loaded module holds. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Loads the bench kernels' bytes again and again: every load is a hit, since bench_open loaded
 * the same bytes on the same device. */
static int cache_hit(const bench_config_t *cfg)
{
    char path[PATH_MAX];
    size_t size;
    void *bytes =
        bench_kernels_path(cfg, path, sizeof path) == 0 ? bench_read_file(path, &size) : NULL;
    if (!bytes)
        return -1;
    size_t n = cfg->quick ? 100 : 20000;
    akl_cache_stats_t before, after;
    akl_cache_stats(&before);
    uint64_t t0 = cmn_now_ns();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        akl_module_t *again;
        rc = akl_module_load_data(cfg->device, bytes, size, NULL, &again);
    }
    uint64_t t_load = cmn_now_ns() - t0;
    akl_cache_stats(&after);
    t0 = cmn_now_ns();
    volatile uint64_t sink = 0;
    for (size_t i = 0; i < n; i++)
        sink += akl_fingerprint(bytes, size);
    uint64_t t_hash = cmn_now_ns() - t0;
    free(bytes);
    if (rc != 0)
        return bench_fail("cache-hit loads", rc);
    char floor[96], name[96];
    snprintf(floor, sizeof floor, "hash the same %zu bytes", size);
    bench_report("floor", floor, (double)t_hash / (double)n / 1000, "us", "", "");
    snprintf(name, sizeof name, "load hitting the process cache (%zu B SO)", size);
    bench_report("load", name, (double)t_load / (double)n / 1000, "us", floor,
                 "~ hashing the bytes");
    bench_report("load", "bootstraps during the cache-hit loads",
                 (double)(after.bootstraps - before.bootstraps), "count", "", "0");
    return 0;
}

/* Runs `self --child load <so> <device>` and reads back "<seconds> <outcome>". */
static int child_load(const bench_config_t *cfg, const char *so, double *seconds, int *outcome)
{
    char device[16];
    snprintf(device, sizeof device, "%d", cfg->device);
    int fds[2];
    /* Close-on-exec: the child gets only the write end, as its stdout (dup2 clears the flag). */
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    char *argv[] = {(char *)cfg->self_path, "--child", "load", (char *)so, device, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, cfg->self_path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char buf[128] = {0};
    ssize_t got = rc == 0 ? read(fds[0], buf, sizeof buf - 1) : -1;
    close(fds[0]);
    int status = 0;
    if (rc == 0)
        waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        sscanf(buf, "%lf %d", seconds, outcome) != 2) {
        fprintf(stderr, "akl bench: child load of %s failed\n", so);
        return -1;
    }
    return 0;
}

static int write_temp_so(const bench_config_t *cfg, const void *bytes, size_t size, char *path,
                         size_t cap)
{
    snprintf(path, cap, "%s/bench-so-XXXXXX", cfg->work_dir);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return -1;
    int ok = write(fd, bytes, size) == (ssize_t)size;
    close(fd);
    return ok ? 0 : -1;
}

static int new_process_existing_file(const bench_config_t *cfg)
{
    size_t size;
    void *so = bench_make_so(cfg, 16u << 10, 1, &size);
    char path[PATH_MAX];
    if (!so || write_temp_so(cfg, so, size, path, sizeof path) != 0) {
        free(so);
        return -1;
    }
    free(so);
    double first, again;
    int outcome_first, outcome_again;
    int rc = child_load(cfg, path, &first, &outcome_first);
    if (rc == 0)
        rc = child_load(cfg, path, &again, &outcome_again);
    unlink(path);
    if (rc != 0)
        return -1;
    bench_report("load", "new process, device already holds the file (16 KB)", again * 1000, "ms",
                 "publish 16 KB: write+fsync+rename+dirsync", "no write, no fsync");
    bench_report("load", "  ... its acknowledgement said identical (1 = yes)",
                 outcome_again == AKL_BOOT_IDENTICAL, "bool", "", "1");
    return 0;
}

static int first_publish(const bench_config_t *cfg)
{
    static const struct {
        size_t size;
        const char *label;
    } sizes[] = {{16u << 10, "16 KB"}, {1u << 20, "1 MB"}, {16u << 20, "16 MB"}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int reps = cfg->quick ? 1 : 5;
        uint64_t samples[8];
        for (int r = 0; r < reps; r++) {
            bench_progress(cfg, "load: first publish %s (%d/%d)", sizes[s].label, r + 1, reps);
            size_t size;
            void *so = bench_make_so(cfg, cfg->quick ? sizes[s].size / 64 : sizes[s].size,
                                     (uint64_t)(s * 100 + (size_t)r) + 7, &size);
            if (!so)
                return -1;
            akl_module_t *m;
            int rc = akl_module_load_data(cfg->device, so, size, NULL, &m);
            free(so);
            if (rc != 0)
                return bench_fail("first publish", rc);
            akl_module_info_t info;
            akl_module_info(m, &info);
            samples[r] = (uint64_t)(info.bootstrap_seconds * 1e9);
        }
        char name[96], floor[96];
        snprintf(name, sizeof name, "first publish on a device, %s", sizes[s].label);
        snprintf(floor, sizeof floor, "publish %s: write+fsync+rename+dirsync", sizes[s].label);
        bench_report("load", name, bench_percentile(samples, (size_t)reps, 50) / 1e6, "ms", floor,
                     "<= 1.5x floor");
    }
    return 0;
}

static int concurrent_bootstraps(const bench_config_t *cfg)
{
    static const int counts[] = {1, 2, 4, 8, 16};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int n = cfg->quick && counts[c] > 4 ? 0 : counts[c];
        if (n == 0)
            continue;
        bench_progress(cfg, "load: %d processes bootstrapping at once", n);
        size_t size;
        void *so = bench_make_so(cfg, 16u << 10, 1000 + c, &size);
        char path[PATH_MAX];
        if (!so || write_temp_so(cfg, so, size, path, sizeof path) != 0) {
            free(so);
            return -1;
        }
        free(so);
        char device[16];
        snprintf(device, sizeof device, "%d", cfg->device);
        pid_t pids[16];
        posix_spawn_file_actions_t quiet;
        posix_spawn_file_actions_init(&quiet);
        posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        uint64_t t0 = cmn_now_ns();
        for (int i = 0; i < n; i++) {
            char *argv[] = {(char *)cfg->self_path, "--child", "load", path, device, NULL};
            if (posix_spawn(&pids[i], cfg->self_path, &quiet, NULL, argv, environ) != 0)
                pids[i] = -1;
        }
        posix_spawn_file_actions_destroy(&quiet);
        int failed = 0;
        for (int i = 0; i < n; i++) {
            int status = 1;
            if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0)
                failed++;
        }
        uint64_t dt = cmn_now_ns() - t0;
        unlink(path);
        if (failed) {
            fprintf(stderr, "akl bench: %d of %d concurrent bootstraps failed\n", failed, n);
            return -1;
        }
        char name[96];
        snprintf(name, sizeof name, "bootstrap, %d processes at once (wall)", n);
        bench_report("scaling", name, (double)dt / 1e6, "ms", "", "");
    }
    return 0;
}

static int memory_per_module(const bench_config_t *cfg)
{
    size_t free_before, free_after, total;
    int modules = cfg->quick ? 3 : 16;
    int rc = akl_mem_info(&free_before, &total);
    for (int i = 0; i < modules && rc == 0; i++) {
        size_t size;
        void *so = bench_make_so(cfg, 16u << 10, 5000 + (uint64_t)i, &size);
        if (!so)
            return -1;
        akl_module_t *m;
        rc = akl_module_load_data(cfg->device, so, size, NULL, &m);
        free(so);
    }
    if (rc == 0)
        rc = akl_mem_info(&free_after, &total);
    if (rc != 0)
        return bench_fail("device memory per module", rc);
    bench_report("memory", "device memory held per loaded module",
                 ((double)free_before - (double)free_after) / modules, "bytes", "", "0");
    return 0;
}

int bench_load(const bench_config_t *cfg)
{
    akl_module_t *m;
    if (bench_open(cfg, &m) != 0)
        return -1;
    bench_progress(cfg, "load: process-cache hits");
    int rc = cache_hit(cfg);
    bench_progress(cfg, "load: a new process on a device that holds the file");
    rc |= new_process_existing_file(cfg);
    rc |= first_publish(cfg);
    rc |= concurrent_bootstraps(cfg);
    bench_progress(cfg, "load: device memory per module");
    rc |= memory_per_module(cfg);
    return rc;
}

/* `akl-bench --child load <so> <device>`: one fresh process's load; prints
 * "<seconds> <outcome>". */
int bench_child_main(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[2], "load") != 0) {
        fprintf(stderr, "akl-bench: unknown child mode\n");
        return 2;
    }
    int device = atoi(argv[4]);
    int rc = akl_device_open(device);
    akl_module_t *m = NULL;
    if (rc == 0)
        rc = akl_module_load_file(device, argv[3], NULL, &m);
    if (rc != 0) {
        fprintf(stderr, "akl-bench child: %s: %s\n", akl_errname(rc), akl_last_error());
        return 1;
    }
    akl_module_info_t info;
    akl_module_info(m, &info);
    printf("%.9f %d\n", info.bootstrap_seconds, (int)info.outcome);
    fflush(stdout);
    akl_device_close(device);
    return 0;
}
