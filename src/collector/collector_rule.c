/* The collector's rule: which files are akl's of exactly one prefix, the order (least recently
 * used first: the mtime, which a publish sets and an identical bootstrap refreshes), and the
 * removal of one file, which happens only under an exclusive non-blocking flock (a live scheduler
 * that published or loaded the file holds a shared one: dispatcher_hold.c) and only if the name
 * still refers to the locked inode. */
#define _GNU_SOURCE
#include "collector_rule.h"

#include "fd_io.h"
#include "temps.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int collector_push(collector_list_t *list, const char *name, const struct stat *st)
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

int collector_scan(int dirfd, const char *prefix, collector_list_t *list)
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
    errno = 0;
    while (err == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        if (cmn_published_prefix_len(e->d_name) == prefix_len &&
            strncmp(e->d_name, prefix, prefix_len) == 0 && strlen(e->d_name) <= AKL_SO_NAME_MAX &&
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            err = collector_push(list, e->d_name, &st);
        errno = 0;
    }
    if (err == 0)
        err = errno; /* readdir's own failure */
    closedir(d);
    return err;
}

/* Oldest first; equal times by name, so the order is the same on every run. */
static int collector_older(const void *a, const void *b)
{
    const akl_gc_entry_t *x = a, *y = b;
    if (x->used_ns != y->used_ns)
        return x->used_ns < y->used_ns ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Removes one file unless a live scheduler holds it. */
static uint32_t collector_remove(int dirfd, akl_gc_entry_t *e, bool dry_run)
{
    int fd = openat(dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        e->err = errno;
        return AKL_GC_STATE_FAILED;
    }
    uint32_t state = AKL_GC_STATE_KEPT; /* the name now holds another file: not ours to judge */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        e->err = errno == EWOULDBLOCK ? 0 : errno;
        state = e->err == 0 ? AKL_GC_STATE_IN_USE : AKL_GC_STATE_FAILED;
    } else if (cmn_fd_is_name(dirfd, e->name, fd) == 0) {
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

static bool collector_gone(uint32_t state)
{
    return state == AKL_GC_STATE_REMOVED || state == AKL_GC_STATE_WOULD_REMOVE;
}

void collector_decide(int dirfd, collector_list_t *list, const collector_rule_t *rule,
                      collector_sum_t *sum)
{
    if (list->n > 1)
        qsort(list->v, list->n, sizeof *list->v, collector_older);
    uint64_t total = 0;
    for (size_t i = 0; i < list->n; i++)
        total += list->v[i].size;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t young_after =
        (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)rule->min_age_s * 1000000000;
    size_t candidates = list->n > rule->keep ? list->n - (size_t)rule->keep : 0;
    bool bound = (rule->flags & AKL_GC_FLAG_BOUND) != 0;
    for (size_t i = 0; i < candidates && !(bound && total <= rule->max_bytes); i++) {
        akl_gc_entry_t *e = &list->v[i];
        if (rule->min_age_s != 0 && e->used_ns > young_after)
            e->state = AKL_GC_STATE_TOO_YOUNG;
        else
            e->state = collector_remove(dirfd, e, (rule->flags & AKL_GC_FLAG_DRY_RUN) != 0);
        if (collector_gone(e->state))
            total -= e->size;
    }
    for (size_t i = 0; i < list->n; i++) {
        const akl_gc_entry_t *e = &list->v[i];
        bool removed = collector_gone(e->state);
        *(removed ? &sum->removed_files : &sum->kept_files) += 1;
        *(removed ? &sum->removed_bytes : &sum->kept_bytes) += e->size;
        sum->in_use_files += e->state == AKL_GC_STATE_IN_USE;
    }
}

void collector_list_free(collector_list_t *list)
{
    free(list->v);
    list->v = NULL;
    list->n = list->cap = 0;
}
