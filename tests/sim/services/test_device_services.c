/* Tests of the device-side CANN services (src/sim/services), in-process: DlogRecord's line format
 * and file, CheckLogLevel and the ASCEND_GLOBAL_LOG_LEVEL filter on stderr, intact lines from
 * concurrent writers, halGetDeviceInfo's answers and errors, sim_services_init's errors, and the
 * test kernel svck_services resolving the services from this program as it would from the
 * scheduler. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "device_services.h"
#include "services_setup.h"
#include "sim_paths.h"
#include "svck_abi.h"
#include "test_support.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DS_DEVICE 3
#define DS_THREADS 8
#define DS_LINES_PER_THREAD 400
#define DS_MODULE_AICPU 36

/* [LEVEL] module(<id>) <pid>:<tid> <YYYY-MM-DD-HH:MM:SS.mmm.uuu> <message> */
#define DS_LINE_PATTERN                                                                            \
    "^\\[(DEBUG|INFO|WARNING|ERROR|EVENT)\\] module\\(([0-9]+)\\) ([0-9]+):([0-9]+) "              \
    "[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}\\.[0-9]{3} (.*)$"

typedef struct ds_state {
    char base[PATH_MAX];           /* removed at the end */
    char log_path[PATH_MAX + 128]; /* the current test's log file */
    regex_t line_re;
} ds_state_t;

static int ds_group_setup(void **state)
{
    ds_state_t *st = calloc(1, sizeof *st);
    assert_non_null(st);
    assert_non_null(t_sim_root_or_temp("services", st->base, sizeof st->base));
    mkdir(st->base, 0755);
    assert_int_equal(regcomp(&st->line_re, DS_LINE_PATTERN, REG_EXTENDED), 0);
    *state = st;
    return 0;
}

static int ds_group_teardown(void **state)
{
    ds_state_t *st = *state;
    sim_services_fini();
    regfree(&st->line_re);
    t_rmtree(st->base);
    free(st);
    return 0;
}

/* Each test: a fresh log file under the base, the default environment, the services set up. */
static int ds_setup(void **state)
{
    ds_state_t *st = *state;
    static int serial;
    unsetenv("ASCEND_GLOBAL_LOG_LEVEL");
    unsetenv("AKL_SIM_AICPU_THREADS");
    snprintf(st->log_path, sizeof st->log_path, "%s/t%d/var/log/npu/slog/device-%d/device-%d.log",
             st->base, ++serial, DS_DEVICE, DS_DEVICE);
    char err[256];
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    return 0;
}

static int ds_teardown(void **state)
{
    (void)state;
    sim_services_fini();
    unsetenv("ASCEND_GLOBAL_LOG_LEVEL");
    unsetenv("AKL_SIM_AICPU_THREADS");
    return 0;
}

static char *ds_read_log(const ds_state_t *st)
{
    char *text = t_read_file(st->log_path, NULL);
    assert_non_null(text);
    return text;
}

static size_t ds_count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Matches one line (without its newline) and returns its level and message via the groups. */
static void ds_parse_line(const ds_state_t *st, const char *line, char *level, size_t level_cap,
                          int *module, char *message, size_t message_cap)
{
    regmatch_t m[6];
    int rc = regexec(&st->line_re, line, 6, m, 0);
    if (rc != 0)
        fail_msg("log line does not have the format: '%s'", line);
    snprintf(level, level_cap, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
    *module = atoi(line + m[2].rm_so);
    assert_int_equal(atoi(line + m[3].rm_so), (int)getpid());
    snprintf(message, message_cap, "%.*s", (int)(m[5].rm_eo - m[5].rm_so), line + m[5].rm_so);
}

/* ---- format and file ---- */

static void test_log_line_format(void **state)
{
    ds_state_t *st = *state;
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "hello %d from %s", 42, "kernel");
    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), 1);
    text[strlen(text) - 1] = '\0';
    char level[16], message[256];
    int module = -1;
    ds_parse_line(st, text, level, sizeof level, &module, message, sizeof message);
    assert_string_equal(level, "ERROR");
    assert_int_equal(module, DS_MODULE_AICPU);
    assert_string_equal(message, "hello 42 from kernel");
    free(text);
}

