/* Keeping the device's preinstall directory bounded (docs/protocol.md section 16): a scheduler
 * that published (or found identical) a file holds a shared flock on it for its life, and the
 * collector removes only files whose exclusive lock it can take, least recently used first. */
#ifndef AKL_DISPATCHER_GC_H
#define AKL_DISPATCHER_GC_H

#include "bootstrap_abi.h"

#include <stdbool.h>

/* After a successful publish of <dir><name>: takes a shared lock on the file, kept (with its
 * descriptor) until the scheduler process exits, and sets its mtime to now (the recency the
 * collector orders by). False when the name vanished before the lock was taken (a collector
 * removed it): the caller publishes again. A lock that cannot be taken for another reason is not
 * an error (the file is then only protected by its recency). */
bool dispatcher_gc_hold(const char *dir, const char *name);

/* After a publish that wrote, with AKL_GC_FLAG_BOUND: collects the prefix of name down to
 * gc_max_bytes (the file just published is held, so it stays). Says what it removed in ack's
 * detail; never changes the publish's outcome. */
void dispatcher_gc_bound(const char *dir, const char *name, const akl_device_args_t *dargs,
                         akl_bootstrap_ack_t *ack);

/* AKL_BOOT_FLAG_GC: collects the prefix in target_name by the rule in dargs, fills the table at
 * gc_table_addr and sets ack to COLLECTED (or FAILED at DIR or COLLECT). */
void dispatcher_gc_request(const char *dir, const akl_device_args_t *dargs,
                           akl_bootstrap_ack_t *ack);

#endif /* AKL_DISPATCHER_GC_H */
