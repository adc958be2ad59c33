/* The simulated devices' filesystem layout: where each chip's root lives, how devices map to
 * chips, preparing a chip's directories with the simulator's libaicpu_extend_kernels.so, and the
 * per-host-process custom-kernel directories. */
#define _GNU_SOURCE
#include "sim_paths.h"

#include "msgbuf.h"
#include "so_name.h"
#include "fd_io.h"
#include "publish.h"
#include "temps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATHS_MAX_DEVICE_COUNT 1024
#define PATHS_MAX_DIES_PER_CHIP 16
/* Only the owner may enter the tree: whoever can write it can run code in every process using
 * it. */
#define PATHS_DIR_MODE 0700
#define PATHS_LIB_MODE 0755

/* A decimal number made of digits only, so that "8x", " 8" or "-1" count as garbage and the
 * default applies instead of a half-parsed value. */
static int paths_env_int(const char *name, int min, int max, int fallback)
{
    const char *text = getenv(name);
    if (!text || !*text || strlen(text) > 9)
        return fallback;
    long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return fallback;
        value = value * 10 + (*p - '0');
    }
    return value >= min && value <= max ? (int)value : fallback;
}

int sim_device_count(void)
{
    return paths_env_int("AKL_SIM_DEVICE_COUNT", 1, PATHS_MAX_DEVICE_COUNT,
                         SIM_DEFAULT_DEVICE_COUNT);
}

int sim_dies_per_chip(void)
{
    return paths_env_int("AKL_SIM_DIES_PER_CHIP", 1, PATHS_MAX_DIES_PER_CHIP,
                         SIM_DEFAULT_DIES_PER_CHIP);
}

