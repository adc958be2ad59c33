/* `akl sim ls|clean`: inspect and clean the simulated devices' filesystems. Each chip's preinstall
 * directory holds the files akl published (<prefix><16 hex>_<device>.so), possibly temporaries a
 * killed writer left (the dispatcher's exact form, .<final name>.tmp.<pid>.<tid>.<nonce>), and
 * whatever else a user put there; clean removes only the first two kinds. */
#define _GNU_SOURCE
#include "cli_common.h"

#include "dispatcher_temps.h"
#include "sim_arch.h"
#include "sim_paths.h"

#include <akl/akl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIM_NAME_MAX 100
#define SIM_FINGERPRINT_HEX 16

void cli_usage_sim(FILE *out)
{
    fprintf(
        out,
        "Usage: akl sim ls [--json] [--device N]\n"
        "       akl sim clean [--dry-run] [--all] [--json]\n"
        "\n"
        "The simulated devices keep their files under the simulator root ($AKL_SIM_ROOT, else\n"
        "$XDG_CACHE_HOME/akl-sim, else ~/.cache/akl-sim): chip<k>/ per chip, shared by its\n"
        "dies (devices 2k and 2k+1 by default), with the preinstall directory\n"
        "chip<k>/" SIM_PREINSTALL_SUBDIR "/.\n"
        "\n"
        "ls      the root, the devices' architecture (AKL_SIM_ARCH: the host's by default, or\n"
        "        aarch64, run under qemu-user) and for each chip: its dies and the files in its\n"
        "        preinstall directory, each with its size and kind: published (an akl file name\n"
        "        <prefix><16 hex>_<device>.so; \"intact\" when its bytes hash to its name),\n"
        "        temporary (.<published name>.tmp.<pid>.<tid>.<nonce>, left by an interrupted\n"
        "        publish) or other.\n"
        "  --device N  only the chip of device N\n"
        "  --json      one JSON object: {\"root\",\"exists\",\"device_count\",\"dies_per_chip\",\n"
        "              \"device_arch\",\"emulator\",\"emulator_error\",\n"
        "              "
        "\"chips\":[{\"chip\",\"path\",\"dies\",\"preinstall_dir\",\"files\":[{\"name\",\n"
        "              \"size\",\"kind\",\"device\",\"fingerprint\",\"intact\"}]}]}\n"
        "\n"
        "clean   removes published files and stale temporaries (their writer's process is\n"
        "        gone, or older than %d s) from every chip's preinstall directory; other\n"
        "        files, and temporaries of a publish in progress, are never touched.\n"
        "  --dry-run   print what would be removed, remove nothing\n"
        "  --all       remove every chip's whole directory, then the root if it is empty\n"
        "  --json      one JSON object: {\"root\",\"dry_run\",\"all\",\"removed\":[..],\"ok\"}\n"
        "\n"
        "Cleaning while a simulated device is in use is safe for the files but not for what\n"
        "is already loaded: a scheduler keeps running the code it has loaded, and the next\n"
        "load of an SO whose file was removed publishes it again.\n",
        DISPATCHER_TEMP_MAX_AGE_S);
}

typedef enum sim_file_kind {
    SIM_FILE_OTHER,
    SIM_FILE_PUBLISHED,
    SIM_FILE_TEMPORARY,
} sim_file_kind_t;

typedef struct sim_published_name {
    uint64_t fingerprint;
    int32_t device;
    long writer_pid; /* temporaries only: the writer's pid, from the name */
} sim_published_name_t;

typedef struct sim_options {
    bool json;
    bool dry_run;
    bool all;
    bool has_device;
    int32_t device;
} sim_options_t;

static bool sim_name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Parses "<prefix><16 lowercase hex>_<device>.so" from the len characters at name. */
static bool sim_parse_published(const char *name, size_t len, sim_published_name_t *out)
{
    if (len > SIM_NAME_MAX || len < SIM_FINGERPRINT_HEX + 5 || strncmp(name + len - 3, ".so", 3))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!sim_name_char_ok(name[i]))
            return false;
    size_t end = len - 3, digits = end;
    while (digits > 0 && name[digits - 1] >= '0' && name[digits - 1] <= '9')
        digits--;
    if (digits == end || end - digits > 9 || digits < SIM_FINGERPRINT_HEX + 1 ||
        name[digits - 1] != '_')
        return false;
    size_t hex = digits - 1 - SIM_FINGERPRINT_HEX;
    uint64_t fp = 0;
    for (size_t i = hex; i < hex + SIM_FINGERPRINT_HEX; i++) {
        char c = name[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return false;
        fp = fp << 4 | (uint64_t)v;
    }
    out->fingerprint = fp;
    out->device = (int32_t)strtol(name + digits, NULL, 10);
    return true;
}

