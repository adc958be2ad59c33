/* The per-task launch path: launch-to-completion round trip back to back (p50, p99), and
 * asynchronous launch throughput on one stream and on four. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int round_trip(const bench_config_t *cfg, const akl_module_t *m)
{
    size_t n = cfg->quick ? 200 : 200000;
    uint64_t *samples = malloc(n * sizeof *samples);
    akl_stream_t stream;
    int rc = akl_stream_create(&stream);
    if (!samples || rc != 0) {
        free(samples);
        return rc ? bench_fail("creating a stream", rc) : -1;
    }
    uint64_t payload = 0;
    for (size_t i = 0; i < n + n / 10 && rc == 0; i++) {
        uint64_t t0 = cmn_now_ns();
        rc = akl_launch(m, "bench_empty", &payload, sizeof payload, 1, stream, 0);
        if (rc == 0)
            rc = akl_stream_sync(stream, -1);
        uint64_t dt = cmn_now_ns() - t0;
        if (i >= n / 10) /* the first tenth warms caches and the scheduler's threads */
            samples[i - n / 10] = dt;
        if ((i & 0xffff) == 0)
            bench_progress(cfg, "launch: round trip %zu/%zu", i, n + n / 10);
    }
    akl_stream_destroy(stream);
    if (rc != 0) {
        free(samples);
        return bench_fail("launch round trip", rc);
    }
    bench_report("launch", "launch + completion round trip p50",
                 bench_percentile(samples, n, 50) / 1000, "us", "shm round trip, spinning p50",
                 "<= 2 us");
    bench_report("launch", "launch + completion round trip p99",
                 bench_percentile(samples, n, 99) / 1000, "us", "shm round trip, spinning p99",
                 "<= 20 us");
    bench_keep_samples("akl launch + sync", samples, n);
    free(samples);
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
    rc |= throughput(cfg, m, 1);
    rc |= throughput(cfg, m, 4);
    return rc;
}
