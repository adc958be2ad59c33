/* `akl sim ls|clean`: inspect and clean the simulated devices' filesystems. Each chip's preinstall
 * directory holds the files akl published (<prefix><16 hex>_<device>.so), possibly temporaries a
 * killed writer left (the dispatcher's exact form, .<final name>.tmp.<pid>.<tid>.<nonce>), files
 * of that form under another prefix (another user of the directory: foreign), and whatever else
 * a user put there; clean removes only the first two kinds, of one prefix. Everything below the
 * root is reached one component at a time with O_NOFOLLOW relative to its parent's descriptor, so
 * a symbolic link anywhere below the root is never followed and nothing outside it is touched. */
#define _GNU_SOURCE
#include "cmd_sim.h"

#include "cli_common.h"

#include "collector_abi.h"
#include "temps.h"
#include "fd_io.h"
#include "sim_arch.h"
#include "sim_paths.h"
#include "so_name.h"

#include <akl/akl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIM_NAME_MAX AKL_SO_NAME_MAX

void cli_usage_sim(FILE *out)
{
    fprintf(
        out,
        "Usage: akl sim ls [--json] [--device N] [--prefix P]\n"
        "       akl sim clean [--dry-run] [--all] [--json] [--prefix P]\n"
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
        "        publish), foreign (either form, but of another prefix), ledger (the\n"
        "        collector's byte count of a prefix: .<prefix>" AKL_GC_LEDGER_SUFFIX ") or other.\n"
        "  --device N  only the chip of device N\n"
        "  --prefix P  the prefix of akl's names (default $AKL_PREFIX, else akl_inner_)\n"
        "  --json      one JSON object: {\"root\",\"exists\",\"device_count\",\"dies_per_chip\",\n"
        "              \"device_arch\",\"emulator\",\"emulator_error\",\n"
        "              "
        "\"chips\":[{\"chip\",\"path\",\"dies\",\"preinstall_dir\",\"files\":[{\"name\",\n"
        "              \"size\",\"kind\",\"device\",\"fingerprint\",\"intact\"}]}]}\n"
        "\n"
        "clean   removes published files and stale temporaries (their writer's process is\n"
        "        gone or a zombie, or older than %d s) of the prefix from every chip's\n"
        "        preinstall directory; other files, foreign ones, ledgers, symbolic links and\n"
        "        temporaries of a publish in progress are never touched. No symbolic link\n"
        "        below the root is followed, so nothing outside the root is removed.\n"
        "  --prefix P  the prefix of the names to remove (default $AKL_PREFIX, else akl_inner_)\n"
        "  --dry-run   print what would be removed, remove nothing\n"
        "  --all       remove every chip's whole directory (links in it are removed, not\n"
        "              followed), then the root if it is empty\n"
        "  --json      one JSON object: {\"root\",\"dry_run\",\"all\",\"removed\":[..],\"ok\"}\n"
        "\n"
        "Cleaning while a simulated device is in use is safe for the files but not for what\n"
        "is already loaded: a scheduler keeps running the code it has loaded, and the next\n"
        "load of an SO whose file was removed publishes it again.\n",
        CMN_TEMP_MAX_AGE_S);
}

/* Deepest directory --all descends into below a chip directory (the simulator makes 6 levels). */
#define SIM_TREE_DEPTH_MAX 64

typedef enum sim_file_kind {
    SIM_FILE_OTHER,
    SIM_FILE_PUBLISHED,
    SIM_FILE_TEMPORARY,
    SIM_FILE_FOREIGN, /* published or temporary form, of another prefix */
    SIM_FILE_LEDGER,  /* the collector's byte count of a prefix (docs/protocol.md section 16) */
} sim_file_kind_t;

typedef struct sim_published_name {
    uint64_t fingerprint;
    int32_t device;
    size_t prefix_len; /* of the published name */
    long writer_pid;   /* temporaries only: the writer's pid, from the name */
} sim_published_name_t;

typedef struct sim_options {
    bool json;
    bool dry_run;
    bool all;
    bool has_device;
    int32_t device;
    const char *prefix; /* --prefix, else NULL: $AKL_PREFIX or AKL_DEFAULT_PREFIX */
    char prefix_buf[SIM_NAME_MAX + 1];
} sim_options_t;

