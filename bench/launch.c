/* The per-task launch path: launch-to-completion round trip back to back (p50, p99), and
 * asynchronous launch throughput on one stream and on four. */
#define _GNU_SOURCE
#include "bench_common.h"

#include "runtime/rt.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

/* Launch + synchronize round trips and the spinning shared-memory round trip (the floor) in
 * alternating blocks of BENCH_RTT_BLOCK samples, so both see the same phase of the machine. Not
 * sample by sample: the floor's echoing process, woken on the scheduler's core, pushes the
 * scheduler's spinning thread into a futex sleep, and every launch after it would measure that
 * wake-up (17 us instead of 0.3 us on the 2-vCPU VM). For the floor's blocks the host thread is
 * pinned to CPU 0 and the echoing process to CPU 1; akl's blocks run unpinned, as an application
 * would. */
#define BENCH_RTT_BLOCK 1000
static int round_trip(const bench_config_t *cfg, const akl_module_t *m)
{
    size_t n = cfg->quick ? 200 : 100000, warm = n / 10;
    uint64_t *samples = malloc(n * sizeof *samples), *floor = malloc(n * sizeof *floor);
    akl_stream_t stream;
    int rc = akl_stream_create(&stream);
    bench_pong_t *pong = rc == 0 ? bench_pong_start() : NULL;
    if (!samples || !floor || rc != 0 || !pong) {
        free(samples);
        free(floor);
        bench_pong_stop(pong);
        return rc ? bench_fail("creating a stream", rc) : -1;
    }
    uint64_t payload = 0;
    for (size_t i = 0; i < warm && rc == 0; i++) { /* warms caches and the scheduler's threads */
        rc = akl_launch(m, "bench_empty", &payload, sizeof payload, 1, stream, 0);
        if (rc == 0)
            rc = akl_stream_sync(stream, -1);
    }
    for (size_t at = 0; at < n && rc == 0; at += BENCH_RTT_BLOCK) {
        size_t block = n - at < BENCH_RTT_BLOCK ? n - at : BENCH_RTT_BLOCK;
        bench_pong_block(pong, floor + at, block);
        for (size_t i = 0; i < block && rc == 0; i++) {
            uint64_t t0 = cmn_now_ns();
            rc = akl_launch(m, "bench_empty", &payload, sizeof payload, 1, stream, 0);
            if (rc == 0)
                rc = akl_stream_sync(stream, -1);
            samples[at + i] = cmn_now_ns() - t0;
        }
        bench_progress(cfg, "launch: round trip %zu/%zu", at, n);
    }
    bench_pong_stop(pong);
    akl_stream_destroy(stream);
    if (rc != 0) {
        free(samples);
        free(floor);
        return bench_fail("launch round trip", rc);
    }
    bench_keep_samples("akl launch + sync", samples, n);
    bench_keep_samples("shm round trip, spinning (interleaved)", floor, n);
    double p50 = bench_percentile(samples, n, 50), f50 = bench_percentile(floor, n, 50);
    double p99 = bench_percentile(samples, n, 99), f99 = bench_percentile(floor, n, 99);
    bench_report("floor", "shm round trip, spinning p50 (interleaved with launches)", f50 / 1000,
                 "us", "", "");
    bench_report("floor", "shm round trip, spinning p99 (interleaved with launches)", f99 / 1000,
                 "us", "", "");
    bench_report_checked("launch_rtt_p50", "launch", "launch + completion round trip p50",
                         p50 / 1000, "us", "shm round trip, spinning p50 (interleaved)", f50 / 1000,
                         p50 / f50, "<= 2 us and <= 3x floor", p50 <= 2000 && p50 <= 3 * f50);
    bench_report_checked("launch_rtt_p99", "launch", "launch + completion round trip p99",
                         p99 / 1000, "us", "shm round trip, spinning p99 (interleaved)", f99 / 1000,
                         p99 / f99, "<= 20 us", p99 <= 20000);
    free(samples);
    free(floor);
    return 0;
}

/* rtAicpuKernelLaunchExWithArgs itself, from the library that provides the runtime: the floor of a
 * launch is that call with a blob built once. */
