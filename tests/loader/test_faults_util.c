/* Helpers shared by the fault-injection and error-catalogue tests (see test_faults_util.h). */
#define _GNU_SOURCE
#include "test_faults_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akl/akl.h"
#include "test_support.h"

void faultt_preinstall_dir(int32_t device, char *out, size_t cap)
{
    snprintf(out, cap, "%s/chip%d/usr/lib64/aicpu_kernels/0/aicpu_kernels_device", t_sim_root(),
             (int)device / 2);
}

void faultt_join(char *out, size_t cap, const char *dir, const char *file)
{
    snprintf(out, cap, "%s/%s", dir, file);
}

void faultt_make_dirs(const char *path)
{
    char partial[FAULTT_PATH_MAX];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *slash = strchr(partial + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        mkdir(partial, 0755);
        *slash = '/';
    }
    mkdir(partial, 0755);
}

pid_t faultt_scheduler_pid(void)
{
    pid_t pids[2];
    return t_find_processes(FAULTT_SCHED_COMM, getpid(), pids, 2) == 1 ? pids[0] : -1;
}

bool faultt_no_scheduler_left(void *unused)
{
    (void)unused;
    return t_count_processes(FAULTT_SCHED_COMM, getpid()) == 0;
}

uint64_t faultt_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

unsigned char *faultt_read_kernel(const char *file, size_t room, size_t *size)
{
    char path[FAULTT_PATH_MAX];
    size_t got = 0;
    unsigned char *bytes = t_read_file(t_kernel_path(file, path, sizeof path), &got);
    if (!bytes)
        return NULL;
    unsigned char *bigger = realloc(bytes, got + room + 1);
    if (!bigger) {
        free(bytes);
        return NULL;
    }
    *size = got;
    return bigger;
}

void faultt_fill_random(unsigned char *bytes, size_t from, size_t to, uint64_t *state)
{
    size_t at = from;
    for (; at + 8 <= to; at += 8) {
        uint64_t r = faultt_random(state);
        memcpy(bytes + at, &r, 8);
    }
    for (; at < to; at++)
        bytes[at] = (unsigned char)faultt_random(state);
}

void *faultt_device_zalloc(size_t size)
{
    void *device = NULL;
    void *zero = calloc(1, size);
    if (!zero || akl_mem_alloc(&device, size) != 0) {
        free(zero);
        return NULL;
    }
    int rc = akl_memcpy_to_device(device, zero, size);
    free(zero);
    if (rc != 0) {
        akl_mem_free(device);
        return NULL;
    }
    return device;
}

void faultt_basename_of(const void *bytes, size_t size, int32_t device, char *out, size_t cap)
{
    if (akl_basename(NULL, akl_fingerprint(bytes, size), device, out, cap) != 0)
        snprintf(out, cap, "?");
}

bool faultt_file_equals(const char *path, const void *bytes, size_t size)
{
    size_t got = 0;
    void *data = t_read_file(path, &got);
    bool same = data && got == size && memcmp(data, bytes, size) == 0;
    free(data);
    return same;
}

int faultt_count_temps(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char prefix[256];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", name);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            count++;
    }
    closedir(d);
    return count;
}

static int faultt_snapshot_add(faultt_snapshot_t *snap, const char *dir, const char *name)
{
    char path[FAULTT_PATH_MAX];
    faultt_join(path, sizeof path, dir, name);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    size_t n = snap->count + 1;
    char **names = realloc(snap->names, n * sizeof *names);
    if (names)
        snap->names = names;
    unsigned char **bytes = realloc(snap->bytes, n * sizeof *bytes);
    if (bytes)
        snap->bytes = bytes;
    size_t *sizes = realloc(snap->sizes, n * sizeof *sizes);
    if (sizes)
        snap->sizes = sizes;
    if (!names || !bytes || !sizes)
        return -1;
    snap->bytes[snap->count] = t_read_file(path, &snap->sizes[snap->count]);
    snap->names[snap->count] = strdup(name);
    if (!snap->bytes[snap->count] || !snap->names[snap->count])
        return -1;
    snap->count = n;
    return 0;
}

int faultt_snapshot_take(const char *dir, faultt_snapshot_t *snap)
{
    memset(snap, 0, sizeof *snap);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL)
        rc = faultt_snapshot_add(snap, dir, e->d_name);
    closedir(d);
    return rc;
}

bool faultt_snapshot_intact(const faultt_snapshot_t *snap, const char *dir)
{
    for (size_t i = 0; i < snap->count; i++) {
        char path[FAULTT_PATH_MAX];
        faultt_join(path, sizeof path, dir, snap->names[i]);
        if (!faultt_file_equals(path, snap->bytes[i], snap->sizes[i])) {
            fprintf(stderr, "earlier file %s is missing or changed\n", path);
            return false;
        }
    }
    return true;
}

void faultt_snapshot_free(faultt_snapshot_t *snap)
{
    for (size_t i = 0; i < snap->count; i++) {
        free(snap->names[i]);
        free(snap->bytes[i]);
    }
    free(snap->names);
    free(snap->bytes);
    free(snap->sizes);
    memset(snap, 0, sizeof *snap);
}

int faultt_run_child(const char *scenario, int deadline_ms)
{
    char self[FAULTT_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 97;
    self[n] = 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "--child", scenario, (char *)NULL);
        _exit(98);
    }
    if (pid < 0)
        return 99;
    int status = t_wait_child(pid, deadline_ms);
    if (status < 0)
        return 200;
    if (WIFSIGNALED(status))
        return 100 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
