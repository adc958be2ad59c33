/* The loader's error reporting: a thread-local message per failure, and helpers that set it and
 * return the code, so that every failing path is one `return ldr_fail(...)`. */
#ifndef LDR_ERRORS_H
#define LDR_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#define LDR_ERROR_MESSAGE_MAX 2048

/* Sets the calling thread's message (printf-style), logs it at error level, returns code. */
int ldr_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes "loading <what> on device <device>", the start of every message about one load, into buf
 * and returns its length (at most cap - 1). */
size_t ldr_load_prefix(char *buf, size_t cap, const char *what, int32_t device);
/* As ldr_fail, the message starting with ldr_load_prefix: fmt continues it (": the cause", or
 * " by the extend route: the cause"). */
int ldr_fail_load(int code, const char *what, int32_t device, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets the thread's message to a copy of text (which may be the thread's own buffer). */
int ldr_fail_copy(int code, const char *text);
/* Puts text back as the calling thread's message without logging it: after an internal step whose
 * failure is not the caller's (the bound after a load, gc.c). */
void ldr_error_restore(const char *text);

#endif /* LDR_ERRORS_H */
