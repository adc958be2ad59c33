/* The akl command: dispatches `akl <command> ...` to one file per command and answers --help,
 * --version and `akl help <command>`. A new command is one line in cli_commands. */
#include "cli_common.h"
#include "cmd_bench.h"
#include "cmd_check.h"
#include "cmd_doctor.h"
#include "cmd_fingerprint.h"
#include "cmd_gc.h"
#include "cmd_run.h"
#include "cmd_sim.h"

#include <akl/akl.h>

#include <string.h>

/* One subcommand: its name, one line for `akl --help`, its entry point (argv[0] is the command's
 * own name) and its usage. */
typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
} cli_command_t;

static const cli_command_t cli_commands[] = {
    {"run", "bootstrap a runtime SO on a device and launch one of its kernels", cli_cmd_run,
     cli_usage_run},
    {"fingerprint", "print the fingerprint of SOs and the file name a device gives them",
     cli_cmd_fingerprint, cli_usage_fingerprint},
    {"check", "validate an SO before upload, without touching a device", cli_cmd_check,
     cli_usage_check},
    {"sim", "list or clean the files on the simulated devices", cli_cmd_sim, cli_usage_sim},
    {"gc", "remove unused published files from a device's directory", cli_cmd_gc, cli_usage_gc},
    {"bench", "measure the launch and load paths beside their floors", cli_cmd_bench,
     cli_usage_bench},
    {"doctor", "check this machine: runtime, devices, each route (probed), toolchain",
     cli_cmd_doctor, cli_usage_doctor},
};
#define CLI_COMMAND_COUNT (sizeof cli_commands / sizeof cli_commands[0])

static void cli_usage_main(FILE *out)
{
    fprintf(out, "Usage: akl [--help] [--version] <command> [options] [arguments]\n"
                 "\n"
                 "Zero-deploy loading and launching of custom AICPU kernels on Ascend NPUs\n"
                 "(real CANN or the simulated device; see AKL_RUNTIME below).\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
        fprintf(out, "  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fprintf(out, "  %-12s %s\n", "help", "show the usage of a command: akl help <command>");
    fprintf(out, "\n"
                 "Every command takes --help. Exit status: 0 success, 1 failure, 2 usage error.\n"
                 "\n"
                 "Environment:\n"
                 "  AKL_RUNTIME    auto (default), sim, cann, or the path of an ACL/RT library\n"
                 "  AKL_LOG        debug|info|warn|error: the loader's log on stderr\n"
                 "  AKL_PREFIX     default prefix of device file names (akl_inner_)\n"
                 "  AKL_ROUTE      auto (default), extend or custom: how a module reaches\n"
                 "                 the device (README, docs/protocol.md)\n"
                 "  AKL_SIM_ROOT   the simulated devices' root directory\n"
                 "  AKL_SIM_ARCH   the simulated device's architecture: the host's (default)\n"
                 "                 or aarch64 (under qemu-user)\n"
                 "  AKL_DEVICE_CACHE_MAX  bytes of a prefix's files a device keeps (default\n"
                 "                 256M; 0: no bound): every publish collects down to it\n");
    fprintf(out, "  ASCEND_HOME_PATH  the CANN install (set by CANN's set_env.sh), also searched\n"
                 "                 for its libraries; CANN " AKL_CANN_MIN_VERSION " or later\n");
}

static const cli_command_t *cli_find_command(const char *name)
{
    for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

static int cli_unknown_command(const char *name)
{
    fprintf(stderr, "akl: unknown command '%s'\n", name);
    fprintf(stderr, "Try 'akl --help' for the list of commands.\n");
    return CLI_EXIT_USAGE;
}

static int cli_help(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage_main(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        printf("Usage: akl help [<command>]\n");
        return CLI_EXIT_OK;
    }
    const cli_command_t *command = cli_find_command(argv[1]);
    if (!command)
        return cli_unknown_command(argv[1]);
    command->usage(stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage_main(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0) {
        cli_usage_main(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("akl %s\n", AKL_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    if (strcmp(word, "help") == 0)
        return cli_help(argc - 1, argv + 1);
    if (word[0] == '-') {
        fprintf(stderr, "akl: unknown option '%s'\n", word);
        fprintf(stderr, "Try 'akl --help'.\n");
        return CLI_EXIT_USAGE;
    }
    const cli_command_t *command = cli_find_command(word);
    if (!command)
        return cli_unknown_command(word);
    return command->run(argc - 1, argv + 1);
}