/* Whether name is a temporary the dispatcher writes for a published name, by its own rule
 * (dispatcher_temps.h): anything else under such a name is the user's and is never cleaned. */
static bool sim_parse_temporary(const char *name, sim_published_name_t *out)
{
    if (name[0] != '.')
        return false;
    for (const char *tag = strstr(name + 1, ".tmp."); tag; tag = strstr(tag + 1, ".tmp.")) {
        size_t published_len = (size_t)(tag - name - 1);
        if (!sim_parse_published(name + 1, published_len, out))
            continue;
        char published[SIM_NAME_MAX + 1];
        memcpy(published, name + 1, published_len);
        published[published_len] = 0;
        long long pid;
        if (dispatcher_temp_of(name, published, &pid)) {
            out->writer_pid = (long)pid;
            return true;
        }
    }
    return false;
}

/* What a directory entry is; for both named kinds, out describes the published name. */
static sim_file_kind_t sim_classify(const char *name, sim_published_name_t *out)
{
    if (sim_parse_published(name, strlen(name), out))
        return SIM_FILE_PUBLISHED;
    return sim_parse_temporary(name, out) ? SIM_FILE_TEMPORARY : SIM_FILE_OTHER;
}

static const char *sim_kind_name(sim_file_kind_t kind)
{
    return kind == SIM_FILE_PUBLISHED   ? "published"
           : kind == SIM_FILE_TEMPORARY ? "temporary"
                                        : "other";
}

static bool sim_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* dir/name into out (SIM_PATH_MAX bytes); false when it does not fit. */
static bool sim_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, SIM_PATH_MAX, "%s/%s", dir, name);
    return n > 0 && n < SIM_PATH_MAX;
}

/* The chip number of a root entry named chip<k>, or -1. */
static long sim_chip_number(const char *name)
{
    if (strncmp(name, "chip", 4) != 0 || name[4] < '0' || name[4] > '9')
        return -1;
    char *end;
    errno = 0;
    long k = strtol(name + 4, &end, 10);
    return *end || errno || k > 1000000 ? -1 : k;
}

static int sim_compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The chips that exist under root, sorted. Returns their count (0 if root is missing). */
static size_t sim_list_chips(const char *root, long **chips)
{
    *chips = NULL;
    DIR *dir = opendir(root);
    if (!dir)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        long k = sim_chip_number(e->d_name);
        char path[SIM_PATH_MAX];
        if (k < 0 || !sim_join(path, root, e->d_name) || !sim_is_dir(path))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            long *grown = realloc(*chips, cap * sizeof **chips);
            if (!grown)
                break;
            *chips = grown;
        }
        (*chips)[n++] = k;
    }
    closedir(dir);
    if (n)
        qsort(*chips, n, sizeof **chips, sim_compare_long);
    return n;
}

static int sim_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry names of dir (regular files and others, not . and ..), sorted; caller frees each. */
static size_t sim_list_names(const char *dir_path, char ***names)
{
    *names = NULL;
    DIR *dir = opendir(dir_path);
    if (!dir)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(*names, cap * sizeof **names);
            if (!grown)
                break;
            *names = grown;
        }
        (*names)[n] = strdup(e->d_name);
        if ((*names)[n])
            n++;
    }
    closedir(dir);
    if (n)
        qsort(*names, n, sizeof **names, sim_compare_names);
    return n;
}

static void sim_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Returns false when a path does not fit in SIM_PATH_MAX (then the chip is skipped). */
static bool sim_chip_paths(const char *root, long chip, char *chip_dir, char *preinstall)
{
    int a = snprintf(chip_dir, SIM_PATH_MAX, "%s/chip%ld", root, chip);
    int b = snprintf(preinstall, SIM_PATH_MAX, "%s/chip%ld/%s", root, chip, SIM_PREINSTALL_SUBDIR);
    return a > 0 && a < SIM_PATH_MAX && b > 0 && b < SIM_PATH_MAX;
}

/* True when the file's bytes hash to the fingerprint in its name. */
static bool sim_file_intact(const char *path, uint64_t fingerprint)
{
    void *data;
    size_t size;
    char err[512];
    if (cli_read_file(path, &data, &size, err, sizeof err) != 0)
        return false;
    bool intact = akl_fingerprint(data, size) == fingerprint;
    free(data);
    return intact;
}

