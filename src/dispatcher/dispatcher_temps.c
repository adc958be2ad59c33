/* Temporary-file naming and stale-temporary cleanup for the atomic publish. A killed writer leaves
 * its temporary behind; it is never served (only rename makes a final name) but it wastes space, so
 * the next publisher of the same name removes it, taking care never to remove a live writer's file
 * or a file that is not a temporary of ours. */
#define _GNU_SOURCE
#include "dispatcher_temps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DISPATCHER_TEMP_TAG ".tmp."
#define DISPATCHER_NONCE_DIGITS 16

int dispatcher_temp_name(char *out, size_t cap, const char *name, unsigned attempt)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* Only needs to differ from a dead writer's leftover with the same pid and tid. */
    uint64_t nonce = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
                     ((uint64_t)attempt * 0x9e3779b97f4a7c15ull);
    long tid = syscall(SYS_gettid);
    int n = snprintf(out, cap, ".%s" DISPATCHER_TEMP_TAG "%ld.%ld.%016llx", name, (long)getpid(),
                     tid, (unsigned long long)nonce);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Parses a positive decimal without leading zeros up to the next '.' (or end); advances *p. */
static bool dispatcher_parse_decimal(const char **p, long long *value)
{
    const char *s = *p;
    if (*s < '1' || *s > '9')
        return false;
    long long v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 10)
            return false;
        v = v * 10 + (*s - '0');
        s++;
    }
    *p = s;
    *value = v;
    return true;
}

static bool dispatcher_is_nonce(const char *s)
{
    for (int i = 0; i < DISPATCHER_NONCE_DIGITS; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return s[DISPATCHER_NONCE_DIGITS] == '\0';
}

bool dispatcher_temp_of(const char *entry, const char *name, long long *pid)
{
    size_t name_len = strlen(name);
    if (entry[0] != '.' || strncmp(entry + 1, name, name_len) != 0)
        return false;
    const char *p = entry + 1 + name_len;
    size_t tag_len = sizeof DISPATCHER_TEMP_TAG - 1;
    if (strncmp(p, DISPATCHER_TEMP_TAG, tag_len) != 0)
        return false;
    p += tag_len;
    long long tid;
    if (!dispatcher_parse_decimal(&p, pid) || *p++ != '.')
        return false;
    if (!dispatcher_parse_decimal(&p, &tid) || *p++ != '.')
        return false;
    return *pid <= 0x7fffffff && dispatcher_is_nonce(p);
}

/* kill(pid, 0) says ESRCH only when no such process exists; EPERM means it exists. */
static bool dispatcher_pid_gone(long long pid)
{
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

bool dispatcher_temp_stale(int dirfd, const char *entry, long long pid)
{
    if (dispatcher_pid_gone(pid))
        return true;
    struct stat st;
    if (fstatat(dirfd, entry, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec - st.st_mtim.tv_sec > DISPATCHER_TEMP_MAX_AGE_S;
}

uint64_t dispatcher_temps_clean(int dirfd, const char *name)
{
    /* fdopendir takes ownership of its descriptor; the caller keeps dirfd. */
    int scan_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (scan_fd < 0)
        return 0;
    DIR *dir = fdopendir(scan_fd);
    if (dir == NULL) {
        close(scan_fd);
        return 0;
    }
    uint64_t removed = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        long long pid;
        if (!dispatcher_temp_of(e->d_name, name, &pid))
            continue;
        if (dispatcher_temp_stale(dirfd, e->d_name, pid) && unlinkat(dirfd, e->d_name, 0) == 0)
            removed++;
    }
    closedir(dir);
    return removed;
}
