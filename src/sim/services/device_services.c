/* The device-side CANN services of the simulated AICPU scheduler: slog logging (DlogRecord,
 * CheckLogLevel) into a per-device log file and stderr, and the driver's halGetDeviceInfo. */
#define _GNU_SOURCE
#include "device_services.h"
#include "services_setup.h"

#include "sim_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "msgbuf.h"

#define SVC_LOG_SUBDIR "debug" /* CANN's debug logs: <root>/debug/device-<id>/ */
#define SVC_HEADER_MAX 128
/* A die's AICPUs as measured on a2 (docs/cann-facts.md §5.4): cpu 0 runs the AICPU OS scheduler,
 * cpu 1 is fused off, the user pool starts at cpu 2 (6 cores: OCCUPY 0xfc). */
#define SVC_OS_SCHED_MASK 0x1
#define SVC_FIRST_USER_CPU 2
#define SVC_MAX_OCCUPY_CORES 61 /* cpus 2..n+1 must fit in the int64_t bitmap */

/* The process's one service state, as the design names it: the scheduler's device, its log file
 * and the settings read at init. The lock lets fini close the file while kernels log. */
typedef struct svc_state {
    pthread_rwlock_t lock;
    int log_fd;
    int32_t device_id; /* -1: not initialized */
    int stderr_level;  /* DLOG_DEBUG..DLOG_NULL */
    bool to_stdout;    /* ASCEND_LOG_PRINT_TO_STDOUT / ASCEND_SLOG_PRINT_TO_STDOUT is 1 */
    uint32_t aicpu_cores;
} svc_state_t;

static svc_state_t svc = {
    .lock = PTHREAD_RWLOCK_INITIALIZER,
    .log_fd = -1,
    .device_id = -1,
    .stderr_level = DLOG_ERROR,
    .aicpu_cores = SIM_SERVICES_DEFAULT_AICPU_CORES,
};

/* ---- settings ---- */

/* CANN: 0..4; unset, empty or anything else means the default, ERROR. */
static int svc_parse_log_level(const char *text)
{
    if (!text || text[0] < '0' || text[0] > '4' || text[1] != '\0')
        return DLOG_ERROR;
    return text[0] - '0';
}

/* An invalid $AKL_SIM_AICPU_THREADS is the default here: the scheduler, which sets up the services
 * with its own count, refuses one before it gets this far. */
static uint32_t svc_parse_aicpu_cores(const char *text)
{
    uint32_t cores;
    return sim_aicpu_cores_parse(text, &cores) ? cores : SIM_SERVICES_DEFAULT_AICPU_CORES;
}

/* CANN's DlogCheckEnvStdout (hicann/runtime src/dfx/log/liblog/slog/dlog_console.c): the newer
 * ASCEND_LOG_PRINT_TO_STDOUT wins when set, else the deprecated ASCEND_SLOG_PRINT_TO_STDOUT; only
 * "1" enables. */
static bool svc_parse_stdout(void)
{
    const char *text = getenv("ASCEND_LOG_PRINT_TO_STDOUT");
    if (!text)
        text = getenv("ASCEND_SLOG_PRINT_TO_STDOUT");
    return text && strcmp(text, "1") == 0;
}

static bool svc_level_valid(int level)
{
    return (level >= DLOG_DEBUG && level <= DLOG_ERROR) || level == DLOG_EVENT;
}

static bool svc_level_enabled(int level, int threshold)
{
    if (level == DLOG_EVENT)
        return threshold != DLOG_NULL;
    return level >= DLOG_DEBUG && level <= DLOG_ERROR && level >= threshold;
}

/* ---- the log file ---- */

/* mkdir -p of every directory above path (0700, as the whole simulator tree); an existing
 * directory is fine. The scheduler has checked the chip's tree before the log is opened. */
