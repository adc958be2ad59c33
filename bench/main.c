/* akl-bench: every figure of docs/performance.md, each beside its floor measured in the same run.
 * Also reached as `akl bench`. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "Usage: akl bench [--quick] [--check] [--json | --json-file FILE] [--plots DIR]\n"
    "                 [--only GROUPS]\n"
    "                 [--device N] [--work-dir DIR] [--progress|--no-progress]\n"
    "\n"
    "Measures akl's launch and load paths on the simulated device (or real CANN, per\n"
    "AKL_RUNTIME), each figure beside its floor measured interleaved with it (sample by sample;\n"
    "the launch round trip in alternating blocks): a cross-process shared-memory round trip, a\n"
    "direct launch with a prebuilt blob, the copy\n"
    "into device memory plus write+fsync+rename of the same bytes. The machine is printed:\n"
    "absolute times hold only for it.\n"
    "\n"
    "  --quick        tiny sizes and counts: checks that everything runs (no meaningful timing)\n"
    "  --check        exit 1 when any figure misses its target, after printing which\n"
    "  --json         print the results as one JSON object on stdout (the table goes to stderr)\n"
    "  --json-file FILE\n"
    "                 also write the results as JSON to FILE (the table stays on stdout)\n"
    "  --plots DIR    write latency.png and scaling.png (gnuplot), their .dat files and the\n"
    "                 script that drew them (plots.gp) to DIR\n"
    "  --only GROUPS  comma-separated subset of: floors,hash,launch,load,idle,modeb\n"
    "                 (default: all)\n"
    "  --device N     device to use (default 0)\n"
    "  --work-dir DIR scratch directory (default: a new directory under $TMPDIR or /tmp); unless\n"
    "                 AKL_SIM_ROOT is set, the simulated devices live under it for this run\n"
    "  --progress     a progress line on stderr (default when stderr is a terminal)\n";

typedef struct group {
    const char *name;
    int (*run)(const bench_config_t *);
} group_t;

static const group_t groups[] = {
    {"floors", bench_floors}, {"hash", bench_fingerprint}, {"launch", bench_launch},
    {"load", bench_load},     {"idle", bench_idle},        {"modeb", bench_modeb},
};

static bool group_selected(const char *only, const char *name)
{
    if (!only)
        return true;
    size_t len = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += len) {
        bool starts = p == only || p[-1] == ',';
        bool ends = p[len] == 0 || p[len] == ',';
        if (starts && ends)
            return true;
    }
    return false;
}

/* Every name in --only must be a group: a typo must not quietly become an empty table. */
static int check_only(const char *only)
{
    const char *p = only;
    for (;;) {
        size_t len = strcspn(p, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof groups / sizeof groups[0] && !known; i++)
            known = strlen(groups[i].name) == len && strncmp(groups[i].name, p, len) == 0;
        if (!known) {
            fprintf(stderr, "akl bench: --only: unknown group '%.*s' (groups: ", (int)len, p);
            for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
                fprintf(stderr, "%s%s", i ? "," : "", groups[i].name);
            fprintf(stderr, ")\n%s", usage);
            return -1;
        }
        if (p[len] == 0)
            return 0;
        p += len + 1;
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int prepare_work_dir(bench_config_t *cfg, char *buf, size_t cap, bool *owned)
{
    *owned = false;
    if (!cfg->work_dir) {
        const char *tmp = getenv("TMPDIR");
        snprintf(buf, cap, "%s/akl-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(buf)) {
            fprintf(stderr, "akl bench: cannot create %s: %s\n", buf, strerror(errno));
            return -1;
        }
        cfg->work_dir = buf;
        *owned = true;
    }
    if (!getenv("AKL_SIM_ROOT")) {
        char root[PATH_MAX];
        snprintf(root, sizeof root, "%s/sim-root", cfg->work_dir);
        setenv("AKL_SIM_ROOT", root, 1);
    }
    return 0;
}

/* A device id, strictly: a typo must not quietly become device 0. */
static int parse_device(const char *text, int *device)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end || value < 0 || value > INT32_MAX) {
        fprintf(stderr, "akl bench: --device: '%s' is not a device id (0..%d)\n%s", text, INT32_MAX,
                usage);
        return -1;
    }
    *device = (int)value;
    return 0;
}

static int parse_args(int argc, char **argv, bench_config_t *cfg, const char **only)
{
    static const struct option opts[] = {
        {"quick", no_argument, NULL, 'q'},        {"check", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},         {"json-file", required_argument, NULL, 'J'},
        {"plots", required_argument, NULL, 'p'},  {"only", required_argument, NULL, 'o'},
        {"device", required_argument, NULL, 'd'}, {"work-dir", required_argument, NULL, 'w'},
        {"progress", no_argument, NULL, 'P'},     {"no-progress", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "hqp:o:d:w:", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            cfg->quick = true;
            break;
        case 'c':
            cfg->check = true;
            break;
        case 'j':
            cfg->json_stdout = true;
            break;
        case 'J':
            cfg->json_path = optarg;
            break;
        case 'p':
            cfg->plot_dir = optarg;
            break;
        case 'o':
            if (check_only(optarg) != 0)
                return 2;
            *only = optarg;
            break;
        case 'd':
            if (parse_device(optarg, &cfg->device) != 0)
                return 2;
            break;
        case 'w':
            cfg->work_dir = optarg;
            break;
        case 'P':
            cfg->progress = true;
            break;
        case 'N':
            cfg->progress = false;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "akl bench: unexpected argument '%s'\n%s", argv[optind], usage);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return bench_child_main(argc, argv);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    bench_config_t cfg = {.progress = isatty(STDERR_FILENO), .self_path = self};
    const char *only = NULL;
    int rc = parse_args(argc, argv, &cfg, &only);
    if (rc != 0)
        return rc;
    char work[PATH_MAX];
    bool owned;
    if (prepare_work_dir(&cfg, work, sizeof work, &owned) != 0)
        return 1;
    int failures = 0;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (!group_selected(only, groups[i].name))
            continue;
        if (groups[i].run(&cfg) != 0) {
            fprintf(stderr, "akl bench: group '%s' failed\n", groups[i].name);
            failures++;
        }
    }
    if (cfg.progress)
        fputs("\r\033[K", stderr);
    if (cfg.json_stdout) {
        int saved = dup(STDOUT_FILENO);
        dup2(STDERR_FILENO, STDOUT_FILENO);
        bench_print_table();
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
    } else {
        bench_print_table();
    }
    if (cfg.json_stdout && bench_write_json(&cfg, NULL) != 0)
        failures++;
    if (cfg.json_path && bench_write_json(&cfg, cfg.json_path) != 0)
        failures++;
    if (cfg.plot_dir && bench_write_plots(&cfg) != 0)
        failures++;
    if (owned)
        nftw(work, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
    if (cfg.check && bench_print_misses() > 0)
        failures++;
    return failures ? 1 : 0;
}
