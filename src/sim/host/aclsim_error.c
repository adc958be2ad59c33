/* libaclsim's error messages: each thread keeps the text of its most recent error, which
 * aclGetRecentErrMsg returns (device error code, SO and kernel names, block, cause). Part of the
 * static library akl_sim_launch (with aclsim_blob.c), so aclGetRecentErrMsg itself, which
 * libaclsim exports, lives in aclsim_init.c. */
#define _GNU_SOURCE
#include "aclsim_error.h"

#include "sched_shm.h" /* sched_copy_text */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thread-local, as CANN's recent error message is per thread. */
static __thread char aclsim_tls_msg[ACLSIM_MSG_MAX];

void aclsim_set_msg(const char *text)
{
    sched_copy_text(aclsim_tls_msg, sizeof aclsim_tls_msg, text);
}

aclError aclsim_fail(aclError code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(aclsim_tls_msg, sizeof aclsim_tls_msg, fmt, ap);
    va_end(ap);
    return code;
}

const char *aclsim_recent_msg(void)
{
    return aclsim_tls_msg;
}
