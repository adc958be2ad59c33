/* The loader's error reporting: a thread-local message per failure, and helpers that set it and
 * return the code, so that every failing path is one `return akl_fail(...)`. */
#ifndef AKL_LOADER_ERRORS_H
#define AKL_LOADER_ERRORS_H

#define AKL_ERROR_MESSAGE_MAX 2048

/* Sets the calling thread's message (printf-style), logs it at error level, returns code. */
int akl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the thread's message to a copy of text (which may be the thread's own buffer). */
int akl_fail_copy(int code, const char *text);

#endif /* AKL_LOADER_ERRORS_H */