static __typeof__(rtAicpuKernelLaunchExWithArgs) *direct_launch_fn(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "rtAicpuKernelLaunchExWithArgs");
    const char *runtime = akl_runtime_name();
    const char *colon = runtime ? strchr(runtime, ':') : NULL;
    if (!sym && colon) {
        void *handle = dlopen(colon + 1, RTLD_NOW | RTLD_NOLOAD);
        sym = handle ? dlsym(handle, "rtAicpuKernelLaunchExWithArgs") : NULL;
    }
    __typeof__(rtAicpuKernelLaunchExWithArgs) *fn;
    memcpy(&fn, &sym, sizeof fn);
    return fn;
}

enum { BENCH_BATCH = 128 };

/* akl_module_get_kernel / akl_launch_kernel, looked up at run time so that this benchmark also runs
 * against a libakl without them (a "before" measurement); the handle row is then left out. */
typedef int (*get_kernel_fn)(const akl_module_t *, const char *, const void **);
typedef int (*launch_kernel_fn)(const void *, const void *, size_t, uint32_t, akl_stream_t,
                                uint32_t);

typedef struct launch_variants {
    const akl_module_t *module;
    const void *kernel;
    launch_kernel_fn launch_kernel;
    __typeof__(rtAicpuKernelLaunchExWithArgs) *direct;
    rtAicpuArgsEx_t info; /* the prebuilt blob */
    akl_stream_t stream;
} launch_variants_t;

/* One batch of asynchronous launches of one variant; returns the batch's ns (BENCH_BATCH launches,
 * so a median keeps fractions of a ns per launch), or 0 on failure. The stream is synchronized
 * after the batch, outside the clock, so the ring never fills. */
static uint64_t launch_batch(launch_variants_t *v, int variant)
{
    uint64_t payload = 0;
    int rc = 0;
    uint64_t t0 = cmn_now_ns();
    for (int i = 0; i < BENCH_BATCH && rc == 0; i++) {
        if (variant == 0)
            rc = v->direct(KERNEL_TYPE_AICPU, "bench_empty", 1, &v->info, NULL, v->stream,
                           RT_KERNEL_DEFAULT);
        else if (variant == 1)
            rc = akl_launch(v->module, "bench_empty", &payload, sizeof payload, 1, v->stream, 0);
        else
            rc = v->launch_kernel(v->kernel, &payload, sizeof payload, 1, v->stream, 0);
    }
    uint64_t dt = cmn_now_ns() - t0;
    if (rc == 0)
        rc = akl_stream_sync(v->stream, -1);
    return rc == 0 && dt > 0 ? dt : 0;
}

static double median_difference(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t *d = malloc(n * sizeof *d);
    if (!d)
        return NAN;
    /* Shifted by 1 s so that a negative difference sorts correctly as unsigned. */
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] + 1000000000ull - b[i];
    double median = bench_percentile(d, n, 50) - 1e9;
    free(d);
    return median;
}

/* Streams the launch-overhead rounds go round, so that no single placement of a stream's ring
 * decides the comparison. */
enum { OVERHEAD_STREAMS = 8 };
/* Processes the comparison runs in. Within one process the figure repeats to a fraction of a ns,
 * from one process to the next it moves by several ns (the memory layout: a fresh process of the
 * same build measured the handle's overhead at -5 ns, another at 12 ns), so one process cannot
 * stand for the build: the reported figure is the median of the processes' figures. */
enum { OVERHEAD_PROCESSES = 5 };

/* What one process measured, ns per launch; over_handle NAN without akl_launch_kernel. */
typedef struct overhead {
    double direct, over, over_handle;
} overhead_t;

/* akl_launch and akl_launch_kernel against the direct call with a prebuilt blob, batch by batch in
 * turn, the order rotating each round so that no variant always runs first after a synchronize, and
 * each round on the next of OVERHEAD_STREAMS streams: the median of each round's difference to the
 * direct batch, per launch. */