static void test_log_levels_and_module_mask(void **state)
{
    ds_state_t *st = *state;
    static const struct {
        int level;
        const char *name;
    } cases[] = {{DLOG_DEBUG, "DEBUG"},
                 {DLOG_INFO, "INFO"},
                 {DLOG_WARN, "WARNING"},
                 {DLOG_ERROR, "ERROR"},
                 {DLOG_EVENT, "EVENT"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        DlogRecord(0x01000000 | DS_MODULE_AICPU, cases[i].level, "case %zu", i);
    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), 5);
    char *save = NULL;
    size_t i = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        char level[16], message[64], want[64];
        int module = -1;
        ds_parse_line(st, line, level, sizeof level, &module, message, sizeof message);
        assert_string_equal(level, cases[i].name);
        assert_int_equal(module, DS_MODULE_AICPU); /* the log-mask bits are not the module */
        snprintf(want, sizeof want, "case %zu", i);
        assert_string_equal(message, want);
    }
    free(text);
}

static void test_log_rejects_bad_input(void **state)
{
    ds_state_t *st = *state;
    /* Through a pointer, so the compiler's format check lets the NULL format through. */
    void (*dlog)(int, int, const char *, ...) = DlogRecord;
    dlog(DS_MODULE_AICPU, DLOG_ERROR, NULL);
    DlogRecord(DS_MODULE_AICPU, DLOG_NULL, "null level");
    DlogRecord(DS_MODULE_AICPU, -1, "negative level");
    DlogRecord(DS_MODULE_AICPU, 7, "unknown level");
    char *text = ds_read_log(st);
    assert_string_equal(text, "");
    free(text);
}

static void test_log_one_line_per_record(void **state)
{
    ds_state_t *st = *state;
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "first\nsecond\r\nthird\n\n");
    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), 1);
    assert_non_null(strstr(text, " first second  third\n"));
    free(text);
}

static void test_log_long_message_is_cut(void **state)
{
    ds_state_t *st = *state;
    char big[3 * SIM_SERVICES_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "%s", big);
    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), 1);
    text[strlen(text) - 1] = '\0';
    char level[16];
    char *message = malloc(sizeof big);
    assert_non_null(message);
    int module;
    ds_parse_line(st, text, level, sizeof level, &module, message, sizeof big);
    assert_int_equal(strlen(message), SIM_SERVICES_MSG_MAX);
    assert_int_equal(strspn(message, "x"), strlen(message));
    free(message);
    free(text);
}

static void test_log_keeps_errno(void **state)
{
    (void)state;
    errno = ENOSPC;
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "errno stays");
    assert_int_equal(errno, ENOSPC);
}

/* The one parse of $AKL_SIM_AICPU_THREADS: unset or empty is the default; a decimal 1..256 is
 * taken; anything else (zero, too many, a sign, a suffix, text, an overflow) is refused. */
static void test_aicpu_cores_parse(void **state)
{
    (void)state;
    uint32_t n = 0;
    assert_true(sim_aicpu_cores_parse(NULL, &n));
    assert_int_equal(n, SIM_SERVICES_DEFAULT_AICPU_CORES);
    assert_true(sim_aicpu_cores_parse("", &n));
    assert_int_equal(n, SIM_SERVICES_DEFAULT_AICPU_CORES);
    assert_true(sim_aicpu_cores_parse("1", &n));
    assert_int_equal(n, 1);
    assert_true(sim_aicpu_cores_parse("0256", &n));
    assert_int_equal(n, 256);
    static const char *const bad[] = {"0", "257", "-1", "+4", "4x", " 4", "zero",
                                      "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = 7;
        if (sim_aicpu_cores_parse(bad[i], &n))
            fail_msg("\"%s\" was taken as %u", bad[i], n);
    }
}

static void test_log_appends_across_init(void **state)
{
    ds_state_t *st = *state;
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "one");
    char err[256];
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "two");
    sim_services_fini();
    sim_services_fini(); /* twice is fine */
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "after fini: not in the file");
    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), 2);
    assert_non_null(strstr(text, " one\n"));
    assert_non_null(strstr(text, " two\n"));
    assert_null(strstr(text, "after fini"));
    free(text);
    struct stat sb;
    assert_int_equal(stat(st->log_path, &sb), 0);
    mode_t mask = umask(0); /* the log is created 0644 less the process's umask */
    umask(mask);
    assert_int_equal(sb.st_mode & 0777, 0644 & ~mask);
}

