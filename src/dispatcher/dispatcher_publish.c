/* The atomic, durable publish. Readers (the device's loader, other dispatchers) must see either the
 * old state or the complete new file under the final name, even across a crash: so the bytes go to
 * a temporary file in the same directory, which is fsynced, renamed onto the name, and the
 * directory fsynced. An existing file is compared first, so a device that already holds the bytes
 * costs no write and no fsync. All file operations are relative to one directory descriptor, so the
 * directory cannot change under us between steps. The bytes' fingerprint is computed in the same
 * pass as the compare or the write (dispatcher_hash.h): a mismatch found there leaves the name
 * untouched (an identical file is not reported, a temporary is never renamed). */
#define _GNU_SOURCE
#include "dispatcher_publish.h"

#include "dispatcher_ack.h"
#include "dispatcher_hash.h"
#include "dispatcher_hold.h"
#include "temps.h"
#include "fd_io.h"
#include "publish.h"

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

/* Paths of one publish, for the record and the log. */
typedef struct dispatcher_paths {
    const char *dir;
    const char *name;
    char final[PATH_MAX];
    char temp[PATH_MAX];
    cmn_publish_t pub; /* the temporary's name and where the publish got to */
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

/* The existing file is compared through a read-only mapping: its bytes are read once, by memcmp,
 * instead of being copied into a buffer first. Each chunk of the source is hashed just before it is
 * compared (dispatcher_hash.h), so device memory is read once too; the compare always runs to the
 * end, because equality is never decided by the 64-bit hash. Published files are only ever
 * replaced by rename, never truncated in place, so the mapping stays whole. A file that cannot be
 * mapped could not be loaded either (the loader maps it): that is a failure to read it. */
static bool dispatcher_same_bytes(int fd, dispatcher_source_t *src, int *err)
{
    if (src->len == 0)
        return true;
    const unsigned char *map = mmap(NULL, src->len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        *err = errno;
        return false;
    }
    bool same = true;
    for (size_t done = 0; same && done < src->len; done += DISPATCHER_CHUNK) {
        size_t want = src->len - done < DISPATCHER_CHUNK ? src->len - done : DISPATCHER_CHUNK;
        dispatcher_source_hash_to(src, done + want);
        same = memcmp(map + done, src->bytes + done, want) == 0;
    }
    munmap((void *)map, src->len);
    return same;
}

/* What the name holds now. Its type is looked at without opening it (a device node can have side
 * effects on open, a socket cannot be opened at all): anything but a regular file of the same size
 * counts as different and is replaced by a regular file (the loader's realpath check would refuse
 * a link out of the dir). Only a regular file is opened, O_NOFOLLOW | O_NONBLOCK in case the name
 * was swapped between the look and the open, and the type is checked again on what was opened. */
static dispatcher_existing_t dispatcher_existing(int dirfd, const char *name,
                                                 dispatcher_source_t *src, int *err, int *same_fd)
{
    size_t len = src->len;
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
        bool same = dispatcher_same_bytes(fd, src, err);
        result = same ? DISPATCHER_SAME : *err != 0 ? DISPATCHER_UNREADABLE : DISPATCHER_DIFFERENT;
    }
    if (result == DISPATCHER_SAME)
        *same_fd = fd; /* what the hold locks: the file just compared */
    else
        close(fd);
    return result;
}

/* What the ack says for a step of a publish (publish.h) that failed: its stage and its words. */
static akl_ack_stage_t dispatcher_step_stage(cmn_publish_step_t step, const char **what)
{
    static const unsigned char stages[] = {
        [CMN_PUBLISH_CREATE] = AKL_STAGE_CREATE,   [CMN_PUBLISH_CHMOD] = AKL_STAGE_CREATE,
        [CMN_PUBLISH_WRITE] = AKL_STAGE_WRITE,     [CMN_PUBLISH_FSYNC] = AKL_STAGE_FSYNC,
        [CMN_PUBLISH_CLOSE] = AKL_STAGE_WRITE,     [CMN_PUBLISH_RENAME] = AKL_STAGE_RENAME,
        [CMN_PUBLISH_DIRSYNC] = AKL_STAGE_DIRSYNC, [CMN_PUBLISH_VERIFY] = AKL_STAGE_FINGERPRINT,
    };
    *what = step == CMN_PUBLISH_CREATE  ? "cannot create temporary file"
            : step == CMN_PUBLISH_CHMOD ? "chmod of temporary file failed"
            : step == CMN_PUBLISH_WRITE ? "write failed"
            : step == CMN_PUBLISH_FSYNC ? "fsync of temporary file failed"
            : step == CMN_PUBLISH_CLOSE ? "close of temporary file failed"
            : step == CMN_PUBLISH_RENAME
                ? "rename of temporary onto the name failed"
                : "fsync of directory after rename failed (file is in place)";
    return (akl_ack_stage_t)stages[step];
}

