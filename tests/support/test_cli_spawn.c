/* Helpers for the tests of the akl CLI and the example programs (see test_cli_spawn.h). */
#define _GNU_SOURCE
#include "test_cli_spawn.h"

#include "test_support.h"

#include "json_text.h"
#include <json-c/json.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

#define TCLI_DEFAULT_TIMEOUT_MS 120000
#define TCLI_MAX_ARGS 32

void tcli_init(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

const char *tcli_bin(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/bin/%s", AKL_BUILD_DIR, name);
    return buf;
}

/* The environment of the child: ours, minus the names env overrides, plus env. */
static char **tcli_make_env(const char *const *env)
{
    size_t ours = 0, extra = 0;
    while (environ[ours])
        ours++;
    while (env && env[extra])
        extra++;
    char **out = calloc(ours + extra + 1, sizeof *out);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < ours; i++) {
        bool overridden = false;
        for (size_t j = 0; j < extra && !overridden; j++) {
            size_t len = strcspn(env[j], "=");
            overridden = strncmp(environ[i], env[j], len) == 0 && environ[i][len] == '=';
        }
        if (!overridden)
            out[n++] = environ[i];
    }
    for (size_t j = 0; j < extra; j++)
        out[n++] = (char *)env[j];
    return out;
}

int tcli_spawn(const char *const *argv, const char *const *env, tcli_proc_t *proc)
{
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    char **envp = tcli_make_env(env);
    int rc =
        envp ? posix_spawn(&proc->pid, argv[0], &actions, NULL, (char *const *)argv, envp) : ENOMEM;
    free(envp);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        errno = rc;
        return -1;
    }
    proc->out_fd = out_pipe[0];
    proc->err_fd = err_pipe[0];
    fcntl(proc->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(proc->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
}

typedef struct tcli_buf {
    char *data;
    size_t len;
    size_t cap;
} tcli_buf_t;

/* Reads what fd has now into buf. Returns false at end of file (fd is then closed, set to -1). */
static bool tcli_drain(int *fd, tcli_buf_t *buf)
{
    for (;;) {
        if (buf->cap - buf->len < 4096) {
            size_t cap = buf->cap ? 2 * buf->cap : 16384;
            char *grown = realloc(buf->data, cap);
            if (!grown)
                return true;
            buf->data = grown;
            buf->cap = cap;
        }
        ssize_t n = read(*fd, buf->data + buf->len, buf->cap - buf->len - 1);
        if (n > 0) {
            buf->len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        close(*fd);
        *fd = -1;
        return false;
    }
}

static char *tcli_take(tcli_buf_t *buf, size_t *len)
{
    if (!buf->data)
        buf->data = malloc(1);
    if (buf->data)
        buf->data[buf->len] = 0;
    *len = buf->len;
    return buf->data;
}

/* The pipes may stay open after the program exits (a device scheduler it started inherits them),
 * so the end is the program's exit, after which what is already in the pipes is collected. */
int tcli_finish(tcli_proc_t *proc, int timeout_ms, tcli_result_t *result)
{
    memset(result, 0, sizeof *result);
    tcli_buf_t out = {0}, err = {0};
    uint64_t deadline = t_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    int status = 0;
    bool exited = false, timed_out = false;
    while (!exited) {
        struct pollfd fds[2] = {{proc->out_fd, POLLIN, 0}, {proc->err_fd, POLLIN, 0}};
        poll(fds, 2, 20);
        if (proc->out_fd >= 0)
            tcli_drain(&proc->out_fd, &out);
        if (proc->err_fd >= 0)
            tcli_drain(&proc->err_fd, &err);
        exited = waitpid(proc->pid, &status, WNOHANG) == proc->pid;
        if (!exited && t_now_ns() >= deadline) {
            kill(proc->pid, SIGKILL);
            waitpid(proc->pid, &status, 0);
            exited = timed_out = true;
        }
    }
    if (proc->out_fd >= 0)
        tcli_drain(&proc->out_fd, &out);
    if (proc->err_fd >= 0)
        tcli_drain(&proc->err_fd, &err);
    if (proc->out_fd >= 0)
        close(proc->out_fd);
    if (proc->err_fd >= 0)
        close(proc->err_fd);
    proc->out_fd = proc->err_fd = -1;
    result->out = tcli_take(&out, &result->out_len);
    result->err = tcli_take(&err, &result->err_len);
    result->exit_code = !timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return timed_out ? -1 : 0;
}

int tcli_run(const char *const *argv, const char *const *env, tcli_result_t *result)
{
    tcli_proc_t proc;
    if (tcli_spawn(argv, env, &proc) != 0) {
        memset(result, 0, sizeof *result);
        result->exit_code = -1;
        result->out = calloc(1, 1);
        result->err = strdup("spawn failed");
        return -1;
    }
    return tcli_finish(&proc, TCLI_DEFAULT_TIMEOUT_MS, result);
}

int tcli_run_program(tcli_result_t *result, const char *const *env, const char *program, ...)
{
    const char *argv[TCLI_MAX_ARGS];
    char bin[4096];
    int n = 0;
    argv[n++] = tcli_bin(program, bin, sizeof bin);
    va_list ap;
    va_start(ap, program);
    for (const char *a = va_arg(ap, const char *); a && n < TCLI_MAX_ARGS - 1;
         a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return tcli_run(argv, env, result);
}

void tcli_result_free(tcli_result_t *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof *result);
}

/* Live (non-zombie) processes whose parent is us; zombies are reaped on the way. */
static bool tcli_children_gone(void *arg)
{
    (void)arg;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    DIR *dir = opendir("/proc");
    if (!dir)
        return false;
    pid_t self = getpid();
    int live = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300];
        if (snprintf(path, sizeof path, "/proc/%s/stat", e->d_name) >= (int)sizeof path)
            continue;
        char *text = t_read_file(path, NULL);
        char *paren = text ? strrchr(text, ')') : NULL;
        char state = 0;
        int ppid = 0;
        if (paren && sscanf(paren + 2, "%c %d", &state, &ppid) == 2 && ppid == self && state != 'Z')
            live++;
        free(text);
    }
    closedir(dir);
    return live == 0;
}

