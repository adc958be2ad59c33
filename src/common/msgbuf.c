/* A bounded message buffer (see msgbuf.h). */
#include "msgbuf.h"

#include <stdio.h>

cmn_msg_t cmn_msg_start(char *buf, size_t cap)
{
    cmn_msg_t msg = {buf, buf ? cap : 0, 0};
    if (msg.cap > 0)
        msg.buf[0] = '\0';
    return msg;
}

void cmn_msg_clear(cmn_msg_t *msg)
{
    if (msg)
        *msg = cmn_msg_start(msg->buf, msg->cap);
}

void cmn_msg_vadd(cmn_msg_t *msg, const char *fmt, va_list ap)
{
    if (!msg || msg->cap == 0 || msg->len + 1 >= msg->cap)
        return;
    int n = vsnprintf(msg->buf + msg->len, msg->cap - msg->len, fmt, ap);
    if (n < 0) {
        msg->buf[msg->len] = '\0';
        return;
    }
    size_t room = msg->cap - msg->len - 1;
    msg->len += (size_t)n < room ? (size_t)n : room;
}

void cmn_msg_add(cmn_msg_t *msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cmn_msg_vadd(msg, fmt, ap);
    va_end(ap);
}

void cmn_msg_set(cmn_msg_t *msg, const char *fmt, ...)
{
    cmn_msg_clear(msg);
    va_list ap;
    va_start(ap, fmt);
    cmn_msg_vadd(msg, fmt, ap);
    va_end(ap);
}
