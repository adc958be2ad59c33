/* Per-task launch side by side: Mode A type 2 (akl_launch, as bench/launch.c measures it) and
 * Mode B (rtsBinaryLoadFromFile + rtsFuncGetByName once, then rtsLaunchCpuKernel by handle) on
 * the same SO, device and stream kind, in the same run: launch + completion round trip p50/p99 and
 * asynchronous throughput on one stream. The bench kernels are published by akl, and a JSON
 * descriptor names that published SO (cpuKernelMode 0), so both modes run the same code from the
 * same file. akl-bench links libakl only: the rts* entry points are looked up in the runtime libakl
 * resolved (libaclsim or CANN's libruntime), and Mode B is skipped, saying so, when it has none. */
#define _GNU_SOURCE
#include "bench_common.h"
#include "json_text.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime/rts/rts_kernel.h"

#define MODEB_OP_TYPE "BenchEmpty"
#define MODEB_KERNEL "bench_empty"

typedef struct modeb_api {
    __typeof__(rtsBinaryLoadFromFile) *load_file;
    __typeof__(rtsFuncGetByName) *get_by_name;
    __typeof__(rtsLaunchCpuKernel) *launch;
    __typeof__(rtsBinaryUnload) *unload;
    const char *(*recent)(void);
} modeb_api_t;

/* What one launch path costs, measured the same way for both modes. */
typedef struct modeb_path {
    const char *label; /* "Mode A type 2 (akl_launch)" / "Mode B (rtsLaunchCpuKernel)" */
    int (*launch)(void *ctx, akl_stream_t stream);
    void *ctx;
} modeb_path_t;

typedef struct modeb_a {
    const akl_module_t *module;
    uint64_t payload;
} modeb_a_t;

typedef struct modeb_b {
    const modeb_api_t *api;
    rtFuncHandle func;
    uint64_t payload;
    rtCpuKernelArgs_t args;
} modeb_b_t;

/* A symbol of the runtime libakl resolved: global first (CANN's libraries are opened
 * RTLD_GLOBAL), else in the library akl_runtime_name() names (libaclsim is opened RTLD_LOCAL). */
static void *modeb_symbol(void *handle, const char *name)
{
    void *sym = dlsym(RTLD_DEFAULT, name);
    return sym || !handle ? sym : dlsym(handle, name);
}

static int modeb_resolve(modeb_api_t *api, char *why, size_t cap)
{
    const char *runtime = akl_runtime_name();
    const char *colon = runtime ? strchr(runtime, ':') : NULL;
    void *handle = colon ? dlopen(colon + 1, RTLD_NOW | RTLD_NOLOAD) : NULL;
    api->load_file = (__typeof__(api->load_file))modeb_symbol(handle, "rtsBinaryLoadFromFile");
    api->get_by_name = (__typeof__(api->get_by_name))modeb_symbol(handle, "rtsFuncGetByName");
    api->launch = (__typeof__(api->launch))modeb_symbol(handle, "rtsLaunchCpuKernel");
    api->unload = (__typeof__(api->unload))modeb_symbol(handle, "rtsBinaryUnload");
    api->recent = (__typeof__(api->recent))modeb_symbol(handle, "aclGetRecentErrMsg");
    if (handle)
        dlclose(handle); /* RTLD_NOLOAD only took a reference; libakl keeps its own */
    if (api->load_file && api->get_by_name && api->launch && api->unload && api->recent)
        return 0;
    snprintf(why, cap,
             "the runtime (%s) has no Mode B entry points (rtsBinaryLoadFromFile, "
             "rtsFuncGetByName, rtsLaunchCpuKernel, rtsBinaryUnload)",
             runtime ? runtime : "unresolved");
    return -1;
}

static int modeb_fail(const modeb_api_t *api, const char *what, rtError_t rc)
{
    fprintf(stderr, "akl bench: modeb: %s failed with %d (%s): %s\n", what, (int)rc,
            akl_errname(rc), api->recent ? api->recent() : "");
    return -1;
}

