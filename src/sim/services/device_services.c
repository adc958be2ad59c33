/* The device-side CANN services of the simulated AICPU scheduler: slog logging (DlogRecord,
 * CheckLogLevel) into a per-device log file and stderr, and the driver's halGetDeviceInfo. */
#define _GNU_SOURCE
#include "device_services.h"

#include "sim_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SVC_LOG_SUBDIR "var/log/npu/slog"
#define SVC_HEADER_MAX 128
#define SVC_OS_SCHED_MASK 0x1
#define SVC_MAX_OCCUPY_CORES 62 /* cpus 1..n must fit in the int64_t bitmap */

/* The process's one service state, as the design names it: the scheduler's device, its log file
 * and the settings read at init. The lock lets fini close the file while kernels log. */
typedef struct svc_state {
    pthread_rwlock_t lock;
    int log_fd;
    int32_t device_id; /* -1: not initialized */
    int stderr_level;  /* DLOG_DEBUG..DLOG_NULL */
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

static uint32_t svc_parse_aicpu_cores(const char *text)
{
    if (!text || !*text)
        return SIM_SERVICES_DEFAULT_AICPU_CORES;
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] == '-' || n < 1 || n > SIM_SERVICES_MAX_AICPU_CORES)
        return SIM_SERVICES_DEFAULT_AICPU_CORES;
    return (uint32_t)n;
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
static int svc_make_parents(const char *path, char *err, size_t cap)
{
    char dir[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof dir) {
        snprintf(err, cap, "log path '%s' is longer than %d bytes", path, PATH_MAX - 1);
        return -1;
    }
    memcpy(dir, path, len + 1);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, cap, "cannot create log directory '%s': %s", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int svc_open_log(const char *path, char *err, size_t cap)
{
    if (!*path) {
        snprintf(err, cap, "log path is empty");
        return -1;
    }
    if (svc_make_parents(path, err, cap) != 0)
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(err, cap, "cannot open log file '%s': %s", path, strerror(errno));
    return fd;
}

int sim_services_log_path(int32_t device_id, char *out, size_t cap)
{
    char chip[SIM_PATH_MAX];
    if (!out || device_id < 0 || sim_chip_root(device_id, chip, sizeof chip) != 0)
        return -1;
    int n = snprintf(out, cap, "%s/" SVC_LOG_SUBDIR "/device-%d/device-%d.log", chip, device_id,
                     device_id);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int sim_services_start(int32_t device_id, const char *log_path, uint32_t aicpu_cores, char *err,
                       size_t err_cap)
{
    char scratch[1];
    if (!err || err_cap == 0) {
        err = scratch;
        err_cap = sizeof scratch;
    }
    err[0] = '\0';
    if (device_id < 0) {
        snprintf(err, err_cap, "device id %d is negative", device_id);
        return -1;
    }
    if (aicpu_cores < 1 || aicpu_cores > SIM_SERVICES_MAX_AICPU_CORES) {
        snprintf(err, err_cap, "AICPU core count %u is outside 1..%d", aicpu_cores,
                 SIM_SERVICES_MAX_AICPU_CORES);
        return -1;
    }
    int fd = -1;
    if (log_path) {
        fd = svc_open_log(log_path, err, err_cap);
        if (fd < 0)
            return -1;
    }
    int level = svc_parse_log_level(getenv("ASCEND_GLOBAL_LOG_LEVEL"));

    pthread_rwlock_wrlock(&svc.lock);
    int old_fd = svc.log_fd;
    svc.log_fd = fd;
    svc.device_id = device_id;
    svc.stderr_level = level;
    svc.aicpu_cores = aicpu_cores;
    pthread_rwlock_unlock(&svc.lock);
    if (old_fd >= 0)
        close(old_fd);
    return 0;
}

int sim_services_init(int32_t device_id, const char *log_path, char *err, size_t err_cap)
{
    return sim_services_start(device_id, log_path,
                              svc_parse_aicpu_cores(getenv("AKL_SIM_AICPU_THREADS")), err, err_cap);
}

void sim_services_fini(void)
{
    pthread_rwlock_wrlock(&svc.lock);
    int old_fd = svc.log_fd;
    svc.log_fd = -1;
    svc.device_id = -1;
    svc.stderr_level = DLOG_ERROR;
    svc.aicpu_cores = SIM_SERVICES_DEFAULT_AICPU_CORES;
    pthread_rwlock_unlock(&svc.lock);
    if (old_fd >= 0)
        close(old_fd);
}

/* ---- DlogRecord ---- */

static const char *svc_level_name(int level)
{
    switch (level) {
    case DLOG_DEBUG:
        return "DEBUG";
    case DLOG_INFO:
        return "INFO";
    case DLOG_WARN:
        return "WARNING";
    case DLOG_ERROR:
        return "ERROR";
    default:
        return "EVENT";
    }
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
static size_t svc_format_line(char *line, size_t cap, int module_id, int level, const char *fmt,
                              va_list ap)
{
    char stamp[96]; /* room for any int in every field, as the compiler checks */
    svc_timestamp(stamp, sizeof stamp);
    int head = snprintf(line, cap, "[%s] module(%d) %d:%d %s ", svc_level_name(level),
                        module_id & 0xFFFF, (int)getpid(), (int)gettid(), stamp);
    if (head < 0 || (size_t)head >= cap - 1)
        head = 0;
    size_t room = cap - (size_t)head - 1; /* keep a byte for the newline */
    if (room > SIM_SERVICES_MSG_MAX + 1)
        room = SIM_SERVICES_MSG_MAX + 1;
    int n = vsnprintf(line + head, room, fmt, ap);
    size_t msg_len = n < 0 ? 0 : ((size_t)n < room ? (size_t)n : room - 1);
    msg_len = svc_flatten(line + head, msg_len);
    line[head + msg_len] = '\n';
    return (size_t)head + msg_len + 1;
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
    char line[SVC_HEADER_MAX + SIM_SERVICES_MSG_MAX + 2];
    va_list ap;
    va_start(ap, fmt);
    size_t len = svc_format_line(line, sizeof line, moduleId, level, fmt, ap);
    va_end(ap);

    pthread_rwlock_rdlock(&svc.lock);
    if (svc.log_fd >= 0)
        svc_write_all(svc.log_fd, line, len);
    if (svc_level_enabled(level, svc.stderr_level))
        svc_write_all(STDERR_FILENO, line, len);
    pthread_rwlock_unlock(&svc.lock);
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
        *value = (int64_t)(((UINT64_C(1) << cores) - 1) << 1);
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
    int32_t device = svc.device_id;
    uint32_t cores = svc.aicpu_cores;
    pthread_rwlock_unlock(&svc.lock);
    if (device < 0)
        return DRV_ERROR_UNINIT;
    if (devId != (uint32_t)device)
        return DRV_ERROR_INVALID_VALUE;
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