static int paths_format(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int paths_format(char *out, size_t cap, const char *fmt, ...)
{
    if (!out || cap == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* base/leaf with redundant trailing slashes of base dropped; a relative base is taken from the
 * current directory, because the scheduler exports the result as ASCEND_AICPU_KERNEL_PATH and CANN
 * requires absolute kernel paths. */
static int paths_join_absolute(const char *base, const char *leaf, char *out, size_t cap)
{
    size_t base_len = strlen(base);
    while (base_len > 1 && base[base_len - 1] == '/')
        base_len--;
    const char *sep = base[base_len - 1] == '/' || !*leaf ? "" : "/";
    if (base[0] == '/')
        return paths_format(out, cap, "%.*s%s%s", (int)base_len, base, sep, leaf);
    char cwd[SIM_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    const char *cwd_sep = strcmp(cwd, "/") == 0 ? "" : "/";
    return paths_format(out, cap, "%s%s%.*s%s%s", cwd, cwd_sep, (int)base_len, base, sep, leaf);
}

int sim_root(char *out, size_t cap)
{
    const char *root = getenv("AKL_SIM_ROOT");
    if (root && *root)
        return paths_join_absolute(root, "", out, cap);
    /* The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored. */
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/')
        return paths_join_absolute(xdg, "akl-sim", out, cap);
    const char *home = getenv("HOME");
    if (home && *home)
        return paths_join_absolute(home, ".cache/akl-sim", out, cap);
    return paths_format(out, cap, "/tmp/akl-sim-%u", (unsigned)getuid());
}

int sim_chip_root(int32_t device, char *out, size_t cap)
{
    if (device < 0 || device >= sim_device_count())
        return -1;
    char root[SIM_PATH_MAX];
    if (sim_root(root, sizeof root) != 0)
        return -1;
    const char *sep = root[strlen(root) - 1] == '/' ? "" : "/";
    return paths_format(out, cap, "%s%schip%d", root, sep, device / sim_dies_per_chip());
}

static int paths_chip_subdir(int32_t device, const char *subdir, char *out, size_t cap)
{
    char chip[SIM_PATH_MAX];
    if (sim_chip_root(device, chip, sizeof chip) != 0)
        return -1;
    return paths_format(out, cap, "%s/%s", chip, subdir);
}

int sim_preinstall_dir(int32_t device, char *out, size_t cap)
{
    return paths_chip_subdir(device, SIM_PREINSTALL_SUBDIR, out, cap);
}

int sim_extend_dir(int32_t device, char *out, size_t cap)
{
    return paths_chip_subdir(device, SIM_EXTEND_SUBDIR, out, cap);
}

/* mkdir that treats "already there" as success, as long as it is a directory: several schedulers
 * (the dies of one chip, or processes starting together) create the same tree at once. */
static int paths_mkdir_one(const char *path, cmn_msg_t *msg)
{
    if (mkdir(path, PATHS_DIR_MODE) == 0)
        return 0;
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        err = ENOTDIR;
    }
    cmn_msg_add(msg, "cannot create directory %s: %s", path, strerror(err));
    return -1;
}

static int paths_mkdir_p(const char *path, cmn_msg_t *msg)
{
    char buf[SIM_PATH_MAX];
    if (paths_format(buf, sizeof buf, "%s", path) != 0) {
        cmn_msg_add(msg, "cannot create directory %s: path too long", path);
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = paths_mkdir_one(buf, msg);
        *p = '/';
        if (rc != 0)
            return -1;
    }
    return paths_mkdir_one(buf, msg);
}

/* ---- trusting the tree ------------------------------------------------------------------ */

/* Refuses a directory of the simulator's tree that another user could change: one not owned by the
 * effective user, or writable by group or others. Whoever can write there can swap an SO between
 * its check and its dlopen, i.e. run code in every process that uses the root. */
static int paths_check_dir(int fd, const char *path, cmn_msg_t *msg)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        cmn_msg_add(msg, "cannot inspect simulator directory %s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_uid != geteuid()) {
        cmn_msg_add(msg,
                    "simulator directory %s is owned by uid %u, not by you (uid %u): whoever can "
                    "write it can run code in your processes; remove it, or set AKL_SIM_ROOT to a "
                    "directory of your own",
                    path, (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        cmn_msg_add(msg,
                    "simulator directory %s is writable by group or others (mode %04o): whoever "
                    "can write it can run code in your processes; run 'chmod go-w %s'",
                    path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

/* Explains why name (in dirfd, shown as path) could not be opened as a directory without
 * following links. */
static void paths_explain_open(int dirfd, const char *name, const char *path, int err,
                               cmn_msg_t *msg)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        cmn_msg_add(msg,
                    "simulator directory %s is a symbolic link: the simulator's tree is never "
                    "entered through a link (another user could repoint it); remove the link, or "
                    "set AKL_SIM_ROOT to the real directory",
                    path);
    else
        cmn_msg_add(msg, "cannot open simulator directory %s: %s", path, strerror(err));
}

/* The root, created (mode 0700, with any missing parent) if missing, opened without following a
 * link and checked. Returns its descriptor, or -1 with a message. */
static int paths_open_root(char *root, size_t cap, cmn_msg_t *msg)
{
    if (sim_root(root, cap) != 0) {
        cmn_msg_add(msg, "the simulator root path does not fit in %zu bytes", cap);
        return -1;
    }
    if (paths_mkdir_p(root, msg) != 0)
        return -1;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        paths_explain_open(AT_FDCWD, root, root, errno, msg);
        return -1;
    }
    if (paths_check_dir(fd, root, msg) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Opens <root>/rel one component at a time, creating missing ones (0700), never following a link,
 * and checks every directory on the way (paths_check_dir). The openat walk means nothing can be
 * swapped between a check and the next step. Returns the last directory's descriptor, or -1 with
 * a message. */
static int paths_open_tree(const char *rel, cmn_msg_t *msg)
{
    char path[SIM_PATH_MAX], part[SIM_PATH_MAX];
    int fd = paths_open_root(path, sizeof path, msg);
    if (fd < 0)
        return -1;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    for (const char *p = rel; *p && fd >= 0;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n >= sizeof part || len + 1 + n >= sizeof path) {
            cmn_msg_add(msg, "simulator directory %s/%s: bad or too long path", path, rel);
            close(fd);
            return -1;
        }
        memcpy(part, p, n);
        part[n] = '\0';
        p += n + (p[n] == '/');
        path[len++] = '/';
        memcpy(path + len, part, n + 1);
        len += n;
        if (mkdirat(fd, part, PATHS_DIR_MODE) != 0 && errno != EEXIST) {
            cmn_msg_add(msg, "cannot create directory %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            paths_explain_open(fd, part, path, errno, msg);
        else if (paths_check_dir(next, path, msg) != 0) {
            close(next);
            next = -1;
        }
        close(fd);
        fd = next;
    }
    return fd;
}

/* paths_open_tree for <chip of device>/subdir, closing the descriptor: 0 or -1. */
static int paths_ensure_chip_tree(int32_t device, const char *subdir, cmn_msg_t *msg)
{
    char rel[SIM_PATH_MAX];
    if (paths_format(rel, sizeof rel, "chip%d/%s", (int)(device / sim_dies_per_chip()), subdir) !=
        0) {
        cmn_msg_add(msg, "device %d: simulator path too long", (int)device);
        return -1;
    }
    int fd = paths_open_tree(rel, msg);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* True only if path holds exactly these bytes; any doubt (missing, unreadable) means "replace". */
static bool paths_file_has_bytes(const char *path, const char *data, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return false;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == size;
    char chunk[16384];
    size_t off = 0;
    while (same && off < size) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        same = n > 0 && (size_t)n <= size - off && memcmp(chunk, data + off, (size_t)n) == 0;
        off += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    return same;
}

/* Installs data as dir/name with the one atomic publish (publish.h), which first sweeps the
 * temporaries a killed installer left by the one staleness rule (temps.h). */
static int paths_publish(const char *dir, const char *name, const void *data, size_t size,
                         unsigned flags, cmn_msg_t *msg)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        cmn_msg_add(msg, "cannot install %s into %s: %s", name, dir, strerror(errno));
        return -1;
    }
    cmn_publish_t pub;
    int err = cmn_publish(dirfd, name, data, size, PATHS_LIB_MODE, flags, &pub);
    close(dirfd);
    if (err == 0)
        return 0;
    if (pub.step == CMN_PUBLISH_DIRSYNC)
        cmn_msg_add(msg, "cannot fsync directory %s after installing %s: %s", dir, name,
                    strerror(err));
    else
        cmn_msg_add(msg, "cannot install %s/%s (%s of %s failed): %s", dir, name,
                    cmn_publish_step_name(pub.step), pub.temp, strerror(err));
    return -1;
}

static int paths_install_extend_kernels(const char *dir, const char *src, cmn_msg_t *msg)
{
    char dest[SIM_PATH_MAX];
    if (paths_format(dest, sizeof dest, "%s/%s", dir, SIM_EXTEND_KERNELS_NAME) != 0) {
        cmn_msg_add(msg, "cannot install %s into %s: path too long", SIM_EXTEND_KERNELS_NAME, dir);
        return -1;
    }
    size_t size = 0;
    void *data = NULL;
    int err = cmn_read_file(src, SIZE_MAX, &data, &size);
    if (err != 0) {
        cmn_msg_add(msg, "cannot read extend kernels library %s: %s", src, strerror(err));
        return -1;
    }
    /* Abandoned temporaries go even when nothing is written (as the dispatcher does). */
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd >= 0) {
        cmn_temps_clean(dirfd, SIM_EXTEND_KERNELS_NAME);
        close(dirfd);
    }
    /* Most starts find the same bytes already there: no write, no fsync. */
    int rc = paths_file_has_bytes(dest, data, size)
                 ? 0
                 : paths_publish(dir, SIM_EXTEND_KERNELS_NAME, data, size, 0, msg);
    free(data);
    return rc == 0 ? 0 : -1;
}

int sim_fs_prepare(int32_t device, const char *extend_kernels_src, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    char preinstall[SIM_PATH_MAX], extend[SIM_PATH_MAX];
    if (device < 0 || device >= sim_device_count()) {
        cmn_msg_add(msg, "invalid device id %d: the simulator has devices 0..%d", (int)device,
                    sim_device_count() - 1);
        return -1;
    }
    if (sim_preinstall_dir(device, preinstall, sizeof preinstall) != 0 ||
        sim_extend_dir(device, extend, sizeof extend) != 0) {
        cmn_msg_add(msg, "device %d: simulator root path too long", (int)device);
        return -1;
    }
    if (paths_ensure_chip_tree(device, SIM_PREINSTALL_SUBDIR, msg) != 0 ||
        paths_ensure_chip_tree(device, SIM_EXTEND_SUBDIR, msg) != 0)
        return -1;
    if (!extend_kernels_src)
        return 0;
    return paths_install_extend_kernels(extend, extend_kernels_src, msg);
}

/* ---- custom-kernel directories ------------------------------------------------------------ */

int sim_cust_dir(int32_t device, uint32_t host_pid, char *out, size_t cap)
{
    char chip[SIM_PATH_MAX];
    if (sim_chip_root(device, chip, sizeof chip) != 0)
        return -1;
    return paths_format(out, cap, "%s/" SIM_CUST_SUBDIR "/cust_aicpu_%d_0_%u", chip, (int)device,
                        (unsigned)host_pid);
}

int sim_cust_publish(int32_t device, uint32_t host_pid, const char *name, const void *data,
                     size_t size, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    char dir[SIM_PATH_MAX], dest[SIM_PATH_MAX];
    if (!name || !cmn_so_basename_ok(name)) {
        cmn_msg_add(msg,
                    "custom kernel SO name '%.100s' is not a basename of at most %d "
                    "[A-Za-z0-9._-] characters",
                    name ? name : "(null)", AKL_SO_NAME_MAX);
        return -1;
    }
    if (!data && size > 0) {
        cmn_msg_add(msg, "custom kernel SO %s: no data", name);
        return -1;
    }
    if (sim_cust_dir(device, host_pid, dir, sizeof dir) != 0 ||
        paths_format(dest, sizeof dest, "%s/%s", dir, name) != 0) {
        cmn_msg_add(msg, "device %d: custom kernel directory path too long or bad device id",
                    (int)device);
        return -1;
    }
    char rel[SIM_PATH_MAX];
    if (paths_format(rel, sizeof rel, SIM_CUST_SUBDIR "/cust_aicpu_%d_0_%u", (int)device,
                     (unsigned)host_pid) != 0 ||
        paths_ensure_chip_tree(device, rel, msg) != 0)
        return -1;
    /* Only this host process writes its custom directory, and the directory lives only as long as
     * the process: atomic is enough, durable would buy nothing. */
    return paths_publish(dir, name, data, size, CMN_PUBLISH_NO_FSYNC, msg);
}

int sim_cust_unpublish(int32_t device, uint32_t host_pid, const char *name)
{
    char dir[SIM_PATH_MAX], file[SIM_PATH_MAX];
    if (!name || !cmn_so_basename_ok(name) ||
        sim_cust_dir(device, host_pid, dir, sizeof dir) != 0 ||
        paths_format(file, sizeof file, "%s/%s", dir, name) != 0)
        return -1;
    return unlink(file) == 0 || errno == ENOENT ? 0 : -1;
}

/* The directory holds only files this simulator wrote, so one level is all there is; entries are
 * unlinked without following links. */
int sim_cust_remove(int32_t device, uint32_t host_pid)
{
    char dir[SIM_PATH_MAX];
    if (sim_cust_dir(device, host_pid, dir, sizeof dir) != 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
    return rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}
