/* `akl run`: opens a device, loads a runtime SO (bootstrapping it on first use), launches one of
 * its kernels, synchronizes and reports what happened on the way: the runtime in use, what the
 * bootstrap did, the device file, the launch result and optionally a device buffer's contents. */
#include "cmd_run.h"

#include "cli_common.h"
#include "clock.h"

#include <akl/akl.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void cli_usage_run(FILE *out)
{
    fprintf(
        out,
        "Usage: akl run [options] SO KERNEL\n"
        "\n"
        "Loads the runtime SO on a device (the first load of its bytes in a process\n"
        "bootstraps it: the device publishes it as <prefix><fingerprint>_<device>.so),\n"
        "launches `uint32_t KERNEL(void *args)`, synchronizes and prints the runtime, the\n"
        "device and its architecture (SO must be built for it: aarch64 on CANN), what\n"
        "the bootstrap did (wrote / identical / replaced / uploaded, or cached), the route\n"
        "it took (extend or custom: $AKL_ROUTE, see README), the device file name and path,\n"
        "the fingerprint, the launch result and the buffer's contents.\n"
        "\n"
        "Options:\n"
        "  --device N|local   device id (default 0); local: the device of this process's\n"
        "                     local rank under mpirun, torchrun or srun (LOCAL_RANK,\n"
        "                     OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID or SLURM_LOCALID,\n"
        "                     the first set, within ASCEND_RT_VISIBLE_DEVICES)\n"
        "  --blocks N         AICPU blocks, 1..65535 (default 1)\n"
        "  --timeout S        per-task AICPU timeout in seconds (default 0: the device's)\n"
        "  --sync-timeout MS  synchronize timeout in ms, -1 waits forever (default 60000)\n"
        "  --args-hex HEX     the kernel's argument bytes in hex (e.g. 2a00000000000000)\n"
        "  --args-file FILE   the kernel's argument bytes from a file (at most 64 MiB,\n"
        "                     less 8 with --buffer; a larger file is refused before any\n"
        "                     device work)\n"
        "  --buffer BYTES     allocate a zeroed device buffer (suffixes K, M, G), put its\n"
        "                     device address in the first 8 bytes of the arguments (before\n"
        "                     the bytes above) and dump it after the run\n"
        "  --repeat N         launch N times before synchronizing (default 1)\n"
        "  --prefix P         device file name prefix (default $AKL_PREFIX, else akl_inner_)\n"
        "  --json             print one JSON object instead of text\n"
        "  --progress         progress lines on stderr even when it is not a terminal\n"
        "  -h, --help         show this help\n"
        "\n"
        "Exit status: 0 the kernel ran and returned 0 in every block, 1 any failure (the\n"
        "error's name and message on stderr), 2 usage error.\n"
        "Example (the hello example kernel): akl run --buffer 16 --args-hex 2a00000000000000 \\\n"
        "    <libdir>/akl/examples/libakl_hello.so akl_hello\n");
}

typedef struct run_options {
    int32_t device;
    bool device_local; /* --device local: resolved by akl_local_device() after parsing */
    uint32_t blocks;
    uint32_t timeout_s;
    int32_t sync_timeout_ms;
    uint64_t repeat;
    uint64_t buffer_bytes;
    bool has_buffer;
    bool json;
    bool progress;
    const char *args_hex;
    const char *args_file;
    const char *prefix;
    const char *so;
    const char *kernel;
} run_options_t;

/* Everything `akl run` reports; filled as the run goes, so a failure still reports the rest. */
typedef struct run_report {
    const char *runtime;
    bool loaded;
    bool cached;
    akl_module_info_t info;
    uint64_t launches;
    double load_seconds;
    double launch_seconds;
    double sync_seconds;
    void *buffer_dev;
    unsigned char *buffer;
    size_t buffer_size;
    bool buffer_read;
    const char *failed_stage; /* NULL: success */
    int code;
    char message[2048];
} run_report_t;