/* ---- ls -------------------------------------------------------------------------------------- */

typedef struct sim_entry {
    const char *name;
    sim_file_kind_t kind;
    sim_published_name_t published;
    long long size;
    long long age_seconds;
    bool intact;
    bool stale;
} sim_entry_t;

static void sim_describe_entry(const char *dir, const char *name, sim_entry_t *entry)
{
    char path[SIM_PATH_MAX];
    memset(entry, 0, sizeof *entry);
    if (!sim_join(path, dir, name))
        path[0] = 0; /* lstat("") fails: the entry is shown without a size */
    entry->name = name;
    entry->kind = sim_classify(name, &entry->published);
    struct stat st;
    entry->size = -1;
    if (lstat(path, &st) == 0) {
        entry->size = (long long)st.st_size;
        entry->age_seconds = (long long)(time(NULL) - st.st_mtime);
    }
    if (entry->kind == SIM_FILE_PUBLISHED)
        entry->intact = sim_file_intact(path, entry->published.fingerprint);
    if (entry->kind == SIM_FILE_TEMPORARY)
        entry->stale = dispatcher_temp_stale(AT_FDCWD, path, entry->published.writer_pid);
}

static void sim_ls_entry_text(const sim_entry_t *entry)
{
    printf("    %-48s %10lld  %s", entry->name, entry->size, sim_kind_name(entry->kind));
    if (entry->kind == SIM_FILE_PUBLISHED)
        printf(" device %d, %s", entry->published.device,
               entry->intact ? "intact" : "BYTES DO NOT MATCH THE NAME");
    else if (entry->kind == SIM_FILE_TEMPORARY)
        printf(" (writer pid %ld, %lld s old, %s)", entry->published.writer_pid, entry->age_seconds,
               entry->stale ? "stale" : "publish in progress");
    printf("\n");
}

static void sim_ls_entry_json(cli_json_t *json, const sim_entry_t *entry)
{
    cli_json_object_begin(json, NULL);
    cli_json_string(json, "name", entry->name);
    cli_json_int(json, "size", entry->size);
    cli_json_string(json, "kind", sim_kind_name(entry->kind));
    if (entry->kind != SIM_FILE_OTHER) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, entry->published.fingerprint);
        cli_json_int(json, "device", entry->published.device);
        cli_json_string(json, "fingerprint", hex);
    }
    if (entry->kind == SIM_FILE_PUBLISHED)
        cli_json_bool(json, "intact", entry->intact);
    if (entry->kind == SIM_FILE_TEMPORARY) {
        cli_json_int(json, "writer_pid", entry->published.writer_pid);
        cli_json_int(json, "age_seconds", entry->age_seconds);
        cli_json_bool(json, "stale", entry->stale);
    }
    cli_json_object_end(json);
}

static void sim_ls_chip(const sim_options_t *opts, cli_json_t *json, const char *root, long chip)
{
    char chip_dir[SIM_PATH_MAX], preinstall[SIM_PATH_MAX];
    if (!sim_chip_paths(root, chip, chip_dir, preinstall))
        return;
    int dies = sim_dies_per_chip();
    if (opts->json) {
        cli_json_object_begin(json, NULL);
        cli_json_int(json, "chip", chip);
        cli_json_string(json, "path", chip_dir);
        cli_json_array_begin(json, "dies");
        for (int d = 0; d < dies; d++)
            cli_json_int(json, NULL, chip * dies + d);
        cli_json_array_end(json);
        cli_json_string(json, "preinstall_dir", preinstall);
        cli_json_bool(json, "preinstall_exists", sim_is_dir(preinstall));
        cli_json_array_begin(json, "files");
    } else {
        printf("chip%ld: %s\n  dies (devices):", chip, chip_dir);
        for (int d = 0; d < dies; d++)
            printf(" %ld", chip * dies + d);
        printf("\n  preinstall: %s%s\n", preinstall,
               sim_is_dir(preinstall) ? "" : " (does not exist)");
    }
    char **names;
    size_t n = sim_list_names(preinstall, &names);
    for (size_t i = 0; i < n; i++) {
        sim_entry_t entry;
        sim_describe_entry(preinstall, names[i], &entry);
        if (opts->json)
            sim_ls_entry_json(json, &entry);
        else
            sim_ls_entry_text(&entry);
    }
    if (!opts->json && n == 0)
        printf("    (no files)\n");
    sim_free_names(names, n);
    if (opts->json) {
        cli_json_array_end(json);
        cli_json_object_end(json);
    }
}

