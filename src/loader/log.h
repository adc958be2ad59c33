/* The loader's diagnostic log: off unless AKL_LOG=debug|info|warn|error (any case), or with
 * AKL_LOG unset ASCEND_GLOBAL_LOG_LEVEL=0..3, asks, then to stderr. */
#ifndef LDR_LOG_H
#define LDR_LOG_H

#include <stdbool.h>

typedef enum ldr_log_level {
    LDR_LOG_DEBUG = 0,
    LDR_LOG_INFO = 1,
    LDR_LOG_WARN = 2,
    LDR_LOG_ERROR = 3,
    LDR_LOG_OFF = 4,
} ldr_log_level_t;

/* True when the environment asks for messages of this level (read once per process). */
bool ldr_log_enabled(ldr_log_level_t level);
/* Prints "akl <level>: <message>" to stderr when the level is enabled. */
void ldr_log(ldr_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* LDR_LOG_H */
