/* `akl gc`: removes akl's own published files of one prefix from a device's preinstall directory,
 * least recently used first, through the device itself (akl_device_gc: akl's collector runs on the
 * device), so it works on a real device as on the simulator. Files a live process on the device
 * holds, temporaries and other prefixes' files are never removed. */
#include "cmd_gc.h"

#include "cli_common.h"

#include <akl/akl.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct gc_cli_options {
    int32_t device;
    bool device_local;
    bool json;
    akl_gc_options_t gc;
} gc_cli_options_t;

void cli_usage_gc(FILE *out)
{
    fprintf(
        out,
        "Usage: akl gc [--device N|local] [--keep K] [--max-bytes B] [--older-than DURATION]\n"
        "              [--prefix P] [--dry-run] [--json]\n"
        "\n"
        "Removes akl's published files (<prefix><16 hex>_<device>.so) from the device's\n"
        "preinstall directory, least recently used first. The device does it (akl's\n"
        "collector, akl_collector.so, loaded and launched as a runtime SO; $AKL_COLLECTOR\n"
        "overrides it), so this works on a real device too.\n"
        "Never removed: a file a live process on the device published or loaded (it holds\n"
        "a lock on it), temporaries of a publish in flight, files of another prefix.\n"
        "Recently used = published, or found identical by a load (which refreshes it).\n"
        "Without --keep, --max-bytes or --older-than every unused file of the prefix goes.\n"
        "\n"
        "Options:\n"
        "  --device N|local    device id (default 0); local: this rank's (see akl run)\n"
        "  --keep K            never remove the K most recently used files\n"
        "  --max-bytes B       stop once the prefix's files total at most B bytes\n"
        "                      (suffixes K, M, G)\n"
        "  --older-than D      remove only files unused for at least D (a number with s, m,\n"
        "                      h or d; plain seconds without)\n"
        "  --prefix P          the prefix to collect (default $AKL_PREFIX, else akl_inner_)\n"
        "  --dry-run           decide and report, remove nothing\n"
        "  --json              one JSON object: {\"device\",\"directory\",\"prefix\",\"dry_run\",\n"
        "                      \"matched\",\"removed\":[{\"name\",\"size\"}..],\"removed_bytes\",\n"
        "                      \"kept\":[{\"name\",\"size\",\"state\"}..],\"in_use\",\"ok\"}\n"
        "\n"
        "Every publish applies the same rule with $AKL_DEVICE_CACHE_MAX as the byte bound\n"
        "(default %llu bytes = 256 MiB; 0: no bound). Files of the custom route live in\n"
        "CANN's per-process custom directory and are not collected (CANN removes them).\n",
        (unsigned long long)AKL_DEFAULT_DEVICE_CACHE_MAX);
}