bool tcli_no_leftover_processes(int timeout_ms)
{
    return t_wait_until(tcli_children_gone, NULL, timeout_ms);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

#define TCLI_JSON_MAX_DEPTH 64

static const char *tcli_json_value(const char *p, int depth);

static const char *tcli_json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *tcli_json_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p != '\\')
            continue;
        p++;
        if (*p == 'u') {
            for (int i = 1; i <= 4; i++)
                if (!isxdigit((unsigned char)p[i]))
                    return NULL;
            p += 4;
        } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
            return NULL;
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *tcli_json_number(const char *p)
{
    const char *start = p;
    if (*p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return NULL;
    if (*p == '0' && isdigit((unsigned char)p[1]))
        return NULL;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p > start ? p : NULL;
}

/* Parses the members of an object or the elements of an array after its opening bracket. */
static const char *tcli_json_container(const char *p, int depth, char close, bool keyed)
{
    p = tcli_json_ws(p);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keyed) {
            p = tcli_json_string(tcli_json_ws(p));
            if (!p)
                return NULL;
            p = tcli_json_ws(p);
            if (*p++ != ':')
                return NULL;
        }
        p = tcli_json_value(p, depth + 1);
        if (!p)
            return NULL;
        p = tcli_json_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *tcli_json_value(const char *p, int depth)
{
    if (depth > TCLI_JSON_MAX_DEPTH)
        return NULL;
    p = tcli_json_ws(p);
    switch (*p) {
    case '{':
        return tcli_json_container(p + 1, depth, '}', true);
    case '[':
        return tcli_json_container(p + 1, depth, ']', false);
    case '"':
        return tcli_json_string(p);
    case 't':
        return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return tcli_json_number(p);
    }
}

/* Strictly, as a consumer in another language would read it: well-formed UTF-8 throughout, then
 * json-c's strict tokener, then nothing but whitespace after the object. */
bool tcli_json_is_object(const char *text)
{
    size_t len = strlen(text);
    if (!akl_json_text_is_utf8(text, len) || len > INT32_MAX)
        return false;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return false;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    bool ok = obj && json_tokener_get_error(tok) == json_tokener_success &&
              json_object_is_type(obj, json_type_object) &&
              *tcli_json_ws(text + json_tokener_get_parse_end(tok)) == 0;
    json_object_put(obj);
    json_tokener_free(tok);
    return ok;
}

bool tcli_json_get(const char *text, const char *key, char *out, size_t cap)
{
    char pattern[256];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(text, pattern);
    if (!p || cap == 0)
        return false;
    p = tcli_json_ws(p + strlen(pattern));
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"' && n + 1 < cap; p++) {
            if (*p == '\\' && p[1])
                p++;
            out[n++] = *p;
        }
    } else {
        const char *end = tcli_json_value(p, 0);
        if (!end)
            return false;
        while (p < end && n + 1 < cap)
            out[n++] = *p++;
    }
    out[n] = 0;
    return true;
}

/* ---- cmocka checks and fixtures -------------------------------------------------------------- */

void tcli_assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, text);
}

void tcli_expect_json_value(const char *json, const char *key, const char *want)
{
    char got[4096];
    if (!tcli_json_get(json, key, got, sizeof got))
        fail_msg("no \"%s\" in %s", key, json);
    if (strcmp(got, want) != 0)
        fail_msg("\"%s\" is \"%s\", want \"%s\" in %s", key, got, want, json);
}

void tcli_expect_valid_json(const char *text)
{
    if (!tcli_json_is_object(text))
        fail_msg("not one strictly valid UTF-8 JSON object:\n%s", text);
}

void tcli_expect_exit(const tcli_result_t *result, int exit_code)
{
    if (result->exit_code != exit_code)
        fail_msg("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", result->exit_code, exit_code,
                 result->out, result->err);
}

int tcli_reset_root(void **state)
{
    (void)state;
    t_rmtree(t_sim_root());
    return 0;
}

int tcli_check_and_reset_root(void **state)
{
    assert_true(tcli_no_leftover_processes(30000));
    return tcli_reset_root(state);
}
