/* Helpers shared by the akl commands: exit codes, option and number parsing, reading files,
 * progress lines and the JSON writer's names, so that every command behaves the same way. */
#ifndef AKL_CLI_COMMON_H
#define AKL_CLI_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json_text.h"

/* Exit codes of every command. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

/* Prints "akl <cmd>: <message>" and a hint to stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "akl <cmd>: <message>" to stderr; returns CLI_EXIT_FAILURE. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls getopt_long with diagnostics turned off and turns its '?' and ':' answers into a usage
 * message naming the option. Returns the option, -1 at the end, or '?' after printing the error.
 * shortopts must start with ':'. The caller resets optind to 0 before the first call. */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/* One option of a command, for cli_parse_options: "--<name>", and where its value goes. */
typedef enum cli_option_kind {
    CLI_OPTION_FLAG,   /* no value: *(bool *)target = true */
    CLI_OPTION_STRING, /* *(const char **)target = the value */
    CLI_OPTION_I32,    /* a decimal in [min, max]: *(int32_t *)target */
    CLI_OPTION_U32,    /* a decimal in [min, max]: *(uint32_t *)target */
    CLI_OPTION_U64,    /* a decimal in [min, max]: *(uint64_t *)target */
    CLI_OPTION_SIZE,   /* a size with an optional K/M/G suffix in [min, max]: *(uint64_t *)target */
    CLI_OPTION_CUSTOM, /* parse(cmd, value, target): 0, or -1 after its own usage error */
} cli_option_kind_t;
typedef struct cli_option {
    const char *name; /* NULL ends the table */
    cli_option_kind_t kind;
    void *target;
    int64_t min;
    uint64_t max;
    int (*parse)(const char *cmd, const char *value, void *target); /* CLI_OPTION_CUSTOM */
} cli_option_t;

/* Parses argv's options by the table (plus --help, which prints usage to stdout) with the same
 * messages as cli_getopt and the number parsers. Returns CLI_EXIT_OK with optind at the first
 * operand, -1 after --help, or CLI_EXIT_USAGE after printing the error. */
int cli_parse_options(const char *cmd, int argc, char **argv, const cli_option_t *options,
                      void (*usage)(FILE *out));

/* Strict decimal parsing of an option's value into [min, max]; prints a usage error naming the
 * option and returns -1 on failure. */
int cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out);
int cli_parse_i64(const char *cmd, const char *option, const char *text, int64_t min, int64_t max,
                  int64_t *out);
/* Like cli_parse_u64, accepting a K, M or G suffix (powers of 1024). */
int cli_parse_size(const char *cmd, const char *option, const char *text, uint64_t min,
                   uint64_t max, uint64_t *out);

/* Reads a whole regular file into a malloc'd buffer; anything else (a FIFO, a directory) is
 * refused without waiting on it. Returns 0, or -1 with "<path>: <cause>" in err. */
int cli_read_file(const char *path, void **data, size_t *size, char *err, size_t err_cap);

/* "<AKL_ENAME> (<code>): <message>" for a failed akl call, using the thread's akl_last_error()
 * when there is one, else akl_strerror(code). */
const char *cli_akl_error(int code, char *buf, size_t cap);

/* Progress lines on stderr, shown only when stderr is a terminal or --progress asked. */
typedef struct cli_progress {
    const char *cmd;
    bool enabled;
} cli_progress_t;
void cli_progress_init(cli_progress_t *progress, const char *cmd, bool forced);
void cli_progress(const cli_progress_t *progress, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Lowercase hex of size bytes into out (2 * size + 1 bytes). */
void cli_hex(const void *data, size_t size, char *out);

/* The CLI's JSON is written with the writer it shares with the bench and the examples
 * (src/common/host/json_text.h: one compact object per document, always valid UTF-8, a non-UTF-8
 * value replaced and its exact bytes in "<key>_hex"). These are its names in the command files. */
typedef akl_json_t cli_json_t;

static inline void cli_json_begin(cli_json_t *json, FILE *out)
{
    akl_json_begin(json, out);
}
static inline void cli_json_end(cli_json_t *json)
{
    if (akl_json_end(json) != 0)
        fputs("akl: the JSON output could not be built or written (out of memory, or stdout "
              "closed)\n",
              stderr);
}
static inline void cli_json_object_begin(cli_json_t *json, const char *key)
{
    akl_json_object_begin(json, key);
}
static inline void cli_json_object_end(cli_json_t *json)
{
    akl_json_object_end(json);
}
static inline void cli_json_array_begin(cli_json_t *json, const char *key)
{
    akl_json_array_begin(json, key);
}
static inline void cli_json_array_end(cli_json_t *json)
{
    akl_json_array_end(json);
}
static inline void cli_json_string(cli_json_t *json, const char *key, const char *value)
{
    akl_json_string(json, key, value);
}
static inline void cli_json_int(cli_json_t *json, const char *key, int64_t value)
{
    akl_json_int(json, key, value);
}
static inline void cli_json_uint(cli_json_t *json, const char *key, uint64_t value)
{
    akl_json_uint(json, key, value);
}
static inline void cli_json_double(cli_json_t *json, const char *key, double value)
{
    akl_json_double(json, key, value);
}
static inline void cli_json_bool(cli_json_t *json, const char *key, bool value)
{
    akl_json_bool(json, key, value);
}
/* {"code":..,"name":..,"message":..} of a failed akl call under key. */
void cli_json_akl_error(cli_json_t *json, const char *key, int code);

#endif /* AKL_CLI_COMMON_H */
