/* akl_unresolved_symbols_*: the undefined symbols of a runtime SO that nothing on the device is
 * known to provide, so that `akl check` (and a load, in the log) can say so before the first call
 * to one ends the device's scheduler.
 *
 * What the device provides is not readable from the host, so it is approximated (docs/errors.md,
 * "Undefined symbols"): every symbol defined by this host's libc, libm, libdl, libpthread,
 * libstdc++, libgcc_s (libstdc++'s own dependency) and dynamic loader, read from their .dynsym
 * with libelf, plus the fixed list of services the AICPU scheduler exports to kernels. Names are
 * compared without symbol versions. A library missing on the host is skipped. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "elf_check.h"
#include "errors.h"
#include "exports.h"
#include "file_io.h"
#include "options.h"
#include "runtime.h"
#include "unresolved.h"

/* What the AICPU scheduler exports to the kernels it loads (src/sim/scheduler: the simulator's
 * scheduler exports exactly these; CANN's aicpu_scheduler provides them under the same names). */
static const char *const akl_device_services[] = {
    "AicpuGetBlockIdx", "AicpuGetBlockNum", "CheckLogLevel", "DlogRecord", "halGetDeviceInfo",
};

/* The libraries every device process has, by the names the dynamic loader knows them by. */
static const char *const akl_device_libraries[] = {
    "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "libstdc++.so.6", "libgcc_s.so.1",
};
#define AKL_DEVICE_LIBRARY_COUNT (sizeof akl_device_libraries / sizeof akl_device_libraries[0])

/* The provided names, read once per process: global state, because reading seven system libraries
 * per check or load would cost milliseconds; it is read-only once built. */
static pthread_once_t akl_provided_once = PTHREAD_ONCE_INIT;
static akl_exports_t *akl_provided;

typedef struct akl_found_libraries {
    char path[AKL_DEVICE_LIBRARY_COUNT][4096];
    char loader[4096]; /* the dynamic loader (ld-linux-*.so.*): __tls_get_addr and friends */
    char libc_dir[4096];
} akl_found_libraries_t;

static const char *akl_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int akl_note_loaded(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    akl_found_libraries_t *found = ctx;
    const char *path = info->dlpi_name;
    if (!path || path[0] != '/')
        return 0;
    const char *base = akl_base_name(path);
    if (strncmp(base, "ld-", 3) == 0 || strncmp(base, "ld64", 4) == 0)
        snprintf(found->loader, sizeof found->loader, "%s", path);
    for (size_t i = 0; i < AKL_DEVICE_LIBRARY_COUNT; i++) {
        if (strcmp(base, akl_device_libraries[i]) == 0)
            snprintf(found->path[i], sizeof found->path[i], "%s", path);
    }
    if (strcmp(base, "libc.so.6") == 0)
        snprintf(found->libc_dir, sizeof found->libc_dir, "%.*s", (int)(base - path - 1), path);
    return 0;
}

/* A library this process has not loaded (libstdc++ in a C program): beside libc, or in the usual
 * library directories. */
static void akl_search_library(const akl_found_libraries_t *found, size_t which, char *out,
                               size_t cap)
{
    const char *dirs[] = {found->libc_dir, "/usr/lib64", "/lib64", "/usr/lib", "/lib"};
    char usr_dir[4200];
    snprintf(usr_dir, sizeof usr_dir, "/usr%s", found->libc_dir);
    for (size_t d = 0; d <= sizeof dirs / sizeof dirs[0]; d++) {
        const char *dir = d < sizeof dirs / sizeof dirs[0] ? dirs[d] : usr_dir;
        if (!dir[0])
            continue;
        int n = snprintf(out, cap, "%s/%s", dir, akl_device_libraries[which]);
        if (n > 0 && (size_t)n < cap && access(out, R_OK) == 0)
            return;
    }
    out[0] = '\0';
}

static bool akl_is_provided_symbol(const GElf_Sym *sym)
{
    unsigned bind = GELF_ST_BIND(sym->st_info);
    unsigned visibility = GELF_ST_VISIBILITY(sym->st_other);
    return sym->st_shndx != SHN_UNDEF &&
           (bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE) &&
           (visibility == STV_DEFAULT || visibility == STV_PROTECTED);
}

/* Adds a system library's defined symbols; an unreadable one is skipped (returns 0). */
static int akl_add_library(akl_exports_t *set, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    void *image = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (image == MAP_FAILED)
        return 0;
    int rc = akl_exports_add_from(set, image, (size_t)st.st_size, akl_is_provided_symbol);
    munmap(image, (size_t)st.st_size);
    return rc == -2 ? -2 : 0;
}

