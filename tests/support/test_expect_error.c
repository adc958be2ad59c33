/* t_expect_error (see test_expect_error.h). */
#include "test_expect_error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "akl/akl.h"

void t_expect_error(int rc, int code, ...)
{
    const char *msg = akl_last_error();
    if (rc != code)
        fail_msg("expected %s (%d), got %s (%d): %s", akl_errname(code), code, akl_errname(rc), rc,
                 msg);
    va_list ap;
    va_start(ap, code);
    for (const char *needle = va_arg(ap, const char *); needle; needle = va_arg(ap, const char *)) {
        if (!strstr(msg, needle)) {
            va_end(ap);
            fail_msg("\"%s\" is not in the message of %s: %s", needle, akl_errname(code), msg);
        }
    }
    va_end(ap);
}