/* --device N, or --device local (resolved by akl_local_device() after parsing). */
static int run_parse_device(const char *cmd, const char *value, void *target)
{
    run_options_t *opts = target;
    opts->device_local = strcmp(value, "local") == 0;
    if (opts->device_local)
        return 0;
    int64_t v;
    if (cli_parse_i64(cmd, "--device", value, 0, INT32_MAX, &v) != 0)
        return -1;
    opts->device = (int32_t)v;
    return 0;
}

static int run_parse_buffer(const char *cmd, const char *value, void *target)
{
    run_options_t *opts = target;
    opts->has_buffer = true;
    return cli_parse_size(cmd, "--buffer", value, 1, (uint64_t)1 << 40, &opts->buffer_bytes);
}

static int run_parse(int argc, char **argv, run_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->blocks = 1;
    opts->sync_timeout_ms = 60000;
    opts->repeat = 1;
    const cli_option_t options[] = {
        {"device", CLI_OPTION_CUSTOM, opts, 0, 0, run_parse_device},
        {"blocks", CLI_OPTION_U32, &opts->blocks, 1, 65535, NULL},
        {"timeout", CLI_OPTION_U32, &opts->timeout_s, 0, UINT32_MAX, NULL},
        {"sync-timeout", CLI_OPTION_I32, &opts->sync_timeout_ms, -1, INT32_MAX, NULL},
        {"repeat", CLI_OPTION_U64, &opts->repeat, 1, UINT32_MAX, NULL},
        {"buffer", CLI_OPTION_CUSTOM, opts, 0, 0, run_parse_buffer},
        {"args-hex", CLI_OPTION_STRING, &opts->args_hex, 0, 0, NULL},
        {"args-file", CLI_OPTION_STRING, &opts->args_file, 0, 0, NULL},
        {"prefix", CLI_OPTION_STRING, &opts->prefix, 0, 0, NULL},
        {"json", CLI_OPTION_FLAG, &opts->json, 0, 0, NULL},
        {"progress", CLI_OPTION_FLAG, &opts->progress, 0, 0, NULL},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse_options("run", argc, argv, options, cli_usage_run);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (opts->args_hex && opts->args_file)
        return cli_usage_error("run", "--args-hex and --args-file exclude each other");
    if (argc - optind != 2)
        return cli_usage_error("run", argc - optind < 2 ? "missing SO and KERNEL"
                                                        : "too many arguments: want SO KERNEL");
    opts->so = argv[optind];
    opts->kernel = argv[optind + 1];
    return CLI_EXIT_OK;
}

static int run_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex (optional 0x, whitespace between bytes allowed) into out (strlen(hex)/2 bytes). */
static int run_decode_hex(const char *hex, unsigned char *out, size_t *size)
{
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    size_t n = 0;
    while (*hex) {
        if (isspace((unsigned char)*hex)) {
            hex++;
            continue;
        }
        int hi = run_hex_digit((unsigned char)hex[0]);
        int lo = hex[1] ? run_hex_digit((unsigned char)hex[1]) : -1;
        if (hi < 0 || lo < 0)
            return -1;
        out[n++] = (unsigned char)(hi << 4 | lo);
        hex += 2;
    }
    *size = n;
    return 0;
}

/* Refuses argument bytes over the launch limit before any device work (and, for a file, before
 * reading it): akl_launch would refuse them only after the device was opened and the SO loaded. */
static int run_args_too_big(const run_options_t *opts, uint64_t user_size)
{
    uint64_t head = opts->has_buffer ? sizeof(uint64_t) : 0;
    if (user_size + head <= AKL_LAUNCH_ARGS_MAX)
        return 0;
    return cli_fail("run",
                    "--args-file %s: %" PRIu64 " bytes%s exceed the launch limit of %u bytes "
                    "(AKL_LAUNCH_ARGS_MAX); pass large data in device memory instead",
                    opts->args_file, user_size, head ? " plus 8 for --buffer's address" : "",
                    AKL_LAUNCH_ARGS_MAX);
}

/* The user's argument bytes, after room for the buffer address when --buffer is given. */
static int run_build_args(const run_options_t *opts, unsigned char **args, size_t *size)
{
    size_t head = opts->has_buffer ? sizeof(uint64_t) : 0;
    void *user = NULL;
    size_t user_size = 0;
    if (opts->args_file) {
        struct stat st;
        if (stat(opts->args_file, &st) == 0 && S_ISREG(st.st_mode) &&
            run_args_too_big(opts, (uint64_t)st.st_size) != 0)
            return CLI_EXIT_FAILURE;
        char err[1024];
        if (cli_read_file(opts->args_file, &user, &user_size, err, sizeof err) != 0)
            return cli_fail("run", "--args-file %s", err);
        /* The file may have grown between the stat and the read. */
        if (run_args_too_big(opts, user_size) != 0) {
            free(user);
            return CLI_EXIT_FAILURE;
        }
    } else if (opts->args_hex) {
        user = malloc(strlen(opts->args_hex) / 2 + 1);
        if (!user)
            return cli_fail("run", "out of memory for --args-hex");
        if (run_decode_hex(opts->args_hex, user, &user_size) != 0) {
            free(user);
            return cli_usage_error("run", "--args-hex: '%s' is not an even number of hex digits",
                                   opts->args_hex);
        }
    }
    *args = calloc(1, head + user_size + 1);
    if (!*args) {
        free(user);
        return cli_fail("run", "out of memory for %zu argument bytes", head + user_size);
    }
    if (user_size)
        memcpy(*args + head, user, user_size);
    free(user);
    *size = head + user_size;
    return CLI_EXIT_OK;
}

/* Records the first failure: the stage, the code and the loader's message for it. */
static int run_failed(run_report_t *report, const char *stage, int code)
{
    if (report->failed_stage)
        return code;
    const char *detail = akl_last_error();
    report->failed_stage = stage;
    report->code = code;
    snprintf(report->message, sizeof report->message, "%s",
             detail && *detail ? detail : akl_strerror(code));
    return code;
}

static int run_alloc_buffer(const run_options_t *opts, run_report_t *report, unsigned char *args)
{
    report->buffer_size = (size_t)opts->buffer_bytes;
    report->buffer = calloc(1, report->buffer_size);
    if (!report->buffer) {
        /* A host failure: akl_last_error() would describe some earlier call, not this one. */
        run_failed(report, "allocate host copy of the buffer", AKL_ENOMEM);
        snprintf(report->message, sizeof report->message,
                 "cannot allocate %zu bytes of host memory for --buffer", report->buffer_size);
        return AKL_ENOMEM;
    }
    int rc = akl_mem_alloc(&report->buffer_dev, report->buffer_size);
    if (rc != 0) {
        report->buffer_dev = NULL;
        return run_failed(report, "allocate device buffer", rc);
    }
    rc = akl_memcpy_to_device(report->buffer_dev, report->buffer, report->buffer_size);
    if (rc != 0)
        return run_failed(report, "zero device buffer", rc);
    uint64_t addr = (uint64_t)(uintptr_t)report->buffer_dev;
    memcpy(args, &addr, sizeof addr);
    return 0;
}

static int run_load(const run_options_t *opts, const cli_progress_t *progress, run_report_t *report,
                    akl_module_t **module)
{
    akl_load_options_t load = {
        .size = sizeof load, .prefix = opts->prefix, .cache_hit = &report->cached};
    cli_progress(progress, "loading %s on device %d", opts->so, opts->device);
    double t0 = cmn_now_seconds();
    int rc = akl_module_load_file(opts->device, opts->so, &load, module);
    report->load_seconds = cmn_now_seconds() - t0;
    if (rc != 0)
        return run_failed(report, "load", rc);
    rc = akl_module_info(*module, &report->info);
    if (rc != 0)
        return run_failed(report, "module info", rc);
    report->loaded = true;
    return 0;
}

static int run_launch(const run_options_t *opts, const cli_progress_t *progress,
                      run_report_t *report, const akl_module_t *module, const unsigned char *args,
                      size_t args_size)
{
    double t0 = cmn_now_seconds();
    for (uint64_t i = 0; i < opts->repeat; i++) {
        int rc =
            akl_launch(module, opts->kernel, args, args_size, opts->blocks, NULL, opts->timeout_s);
        if (rc != 0) {
            report->launch_seconds = cmn_now_seconds() - t0;
            return run_failed(report, "launch", rc);
        }
        report->launches++;
        if (opts->repeat > 1 && (i + 1) % 100000 == 0)
            cli_progress(progress, "launched %" PRIu64 " of %" PRIu64, i + 1, opts->repeat);
    }
    report->launch_seconds = cmn_now_seconds() - t0;
    cli_progress(progress, "synchronizing");
    t0 = cmn_now_seconds();
    int rc = akl_stream_sync(NULL, opts->sync_timeout_ms);
    report->sync_seconds = cmn_now_seconds() - t0;
    return rc != 0 ? run_failed(report, "synchronize", rc) : 0;
}

static void run_read_buffer(run_report_t *report)
{
    if (!report->buffer_dev)
        return;
    int rc = akl_memcpy_from_device(report->buffer, report->buffer_dev, report->buffer_size);
    if (rc == 0)
        report->buffer_read = true;
    else
        run_failed(report, "read device buffer", rc);
}

static const char *run_outcome_name(const run_report_t *report)
{
    return report->cached ? "cached" : akl_boot_outcome_name(report->info.outcome);
}

/* hexdump -C style, with runs of identical lines collapsed to "*". */
static void run_print_hexdump(const unsigned char *data, size_t size)
{
    bool starred = false;
    for (size_t off = 0; off < size; off += 16) {
        size_t n = size - off < 16 ? size - off : 16;
        if (off >= 16 && n == 16 && off + 16 < size &&
            memcmp(data + off, data + off - 16, 16) == 0) {
            if (!starred)
                printf("  *\n");
            starred = true;
            continue;
        }
        starred = false;
        printf("  %08zx ", off);
        for (size_t i = 0; i < 16; i++) {
            if (i == 8)
                putchar(' ');
            if (i < n)
                printf(" %02x", data[off + i]);
            else
                printf("   ");
        }
        printf("  |");
        for (size_t i = 0; i < n; i++)
            putchar(isprint(data[off + i]) ? data[off + i] : '.');
        printf("|\n");
    }
}

static void run_print_text(const run_options_t *opts, const run_report_t *report)
{
    printf("runtime:      %s\n", report->runtime ? report->runtime : "(none)");
    printf("device:       %d (%s)\n", opts->device, akl_device_arch() ? akl_device_arch() : "?");
    printf("so:           %s\n", opts->so);
    if (report->loaded) {
        printf("fingerprint:  %016" PRIx64 "\n", report->info.fingerprint);
        printf("basename:     %s\n", report->info.basename);
        printf("device path:  %s\n", report->info.device_path[0]
                                         ? report->info.device_path
                                         : "(CANN's custom directory: the custom route)");
        printf("bootstrap:    %s (%zu bytes, %.3f ms)\n", run_outcome_name(report),
               report->info.size, report->load_seconds * 1e3);
        printf("route:        %s\n", akl_route_name(report->info.route));
    }
    if (report->failed_stage)
        printf("launch:       failed at %s: %s (%d): %s\n", report->failed_stage,
               akl_errname(report->code), report->code, report->message);
    else
        printf("launch:       ok: %s x%" PRIu64 " on %u block(s) (launch %.3f ms, sync %.3f ms)\n",
               opts->kernel, report->launches, opts->blocks, report->launch_seconds * 1e3,
               report->sync_seconds * 1e3);
    if (report->buffer_read) {
        printf("buffer:       %zu bytes at device address 0x%" PRIxPTR "\n", report->buffer_size,
               (uintptr_t)report->buffer_dev);
        run_print_hexdump(report->buffer, report->buffer_size);
    }
}

static void run_print_json(const run_options_t *opts, const run_report_t *report)
{
    cli_json_t json;
    cli_json_begin(&json, stdout);
    cli_json_bool(&json, "ok", report->failed_stage == NULL);
    cli_json_string(&json, "runtime", report->runtime);
    cli_json_int(&json, "device", opts->device);
    cli_json_string(&json, "device_arch", akl_device_arch());
    cli_json_string(&json, "so", opts->so);
    cli_json_string(&json, "kernel", opts->kernel);
    cli_json_uint(&json, "blocks", opts->blocks);
    if (report->loaded) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, report->info.fingerprint);
        cli_json_string(&json, "fingerprint", hex);
        cli_json_string(&json, "basename", report->info.basename);
        cli_json_string(&json, "device_path", report->info.device_path);
        cli_json_string(&json, "bootstrap", run_outcome_name(report));
        cli_json_string(&json, "route", akl_route_name(report->info.route));
        cli_json_uint(&json, "so_size", report->info.size);
        cli_json_double(&json, "load_seconds", report->load_seconds);
    }
    cli_json_uint(&json, "launches", report->launches);
    cli_json_double(&json, "launch_seconds", report->launch_seconds);
    cli_json_double(&json, "sync_seconds", report->sync_seconds);
    if (report->failed_stage) {
        cli_json_object_begin(&json, "error");
        cli_json_string(&json, "stage", report->failed_stage);
        cli_json_int(&json, "code", report->code);
        cli_json_string(&json, "name", akl_errname(report->code));
        cli_json_string(&json, "message", report->message);
        cli_json_object_end(&json);
    }
    if (report->buffer_read) {
        char *hex = malloc(2 * report->buffer_size + 1);
        if (hex)
            cli_hex(report->buffer, report->buffer_size, hex);
        cli_json_object_begin(&json, "buffer");
        cli_json_uint(&json, "bytes", report->buffer_size);
        cli_json_string(&json, "hex", hex);
        cli_json_object_end(&json);
        free(hex);
    }
    cli_json_end(&json);
}