/* Records in ack the step at which a publish failed, with the path that step concerns. */
static void dispatcher_ack_step(akl_bootstrap_ack_t *ack, dispatcher_paths_t *paths, size_t len,
                                int err)
{
    char text[96];
    const char *why = dispatcher_errstr(err, text, sizeof text);
    cmn_publish_step_t step = paths->pub.step;
    const char *what;
    akl_ack_stage_t stage = dispatcher_step_stage(step, &what);
    ack->bytes = paths->pub.written;
    /* For the record only: every step itself is relative to the directory's descriptor. */
    dispatcher_join(paths->temp, sizeof paths->temp, paths->dir, paths->pub.temp);
    /* An unnamed temporary (its /proc path in pub.temp) goes by the name it was to have. */
    const char *path = step == CMN_PUBLISH_RENAME || paths->pub.temp[0] == '/' ? paths->final
                       : step == CMN_PUBLISH_DIRSYNC                              ? paths->dir
                                                                                  : paths->temp;
    if (step == CMN_PUBLISH_WRITE)
        dispatcher_ack_fail(ack, stage, err, path, "%s after %zu of %zu bytes: %s", what,
                            paths->pub.written, len, why);
    else
        dispatcher_ack_fail(ack, stage, err, path, "%s: %s", what, why);
}

/* The publish's look at each chunk before it is written: hashes it (dispatcher_hash.h); after the
 * last one, refuses bytes that do not hash to what the host expected, before the fsync and the
 * rename. */
static int dispatcher_hash_chunk(void *ctx, const void *chunk, size_t len)
{
    dispatcher_source_t *src = ctx;
    if (chunk == NULL)
        return dispatcher_source_verified(src) ? 0 : EBADMSG;
    dispatcher_source_hash_to(src, (size_t)((const unsigned char *)chunk - src->bytes) + len);
    return 0;
}

/* Publishes with the one atomic publish (publish.h), mode 0755 whatever the umask (the loader
 * must read it), hashing the bytes as they are written, held from before it has the name
 * (paths->pub.held), through an unnamed temporary where the name is new. A temporary a cleaner took
 * for stale before the rename (a writer in another pid namespace) starts it over. */
static void dispatcher_write_new(int dirfd, dispatcher_paths_t *paths, dispatcher_source_t *src,
                                 bool replacing, akl_bootstrap_ack_t *ack)
{
    int err = 0;
    size_t len = src->len;
    unsigned flags = CMN_PUBLISH_HOLD | (replacing ? 0 : CMN_PUBLISH_NEW_NAME);
    for (int attempt = 1; attempt <= CMN_PUBLISH_ATTEMPTS; attempt++) {
        err = cmn_publish_once(dirfd, paths->name, src->bytes, len, 0755, flags,
                               dispatcher_hash_chunk, src, &paths->pub);
        if (err != ENOENT || paths->pub.step != CMN_PUBLISH_RENAME)
            break;
    }
    if (err != 0 && paths->pub.step == CMN_PUBLISH_VERIFY)
        dispatcher_source_refuse(src, ack);
    else if (err != 0)
        dispatcher_ack_step(ack, paths, len, err);
    else if (replacing)
        dispatcher_ack_succeed(ack, AKL_ACK_REPLACED, len, paths->final,
                               "replaced other bytes with %zu bytes", len);
    else
        dispatcher_ack_succeed(ack, AKL_ACK_WROTE, len, paths->final, "wrote %zu bytes", len);
}

/* cmn_temps_clean (temps.h), but at most once per directory (dir: its path) per process (the first
 * publish into it): a scan costs O(files in the directory), which must not be paid by every load. A
 * writer killed later leaves its temporary until the next scheduler process publishes there (it is
 * never served). Returns how many it removed (0 when the directory was swept already). */
/* Directories swept by this process, as a mix of st_dev and st_ino (0 = free slot). Global state
 * on purpose: the device's loader dlopens the dispatcher once per scheduler process, so this lives
 * as long as that process, which is what "once per directory per scheduler process" needs. Lock
 * free (worker threads run Init at once): two threads that both miss sweep twice, which is
 * harmless; a mixed-key collision skips one sweep, which only delays removing leftovers. */
#define DISPATCHER_SWEPT_DIRS 16
static uint64_t dispatcher_swept[DISPATCHER_SWEPT_DIRS];

static bool dispatcher_dir_swept(uint64_t key)
{
    for (int i = 0; i < DISPATCHER_SWEPT_DIRS; i++)
        if (__atomic_load_n(&dispatcher_swept[i], __ATOMIC_ACQUIRE) == key)
            return true;
    return false;
}

