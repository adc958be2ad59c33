/* A bounded message buffer: the one way code below the public APIs hands an error message back to
 * its caller (a cmn_msg_t * parameter, never a char pointer with a capacity). Every message is cut
 * to the caller's capacity and always NUL-terminated, and a NULL or zero-sized buffer simply
 * receives nothing, so a callee never needs to know whether anyone reads its message. */
#ifndef AKL_COMMON_MSGBUF_H
#define AKL_COMMON_MSGBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct cmn_msg {
    char *buf;  /* caller's storage; NULL when cap is 0 */
    size_t cap; /* bytes of buf, including the terminating NUL */
    size_t len; /* characters written so far (never more than cap - 1) */
} cmn_msg_t;

/* Starts an empty message in buf (which may be NULL when cap is 0). */
cmn_msg_t cmn_msg_start(char *buf, size_t cap);
/* A message over a char array (not a pointer: refused at compile time), for passing straight to a
 * call: `f(..., CMN_MSG_ARRAY(text))`. Unlike cmn_msg_start it leaves the array's bytes alone until
 * something is written. */
#define CMN_MSG_ARRAY(a)                                                                           \
    (&(cmn_msg_t){(a),                                                                             \
                  sizeof(a) + 0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(                \
                                                          __typeof__(a), __typeof__(&(a)[0]))]),   \
                  0})

/* Empties the message (msg may be NULL). */
void cmn_msg_clear(cmn_msg_t *msg);
/* Appends formatted text, cutting it at the capacity. msg may be NULL (the text is dropped). */
void cmn_msg_add(cmn_msg_t *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmn_msg_vadd(cmn_msg_t *msg, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Replaces the whole message. msg may be NULL. */
void cmn_msg_set(cmn_msg_t *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* AKL_COMMON_MSGBUF_H */
