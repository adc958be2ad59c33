/* The load path: a process-cache hit, a new process on a device that already holds the file, a
 * first publish of 16 KB / 1 MB / 16 MB, 1..16 processes bootstrapping one SO at once, and the
 * device memory a loaded module holds. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h> /* RENAME_EXCHANGE */
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* What a child's load reports. */
typedef struct child_result {
    double bootstrap_seconds;
    int outcome;
    double load_seconds; /* the whole akl_module_load_file: read, validate, hash, bootstrap */
    char device_path[1024];
} child_result_t;

static int parse_child(const char *text, child_result_t *r)
{
    return sscanf(text, "%lf %d %lf %1023s", &r->bootstrap_seconds, &r->outcome, &r->load_seconds,
                  r->device_path) == 4
               ? 0
               : -1;
}

/* Runs `self --child load <so> <device>` and reads back its result. */
static int child_load_full(const bench_config_t *cfg, const char *so, child_result_t *r)
{
    char buf[1200];
    if (bench_child_run(cfg, "load", so, NULL, buf, sizeof buf) != 0 || parse_child(buf, r) != 0) {
        fprintf(stderr, "akl bench: child load of %s failed\n", so);
        return -1;
    }
    return 0;
}

/* Runs `self --child floor <so> <device> <device file>`; the floor's ns, or 0. */
static uint64_t child_floor_ns(const bench_config_t *cfg, const char *so, const char *device_file)
{
    char buf[64];
    unsigned long long ns = 0;
    if (bench_child_run(cfg, "floor", so, device_file, buf, sizeof buf) != 0 ||
        sscanf(buf, "%llu", &ns) != 1)
        return 0;
    return ns;
}

