/* The installed CANN release: parsing and ordering CANN's version strings, and reading the one an
 * install records. The files and their order are documented in docs/architecture.md ("Minimum
 * CANN version"); their formats are those of a CANN 8.1.RC1 toolkit tree. */
#define _GNU_SOURCE
#include "cann_version.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Version files are a few hundred bytes; anything larger is not one. */
#define AKL_VERSION_FILE_MAX 65536

static bool akl_parse_uint(const char **p, unsigned *out)
{
    if (!isdigit((unsigned char)**p))
        return false;
    unsigned long value = 0;
    while (isdigit((unsigned char)**p)) {
        value = value * 10 + (unsigned long)(**p - '0');
        if (value > 1000000)
            return false;
        (*p)++;
    }
    *out = (unsigned)value;
    return true;
}

/* ".alpha003", "-beta.1", "-rc2": a label of letters and an optional number. */
static bool akl_parse_pre_release(const char **p, akl_cann_version_t *out)
{
    if (**p != '.' && **p != '-')
        return false;
    (*p)++;
    size_t n = 0;
    while (isalpha((unsigned char)(*p)[n]))
        n++;
    if (n == 0 || n >= sizeof out->pre_label)
        return false;
    for (size_t i = 0; i < n; i++)
        out->pre_label[i] = (char)tolower((unsigned char)(*p)[i]);
    out->pre_label[n] = 0;
    *p += n;
    if (**p == '.')
        (*p)++;
    if (isdigit((unsigned char)**p) && !akl_parse_uint(p, &out->pre_number))
        return false;
    out->final = false;
    return true;
}

bool akl_cann_version_parse(const char *text, akl_cann_version_t *out)
{
    memset(out, 0, sizeof *out);
    out->final = true;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (!akl_parse_uint(&p, &out->major) || *p++ != '.' || !akl_parse_uint(&p, &out->minor))
        return false;
    bool third = false;
    if (*p == '.' && strncasecmp(p + 1, "RC", 2) == 0 && isdigit((unsigned char)p[3])) {
        p += 3;
        out->candidate = true;
        third = akl_parse_uint(&p, &out->number);
    } else if (*p == '.' && isdigit((unsigned char)p[1])) {
        p++;
        third = akl_parse_uint(&p, &out->number);
    }
    /* A pre-release suffix qualifies a whole release: "8.0.RC2.alpha003", "9.0.0-beta.1". */
    if (third && (*p == '.' || *p == '-') && !akl_parse_pre_release(&p, out))
        return false;
    while (isspace((unsigned char)*p))
        p++;
    return *p == 0;
}

static int akl_cmp_uint(unsigned a, unsigned b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

int akl_cann_version_compare(const akl_cann_version_t *a, const akl_cann_version_t *b)
{
    int c = akl_cmp_uint(a->major, b->major);
    if (c == 0)
        c = akl_cmp_uint(a->minor, b->minor);
    /* Release candidates come before the numbered releases of the same major.minor. */
    if (c == 0)
        c = akl_cmp_uint(!a->candidate, !b->candidate);
    if (c == 0)
        c = akl_cmp_uint(a->number, b->number);
    if (c == 0)
        c = akl_cmp_uint(a->final, b->final);
    if (c == 0 && !a->final) {
        int label = strcmp(a->pre_label, b->pre_label);
        c = label < 0 ? -1 : label > 0 ? 1 : akl_cmp_uint(a->pre_number, b->pre_number);
    }
    return c;
}

/* Someone else's file must not decide what this process loads: root's, or ours, and not writable by
 * anyone else. */
static bool akl_version_file_trusted(const struct stat *st)
{
    return S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
           (st->st_mode & S_IWOTH) == 0 && st->st_size < AKL_VERSION_FILE_MAX;
}

static bool akl_read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && akl_version_file_trusted(&st);
    size_t used = 0;
    while (ok && used < cap - 1) {
        ssize_t n = read(fd, buf + used, cap - 1 - used);
        if (n < 0)
            ok = false;
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = 0;
    return ok;
}

/* The value of the line "<key><value>" (key includes its '='), with a trailing "]" and anything
 * up to the last ':' removed when bracketed ("[7.7.0.1.238:8.1.RC1]" gives "8.1.RC1"). */
static bool akl_find_key(const char *text, const char *key, char *value, size_t cap)
{
    size_t key_length = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, key, key_length) != 0)
            continue;
        const char *start = line + key_length;
        size_t length = strcspn(start, "\r\n");
        if (*start == '[') {
            const char *colon = memrchr(start, ':', length);
            const char *close = memchr(start, ']', length);
            if (!colon || !close || close < colon)
                return false;
            start = colon + 1;
            length = (size_t)(close - start);
        }
        if (length == 0 || length >= cap)
            return false;
        memcpy(value, start, length);
        value[length] = 0;
        return true;
    }
    return false;
}

typedef struct akl_version_file {
    const char *relative; /* "%s" is the host's <arch> */
    const char *key;
} akl_version_file_t;

static const akl_version_file_t akl_version_files[] = {
    {"ascend_toolkit_install.info", "version="},
    {"%s-linux/ascend_toolkit_install.info", "version="},
    {"runtime/version.info", "version_dir="},
    {"version.info", "version_dir="},
    {"version.cfg", "runtime_running_version="},
};

static bool akl_try_version_file(const char *root, const akl_version_file_t *file, const char *arch,
                                 char *version, size_t version_cap, char *source, size_t source_cap)
{
    char relative[128];
    char path[4096];
    char value[AKL_CANN_VERSION_MAX];
    akl_cann_version_t parsed;
    snprintf(relative, sizeof relative, file->relative, arch);
    if (snprintf(path, sizeof path, "%s/%s", root, relative) >= (int)sizeof path)
        return false;
    /* On the heap: resolution may run on a thread with a small stack. */
    char *text = malloc(AKL_VERSION_FILE_MAX);
    bool found = text && akl_read_small_file(path, text, AKL_VERSION_FILE_MAX) &&
                 akl_find_key(text, file->key, value, sizeof value) &&
                 akl_cann_version_parse(value, &parsed);
    free(text);
    if (!found)
        return false;
    snprintf(version, version_cap, "%s", value);
    snprintf(source, source_cap, "%s", path);
    return true;
}

bool akl_cann_version_find(const char *const *roots, size_t root_count, char *version,
                           size_t version_cap, char *source, size_t source_cap)
{
    struct utsname host;
    const char *arch = uname(&host) == 0 ? host.machine : "aarch64";
    for (size_t r = 0; r < root_count; r++) {
        if (!roots[r] || !roots[r][0])
            continue;
        for (size_t f = 0; f < sizeof akl_version_files / sizeof akl_version_files[0]; f++) {
            if (akl_try_version_file(roots[r], &akl_version_files[f], arch, version, version_cap,
                                     source, source_cap))
                return true;
        }
    }
    return false;
}
