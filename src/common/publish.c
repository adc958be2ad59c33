/* The one atomic publish (see publish.h). */
#define _GNU_SOURCE
#include "publish.h"

#include "fd_io.h"
#include "temps.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

/* Temporary names tried before giving up: EEXIST can only be a dead writer's leftover. */
#define CMN_PUBLISH_NAME_ATTEMPTS 16

const char *cmn_publish_step_name(cmn_publish_step_t step)
{
    static const char *const names[] = {"create", "chmod",  "write",           "fsync",
                                        "close",  "rename", "directory fsync", "verify"};
    return (unsigned)step < sizeof names / sizeof *names ? names[step] : "publish";
}

int cmn_publish_create_temp(int dirfd, const char *name, cmn_publish_t *pub)
{
    pub->step = CMN_PUBLISH_CREATE;
    pub->written = 0;
    pub->held = -1;
    for (unsigned attempt = 0; attempt < CMN_PUBLISH_NAME_ATTEMPTS; attempt++) {
        if (cmn_temp_name(pub->temp, sizeof pub->temp, name, attempt) != 0) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = openat(dirfd, pub->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Writes the bytes in chunks, each shown to inspect (when not NULL) just before its write, so that
 * it is still in the cache when written; then asks inspect about the whole. */
static int cmn_publish_write(int fd, const unsigned char *bytes, size_t len,
                             cmn_publish_inspect_fn inspect, void *ctx, cmn_publish_t *pub)
{
    int err = 0;
    pub->written = 0;
    for (size_t done = 0; done < len && err == 0; done += CMN_PUBLISH_INSPECT_CHUNK) {
        size_t want =
            len - done < CMN_PUBLISH_INSPECT_CHUNK ? len - done : CMN_PUBLISH_INSPECT_CHUNK;
        if (inspect && (err = inspect(ctx, bytes + done, want)) != 0) {
            pub->step = CMN_PUBLISH_VERIFY;
            return err;
        }
        size_t wrote = 0;
        err = cmn_write_all(fd, bytes + done, want, &wrote);
        pub->written += wrote;
    }
    if (err == 0 && inspect && (err = inspect(ctx, NULL, 0)) != 0)
        pub->step = CMN_PUBLISH_VERIFY;
    return err;
}

/* cmn_publish_fill but for the close. */
static int cmn_publish_fill_open(int fd, unsigned mode, unsigned flags, const void *bytes,
                                 size_t len, cmn_publish_inspect_fn inspect, void *ctx,
                                 cmn_publish_t *pub)
{
    pub->step = CMN_PUBLISH_CHMOD;
    if (fchmod(fd, (mode_t)mode) != 0)
        return errno;
    pub->step = CMN_PUBLISH_WRITE;
    int err = cmn_publish_write(fd, bytes, len, inspect, ctx, pub);
    if (err == 0 && !(flags & CMN_PUBLISH_NO_FSYNC)) {
        pub->step = CMN_PUBLISH_FSYNC;
        err = cmn_fsync(fd);
    }
    return err;
}

/* After a successful fsync a close error cannot lose data; it still means something is off. */
static int cmn_publish_close(int fd, int err, cmn_publish_t *pub)
{
    if (close(fd) != 0 && err == 0) {
        err = errno;
        pub->step = CMN_PUBLISH_CLOSE;
    }
    return err;
}

int cmn_publish_fill(int fd, unsigned mode, unsigned flags, const void *bytes, size_t len,
                     cmn_publish_inspect_fn inspect, void *ctx, cmn_publish_t *pub)
{
    int err = cmn_publish_fill_open(fd, mode, flags, bytes, len, inspect, ctx, pub);
    return cmn_publish_close(fd, err, pub);
}

static void cmn_publish_drop_hold(cmn_publish_t *pub)
{
    if (pub->held >= 0)
        close(pub->held);
    pub->held = -1;
}

/* CMN_PUBLISH_HOLD, before the name exists: a read-only descriptor of its own, so that nothing can
 * ever write the published file through a hold that lasts as long as its holder. A named temporary
 * is opened without following a link (someone may have swapped one in for it); an unnamed one only
 * has its /proc/self/fd link. */
static void cmn_publish_take_hold(int dirfd, cmn_publish_t *pub)
{
    int nofollow = pub->temp[0] == '/' ? 0 : O_NOFOLLOW;
    int fd = openat(dirfd, pub->temp, O_RDONLY | O_NONBLOCK | O_CLOEXEC | nofollow);
    if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) == 0)
        pub->held = fd;
    else if (fd >= 0)
        close(fd);
}

/* CMN_PUBLISH_NEW_NAME: an unnamed temporary (O_TMPFILE), linked under the name once complete:
 * nothing to sweep if the writer dies, and on ext4 its fsyncs commit one directory change instead
 * of three (a temporary's creation, then the rename's removal and insertion): ~10% of a 16 KB
 * publish here. pub->temp is its /proc/self/fd path, for the hold's open and the link. -1 where
 * the filesystem has no O_TMPFILE. */
static int cmn_publish_create_unnamed(int dirfd, cmn_publish_t *pub)
{
    pub->step = CMN_PUBLISH_CREATE;
    pub->written = 0;
    pub->held = -1;
    int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0)
        snprintf(pub->temp, sizeof pub->temp, "/proc/self/fd/%d", fd);
    return fd;
}