static void test_log_path_of_device(void **state)
{
    (void)state;
    char path[SIM_PATH_MAX];
    const char *saved_log = getenv("ASCEND_PROCESS_LOG_PATH");
    char *keep_log = saved_log ? strdup(saved_log) : NULL;
    char *keep_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    /* CANN's places: $ASCEND_PROCESS_LOG_PATH, else ~/ascend/log; never the chip's tree. */
    setenv("ASCEND_PROCESS_LOG_PATH", "/logs/here", 1);
    assert_int_equal(sim_services_log_path(5, path, sizeof path), 0);
    assert_string_equal(path, "/logs/here/debug/device-5/device-5.log");
    unsetenv("ASCEND_PROCESS_LOG_PATH");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(sim_services_log_path(5, path, sizeof path), 0);
    assert_string_equal(path, "/home/someone/ascend/log/debug/device-5/device-5.log");
    assert_int_equal(sim_services_log_path(-1, path, sizeof path), -1);
    assert_int_equal(sim_services_log_path(5, path, 8), -1);
    assert_int_equal(sim_services_log_path(5, NULL, 0), -1);
    if (keep_log)
        setenv("ASCEND_PROCESS_LOG_PATH", keep_log, 1);
    if (keep_home)
        setenv("HOME", keep_home, 1);
    free(keep_log);
    free(keep_home);
}

/* ---- stderr and the level ---- */

typedef struct ds_capture {
    int saved;
    int read_end;
} ds_capture_t;