static int overhead_measure(bool quick, const akl_module_t *m, overhead_t *out)
{
    launch_variants_t v = {.module = m, .direct = direct_launch_fn()};
    akl_module_info_t info;
    char blob[256] = {0};
    int rc = akl_module_info(m, &info);
    void *get = dlsym(RTLD_DEFAULT, "akl_module_get_kernel");
    void *launch = dlsym(RTLD_DEFAULT, "akl_launch_kernel");
    int variants = get && launch ? 3 : 2;
    if (rc == 0 && variants == 3) {
        get_kernel_fn get_kernel;
        memcpy(&get_kernel, &get, sizeof get);
        memcpy(&v.launch_kernel, &launch, sizeof launch);
        rc = get_kernel(m, "bench_empty", &v.kernel);
    }
    akl_stream_t streams[OVERHEAD_STREAMS] = {0};
    int made = 0;
    while (rc == 0 && made < OVERHEAD_STREAMS && (rc = akl_stream_create(&streams[made])) == 0)
        made++;
    if (rc == 0 && !v.direct) {
        fprintf(stderr, "akl bench: rtAicpuKernelLaunchExWithArgs not found in %s\n",
                akl_runtime_name());
        rc = -1;
    }
    if (rc != 0) {
        while (made > 0)
            akl_stream_destroy(streams[--made]);
        return bench_fail("preparing the launch-overhead comparison", rc);
    }
    size_t kernel_at = 8, so_at = kernel_at + sizeof "bench_empty";
    memcpy(blob + kernel_at, "bench_empty", sizeof "bench_empty");
    snprintf(blob + so_at, sizeof blob - so_at, "%s", info.basename);
    v.info = (rtAicpuArgsEx_t){.args = blob,
                               .argsSize = (uint32_t)(so_at + strlen(info.basename) + 1),
                               .soNameAddrOffset = (uint32_t)so_at,
                               .kernelNameAddrOffset = (uint32_t)kernel_at};
    size_t rounds = quick ? 20 : 12000;
    uint64_t *ns[3];
    for (int k = 0; k < 3; k++)
        ns[k] = calloc(rounds, sizeof *ns[k]);
    bool ok = ns[0] && ns[1] && ns[2];
    for (size_t r = 0; r < rounds + rounds / 10 && ok; r++) {
        v.stream = streams[r % OVERHEAD_STREAMS];
        for (int i = 0; i < variants && ok; i++) {
            int k = (int)((r + (size_t)i) % (size_t)variants);
            uint64_t t = launch_batch(&v, k);
            ok = t > 0;
            if (r >= rounds / 10)
                ns[k][r - rounds / 10] = t;
        }
    }
    while (made > 0)
        akl_stream_destroy(streams[--made]);
    if (ok) {
        out->direct = bench_percentile(ns[0], rounds, 50) / BENCH_BATCH;
        out->over = median_difference(ns[1], ns[0], rounds) / BENCH_BATCH;
        out->over_handle =
            variants == 3 ? median_difference(ns[2], ns[0], rounds) / BENCH_BATCH : NAN;
    }
    for (int k = 0; k < 3; k++)
        free(ns[k]);
    return ok ? 0 : bench_fail("launch-overhead comparison", -1);
}

int bench_child_overhead(char **argv)
{
    int device = atoi(argv[4]);
    akl_module_t *m = NULL;
    int rc = akl_device_open(device);
    if (rc == 0)
        rc = akl_module_load_file(device, argv[3], NULL, &m);
    if (rc != 0)
        return bench_fail("the launch-overhead child's load", rc);
    overhead_t o;
    if (overhead_measure(strcmp(argv[5], "quick") == 0, m, &o) != 0)
        return 1;
    printf("%.6f %.6f %.6f\n", o.direct, o.over, o.over_handle);
    fflush(stdout);
    akl_device_close(device);
    return 0;
}

/* overhead_measure in OVERHEAD_PROCESSES fresh processes, one after the other; each figure the
 * median of theirs. */
