/* Set-up shared by the benchmark groups that need a device: the runtime, a device, the bench
 * kernels' SO, and SO files of a chosen size with fresh content. */
#define _GNU_SOURCE
#include "bench_common.h"

#include <akl/akl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int bench_fail(const char *what, int rc)
{
    fprintf(stderr, "akl bench: %s: %s (%s)\n", what, akl_last_error(), akl_errname(rc));
    return -1;
}

int bench_kernels_path(const bench_config_t *cfg, char *out, size_t cap)
{
    const char *env = getenv("AKL_BENCH_KERNELS");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return access(out, R_OK);
    }
    char exe[PATH_MAX];
    snprintf(exe, sizeof exe, "%s", cfg->self_path);
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    static const char *const rel[] = {"../lib/akl/bench",
                                      "../" AKL_BENCH_INSTALL_LIBDIR "/akl/bench"};
    /* The build for a device of another architecture than the host's is in <arch>/ below. */
    struct utsname host;
    const char *arch = akl_init() == 0 ? akl_device_arch() : NULL;
    bool foreign = arch && uname(&host) == 0 && strcmp(arch, host.machine) != 0;
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        int n = snprintf(out, cap, "%s/%s/%s%slibakl_bench_kernels.so", slash ? exe : ".", rel[i],
                         foreign ? arch : "", foreign ? "/" : "");
        if (n > 0 && (size_t)n < cap && access(out, R_OK) == 0)
            return 0;
    }
    fprintf(stderr,
            "akl bench: cannot find libakl_bench_kernels.so near %s (set AKL_BENCH_KERNELS)\n",
            cfg->self_path);
    return -1;
}

int bench_open(const bench_config_t *cfg, akl_module_t **kernels)
{
    int rc = akl_device_open(cfg->device);
    if (rc != 0)
        return bench_fail("opening the device", rc);
    char path[PATH_MAX];
    if (bench_kernels_path(cfg, path, sizeof path) != 0)
        return -1;
    rc = akl_module_load_file(cfg->device, path, NULL, kernels);
    if (rc != 0)
        return bench_fail("loading the bench kernels", rc);
    return 0;
}

void *bench_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = len > 0 ? malloc((size_t)len) : NULL;
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *size = (size_t)len;
    return buf;
}

/* A valid SO of about `size` bytes whose bytes no earlier run produced: the bench kernels' ELF
 * with `salt`-dependent padding appended after its last section (loaders ignore trailing bytes). */
void *bench_make_so(const bench_config_t *cfg, size_t size, uint64_t salt, size_t *out_size)
{
    char path[PATH_MAX];
    size_t base_size;
    if (bench_kernels_path(cfg, path, sizeof path) != 0)
        return NULL;
    unsigned char *base = bench_read_file(path, &base_size);
    if (!base)
        return NULL;
    size_t total = size > base_size + 64 ? size : base_size + 64;
    unsigned char *so = malloc(total);
    if (so) {
        memcpy(so, base, base_size);
        uint64_t x = salt * 0x9E3779B97F4A7C15ull + cmn_now_ns();
        for (size_t i = base_size; i < total; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            so[i] = (unsigned char)x;
        }
        *out_size = total;
    }
    free(base);
    return so;
}

int bench_child_run(const bench_config_t *cfg, const char *kind, const char *so, const char *extra,
                    char *out, size_t cap)
{
    char device[16];
    snprintf(device, sizeof device, "%d", cfg->device);
    int fds[2];
    /* Close-on-exec: the child gets only the write end, as its stdout (dup2 clears the flag). */
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    char *argv[] = {(char *)cfg->self_path, "--child", (char *)kind, (char *)so, device,
                    (char *)extra,          NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, cfg->self_path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    memset(out, 0, cap);
    ssize_t got = rc == 0 ? read(fds[0], out, cap - 1) : -1;
    close(fds[0]);
    int status = 0;
    if (rc == 0)
        waitpid(pid, &status, 0);
    return got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
