/* Result rows, sample statistics, and the three outputs: terminal table, JSON, gnuplot plots. */
#define _GNU_SOURCE
#include "bench.h"
#include "json_text.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_ROWS 256
#define BENCH_MAX_DISTS 8

typedef struct bench_dist {
    char name[64];
    uint64_t *samples;
    size_t n;
} bench_dist_t;

static bench_row_t rows[BENCH_MAX_ROWS];
static size_t row_count;
static bench_dist_t dists[BENCH_MAX_DISTS];
static size_t dist_count;

void bench_progress(const bench_config_t *cfg, const char *fmt, ...)
{
    if (!cfg->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K[akl bench] ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

static void copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* A stable id from the name: lowercase letters and digits, '_' for every run of anything else. */
static void derive_id(char *id, size_t cap, const char *group, const char *name)
{
    size_t used = (size_t)snprintf(id, cap, "%s_", group);
    bool gap = false;
    for (const char *p = name; *p && used + 1 < cap; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!keep) {
            gap = used > 0 && id[used - 1] != '_';
            continue;
        }
        if (gap && used + 2 < cap)
            id[used++] = '_';
        gap = false;
        id[used++] = c;
    }
    id[used < cap ? used : cap - 1] = 0;
}

void bench_report(const char *group, const char *name, double value, const char *unit,
                  const char *floor, const char *target)
{
    if (row_count == BENCH_MAX_ROWS)
        return;
    bench_row_t *r = &rows[row_count++];
    derive_id(r->id, sizeof r->id, group, name);
    r->floor_value = 0;
    r->ratio = NAN;
    r->target_met = -1;
    copy_field(r->group, sizeof r->group, group);
    copy_field(r->name, sizeof r->name, name);
    r->value = value;
    copy_field(r->unit, sizeof r->unit, unit);
    copy_field(r->floor, sizeof r->floor, floor);
    copy_field(r->target, sizeof r->target, target);
}

void bench_report_checked(const char *id, const char *group, const char *name, double value,
                          const char *unit, const char *floor, double floor_value, double ratio,
                          const char *target, bool met)
{
    bench_report(group, name, value, unit, floor, target);
    if (row_count == 0 || strcmp(rows[row_count - 1].name, name) != 0)
        return;
    bench_row_t *r = &rows[row_count - 1];
    copy_field(r->id, sizeof r->id, id);
    r->floor_value = floor_value;
    r->ratio = ratio;
    r->target_met = met ? 1 : 0;
}

int bench_print_misses(void)
{
    fflush(stdout); /* after the table, not inside it */
    int missed = 0;
    for (size_t i = 0; i < row_count; i++) {
        const bench_row_t *r = &rows[i];
        if (r->target_met != 0)
            continue;
        if (missed++ == 0)
            fprintf(stderr, "akl bench --check: targets missed:\n");
        fprintf(stderr, "  %-36s %.3f %s", r->id, r->value, r->unit);
        if (!isnan(r->ratio))
            fprintf(stderr, " (%.2fx its floor)", r->ratio);
        fprintf(stderr, ", target %s\n", r->target);
    }
    if (missed == 0)
        fprintf(stderr, "akl bench --check: every target met\n");
    return missed;
}

void bench_print_machine(FILE *out)
{
    struct utsname u;
    uname(&u);
    char model[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    }
    if (f)
        fclose(f);
    double load[3] = {0};
    getloadavg(load, 3);
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(out,
            "machine: %s, %ld CPUs, %s %s %s; load average %.2f at the end; %s\n"
            "absolute times hold only for this machine; the ratios are to floors measured "
            "interleaved with them in this run\n",
            model, sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, u.machine, load[0], date);
}

const bench_row_t *bench_rows(size_t *count)
{
    *count = row_count;
    return rows;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

double bench_percentile(uint64_t *samples, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(samples, n, sizeof *samples, cmp_u64);
    size_t idx = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return (double)samples[idx < n ? idx : n - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median_ratio(const uint64_t *a, const uint64_t *b, size_t n)
{
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!r || n == 0) {
        free(r);
        return NAN;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = b[i] > 0 ? (double)a[i] / (double)b[i] : 0;
    qsort(r, n, sizeof *r, cmp_double);
    double median = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    free(r);
    return median;
}

double bench_mean(const uint64_t *samples, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)samples[i];
    return n ? sum / (double)n : 0;
}

void bench_keep_samples(const char *name, const uint64_t *samples, size_t n)
{
    if (dist_count == BENCH_MAX_DISTS || n == 0)
        return;
    bench_dist_t *d = &dists[dist_count];
    d->samples = malloc(n * sizeof *samples);
    if (!d->samples)
        return;
    memcpy(d->samples, samples, n * sizeof *samples);
    d->n = n;
    copy_field(d->name, sizeof d->name, name);
    dist_count++;
}

static const bench_row_t *find_row(const char *name)
{
    for (size_t i = 0; i < row_count; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

static double row_ratio(const bench_row_t *r)
{
    if (!isnan(r->ratio))
        return r->ratio;
    const bench_row_t *f = r->floor[0] ? find_row(r->floor) : NULL;
    if (f && f->value > 0 && strcmp(f->unit, r->unit) == 0)
        return r->value / f->value;
    return NAN;
}

static void format_ratio(const bench_row_t *r, char *buf, size_t cap)
{
    if (!isnan(r->ratio)) {
        snprintf(buf, cap, "%.2fx", r->ratio);
        return;
    }
    const bench_row_t *f = r->floor[0] ? find_row(r->floor) : NULL;
    if (f && f->value > 0 && strcmp(f->unit, r->unit) == 0)
        snprintf(buf, cap, "%.2fx", r->value / f->value);
    else
        snprintf(buf, cap, "-");
}

void bench_print_table(void)
{
    bench_print_machine(stdout);
    printf("%-10s %-52s %14s %-6s %8s  %-34s %-4s %s\n", "group", "measurement", "value", "unit",
           "/floor", "floor", "met", "target");
    for (size_t i = 0; i < row_count; i++) {
        const bench_row_t *r = &rows[i];
        char ratio[32];
        format_ratio(r, ratio, sizeof ratio);
        const char *met = r->target_met < 0 ? "-" : r->target_met ? "yes" : "NO";
        printf("%-10s %-52s %14.3f %-6s %8s  %-34s %-4s %s\n", r->group, r->name, r->value, r->unit,
               ratio, r->floor[0] ? r->floor : "-", met, r->target[0] ? r->target : "-");
    }
}

static void json_machine(akl_json_t *json)
{
    struct utsname u;
    uname(&u);
    akl_json_object_begin(json, "machine");
    akl_json_string(json, "sysname", u.sysname);
    akl_json_string(json, "release", u.release);
    akl_json_string(json, "arch", u.machine);
    akl_json_int(json, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
    double load[3] = {0};
    getloadavg(load, 3);
    akl_json_double(json, "load_average", load[0]);
    akl_json_string(json, "note", "absolute times hold only for this machine");
    akl_json_object_end(json);
}

int bench_write_json(const bench_config_t *cfg, const char *path)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        fprintf(stderr, "akl bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    akl_json_t json;
    akl_json_begin(&json, f);
    akl_json_string(&json, "tool", "akl-bench");
    akl_json_bool(&json, "quick", cfg->quick);
    json_machine(&json);
    akl_json_array_begin(&json, "results");
    for (size_t i = 0; i < row_count; i++) {
        const bench_row_t *r = &rows[i];
        akl_json_object_begin(&json, NULL);
        akl_json_string(&json, "id", r->id);
        akl_json_string(&json, "group", r->group);
        akl_json_string(&json, "name", r->name);
        akl_json_double(&json, "value", r->value);
        akl_json_string(&json, "unit", r->unit);
        akl_json_string(&json, "floor", r->floor);
        akl_json_string(&json, "target", r->target);
        akl_json_double(&json, "ratio", row_ratio(r)); /* null without a floor */
        if (r->floor_value > 0)
            akl_json_double(&json, "floor_value", r->floor_value);
        if (r->target_met < 0)
            akl_json_double(&json, "target_met", NAN); /* null: no checkable target */
        else
            akl_json_bool(&json, "target_met", r->target_met == 1);
        akl_json_object_end(&json);
    }
    akl_json_array_end(&json);
    int rc = akl_json_end(&json);
    if (f != stdout && fclose(f) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "akl bench: cannot write the JSON to %s\n", path ? path : "stdout");
    return rc;
}

static int write_dist_dat(const char *path, const bench_dist_t *d)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* The empirical CDF: latency in microseconds against the fraction of samples below it. */
    qsort(d->samples, d->n, sizeof *d->samples, cmp_u64);
    size_t step = d->n > 2000 ? d->n / 2000 : 1;
    for (size_t i = 0; i < d->n; i += step)
        fprintf(f, "%.4f %.6f\n", (double)d->samples[i] / 1000.0, (double)(i + 1) / (double)d->n);
    return fclose(f);
}

static int write_scaling_dat(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int lines = 0;
    for (size_t i = 0; i < row_count; i++) {
        int procs;
        if (sscanf(rows[i].name, "bootstrap, %d processes at once (wall)", &procs) == 1) {
            fprintf(f, "%d %.6f\n", procs, rows[i].value);
            lines++;
        }
    }
    fclose(f);
    return lines;
}

static int run_gnuplot(const char *script)
{
    FILE *p = popen("gnuplot 2>&1", "w");
    if (!p)
        return -1;
    /* Without gnuplot the shell exits at once: writing to it must fail, not kill the benchmark
     * with SIGPIPE after its results are out. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, saved;
    sigaction(SIGPIPE, &ignore, &saved);
    fputs(script, p);
    int status = pclose(p);
    sigaction(SIGPIPE, &saved, NULL);
    return status == 0 ? 0 : -1;
}

/* The gnuplot script is built in a memory stream: its size follows from the paths in it, which are
 * the user's and may be long. */
int bench_write_plots(const bench_config_t *cfg)
{
    char dat[4096], png[4096];
    int failures = 0;
    /* Room for the longest file name written below (fewer than ten distributions), so no path is
     * ever cut short. */
    if (strlen(cfg->plot_dir) + sizeof "/latency_0.dat" > sizeof dat) {
        fprintf(stderr, "akl bench: --plots %s: the path is too long\n", cfg->plot_dir);
        return -1;
    }
    if (mkdir(cfg->plot_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "akl bench: cannot create %s: %s\n", cfg->plot_dir, strerror(errno));
        return -1;
    }
    char *script = NULL;
    size_t script_size = 0;
    FILE *out = open_memstream(&script, &script_size);
    if (!out) {
        fprintf(stderr, "akl bench: cannot build the plot script: %s\n", strerror(errno));
        return -1;
    }
    fprintf(out, "set terminal pngcairo size 900,560\nset grid\nset logscale x\n"
                 "set xlabel 'latency (us)'\nset ylabel 'fraction of samples'\n");
    snprintf(png, sizeof png, "%s/latency.png", cfg->plot_dir);
    fprintf(out, "set output '%s'\nset title 'akl launch latency (CDF)'\nplot ", png);
    for (size_t i = 0; i < dist_count; i++) {
        snprintf(dat, sizeof dat, "%s/latency_%zu.dat", cfg->plot_dir, i);
        if (write_dist_dat(dat, &dists[i]) != 0)
            failures++;
        fprintf(out, "%s'%s' using 1:2 with lines lw 2 title '%s'", i ? ", " : "", dat,
                dists[i].name);
    }
    fprintf(out, "\n");
    snprintf(dat, sizeof dat, "%s/scaling.dat", cfg->plot_dir);
    if (write_scaling_dat(dat) > 0) {
        snprintf(png, sizeof png, "%s/scaling.png", cfg->plot_dir);
        fprintf(out,
                "unset logscale x\nset logscale x 2\nset xlabel 'processes bootstrapping at once'\n"
                "set ylabel 'wall time (ms)'\nset output '%s'\n"
                "set title 'akl bootstrap scaling'\nplot '%s' using 1:2 with linespoints lw 2 "
                "title 'same SO, same device'\n",
                png, dat);
    }
    if (fclose(out) != 0 || !script) {
        fprintf(stderr, "akl bench: cannot build the plot script: out of memory\n");
        free(script);
        return -1;
    }
    if (dist_count > 0 && run_gnuplot(script) != 0) {
        fprintf(stderr, "akl bench: gnuplot failed or is not installed; .dat files are in %s\n",
                cfg->plot_dir);
        failures++;
    }
    free(script);
    return failures ? -1 : 0;
}
