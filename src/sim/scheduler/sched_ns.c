/* The device's filesystem at the device's own paths. On an Ascend device the AICPU scheduler finds
 * its kernels under /usr/lib64/aicpu_kernels/<vf>/, custom kernels under /home/CustAiCpuUser/, and
 * may write /var/tmp (docs/cann-facts.md §3.3, §3.8, §5). Device code that hard-codes those paths
 * must reach the simulated chip's tree, never the host's directories of the same name.
 *
 * So the scheduler enters a private mount namespace (inside a user namespace of its own when it is
 * not root, so no privilege is needed) and binds its chip's directories over those paths. A path
 * whose parent does not exist on the host (/usr/lib64/aicpu_kernels on any ordinary machine) gets
 * its mount point in a "shadow" of the deepest existing ancestor: a private tmpfs over it holding
 * a bind of every original entry, plus the new directory. Nothing is created, removed or written on
 * the host; every mount is gone when the scheduler exits. Where namespaces are unavailable (no user
 * namespaces, a multi-threaded start under an emulator, seccomp), the scheduler says so once and
 * device code finds its tree only through ASCEND_AICPU_KERNEL_PATH, as before. */
#define _GNU_SOURCE
#include "sched_ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgbuf.h"
#include "sched_install.h"
#include "sched_shm.h" /* SCHED_MSG_MAX */
#include "sim_paths.h"

/* One device path and the chip subdirectory bound over it. */
typedef struct sched_ns_bind {
    const char *target; /* the device's path */
    const char *source; /* below the chip root */
} sched_ns_bind_t;

static const sched_ns_bind_t sched_ns_binds[] = {
    {"/usr/lib64/aicpu_kernels", "usr/lib64/aicpu_kernels"},
    {"/home/CustAiCpuUser", SIM_CUST_SUBDIR},
    {"/var/tmp", "var/tmp"},
};
#define SCHED_NS_NBINDS (sizeof sched_ns_binds / sizeof sched_ns_binds[0])

