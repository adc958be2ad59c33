/* Temporary-file naming and stale-temporary cleanup for the atomic publish. A killed writer leaves
 * its temporary behind; it is never served (only rename makes a final name) but it wastes space.
 * In the edit-and-run workflow every edit is a new name, so waiting for a publish of the same name
 * would keep it forever: every publish removes the stale temporaries of every name of its prefix,
 * taking care never to remove a live writer's file or a file that is not a temporary of ours. */
#define _GNU_SOURCE
#include "temps.h"

#include "clock.h"
#include "so_name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CMN_TEMP_TAG ".tmp."
#define CMN_NONCE_DIGITS 16

int cmn_temp_name(char *out, size_t cap, const char *name, unsigned attempt)
{
    /* Only needs to differ from a dead writer's leftover with the same pid and tid. */
    uint64_t nonce = cmn_now_ns() ^ ((uint64_t)attempt * 0x9e3779b97f4a7c15ull);
    long tid = syscall(SYS_gettid);
    /* getpid and kill (below) as raw system calls: the dispatcher imports syscall already, and
     * each libc function it imports costs its size on every first bootstrap. */
    long pid = syscall(SYS_getpid);
    int n = snprintf(out, cap, ".%s" CMN_TEMP_TAG "%ld.%ld.%016llx", name, pid, tid,
                     (unsigned long long)nonce);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Parses a positive decimal without leading zeros up to the next '.' (or end); advances *p. */
static bool cmn_parse_decimal(const char **p, long long *value)
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

static bool cmn_is_nonce(const char *s)
{
    for (int i = 0; i < CMN_NONCE_DIGITS; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return s[CMN_NONCE_DIGITS] == '\0';
}

bool cmn_temp_of(const char *entry, const char *name, long long *pid)
{
    size_t name_len = strlen(name);
    if (entry[0] != '.' || strncmp(entry + 1, name, name_len) != 0)
        return false;
    const char *p = entry + 1 + name_len;
    size_t tag_len = sizeof CMN_TEMP_TAG - 1;
    if (strncmp(p, CMN_TEMP_TAG, tag_len) != 0)
        return false;
    p += tag_len;
    long long tid;
    if (!cmn_parse_decimal(&p, pid) || *p++ != '.')
        return false;
    if (!cmn_parse_decimal(&p, &tid) || *p++ != '.')
        return false;
    return *pid <= 0x7fffffff && cmn_is_nonce(p);
}

/* A zombie answers kill(pid, 0) but will never rename anything. /proc/<pid>/stat: the state is the
 * field after the last ')' (the command name may hold one), num_threads 17 fields later. A thread
 * group whose leader thread exited while others run also shows 'Z', with num_threads > 1: alive.
 * Without /proc (or a pid we cannot see there) the answer is "not a zombie", the old rule. Parsed
 * by hand: each libc function imported costs the dispatcher's size on every first bootstrap. */
static bool cmn_pid_zombie(long long pid)
{
    char path[40], text[512];
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    /* openat and pread: the dispatcher imports them already (open and read it does not). */
    int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t len = pread(fd, text, sizeof text, 0);
    close(fd);
    ssize_t i = len;
    while (i > 0 && text[i - 1] != ')')
        i--;
    if (i <= 0 || i + 1 >= len || text[i] != ' ' || (text[i + 1] != 'Z' && text[i + 1] != 'X'))
        return false;
    const char *p = text + i + 1, *end = text + len;
    for (int spaces = 0; spaces < 17 && p < end; p++)
        spaces += *p == ' ';
    /* num_threads 0 or 1: the whole thread group is gone. */
    return p + 1 < end && (*p == '0' || *p == '1') && p[1] == ' ';
}

/* kill(pid, 0) says ESRCH only when no such process exists; EPERM means it exists. */
static bool cmn_pid_gone(long long pid)
{
    if (syscall(SYS_kill, (pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    return cmn_pid_zombie(pid);
}

bool cmn_temp_stale(int dirfd, const char *entry, long long pid)
{
    if (cmn_pid_gone(pid))
        return true;
    struct stat st;
    if (fstatat(dirfd, entry, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec - st.st_mtim.tv_sec > CMN_TEMP_MAX_AGE_S;
}

/* Length of "<16 lowercase hex>_<device>.so" ending the published name s[0..len), or 0 when s is
 * not such a name (so_name.h's rule). */
static size_t cmn_suffix_len(const char *s, size_t len)
{
    cmn_so_name_parts_t parts;
    return cmn_so_name_parse(s, len, &parts) ? len - parts.prefix_len : 0;
}

size_t cmn_published_prefix_len(const char *name)
{
    size_t len = strlen(name), suffix = cmn_suffix_len(name, len);
    return suffix == 0 ? SIZE_MAX : len - suffix;
}

bool cmn_temp_of_prefix(const char *entry, const char *prefix, size_t prefix_len, long long *pid)
{
    if (entry[0] != '.' || strncmp(entry + 1, prefix, prefix_len) != 0)
        return false;
    /* The part after the prefix is hex, '_' and digits, then ".so" and the tag (a scan rather than
     * strstr: no new libc import in the dispatcher). */
    const char *tag = entry + 1 + prefix_len;
    while ((*tag >= '0' && *tag <= '9') || (*tag >= 'a' && *tag <= 'f') || *tag == '_')
        tag++;
    if (strncmp(tag, ".so" CMN_TEMP_TAG, sizeof ".so" CMN_TEMP_TAG - 1) != 0)
        return false;
    size_t published_len = (size_t)(tag + 3 - (entry + 1));
    char published[AKL_SO_NAME_MAX + 1];
    if (published_len > AKL_SO_NAME_MAX ||
        cmn_suffix_len(entry + 1, published_len) != published_len - prefix_len)
        return false;
    memcpy(published, entry + 1, published_len);
    published[published_len] = '\0';
    return cmn_temp_of(entry, published, pid);
}

uint64_t cmn_temps_clean(int dirfd, const char *name)
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
    size_t prefix_len = cmn_published_prefix_len(name);
    uint64_t removed = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        long long pid;
        bool ours = prefix_len == SIZE_MAX ? cmn_temp_of(e->d_name, name, &pid)
                                           : cmn_temp_of_prefix(e->d_name, name, prefix_len, &pid);
        if (ours && cmn_temp_stale(dirfd, e->d_name, pid) && unlinkat(dirfd, e->d_name, 0) == 0)
            removed++;
    }
    closedir(dir);
    return removed;
}
