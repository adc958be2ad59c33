/* libaclsim's error messages: each thread keeps the text of its most recent error, which
 * aclGetRecentErrMsg returns (device error code, SO and kernel names, block, cause). Part of the
 * static library akl_sim_launch (with aclsim_blob.c), so aclGetRecentErrMsg itself, which
 * libaclsim exports, lives in aclsim_init.c. */
#define _GNU_SOURCE
#include "aclsim_error.h"

#include "sched_shm.h" /* sched_copy_text */

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Thread-local, as CANN's recent error message is per thread. The text is on the heap, allocated
 * at the thread's first message and freed when the thread exits (the key's destructor), so that
 * libaclsim's TLS block stays a few words: glibc then gives it static TLS even when libaclsim is
 * dlopen'ed, and every runtime call's read of the current device is a few instructions, as in a
 * runtime linked at start-up. */
static __thread char *aclsim_tls_msg;
static __thread bool aclsim_tls_msg_lost; /* a message came and no buffer could hold it */
static pthread_once_t aclsim_msg_once = PTHREAD_ONCE_INIT;
static pthread_key_t aclsim_msg_key;
static int aclsim_msg_key_rc = -1;
/* What a thread whose buffer could not be allocated reports. */
static const char aclsim_msg_lost[] = "libaclsim: no memory to keep this thread's error message";

static void aclsim_msg_key_create(void)
{
    aclsim_msg_key_rc = pthread_key_create(&aclsim_msg_key, free);
}

/* The calling thread's buffer, allocated on first use; NULL without memory. */
static char *aclsim_msg_buffer(void)
{
    if (aclsim_tls_msg)
        return aclsim_tls_msg;
    pthread_once(&aclsim_msg_once, aclsim_msg_key_create);
    char *buf = calloc(1, ACLSIM_MSG_MAX);
    aclsim_tls_msg_lost = !buf;
    if (!buf)
        return NULL;
    if (aclsim_msg_key_rc == 0)
        pthread_setspecific(aclsim_msg_key, buf);
    aclsim_tls_msg = buf;
    return buf;
}

void aclsim_set_msg(const char *text)
{
    if (!aclsim_tls_msg && text[0] == '\0')
        return; /* no message yet: already "" */
    char *buf = aclsim_msg_buffer();
    if (buf)
        sched_copy_text(buf, ACLSIM_MSG_MAX, text);
}

aclError aclsim_fail(aclError code, const char *fmt, ...)
{
    char *buf = aclsim_msg_buffer();
    if (!buf)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, ACLSIM_MSG_MAX, fmt, ap);
    va_end(ap);
    return code;
}

const char *aclsim_recent_msg(void)
{
    if (aclsim_tls_msg)
        return aclsim_tls_msg;
    return aclsim_tls_msg_lost ? aclsim_msg_lost : "";
}
