/* Helpers shared by the akl commands: exit codes, option and number parsing, reading files,
 * progress lines and the JSON of a failed akl call. */
#define _GNU_SOURCE
#include "cli_common.h"

#include "fd_io.h"

#include <akl/akl.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "akl %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'akl %s --help'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "akl %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_FAILURE;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    opterr = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    /* optind has moved past the offending word, which names the option as the user typed it. */
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':')
        cli_usage_error(cmd, "option '%s' needs a value", word);
    else if (optopt && strncmp(word, "--", 2) != 0)
        cli_usage_error(cmd, "unknown option '-%c'", optopt);
    else
        cli_usage_error(cmd, "unknown option '%s'", word);
    return '?';
}

/* Stores one option's value by its kind; 0, or -1 after a usage error naming the option. */
static int cli_store_option(const char *cmd, const cli_option_t *option, const char *value)
{
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", option->name);
    int64_t i64;
    uint64_t u64;
    switch (option->kind) {
    case CLI_OPTION_FLAG:
        *(bool *)option->target = true;
        return 0;
    case CLI_OPTION_STRING:
        *(const char **)option->target = value;
        return 0;
    case CLI_OPTION_I32:
        if (cli_parse_i64(cmd, flag, value, option->min, (int64_t)option->max, &i64) != 0)
            return -1;
        *(int32_t *)option->target = (int32_t)i64;
        return 0;
    case CLI_OPTION_U32:
        if (cli_parse_u64(cmd, flag, value, (uint64_t)option->min, option->max, &u64) != 0)
            return -1;
        *(uint32_t *)option->target = (uint32_t)u64;
        return 0;
    case CLI_OPTION_U64:
        return cli_parse_u64(cmd, flag, value, (uint64_t)option->min, option->max,
                             (uint64_t *)option->target);
    case CLI_OPTION_SIZE:
        return cli_parse_size(cmd, flag, value, (uint64_t)option->min, option->max,
                              (uint64_t *)option->target);
    case CLI_OPTION_CUSTOM:
        return option->parse(cmd, value, option->target);
    }
    return -1;
}

#define CLI_OPTIONS_MAX 16

int cli_parse_options(const char *cmd, int argc, char **argv, const cli_option_t *options,
                      void (*usage)(FILE *out))
{
    struct option longopts[CLI_OPTIONS_MAX + 2];
    size_t n = 0;
    for (; options[n].name && n < CLI_OPTIONS_MAX; n++) {
        bool has_value = options[n].kind != CLI_OPTION_FLAG;
        /* getopt's answer is the option's index, offset past every character it could return. */
        longopts[n] = (struct option){options[n].name, has_value ? required_argument : no_argument,
                                      NULL, 256 + (int)n};
    }
    longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 0;
    int c;
    while ((c = cli_getopt(cmd, argc, argv, ":h", longopts)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c < 256 || cli_store_option(cmd, &options[c - 256], optarg) != 0)
            return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int parse_u64_text(const char *text, uint64_t *out, char **end)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, end, 10);
    if (errno != 0)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out)
{
    uint64_t v;
    char *end;
    if (parse_u64_text(text, &v, &end) != 0 || *end || v < min || v > max) {
        cli_usage_error(cmd, "%s: '%s' is not an integer in %" PRIu64 "..%" PRIu64, option,
                        text ? text : "", min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_i64(const char *cmd, const char *option, const char *text, int64_t min, int64_t max,
                  int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = text && *text ? strtoll(text, &end, 10) : 0;
    if (!text || !*text || errno != 0 || *end || isspace((unsigned char)text[0]) || v < min ||
        v > max) {
        cli_usage_error(cmd, "%s: '%s' is not an integer in %" PRId64 "..%" PRId64, option,
                        text ? text : "", min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int size_suffix_shift(const char *suffix)
{
    if (!*suffix)
        return 0;
    if (suffix[1] && !(suffix[1] == 'B' && !suffix[2]) &&
        !(suffix[1] == 'i' && suffix[2] == 'B' && !suffix[3]))
        return -1;
    switch (*suffix) {
    case 'k':
    case 'K':
        return 10;
    case 'M':
        return 20;
    case 'G':
        return 30;
    default:
        return -1;
    }
}

int cli_parse_size(const char *cmd, const char *option, const char *text, uint64_t min,
                   uint64_t max, uint64_t *out)
{
    uint64_t v;
    char *end;
    int shift = -1;
    if (parse_u64_text(text, &v, &end) == 0)
        shift = size_suffix_shift(end);
    if (shift < 0 || v > (UINT64_MAX >> shift) || (v << shift) < min || (v << shift) > max) {
        cli_usage_error(
            cmd, "%s: '%s' is not a size in %" PRIu64 "..%" PRIu64 " bytes (suffixes K, M, G)",
            option, text ? text : "", min, max);
        return -1;
    }
    *out = v << shift;
    return 0;
}

int cli_read_file(const char *path, void **data, size_t *size, char *err, size_t err_cap)
{
    /* O_NONBLOCK: a FIFO without a writer must not hang the command; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, err_cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_cap, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n ? n : 1);
    if (!buf) {
        snprintf(err, err_cap, "%s: out of memory for %zu bytes", path, n);
        close(fd);
        return -1;
    }
    size_t got = 0;
    int failed = cmn_read_full(fd, buf, n, &got);
    if (failed != 0 || got < n) {
        /* A short read: the file shrank while we read it. */
        snprintf(err, err_cap, "%s: read failed: %s", path, strerror(failed ? failed : EIO));
        free(buf);
        close(fd);
        return -1;
    }
    close(fd);
    *data = buf;
    *size = n;
    return 0;
}

const char *cli_akl_error(int code, char *buf, size_t cap)
{
    const char *detail = akl_last_error();
    if (!detail || !*detail)
        detail = akl_strerror(code);
    snprintf(buf, cap, "%s (%d): %s", akl_errname(code), code, detail);
    return buf;
}

void cli_progress_init(cli_progress_t *progress, const char *cmd, bool forced)
{
    progress->cmd = cmd;
    progress->enabled = forced || isatty(STDERR_FILENO);
}

void cli_progress(const cli_progress_t *progress, const char *fmt, ...)
{
    if (!progress->enabled)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "akl %s: ", progress->cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_hex(const void *data, size_t size, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * size] = 0;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

void cli_json_akl_error(cli_json_t *json, const char *key, int code)
{
    const char *detail = akl_last_error();
    cli_json_object_begin(json, key);
    cli_json_int(json, "code", code);
    cli_json_string(json, "name", akl_errname(code));
    cli_json_string(json, "message", detail && *detail ? detail : akl_strerror(code));
    cli_json_object_end(json);
}
