/* Building the acknowledgement record that tells the host what Init did, and storing it into the
 * record the host allocated so that the host sees either nothing (magic 0) or a complete record. */
#ifndef AKL_DISPATCHER_ACK_H
#define AKL_DISPATCHER_ACK_H

#include "bootstrap_abi.h"

/* A zeroed record with version set; status stays AKL_ACK_NONE until an outcome is set. */
void dispatcher_ack_init(akl_bootstrap_ack_t *ack);

/* Sets a success outcome (WROTE, IDENTICAL, REPLACED): bytes, path and a detail text. */
void dispatcher_ack_succeed(akl_bootstrap_ack_t *ack, akl_ack_status_t status, uint64_t bytes,
                            const char *path, const char *detail_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Sets FAILED with the stage, the errno (0 when not a system call's failure), the path involved
 * ("" when none) and a detail text naming the cause. */
void dispatcher_ack_fail(akl_bootstrap_ack_t *ack, akl_ack_stage_t stage, int err, const char *path,
                         const char *detail_fmt, ...) __attribute__((format(printf, 5, 6)));

/* Clears the host's record's magic, so that a crash before the end leaves "never ran" visible. */
void dispatcher_ack_clear(akl_bootstrap_ack_t *dst);

/* Copies ack into the host's record: every field first, then the magic after a release fence. */
void dispatcher_ack_store(akl_bootstrap_ack_t *dst, const akl_bootstrap_ack_t *ack);

/* strerror text for err into buf (thread-safe). Returns buf. */
const char *dispatcher_errstr(int err, char *buf, size_t cap);

#endif /* AKL_DISPATCHER_ACK_H */
