/* Bounded error-message buffers for the device-side pieces. */
#include "sim_msg.h"

#include <stdarg.h>
#include <stdio.h>

sim_msg_t sim_msg_start(char *buf, size_t cap)
{
    sim_msg_t msg = {buf, buf ? cap : 0, 0};
    if (msg.cap > 0)
        msg.buf[0] = '\0';
    return msg;
}

static void msg_vadd(sim_msg_t *msg, const char *fmt, va_list ap)
{
    if (msg->cap == 0 || msg->len + 1 >= msg->cap)
        return;
    int n = vsnprintf(msg->buf + msg->len, msg->cap - msg->len, fmt, ap);
    if (n < 0)
        return;
    size_t room = msg->cap - msg->len - 1;
    msg->len += (size_t)n < room ? (size_t)n : room;
}

void sim_msg_add(sim_msg_t *msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(msg, fmt, ap);
    va_end(ap);
}

void sim_msg_set(char *buf, size_t cap, const char *fmt, ...)
{
    sim_msg_t msg = sim_msg_start(buf, cap);
    va_list ap;
    va_start(ap, fmt);
    msg_vadd(&msg, fmt, ap);
    va_end(ap);
}
