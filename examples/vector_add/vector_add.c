/* akl-vector-add: the end-to-end demonstration. Allocates a, b and c in device memory, copies the
 * inputs in, loads the vector_add runtime SO (bootstrapping it on the device), launches vadd_init
 * and then vadd_exec over N blocks, copies c out and checks every element. Prints the runtime,
 * what the bootstrap did, the device file, the check and timings (or one JSON object). Exit status
 * 0 when every element is right, 1 otherwise, 2 on a usage error. */
#include "example_support.h"
#include "json_text.h"
#include "vector_add_abi.h"

#include <akl/akl.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VADD_PROG "akl-vector-add"
#define VADD_SYNC_TIMEOUT_MS 120000
#define VADD_MAX_N (UINT64_C(1) << 28)

typedef struct vadd_options {
    int32_t device;
    bool device_local; /* --device local: akl_local_device() after parsing */
    uint64_t n;
    uint32_t blocks;
    bool json;
    bool quiet;
    const char *so;
} vadd_options_t;

/* Host and device buffers, results and timings of one run. */
typedef struct vadd_run {
    float *a, *b, *c;
    void *dev_a, *dev_b, *dev_c, *dev_status;
    vadd_status_t status;
    akl_module_info_t info;
    bool loaded;
    bool cached;
    uint64_t correct;
    uint64_t first_wrong; /* n when all are correct */
    double t_copy_in, t_load, t_run, t_copy_out;
    const char *failed_stage;
    int code;
    char message[2048];
} vadd_run_t;

static void vadd_usage(FILE *out)
{
    fprintf(out,
            "Usage: " VADD_PROG
            " [--device N|local] [--n N] [--blocks N] [--json] [--quiet] [--so PATH]\n"
            "\n"
            "Adds two float vectors of N elements (default 1048576) on device N (default 0),\n"
            "split across B AICPU blocks (default 8), and checks every element of the result.\n"
            "  --device local  the device of this process's local rank under mpirun, torchrun\n"
            "                  or srun (see akl_local_device in akl.h)\n"
            "  --json     print one JSON object\n"
            "  --quiet    print nothing on success\n"
            "  --so PATH  the runtime SO (default: <libdir>/akl/examples/" VADD_SO_NAME ")\n");
}

static int vadd_parse_value(const char *arg, const char *value, vadd_options_t *opts)
{
    uint64_t v;
    if (strcmp(arg, "--so") == 0) {
        opts->so = value;
        return 0;
    }
    if (strcmp(arg, "--device") == 0 && strcmp(value, "local") == 0) {
        opts->device_local = true;
        return 0;
    }
    if (strcmp(arg, "--device") == 0) {
        opts->device_local = false;
        if (example_parse_u64(VADD_PROG, arg, value, 0, INT32_MAX, &v) != 0)
            return -1;
        opts->device = (int32_t)v;
        return 0;
    }
    if (strcmp(arg, "--n") == 0)
        return example_parse_u64(VADD_PROG, arg, value, 1, VADD_MAX_N, &opts->n);
    if (example_parse_u64(VADD_PROG, arg, value, 1, 65535, &v) != 0)
        return -1;
    opts->blocks = (uint32_t)v;
    return 0;
}

static int vadd_parse(int argc, char **argv, vadd_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->n = UINT64_C(1) << 20;
    opts->blocks = 8;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            vadd_usage(stdout);
            return 1;
        }
        if (strcmp(arg, "--json") == 0 || strcmp(arg, "--quiet") == 0) {
            *(arg[2] == 'j' ? &opts->json : &opts->quiet) = true;
            continue;
        }
        bool takes_value = !strcmp(arg, "--device") || !strcmp(arg, "--n") ||
                           !strcmp(arg, "--blocks") || !strcmp(arg, "--so");
        if (!takes_value || i + 1 >= argc) {
            fprintf(stderr, VADD_PROG ": unknown option or missing value: '%s'\n", arg);
            vadd_usage(stderr);
            return 2;
        }
        if (vadd_parse_value(arg, argv[++i], opts) != 0)
            return 2;
    }
    return 0;
}

