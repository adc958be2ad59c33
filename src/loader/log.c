/* The loader's diagnostic log: AKL_LOG=debug|info|warn|error (any case) selects the lowest level
 * printed to stderr; empty prints nothing; any other value prints one warning naming it and
 * otherwise nothing. When AKL_LOG is unset, CANN's ASCEND_GLOBAL_LOG_LEVEL decides with CANN's
 * numbering (0 debug, 1 info, 2 warning, 3 error, 4 null), so one setting quiets or opens both;
 * neither set prints nothing, so the library stays silent by default. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const akl_log_names[] = {"debug", "info", "warn", "error"};

/* Read once: the environment is process-wide and checking it per message would cost a getenv. */
static pthread_once_t akl_log_once = PTHREAD_ONCE_INIT;
static akl_log_level_t akl_log_threshold = AKL_LOG_OFF;

/* CANN's ASCEND_GLOBAL_LOG_LEVEL: one digit 0..3 maps to our levels in order; 4 and anything
 * else leave the log off. */
static void akl_log_read_ascend_level(void)
{
    const char *value = getenv("ASCEND_GLOBAL_LOG_LEVEL");
    if (value && value[0] >= '0' && value[0] <= '3' && value[1] == '\0')
        akl_log_threshold = (akl_log_level_t)(value[0] - '0');
}

/* Runs once per process, so a value it cannot use is reported exactly once. */
static void akl_log_read_env(void)
{
    const char *value = getenv("AKL_LOG");
    if (!value) {
        akl_log_read_ascend_level();
        return;
    }
    if (!value[0])
        return;
    for (int i = AKL_LOG_DEBUG; i < AKL_LOG_OFF; i++) {
        if (strcasecmp(value, akl_log_names[i]) == 0) {
            akl_log_threshold = (akl_log_level_t)i;
            return;
        }
    }
    fprintf(stderr,
            "akl warn: AKL_LOG=\"%.64s\" is not one of debug, info, warn, error (any case); "
            "logging stays off\n",
            value);
}

bool akl_log_enabled(akl_log_level_t level)
{
    pthread_once(&akl_log_once, akl_log_read_env);
    return level >= akl_log_threshold && level < AKL_LOG_OFF;
}

void akl_log(akl_log_level_t level, const char *fmt, ...)
{
    if (!akl_log_enabled(level))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line keeps lines from concurrent threads whole. */
    fprintf(stderr, "akl %s: %s\n", akl_log_names[level], line);
}