static void akl_provided_build(void)
{
    akl_found_libraries_t *found = calloc(1, sizeof *found);
    akl_exports_t *set = akl_exports_new();
    int rc = found && set ? 0 : -2;
    if (rc == 0)
        dl_iterate_phdr(akl_note_loaded, found);
    for (size_t i = 0; rc == 0 && i < AKL_DEVICE_LIBRARY_COUNT; i++) {
        if (!found->path[i][0])
            akl_search_library(found, i, found->path[i], sizeof found->path[i]);
        if (found->path[i][0])
            rc = akl_add_library(set, found->path[i]);
    }
    if (rc == 0 && found->loader[0])
        rc = akl_add_library(set, found->loader);
    for (size_t i = 0; rc == 0 && i < sizeof akl_device_services / sizeof akl_device_services[0];
         i++)
        rc = akl_exports_add_name(set, akl_device_services[i]);
    if (rc == 0)
        rc = akl_exports_finish(set);
    free(found);
    if (rc != 0) {
        akl_exports_free(set);
        return;
    }
    akl_provided = set;
}

typedef struct akl_unresolved_list {
    const akl_exports_t *provided;
    char **names;
    size_t count, capacity;
    size_t bytes; /* of the names, NULs included */
    bool out_of_memory;
} akl_unresolved_list_t;

static int akl_note_undefined(void *ctx, const char *name, const GElf_Sym *sym)
{
    akl_unresolved_list_t *list = ctx;
    /* A weak reference may stay unresolved (it reads as NULL): only strong ones kill the call. */
    if (sym->st_shndx != SHN_UNDEF || GELF_ST_BIND(sym->st_info) != STB_GLOBAL ||
        akl_exports_has(list->provided, name, strlen(name)))
        return 0;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 16;
        char **names = realloc(list->names, capacity * sizeof *names);
        if (!names) {
            list->out_of_memory = true;
            return -2;
        }
        list->names = names;
        list->capacity = capacity;
    }
    char *copy = strdup(name);
    if (!copy) {
        list->out_of_memory = true;
        return -2;
    }
    list->names[list->count++] = copy;
    list->bytes += strlen(name) + 1;
    return 0;
}

/* Packs the names into one block: the NULL-terminated array, then the strings. */
static int akl_unresolved_pack(const akl_unresolved_list_t *list, char ***out)
{
    size_t table = (list->count + 1) * sizeof(char *);
    char **block = malloc(table + list->bytes);
    if (!block)
        return akl_fail(AKL_ENOMEM, "cannot allocate the list of %zu unresolved symbols",
                        list->count);
    char *text = (char *)block + table;
    for (size_t i = 0; i < list->count; i++) {
        size_t length = strlen(list->names[i]) + 1;
        memcpy(text, list->names[i], length);
        block[i] = text;
        text += length;
    }
    block[list->count] = NULL;
    *out = block;
    return 0;
}

int akl_unresolved_list(const void *data, size_t size, const char *what, char ***names,
                        size_t *count)
{
    pthread_once(&akl_provided_once, akl_provided_build);
    if (!akl_provided)
        return akl_fail(AKL_ENOMEM, "%s: cannot allocate the table of symbols the device provides",
                        what);
    akl_unresolved_list_t list = {.provided = akl_provided};
    /* -1 (no readable .dynsym) leaves nothing to list; -2 is out of memory. */
    akl_elf_each_dynsym(data, size, akl_note_undefined, &list);
    int rc = list.out_of_memory
                 ? akl_fail(AKL_ENOMEM, "%s: out of memory listing unresolved symbols", what)
                 : akl_unresolved_pack(&list, names);
    if (rc == 0)
        *count = list.count;
    for (size_t i = 0; i < list.count; i++)
        free(list.names[i]);
    free(list.names);
    return rc;
}

static int akl_unresolved_prepare(const akl_load_options_t *opts, char ***names, size_t *count,
                                  akl_elf_rules_t *rules)
{
    if (!names || !count)
        return akl_fail(AKL_EINVAL, "akl_unresolved_symbols: %s is NULL",
                        names ? "count" : "names");
    *names = NULL;
    *count = 0;
    const akl_runtime_t *rt;
    int rc = akl_runtime_get(&rt);
    if (rc != 0)
        return rc;
    akl_options_t resolved;
    rc = akl_options_resolve(opts, &resolved);
    if (rc != 0)
        return rc;
    rules->machine = rt->machine;
    rules->max_size = resolved.max_size;
    rules->kernels = resolved.kernels;
    return 0;
}

int akl_unresolved_symbols_data(const void *data, size_t size, const akl_load_options_t *opts,
                                char ***names, size_t *count)
{
    akl_elf_rules_t rules;
    int rc = akl_unresolved_prepare(opts, names, count, &rules);
    if (rc == 0)
        rc = akl_elf_validate(data, size, "<memory>", &rules);
    if (rc == 0)
        rc = akl_unresolved_list(data, size, "<memory>", names, count);
    return rc;
}

int akl_unresolved_symbols_file(const char *path, const akl_load_options_t *opts, char ***names,
                                size_t *count)
{
    akl_elf_rules_t rules;
    int rc = akl_unresolved_prepare(opts, names, count, &rules);
    if (rc != 0)
        return rc;
    void *data = NULL;
    size_t size = 0;
    rc = akl_read_file(path, rules.max_size, &data, &size);
    if (rc == 0)
        rc = akl_elf_validate(data, size, path, &rules);
    if (rc == 0)
        rc = akl_unresolved_list(data, size, path, names, count);
    free(data);
    return rc;
}