static int child_load(const bench_config_t *cfg, const char *so, double *seconds, int *outcome)
{
    child_result_t r;
    if (child_load_full(cfg, so, &r) != 0)
        return -1;
    *seconds = r.bootstrap_seconds;
    *outcome = r.outcome;
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

/* Alloc + copy of size bytes into device memory: what any load of them must do. 0 on failure. */
static uint64_t device_copy_ns(const void *bytes, size_t size)
{
    void *dev = NULL;
    uint64_t t0 = cmn_now_ns();
    int rc = akl_mem_alloc(&dev, size);
    if (rc == 0)
        rc = akl_memcpy_to_device(dev, bytes, size);
    uint64_t dt = cmn_now_ns() - t0;
    if (dev)
        akl_mem_free(dev);
    return rc == 0 && dt > 0 ? dt : 0;
}

/* Reads a whole file once, the cheapest way: 256 KB at a time into one buffer that stays in the
 * cache. ns, or 0 on failure. */
static uint64_t read_file_ns(const char *path, void *buf, size_t cap)
{
    (void)cap;
    uint64_t t0 = cmn_now_ns();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n;
    while ((n = read(fd, buf, 256u << 10)) > 0)
        ;
    close(fd);
    return cmn_now_ns() - t0;
}

/* One sample of the first publish's floor: the copy of the bytes into device memory, then their
 * write + fsync + rename + directory fsync. */
static void publish_floor(const void *so, size_t size, const char *dir, uint64_t *copy_ns,
                          double *publish_ms)
{
    *copy_ns = device_copy_ns(so, size);
    *publish_ms = bench_publish_floor_ms(dir, so, size);
}

/* A first publish as an application sees it: akl_module_load_file of a fresh SO (read, validate,
 * hash, bootstrap: copy into device memory, dispatcher's write + fsync + rename + directory fsync),
 * each sample beside a sample of its floor (before it, then after it, in turn): the copy of the
 * same bytes into device memory plus write + fsync + rename + directory fsync of them. */
static int first_publish(const bench_config_t *cfg)
{
    /* Samples per size: a small publish is over in a millisecond, and its ratio moves with every
     * hiccup of the filesystem, so it takes more samples, spread over more time. */
    enum { MAX_REPS = 41 };
    static const struct {
        size_t size;
        const char *label, *id;
        int reps; /* at most MAX_REPS */
    } sizes[] = {{16u << 10, "16 KB", "first_publish_16kb", MAX_REPS},
                 {1u << 20, "1 MB", "first_publish_1mb", 21},
                 {16u << 20, "16 MB", "first_publish_16mb", 7}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int reps = cfg->quick ? 1 : sizes[s].reps;
        uint64_t akl[MAX_REPS], floor[MAX_REPS];
        for (int r = 0; r < reps; r++) {
            bench_progress(cfg, "load: first publish %s (%d/%d)", sizes[s].label, r + 1, reps);
            size_t size;
            void *so = bench_make_so(cfg, cfg->quick ? sizes[s].size / 64 : sizes[s].size,
                                     (uint64_t)(s * 100 + (size_t)r) + 7, &size);
            char path[PATH_MAX];
            if (!so || write_temp_so(cfg, so, size, path, sizeof path) != 0) {
                free(so);
                return -1;
            }
            /* Every other sample measures akl first: whichever goes second finds the filesystem
             * right after the other's fsyncs, and neither may always be the one that does. */
            uint64_t copy = 0;
            double publish = -1;
            if (r % 2 == 0)
                publish_floor(so, size, cfg->work_dir, &copy, &publish);
            akl_module_t *m;
            uint64_t t0 = cmn_now_ns();
            int rc = akl_module_load_file(cfg->device, path, NULL, &m);
            akl[r] = cmn_now_ns() - t0;
            if (r % 2 == 1)
                publish_floor(so, size, cfg->work_dir, &copy, &publish);
            free(so);
            unlink(path);
            if (rc != 0)
                return bench_fail("first publish", rc);
            if (copy == 0 || publish < 0) {
                fprintf(stderr, "akl bench: the first-publish floor failed\n");
                return -1;
            }
            floor[r] = copy + (uint64_t)(publish * 1e6);
        }
        double ratio = bench_median_ratio(akl, floor, (size_t)reps);
        char name[96], floor_name[96];
        snprintf(name, sizeof name, "first publish on a device, %s", sizes[s].label);
        snprintf(floor_name, sizeof floor_name, "copy to device + publish %s (interleaved)",
                 sizes[s].label);
        double f = bench_percentile(floor, (size_t)reps, 50) / 1e6;
        bench_report("floor", floor_name, f, "ms", "", "");
        bench_report_checked(sizes[s].id, "load", name,
                             bench_percentile(akl, (size_t)reps, 50) / 1e6, "ms", floor_name, f,
                             ratio, "<= 1.3x floor", ratio <= 1.3);
    }
    return 0;
}

/* A new process loads a 16 MB SO its device already holds: akl_module_load_file in a fresh process
 * (read, validate, hash, bootstrap that compares), each sample beside its floor (before it, then
 * after it, in turn), also taken in a fresh process (child_floor): one hash of the bytes, their
 * copy into device memory and one read of the device's existing file. */
static int identical_new_process(const bench_config_t *cfg)
{
    size_t want = cfg->quick ? (16u << 20) / 64 : 16u << 20, size;
    void *so = bench_make_so(cfg, want, 4242, &size);
    char path[PATH_MAX];
    if (!so || write_temp_so(cfg, so, size, path, sizeof path) != 0) {
        free(so);
        return -1;
    }
    free(so);
    int reps = cfg->quick ? 1 : 9;
    uint64_t akl[16], floor[16];
    child_result_t r;
    int rc = child_load_full(cfg, path, &r); /* publishes it */
    for (int i = 0; i < reps && rc == 0; i++) {
        bench_progress(cfg, "load: new process, device holds the 16 MB file (%d/%d)", i + 1, reps);
        /* In turn floor first and akl first, as in first_publish. */
        if (i % 2 == 0)
            floor[i] = child_floor_ns(cfg, path, r.device_path);
        rc = child_load_full(cfg, path, &r);
        if (i % 2 == 1 && rc == 0)
            floor[i] = child_floor_ns(cfg, path, r.device_path);
        if (rc == 0 && (floor[i] == 0 || r.outcome != AKL_BOOT_IDENTICAL)) {
            fprintf(stderr, "akl bench: identical new-process load: floor failed or outcome %d\n",
                    r.outcome);
            rc = -1;
        }
        akl[i] = (uint64_t)(r.load_seconds * 1e9);
    }
    unlink(path);
    if (rc != 0)
        return -1;
    double ratio = bench_median_ratio(akl, floor, (size_t)reps);
    double f = bench_percentile(floor, (size_t)reps, 50) / 1e6;
    bench_report("floor", "new process: hash + copy to device + read device file, 16 MB", f, "ms",
                 "", "");
    bench_report_checked("identical_load_new_process_16mb", "load",
                         "new process, device already holds the file (16 MB)",
                         bench_percentile(akl, (size_t)reps, 50) / 1e6, "ms",
                         "new process: hash + copy to device + read device file, 16 MB", f, ratio,
                         "<= 1.3x floor", ratio <= 1.3);
    return 0;
}

/* N = 8 processes load the same new 16 MB SO at once: how many of them wrote the file. */
static int herd(const bench_config_t *cfg)
{
    enum { HERD = 8 };
    size_t size;
    void *so = bench_make_so(cfg, cfg->quick ? (16u << 20) / 64 : 16u << 20, 777, &size);
    char path[PATH_MAX];
    if (!so || write_temp_so(cfg, so, size, path, sizeof path) != 0) {
        free(so);
        return -1;
    }
    free(so);
    bench_progress(cfg, "load: %d processes loading one new 16 MB SO at once", HERD);
    char device[16];
    snprintf(device, sizeof device, "%d", cfg->device);
    pid_t pids[HERD];
    int out[HERD], start[2];
    if (pipe2(start, O_CLOEXEC) != 0)
        return -1;
    for (int i = 0; i < HERD; i++) {
        int fds[2];
        pids[i] = -1;
        out[i] = -1;
        if (pipe2(fds, O_CLOEXEC) != 0)
            continue;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, start[0], STDIN_FILENO);
        char *argv[] = {(char *)cfg->self_path, "--child", "load", path, device, "barrier", NULL};
        if (posix_spawn(&pids[i], cfg->self_path, &fa, NULL, argv, environ) != 0)
            pids[i] = -1;
        posix_spawn_file_actions_destroy(&fa);
        close(fds[1]);
        out[i] = fds[0];
    }
    close(start[0]);
    /* Every child has its device open ("ready\n"), then all are released at once. */
    for (int i = 0; i < HERD; i++) {
        char ready[6];
        if (out[i] >= 0 && read(out[i], ready, sizeof ready) != (ssize_t)sizeof ready) {
            close(out[i]);
            out[i] = -1;
        }
    }
    static const char go[HERD] = {0};
    if (write(start[1], go, sizeof go) != (ssize_t)sizeof go)
        fprintf(stderr, "akl bench: cannot release the herd\n");
    close(start[1]);
    int written = 0, failed = 0;
    for (int i = 0; i < HERD; i++) {
        char buf[1200] = {0};
        ssize_t got = out[i] >= 0 ? read(out[i], buf, sizeof buf - 1) : -1;
        if (out[i] >= 0)
            close(out[i]);
        int status = 1;
        child_result_t r;
        if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0 || got <= 0 || parse_child(buf, &r) != 0) {
            failed++;
            continue;
        }
        written += r.outcome == AKL_BOOT_WROTE || r.outcome == AKL_BOOT_REPLACED;
    }
    unlink(path);
    if (failed) {
        fprintf(stderr, "akl bench: %d of %d loads of the herd failed\n", failed, HERD);
        return -1;
    }
    bench_report_checked("herd_writes_8x16mb", "load",
                         "8 processes load one new 16 MB SO at once: files written", written,
                         "count", "", 0, NAN, "exactly 1", written == 1);
    return 0;
}