static int modeb_launch_a(void *ctx, akl_stream_t stream)
{
    modeb_a_t *a = ctx;
    return akl_launch(a->module, MODEB_KERNEL, &a->payload, sizeof a->payload, 1, stream, 0);
}

static int modeb_launch_b(void *ctx, akl_stream_t stream)
{
    modeb_b_t *b = ctx;
    return b->api->launch(b->func, 1, stream, NULL, &b->args);
}

/* The descriptor naming the published bench kernels, written into the work directory. */
static int modeb_write_descriptor(const bench_config_t *cfg, const akl_module_t *module, char *path,
                                  size_t cap)
{
    akl_module_info_t info;
    int rc = akl_module_info(module, &info);
    if (rc != 0)
        return bench_fail("reading the bench kernels' module info", rc);
    snprintf(path, cap, "%s/bench_modeb.json", cfg->work_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    akl_json_t json;
    akl_json_begin(&json, f);
    akl_json_object_begin(&json, MODEB_OP_TYPE);
    akl_json_object_begin(&json, "opInfo");
    akl_json_string(&json, "functionName", MODEB_KERNEL);
    akl_json_string(&json, "kernelSo", info.basename);
    akl_json_string(&json, "opKernelLib", "AICPUKernel");
    akl_json_string(&json, "userDefined", "False");
    akl_json_object_end(&json);
    akl_json_object_end(&json);
    rc = akl_json_end(&json);
    return fclose(f) == 0 && rc == 0 ? 0 : -1;
}

static int modeb_register(const bench_config_t *cfg, const akl_module_t *module,
                          const modeb_api_t *api, rtBinHandle *bin, modeb_b_t *b)
{
    char path[PATH_MAX];
    if (modeb_write_descriptor(cfg, module, path, sizeof path) != 0)
        return -1;
    rtLoadBinaryOption_t opt = {.optionId = RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE};
    opt.value.cpuKernelMode = 0;
    rtLoadBinaryConfig_t load_cfg = {&opt, 1};
    rtError_t rc = api->load_file(path, &load_cfg, bin);
    if (rc != 0)
        return modeb_fail(api, "rtsBinaryLoadFromFile", rc);
    memset(b, 0, sizeof *b);
    b->api = api;
    rc = api->get_by_name(*bin, MODEB_OP_TYPE, &b->func);
    if (rc != 0) {
        api->unload(*bin);
        return modeb_fail(api, "rtsFuncGetByName", rc);
    }
    b->args.baseArgs.args = &b->payload;
    b->args.baseArgs.argsSize = sizeof b->payload;
    return 0;
}

static void modeb_row(const modeb_path_t *p, const char *what, double value, const char *unit,
                      const char *floor, const char *target)
{
    char name[96];
    snprintf(name, sizeof name, "%s %s", p->label, what);
    bench_report("modeb", name, value, unit, floor, target);
}

/* Launch + synchronize back to back; the first tenth warms up. */
static int modeb_round_trip(const bench_config_t *cfg, const modeb_path_t *p, const char *floor50,
                            const char *floor99)
{
    size_t n = cfg->quick ? 200 : 100000;
    uint64_t *samples = malloc(n * sizeof *samples);
    if (!samples) {
        fprintf(stderr, "akl bench: modeb: out of memory for %zu samples\n", n);
        return -1;
    }
    akl_stream_t stream;
    int rc = akl_stream_create(&stream);
    if (rc != 0) {
        free(samples);
        return bench_fail("creating a stream", rc);
    }
    for (size_t i = 0; i < n + n / 10 && rc == 0; i++) {
        uint64_t t0 = bench_now_ns();
        rc = p->launch(p->ctx, stream);
        if (rc == 0)
            rc = akl_stream_sync(stream, -1);
        uint64_t dt = bench_now_ns() - t0;
        if (i >= n / 10)
            samples[i - n / 10] = dt;
        if ((i & 0xffff) == 0)
            bench_progress(cfg, "modeb: %s round trip %zu/%zu", p->label, i, n + n / 10);
    }
    akl_stream_destroy(stream);
    if (rc == 0) {
        modeb_row(p, "round trip p50", bench_percentile(samples, n, 50) / 1000, "us", floor50,
                  "<= 2 us");
        modeb_row(p, "round trip p99", bench_percentile(samples, n, 99) / 1000, "us", floor99,
                  "<= 20 us");
    }
    free(samples);
    if (rc != 0)
        fprintf(stderr, "akl bench: modeb: %s round trip failed with %d (%s): %s\n", p->label, rc,
                akl_errname(rc), akl_last_error());
    return rc ? -1 : 0;
}

/* Asynchronous launches on one stream, then one synchronize. */
static int modeb_throughput(const bench_config_t *cfg, const modeb_path_t *p, const char *floor)
{
    size_t total = cfg->quick ? 2000 : 1000000;
    akl_stream_t stream;
    int rc = akl_stream_create(&stream);
    if (rc != 0)
        return bench_fail("creating a stream", rc);
    bench_progress(cfg, "modeb: %s asynchronous throughput", p->label);
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < total && rc == 0; i++)
        rc = p->launch(p->ctx, stream);
    if (rc == 0)
        rc = akl_stream_sync(stream, -1);
    uint64_t dt = bench_now_ns() - t0;
    akl_stream_destroy(stream);
    if (rc != 0) {
        fprintf(stderr, "akl bench: modeb: %s launches failed with %d (%s): %s\n", p->label, rc,
                akl_errname(rc), akl_last_error());
        return -1;
    }
    modeb_row(p, "async launches, 1 stream", (double)total / ((double)dt / 1e9) / 1e6, "M/s", floor,
              ">= 1 M/s");
    return 0;
}

