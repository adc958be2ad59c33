/* `akl check`: validates an SO exactly as a load would (ELF, class, machine, type, size, exported
 * kernels) without any device work, so a bad file is caught before an upload. */
#include "cli_common.h"

#include <akl/akl.h>

#include <stdlib.h>
#include <string.h>

void cli_usage_check(FILE *out)
{
    fprintf(
        out,
        "Usage: akl check [--json] [--max-size BYTES] SO [KERNEL...]\n"
        "\n"
        "Validates SO as a load does, without touching a device: an ELF file, complete,\n"
        "64-bit, built for the target device's machine (the simulator runs the host's\n"
        "architecture, or aarch64 with AKL_SIM_ARCH=aarch64; a real device is aarch64), a\n"
        "shared object, at most --max-size\n"
        "bytes, exporting every KERNEL named. Prints \"ok\" or the error's name and message.\n"
        "\n"
        "Options:\n"
        "  --max-size BYTES  size limit (suffixes K, M, G; default $AKL_MAX_SO_SIZE, else 256M)\n"
        "  --json            one JSON object: {\"file\",\"kernels\",\"ok\",\"error\":{\"code\",\n"
        "                    \"name\",\"message\"}}\n"
        "  -h, --help        show this help\n"
        "\n"
        "Exit status: 0 valid, 1 invalid, 2 usage error.\n");
}

typedef struct check_options {
    bool json;
    uint64_t max_size;
} check_options_t;

static int check_parse(int argc, char **argv, check_options_t *opts)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"max-size", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(opts, 0, sizeof *opts);
    optind = 0;
    int c;
    while ((c = cli_getopt("check", argc, argv, ":h", longopts)) != -1) {
        switch (c) {
        case 'j':
            opts->json = true;
            break;
        case 'm':
            if (cli_parse_size("check", "--max-size", optarg, 1, SIZE_MAX, &opts->max_size) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'h':
            cli_usage_check(stdout);
            return -1;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error("check", "missing SO");
    return CLI_EXIT_OK;
}

static void check_print_json(const char *path, char **kernels, int kernel_count, int rc,
                             const char *message)
{
    cli_json_t json;
    cli_json_begin(&json, stdout);
    cli_json_string(&json, "file", path);
    cli_json_array_begin(&json, "kernels");
    for (int i = 0; i < kernel_count; i++)
        cli_json_string(&json, NULL, kernels[i]);
    cli_json_array_end(&json);
    cli_json_bool(&json, "ok", rc == 0);
    if (rc != 0) {
        cli_json_object_begin(&json, "error");
        cli_json_int(&json, "code", rc);
        cli_json_string(&json, "name", akl_errname(rc));
        cli_json_string(&json, "message", message);
        cli_json_object_end(&json);
    }
    cli_json_end(&json);
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
    int code = akl_check_file(path, &load);
    char message[1024] = "";
    if (code != 0) {
        const char *detail = akl_last_error();
        snprintf(message, sizeof message, "%s", detail && *detail ? detail : akl_strerror(code));
    }
    if (opts.json) {
        check_print_json(path, kernels, kernel_count, code, message);
    } else if (code == 0) {
        printf("ok: %s", path);
        for (int i = 0; i < kernel_count; i++)
            printf("%s%s", i == 0 ? " exports " : ", ", kernels[i]);
        printf("\n");
    }
    /* The loader's message names the file already; name it here only when it does not. */
    if (code != 0)
        return cli_fail("check", "%s%s%s (%d): %s", strstr(message, path) ? "" : path,
                        strstr(message, path) ? "" : ": ", akl_errname(code), code, message);
    return CLI_EXIT_OK;
}
