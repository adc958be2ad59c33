/* Helpers for the tests of the akl CLI and the example programs: run a program with extra
 * environment, capture its stdout, stderr and exit code under a deadline; check that the test left
 * no process behind; read the JSON those programs print; and the cmocka checks and fixtures those
 * tests share. */
#ifndef AKL_TEST_CLI_SPAWN_H
#define AKL_TEST_CLI_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A program started by tcli_spawn and not yet finished. */
typedef struct tcli_proc {
    pid_t pid;
    int out_fd;
    int err_fd;
} tcli_proc_t;

typedef struct tcli_result {
    int exit_code; /* the exit status, or -1 if it was killed or timed out */
    char *out;     /* NUL-terminated, never NULL after tcli_finish */
    size_t out_len;
    char *err;
    size_t err_len;
} tcli_result_t;

/* Makes this test process the subreaper of everything it starts, so processes its children leave
 * behind (the simulated devices' schedulers) become its own and tcli_no_leftover_processes() can
 * see them. Call once at the start. */
void tcli_init(void);

/* "<build dir>/bin/<name>" into buf. */
const char *tcli_bin(const char *name, char *buf, size_t cap);

/* Starts argv[0] (a path) with argv and the current environment plus env ("NAME=value" entries,
 * overriding; NULL-terminated; may be NULL). Returns 0, or -1 if it could not start. */
int tcli_spawn(const char *const *argv, const char *const *env, tcli_proc_t *proc);
/* Collects the output of proc and waits for it, at most timeout_ms; kills it when the deadline
 * passes. Returns 0 if it exited by itself, -1 otherwise. */
int tcli_finish(tcli_proc_t *proc, int timeout_ms, tcli_result_t *result);
/* tcli_spawn + tcli_finish with a 120 s deadline. */
int tcli_run(const char *const *argv, const char *const *env, tcli_result_t *result);
/* tcli_run of "<build dir>/bin/<program>" with the NULL-terminated arguments after program (at
 * most 30) and env as in tcli_spawn. */
int tcli_run_program(tcli_result_t *result, const char *const *env, const char *program, ...);
void tcli_result_free(tcli_result_t *result);

/* Waits (up to timeout_ms) until no process this test started, or inherited as subreaper, is alive;
 * reaps the zombies. Returns true if none is left. */
bool tcli_no_leftover_processes(int timeout_ms);

/* True when text is exactly one JSON object (surrounding whitespace allowed), valid UTF-8 and
 * accepted by json-c's strict parser. */
bool tcli_json_is_object(const char *text);
/* Finds the first member named key at any depth and copies its value into out: a string without
 * its quotes (escapes \" and \\ undone), anything else as its raw text. Returns false if absent. */
bool tcli_json_get(const char *text, const char *key, char *out, size_t cap);

/* cmocka checks that show the program's output when they fail. */
void tcli_assert_contains(const char *text, const char *needle);
void tcli_expect_json_value(const char *json, const char *key, const char *want);
/* Fails unless tcli_json_is_object(text). */
void tcli_expect_valid_json(const char *text);
void tcli_expect_exit(const tcli_result_t *result, int exit_code);

/* cmocka fixtures: start from an empty simulator root; and, after a test, first wait until none of
 * its processes is left, then empty the root. */
int tcli_reset_root(void **state);
int tcli_check_and_reset_root(void **state);

#endif /* AKL_TEST_CLI_SPAWN_H */