/* Mode A against its floors; Mode B (b may be NULL: not available) against Mode A's rows. */
static int modeb_measure(const bench_config_t *cfg, const modeb_path_t *a, const modeb_path_t *b)
{
    char a50[96], a99[96], athr[96];
    snprintf(a50, sizeof a50, "%s round trip p50", a->label);
    snprintf(a99, sizeof a99, "%s round trip p99", a->label);
    snprintf(athr, sizeof athr, "%s async launches, 1 stream", a->label);
    int rc =
        modeb_round_trip(cfg, a, "shm round trip, spinning p50", "shm round trip, spinning p99");
    if (b)
        rc |= modeb_round_trip(cfg, b, a50, a99);
    rc |= modeb_throughput(cfg, a, "");
    if (b)
        rc |= modeb_throughput(cfg, b, athr);
    return rc;
}

int bench_modeb(const bench_config_t *cfg)
{
    akl_module_t *module;
    if (bench_open(cfg, &module) != 0)
        return -1;
    modeb_a_t a = {.module = module};
    modeb_path_t path_a = {"Mode A type 2 (akl_launch)", modeb_launch_a, &a};
    modeb_api_t api;
    char why[512];
    if (modeb_resolve(&api, why, sizeof why) != 0) {
        fprintf(stderr, "akl bench: modeb: Mode B skipped: %s\n", why);
        return modeb_measure(cfg, &path_a, NULL);
    }
    rtBinHandle bin = NULL;
    modeb_b_t b;
    if (modeb_register(cfg, module, &api, &bin, &b) != 0)
        return -1;
    modeb_path_t path_b = {"Mode B (rtsLaunchCpuKernel)", modeb_launch_b, &b};
    int rc = modeb_measure(cfg, &path_a, &path_b);
    rtError_t unload = api.unload(bin);
    if (unload != 0)
        rc |= modeb_fail(&api, "rtsBinaryUnload", unload);
    return rc;
}
