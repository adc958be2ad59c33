/* The floors every akl figure is read against, measured in the same run on the same machine:
 * a plain function call, a cross-process round trip through shared memory (spinning, and
 * sleeping on a futex), and publishing a file with and without fsync. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct pingpong {
    _Atomic uint32_t ping;
    char pad[60];
    _Atomic uint32_t pong;
} pingpong_t;

static void pin_to_cpu(int cpu)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static void unpin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < CPU_SETSIZE && i < sysconf(_SC_NPROCESSORS_ONLN); i++)
        CPU_SET(i, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void wait_value(_Atomic uint32_t *word, uint32_t want, int sleeping)
{
    uint32_t v;
    while ((v = atomic_load_explicit(word, memory_order_acquire)) != want) {
        if (sleeping)
            futex(word, FUTEX_WAIT, v);
    }
}

static void post_value(_Atomic uint32_t *word, uint32_t value, int sleeping)
{
    atomic_store_explicit(word, value, memory_order_release);
    if (sleeping)
        futex(word, FUTEX_WAKE, 1);
}

/* The child echoes every ping until it sees UINT32_MAX. */
static void pong_loop(pingpong_t *pp, int sleeping)
{
    pin_to_cpu(1);
    uint32_t last = 0;
    for (;;) {
        uint32_t v;
        while ((v = atomic_load_explicit(&pp->ping, memory_order_acquire)) == last) {
            if (sleeping)
                futex(&pp->ping, FUTEX_WAIT, v);
        }
        if (v == UINT32_MAX)
            _exit(0);
        last = v;
        post_value(&pp->pong, v, sleeping);
    }
}

static int shm_round_trip(const bench_config_t *cfg, int sleeping, const char *name)
{
    size_t n = cfg->quick ? 200 : (sleeping ? 20000 : 200000);
    pingpong_t *pp =
        mmap(NULL, sizeof *pp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint64_t *samples = malloc(n * sizeof *samples);
    pid_t child = pp == MAP_FAILED || !samples ? -1 : fork();
    if (child < 0) {
        fprintf(stderr, "akl bench: %s: cannot set up: %s\n", name, strerror(errno));
        free(samples);
        if (pp != MAP_FAILED)
            munmap(pp, sizeof *pp);
        return -1;
    }
    if (child == 0)
        pong_loop(pp, sleeping);
    pin_to_cpu(0);
    for (uint32_t i = 1; i <= n; i++) {
        uint64_t t0 = cmn_now_ns();
        post_value(&pp->ping, i, sleeping);
        wait_value(&pp->pong, i, sleeping);
        samples[i - 1] = cmn_now_ns() - t0;
    }
    post_value(&pp->ping, UINT32_MAX, 1);
    int status;
    waitpid(child, &status, 0);
    unpin();
    char row[96];
    snprintf(row, sizeof row, "%s p50", name);
    bench_report("floor", row, bench_percentile(samples, n, 50) / 1000.0, "us", "", "");
    snprintf(row, sizeof row, "%s p99", name);
    bench_report("floor", row, bench_percentile(samples, n, 99) / 1000.0, "us", "", "");
    bench_keep_samples(name, samples, n);
    free(samples);
    munmap(pp, sizeof *pp);
    return 0;
}

/* The spinning round trip as a floor to interleave with another measurement sample by sample: the
 * echoing child sleeps on a futex between samples, so it takes no CPU from what is measured in
 * between, and is awake and spinning (it says so) before a sample's clock starts. */
struct bench_pong {
    _Atomic uint32_t ctl; /* the sample's number to run it; UINT32_MAX to exit */
    char pad0[60];
    _Atomic uint32_t ready; /* the child spins: the sample's number */
    char pad1[60];
    pingpong_t pp;
    pid_t child;
    uint32_t sample;
};

static void parked_pong_loop(bench_pong_t *p)
{
    pin_to_cpu(1);
    uint32_t done = 0;
    for (;;) {
        uint32_t c;
        while ((c = atomic_load_explicit(&p->ctl, memory_order_acquire)) == done)
            futex(&p->ctl, FUTEX_WAIT, c);
        if (c == UINT32_MAX)
            _exit(0);
        atomic_store_explicit(&p->ready, c, memory_order_release);
        /* Echo pings until the parent parks us (ping == 0 after a block). */
        uint32_t last = 0, v;
        for (;;) {
            while ((v = atomic_load_explicit(&p->pp.ping, memory_order_acquire)) == last)
                ;
            if (v == 0)
                break;
            last = v;
            post_value(&p->pp.pong, v, 0);
        }
        done = c;
    }
}

bench_pong_t *bench_pong_start(void)
{
    bench_pong_t *p =
        mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, sizeof *p);
    p->child = fork();
    if (p->child < 0) {
        munmap(p, sizeof *p);
        return NULL;
    }
    if (p->child == 0)
        parked_pong_loop(p);
    return p;
}