/* The device work, in order; stops at the first failure, which the report records. */
static void run_on_device(const run_options_t *opts, const cli_progress_t *progress,
                          run_report_t *report, unsigned char *args, size_t args_size)
{
    int rc = akl_init();
    report->runtime = akl_runtime_name();
    if (rc != 0) {
        run_failed(report, "resolve the runtime", rc);
        return;
    }
    rc = akl_device_open(opts->device);
    if (rc != 0) {
        run_failed(report, "open device", rc);
        return;
    }
    akl_module_t *module = NULL;
    if ((!opts->has_buffer || run_alloc_buffer(opts, report, args) == 0) &&
        run_load(opts, progress, report, &module) == 0)
        run_launch(opts, progress, report, module, args, args_size);
    /* The buffer is worth reading even after a kernel failure: it shows how far the kernel got. */
    run_read_buffer(report);
    if (report->buffer_dev)
        akl_mem_free(report->buffer_dev);
    akl_device_close(opts->device);
}

int cli_cmd_run(int argc, char **argv)
{
    run_options_t opts;
    int rc = run_parse(argc, argv, &opts);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (opts.device_local && akl_local_device(&opts.device) != 0)
        return cli_fail("run", "--device local: %s", akl_last_error());
    unsigned char *args = NULL;
    size_t args_size = 0;
    rc = run_build_args(&opts, &args, &args_size);
    if (rc != CLI_EXIT_OK)
        return rc;

    cli_progress_t progress;
    cli_progress_init(&progress, "run", opts.progress);
    run_report_t *report = calloc(1, sizeof *report);
    if (!report) {
        free(args);
        return cli_fail("run", "out of memory");
    }
    run_on_device(&opts, &progress, report, args, args_size);
    if (opts.json)
        run_print_json(&opts, report);
    else
        run_print_text(&opts, report);
    fflush(stdout);
    int status = CLI_EXIT_OK;
    if (report->failed_stage)
        status = cli_fail("run", "%s failed (SO %s, kernel %s, device %d): %s (%d): %s",
                          report->failed_stage, opts.so, opts.kernel, opts.device,
                          akl_errname(report->code), report->code, report->message);
    free(report->buffer);
    free(report);
    free(args);
    return status;
}
