/* The dispatcher's part in keeping the device's preinstall directory bounded (docs/protocol.md
 * section 16): a scheduler that published (or found identical) a file holds a shared flock on it
 * for its life. The collector (akl_collector.so, src/collector) removes only files whose exclusive
 * lock it can take, least recently used first. */
#ifndef AKL_DISPATCHER_HOLD_H
#define AKL_DISPATCHER_HOLD_H

#include <stdbool.h>

/* After a successful publish of <dir><name>: takes a shared lock on the file, kept (with its
 * descriptor) until the scheduler process exits, and sets its mtime to now (the recency the
 * collector orders by). False when the name vanished before the lock was taken (a collector
 * removed it) or now names another file: the caller publishes again (and holds that). A lock that
 * cannot be taken for another reason is not an error (the file is then only protected by its
 * recency). */
bool dispatcher_hold(const char *dir, const char *name);

#endif /* AKL_DISPATCHER_HOLD_H */
