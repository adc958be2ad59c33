/* The dispatcher's part in keeping the device's preinstall directory bounded (docs/protocol.md
 * section 16): a scheduler that published (or found identical) a file holds a shared flock on it
 * for its life. The collector (akl_collector.so, src/collector) removes only files whose exclusive
 * lock it can take, least recently used first. Also the dispatcher's one way to take a flock
 * without hanging (the hold's and the publish's directory lock). */
#ifndef AKL_DISPATCHER_HOLD_H
#define AKL_DISPATCHER_HOLD_H

#include <stdbool.h>

/* After a successful publish of name in dirfd: keeps a shared lock on the file, with its
 * descriptor, until the scheduler process exits, and makes its mtime now (the recency the collector
 * orders by). fd is the file's descriptor (-1: the publish could not lock its temporary, and the
 * file is left unheld); written: fd is the temporary the publish wrote and locked before it had the
 * name (its mtime is the write's), otherwise the lock is taken here. fd is closed unless kept. False when the name vanished before the lock was taken (a
 * collector removed it) or now names another file: the caller publishes again (and holds that). A
 * lock that cannot be taken for another reason is not an error (the file is then only protected by
 * its recency). */
bool dispatcher_hold(int dirfd, const char *name, int fd, bool written);

/* flock(fd, op) (LOCK_SH or LOCK_EX) tried without blocking up to tries times 1 ms apart, so that
 * a lock held forever cannot hang a bootstrap. Returns whether the lock is held. */
bool dispatcher_flock_retry(int fd, int op, int tries);

#endif /* AKL_DISPATCHER_HOLD_H */