/* "<number>[s|m|h|d]" into seconds. */
static int gc_parse_duration(const char *text, uint64_t *seconds)
{
    static const struct {
        char unit;
        uint64_t scale;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
    size_t len = strlen(text);
    uint64_t scale = 1;
    char digits[32];
    if (len == 0 || len >= sizeof digits)
        return -1;
    memcpy(digits, text, len + 1);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (digits[len - 1] == units[i].unit) {
            scale = units[i].scale;
            digits[--len] = '\0';
        }
    uint64_t v;
    if (len == 0 || cli_parse_u64("gc", "--older-than", digits, 0, UINT64_MAX / scale, &v) != 0)
        return -1;
    *seconds = v * scale;
    return 0;
}

static int gc_parse_option(int c, const char *arg, gc_cli_options_t *opts)
{
    int64_t v;
    switch (c) {
    case 'd':
        opts->device_local = strcmp(arg, "local") == 0;
        if (opts->device_local)
            return 0;
        if (cli_parse_i64("gc", "--device", arg, 0, INT32_MAX, &v) != 0)
            return -1;
        opts->device = (int32_t)v;
        return 0;
    case 'k':
        return cli_parse_u64("gc", "--keep", arg, 0, UINT64_MAX, &opts->gc.keep);
    case 'b':
        return cli_parse_size("gc", "--max-bytes", arg, 0, UINT64_MAX - 1, &opts->gc.max_bytes);
    case 'o':
        if (gc_parse_duration(arg, &opts->gc.min_age_s) == 0)
            return 0;
        cli_usage_error("gc", "--older-than '%s' is not a duration (e.g. 90, 30m, 12h, 7d)", arg);
        return -1;
    case 'p':
        opts->gc.prefix = arg;
        return 0;
    case 'n':
        opts->gc.dry_run = true;
        return 0;
    case 'j':
        opts->json = true;
        return 0;
    }
    return -1;
}

/* CLI_EXIT_OK to go on, -1 after --help, CLI_EXIT_USAGE on a bad argument. */
static int gc_parse(int argc, char **argv, gc_cli_options_t *opts)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'},
        {"keep", required_argument, NULL, 'k'},
        {"max-bytes", required_argument, NULL, 'b'},
        {"older-than", required_argument, NULL, 'o'},
        {"prefix", required_argument, NULL, 'p'},
        {"dry-run", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(opts, 0, sizeof *opts);
    opts->gc.size = sizeof opts->gc;
    opts->gc.max_bytes = AKL_GC_NO_BYTE_LIMIT;
    optind = 0;
    int c;
    while ((c = cli_getopt("gc", argc, argv, ":h", longopts)) != -1) {
        if (c == 'h') {
            cli_usage_gc(stdout);
            return -1;
        }
        if (c == '?' || gc_parse_option(c, optarg, opts) != 0)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("gc", "unexpected argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

static bool gc_removed(const akl_gc_file_t *f)
{
    return f->state == AKL_GC_REMOVED || f->state == AKL_GC_WOULD_REMOVE;
}

static void gc_print_json(const gc_cli_options_t *opts, const akl_gc_result_t *r, int rc)
{
    cli_json_t json;
    cli_json_begin(&json, stdout);
    cli_json_int(&json, "device", opts->device);
    cli_json_string(&json, "prefix", opts->gc.prefix);
    cli_json_bool(&json, "dry_run", opts->gc.dry_run);
    if (rc == 0) {
        cli_json_string(&json, "directory", r->directory);
        cli_json_uint(&json, "matched", r->matched);
        for (int pass = 0; pass < 2; pass++) {
            cli_json_array_begin(&json, pass == 0 ? "removed" : "kept");
            for (size_t i = 0; i < r->count; i++) {
                const akl_gc_file_t *f = &r->files[i];
                if (gc_removed(f) != (pass == 0))
                    continue;
                cli_json_object_begin(&json, NULL);
                cli_json_string(&json, "name", f->name);
                cli_json_uint(&json, "size", f->size);
                cli_json_int(&json, "used_ns", f->used_ns);
                if (pass == 1)
                    cli_json_string(&json, "state", akl_gc_state_name(f->state));
                if (f->err)
                    cli_json_string(&json, "error", strerror(f->err));
                cli_json_object_end(&json);
            }
            cli_json_array_end(&json);
        }
        cli_json_uint(&json, "removed_bytes", r->removed_bytes);
        cli_json_uint(&json, "kept_bytes", r->kept_bytes);
        cli_json_uint(&json, "in_use", r->in_use_files);
    } else {
        cli_json_akl_error(&json, "error", rc);
    }
    cli_json_bool(&json, "ok", rc == 0);
    cli_json_end(&json);
}

static void gc_print_text(const gc_cli_options_t *opts, const akl_gc_result_t *r)
{
    const char *verb = opts->gc.dry_run ? "would remove" : "removed";
    for (size_t i = 0; i < r->count; i++) {
        const akl_gc_file_t *f = &r->files[i];
        if (gc_removed(f))
            printf("%s %s (%" PRIu64 " bytes)\n", verb, f->name, f->size);
        else if (f->state == AKL_GC_IN_USE || f->state == AKL_GC_FAILED)
            printf("kept %s: %s%s%s\n", f->name, f->state == AKL_GC_IN_USE ? "in use" : "failed",
                   f->err ? ": " : "", f->err ? strerror(f->err) : "");
    }
    printf("%s %" PRIu64 " of %" PRIu64 " files of prefix %s (%" PRIu64 " bytes) in %s on device "
           "%d; %" PRIu64 " in use\n",
           verb, r->removed_files, r->matched, opts->gc.prefix, r->removed_bytes, r->directory,
           opts->device, r->in_use_files);
}

int cli_cmd_gc(int argc, char **argv)
{
    gc_cli_options_t opts;
    int rc = gc_parse(argc, argv, &opts);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    if (opts.device_local && akl_local_device(&opts.device) != 0)
        return cli_fail("gc", "--device local: %s", akl_last_error());
    char name[128];
    if (akl_basename(opts.gc.prefix, 0, 0, name, sizeof name) != 0)
        return cli_usage_error("gc", "%s is not a valid name prefix: %s",
                               opts.gc.prefix ? "--prefix" : "$AKL_PREFIX", akl_last_error());
    if (!opts.gc.prefix) {
        const char *env = getenv("AKL_PREFIX");
        opts.gc.prefix = env && env[0] ? env : AKL_DEFAULT_PREFIX;
    }
    akl_gc_result_t result;
    memset(&result, 0, sizeof result);
    rc = akl_init();
    if (rc == 0) {
        rc = akl_device_open(opts.device);
        if (rc == 0) {
            rc = akl_device_gc(opts.device, &opts.gc, &result);
            akl_device_close(opts.device);
        }
    }
    char text[1024];
    if (opts.json)
        gc_print_json(&opts, &result, rc);
    else if (rc == 0)
        gc_print_text(&opts, &result);
    fflush(stdout);
    akl_gc_result_free(&result);
    if (rc != 0)
        return cli_fail("gc", "device %d: %s", opts.device, cli_akl_error(rc, text, sizeof text));
    return CLI_EXIT_OK;
}
