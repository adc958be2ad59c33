/* The install variants a simulated device can model, read by its scheduler at start
 * (docs/simulator.md, "Install variants"):
 *
 *   AKL_SIM_EXTEND_PACKAGE=present|absent  absent: the device has no extend-kernel package; the
 *       scheduler neither installs nor preloads libaicpu_extend_kernels.so, so a KFC launch naming
 *       it fails in the KFC lookup (device errcode 11006), as CANN's does.
 *   AKL_SIM_PREINSTALL=present|absent|readonly  absent: the chip has no preinstall directory (the
 *       scheduler removes it, with what it held); readonly: the scheduler's user cannot write it.
 *       Tests run as root, whom permission bits do not stop, so the scheduler makes it really
 *       read-only in its own view: in a private mount namespace (or, unprivileged, a user namespace
 *       owning one) it bind-mounts the directory onto itself read-only, and every write by the
 *       scheduler, the dispatcher and kernels fails with EROFS. The host and other processes still
 *       see it writable. A machine that allows neither namespace cannot model it: the scheduler
 *       then fails to start, saying so. A scheduler run under an emulator gets the mount from its
 *       native stage (sched_install_stage), as it gets the device's paths (sched_ns.c). */
#define _GNU_SOURCE
#include "sched_install.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "msgbuf.h"
#include "sched_shm.h" /* SCHED_MSG_MAX */
#include "sim_paths.h"

#define INSTALL_NFTW_FDS 16

static int install_pick(const char *var, const char *const *values, int count, int *out,
                        cmn_msg_t *err)
{
    const char *text = getenv(var);
    *out = 0;
    if (!text || !text[0])
        return 0;
    for (int i = 0; i < count; i++) {
        if (strcmp(text, values[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    cmn_msg_set(err, "%s=\"%.64s\" is not one of", var, text);
    for (int i = 0; i < count; i++)
        cmn_msg_add(err, "%s %s", i ? "," : "", values[i]);
    return -1;
}

int sched_install_read(sched_install_t *out, cmn_msg_t *err)
{
    static const char *const package[] = {"present", "absent"};
    static const char *const preinstall[] = {"present", "absent", "readonly"};
    int extend = 0, dir = 0;
    if (install_pick("AKL_SIM_EXTEND_PACKAGE", package, 2, &extend, err) != 0 ||
        install_pick("AKL_SIM_PREINSTALL", preinstall, 3, &dir, err) != 0)
        return -1;
    out->extend_package = extend == 0;
    out->preinstall = (sched_preinstall_t)dir;
    return 0;
}

static int install_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
    return rc == 0 || errno == ENOENT ? 0 : -1;
}

static int install_remove_dir(const char *dir, cmn_msg_t *err)
{
    if (nftw(dir, install_remove_entry, INSTALL_NFTW_FDS, FTW_DEPTH | FTW_PHYS) == 0 ||
        errno == ENOENT)
        return 0;
    cmn_msg_set(err, "AKL_SIM_PREINSTALL=absent: cannot remove %s: %s", dir, strerror(errno));
    return -1;
}

static int install_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A mount namespace of our own; unprivileged, one owned by a new user namespace that maps our
 * uid and gid to themselves. The scheduler is still single-threaded here, as CLONE_NEWUSER
 * needs. */
static int install_private_mounts(void)
{
    if (unshare(CLONE_NEWNS) == 0)
        return 0;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return -1;
    char map[64];
    snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
    if (install_write("/proc/self/uid_map", map) != 0)
        return -1;
    (void)install_write("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
    return install_write("/proc/self/gid_map", map);
}

static int install_read_only(const char *dir, cmn_msg_t *err)
{
    if (install_private_mounts() != 0) {
        cmn_msg_set(
            err,
            "AKL_SIM_PREINSTALL=readonly needs a private mount namespace (or a user namespace "
            "owning one), which this machine refuses: %s",
            strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(dir, dir, NULL, MS_BIND, NULL) != 0 ||
        mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
        cmn_msg_set(err, "AKL_SIM_PREINSTALL=readonly: cannot bind-mount %s read-only: %s", dir,
                    strerror(errno));
        return -1;
    }
    return 0;
}

/* The read-only variant as the scheduler proper applies it. A scheduler run under an emulator
 * cannot make the mount itself (qemu-user is multi-threaded from its start): its native stage made
 * it (sched_install_stage), so the directory is already read-only here, or the stage said why not.
 * The mount is checked, not a flag, so no environment can claim a mount that is not there. */
static int install_read_only_here(const char *dir, cmn_msg_t *err)
{
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        return 0;
    const char *stage_err = getenv(SCHED_INSTALL_STAGE_ENV);
    if (stage_err && *stage_err) {
        cmn_msg_set(err, "%s", stage_err);
        return -1;
    }
    return install_read_only(dir, err);
}

void sched_install_stage(int32_t device)
{
    unsetenv(SCHED_INSTALL_STAGE_ENV);
    sched_install_t install;
    char err[SCHED_MSG_MAX], dir[SIM_PATH_MAX];
    /* A bad value or path is the scheduler proper's to report, as it reports them natively. */
    if (sched_install_read(&install, CMN_MSG_ARRAY(err)) != 0 ||
        install.preinstall != SCHED_PREINSTALL_READONLY ||
        sim_preinstall_dir(device, dir, sizeof dir) != 0)
        return;
    if (install_read_only(dir, CMN_MSG_ARRAY(err)) != 0)
        setenv(SCHED_INSTALL_STAGE_ENV, err, 1);
}

int sched_install_apply_preinstall(const sched_install_t *install, const char *dir, cmn_msg_t *err)
{
    switch (install->preinstall) {
    case SCHED_PREINSTALL_ABSENT:
        return install_remove_dir(dir, err);
    case SCHED_PREINSTALL_READONLY:
        return install_read_only_here(dir, err);
    case SCHED_PREINSTALL_PRESENT:
        break;
    }
    return 0;
}