/* Parses "<prefix><16 lowercase hex>_<device>.so" from the len characters at name: the loader's
 * own rule (so_name.h), so that what akl names is exactly what akl recognises. */
static bool sim_parse_published(const char *name, size_t len, sim_published_name_t *out)
{
    cmn_so_name_parts_t parts;
    if (!cmn_so_name_parse(name, len, &parts))
        return false;
    out->fingerprint = parts.fingerprint;
    out->device = parts.device;
    out->prefix_len = parts.prefix_len;
    return true;
}

/* Whether name is a temporary the dispatcher writes for a published name, by its own rule
 * (src/common/temps.h): anything else under such a name is the user's and is never cleaned. */
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
        if (cmn_temp_of(name, published, &pid)) {
            out->writer_pid = (long)pid;
            return true;
        }
    }
    return false;
}

/* Whether the published name starting at name (or at name + 1 for a temporary) carries prefix:
 * what precedes its "<16 hex>_<device>.so" is exactly prefix. */
static bool sim_has_prefix(const char *published, const sim_published_name_t *parsed,
                           const char *prefix)
{
    return parsed->prefix_len == strlen(prefix) &&
           strncmp(published, prefix, parsed->prefix_len) == 0;
}

/* ".<prefix>" AKL_GC_LEDGER_SUFFIX, of any prefix. */
static bool sim_is_ledger(const char *name)
{
    size_t len = strlen(name), suffix = strlen(AKL_GC_LEDGER_SUFFIX);
    return name[0] == '.' && len > suffix + 1 &&
           strcmp(name + len - suffix, AKL_GC_LEDGER_SUFFIX) == 0;
}

/* What a directory entry is, for akl's prefix; for a published, temporary or foreign one, out
 * describes the published name. */
static sim_file_kind_t sim_classify(const char *name, const char *prefix, sim_published_name_t *out)
{
    if (sim_parse_published(name, strlen(name), out))
        return sim_has_prefix(name, out, prefix) ? SIM_FILE_PUBLISHED : SIM_FILE_FOREIGN;
    if (sim_parse_temporary(name, out))
        return sim_has_prefix(name + 1, out, prefix) ? SIM_FILE_TEMPORARY : SIM_FILE_FOREIGN;
    return sim_is_ledger(name) ? SIM_FILE_LEDGER : SIM_FILE_OTHER;
}

static const char *sim_kind_name(sim_file_kind_t kind)
{
    if (kind == SIM_FILE_LEDGER)
        return "ledger";
    return kind == SIM_FILE_PUBLISHED   ? "published"
           : kind == SIM_FILE_TEMPORARY ? "temporary"
           : kind == SIM_FILE_FOREIGN   ? "foreign"
                                        : "other";
}

static bool sim_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Opens the directory rel below dirfd one component at a time, each O_NOFOLLOW: a symbolic link
 * on the way is never followed (ELOOP, or ENOTDIR). Returns the descriptor, or -1 with errno. */
static int sim_open_below(int dirfd, const char *rel)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && *rel != '\0') {
        char part[NAME_MAX + 1];
        size_t len = strcspn(rel, "/");
        if (len == 0 || len > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(part, rel, len);
        part[len] = '\0';
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(fd);
        errno = err;
        fd = next;
        rel += len + (rel[len] == '/');
    }
    return fd;
}