static int sched_ns_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A private mount namespace; a user namespace first unless we are root (our uid and gid map to
 * themselves, so ownership checks of the simulator's tree still see us). */
static int sched_ns_unshare(cmn_msg_t *err)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (uid == 0) {
        if (unshare(CLONE_NEWNS) != 0) {
            cmn_msg_set(err, "unshare(CLONE_NEWNS): %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        cmn_msg_set(err, "unshare(CLONE_NEWUSER | CLONE_NEWNS): %s", strerror(errno));
        return -1;
    }
    char map[64];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (sched_ns_write_file("/proc/self/setgroups", "deny") != 0 ||
        sched_ns_write_file("/proc/self/uid_map", map) != 0) {
        cmn_msg_set(err, "cannot map uid %u in the new user namespace: %s", (unsigned)uid,
                    strerror(errno));
        return -1;
    }
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (sched_ns_write_file("/proc/self/gid_map", map) != 0) {
        cmn_msg_set(err, "cannot map gid %u in the new user namespace: %s", (unsigned)gid,
                    strerror(errno));
        return -1;
    }
    return 0;
}

/* Binds the entry name of the original directory dirfd at dst (a fresh mount point made in the
 * shadow tmpfs to match its type). Symbolic links are copied as links. */
static int sched_ns_shadow_entry(int dirfd, const char *name, const char *dst, cmn_msg_t *err)
{
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return 0; /* gone meanwhile */
    if (S_ISLNK(sb.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n < 0)
            return 0;
        target[n] = '\0';
        if (symlink(target, dst) != 0) {
            cmn_msg_set(err, "cannot recreate link %s: %s", dst, strerror(errno));
            return -1;
        }
        return 0;
    }
    int made = S_ISDIR(sb.st_mode) ? mkdir(dst, 0700) : mknod(dst, S_IFREG | 0600, 0);
    if (made != 0) {
        cmn_msg_set(err, "cannot make mount point %s: %s", dst, strerror(errno));
        return -1;
    }
    char src[64 + NAME_MAX];
    snprintf(src, sizeof src, "/proc/self/fd/%d/%s", dirfd, name);
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0) {
        cmn_msg_set(err, "cannot bind %s over %s: %s", src, dst, strerror(errno));
        return -1;
    }
    return 0;
}

/* Lays a tmpfs over the existing directory dir that shows every original entry (bound, so reads
 * and writes reach the host's files as before) and lets new mount points be made in it. */
static int sched_ns_shadow(const char *dir, cmn_msg_t *err)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        cmn_msg_set(err, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat sb;
    char opts[64];
    fstat(dirfd, &sb);
    snprintf(opts, sizeof opts, "mode=%o", (unsigned)(sb.st_mode & 07777));
    if (mount("akl-sim-shadow", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0) {
        cmn_msg_set(err, "cannot mount a tmpfs over %s: %s", dir, strerror(errno));
        close(dirfd);
        return -1;
    }
    int rc = 0;
    DIR *d = fdopendir(dup(dirfd));
    if (!d) {
        cmn_msg_set(err, "cannot list %s: %s", dir, strerror(errno));
        rc = -1;
    }
    for (struct dirent *e; rc == 0 && d && (e = readdir(d)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char dst[PATH_MAX];
        snprintf(dst, sizeof dst, "%s/%s", dir, e->d_name);
        rc = sched_ns_shadow_entry(dirfd, e->d_name, dst, err);
    }
    if (d)
        closedir(d);
    close(dirfd);
    return rc;
}

/* Makes the mount point target exist: shadows its deepest existing ancestor (never "/") and
 * creates the missing components inside the shadow. */
static int sched_ns_mount_point(const char *target, cmn_msg_t *err)
{
    struct stat sb;
    if (stat(target, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 0 : (cmn_msg_set(err, "%s is not a directory", target), -1);
    char anc[PATH_MAX];
    snprintf(anc, sizeof anc, "%s", target);
    for (;;) {
        char *slash = strrchr(anc, '/');
        if (!slash || slash == anc) {
            cmn_msg_set(err, "no parent of %s exists below /", target);
            return -1;
        }
        *slash = '\0';
        if (stat(anc, &sb) == 0)
            break;
    }
    if (sched_ns_shadow(anc, err) != 0)
        return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", target);
    for (char *p = path + strlen(anc) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            cmn_msg_set(err, "cannot make %s in the shadow: %s", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        cmn_msg_set(err, "cannot make %s in the shadow: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Where a device path really is on this host: its realpath when it exists (/var/tmp may be a link
 * to /tmp), else the path itself (it will be made inside a shadow). */
static void sched_ns_resolve(const char *target, char *out, size_t cap)
{
    char real[PATH_MAX];
    snprintf(out, cap, "%s", realpath(target, real) ? real : target);
}

/* True if path is target or below it (the simulator's root there would be hidden). */
static bool sched_ns_below(const char *path, const char *target)
{
    size_t n = strlen(target);
    return strncmp(path, target, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Opens each chip directory to bind (creating it, 0700, as the rest of the tree); refuses a
 * simulator root that a bind would hide. */
static int sched_ns_open_sources(int32_t device, int fds[SCHED_NS_NBINDS],
                                 char targets[SCHED_NS_NBINDS][PATH_MAX], cmn_msg_t *err)
{
    char chip[SIM_PATH_MAX], real[PATH_MAX];
    if (sim_chip_root(device, chip, sizeof chip) != 0 || !realpath(chip, real)) {
        cmn_msg_set(err, "cannot resolve the chip root of device %d", (int)device);
        return -1;
    }
    for (size_t i = 0; i < SCHED_NS_NBINDS; i++) {
        sched_ns_resolve(sched_ns_binds[i].target, targets[i], PATH_MAX);
        if (sched_ns_below(real, targets[i])) {
            cmn_msg_set(err,
                        "the simulator's root %s lies below %s, which the device's own "
                        "directory would hide (set AKL_SIM_ROOT elsewhere)",
                        real, targets[i]);
            return -1;
        }
        char src[SIM_PATH_MAX + 64];
        snprintf(src, sizeof src, "%s/%s", chip, sched_ns_binds[i].source);
        for (char *p = src + strlen(chip) + 1; *p; p++) {
            if (*p == '/') {
                *p = '\0';
                mkdir(src, 0700);
                *p = '/';
            }
        }
        mkdir(src, 0700);
        fds[i] = open(src, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fds[i] < 0) {
            cmn_msg_set(err, "cannot open %s: %s", src, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int sched_ns_setup(int32_t device, cmn_msg_t *err)
{
    int fds[SCHED_NS_NBINDS];
    static char targets[SCHED_NS_NBINDS][PATH_MAX]; /* single-threaded start: no sharing */
    for (size_t i = 0; i < SCHED_NS_NBINDS; i++)
        fds[i] = -1;
    /* The sources are opened inside the new namespace (a bind's source must be a mount of the
     * caller's namespace) but before anything is mounted, so no mount changes what they name. */
    int rc = sched_ns_unshare(err);
    if (rc == 0)
        rc = sched_ns_open_sources(device, fds, targets, err);
    /* Nothing mounted here may propagate back to the host's namespace. */
    if (rc == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        cmn_msg_set(err, "cannot make the mounts private: %s", strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < SCHED_NS_NBINDS; i++) {
        char src[64];
        snprintf(src, sizeof src, "/proc/self/fd/%d", fds[i]);
        rc = sched_ns_mount_point(targets[i], err);
        if (rc == 0 && mount(src, targets[i], NULL, MS_BIND | MS_REC, NULL) != 0) {
            cmn_msg_set(err, "cannot bind the chip's %s over %s: %s", sched_ns_binds[i].source,
                        targets[i], strerror(errno));
            rc = -1;
        }
    }
    for (size_t i = 0; i < SCHED_NS_NBINDS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

int sched_ns_enter(int32_t device, cmn_msg_t *note)
{
    cmn_msg_clear(note);
    const char *off = getenv("AKL_SIM_NAMESPACE");
    if (off && strcmp(off, "0") == 0)
        return -1;
    if (getenv(SCHED_NS_ENTERED_ENV))
        return 0; /* a native stage set it up before it started us (under an emulator) */
    const char *stage_note = getenv(SCHED_NS_NOTE_ENV);
    if (stage_note && *stage_note) {
        cmn_msg_set(note, "%s", stage_note); /* the stage tried and says why it failed */
        return -1;
    }
    char err[SCHED_MSG_MAX];
    if (sched_ns_setup(device, CMN_MSG_ARRAY(err)) == 0)
        return 0;
    /* A failure after unshare leaves a half-built private namespace: harmless (it is ours and
     * dies with us), and the device's paths then reach the host's, as in the fallback. */
    cmn_msg_set(note,
                "cannot give device code the device's own paths (%s); it finds its chip's tree "
                "through ASCEND_AICPU_KERNEL_PATH only",
                err);
    return -1;
}

int sched_ns_exec(int32_t device, char **argv)
{
    char err[SCHED_MSG_MAX];
    /* The chip's directories must exist to be bound; the scheduler proper installs the rest. */
    if (sim_fs_prepare(device, NULL, CMN_MSG_ARRAY(err)) != 0) {
        fprintf(stderr, "akl-aicpu-sched (device %d): %s\n", (int)device, err);
    } else {
        /* Every mount the scheduler would make itself, in its order: the read-only preinstall
         * directory first, so the device's paths carry it. */
        sched_install_stage(device);
        if (sched_ns_enter(device, CMN_MSG_ARRAY(err)) == 0)
            setenv(SCHED_NS_ENTERED_ENV, "1", 1);
        else if (err[0])
            setenv(SCHED_NS_NOTE_ENV, err, 1); /* the scheduler proper reports it to its host */
    }
    execv(argv[0], argv);
    fprintf(stderr, "akl-aicpu-sched (device %d): cannot run %s: %s\n", (int)device, argv[0],
            strerror(errno));
    return 127;
}
