/* `akl check`: validates an SO exactly as a load would (ELF, class, machine, type, size, exported
 * kernels) without any device work, so a bad file is caught before an upload, and lists the
 * undefined symbols nothing on the device provides (a warning, or with --strict an error). */
#include "cmd_check.h"

#include "cli_common.h"

#include <akl/akl.h>

#include <stdlib.h>
#include <string.h>

void cli_usage_check(FILE *out)
{
    fprintf(
        out,
        "Usage: akl check [--json] [--strict] [--max-size BYTES] SO [KERNEL...]\n"
        "\n"
        "Validates SO as a load does, without touching a device: an ELF file, complete,\n"
        "64-bit, built for the target device's machine (the simulator runs the host's\n"
        "architecture, or aarch64 with AKL_SIM_ARCH=aarch64; a real device is aarch64), a\n"
        "shared object, at most --max-size\n"
        "bytes, exporting every KERNEL named. Prints \"ok\" or the error's name and message.\n"
        "Then lists, as a warning on stderr, the SO's undefined symbols that nothing on the\n"
        "device provides (not libc, libm, libdl, libpthread, libstdc++, libgcc_s or the\n"
        "dynamic loader, as found on this host, nor the scheduler's services): a call that\n"
        "reaches one ends the device's scheduler.\n"
        "\n"
        "Options:\n"
        "  --max-size BYTES  size limit (suffixes K, M, G; default $AKL_MAX_SO_SIZE, else 256M)\n"
        "  --strict          undefined symbols are an error (AKL_EUNRESOLVED), not a warning\n"
        "  --json            one JSON object: "
        "{\"file\",\"kernels\",\"ok\",\"unresolved\":[names],\n"
        "                    \"error\":{\"code\",\"name\",\"message\"}}\n"
        "  -h, --help        show this help\n"
        "\n"
        "Exit status: 0 valid, 1 invalid, 2 usage error.\n");
}

typedef struct check_options {
    bool json;
    bool strict;
    uint64_t max_size;
} check_options_t;

static int check_parse(int argc, char **argv, check_options_t *opts)
{
    memset(opts, 0, sizeof *opts);
    const cli_option_t options[] = {
        {"json", CLI_OPTION_FLAG, &opts->json, 0, 0, NULL},
        {"strict", CLI_OPTION_FLAG, &opts->strict, 0, 0, NULL},
        {"max-size", CLI_OPTION_SIZE, &opts->max_size, 1, SIZE_MAX, NULL},
        {NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse_options("check", argc, argv, options, cli_usage_check);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (optind >= argc)
        return cli_usage_error("check", "missing SO");
    return CLI_EXIT_OK;
}

/* What the check found: the first error, and the undefined symbols nothing on the device
 * provides (listed whenever the SO itself is valid). */
typedef struct check_result {
    int code;
    char message[1024];
    char **unresolved; /* NULL-terminated, one malloc'd block; NULL when not listed */
    size_t unresolved_count;
} check_result_t;

static void check_print_json(const char *path, char **kernels, int kernel_count,
                             const check_result_t *result)
{
    cli_json_t json;
    cli_json_begin(&json, stdout);
    cli_json_string(&json, "file", path);
    cli_json_array_begin(&json, "kernels");
    for (int i = 0; i < kernel_count; i++)
        cli_json_string(&json, NULL, kernels[i]);
    cli_json_array_end(&json);
    cli_json_bool(&json, "ok", result->code == 0);
    cli_json_array_begin(&json, "unresolved");
    for (size_t i = 0; i < result->unresolved_count; i++)
        cli_json_string(&json, NULL, result->unresolved[i]);
    cli_json_array_end(&json);
    if (result->code != 0) {
        cli_json_object_begin(&json, "error");
        cli_json_int(&json, "code", result->code);
        cli_json_string(&json, "name", akl_errname(result->code));
        cli_json_string(&json, "message", result->message);
        cli_json_object_end(&json);
    }
    cli_json_end(&json);
}

/* "a, b, c" of the unresolved names, cut to fit. */
static void check_join(const check_result_t *result, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < result->unresolved_count && used < cap; i++)
        used +=
            (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", result->unresolved[i]);
}

static void check_run(const char *path, const akl_load_options_t *load, bool strict,
                      check_result_t *result)
{
    memset(result, 0, sizeof *result);
    result->code = akl_check_file(path, load);
    if (result->code == 0)
        result->code =
            akl_unresolved_symbols_file(path, load, &result->unresolved, &result->unresolved_count);
    if (result->code != 0) {
        const char *detail = akl_last_error();
        snprintf(result->message, sizeof result->message, "%s",
                 detail && *detail ? detail : akl_strerror(result->code));
        return;
    }
    if (result->unresolved_count == 0)
        return;
    char names[768];
    check_join(result, names, sizeof names);
    snprintf(result->message, sizeof result->message,
             "%s: %zu undefined symbol%s that nothing on the device provides: %s; a call that "
             "reaches one ends the device's scheduler",
             path, result->unresolved_count, result->unresolved_count == 1 ? "" : "s", names);
    if (strict)
        result->code = AKL_EUNRESOLVED;
    else
        fprintf(stderr, "akl check: warning: %s\n", result->message);
}

int cli_cmd_check(int argc, char **argv)
{
    check_options_t opts;
    int rc = check_parse(argc, argv, &opts);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;

    const char *path = argv[optind];
    char **kernels = argv + optind + 1;
    int kernel_count = argc - optind - 1;
    /* argv is NULL-terminated, so its tail is the NULL-terminated kernel list opts wants. */
    akl_load_options_t load = {.size = sizeof load,
                               .max_size = (size_t)opts.max_size,
                               .kernels = (const char *const *)kernels};
    check_result_t result;
    check_run(path, &load, opts.strict, &result);
    int code = result.code;
    const char *message = result.message;
    if (opts.json) {
        check_print_json(path, kernels, kernel_count, &result);
    } else if (code == 0) {
        printf("ok: %s", path);
        for (int i = 0; i < kernel_count; i++)
            printf("%s%s", i == 0 ? " exports " : ", ", kernels[i]);
        printf("\n");
    }
    free(result.unresolved);
    /* The loader's message names the file already; name it here only when it does not. */
    if (code != 0)
        return cli_fail("check", "%s%s%s (%d): %s", strstr(message, path) ? "" : path,
                        strstr(message, path) ? "" : ": ", akl_errname(code), code, message);
    return CLI_EXIT_OK;
}
