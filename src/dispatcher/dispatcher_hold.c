/* The hold: what marks a published file "in use" for the collector (akl_collector.so; the rules
 * in docs/protocol.md section 16). A dispatcher takes a shared flock on the file it published or
 * found identical and keeps it for the scheduler's life (the descriptor is deliberately never
 * closed). The collector takes an exclusive non-blocking lock and skips the file on EWOULDBLOCK;
 * it unlinks only while holding that lock and only if the name still refers to the locked inode,
 * and a holder re-checks the name after its lock, so neither can miss the other. A file the
 * dispatcher writes is locked from before it has its name, so it is never visible unheld. The hold also
 * sets the mtime: "recently used" is the mtime (a publish sets it, an identical bootstrap
 * refreshes it). */
#define _GNU_SOURCE
#include "dispatcher_hold.h"

#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A collector holds its exclusive lock for microseconds (between its check and its unlink); the
 * shared lock is retried this many times 1 ms apart rather than waited for, so that a process
 * holding an exclusive lock on the file forever cannot hang a bootstrap: after ~100 ms the file is
 * left unheld (protected by its recency only). */
#define DISPATCHER_HOLD_TRIES 100

bool dispatcher_flock_retry(int fd, int op, int tries)
{
    static const struct timespec pause = {0, 1000000};
    for (int i = 0; i < tries; i++) {
        if (flock(fd, op | LOCK_NB) == 0)
            return true;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return false;
        /* syscall(), not nanosleep(): the dispatcher imports syscall already (device_libc.c), and
         * each import costs it ~70 bytes of its 16 KB */
        syscall(SYS_nanosleep, &pause, NULL);
    }
    return false;
}

bool dispatcher_hold(int dirfd, const char *name, int fd, bool written)
{
    if (fd < 0)
        return true; /* the publish could not lock its temporary: protected by recency only */
    bool locked = written || dispatcher_flock_retry(fd, LOCK_SH, DISPATCHER_HOLD_TRIES);
    /* Checked after the lock: a collector unlinks only under its exclusive lock. */
    int differs = cmn_fd_is_name(dirfd, name, fd);
    if (differs == 0 && !written)
        futimens(fd, NULL); /* recency; a locked fd stays open: the lock lives as we do */
    if (differs != 0 || !locked)
        close(fd);
    /* Gone (a collector removed it first) or replaced: the caller publishes again. */
    return differs != ENOENT && differs != ESTALE;
}
