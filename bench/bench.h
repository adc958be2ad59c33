/* The benchmark harness: timing, sample statistics, the result table, and the groups of
 * measurements (floors first, then the akl paths each measured beside its floor). */
#ifndef AKL_BENCH_H
#define AKL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h" /* cmn_now_ns: the one monotonic clock */

typedef struct bench_config {
    bool quick;            /* tiny sizes and counts: a smoke run for CI, no meaningful timing */
    bool progress;         /* a progress line on stderr */
    bool json_stdout;      /* print the results as JSON on stdout (the table on stderr) */
    bool check;            /* exit 1 when a row misses its target (--check) */
    const char *json_path; /* also write the results as JSON to this file, or NULL */
    const char *plot_dir;  /* write .dat files and PNG plots (gnuplot) here, or NULL */
    const char *work_dir;  /* scratch directory for file floors (same filesystem as the sim root) */
    const char *self_path; /* this executable, for benchmarks that start fresh processes */
    int device;
} bench_config_t;

/* One reported figure. floor names the row it is measured against, target the design's bound. */
typedef struct bench_row {
    char id[48]; /* stable: the id for a checked row, else derived from the name */
    char group[32];
    char name[96];
    double value;
    char unit[16];
    char floor[96];     /* "" when the row is itself a floor or has none */
    char target[64];    /* "" when the design sets none */
    double floor_value; /* the floor measured interleaved with this row, or 0 */
    double ratio;       /* value / floor (interleaved: the median of the per-pair ratios), or NAN */
    int target_met;     /* 1 met, 0 missed, -1 no checkable target */
} bench_row_t;

void bench_progress(const bench_config_t *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a row (beyond the table's capacity, rows are dropped). */
void bench_report(const char *group, const char *name, double value, const char *unit,
                  const char *floor, const char *target);
const bench_row_t *bench_rows(size_t *count);

/* A row checked against its target: measured interleaved with a floor of floor_value (0: none),
 * ratio as measured (NAN: none), met is whether the target holds. */
void bench_report_checked(const char *id, const char *group, const char *name, double value,
                          const char *unit, const char *floor, double floor_value, double ratio,
                          const char *target, bool met);
/* Prints every row that missed its target to stderr; returns how many did. */
int bench_print_misses(void);
/* The machine, with the caveat that absolute times hold only for it. */
void bench_print_machine(FILE *out);

/* Sample statistics over n nanosecond samples (sorted in place). */
double bench_percentile(uint64_t *samples, size_t n, double p);
double bench_mean(const uint64_t *samples, size_t n);

/* Keeps the raw latency samples of a named distribution for the plots. */
void bench_keep_samples(const char *name, const uint64_t *samples, size_t n);

/* The spinning shared-memory round trip, a block of n samples at a time, to interleave with akl's
 * blocks (floors.c). The echoing process sleeps between blocks, so it takes no CPU from akl's. */
typedef struct bench_pong bench_pong_t;
bench_pong_t *bench_pong_start(void);
void bench_pong_block(bench_pong_t *pong, uint64_t *samples, size_t n);
void bench_pong_stop(bench_pong_t *pong);

/* One write + fsync + rename + directory fsync of size bytes in dir (floors.c); -1 on failure. */
double bench_publish_floor_ms(const char *dir, const void *bytes, size_t size);

/* The median of n values (sorted in place; the mean of the middle two when n is even). */
double bench_median(double *values, size_t n);
/* The median of the n ratios a[i] / b[i] (b[i] > 0), for samples taken in pairs. */
double bench_median_ratio(const uint64_t *a, const uint64_t *b, size_t n);

/* Output. */
void bench_print_table(void);
/* The results as one JSON object (src/common/host/json_text.h) to path, or stdout when NULL. */
int bench_write_json(const bench_config_t *cfg, const char *path);
int bench_write_plots(const bench_config_t *cfg);

/* Groups. Each returns 0, or -1 after printing why it could not run. */
int bench_floors(const bench_config_t *cfg);
int bench_fingerprint(const bench_config_t *cfg);
int bench_launch(const bench_config_t *cfg);
int bench_load(const bench_config_t *cfg);
int bench_idle(const bench_config_t *cfg);
int bench_modeb(const bench_config_t *cfg);

/* Entry points run in a fresh process (argv[1] == "--child"). */
int bench_child_main(int argc, char **argv);

#endif /* AKL_BENCH_H */