static int svc_make_parents(const char *path, cmn_msg_t *err)
{
    char dir[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof dir) {
        cmn_msg_set(err, "log path '%s' is longer than %d bytes", path, PATH_MAX - 1);
        return -1;
    }
    memcpy(dir, path, len + 1);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            cmn_msg_set(err, "cannot create log directory '%s': %s", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int svc_open_log(const char *path, cmn_msg_t *err)
{
    if (!*path) {
        cmn_msg_set(err, "log path is empty");
        return -1;
    }
    if (svc_make_parents(path, err) != 0)
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        cmn_msg_set(err, "cannot open log file '%s': %s", path, strerror(errno));
    return fd;
}

/* CANN's log root: $ASCEND_PROCESS_LOG_PATH, else ~/ascend/log (docs/cann-facts.md §5.4). */
static int svc_log_base(char *out, size_t cap)
{
    const char *base = getenv("ASCEND_PROCESS_LOG_PATH");
    int n;
    if (base && *base) {
        n = snprintf(out, cap, "%s", base);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd pw, *found = NULL;
            char buf[4096];
            if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) != 0 || !found)
                return -1;
            home = found->pw_dir;
        }
        n = snprintf(out, cap, "%s/ascend/log", home);
    }
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int sim_services_log_path(int32_t device_id, char *out, size_t cap)
{
    char base[SIM_PATH_MAX];
    if (!out || device_id < 0 || svc_log_base(base, sizeof base) != 0)
        return -1;
    int n = snprintf(out, cap, "%s/" SVC_LOG_SUBDIR "/device-%d/device-%d.log", base, device_id,
                     device_id);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Replaces the services' settings at once (readers see the old or the new ones, never a mix) and
 * closes the log file they replaced. */
static void svc_replace(int fd, int32_t device_id, int level, bool to_stdout, uint32_t aicpu_cores)
{
    pthread_rwlock_wrlock(&svc.lock);
    int old_fd = svc.log_fd;
    svc.log_fd = fd;
    svc.device_id = device_id;
    svc.stderr_level = level;
    svc.to_stdout = to_stdout;
    svc.aicpu_cores = aicpu_cores;
    pthread_rwlock_unlock(&svc.lock);
    if (old_fd >= 0)
        close(old_fd);
}

int sim_services_start(int32_t device_id, const char *log_path, uint32_t aicpu_cores,
                       cmn_msg_t *err)
{
    cmn_msg_clear(err);
    if (device_id < 0) {
        cmn_msg_set(err, "device id %d is negative", device_id);
        return -1;
    }
    if (aicpu_cores < 1 || aicpu_cores > SIM_SERVICES_MAX_AICPU_CORES) {
        cmn_msg_set(err, "AICPU core count %u is outside 1..%d", aicpu_cores,
                    SIM_SERVICES_MAX_AICPU_CORES);
        return -1;
    }
    int fd = -1;
    if (log_path) {
        fd = svc_open_log(log_path, err);
        if (fd < 0)
            return -1;
    }
    int level = svc_parse_log_level(getenv("ASCEND_GLOBAL_LOG_LEVEL"));
    bool to_stdout = svc_parse_stdout();

    svc_replace(fd, device_id, level, to_stdout, aicpu_cores);
    return 0;
}

int sim_services_init(int32_t device_id, const char *log_path, cmn_msg_t *err)
{
    return sim_services_start(device_id, log_path,
                              svc_parse_aicpu_cores(getenv("AKL_SIM_AICPU_THREADS")), err);
}

void sim_services_fini(void)
{
    svc_replace(-1, -1, DLOG_ERROR, false, SIM_SERVICES_DEFAULT_AICPU_CORES);
}

/* ---- DlogRecord ---- */

static const char *svc_level_name(int level)
{
    static const char *const names[] = {[DLOG_DEBUG] = "DEBUG",
                                        [DLOG_INFO] = "INFO",
                                        [DLOG_WARN] = "WARNING",
                                        [DLOG_ERROR] = "ERROR"};
    const char *name =
        level >= 0 && level < (int)(sizeof names / sizeof names[0]) ? names[level] : NULL;
    return name ? name : "EVENT";
}

/* CANN's slog timestamp form: 2024-01-31-13:05:09.123.456 (local time, ms.us). */
static void svc_timestamp(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!localtime_r(&ts.tv_sec, &tm)) {
        snprintf(out, cap, "0000-00-00-00:00:00.000.000");
        return;
    }
    int usec = (int)(ts.tv_nsec / 1000);
    snprintf(out, cap, "%04d-%02d-%02d-%02d:%02d:%02d.%03d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec / 1000, usec % 1000);
}

/* One record is one line: trailing line breaks go, inner ones become spaces. */
static size_t svc_flatten(char *msg, size_t len)
{
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\n' || msg[i] == '\r')
            msg[i] = ' ';
    }
    return len;
}