static ds_capture_t ds_capture_stderr(void)
{
    int fds[2];
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    fflush(stderr);
    ds_capture_t cap = {dup(STDERR_FILENO), fds[0]};
    assert_true(cap.saved >= 0);
    assert_int_equal(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
    close(fds[1]);
    return cap;
}

/* Restores stderr and returns what was written to it (malloc'd). */
static char *ds_end_capture(ds_capture_t cap)
{
    dup2(cap.saved, STDERR_FILENO);
    close(cap.saved);
    size_t len = 0, room = 4096;
    char *out = malloc(room);
    assert_non_null(out);
    for (;;) {
        if (len + 1 >= room) {
            room *= 2;
            out = realloc(out, room);
            assert_non_null(out);
        }
        ssize_t n = read(cap.read_end, out + len, room - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(cap.read_end);
    out[len] = '\0';
    return out;
}

static void ds_log_every_level(void)
{
    DlogRecord(DS_MODULE_AICPU, DLOG_DEBUG, "at debug");
    DlogRecord(DS_MODULE_AICPU, DLOG_INFO, "at info");
    DlogRecord(DS_MODULE_AICPU, DLOG_WARN, "at warn");
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "at error");
    DlogRecord(DS_MODULE_AICPU, DLOG_EVENT, "at event");
}

/* Re-inits with ASCEND_GLOBAL_LOG_LEVEL=value (NULL: unset) and checks which levels reach stderr
 * (expected: 5 flags, DEBUG..ERROR then EVENT) and CheckLogLevel; the file always gets all five. */
static void ds_check_threshold(ds_state_t *st, const char *value, const int expected[5])
{
    static const int levels[5] = {DLOG_DEBUG, DLOG_INFO, DLOG_WARN, DLOG_ERROR, DLOG_EVENT};
    static const char *const words[5] = {" at debug\n", " at info\n", " at warn\n", " at error\n",
                                         " at event\n"};
    if (value)
        setenv("ASCEND_GLOBAL_LOG_LEVEL", value, 1);
    else
        unsetenv("ASCEND_GLOBAL_LOG_LEVEL");
    char err[256];
    assert_int_equal(truncate(st->log_path, 0), 0);
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    ds_capture_t cap = ds_capture_stderr();
    ds_log_every_level();
    char *seen = ds_end_capture(cap);
    char *file = ds_read_log(st);
    for (int i = 0; i < 5; i++) {
        if ((strstr(seen, words[i]) != NULL) != (expected[i] != 0))
            fail_msg("ASCEND_GLOBAL_LOG_LEVEL=%s: level %d %s on stderr: '%s'",
                     value ? value : "(unset)", levels[i], expected[i] ? "missing" : "present",
                     seen);
        assert_int_equal(CheckLogLevel(DS_MODULE_AICPU, levels[i]), expected[i]);
        assert_non_null(strstr(file, words[i]));
    }
    assert_int_equal(CheckLogLevel(DS_MODULE_AICPU, DLOG_NULL), 0);
    assert_int_equal(CheckLogLevel(DS_MODULE_AICPU, 99), 0);
    free(file);
    free(seen);
}

static void test_stderr_follows_global_log_level(void **state)
{
    ds_state_t *st = *state;
    static const int default_level[5] = {0, 0, 0, 1, 1};
    ds_check_threshold(st, NULL, default_level);
    ds_check_threshold(st, "", default_level);
    ds_check_threshold(st, "9", default_level);
    ds_check_threshold(st, "1x", default_level);
    static const int debug[5] = {1, 1, 1, 1, 1};
    ds_check_threshold(st, "0", debug);
    static const int info[5] = {0, 1, 1, 1, 1};
    ds_check_threshold(st, "1", info);
    static const int warn[5] = {0, 0, 1, 1, 1};
    ds_check_threshold(st, "2", warn);
    static const int error[5] = {0, 0, 0, 1, 1};
    ds_check_threshold(st, "3", error);
    static const int none[5] = {0, 0, 0, 0, 0};
    ds_check_threshold(st, "4", none);
}

static void test_stderr_line_has_the_format(void **state)
{
    ds_state_t *st = *state;
    ds_capture_t cap = ds_capture_stderr();
    DlogRecord(DS_MODULE_AICPU, DLOG_ERROR, "to stderr %d", 7);
    char *seen = ds_end_capture(cap);
    assert_int_equal(ds_count_lines(seen), 1);
    seen[strlen(seen) - 1] = '\0';
    char level[16], message[64];
    int module;
    ds_parse_line(st, seen, level, sizeof level, &module, message, sizeof message);
    assert_string_equal(message, "to stderr 7");
    free(seen);
}

/* ---- concurrency ---- */

typedef struct ds_writer {
    pthread_t thread;
    int id;
} ds_writer_t;

static void *ds_writer_main(void *arg)
{
    const ds_writer_t *w = arg;
    /* Long lines make a torn write likely if writes were not whole lines. */
    char pad[600];
    memset(pad, 'a' + w->id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < DS_LINES_PER_THREAD; i++)
        DlogRecord(DS_MODULE_AICPU, DLOG_INFO, "writer %d line %d %s", w->id, i, pad);
    return NULL;
}

static void test_concurrent_writers_keep_lines_intact(void **state)
{
    ds_state_t *st = *state;
    ds_writer_t writers[DS_THREADS];
    for (int t = 0; t < DS_THREADS; t++) {
        writers[t].id = t;
        assert_int_equal(pthread_create(&writers[t].thread, NULL, ds_writer_main, &writers[t]), 0);
    }
    for (int t = 0; t < DS_THREADS; t++)
        pthread_join(writers[t].thread, NULL);

    char *text = ds_read_log(st);
    assert_int_equal(ds_count_lines(text), DS_THREADS * DS_LINES_PER_THREAD);
    static unsigned char seen[DS_THREADS][DS_LINES_PER_THREAD];
    memset(seen, 0, sizeof seen);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char level[16], message[1024];
        int module, id = -1, no = -1, end = 0;
        ds_parse_line(st, line, level, sizeof level, &module, message, sizeof message);
        assert_int_equal(sscanf(message, "writer %d line %d %n", &id, &no, &end), 2);
        assert_in_range(id, 0, DS_THREADS - 1);
        assert_in_range(no, 0, DS_LINES_PER_THREAD - 1);
        assert_int_equal(strlen(message + end), 599);
        assert_int_equal(strspn(message + end, (char[]){(char)('a' + id), 0}), 599);
        assert_int_equal(seen[id][no], 0);
        seen[id][no] = 1;
    }
    free(text);
}

/* ---- halGetDeviceInfo ---- */

static void test_device_info_answers(void **state)
{
    (void)state;
    int64_t value = -1;
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &value),
                     DRV_ERROR_NONE);
    assert_int_equal(value, 0x1);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value),
                     DRV_ERROR_NONE);
    assert_int_equal(value, SIM_SERVICES_DEFAULT_AICPU_CORES);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_PF_CORE_NUM, &value),
                     DRV_ERROR_NONE);
    assert_int_equal(value, SIM_SERVICES_DEFAULT_AICPU_CORES);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OCCUPY, &value),
                     DRV_ERROR_NONE);
    assert_int_equal(value, 0xfc); /* a2's user cores 2..7 (docs/cann-facts.md §5.4) */
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_PF_OCCUPY, &value),
                     DRV_ERROR_NONE);
    assert_int_equal(value, 0xfc);
    assert_int_equal(SIM_SERVICES_DEFAULT_AICPU_CORES, 6);
}

