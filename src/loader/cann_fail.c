/* Failures the runtime reported: a CANN code's name and text, the runtime's own recent message and
 * the device's first failure added to the thread's message. Above both the message (errors.c) and
 * the runtime resolver (runtime.c), so that neither needs the other. */
#include "cann_fail.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "akl/akl.h"
#include "device_failure.h"
#include "errors.h"
#include "runtime.h"

/* The message: the load's prefix when what is not NULL, fmt's text, the CANN code's name and
 * meaning (cann_code 0: none), the runtime's own words; an undiagnosed device failure (code is the
 * CANN code) is the device's first, or part of the cascade after it. */
static int ldr_fail_cann_v(int code, int cann_code, const char *recent, const char *what,
                           int32_t device, const char *fmt, va_list ap)
{
    char text[LDR_ERROR_MESSAGE_MAX];
    size_t at = what ? ldr_load_prefix(text, sizeof text, what, device) : 0;
    int used = vsnprintf(text + at, sizeof text - at, fmt, ap);
    if (used > 0)
        at = at + (size_t)used < sizeof text ? at + (size_t)used : sizeof text - 1;
    if (cann_code != 0 && at < sizeof text - 1)
        at += (size_t)snprintf(text + at, sizeof text - at, ": %s (%d): %s%s",
                               akl_errname(cann_code), cann_code, akl_strerror(cann_code),
                               ldr_timeout_clause(cann_code, recent));
    if (at < sizeof text - 1 && recent && recent[0])
        snprintf(text + at, sizeof text - at, "; runtime says: %s", recent);
    if (code == cann_code)
        ldr_device_failure_note(cann_code, recent, text, sizeof text);
    return ldr_fail_copy(code, text);
}

int ldr_fail_cann(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ldr_fail_cann_v(code, code, ldr_runtime_recent_message(), NULL, -1, fmt, ap);
    va_end(ap);
    return rc;
}

int ldr_fail_load_cann(int code, const char *what, int32_t device, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ldr_fail_cann_v(code, code, ldr_runtime_recent_message(), what, device, fmt, ap);
    va_end(ap);
    return rc;
}

int ldr_fail_load_cause(int code, int cann_code, const char *recent, const char *what,
                        int32_t device, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ldr_fail_cann_v(code, cann_code, recent, what, device, fmt, ap);
    va_end(ap);
    return rc;
}