static void dispatcher_dir_mark_swept(uint64_t key)
{
    for (int i = 0; i < DISPATCHER_SWEPT_DIRS; i++) {
        uint64_t expected = 0;
        if (__atomic_compare_exchange_n(&dispatcher_swept[i], &expected, key, false,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED) ||
            expected == key)
            return;
    }
    /* Full: later publishes in further directories sweep every time, as before. */
}

static uint64_t dispatcher_temps_clean_once(int dirfd, const char *dir, const char *name)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0)
        return cmn_temps_clean(dirfd, name);
    /* The path too: a removed directory's inode number can come back for a new one. */
    uint64_t key = ((uint64_t)st.st_dev * 0x9e3779b97f4a7c15ull) ^ (uint64_t)st.st_ino;
    for (const char *p = dir; *p; p++)
        key = (key ^ (unsigned char)*p) * 0x100000001b3ull;
    key = key ? key : 1;
    if (dispatcher_dir_swept(key))
        return 0;
    uint64_t removed = cmn_temps_clean(dirfd, name);
    dispatcher_dir_mark_swept(key);
    return removed;
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
    dispatcher_paths_t paths = {.dir = dir, .name = name};
    int dirfd = dispatcher_open_dir(&paths, ack);
    if (dirfd < 0)
        return;
    /* One byte, written and fsynced as a publish would: a full filesystem shows here too. */
    static const unsigned char probe_byte[1] = {0};
    int fd = cmn_publish_create_temp(dirfd, name, &paths.pub);
    int err = fd < 0 ? errno
                     : cmn_publish_fill(fd, 0755, 0, probe_byte, sizeof probe_byte, NULL, NULL,
                                        &paths.pub);
    if (fd >= 0)
        unlinkat(dirfd, paths.pub.temp, 0);
    if (err != 0)
        dispatcher_ack_step(ack, &paths, sizeof probe_byte, err);
    else
        dispatcher_ack_succeed(ack, AKL_ACK_PROBED, 0, dir, "writable");
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

/* Acts on what the name holds: nothing to do, a failure to read it, or a write. A file equal to
 * bytes that do not hash to what the host expected is not "identical": those bytes are refused. */
static void dispatcher_settle(int dirfd, dispatcher_paths_t *paths, dispatcher_source_t *src,
                              dispatcher_existing_t existing, int err, akl_bootstrap_ack_t *ack)
{
    char text[96];
    size_t len = src->len;
    if (existing == DISPATCHER_SAME && !dispatcher_source_verified(src))
        dispatcher_source_refuse(src, ack);
    else if (existing == DISPATCHER_SAME)
        dispatcher_ack_succeed(ack, AKL_ACK_IDENTICAL, len, paths->final,
                               "identical file present (%zu bytes compared)", len);
    else if (existing == DISPATCHER_UNREADABLE)
        dispatcher_ack_fail(ack, AKL_STAGE_COMPARE, err, paths->final,
                            "cannot read the existing file: %s",
                            dispatcher_errstr(err, text, sizeof text));
    else
        dispatcher_write_new(dirfd, paths, src, existing == DISPATCHER_DIFFERENT, ack);
}

bool dispatcher_publish(const char *dir, const char *name, dispatcher_source_t *src,
                        akl_bootstrap_ack_t *ack)
{
    dispatcher_paths_t paths = {.dir = dir, .name = name, .pub = {.held = -1}};
    int dirfd = dispatcher_open_dir(&paths, ack);
    if (dirfd < 0)
        return true;
    int err = 0, same_fd = -1;
    dispatcher_existing_t existing = dispatcher_existing(dirfd, name, src, &err, &same_fd);
    /* Under the lock, look again: the writer we waited for may have published these bytes. */
    if ((existing == DISPATCHER_ABSENT || existing == DISPATCHER_DIFFERENT) &&
        dispatcher_flock_retry(dirfd, LOCK_EX, DISPATCHER_LOCK_WAIT_MS))
        existing = dispatcher_existing(dirfd, name, src, &err, &same_fd);
    dispatcher_settle(dirfd, &paths, src, existing, err, ack);
    /* What to hold: the file written here (locked already), else the identical one compared. A
     * failed publish holds nothing (pub.held is -1 then). */
    bool written = paths.pub.held >= 0;
    int fd = written ? paths.pub.held : same_fd;
    bool settled = true;
    if (ack->status != AKL_ACK_FAILED)
        settled = dispatcher_hold(dirfd, name, fd, written);
    else if (fd >= 0)
        close(fd);
    close(dirfd); /* drops the directory's lock */
    return settled;
}
