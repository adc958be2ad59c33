/* akl_sim_rts's messages and names (rts_text.c): the message a failing call leaves for
 * aclGetRecentErrMsg, printable copies of untrusted names, path pieces. */
#ifndef AKL_SIM_RTS_TEXT_H
#define AKL_SIM_RTS_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "msgbuf.h"
#include "runtime/runtime/rts/rts_kernel.h"

/* Replaces the message (msg may be NULL) and returns rc, so a check reads
 * `return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "...", ...);`. */
rtError_t rts_fail(rtError_t rc, cmn_msg_t *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A printable, bounded copy of an untrusted name for messages: control bytes become '?', and a
 * long name is cut with "...". */
#define RTS_SHOW_MAX 64
typedef struct rts_shown {
    char text[RTS_SHOW_MAX + 4];
} rts_shown_t;
rts_shown_t rts_show(const char *name);

/* path with the extension of its last component replaced by ext (".json", ".so"); a last
 * component without an extension gets ext appended. Returns 0, or -1 if it does not fit. */
int rts_replace_extension(const char *path, const char *ext, char *out, size_t cap);
/* The last component of path. */
const char *rts_basename(const char *path);
/* strdup that tolerates NULL (returns NULL). */
char *rts_strdup(const char *text);

#endif /* AKL_SIM_RTS_TEXT_H */