int cmn_publish_once(int dirfd, const char *name, const void *bytes, size_t len, unsigned mode,
                     unsigned flags, cmn_publish_inspect_fn inspect, void *ctx, cmn_publish_t *pub)
{
    bool try_unnamed = (flags & CMN_PUBLISH_NEW_NAME) != 0;
    int err;
    for (;;) {
        int fd = try_unnamed ? cmn_publish_create_unnamed(dirfd, pub) : -1;
        bool unnamed = fd >= 0;
        if (!unnamed && (fd = cmn_publish_create_temp(dirfd, name, pub)) < 0)
            return errno;
        err = cmn_publish_fill_open(fd, mode, flags, bytes, len, inspect, ctx, pub);
        if (err == 0 && (flags & CMN_PUBLISH_HOLD))
            cmn_publish_take_hold(dirfd, pub);
        if (!unnamed) /* closed before the name exists, as ever; an unnamed one is linked through it */
            err = cmn_publish_close(fd, err, pub);
        if (err == 0) {
            pub->step = CMN_PUBLISH_RENAME;
            if ((unnamed ? linkat(AT_FDCWD, pub->temp, dirfd, name, AT_SYMLINK_FOLLOW)
                         : renameat(dirfd, pub->temp, dirfd, name)) != 0)
                err = errno;
        }
        if (unnamed)
            close(fd);
        if (err == 0)
            break;
        if (!unnamed)
            unlinkat(dirfd, pub->temp, 0);
        cmn_publish_drop_hold(pub);
        /* No /proc to link through, or the name exists after all (only a rename replaces): the
         * named route, from the start. */
        if (!unnamed || pub->step != CMN_PUBLISH_RENAME || (err != ENOENT && err != EEXIST))
            return err;
        try_unnamed = false;
    }
    pub->step = CMN_PUBLISH_DIRSYNC;
    err = flags & CMN_PUBLISH_NO_FSYNC ? 0 : cmn_fsync_dir(dirfd);
    if (err != 0)
        cmn_publish_drop_hold(pub); /* a failed publish holds nothing */
    return err;
}

int cmn_publish(int dirfd, const char *name, const void *bytes, size_t len, unsigned mode,
                unsigned flags, cmn_publish_t *pub)
{
    pub->temps_removed = cmn_temps_clean(dirfd, name);
    int err = 0;
    for (int attempt = 0; attempt < CMN_PUBLISH_ATTEMPTS; attempt++) {
        err = cmn_publish_once(dirfd, name, bytes, len, mode, flags, NULL, NULL, pub);
        if (err != ENOENT || pub->step != CMN_PUBLISH_RENAME)
            break;
    }
    return err;
}
