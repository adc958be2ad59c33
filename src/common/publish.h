/* The one atomic publish: bytes appear under a name in a directory all at once or not at all, and
 * survive a crash once published. A fresh temporary beside the name (temps.h's form, O_EXCL) is
 * given its mode, filled, fsynced and closed, renamed onto the name, and the directory fsynced.
 * Before it, the stale temporaries of the name's prefix are swept by temps.h's one staleness rule.
 * Used by the dispatcher (which compares an existing file first and reports each step in its ack)
 * and by the simulator's own installs. All steps are relative to one directory descriptor. */
#ifndef AKL_COMMON_PUBLISH_H
#define AKL_COMMON_PUBLISH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cmn_publish_step {
    CMN_PUBLISH_CREATE,  /* creating the temporary */
    CMN_PUBLISH_CHMOD,   /* giving it its mode, whatever the umask */
    CMN_PUBLISH_WRITE,   /* writing the bytes */
    CMN_PUBLISH_FSYNC,   /* fsync of the temporary */
    CMN_PUBLISH_CLOSE,   /* closing it */
    CMN_PUBLISH_RENAME,  /* renaming it onto the name */
    CMN_PUBLISH_DIRSYNC, /* fsync of the directory (the file is in place) */
    CMN_PUBLISH_VERIFY,  /* the caller's inspection refused the bytes (cmn_publish_inspect_fn) */
} cmn_publish_step_t;

/* Optional: a look at the bytes in the pass that writes them (the dispatcher hashes them there,
 * instead of reading them once more beforehand). Called with each chunk of at most
 * CMN_PUBLISH_INSPECT_CHUNK bytes just before it is written, in order, then once with chunk NULL
 * after the last one, before the fsync. A non-zero result (an errno) stops the publish at
 * CMN_PUBLISH_VERIFY, and the temporary is removed: nothing appears under the name. */
typedef int (*cmn_publish_inspect_fn)(void *ctx, const void *chunk, size_t len);
#define CMN_PUBLISH_INSPECT_CHUNK (1u << 20)

/* Where a publish got to. */
typedef struct cmn_publish {
    char temp[NAME_MAX + 1]; /* the temporary's name in the directory (the last one tried), or
                                the /proc/self/fd path of an unnamed one */
    cmn_publish_step_t step; /* the step that failed */
    size_t written;          /* bytes written to the temporary */
    uint64_t temps_removed;  /* stale temporaries swept (cmn_publish only) */
    int held;                /* CMN_PUBLISH_HOLD (cmn_publish_once): the file's held descriptor,
                                * or -1 */
} cmn_publish_t;

/* A word for the step, for messages ("write", "rename", ...). */
const char *cmn_publish_step_name(cmn_publish_step_t step);

/* Creates a fresh temporary for name in dirfd (O_EXCL, so it is ours alone; a name taken by a dead
 * writer's leftover is passed over). Returns its descriptor, or -1 with errno (ENAMETOOLONG when
 * the name leaves no room for the temporary's). */
int cmn_publish_create_temp(int dirfd, const char *name, cmn_publish_t *pub);
/* Flags: skip both fsyncs, for a file that lives only as long as its writer process (durability
 * across a crash would buy nothing; atomicity stays). */
#define CMN_PUBLISH_NO_FSYNC 1u
/* Flags: the file is held from before it has its name: once filled, the temporary is opened again
 * read-only and takes a shared flock (without waiting), and a successful publish leaves that
 * descriptor in pub->held for the caller to keep (-1 when the lock could not be taken). */
#define CMN_PUBLISH_HOLD 2u
/* Flags: the caller found no file under the name: the bytes go to an unnamed temporary (O_TMPFILE)
 * that is linked under the name once complete, where the filesystem and /proc allow; otherwise (or
 * when the name exists after all) the named temporary and its rename, as without the flag. */
#define CMN_PUBLISH_NEW_NAME 4u

/* Gives the temporary open at fd the mode, writes len bytes (shown to inspect first, when not
 * NULL), fsyncs (unless CMN_PUBLISH_NO_FSYNC) and closes it (fd is closed in every case). Returns
 * 0, or the errno with pub->step saying which step failed. */
int cmn_publish_fill(int fd, unsigned mode, unsigned flags, const void *bytes, size_t len,
                     cmn_publish_inspect_fn inspect, void *ctx, cmn_publish_t *pub);
/* One attempt: create, fill (with inspect, may be NULL), rename onto name (or link an unnamed
 * temporary under it, CMN_PUBLISH_NEW_NAME), fsync the directory. The temporary never outlives a
 * failure. Returns 0, or the errno with pub->step. ENOENT at CMN_PUBLISH_RENAME means a cleaner
 * took the temporary for stale (a writer in another pid namespace): the caller may try again. */
int cmn_publish_once(int dirfd, const char *name, const void *bytes, size_t len, unsigned mode,
                     unsigned flags, cmn_publish_inspect_fn inspect, void *ctx, cmn_publish_t *pub);
/* Sweeps the stale temporaries of name's prefix, then publishes, trying again (up to
 * CMN_PUBLISH_ATTEMPTS in all) when the temporary was taken away before the rename. Returns 0 or
 * the errno of the failed step as cmn_publish_once. */
int cmn_publish(int dirfd, const char *name, const void *bytes, size_t len, unsigned mode,
                unsigned flags, cmn_publish_t *pub);

#define CMN_PUBLISH_ATTEMPTS 3

#endif /* AKL_COMMON_PUBLISH_H */