/* The directory a module of this device was published in. */
/* The directory m's file was published in (out), and that file's name within it (*name). */
static int device_dir(const akl_module_t *m, char *out, size_t cap, const char **name)
{
    akl_module_info_t info;
    if (akl_module_info(m, &info) != 0 || !info.device_path)
        return -1;
    snprintf(out, cap, "%s", info.device_path);
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = 0;
    *name = info.device_path + (slash - out) + 1;
    return 0;
}

/* ns of one first publish of a fresh 16 KB SO (akl_module_load_data: validate, hash, bootstrap) in
 * this process, or 0 on failure. */
static uint64_t fresh_load(const bench_config_t *cfg, uint64_t salt)
{
    size_t size;
    void *so = bench_make_so(cfg, 16u << 10, salt, &size);
    if (!so)
        return 0;
    akl_module_t *m;
    uint64_t t0 = cmn_now_ns();
    int rc = akl_module_load_data(cfg->device, so, size, NULL, &m);
    uint64_t dt = cmn_now_ns() - t0;
    free(so);
    if (rc != 0)
        bench_fail("a load beside many files", rc);
    return rc == 0 ? dt : 0;
}

/* Creates the files in dir (a fresh directory), then writes the filesystem back, so that no load
 * pays for the journal's writeback of 10,000 creations made just before it. */
