/* The loader's diagnostic log: off unless AKL_LOG=debug|info|warn|error (any case), or with
 * AKL_LOG unset ASCEND_GLOBAL_LOG_LEVEL=0..3, asks, then to stderr. */
#ifndef AKL_LOADER_LOG_H
#define AKL_LOADER_LOG_H

#include <stdbool.h>

typedef enum akl_log_level {
    AKL_LOG_DEBUG = 0,
    AKL_LOG_INFO = 1,
    AKL_LOG_WARN = 2,
    AKL_LOG_ERROR = 3,
    AKL_LOG_OFF = 4,
} akl_log_level_t;

/* True when the environment asks for messages of this level (read once per process). */
bool akl_log_enabled(akl_log_level_t level);
/* Prints "akl <level>: <message>" to stderr when the level is enabled. */
void akl_log(akl_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* AKL_LOADER_LOG_H */