/* Formats the whole line, newline included, into line; returns its length. */
/* The file form's head: "[LEVEL] module(<id>) <pid>:<tid> <stamp> ". */
static size_t svc_file_head(char *out, size_t cap, int module_id, int level, const char *stamp)
{
    int n = snprintf(out, cap, "[%s] module(%d) %d:%d %s ", svc_level_name(level),
                     module_id & 0xFFFF, (int)getpid(), (int)gettid(), stamp);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* slog's module names by id (CANN's log_types.h module enum, hicann/runtime
 * src/dfx/log/inc/toolchain/log_types.h), which its console form prints; ids without a name here
 * (the enum's gaps, and INVALID_MODULE_ID 76 and above) are printed as numbers. */
#define SVC_MODULE_COUNT 76
static const char *const svc_module_names[SVC_MODULE_COUNT] = {
    [0] = "SLOG",      [1] = "IDEDD",     [2] = "SCC",        [3] = "HCCL",
    [4] = "FMK",       [5] = "CCU",       [6] = "DVPP",       [7] = "RUNTIME",
    [8] = "CCE",       [9] = "HDC",       [10] = "DRV",       [11] = "NET",
    [12] = "HIXL",     [13] = "DQS",      [22] = "DEVMM",     [23] = "KERNEL",
    [24] = "LIBMEDIA", [25] = "CCECPU",   [27] = "ROS",       [28] = "HCCP",
    [29] = "ROCE",     [30] = "TEFUSION", [31] = "PROFILING", [32] = "DP",
    [33] = "APP",      [34] = "TS",       [35] = "TSDUMP",    [36] = "AICPU",
    [37] = "LP",       [38] = "TDT",      [39] = "FE",        [40] = "MD",
    [41] = "MB",       [42] = "ME",       [43] = "IMU",       [44] = "IMP",
    [45] = "GE",       [47] = "CAMERA",   [48] = "ASCENDCL",  [49] = "TEEOS",
    [50] = "ISP",      [51] = "SIS",      [52] = "HSM",       [53] = "DSS",
    [54] = "PROCMGR",  [55] = "BBOX",     [56] = "AIVECTOR",  [57] = "TBE",
    [58] = "FV",       [59] = "PYPTO",    [60] = "TUNE",      [61] = "HSS",
    [62] = "FFTS",     [63] = "OP",       [64] = "UDF",       [65] = "HICAID",
    [66] = "TSYNC",    [67] = "AUDIO",    [68] = "TPRT",      [69] = "ASCENDCKERNEL",
    [70] = "ASYS",     [71] = "ATRACE",   [72] = "RTC",       [73] = "SYSMONITOR",
    [74] = "AML",      [75] = "ADETECT",
};

/* The console form's head, as CANN's ConstructBaseLogMsg writes it for stdout (hicann/runtime
 * src/dfx/log/liblog/slog/dlog_message.c): "[LEVEL] <module>(<pid>,<process name>):<stamp> ".
 * The module is printed by its slog name (a number when it has none). */
static size_t svc_console_head(char *out, size_t cap, int module_id, int level, const char *stamp)
{
    char comm[17] = "";
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, comm, sizeof comm - 1);
        close(fd);
        comm[n > 0 ? n : 0] = '\0';
        comm[strcspn(comm, "\n")] = '\0';
    }
    int id = module_id & 0xFFFF;
    const char *name = id < SVC_MODULE_COUNT ? svc_module_names[id] : NULL;
    char number[16];
    if (!name) {
        snprintf(number, sizeof number, "%d", id);
        name = number;
    }
    int n = snprintf(out, cap, "[%s] %s(%d,%s):%s ", svc_level_name(level), name, (int)getpid(),
                     comm, stamp);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* Builds head + message + newline in line (cap bytes); returns its length. */
static size_t svc_join(char *line, size_t cap, const char *head, size_t head_len, const char *msg,
                       size_t msg_len)
{
    if (head_len + msg_len + 1 > cap)
        msg_len = cap - head_len - 1;
    memcpy(line, head, head_len);
    memcpy(line + head_len, msg, msg_len);
    line[head_len + msg_len] = '\n';
    return head_len + msg_len + 1;
}

