/* Logging for the device side. On a device nobody reads stderr, so messages go to CANN's device log
 * through DlogRecord when the scheduler process has it loaded; the reference is weak so that the
 * dispatcher needs no logging library (no DT_NEEDED beyond libc). Without DlogRecord (the
 * simulator, tests) messages go to stderr only when AKL_DISPATCHER_LOG is set and non-empty. */
#include "dispatcher_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* CANN's module id for AICPU (toolchain/log_types.h, CANN 8.1.RC1). */
#define DISPATCHER_DLOG_MODULE_AICPU 36

extern void DlogRecord(int moduleId, int level, const char *fmt, ...) __attribute__((weak));

static int dispatcher_stderr_wanted(void)
{
    const char *v = getenv("AKL_DISPATCHER_LOG");
    return v != NULL && v[0] != '\0';
}

void dispatcher_log(int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (DlogRecord != NULL) {
        DlogRecord(DISPATCHER_DLOG_MODULE_AICPU, level, "[akl_dispatcher] %s", line);
        return;
    }
    if (dispatcher_stderr_wanted()) {
        /* One write per line (not stdio), so lines of concurrent callers do not interleave. */
        char out[600];
        int n = snprintf(out, sizeof out, "akl_dispatcher: %s: %s\n",
                         level >= DISPATCHER_LOG_ERROR ? "error" : "info", line);
        if (n > 0)
            (void)!write(STDERR_FILENO, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
    }
}
