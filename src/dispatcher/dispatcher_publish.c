/* The atomic, durable publish. Readers (the device's loader, other dispatchers) must see either the
 * old state or the complete new file under the final name, even across a crash: so the bytes go to
 * a temporary file in the same directory, which is fsynced, renamed onto the name, and the
 * directory fsynced. An existing file is compared first, so a device that already holds the bytes
 * costs no write and no fsync. All file operations are relative to one directory descriptor, so the
 * directory cannot change under us between steps. */
#define _GNU_SOURCE
#include "dispatcher_publish.h"

#include "dispatcher_ack.h"
#include "dispatcher_temps.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DISPATCHER_COMPARE_CHUNK 8192
/* One write() per MiB: a single 16 MB write() from device memory (a shared mapping) took 58 ms on
 * Linux 6.18/ext4, the same bytes in 1 MiB writes 3.3 ms (strace -T, simulator, 2-core VM). */
#define DISPATCHER_WRITE_CHUNK (1u << 20)
#define DISPATCHER_NAME_ATTEMPTS 16
/* A cleaner that took our pid for dead (another pid namespace) may remove our temporary before the
 * rename; the publish then starts over this many times in all. */
#define DISPATCHER_PUBLISH_ATTEMPTS 3

/* Paths of one publish, for the record and the log. */
typedef struct dispatcher_paths {
    const char *dir;
    const char *name;
    char final[PATH_MAX];
    char temp_name[NAME_MAX + 1];
    char temp[PATH_MAX];
} dispatcher_paths_t;

typedef enum dispatcher_existing {
    DISPATCHER_ABSENT,
    DISPATCHER_SAME,
    DISPATCHER_DIFFERENT,
    DISPATCHER_UNREADABLE,
} dispatcher_existing_t;

static int dispatcher_join(char *out, size_t cap, const char *dir, const char *file)
{
    size_t dir_len = strlen(dir);
    const char *sep = dir_len > 0 && dir[dir_len - 1] == '/' ? "" : "/";
    int n = snprintf(out, cap, "%s%s%s", dir, sep, file);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static bool dispatcher_same_bytes_read(int fd, const unsigned char *bytes, size_t len, int *err)
{
    unsigned char chunk[DISPATCHER_COMPARE_CHUNK];
    size_t done = 0;
    while (done < len) {
        size_t want = len - done < sizeof chunk ? len - done : sizeof chunk;
        ssize_t got = pread(fd, chunk, want, (off_t)done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *err = errno;
            return false;
        }
        /* The file shrank under us: not the same bytes. */
        if (got == 0 || memcmp(chunk, bytes + done, (size_t)got) != 0)
            return false;
        done += (size_t)got;
    }
    return true;
}

/* The existing file is compared through a read-only mapping: its bytes are read once, by memcmp,
 * instead of being copied 8 KB at a time into a buffer first (2,048 preads for 16 MB). Published
 * files are only ever replaced by rename, never truncated in place, so the mapping stays whole;
 * where mapping fails, the chunked reads do the same job. */
static bool dispatcher_same_bytes(int fd, const unsigned char *bytes, size_t len, int *err)
{
    if (len == 0)
        return true;
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return dispatcher_same_bytes_read(fd, bytes, len, err);
    bool same = memcmp(map, bytes, len) == 0;
    munmap(map, len);
    return same;
}

/* What the name holds now. Its type is looked at without opening it (a device node can have side
 * effects on open, a socket cannot be opened at all): anything but a regular file of the same size
 * counts as different and is replaced by a regular file (the loader's realpath check would refuse
 * a link out of the dir). Only a regular file is opened, O_NOFOLLOW | O_NONBLOCK in case the name
 * was swapped between the look and the open, and the type is checked again on what was opened. */
static dispatcher_existing_t dispatcher_existing(int dirfd, const char *name, const void *bytes,
                                                 size_t len, int *err)
{
    struct stat st;
    *err = 0;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        *err = errno;
        return errno == ENOENT ? DISPATCHER_ABSENT : DISPATCHER_UNREADABLE;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != (uint64_t)len)
        return DISPATCHER_DIFFERENT;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        if (errno == ENOENT)
            return DISPATCHER_ABSENT;
        /* ELOOP: now a symlink; ENXIO: now a socket or a device without its driver. */
        return errno == ELOOP || errno == ENXIO ? DISPATCHER_DIFFERENT : DISPATCHER_UNREADABLE;
    }
    dispatcher_existing_t result = DISPATCHER_DIFFERENT;
    *err = 0;
    if (fstat(fd, &st) != 0) {
        *err = errno;
        result = DISPATCHER_UNREADABLE;
    } else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size == (uint64_t)len) {
        bool same = dispatcher_same_bytes(fd, bytes, len, err);
        result = same ? DISPATCHER_SAME : *err != 0 ? DISPATCHER_UNREADABLE : DISPATCHER_DIFFERENT;
    }
    close(fd);
    return result;
}