static void svc_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

void DlogRecord(int moduleId, int level, const char *fmt, ...)
{
    if (!fmt || !svc_level_valid(level))
        return;
    int saved_errno = errno; /* logging must not disturb the kernel's errno */
    char msg[SIM_SERVICES_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t msg_len = n < 0 ? 0 : ((size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    msg_len = svc_flatten(msg, msg_len);
    char stamp[96]; /* room for any int in every field, as the compiler checks */
    svc_timestamp(stamp, sizeof stamp);
    char head[SVC_HEADER_MAX], line[SVC_HEADER_MAX + SIM_SERVICES_MSG_MAX + 2];
    size_t len = svc_join(line, sizeof line, head,
                          svc_file_head(head, sizeof head, moduleId, level, stamp), msg, msg_len);

    pthread_rwlock_rdlock(&svc.lock);
    if (svc.log_fd >= 0)
        svc_write_all(svc.log_fd, line, len);
    bool enabled = svc_level_enabled(level, svc.stderr_level);
    bool to_stdout = svc.to_stdout;
    if (enabled && !to_stdout)
        svc_write_all(STDERR_FILENO, line, len);
    pthread_rwlock_unlock(&svc.lock);
    if (enabled && to_stdout) {
        len = svc_join(line, sizeof line, head,
                       svc_console_head(head, sizeof head, moduleId, level, stamp), msg, msg_len);
        svc_write_all(STDOUT_FILENO, line, len);
    }
    errno = saved_errno;
}

int CheckLogLevel(int moduleId, int level)
{
    (void)moduleId;
    pthread_rwlock_rdlock(&svc.lock);
    int threshold = svc.stderr_level;
    pthread_rwlock_unlock(&svc.lock);
    return svc_level_enabled(level, threshold) ? 1 : 0;
}

/* ---- halGetDeviceInfo ---- */

static drvError_t svc_aicpu_info(int32_t info_type, uint32_t cores, int64_t *value)
{
    switch (info_type) {
    case INFO_TYPE_OS_SCHED:
        *value = SVC_OS_SCHED_MASK;
        return DRV_ERROR_NONE;
    case INFO_TYPE_CORE_NUM:
    case INFO_TYPE_PF_CORE_NUM:
        *value = (int64_t)cores;
        return DRV_ERROR_NONE;
    case INFO_TYPE_OCCUPY:
    case INFO_TYPE_PF_OCCUPY:
        if (cores > SVC_MAX_OCCUPY_CORES)
            return DRV_ERROR_NOT_SUPPORT;
        *value = (int64_t)(((UINT64_C(1) << cores) - 1) << SVC_FIRST_USER_CPU);
        return DRV_ERROR_NONE;
    default:
        return DRV_ERROR_NOT_SUPPORT;
    }
}

drvError_t halGetDeviceInfo(uint32_t devId, int32_t moduleType, int32_t infoType, int64_t *value)
{
    if (!value)
        return DRV_ERROR_INVALID_VALUE;
    pthread_rwlock_rdlock(&svc.lock);
    int32_t device = svc.device_id; /* only to know whether init ran */
    uint32_t cores = svc.aicpu_cores;
    pthread_rwlock_unlock(&svc.lock);
    if (device < 0)
        return DRV_ERROR_UNINIT;
    /* Inside an AICPU process devId 0 is "this device", whatever the host calls it; any other id
     * fails with rc 1 (measured on hardware, docs/cann-facts.md §5.4). */
    if (devId != 0)
        return DRV_ERROR_NO_DEVICE;
    if (moduleType != MODULE_TYPE_AICPU)
        return DRV_ERROR_NOT_SUPPORT;
    return svc_aicpu_info(infoType, cores, value);
}

/* ---- aicpu context ---- */

int sim_services_run_mode(uint32_t *mode)
{
    if (!mode)
        return 1; /* AICPU_ERROR_FAILED */
    *mode = SIM_SERVICES_RUN_MODE_THREAD;
    return 0; /* AICPU_ERROR_NONE */
}

uint32_t sim_services_vf_id(void)
{
    return 0;
}
