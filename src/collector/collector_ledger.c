/* The collector's per-prefix ledger: open it without following links, refuse any file that is not
 * this user's own regular file, lock it, and read or write its one record (collector_ledger.h). */
#define _GNU_SOURCE
#include "collector_ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The lock is retried every 1 ms for up to a second: other collectors hold it for microseconds
 * (a bound request) or one scan; a process holding it forever must not hang every publish. */
#define COLLECTOR_LEDGER_LOCK_TRIES 1000

static bool collector_ledger_lock(int fd)
{
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < COLLECTOR_LEDGER_LOCK_TRIES; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return true;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return false;
        nanosleep(&ms, NULL);
    }
    return false;
}

static bool collector_ledger_ours(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && st.st_nlink == 1;
}

void collector_ledger_open(int dirfd, const char *prefix, bool create, collector_ledger_t *l)
{
    memset(l, 0, sizeof *l);
    char name[AKL_SO_NAME_MAX + 16];
    snprintf(name, sizeof name, ".%s" AKL_GC_LEDGER_SUFFIX, prefix);
    int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (create ? O_CREAT : 0);
    l->fd = openat(dirfd, name, flags, 0600);
    if (l->fd < 0) {
        /* A link (ELOOP), a directory, another's file: a full scan, unrecorded. */
        l->refused = errno != ENOENT;
        return;
    }
    if (!collector_ledger_ours(l->fd) || !collector_ledger_lock(l->fd)) {
        l->refused = true;
        collector_ledger_close(l);
        return;
    }
    l->valid = pread(l->fd, &l->rec, sizeof l->rec, 0) == (ssize_t)sizeof l->rec &&
               l->rec.magic == AKL_GC_LEDGER_MAGIC && l->rec.check == akl_gc_ledger_check(&l->rec);
}

static void collector_ledger_write(collector_ledger_t *l)
{
    l->rec.magic = AKL_GC_LEDGER_MAGIC;
    l->rec.check = akl_gc_ledger_check(&l->rec);
    /* A short write leaves a record whose check fails, and a failed truncation a longer file whose
     * first record is still read: either way nothing worse than a full scan next time. */
    if (pwrite(l->fd, &l->rec, sizeof l->rec, 0) != (ssize_t)sizeof l->rec ||
        ftruncate(l->fd, sizeof l->rec) != 0)
        return;
}

bool collector_ledger_add(collector_ledger_t *l, uint64_t size, uint64_t bound)
{
    if (l->fd < 0 || !l->valid)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    akl_gc_ledger_t *r = &l->rec;
    if (r->answered >= COLLECTOR_LEDGER_EVERY || now.tv_sec < r->scanned_s ||
        now.tv_sec - r->scanned_s > COLLECTOR_LEDGER_MAX_AGE_S || size > bound ||
        r->bytes > bound - size)
        return false;
    r->bytes += size;
    r->files++;
    r->answered++;
    collector_ledger_write(l);
    return true;
}

void collector_ledger_record(collector_ledger_t *l, uint64_t bytes, uint64_t files)
{
    if (l->fd < 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    l->rec = (akl_gc_ledger_t){.bytes = bytes, .files = files, .scanned_s = now.tv_sec};
    collector_ledger_write(l);
}

void collector_ledger_close(collector_ledger_t *l)
{
    if (l->fd >= 0)
        close(l->fd); /* releases the lock */
    l->fd = -1;
}
