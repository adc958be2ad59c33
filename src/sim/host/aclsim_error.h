/* libaclsim's error mechanism (aclsim_error.c): the calling thread's most recent error message,
 * which aclGetRecentErrMsg returns. */
#ifndef AKL_SIM_ACLSIM_ERROR_H
#define AKL_SIM_ACLSIM_ERROR_H

#include "acl/acl.h"

#define ACLSIM_MSG_MAX 1024

/* Sets the calling thread's message and returns code. */
__attribute__((format(printf, 2, 3))) aclError aclsim_fail(aclError code, const char *fmt, ...);
/* Replaces the calling thread's message with text (cut to ACLSIM_MSG_MAX). */
void aclsim_set_msg(const char *text);
/* The calling thread's message ("" if none yet). */
const char *aclsim_recent_msg(void);

#endif /* AKL_SIM_ACLSIM_ERROR_H */
