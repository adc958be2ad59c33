/* The collector of akl's published files, run on the device inside the dispatcher (so `akl gc`
 * works wherever a bootstrap works) and after each publish that wrote when the host asks for a
 * bound (AKL_DEVICE_CACHE_MAX). The rules (docs/protocol.md section 16):
 *
 * - only regular files named "<prefix><16 hex>_<device>.so" of exactly the requested prefix are
 *   considered: another prefix's files and temporaries (".<name>.tmp.*") are never touched;
 * - "in use" is a shared flock: a dispatcher takes one on the file it published or found
 *   identical and keeps it for the scheduler's life (the descriptor is deliberately never
 *   closed). The collector takes an exclusive non-blocking lock and skips the file on
 *   EWOULDBLOCK; it unlinks only while holding that lock and only if the name still refers to the
 *   locked inode, and a holder re-checks the name after its lock, so neither can miss the other;
 * - "recently used" is the mtime: a publish sets it, an identical bootstrap refreshes it. Files
 *   are considered oldest first; the gc_keep newest and those younger than gc_min_age_s stay. */
#define _GNU_SOURCE
#include "dispatcher_gc.h"

#include "dispatcher_ack.h"
#include "dispatcher_publish.h"
#include "temps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DISPATCHER_HOLD_ATTEMPTS 3
/* A collector holds its exclusive lock for microseconds (between its check and its unlink); the
 * shared lock is retried this many times 1 ms apart rather than waited for, so that a process
 * holding an exclusive lock on the file forever cannot hang a bootstrap: after ~100 ms the file is
 * left unheld (protected by its recency only). */
#define DISPATCHER_HOLD_TRIES 100

typedef struct dispatcher_gc_list {
    akl_gc_entry_t *v;
    size_t n, cap;
} dispatcher_gc_list_t;

typedef struct dispatcher_gc_sum {
    uint64_t removed_files, removed_bytes, kept_files, kept_bytes, in_use_files;
} dispatcher_gc_sum_t;

static int dispatcher_gc_open_dir(const char *dir)
{
    return openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Whether fd (open, locked) is still what name refers to. */
static bool dispatcher_gc_same_file(int dirfd, const char *name, int fd, bool *gone)
{
    struct stat by_fd, by_name;
    *gone = false;
    if (fstatat(dirfd, name, &by_name, AT_SYMLINK_NOFOLLOW) != 0) {
        *gone = errno == ENOENT;
        return false;
    }
    return fstat(fd, &by_fd) == 0 && by_fd.st_ino == by_name.st_ino &&
           by_fd.st_dev == by_name.st_dev;
}

bool dispatcher_gc_hold(const char *dir, const char *name)
{
    int dirfd = dispatcher_gc_open_dir(dir);
    if (dirfd < 0)
        return true;
    bool held = true;
    for (int attempt = 0; attempt < DISPATCHER_HOLD_ATTEMPTS; attempt++) {
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            held = errno != ENOENT;
            break;
        }
        bool gone = false, locked = dispatcher_flock_retry(fd, LOCK_SH, DISPATCHER_HOLD_TRIES);
        if (dispatcher_gc_same_file(dirfd, name, fd, &gone)) {
            futimens(fd, NULL); /* recency; a locked fd stays open: the lock lives as we do */
            if (!locked)
                close(fd);
            held = true;
            break;
        }
        close(fd);
        held = !gone; /* gone: a collector removed it first; else the name was replaced: again */
        if (gone)
            break;
    }
    close(dirfd);
    return held;
}

static int dispatcher_gc_push(dispatcher_gc_list_t *list, const char *name, const struct stat *st)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? 2 * list->cap : 64;
        akl_gc_entry_t *v = realloc(list->v, cap * sizeof *v);
        if (v == NULL)
            return ENOMEM;
        list->v = v;
        list->cap = cap;
    }
    akl_gc_entry_t *e = &list->v[list->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, strlen(name) + 1);
    e->size = (uint64_t)st->st_size;
    e->used_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    e->state = AKL_GC_STATE_KEPT;
    return 0;
}