static int vadd_failed(vadd_run_t *run, const char *stage, int code)
{
    const char *detail = akl_last_error();
    run->failed_stage = stage;
    run->code = code;
    snprintf(run->message, sizeof run->message, "%s",
             detail && *detail ? detail : akl_strerror(code));
    return -1;
}

/* Inputs whose sums are exact in float, so the check can demand equality. */
static void vadd_fill_inputs(vadd_run_t *run, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        run->a[i] = (float)(i % 1024) * 0.5f;
        run->b[i] = (float)(i % 777) * 0.25f;
        run->c[i] = -1.0f;
    }
}

static int vadd_alloc(const vadd_options_t *opts, vadd_run_t *run)
{
    size_t bytes = (size_t)opts->n * sizeof(float);
    run->a = malloc(bytes);
    run->b = malloc(bytes);
    run->c = malloc(bytes);
    if (!run->a || !run->b || !run->c) {
        vadd_failed(run, "allocate host memory", AKL_ENOMEM);
        snprintf(run->message, sizeof run->message, "cannot allocate 3 x %zu bytes", bytes);
        return -1;
    }
    int rc;
    if ((rc = akl_mem_alloc(&run->dev_a, bytes)) != 0 ||
        (rc = akl_mem_alloc(&run->dev_b, bytes)) != 0 ||
        (rc = akl_mem_alloc(&run->dev_c, bytes)) != 0 ||
        (rc = akl_mem_alloc(&run->dev_status, sizeof(vadd_status_t))) != 0)
        return vadd_failed(run, "allocate device memory", rc);
    return 0;
}

static int vadd_copy_in(const vadd_options_t *opts, vadd_run_t *run)
{
    size_t bytes = (size_t)opts->n * sizeof(float);
    vadd_fill_inputs(run, opts->n);
    vadd_status_t clear = {0, 0, 0};
    double t0 = cmn_now_seconds();
    int rc;
    if ((rc = akl_memcpy_to_device(run->dev_a, run->a, bytes)) != 0 ||
        (rc = akl_memcpy_to_device(run->dev_b, run->b, bytes)) != 0 ||
        (rc = akl_memcpy_to_device(run->dev_c, run->c, bytes)) != 0 ||
        (rc = akl_memcpy_to_device(run->dev_status, &clear, sizeof clear)) != 0)
        return vadd_failed(run, "copy inputs to the device", rc);
    run->t_copy_in = cmn_now_seconds() - t0;
    return 0;
}

static int vadd_load(const vadd_options_t *opts, const char *so, vadd_run_t *run,
                     akl_module_t **module)
{
    double t0 = cmn_now_seconds();
    /* Naming the kernels makes the load refuse an SO that lacks one, before any device work. */
    static const char *const kernels[] = {VADD_KERNEL_INIT, VADD_KERNEL_EXEC, NULL};
    akl_load_options_t load = {.size = sizeof load, .kernels = kernels, .cache_hit = &run->cached};
    int rc = akl_module_load_file(opts->device, so, &load, module);
    run->t_load = cmn_now_seconds() - t0;
    if (rc != 0)
        return vadd_failed(run, "load the runtime SO", rc);
    if ((rc = akl_module_info(*module, &run->info)) != 0)
        return vadd_failed(run, "module info", rc);
    run->loaded = true;
    return 0;
}

static int vadd_launch(const vadd_options_t *opts, vadd_run_t *run, const akl_module_t *module)
{
    vadd_args_t args = {
        .magic = VADD_MAGIC,
        .version = VADD_VERSION,
        .n = opts->n,
        .a = (uint64_t)(uintptr_t)run->dev_a,
        .b = (uint64_t)(uintptr_t)run->dev_b,
        .c = (uint64_t)(uintptr_t)run->dev_c,
        .status = (uint64_t)(uintptr_t)run->dev_status,
    };
    double t0 = cmn_now_seconds();
    int rc = akl_launch(module, VADD_KERNEL_INIT, &args, sizeof args, 1, NULL, 0);
    if (rc != 0)
        return vadd_failed(run, "launch " VADD_KERNEL_INIT, rc);
    /* Same stream: exec starts only after init has finished. */
    rc = akl_launch(module, VADD_KERNEL_EXEC, &args, sizeof args, opts->blocks, NULL, 0);
    if (rc != 0)
        return vadd_failed(run, "launch " VADD_KERNEL_EXEC, rc);
    rc = akl_stream_sync(NULL, VADD_SYNC_TIMEOUT_MS);
    run->t_run = cmn_now_seconds() - t0;
    return rc != 0 ? vadd_failed(run, "synchronize after " VADD_KERNEL_EXEC, rc) : 0;
}