/* The preinstall directory of a chip, reached from the root without following any link. */
static int sim_open_preinstall(const char *root, long chip)
{
    char rel[64 + sizeof SIM_PREINSTALL_SUBDIR];
    snprintf(rel, sizeof rel, "chip%ld/%s", chip, SIM_PREINSTALL_SUBDIR);
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    int fd = sim_open_below(rootfd, rel);
    int err = errno;
    close(rootfd);
    errno = err;
    return fd;
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
        struct stat st;
        /* A chip<k> that is a link leads out of the root: it is not a chip. */
        if (k < 0 || fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISDIR(st.st_mode))
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

/* The entry names of the directory dir_fd (regular files and others, not . and ..), sorted;
 * caller frees each. dir_fd stays the caller's. */
static size_t sim_list_names(int dir_fd, char ***names)
{
    *names = NULL;
    int scan_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = scan_fd >= 0 ? fdopendir(scan_fd) : NULL;
    if (!dir) {
        if (scan_fd >= 0)
            close(scan_fd);
        return 0;
    }
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

/* True when the regular file name in dir_fd hashes to the fingerprint in its name. Never opens
 * anything but a regular file, and never through a link. */
static bool sim_file_intact(int dir_fd, const char *name, uint64_t fingerprint)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    void *data = NULL;
    size_t size = 0;
    bool intact =
        cmn_read_fd(fd, SIZE_MAX, &data, &size) == 0 && akl_fingerprint(data, size) == fingerprint;
    free(data);
    close(fd);
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

static void sim_describe_entry(int dir_fd, const char *name, const char *prefix, sim_entry_t *entry)
{
    memset(entry, 0, sizeof *entry);
    entry->name = name;
    entry->kind = sim_classify(name, prefix, &entry->published);
    struct stat st;
    entry->size = -1;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        entry->size = (long long)st.st_size;
        entry->age_seconds = (long long)(time(NULL) - st.st_mtime);
    }
    if (entry->kind == SIM_FILE_PUBLISHED)
        entry->intact = sim_file_intact(dir_fd, name, entry->published.fingerprint);
    if (entry->kind == SIM_FILE_TEMPORARY)
        entry->stale = cmn_temp_stale(dir_fd, name, entry->published.writer_pid);
}

static void sim_ls_entry_text(const sim_entry_t *entry, const char *prefix)
{
    printf("    %-48s %10lld  %s", entry->name, entry->size, sim_kind_name(entry->kind));
    if (entry->kind == SIM_FILE_PUBLISHED)
        printf(" device %d, %s", entry->published.device,
               entry->intact ? "intact" : "BYTES DO NOT MATCH THE NAME");
    else if (entry->kind == SIM_FILE_TEMPORARY)
        printf(" (writer pid %ld, %lld s old, %s)", entry->published.writer_pid, entry->age_seconds,
               entry->stale ? "stale" : "publish in progress");
    else if (entry->kind == SIM_FILE_FOREIGN)
        printf(" (not of prefix '%s': another user's, left alone)", prefix);
    printf("\n");
}

static void sim_ls_entry_json(cli_json_t *json, const sim_entry_t *entry)
{
    cli_json_object_begin(json, NULL);
    cli_json_string(json, "name", entry->name);
    cli_json_int(json, "size", entry->size);
    cli_json_string(json, "kind", sim_kind_name(entry->kind));
    if (entry->kind == SIM_FILE_PUBLISHED || entry->kind == SIM_FILE_TEMPORARY ||
        entry->kind == SIM_FILE_FOREIGN) {
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
    int preinstall_fd = sim_open_preinstall(root, chip);
    int open_err = errno;
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
        cli_json_bool(json, "preinstall_exists", preinstall_fd >= 0);
        cli_json_array_begin(json, "files");
    } else {
        printf("chip%ld: %s\n  dies (devices):", chip, chip_dir);
        for (int d = 0; d < dies; d++)
            printf(" %ld", chip * dies + d);
        printf("\n  preinstall: %s%s%s\n", preinstall,
               preinstall_fd >= 0   ? ""
               : open_err == ENOENT ? " (does not exist)"
                                    : " (not a directory below the root: ",
               preinstall_fd >= 0 || open_err == ENOENT ? "" : "symbolic links are not followed)");
    }
    char **names = NULL;
    size_t n = preinstall_fd >= 0 ? sim_list_names(preinstall_fd, &names) : 0;
    for (size_t i = 0; i < n; i++) {
        sim_entry_t entry;
        sim_describe_entry(preinstall_fd, names[i], opts->prefix, &entry);
        if (opts->json)
            sim_ls_entry_json(json, &entry);
        else
            sim_ls_entry_text(&entry, opts->prefix);
    }
    if (preinstall_fd >= 0)
        close(preinstall_fd);
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
    if (sim_arch_get(&r->arch, CMN_MSG_ARRAY(r->problem)) != 0)
        return cli_fail("sim ls", "%s", r->problem);
    sim_emulator_t emu;
    if (r->arch.foreign && sim_arch_emulator(&r->arch, &emu, CMN_MSG_ARRAY(r->problem)) == 0)
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

static void sim_clean_remove_at(sim_clean_state_t *state, int dir_fd, const char *name,
                                const char *path)
{
    if (!state->opts->dry_run && unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
        cli_fail("sim clean", "cannot remove %s: %s", path, strerror(errno));
        state->failed++;
        return;
    }
    state->removed++;
    sim_clean_report(state, path);
}

/* Removes the published files and stale temporaries of the prefix: regular files only (a link of
 * such a name is left, never followed), each by name relative to the directory's descriptor. */
static void sim_clean_preinstall(sim_clean_state_t *state, const char *root, long chip,
                                 const char *preinstall)
{
    int dir_fd = sim_open_preinstall(root, chip);
    if (dir_fd < 0)
        return;
    char **names;
    size_t n = sim_list_names(dir_fd, &names);
    for (size_t i = 0; i < n; i++) {
        sim_published_name_t parsed;
        char path[SIM_PATH_MAX];
        struct stat st;
        sim_file_kind_t kind = sim_classify(names[i], state->opts->prefix, &parsed);
        if (kind != SIM_FILE_PUBLISHED && kind != SIM_FILE_TEMPORARY)
            continue;
        if (!sim_join(path, preinstall, names[i]) ||
            fstatat(dir_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (kind == SIM_FILE_TEMPORARY && !cmn_temp_stale(dir_fd, names[i], parsed.writer_pid))
            continue;
        sim_clean_remove_at(state, dir_fd, names[i], path);
    }
    sim_free_names(names, n);
    close(dir_fd);
}

/* Removes name below dir_fd and, if it is a directory, all it holds: every step by name relative
 * to its parent's descriptor with O_NOFOLLOW, so a link is removed itself, never followed. */
static int sim_remove_tree_at(int dir_fd, const char *name, int depth)
{
    struct stat st;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
    if (depth > SIM_TREE_DEPTH_MAX) {
        errno = ELOOP;
        return -1;
    }
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char **names;
    size_t n = sim_list_names(fd, &names);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = sim_remove_tree_at(fd, names[i], depth + 1);
    sim_free_names(names, n);
    close(fd);
    if (rc != 0)
        return rc;
    return unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

static void sim_clean_chip_tree(sim_clean_state_t *state, const char *root, long chip,
                                const char *chip_dir)
{
    char name[32];
    snprintf(name, sizeof name, "chip%ld", chip);
    int root_fd = state->opts->dry_run ? -1 : open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!state->opts->dry_run && (root_fd < 0 || sim_remove_tree_at(root_fd, name, 0) != 0)) {
        cli_fail("sim clean", "cannot remove all of %s: %s", chip_dir, strerror(errno));
        state->failed++;
        if (root_fd >= 0)
            close(root_fd);
        return;
    }
    if (root_fd >= 0)
        close(root_fd);
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
            sim_clean_chip_tree(&state, root, chips[i], chip_dir);
        else
            sim_clean_preinstall(&state, root, chips[i], preinstall);
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

/* akl's prefix: --prefix, else the one akl_basename applies by default ($AKL_PREFIX, else
 * AKL_DEFAULT_PREFIX), read back from a name it makes so that the rule is stated once, in libakl.
 * Either way it must be one libakl accepts. */
static int sim_resolve_prefix(const char *cmd, sim_options_t *opts)
{
    char name[SIM_NAME_MAX + 1];
    if (akl_basename(opts->prefix, 0, 0, name, sizeof name) != 0)
        return cli_usage_error(cmd, "%s '%s' is not a valid name prefix: %s",
                               opts->prefix ? "--prefix" : "$AKL_PREFIX",
                               opts->prefix ? opts->prefix : getenv("AKL_PREFIX"),
                               akl_last_error());
    size_t len = cmn_published_prefix_len(name);
    if (len == SIZE_MAX || len > SIM_NAME_MAX)
        return cli_usage_error(cmd, "cannot tell the name prefix from '%s'", name);
    memcpy(opts->prefix_buf, name, len);
    opts->prefix_buf[len] = '\0';
    opts->prefix = opts->prefix_buf;
    return CLI_EXIT_OK;
}

static int sim_parse(const char *cmd, int argc, char **argv, bool is_ls, sim_options_t *opts)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"device", required_argument, NULL, 'd'},
        {"dry-run", no_argument, NULL, 'n'},
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {"prefix", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
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
        } else if (c == 'p') {
            opts->prefix = optarg;
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
    return sim_resolve_prefix(cmd, opts);
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