static int fill_dir(const char *dir, int files)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    char name[64];
    int rc = 0;
    for (int i = 0; i < files && rc == 0; i++) {
        snprintf(name, sizeof name, "akl_fill_%016x_0.so", (unsigned)i * 2654435761u);
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        rc = fd < 0 ? -1 : close(fd);
    }
    if (rc == 0)
        syncfs(dfd);
    close(dfd);
    return rc;
}

/* Removes dir and every file in it (it holds no subdirectories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(dir);
}

/* Swaps the contents of the two directory names at once: the device's directory then holds what the
 * other held (the dispatcher and the collector open it by its path at every publish). */
static int swap_dirs(const char *a, const char *b)
{
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

/* Removes full (the files' directory), but never the device's own files: when a run stopped between
 * its two exchanges (this one, or an interrupted one before it), full holds them, as the kernels'
 * file (marker, published in the device's directory before any exchange) tells, and they are put
 * back first; when they cannot be, it says where they are instead. */
static int growth_cleanup(const char *dir, const char *full, const char *marker)
{
    char path[PATH_MAX + NAME_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", full, marker);
    if (access(path, F_OK) == 0 && swap_dirs(dir, full) != 0) {
        fprintf(stderr,
                "akl bench: the device's files are in %s and cannot be exchanged back with %s (%s):"
                " move them back by hand\n",
                full, dir, strerror(errno));
        return -1;
    }
    remove_dir(full);
    return 0;
}

/* The load cost with 10,000 files in the device's directory over the cost with only the few this
 * run published, pair by pair: a sibling directory holds the files, and exchanging the two names
 * (one system call) puts them in the device's directory for one load and takes them out again, so
 * that both loads of a pair see the same phase of the machine (its fsync moves between 0.3 and
 * 1.1 ms from one second to the next); which goes first alternates. The median of the pairs'
 * ratios. */
static int growth(const bench_config_t *cfg, const akl_module_t *kernels)
{
    enum { MAX_PAIRS = 21 };
    int files = cfg->quick ? 200 : 10000, pairs = cfg->quick ? 2 : MAX_PAIRS;
    char dir[PATH_MAX], full[PATH_MAX + 8];
    const char *marker;
    if (device_dir(kernels, dir, sizeof dir, &marker) != 0) {
        fprintf(stderr, "akl bench: no device directory for the growth measurement\n");
        return -1;
    }
    snprintf(full, sizeof full, "%s.full", dir);
    if (growth_cleanup(dir, full, marker) != 0) /* a leftover of an interrupted run */
        return -1;
    bench_progress(cfg, "load: creating %d files", files);
    if (mkdir(full, 0700) != 0 || fill_dir(full, files) != 0) {
        fprintf(stderr, "akl bench: cannot create %d files in %s: %s\n", files, full,
                strerror(errno));
        growth_cleanup(dir, full, marker);
        return -1;
    }
    uint64_t with[MAX_PAIRS], without[MAX_PAIRS];
    int rc = 0;
    for (int p = 0; p < pairs && rc == 0; p++) {
        bench_progress(cfg, "load: cost beside %d files (pair %d/%d)", files, p + 1, pairs);
        for (int k = 0; k < 2 && rc == 0; k++) {
            bool beside = (k == 0) == (p % 2 == 0);
            if (beside && swap_dirs(dir, full) != 0) {
                fprintf(stderr, "akl bench: cannot exchange %s and %s: %s\n", dir, full,
                        strerror(errno));
                rc = -1;
                break;
            }
            uint64_t ns = fresh_load(cfg, 90000 + 2 * (uint64_t)p + (uint64_t)k);
            if (beside && swap_dirs(dir, full) != 0)
                rc = -1;
            *(beside ? &with[p] : &without[p]) = ns;
            rc = rc == 0 && ns > 0 ? 0 : -1;
        }
    }
    if (growth_cleanup(dir, full, marker) != 0 || rc != 0)
        return -1;
    double ratio = bench_median_ratio(with, without, (size_t)pairs);
    double empty = bench_percentile(without, (size_t)pairs, 50);
    char floor[96];
    snprintf(floor, sizeof floor, "first publish of 16 KB, directory without the files");
    bench_report("floor", floor, empty / 1e6, "ms", "", "");
    bench_report_checked("load_cost_growth_10k_files", "load",
                         "first publish of 16 KB beside 10,000 published files",
                         bench_percentile(with, (size_t)pairs, 50) / 1e6, "ms", floor, empty / 1e6,
                         ratio, "<= 1.2x", ratio <= 1.2);
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
    rc |= identical_new_process(cfg);
    rc |= herd(cfg);
    rc |= growth(cfg, m);
    rc |= concurrent_bootstraps(cfg);
    bench_progress(cfg, "load: device memory per module");
    rc |= memory_per_module(cfg);
    return rc;
}

/* `akl-bench --child floor <so> <device> <device file>`: the floor of a new process's load of an
 * SO its device holds, in a fresh process as akl's load is: with the SO's bytes in memory, one hash
 * of them, their copy into device memory and one read of the device's file. Prints the ns. */
static int child_floor(char **argv)
{
    int device = atoi(argv[4]);
    size_t size;
    void *bytes = bench_read_file(argv[3], &size);
    static char buf[256u << 10];
    if (!bytes || akl_device_open(device) != 0) {
        free(bytes);
        return 1;
    }
    uint64_t t0 = cmn_now_ns();
    volatile uint64_t fp = akl_fingerprint(bytes, size);
    (void)fp;
    uint64_t copy = device_copy_ns(bytes, size);
    uint64_t read = read_file_ns(argv[5], buf, sizeof buf);
    uint64_t dt = cmn_now_ns() - t0;
    free(bytes);
    if (copy == 0 || read == 0)
        return 1;
    printf("%llu\n", (unsigned long long)dt);
    fflush(stdout);
    akl_device_close(device);
    return 0;
}

/* `akl-bench --child load <so> <device>`: one fresh process's load; prints
 * "<seconds> <outcome>" (`--child floor`: child_floor above). */
int bench_child_main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[2], "floor") == 0)
        return child_floor(argv);
    if (argc >= 6 && strcmp(argv[2], "overhead") == 0)
        return bench_child_overhead(argv);
    if (argc < 5 || strcmp(argv[2], "load") != 0) {
        fprintf(stderr, "akl-bench: unknown child mode\n");
        return 2;
    }
    int device = atoi(argv[4]);
    int rc = akl_device_open(device);
    /* "barrier": say "ready" once the device is open, then load when one byte arrives on stdin, so
     * that a herd's loads start together rather than spread over their processes' start-up. */
    if (rc == 0 && argc >= 6 && strcmp(argv[5], "barrier") == 0) {
        char go;
        fputs("ready\n", stdout);
        fflush(stdout);
        if (read(STDIN_FILENO, &go, 1) != 1)
            return 1;
    }
    akl_module_t *m = NULL;
    uint64_t t0 = cmn_now_ns();
    if (rc == 0)
        rc = akl_module_load_file(device, argv[3], NULL, &m);
    double load_seconds = (double)(cmn_now_ns() - t0) / 1e9;
    if (rc != 0) {
        fprintf(stderr, "akl-bench child: %s: %s\n", akl_errname(rc), akl_last_error());
        return 1;
    }
    akl_module_info_t info;
    akl_module_info(m, &info);
    printf("%.9f %d %.9f %s\n", info.bootstrap_seconds, (int)info.outcome, load_seconds,
           info.device_path[0] ? info.device_path : "-");
    fflush(stdout);
    akl_device_close(device);
    return 0;
}