static int vadd_copy_out_and_check(const vadd_options_t *opts, vadd_run_t *run)
{
    size_t bytes = (size_t)opts->n * sizeof(float);
    double t0 = cmn_now_seconds();
    int rc;
    if ((rc = akl_memcpy_from_device(run->c, run->dev_c, bytes)) != 0 ||
        (rc = akl_memcpy_from_device(&run->status, run->dev_status, sizeof run->status)) != 0)
        return vadd_failed(run, "copy the result from the device", rc);
    run->t_copy_out = cmn_now_seconds() - t0;
    run->first_wrong = opts->n;
    for (uint64_t i = 0; i < opts->n; i++) {
        if (run->c[i] == run->a[i] + run->b[i])
            run->correct++;
        else if (run->first_wrong == opts->n)
            run->first_wrong = i;
    }
    return 0;
}

static bool vadd_passed(const vadd_options_t *opts, const vadd_run_t *run)
{
    return !run->failed_stage && run->correct == opts->n && run->status.ready == VADD_READY &&
           run->status.blocks_done == opts->blocks && run->status.elements_done == opts->n;
}

static void vadd_free(vadd_run_t *run)
{
    void *dev[] = {run->dev_a, run->dev_b, run->dev_c, run->dev_status};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        if (dev[i])
            akl_mem_free(dev[i]);
    free(run->a);
    free(run->b);
    free(run->c);
}

static void vadd_print_text(const vadd_options_t *opts, const char *so, const vadd_run_t *run)
{
    printf("runtime:     %s\n", akl_runtime_name() ? akl_runtime_name() : "(none)");
    printf("device:      %d (%s)\n", opts->device, akl_device_arch() ? akl_device_arch() : "?");
    printf("runtime SO:  %s\n", so);
    if (run->loaded) {
        printf("bootstrap:   %s (%zu bytes, %.3f ms)\n",
               example_outcome_name(run->info.outcome, run->cached), run->info.size,
               run->t_load * 1e3);
        printf("route:       %s\n", akl_route_name(run->info.route));
        printf("device file: %s\n", run->info.basename);
        printf("device path: %s\n", run->info.device_path[0]
                                        ? run->info.device_path
                                        : "(CANN's custom directory: the custom route)");
    }
    if (run->failed_stage) {
        printf("error:       %s: %s (%d): %s\n", run->failed_stage, akl_errname(run->code),
               run->code, run->message);
    } else {
        printf("blocks:      %u (%u ran " VADD_KERNEL_EXEC ")\n", opts->blocks,
               run->status.blocks_done);
        printf("check:       %" PRIu64 "/%" PRIu64 " elements correct\n", run->correct, opts->n);
        if (run->correct != opts->n)
            printf("first wrong: c[%" PRIu64 "] = %g, want %g\n", run->first_wrong,
                   (double)run->c[run->first_wrong],
                   (double)(run->a[run->first_wrong] + run->b[run->first_wrong]));
        printf("timings:     copy in %.3f ms, load %.3f ms, init+exec %.3f ms, copy out %.3f ms\n",
               run->t_copy_in * 1e3, run->t_load * 1e3, run->t_run * 1e3, run->t_copy_out * 1e3);
    }
    printf("result:      %s\n", vadd_passed(opts, run) ? "PASS" : "FAIL");
}

