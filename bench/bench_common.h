/* Set-up shared by the benchmark groups that need a device. */
#ifndef AKL_BENCH_COMMON_H
#define AKL_BENCH_COMMON_H

#include "bench.h"

#include <akl/akl.h>

/* Prints what failed with akl's message; returns -1. */
int bench_fail(const char *what, int rc);
/* Path of libakl_bench_kernels.so ($AKL_BENCH_KERNELS, or beside this executable's tree). */
int bench_kernels_path(const bench_config_t *cfg, char *out, size_t cap);
/* Opens cfg->device in the calling thread and loads the bench kernels. */
int bench_open(const bench_config_t *cfg, akl_module_t **kernels);
void *bench_read_file(const char *path, size_t *size);
/* A loadable SO of about size bytes with content unique to salt and this moment. */
void *bench_make_so(const bench_config_t *cfg, size_t size, uint64_t salt, size_t *out_size);

/* Runs `self --child <kind> <so> <device> [<extra>]` with its stdout into out (NUL-terminated).
 * 0 when the child ran, wrote something and exited 0. */
int bench_child_run(const bench_config_t *cfg, const char *kind, const char *so, const char *extra,
                    char *out, size_t cap);
/* The child that measures the launch overhead (`--child overhead <so> <device> <quick>`, launch.c):
 * prints the direct call's ns and the two overheads' ns per launch. */
int bench_child_overhead(char **argv);

#endif /* AKL_BENCH_COMMON_H */
