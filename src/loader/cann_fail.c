/* Failures the runtime reported: a CANN code's name and text, the runtime's own recent message and
 * the device's first failure added to the thread's message. Above both the message (errors.c) and
 * the runtime resolver (runtime.c), so that neither needs the other. */
#include "cann_fail.h"

#include <stdarg.h>
#include <stdio.h>

#include "akl/akl.h"
#include "device_failure.h"
#include "errors.h"
#include "runtime.h"

int akl_fail_cann(int code, const char *fmt, ...)
{
    char text[AKL_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int used = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (used < 0)
        used = 0;
    size_t at = (size_t)used < sizeof text ? (size_t)used : sizeof text - 1;
    const char *recent = akl_runtime_recent_message();
    at += (size_t)snprintf(text + at, sizeof text - at, ": %s (%d): %s%s", akl_errname(code), code,
                           akl_strerror(code), akl_timeout_clause(code, recent));
    if (at < sizeof text && recent && recent[0])
        snprintf(text + at, sizeof text - at, "; runtime says: %s", recent);
    akl_device_failure_note(code, recent, text, sizeof text);
    return akl_fail_copy(code, text);
}