static int overhead_vs_direct(const bench_config_t *cfg)
{
    char so[4096];
    if (bench_kernels_path(cfg, so, sizeof so) != 0)
        return -1;
    double direct[OVERHEAD_PROCESSES], over[OVERHEAD_PROCESSES], handle[OVERHEAD_PROCESSES];
    for (int p = 0; p < OVERHEAD_PROCESSES; p++) {
        bench_progress(cfg, "launch: overhead against the direct call (process %d/%d)", p + 1,
                       OVERHEAD_PROCESSES);
        char out[256];
        if (bench_child_run(cfg, "overhead", so, cfg->quick ? "quick" : "full", out, sizeof out) !=
                0 ||
            sscanf(out, "%lf %lf %lf", &direct[p], &over[p], &handle[p]) != 3) {
            fprintf(stderr, "akl bench: the launch-overhead child failed\n");
            return -1;
        }
    }
    double d = bench_median(direct, OVERHEAD_PROCESSES);
    double o = bench_median(over, OVERHEAD_PROCESSES);
    double h = bench_median(handle, OVERHEAD_PROCESSES);
    const char *floor = "direct rtAicpuKernelLaunchExWithArgs, prebuilt blob";
    bench_report("floor", floor, d, "ns", "", "");
    bench_report_checked("launch_overhead_vs_direct", "launch",
                         "akl_launch over the direct call (per launch)", o, "ns", floor, d,
                         (d + o) / d, "<= 10 ns", o <= 10);
    if (!isnan(h))
        bench_report_checked("launch_overhead_handle_vs_direct", "launch",
                             "akl_launch_kernel (handle) over the direct call", h, "ns", floor, d,
                             (d + h) / d, "<= 5 ns", h <= 5);
    return 0;
}

typedef struct flood {
    const akl_module_t *module;
    size_t launches;
    int device;
    int rc;
    uint64_t ns;
} flood_t;

static void *flood_stream(void *arg)
{
    flood_t *f = arg;
    akl_stream_t stream;
    f->rc = akl_device_open(f->device);
    if (f->rc != 0)
        return NULL;
    f->rc = akl_stream_create(&stream);
    if (f->rc != 0) {
        akl_device_close(f->device);
        return NULL;
    }
    uint64_t payload = 0;
    uint64_t t0 = cmn_now_ns();
    for (size_t i = 0; i < f->launches && f->rc == 0; i++)
        f->rc = akl_launch(f->module, "bench_empty", &payload, sizeof payload, 1, stream, 0);
    if (f->rc == 0)
        f->rc = akl_stream_sync(stream, -1);
    f->ns = cmn_now_ns() - t0;
    akl_stream_destroy(stream);
    akl_device_close(f->device);
    return NULL;
}

static int throughput(const bench_config_t *cfg, const akl_module_t *m, int streams)
{
    size_t total = cfg->quick ? 2000 : 2000000;
    flood_t floods[4];
    pthread_t threads[4];
    bench_progress(cfg, "launch: asynchronous throughput, %d stream(s)", streams);
    uint64_t t0 = cmn_now_ns();
    int started = 0;
    while (started < streams) {
        floods[started] = (flood_t){m, total / (size_t)streams, cfg->device, 0, 0};
        if (pthread_create(&threads[started], NULL, flood_stream, &floods[started]) != 0)
            break;
        started++;
    }
    int rc = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        rc = rc ? rc : floods[i].rc;
    }
    uint64_t dt = cmn_now_ns() - t0;
    if (started < streams) {
        fprintf(stderr, "akl bench: cannot start %d launching threads\n", streams);
        return -1;
    }
    if (rc != 0)
        return bench_fail("asynchronous launches", rc);
    char name[96];
    snprintf(name, sizeof name, "async launches, %d stream%s", streams, streams > 1 ? "s" : "");
    bench_report("launch", name, (double)total / ((double)dt / 1e9) / 1e6, "M/s", "",
                 streams == 1 ? ">= 1 M/s" : "");
    return 0;
}

int bench_launch(const bench_config_t *cfg)
{
    akl_module_t *m;
    if (bench_open(cfg, &m) != 0)
        return -1;
    int rc = round_trip(cfg, m);
    rc |= overhead_vs_direct(cfg);
    rc |= throughput(cfg, m, 1);
    rc |= throughput(cfg, m, 4);
    return rc;
}