/* Picks the next temporary name; false when the directory path makes it too long. */
static bool dispatcher_next_temp_name(dispatcher_paths_t *paths, unsigned attempt)
{
    return dispatcher_temp_name(paths->temp_name, sizeof paths->temp_name, paths->name, attempt) ==
               0 &&
           dispatcher_join(paths->temp, sizeof paths->temp, paths->dir, paths->temp_name) == 0;
}

/* O_EXCL: the file is ours alone; EEXIST can only be a dead writer's leftover, so pick again. */
static int dispatcher_create_temp(int dirfd, dispatcher_paths_t *paths)
{
    for (unsigned attempt = 0; attempt < DISPATCHER_NAME_ATTEMPTS; attempt++) {
        if (!dispatcher_next_temp_name(paths, attempt)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = openat(dirfd, paths->temp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Writes everything, through short writes and EINTR. Returns bytes written; sets *err on failure.
 */
static size_t dispatcher_write_all(int fd, const unsigned char *bytes, size_t len, int *err)
{
    size_t done = 0;
    *err = 0;
    while (done < len) {
        size_t want = len - done < DISPATCHER_WRITE_CHUNK ? len - done : DISPATCHER_WRITE_CHUNK;
        ssize_t n = write(fd, bytes + done, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *err = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    return done;
}

/* Fills the temporary: mode 0755 whatever the umask (the loader must read it), bytes, fsync.
 * Closes fd. Returns 0, or -1 with the failure recorded in ack. */
static int dispatcher_fill_temp(int fd, const dispatcher_paths_t *paths, const void *bytes,
                                size_t len, akl_bootstrap_ack_t *ack)
{
    char text[96];
    int err = 0;
    if (fchmod(fd, 0755) != 0) {
        err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_CREATE, err, paths->temp,
                            "chmod of temporary file failed: %s",
                            dispatcher_errstr(err, text, sizeof text));
    } else {
        size_t written = dispatcher_write_all(fd, bytes, len, &err);
        ack->bytes = written;
        if (err != 0) {
            dispatcher_ack_fail(ack, AKL_STAGE_WRITE, err, paths->temp,
                                "write failed after %zu of %zu bytes: %s", written, len,
                                dispatcher_errstr(err, text, sizeof text));
        } else if (fsync(fd) != 0) {
            err = errno;
            dispatcher_ack_fail(ack, AKL_STAGE_FSYNC, err, paths->temp,
                                "fsync of temporary file failed: %s",
                                dispatcher_errstr(err, text, sizeof text));
        }
    }
    /* After a successful fsync a close error cannot lose data; it still means something is off. */
    if (close(fd) != 0 && err == 0) {
        err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_WRITE, err, paths->temp,
                            "close of temporary file failed: %s",
                            dispatcher_errstr(err, text, sizeof text));
    }
    return err == 0 ? 0 : -1;
}

/* Some filesystems cannot fsync a directory (EINVAL); the rename is then as durable as they allow.
 */
static int dispatcher_sync_dir(int dirfd)
{
    if (fsync(dirfd) == 0 || errno == EINVAL || errno == ENOTSUP)
        return 0;
    return -1;
}

typedef enum dispatcher_step {
    DISPATCHER_STEP_DONE,
    DISPATCHER_STEP_FAILED,
    DISPATCHER_STEP_RETRY,
} dispatcher_step_t;

/* One attempt at temporary + fsync + rename + directory fsync. */
static dispatcher_step_t dispatcher_publish_once(int dirfd, dispatcher_paths_t *paths,
                                                 const void *bytes, size_t len, bool last_attempt,
                                                 akl_bootstrap_ack_t *ack)
{
    char text[96];
    int fd = dispatcher_create_temp(dirfd, paths);
    if (fd < 0) {
        int err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_CREATE, err, paths->temp,
                            "cannot create temporary file: %s",
                            dispatcher_errstr(err, text, sizeof text));
        return DISPATCHER_STEP_FAILED;
    }
    if (dispatcher_fill_temp(fd, paths, bytes, len, ack) != 0) {
        unlinkat(dirfd, paths->temp_name, 0);
        return DISPATCHER_STEP_FAILED;
    }
    if (renameat(dirfd, paths->temp_name, dirfd, paths->name) != 0) {
        int err = errno;
        unlinkat(dirfd, paths->temp_name, 0);
        if (err == ENOENT && !last_attempt)
            return DISPATCHER_STEP_RETRY;
        dispatcher_ack_fail(ack, AKL_STAGE_RENAME, err, paths->final,
                            "rename of temporary onto the name failed: %s",
                            dispatcher_errstr(err, text, sizeof text));
        return DISPATCHER_STEP_FAILED;
    }
    if (dispatcher_sync_dir(dirfd) != 0) {
        int err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_DIRSYNC, err, paths->dir,
                            "fsync of directory after rename failed (file is in place): %s",
                            dispatcher_errstr(err, text, sizeof text));
        return DISPATCHER_STEP_FAILED;
    }
    return DISPATCHER_STEP_DONE;
}

static void dispatcher_write_new(int dirfd, dispatcher_paths_t *paths, const void *bytes,
                                 size_t len, bool replacing, akl_bootstrap_ack_t *ack)
{
    for (int attempt = 1; attempt <= DISPATCHER_PUBLISH_ATTEMPTS; attempt++) {
        dispatcher_step_t step = dispatcher_publish_once(
            dirfd, paths, bytes, len, attempt == DISPATCHER_PUBLISH_ATTEMPTS, ack);
        if (step == DISPATCHER_STEP_FAILED)
            return;
        if (step == DISPATCHER_STEP_DONE) {
            if (replacing)
                dispatcher_ack_succeed(ack, AKL_ACK_REPLACED, len, paths->final,
                                       "replaced a file of other content with %zu bytes", len);
            else
                dispatcher_ack_succeed(ack, AKL_ACK_WROTE, len, paths->final, "wrote %zu bytes",
                                       len);
            return;
        }
    }
}

/* Opens the directory and sweeps stale temporaries of the name. Returns the descriptor, or -1
 * with the failure (DIR) recorded in ack. */
static int dispatcher_open_dir(dispatcher_paths_t *paths, akl_bootstrap_ack_t *ack)
{
    char text[96];
    if (dispatcher_join(paths->final, sizeof paths->final, paths->dir, paths->name) != 0) {
        dispatcher_ack_fail(ack, AKL_STAGE_DIR, ENAMETOOLONG, paths->dir,
                            "directory path plus name exceeds %d bytes", PATH_MAX);
        return -1;
    }
    int dirfd = openat(AT_FDCWD, paths->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        int err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_DIR, err, paths->dir,
                            "cannot open preinstall directory: %s",
                            dispatcher_errstr(err, text, sizeof text));
        return -1;
    }
    ack->temps_removed = dispatcher_temps_clean_once(dirfd, paths->dir, paths->name);
    return dirfd;
}

void dispatcher_probe(const char *dir, const char *name, akl_bootstrap_ack_t *ack)
{
    char text[96];
    dispatcher_paths_t paths = {.dir = dir, .name = name};
    int dirfd = dispatcher_open_dir(&paths, ack);
    if (dirfd < 0)
        return;
    int fd = dispatcher_create_temp(dirfd, &paths);
    if (fd < 0) {
        int err = errno;
        dispatcher_ack_fail(ack, AKL_STAGE_CREATE, err, paths.temp,
                            "cannot create temporary file: %s",
                            dispatcher_errstr(err, text, sizeof text));
    } else {
        /* One byte, written and fsynced as a publish would: a full filesystem shows here too. */
        static const unsigned char probe_byte[1] = {0};
        int rc = dispatcher_fill_temp(fd, &paths, probe_byte, sizeof probe_byte, ack);
        unlinkat(dirfd, paths.temp_name, 0);
        if (rc == 0)
            dispatcher_ack_succeed(ack, AKL_ACK_PROBED, 0, dir, "writable");
    }
    close(dirfd);
}

/* One writer per name under a herd: bootstraps of the same new bytes at once (processes of one
 * die, or of both dies of a chip sharing the directory) must write the file once. A writer holds an
 * exclusive flock on the directory while it writes; the others wait for it, then compare and find
 * the file identical. The kernel drops the lock of a writer that dies, so a dead writer never
 * blocks anyone; a live one that hangs is waited for DISPATCHER_LOCK_WAIT_MS at most, after which
 * the waiter writes anyway (atomic rename keeps that correct, only not single-writer). Only a
 * write takes the lock: a device that holds the file answers without it. */
#define DISPATCHER_LOCK_WAIT_MS 30000
static bool dispatcher_lock_dir(int dirfd)
{
    const struct timespec pause = {0, 1000000};
    for (int waited = 0; waited < DISPATCHER_LOCK_WAIT_MS; waited++) {
        if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
            return true;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return false;
        nanosleep(&pause, NULL);
    }
    return false;
}

/* Acts on what the name holds: nothing to do, a failure to read it, or a write. */
static void dispatcher_settle(int dirfd, dispatcher_paths_t *paths, const void *bytes, size_t len,
                              dispatcher_existing_t existing, int err, akl_bootstrap_ack_t *ack)
{
    char text[96];
    if (existing == DISPATCHER_SAME)
        dispatcher_ack_succeed(ack, AKL_ACK_IDENTICAL, len, paths->final,
                               "identical file already present (%zu bytes compared)", len);
    else if (existing == DISPATCHER_UNREADABLE)
        dispatcher_ack_fail(ack, AKL_STAGE_COMPARE, err, paths->final,
                            "cannot read the existing file to compare: %s",
                            dispatcher_errstr(err, text, sizeof text));
    else
        dispatcher_write_new(dirfd, paths, bytes, len, existing == DISPATCHER_DIFFERENT, ack);
}

void dispatcher_publish(const char *dir, const char *name, const void *bytes, size_t len,
                        akl_bootstrap_ack_t *ack)
{
    dispatcher_paths_t paths = {.dir = dir, .name = name};
    int dirfd = dispatcher_open_dir(&paths, ack);
    if (dirfd < 0)
        return;
    int err = 0;
    dispatcher_existing_t existing = dispatcher_existing(dirfd, name, bytes, len, &err);
    /* Under the lock, look again: the writer we waited for may have published these bytes. */
    if ((existing == DISPATCHER_ABSENT || existing == DISPATCHER_DIFFERENT) &&
        dispatcher_lock_dir(dirfd))
        existing = dispatcher_existing(dirfd, name, bytes, len, &err);
    dispatcher_settle(dirfd, &paths, bytes, len, existing, err, ack);
    close(dirfd); /* drops the lock */
}