static void test_device_info_core_count_from_environment(void **state)
{
    ds_state_t *st = *state;
    char err[256];
    int64_t value = 0;
    setenv("AKL_SIM_AICPU_THREADS", "4", 1);
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value), 0);
    assert_int_equal(value, 4);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OCCUPY, &value), 0);
    assert_int_equal(value, 0x3c);

    setenv("AKL_SIM_AICPU_THREADS", "100", 1);
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value), 0);
    assert_int_equal(value, 100);
    value = 77;
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OCCUPY, &value),
                     DRV_ERROR_NOT_SUPPORT);
    assert_int_equal(value, 77);

    setenv("AKL_SIM_AICPU_THREADS", "zero", 1);
    assert_int_equal(sim_services_init(DS_DEVICE, st->log_path, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value), 0);
    assert_int_equal(value, SIM_SERVICES_DEFAULT_AICPU_CORES);
}

static void test_device_info_errors(void **state)
{
    (void)state;
    int64_t value = 99;
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, NULL),
                     DRV_ERROR_INVALID_VALUE);
    /* Inside the AICPU process 0 is this device; its host id (DS_DEVICE) and any other fail with
     * rc 1, as measured on hardware (docs/cann-facts.md §5.4). */
    assert_int_equal(halGetDeviceInfo(DS_DEVICE, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &value),
                     DRV_ERROR_NO_DEVICE);
    assert_int_equal(halGetDeviceInfo(DS_DEVICE + 1, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value),
                     DRV_ERROR_NO_DEVICE);
    assert_int_equal(halGetDeviceInfo(UINT32_MAX, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &value),
                     DRV_ERROR_NO_DEVICE);
    assert_int_equal(DRV_ERROR_NO_DEVICE, 1);
    static const int32_t unsupported[][2] = {
        {MODULE_TYPE_SYSTEM, INFO_TYPE_VERSION},
        {MODULE_TYPE_CCPU, INFO_TYPE_CORE_NUM},
        {MODULE_TYPE_DCPU, INFO_TYPE_OS_SCHED},
        {MODULE_TYPE_AICORE, INFO_TYPE_CORE_NUM},
        {MODULE_TYPE_AICPU, INFO_TYPE_FREQUE},
        {MODULE_TYPE_AICPU, INFO_TYPE_ENV},
        {MODULE_TYPE_AICPU, -1},
        {-1, INFO_TYPE_CORE_NUM},
        {MODULE_TYPE_AICPU, INT32_MAX},
        {0x8000, INFO_TYPE_CORE_NUM},
    };
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        assert_int_equal(halGetDeviceInfo(0, unsupported[i][0], unsupported[i][1], &value),
                         DRV_ERROR_NOT_SUPPORT);
    assert_int_equal(value, 99); /* never written on failure */
    assert_int_equal(DRV_ERROR_NOT_SUPPORT, 0xfffe);
    assert_int_equal(DRV_ERROR_INVALID_VALUE, 3);

    sim_services_fini();
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &value),
                     DRV_ERROR_UNINIT);
}

/* ---- init ---- */