static void vadd_print_json(const vadd_options_t *opts, const char *so, const vadd_run_t *run)
{
    akl_json_t json;
    akl_json_begin(&json, stdout);
    akl_json_bool(&json, "ok", vadd_passed(opts, run));
    akl_json_string(&json, "runtime", akl_runtime_name());
    akl_json_int(&json, "device", opts->device);
    akl_json_string(&json, "device_arch", akl_device_arch());
    akl_json_string(&json, "so", so);
    akl_json_uint(&json, "n", opts->n);
    akl_json_uint(&json, "blocks", opts->blocks);
    if (run->loaded) {
        char fingerprint[17];
        snprintf(fingerprint, sizeof fingerprint, "%016" PRIx64, run->info.fingerprint);
        akl_json_string(&json, "bootstrap", example_outcome_name(run->info.outcome, run->cached));
        akl_json_string(&json, "route", akl_route_name(run->info.route));
        akl_json_string(&json, "basename", run->info.basename);
        akl_json_string(&json, "device_path", run->info.device_path);
        akl_json_string(&json, "fingerprint", fingerprint);
    }
    if (run->failed_stage) {
        akl_json_object_begin(&json, "error");
        akl_json_string(&json, "stage", run->failed_stage);
        akl_json_int(&json, "code", run->code);
        akl_json_string(&json, "name", akl_errname(run->code));
        akl_json_string(&json, "message", run->message);
        akl_json_object_end(&json);
    }
    akl_json_uint(&json, "correct", run->correct);
    akl_json_uint(&json, "blocks_done", run->status.blocks_done);
    akl_json_object_begin(&json, "seconds");
    akl_json_double(&json, "copy_in", run->t_copy_in);
    akl_json_double(&json, "load", run->t_load);
    akl_json_double(&json, "run", run->t_run);
    akl_json_double(&json, "copy_out", run->t_copy_out);
    akl_json_object_end(&json);
    akl_json_end(&json);
}

/* Every step in order; stops at the first failure, which run records. */
static void vadd_run_all(const vadd_options_t *opts, const char *so, vadd_run_t *run)
{
    int rc = akl_init();
    if (rc != 0) {
        vadd_failed(run, "resolve the runtime", rc);
        return;
    }
    if ((rc = akl_device_open(opts->device)) != 0) {
        vadd_failed(run, "open device", rc);
        return;
    }
    akl_module_t *module = NULL;
    if (vadd_alloc(opts, run) == 0 && vadd_copy_in(opts, run) == 0 &&
        vadd_load(opts, so, run, &module) == 0 && vadd_launch(opts, run, module) == 0)
        vadd_copy_out_and_check(opts, run);
    vadd_free(run);
    akl_device_close(opts->device);
}

int main(int argc, char **argv)
{
    vadd_options_t opts;
    int rc = vadd_parse(argc, argv, &opts);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (opts.device_local && akl_local_device(&opts.device) != 0) {
        fprintf(stderr, VADD_PROG ": --device local: %s\n", akl_last_error());
        return 1;
    }
    char so[4096], err[8192];
    if (example_find_so(VADD_SO_NAME, opts.so, so, sizeof so, err, sizeof err) != 0) {
        fprintf(stderr, VADD_PROG ": %s\n", err);
        return 1;
    }
    vadd_run_t *run = calloc(1, sizeof *run);
    if (!run) {
        fprintf(stderr, VADD_PROG ": out of memory\n");
        return 1;
    }
    vadd_run_all(&opts, so, run);
    bool passed = vadd_passed(&opts, run);
    if (opts.json)
        vadd_print_json(&opts, so, run);
    else if (!opts.quiet || !passed)
        vadd_print_text(&opts, so, run);
    if (run->failed_stage)
        fprintf(stderr, VADD_PROG ": %s (device %d, %s): %s (%d): %s\n", run->failed_stage,
                opts.device, so, akl_errname(run->code), run->code, run->message);
    else if (!passed)
        fprintf(stderr,
                VADD_PROG ": check failed: %" PRIu64 "/%" PRIu64
                          " elements correct, %u of %u blocks ran\n",
                run->correct, opts.n, run->status.blocks_done, opts.blocks);
    free(run);
    return passed ? 0 : 1;
}