void bench_pong_block(bench_pong_t *p, uint64_t *samples, size_t n)
{
    uint32_t block = ++p->sample;
    pin_to_cpu(0);
    post_value(&p->ctl, block, 1);
    wait_value(&p->ready, block, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = block * 65536u + (uint32_t)i + 1;
        uint64_t t0 = cmn_now_ns();
        post_value(&p->pp.ping, v, 0);
        wait_value(&p->pp.pong, v, 0);
        samples[i] = cmn_now_ns() - t0;
    }
    atomic_store_explicit(&p->pp.pong, 0, memory_order_relaxed);
    post_value(&p->pp.ping, 0, 0); /* park */
    unpin();
}

void bench_pong_stop(bench_pong_t *p)
{
    if (!p)
        return;
    post_value(&p->ctl, UINT32_MAX, 1);
    int status;
    waitpid(p->child, &status, 0);
    munmap(p, sizeof *p);
}

static uint32_t __attribute__((noinline)) plain_function(uint32_t x)
{
    __asm__ volatile("" : "+r"(x));
    return x + 1;
}

static void plain_call(const bench_config_t *cfg)
{
    uint32_t (*volatile fn)(uint32_t) = plain_function;
    size_t n = cfg->quick ? 100000 : 50000000;
    uint32_t acc = 0;
    uint64_t t0 = cmn_now_ns();
    for (size_t i = 0; i < n; i++)
        acc = fn(acc);
    uint64_t dt = cmn_now_ns() - t0;
    __asm__ volatile("" ::"r"(acc));
    bench_report("floor", "plain function call", (double)dt / (double)n, "ns", "", "");
}

static int write_all(int fd, const char *p, size_t size)
{
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        size -= (size_t)w;
    }
    return 0;
}

/* write (+ fsync) + rename (+ fsync of the directory) of size bytes: what a publish must cost. */
static double publish_once_ms(const char *dir, const char *bytes, size_t size, int durable)
{
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/floor.tmp.%d", dir, (int)getpid());
    snprintf(final, sizeof final, "%s/floor.so", dir);
    uint64_t t0 = cmn_now_ns();
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (fd < 0 || write_all(fd, bytes, size) != 0 || (durable && fsync(fd) != 0)) {
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, final) != 0)
        return -1;
    if (durable) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    double ms = (double)(cmn_now_ns() - t0) / 1e6;
    unlink(final);
    return ms;
}

double bench_publish_floor_ms(const char *dir, const void *bytes, size_t size)
{
    return publish_once_ms(dir, bytes, size, 1);
}

static int publish_floor(const bench_config_t *cfg, size_t size, const char *label)
{
    char *bytes = malloc(size);
    if (!bytes)
        return -1;
    for (size_t i = 0; i < size; i++)
        bytes[i] = (char)(i * 131 + 7);
    int reps = cfg->quick ? 2 : 9;
    uint64_t durable[16], plain[16];
    for (int i = 0; i < reps; i++) {
        double d = publish_once_ms(cfg->work_dir, bytes, size, 1);
        double p = publish_once_ms(cfg->work_dir, bytes, size, 0);
        if (d < 0 || p < 0) {
            fprintf(stderr, "akl bench: publish floor in %s failed: %s\n", cfg->work_dir,
                    strerror(errno));
            free(bytes);
            return -1;
        }
        durable[i] = (uint64_t)(d * 1e6);
        plain[i] = (uint64_t)(p * 1e6);
    }
    char row[96];
    snprintf(row, sizeof row, "publish %s: write+fsync+rename+dirsync", label);
    bench_report("floor", row, bench_percentile(durable, (size_t)reps, 50) / 1e6, "ms", "", "");
    snprintf(row, sizeof row, "publish %s: write+rename, no fsync", label);
    bench_report("floor", row, bench_percentile(plain, (size_t)reps, 50) / 1e6, "ms", "", "");
    free(bytes);
    return 0;
}

int bench_floors(const bench_config_t *cfg)
{
    bench_progress(cfg, "floors: function call");
    plain_call(cfg);
    bench_progress(cfg, "floors: shared-memory round trip (spinning)");
    int rc = shm_round_trip(cfg, 0, "shm round trip, spinning");
    bench_progress(cfg, "floors: shared-memory round trip (futex sleep)");
    rc |= shm_round_trip(cfg, 1, "shm round trip, futex sleep");
    static const struct {
        size_t size;
        const char *label;
    } sizes[] = {{16u << 10, "16 KB"}, {1u << 20, "1 MB"}, {16u << 20, "16 MB"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        bench_progress(cfg, "floors: publish %s", sizes[i].label);
        rc |= publish_floor(cfg, cfg->quick ? sizes[i].size / 64 : sizes[i].size, sizes[i].label);
    }
    return rc;
}