/* Every regular file of the directory published under exactly prefix. Returns 0 or an errno. */
static int dispatcher_gc_scan(int dirfd, const char *prefix, dispatcher_gc_list_t *list)
{
    int scan_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = scan_fd < 0 ? NULL : fdopendir(scan_fd);
    if (d == NULL) {
        int err = errno;
        if (scan_fd >= 0)
            close(scan_fd);
        return err;
    }
    size_t prefix_len = strlen(prefix);
    int err = 0;
    struct dirent *e;
    while (err == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        if (cmn_published_prefix_len(e->d_name) == prefix_len &&
            strncmp(e->d_name, prefix, prefix_len) == 0 && strlen(e->d_name) <= AKL_SO_NAME_MAX &&
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            err = dispatcher_gc_push(list, e->d_name, &st);
    }
    closedir(d);
    return err;
}

/* Oldest first; equal times by name, so the order is the same on every run. */
static int dispatcher_gc_older(const void *a, const void *b)
{
    const akl_gc_entry_t *x = a, *y = b;
    if (x->used_ns != y->used_ns)
        return x->used_ns < y->used_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Removes one file unless a live scheduler holds it. */
static uint32_t dispatcher_gc_remove(int dirfd, akl_gc_entry_t *e, bool dry_run)
{
    int fd = openat(dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        e->err = errno;
        return AKL_GC_STATE_FAILED;
    }
    uint32_t state = AKL_GC_STATE_KEPT; /* the name now holds another file: not ours to judge */
    bool gone;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        e->err = errno == EWOULDBLOCK ? 0 : errno;
        state = e->err == 0 ? AKL_GC_STATE_IN_USE : AKL_GC_STATE_FAILED;
    } else if (dispatcher_gc_same_file(dirfd, e->name, fd, &gone)) {
        state = AKL_GC_STATE_WOULD_REMOVE;
        if (!dry_run) {
            state = AKL_GC_STATE_REMOVED;
            if (unlinkat(dirfd, e->name, 0) != 0) {
                e->err = errno;
                state = AKL_GC_STATE_FAILED;
            }
        }
    }
    close(fd); /* releases the lock: a waiting holder then finds the name gone and publishes */
    return state;
}

static void dispatcher_gc_decide(int dirfd, dispatcher_gc_list_t *list,
                                 const akl_device_args_t *dargs, dispatcher_gc_sum_t *sum)
{
    qsort(list->v, list->n, sizeof *list->v, dispatcher_gc_older);
    uint64_t total = 0;
    for (size_t i = 0; i < list->n; i++)
        total += list->v[i].size;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t young_after =
        (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)dargs->gc_min_age_s * 1000000000;
    size_t candidates = list->n > dargs->gc_keep ? list->n - (size_t)dargs->gc_keep : 0;
    bool bound = (dargs->gc_flags & AKL_GC_FLAG_BOUND) != 0;
    for (size_t i = 0; i < candidates && !(bound && total <= dargs->gc_max_bytes); i++) {
        akl_gc_entry_t *e = &list->v[i];
        if (dargs->gc_min_age_s != 0 && e->used_ns > young_after)
            e->state = AKL_GC_STATE_TOO_YOUNG;
        else
            e->state = dispatcher_gc_remove(dirfd, e, dargs->gc_flags & AKL_GC_FLAG_DRY_RUN);
        if (e->state == AKL_GC_STATE_REMOVED || e->state == AKL_GC_STATE_WOULD_REMOVE)
            total -= e->size;
    }
    for (size_t i = 0; i < list->n; i++) {
        const akl_gc_entry_t *e = &list->v[i];
        bool removed = e->state == AKL_GC_STATE_REMOVED || e->state == AKL_GC_STATE_WOULD_REMOVE;
        *(removed ? &sum->removed_files : &sum->kept_files) += 1;
        *(removed ? &sum->removed_bytes : &sum->kept_bytes) += e->size;
        sum->in_use_files += e->state == AKL_GC_STATE_IN_USE;
    }
}

/* Scans and decides; returns 0, or an errno with the failure (DIR or COLLECT) recorded in ack. */
static int dispatcher_gc_run(const char *dir, const char *prefix, const akl_device_args_t *dargs,
                             dispatcher_gc_list_t *list, dispatcher_gc_sum_t *sum,
                             akl_bootstrap_ack_t *ack)
{
    char text[96];
    int dirfd = dispatcher_gc_open_dir(dir);
    int err = dirfd < 0 ? errno : dispatcher_gc_scan(dirfd, prefix, list);
    if (err == 0)
        dispatcher_gc_decide(dirfd, list, dargs, sum);
    else
        dispatcher_ack_fail(ack, dirfd < 0 ? AKL_STAGE_DIR : AKL_STAGE_COLLECT, err, dir,
                            "cannot list the preinstall directory: %s",
                            dispatcher_errstr(err, text, sizeof text));
    if (dirfd >= 0)
        close(dirfd);
    return err;
}

void dispatcher_gc_bound(const char *dir, const char *name, const akl_device_args_t *dargs,
                         akl_bootstrap_ack_t *ack)
{
    size_t prefix_len = cmn_published_prefix_len(name);
    if ((dargs->gc_flags & AKL_GC_FLAG_BOUND) == 0 || prefix_len > AKL_SO_NAME_MAX)
        return;
    char prefix[AKL_SO_NAME_MAX + 1];
    memcpy(prefix, name, prefix_len);
    prefix[prefix_len] = '\0';
    akl_device_args_t rule = *dargs;
    rule.gc_keep = 0;
    rule.gc_flags &= ~AKL_GC_FLAG_DRY_RUN;
    dispatcher_gc_list_t list = {0};
    dispatcher_gc_sum_t sum = {0};
    akl_bootstrap_ack_t scratch = *ack; /* a failed collection must not fail the publish */
    if (dispatcher_gc_run(dir, prefix, &rule, &list, &sum, &scratch) == 0 && sum.removed_files) {
        size_t used = strlen(ack->detail);
        snprintf(ack->detail + used, sizeof ack->detail - used, "; collected %llu files",
                 (unsigned long long)sum.removed_files);
    }
    free(list.v);
}

void dispatcher_gc_request(const char *dir, const akl_device_args_t *dargs,
                           akl_bootstrap_ack_t *ack)
{
    akl_gc_table_t *table = (akl_gc_table_t *)(uintptr_t)dargs->gc_table_addr;
    if (table == NULL) {
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "", "gc_table_addr at 304 is NULL");
        return;
    }
    dispatcher_gc_list_t list = {0};
    dispatcher_gc_sum_t sum = {0};
    if (dispatcher_gc_run(dir, dargs->target_name, dargs, &list, &sum, ack) == 0) {
        size_t count = list.n < dargs->gc_table_cap ? list.n : dargs->gc_table_cap;
        if (count > 0)
            memcpy(table->entry, list.v, count * sizeof *list.v);
        table->entries = (uint32_t)count;
        table->matched = (uint32_t)list.n;
        table->removed_files = sum.removed_files;
        table->removed_bytes = sum.removed_bytes;
        table->kept_files = sum.kept_files;
        table->kept_bytes = sum.kept_bytes;
        table->in_use_files = sum.in_use_files;
        dispatcher_ack_succeed(ack, AKL_ACK_COLLECTED, sum.removed_bytes, dir,
                               "%llu of %zu files removed, %llu in use",
                               (unsigned long long)sum.removed_files, list.n,
                               (unsigned long long)sum.in_use_files);
    }
    free(list.v);
}