/* The simulated device's architecture (AKL_SIM_ARCH) and, for a foreign one, how it runs: the
 * emulator command, or why it cannot run. */
typedef struct sim_arch_report {
    sim_arch_t arch;
    char emulator[2 * SIM_ARCH_PATH_MAX + 8];
    char problem[512];
} sim_arch_report_t;

static int sim_arch_report(sim_arch_report_t *r)
{
    memset(r, 0, sizeof *r);
    if (sim_arch_get(&r->arch, r->problem, sizeof r->problem) != 0)
        return cli_fail("sim ls", "%s", r->problem);
    sim_emulator_t emu;
    if (r->arch.foreign && sim_arch_emulator(&r->arch, &emu, r->problem, sizeof r->problem) == 0)
        snprintf(r->emulator, sizeof r->emulator, "%s%s%s", emu.qemu, emu.sysroot[0] ? " -L " : "",
                 emu.sysroot);
    return 0;
}

static void sim_arch_print(const sim_arch_report_t *r, cli_json_t *json, bool as_json)
{
    if (as_json) {
        cli_json_string(json, "device_arch", r->arch.name);
        cli_json_string(json, "emulator", r->emulator);
        cli_json_string(json, "emulator_error", r->problem);
    } else if (!r->arch.foreign) {
        printf("device architecture: %s (the host's)\n", r->arch.name);
    } else {
        printf("device architecture: %s (AKL_SIM_ARCH), %s%s\n", r->arch.name,
               r->problem[0] ? "cannot run: " : "runs under ",
               r->problem[0] ? r->problem : r->emulator);
    }
}

static int sim_ls(const sim_options_t *opts, const char *root)
{
    sim_arch_report_t arch;
    if (sim_arch_report(&arch) != 0)
        return 1;
    int count = sim_device_count(), dies = sim_dies_per_chip();
    if (opts->has_device && opts->device >= count)
        return cli_fail("sim ls",
                        "device %d does not exist: the simulator has %d devices "
                        "($AKL_SIM_DEVICE_COUNT)",
                        opts->device, count);
    long *chips;
    size_t n = sim_list_chips(root, &chips);
    cli_json_t json;
    if (opts->json) {
        cli_json_begin(&json, stdout);
        cli_json_string(&json, "root", root);
        cli_json_bool(&json, "exists", sim_is_dir(root));
        cli_json_int(&json, "device_count", count);
        cli_json_int(&json, "dies_per_chip", dies);
        sim_arch_print(&arch, &json, true);
        cli_json_array_begin(&json, "chips");
    } else {
        printf("simulator root: %s%s (%d devices, %d dies per chip)\n", root,
               sim_is_dir(root) ? "" : " (does not exist)", count, dies);
        sim_arch_print(&arch, NULL, false);
    }
    for (size_t i = 0; i < n; i++)
        if (!opts->has_device || chips[i] == opts->device / dies)
            sim_ls_chip(opts, &json, root, chips[i]);
    if (opts->json) {
        cli_json_array_end(&json);
        cli_json_end(&json);
    } else if (n == 0) {
        printf("no simulated chip has been used under this root yet\n");
    }
    free(chips);
    return CLI_EXIT_OK;
}

/* ---- clean ----------------------------------------------------------------------------------- */

typedef struct sim_clean_state {
    const sim_options_t *opts;
    cli_json_t *json;
    unsigned removed;
    unsigned failed;
} sim_clean_state_t;

static void sim_clean_report(sim_clean_state_t *state, const char *path)
{
    if (state->opts->json)
        cli_json_string(state->json, NULL, path);
    else
        printf("%s %s\n", state->opts->dry_run ? "would remove" : "removed", path);
}

static void sim_clean_remove(sim_clean_state_t *state, const char *path)
{
    if (!state->opts->dry_run && remove(path) != 0 && errno != ENOENT) {
        cli_fail("sim clean", "cannot remove %s: %s", path, strerror(errno));
        state->failed++;
        return;
    }
    state->removed++;
    sim_clean_report(state, path);
}

