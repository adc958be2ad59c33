/* The hold: what marks a published file "in use" for the collector (akl_collector.so; the rules
 * in docs/protocol.md section 16). A dispatcher takes a shared flock on the file it published or
 * found identical and keeps it for the scheduler's life (the descriptor is deliberately never
 * closed). The collector takes an exclusive non-blocking lock and skips the file on EWOULDBLOCK;
 * it unlinks only while holding that lock and only if the name still refers to the locked inode,
 * and a holder re-checks the name after its lock, so neither can miss the other. The hold also
 * sets the mtime: "recently used" is the mtime (a publish sets it, an identical bootstrap
 * refreshes it). */
#define _GNU_SOURCE
#include "dispatcher_hold.h"

#include "dispatcher_publish.h"
#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* A collector holds its exclusive lock for microseconds (between its check and its unlink); the
 * shared lock is retried this many times 1 ms apart rather than waited for, so that a process
 * holding an exclusive lock on the file forever cannot hang a bootstrap: after ~100 ms the file is
 * left unheld (protected by its recency only). */
#define DISPATCHER_HOLD_TRIES 100

bool dispatcher_hold(const char *dir, const char *name)
{
    int dirfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return true;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int differs = fd < 0 ? errno : 0;
    if (fd >= 0) {
        bool locked = dispatcher_flock_retry(fd, LOCK_SH, DISPATCHER_HOLD_TRIES);
        /* Checked after the lock: a collector unlinks only under its exclusive lock. */
        differs = cmn_fd_is_name(dirfd, name, fd);
        if (differs == 0)
            futimens(fd, NULL); /* recency; a locked fd stays open: the lock lives as we do */
        if (differs != 0 || !locked)
            close(fd);
    }
    close(dirfd);
    /* Gone (a collector removed it first) or replaced: the caller publishes again. */
    return differs != ENOENT && differs != ESTALE;
}