static void test_init_errors(void **state)
{
    ds_state_t *st = *state;
    char err[512], path[PATH_MAX + 64];
    assert_int_equal(sim_services_init(-1, st->log_path, CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "-1"));

    assert_int_equal(sim_services_init(DS_DEVICE, "", CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "empty"));

    /* A parent that is a regular file. */
    snprintf(path, sizeof path, "%s/plainfile", st->base);
    assert_int_equal(t_write_file(path, "x", 1), 0);
    snprintf(path, sizeof path, "%s/plainfile/sub/device.log", st->base);
    assert_int_equal(sim_services_init(DS_DEVICE, path, CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "plainfile"));
    assert_non_null(strstr(err, "Not a directory"));

    /* The log file is a directory. */
    snprintf(path, sizeof path, "%s/adir", st->base);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(sim_services_init(DS_DEVICE, path, CMN_MSG_ARRAY(err)), -1);
    assert_non_null(strstr(err, "adir"));

    /* No error buffer is fine; a failed init keeps the previous setup. */
    assert_int_equal(sim_services_init(-5, NULL, NULL), -1);
    int64_t value = 0;
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &value), 0);

    /* No log file: stderr only, and the device answers. */
    assert_int_equal(sim_services_init(DS_DEVICE + 1, NULL, CMN_MSG_ARRAY(err)), 0);
    assert_int_equal(halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_OS_SCHED, &value), 0);
    DlogRecord(DS_MODULE_AICPU, DLOG_DEBUG, "nowhere to go");
}

/* ---- the test kernel ---- */

static void test_kernel_uses_the_services(void **state)
{
    ds_state_t *st = *state;
    char path[PATH_MAX];
    void *so = dlopen(t_kernel_path("libsvck_services.so", path, sizeof path), RTLD_NOW);
    if (!so)
        fail_msg("dlopen %s: %s", path, dlerror());
    uint32_t (*kernel)(void *) = (uint32_t(*)(void *))dlsym(so, "svck_services");
    assert_non_null(kernel);

    svck_result_t result;
    memset(&result, 0, sizeof result);
    svck_args_t args = {(uint64_t)(uintptr_t)&result, DS_DEVICE, 4242};
    assert_int_equal(kernel(&args), 0);
    assert_int_equal(result.done, 1);
    assert_int_equal(result.rc_os_sched, DRV_ERROR_NONE);
    assert_int_equal(result.os_sched, 0x1);
    assert_int_equal(result.rc_core_num, DRV_ERROR_NONE);
    assert_int_equal(result.core_num, SIM_SERVICES_DEFAULT_AICPU_CORES);
    assert_int_equal(result.rc_other_device, DRV_ERROR_NO_DEVICE);
    assert_int_equal(result.other_device_value, SVCK_UNTOUCHED);
    assert_int_equal(result.rc_null_value, DRV_ERROR_INVALID_VALUE);
    assert_int_equal(result.rc_unsupported, DRV_ERROR_NOT_SUPPORT);
    assert_int_equal(result.check_error, 1);
    assert_int_equal(result.check_debug, 0);
    dlclose(so);

    char want[128];
    snprintf(want, sizeof want, " " SVCK_LOG_FORMAT "\n", 4242U, (unsigned)DS_DEVICE);
    char *text = ds_read_log(st);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "[ERROR] module(36) "));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log_line_format, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_levels_and_module_mask, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_rejects_bad_input, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_one_line_per_record, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_long_message_is_cut, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_keeps_errno, ds_setup, ds_teardown),
        cmocka_unit_test(test_aicpu_cores_parse),
        cmocka_unit_test_setup_teardown(test_log_appends_across_init, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_log_path_of_device, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_stderr_follows_global_log_level, ds_setup,
                                        ds_teardown),
        cmocka_unit_test_setup_teardown(test_stderr_line_has_the_format, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers_keep_lines_intact, ds_setup,
                                        ds_teardown),
        cmocka_unit_test_setup_teardown(test_device_info_answers, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_device_info_core_count_from_environment, ds_setup,
                                        ds_teardown),
        cmocka_unit_test_setup_teardown(test_device_info_errors, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_init_errors, ds_setup, ds_teardown),
        cmocka_unit_test_setup_teardown(test_kernel_uses_the_services, ds_setup, ds_teardown),
    };
    return t_run_group_tests(tests, ds_group_setup, ds_group_teardown);
}