static void sim_clean_preinstall(sim_clean_state_t *state, const char *preinstall)
{
    char **names;
    size_t n = sim_list_names(preinstall, &names);
    for (size_t i = 0; i < n; i++) {
        sim_entry_t entry;
        char path[SIM_PATH_MAX];
        struct stat st;
        if (!sim_join(path, preinstall, names[i]))
            continue;
        memset(&entry, 0, sizeof entry);
        entry.kind = sim_classify(names[i], &entry.published);
        if (entry.kind == SIM_FILE_OTHER || lstat(path, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        if (entry.kind == SIM_FILE_TEMPORARY &&
            !dispatcher_temp_stale(AT_FDCWD, path, entry.published.writer_pid))
            continue;
        sim_clean_remove(state, path);
    }
    sim_free_names(names, n);
}

/* nftw has no user pointer, so the tree removal reports through this callback's return only. */
static int sim_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void sim_clean_chip_tree(sim_clean_state_t *state, const char *chip_dir)
{
    if (!state->opts->dry_run && nftw(chip_dir, sim_remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0) {
        cli_fail("sim clean", "cannot remove all of %s: %s", chip_dir, strerror(errno));
        state->failed++;
        return;
    }
    state->removed++;
    sim_clean_report(state, chip_dir);
}

static int sim_clean(const sim_options_t *opts, const char *root)
{
    cli_json_t json;
    sim_clean_state_t state = {.opts = opts, .json = &json};
    if (opts->json) {
        cli_json_begin(&json, stdout);
        cli_json_string(&json, "root", root);
        cli_json_bool(&json, "dry_run", opts->dry_run);
        cli_json_bool(&json, "all", opts->all);
        cli_json_array_begin(&json, "removed");
    }
    long *chips;
    size_t n = sim_list_chips(root, &chips);
    for (size_t i = 0; i < n; i++) {
        char chip_dir[SIM_PATH_MAX], preinstall[SIM_PATH_MAX];
        if (!sim_chip_paths(root, chips[i], chip_dir, preinstall))
            continue;
        if (opts->all)
            sim_clean_chip_tree(&state, chip_dir);
        else
            sim_clean_preinstall(&state, preinstall);
    }
    free(chips);
    /* Only an empty root goes: it may be a directory the user also keeps other things in. */
    if (opts->all && !opts->dry_run && sim_is_dir(root) && rmdir(root) == 0)
        sim_clean_report(&state, root);
    if (opts->json) {
        cli_json_array_end(&json);
        cli_json_bool(&json, "ok", state.failed == 0);
        cli_json_end(&json);
    } else if (state.removed == 0) {
        printf("nothing to remove under %s\n", root);
    }
    return state.failed ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static int sim_parse(const char *cmd, int argc, char **argv, bool is_ls, sim_options_t *opts)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},    {"device", required_argument, NULL, 'd'},
        {"dry-run", no_argument, NULL, 'n'}, {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
    };
    memset(opts, 0, sizeof *opts);
    optind = 0;
    int c;
    int64_t v;
    while ((c = cli_getopt(cmd, argc, argv, ":h", longopts)) != -1) {
        if (c == 'h') {
            cli_usage_sim(stdout);
            return -1;
        }
        if (c == '?')
            return CLI_EXIT_USAGE;
        if (c == 'j') {
            opts->json = true;
        } else if (is_ls && c == 'd') {
            if (cli_parse_i64(cmd, "--device", optarg, 0, INT32_MAX, &v) != 0)
                return CLI_EXIT_USAGE;
            opts->has_device = true;
            opts->device = (int32_t)v;
        } else if (!is_ls && c == 'n') {
            opts->dry_run = true;
        } else if (!is_ls && c == 'a') {
            opts->all = true;
        } else {
            return cli_usage_error(cmd, "option '%s' does not apply here",
                                   c == 'd'   ? "--device"
                                   : c == 'n' ? "--dry-run"
                                              : "--all");
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

int cli_cmd_sim(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("sim", "missing subcommand: ls or clean");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        cli_usage_sim(stdout);
        return CLI_EXIT_OK;
    }
    bool is_ls = strcmp(sub, "ls") == 0;
    if (!is_ls && strcmp(sub, "clean") != 0)
        return cli_usage_error("sim", "unknown subcommand '%s': want ls or clean", sub);
    const char *cmd = is_ls ? "sim ls" : "sim clean";
    sim_options_t opts;
    int rc = sim_parse(cmd, argc - 1, argv + 1, is_ls, &opts);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    char root[SIM_PATH_MAX];
    if (sim_root(root, sizeof root) != 0)
        return cli_fail(cmd, "the simulator root path is longer than %d bytes", SIM_PATH_MAX);
    return is_ls ? sim_ls(&opts, root) : sim_clean(&opts, root);
}
