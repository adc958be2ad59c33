/* Helpers shared by the test programs: deadlines, files, trees and child processes. */
#define _GNU_SOURCE
#include "test_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h> /* cmocka.h needs these first */
#include <stdarg.h>
#include <cmocka.h>

uint64_t t_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool t_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    uint64_t deadline = t_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    for (;;) {
        if (cond(arg))
            return true;
        if (t_now_ns() >= deadline)
            return cond(arg);
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

const char *t_device_subdir(void)
{
    const char *arch = getenv("AKL_SIM_ARCH");
    struct utsname host;
    if (!arch || !*arch || strcmp(arch, "host") == 0 || uname(&host) != 0 ||
        strcmp(arch, host.machine) == 0)
        return "";
    return strcmp(arch, "aarch64") == 0 ? "aarch64/" : "unknown-arch/";
}

const char *t_kernel_path(const char *file, char *buf, size_t cap)
{
    /* A program run from a copy of the build tree's files (ctest sim_fidelity_unprivileged,
     * tests/sim/run_unprivileged.sh) is pointed at the copied kernels. */
    const char *dir = getenv("AKL_TEST_KERNEL_DIR");
    if (!dir || !*dir)
        dir = AKL_TEST_KERNEL_DIR;
    snprintf(buf, cap, "%s/%s%s", dir, t_device_subdir(), file);
    return buf;
}

const char *t_device_file(const char *dir, const char *file, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s/%s%s", AKL_BUILD_DIR, dir, t_device_subdir(), file);
    return buf;
}

const char *t_sim_root(void)
{
    const char *root = getenv("AKL_SIM_ROOT");
    return root ? root : "";
}

const char *t_sim_root_or_temp(const char *name, char *out, size_t cap)
{
    if (*t_sim_root()) {
        snprintf(out, cap, "%s", t_sim_root());
        return out;
    }
    snprintf(out, cap, "/tmp/akl-test-%s-XXXXXX", name);
    return mkdtemp(out);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int t_remove_sim_root(void **state)
{
    (void)state;
    return t_rmtree(t_sim_root());
}

int t_rmtree(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int t_make_dirs(const char *path)
{
    char partial[4096];
    if (snprintf(partial, sizeof partial, "%s", path) >= (int)sizeof partial)
        return -1;
    for (char *slash = strchr(partial + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        if (mkdir(partial, 0755) != 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    return mkdir(partial, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

void *t_read_file(const char *path, size_t *size)
{
    /* Read to end of file rather than trusting st_size, which is 0 for /proc files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, got = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (got == cap) {
            char *bigger = realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (buf) {
        buf[got] = 0;
        if (size)
            *size = got;
    }
    return buf;
}

int t_set_age(const char *path, long age_s)
{
    struct timespec times[2];
    clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= age_s;
    times[1] = times[0];
    return utimensat(AT_FDCWD, path, times, 0);
}

int t_write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

bool t_file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

const char *t_self_exe(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return NULL;
    buf[n] = 0;
    return buf;
}

bool t_dead_pid(pid_t *out)
{
    /* A reaped child's pid stays unused until the kernel's pid counter wraps. */
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0)
        _exit(0);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *out = pid;
    return true;
}

bool t_proc_stat(pid_t pid, char *comm, size_t cap, pid_t *ppid, char *state)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *text = t_read_file(path, NULL);
    if (!text)
        return false;
    /* The command name may itself hold parentheses: it ends at the last ')'. */
    char *open_paren = strchr(text, '(');
    char *close_paren = strrchr(text, ')');
    bool ok = open_paren && close_paren && close_paren > open_paren;
    if (ok) {
        size_t len = (size_t)(close_paren - open_paren - 1);
        if (len >= cap)
            len = cap - 1;
        memcpy(comm, open_paren + 1, len);
        comm[len] = 0;
        int parent = 0;
        ok = sscanf(close_paren + 2, "%c %d", state, &parent) == 2;
        *ppid = parent;
    }
    free(text);
    return ok;
}

int t_find_processes(const char *comm, pid_t parent, pid_t *pids, int max)
{
    DIR *dir = opendir("/proc");
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < max) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char name[64];
        pid_t ppid;
        char state;
        if (!t_proc_stat((pid_t)pid, name, sizeof name, &ppid, &state))
            continue;
        if (state == 'Z' || strcmp(name, comm) != 0 || (parent != 0 && ppid != parent))
            continue;
        if (pids)
            pids[count] = (pid_t)pid;
        count++;
    }
    closedir(dir);
    return count;
}

int t_count_processes(const char *comm, pid_t parent)
{
    return t_find_processes(comm, parent, NULL, INT_MAX);
}

int t_wait_child(pid_t pid, int timeout_ms)
{
    uint64_t deadline = t_now_ns() + (uint64_t)timeout_ms * 1000000ull;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        if (t_now_ns() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

/* The group's real teardown, and whether it failed: one group runs per program at a time. */
static int (*t_group_teardown)(void **);
static bool t_group_teardown_failed;

static int t_group_teardown_checked(void **state)
{
    int rc = t_group_teardown(state);
    t_group_teardown_failed = rc != 0;
    return rc;
}

int t_run_group_tests_(const char *name, const struct CMUnitTest *tests, size_t count,
                       int (*setup)(void **), int (*teardown)(void **))
{
    t_group_teardown = teardown;
    t_group_teardown_failed = false;
    int failed = _cmocka_run_group_tests(name, tests, count, setup,
                                         teardown ? t_group_teardown_checked : NULL);
    if (t_group_teardown_failed) {
        fprintf(stderr, "%s: the group teardown failed\n", name);
        return failed + 1;
    }
    return failed;
}
