/* Bounded error-message buffers for the device-side pieces: every message is cut to the caller's
 * capacity and always NUL-terminated, and a NULL or zero-sized buffer simply receives nothing. */
#ifndef AKL_SIM_MSG_H
#define AKL_SIM_MSG_H

#include <stddef.h>

typedef struct sim_msg {
    char *buf;
    size_t cap;
    size_t len;
} sim_msg_t;

/* Starts an empty message in buf (which may be NULL when cap is 0). */
sim_msg_t sim_msg_start(char *buf, size_t cap);
/* Appends formatted text, cutting it at the capacity. */
void sim_msg_add(sim_msg_t *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replaces the whole message. */
void sim_msg_set(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* AKL_SIM_MSG_H */
