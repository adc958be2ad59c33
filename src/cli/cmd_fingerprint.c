/* `akl fingerprint`: the XXH3-64 fingerprint of runtime SOs and the basename a device gives each
 * (<prefix><16 hex>_<device>.so). Pure host work: no runtime, no device. */
#include "cmd_fingerprint.h"

#include "cli_common.h"

#include <akl/akl.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void cli_usage_fingerprint(FILE *out)
{
    fprintf(out, "Usage: akl fingerprint [--device N] [--prefix P] [--json] SO...\n"
                 "\n"
                 "Prints the fingerprint (XXH3-64 of the whole file) of each SO and the file name\n"
                 "it gets in a device's preinstall directory. No device work is done.\n"
                 "\n"
                 "Options:\n"
                 "  --device N   device id in the file name (default 0)\n"
                 "  --prefix P   file name prefix (default $AKL_PREFIX, else akl_inner_)\n"
                 "  --json       one JSON object: {\"device\":..,\"files\":[{\"path\",\"size\",\n"
                 "               \"fingerprint\",\"basename\"} or {\"path\",\"error\"}]}\n"
                 "  -h, --help   show this help\n"
                 "\n"
                 "Text output: one line per SO, \"<fingerprint>  <basename>  <path>\".\n");
}

typedef struct fingerprint_options {
    int32_t device;
    const char *prefix;
    bool json;
} fingerprint_options_t;

static int fingerprint_parse(int argc, char **argv, fingerprint_options_t *opts, int *first)
{
    memset(opts, 0, sizeof *opts);
    const cli_option_t options[] = {
        {"device", CLI_OPTION_I32, &opts->device, 0, INT32_MAX, NULL},
        {"prefix", CLI_OPTION_STRING, &opts->prefix, 0, 0, NULL},
        {"json", CLI_OPTION_FLAG, &opts->json, 0, 0, NULL},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse_options("fingerprint", argc, argv, options, cli_usage_fingerprint);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind >= argc)
        return cli_usage_error("fingerprint", "missing SO: give at least one file");
    *first = optind;
    return CLI_EXIT_OK;
}

/* The prefix akl_basename applies (opts->prefix, else its own default rule), read back from a name
 * it makes so that the rule is stated once, in libakl. */
static const char *fingerprint_prefix(const fingerprint_options_t *opts, char *buf, size_t cap)
{
    if (opts->prefix)
        return opts->prefix;
    char tail[64];
    int tail_len = snprintf(tail, sizeof tail, "%016x_%" PRId32 ".so", 0u, opts->device);
    if (akl_basename(NULL, 0, opts->device, buf, cap) != 0 || tail_len <= 0)
        return "";
    buf[strlen(buf) - (size_t)tail_len] = 0;
    return buf;
}

/* Fingerprints one file; on failure fills err and returns -1. */
static int fingerprint_one(const fingerprint_options_t *opts, const char *path, uint64_t *fp,
                           size_t *size, char *basename, size_t cap, char *err, size_t err_cap)
{
    void *data;
    if (cli_read_file(path, &data, size, err, err_cap) != 0)
        return -1;
    *fp = akl_fingerprint(data, *size);
    free(data);
    int rc = akl_basename(opts->prefix, *fp, opts->device, basename, cap);
    if (rc != 0) {
        char buf[512];
        snprintf(err, err_cap, "%s: no device file name: %s", path,
                 cli_akl_error(rc, buf, sizeof buf));
        return -1;
    }
    return 0;
}

int cli_cmd_fingerprint(int argc, char **argv)
{
    fingerprint_options_t opts;
    int first = 0;
    int rc = fingerprint_parse(argc, argv, &opts, &first);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;

    cli_json_t json;
    if (opts.json) {
        cli_json_begin(&json, stdout);
        cli_json_int(&json, "device", opts.device);
        char prefix[256];
        cli_json_string(&json, "prefix", fingerprint_prefix(&opts, prefix, sizeof prefix));
        cli_json_array_begin(&json, "files");
    }
    int status = CLI_EXIT_OK;
    for (int i = first; i < argc; i++) {
        uint64_t fp = 0;
        size_t size = 0;
        char basename[256], err[1024];
        bool ok = fingerprint_one(&opts, argv[i], &fp, &size, basename, sizeof basename, err,
                                  sizeof err) == 0;
        if (!ok) {
            status = cli_fail("fingerprint", "%s", err);
        }
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, fp);
        if (opts.json) {
            cli_json_object_begin(&json, NULL);
            cli_json_string(&json, "path", argv[i]);
            if (ok) {
                cli_json_uint(&json, "size", size);
                cli_json_string(&json, "fingerprint", hex);
                cli_json_string(&json, "basename", basename);
            } else {
                cli_json_string(&json, "error", err);
            }
            cli_json_object_end(&json);
        } else if (ok) {
            printf("%s  %s  %s\n", hex, basename, argv[i]);
        }
    }
    if (opts.json) {
        cli_json_array_end(&json);
        cli_json_bool(&json, "ok", status == CLI_EXIT_OK);
        cli_json_end(&json);
    }
    return status;
}
