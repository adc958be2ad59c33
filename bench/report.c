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

/* What the figures were measured on: absolute times hold only for it. */
typedef struct bench_machine {
    char model[128];  /* the CPU's model name */
    long cpus;        /* online */
    double mem_gib;   /* physical memory */
    char kernel[200]; /* sysname release machine */
    double load;      /* 1-minute load average when read */
    char date[32];    /* when read, UTC */
} bench_machine_t;

static void read_machine(bench_machine_t *m)
{
    snprintf(m->model, sizeof m->model, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(m->model, sizeof m->model, "%s", colon + 2);
            m->model[strcspn(m->model, "\n")] = 0;
            break;
        }
    }
    if (f)
        fclose(f);
    m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
    m->mem_gib = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / (1u << 30);
    struct utsname u;
    uname(&u);
    snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    double load[3] = {0};
    getloadavg(load, 3);
    m->load = load[0];
    time_t now = time(NULL);
    strftime(m->date, sizeof m->date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
}

void bench_print_machine(FILE *out)
{
    bench_machine_t m;
    read_machine(&m);
    fprintf(out,
            "machine: %s, %ld CPUs, %.1f GiB, %s; load average %.2f at the end; %s\n"
            "absolute times hold only for this machine; the ratios are to floors measured "
            "interleaved with them in this run\n",
            m.model, m.cpus, m.mem_gib, m.kernel, m.load, m.date);
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

double bench_median(double *values, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(values, n, sizeof *values, cmp_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
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
    double median = bench_median(r, n);
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
    bench_machine_t m;
    read_machine(&m);
    akl_json_object_begin(json, "machine");
    akl_json_string(json, "sysname", u.sysname);
    akl_json_string(json, "release", u.release);
    akl_json_string(json, "arch", u.machine);
    akl_json_int(json, "cpus", m.cpus);
    akl_json_string(json, "cpu_model", m.model);
    akl_json_double(json, "memory_gib", m.mem_gib);
    akl_json_double(json, "load_average", m.load);
    akl_json_string(json, "date", m.date);
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

/* value in unit as microseconds, or NAN when unit is not a time. */
static double to_us(double value, const char *unit)
{
    if (strcmp(unit, "ns") == 0)
        return value / 1000;
    if (strcmp(unit, "us") == 0)
        return value;
    if (strcmp(unit, "ms") == 0)
        return value * 1000;
    if (strcmp(unit, "s") == 0)
        return value * 1e6;
    return NAN;
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
            fprintf(f, "%d %.3f\n", procs, to_us(rows[i].value, rows[i].unit)); /* µs */
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

/* s as a gnuplot single-quoted string (a quote inside is doubled): paths and names are the user's
 * and the machine's, and must not end the string early. */
static void gp_string(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', out);
        fputc(*s, out);
    }
    fputc('\'', out);
}

/* Every plot's frame: the legend outside the plotting area (below it) so it never covers a
 * curve, and a title carrying the machine and the date of the run, since absolute times hold only
 * for them. */
static void gp_frame(FILE *out, const char *png, const char *title, const bench_machine_t *m)
{
    fputs("set output ", out);
    gp_string(out, png);
    char machine[512];
    snprintf(machine, sizeof machine, "%s, %ld CPUs, %.1f GiB, %s; load average %.2f; %s", m->model,
             m->cpus, m->mem_gib, m->kernel, m->load, m->date);
    fputs("\nset title ", out);
    gp_string(out, title);
    fputs(".\"\\n\".", out);
    gp_string(out, machine);
    fputs(" font ',10'\nset key outside below left Left reverse vertical font ',10'\n", out);
}

/* The percentile a row named "... pNN" stands for, or -1. */
static int row_percentile(const bench_row_t *r)
{
    const char *p = strrchr(r->name, ' ');
    int pct;
    return p && sscanf(p, " p%d", &pct) == 1 && pct > 0 && pct < 100 ? pct : -1;
}

/* The bounds a row's target sets on it, in µs: "<= X us" and "<= Fx floor" (times its floor).
 * Returns how many were found (at most two); factor[i] is F for the second kind, else 0. */
static int target_bounds_us(const bench_row_t *r, double bound[2], double factor[2])
{
    int n = 0;
    double x;
    char unit[16];
    for (const char *p = r->target; (p = strstr(p, "<= ")) != NULL && n < 2; p += 3) {
        if (sscanf(p, "<= %lf%15s", &x, unit) != 2)
            continue;
        if (strcmp(unit, "x") == 0 && strncmp(p + strcspn(p, "x"), "x floor", 7) == 0 &&
            r->floor_value > 0) {
            bound[n] = x * to_us(r->floor_value, r->unit);
            factor[n++] = x;
        } else if (!isnan(to_us(x, unit))) {
            bound[n] = to_us(x, unit);
            factor[n++] = 0;
        }
    }
    return n;
}

/* For one latency row with a target: its target bounds as vertical lines and its interleaved floor
 * as a point at its percentile. The data go into datablocks (data, defined before the plot
 * command) so that gnuplot labels each marker in the legend; the curves into plot. */
static void gp_row_markers(FILE *data, FILE *plot, const bench_row_t *r, int pct, int n)
{
    char label[256];
    double bound[2], factor[2];
    int bounds = target_bounds_us(r, bound, factor);
    for (int b = 0; b < bounds; b++) {
        fprintf(data, "$target_%d_%d << EOD\n%.4f 0\n%.4f 1\nEOD\n", n, b, bound[b], bound[b]);
        if (factor[b] == 0)
            snprintf(label, sizeof label, "target p%d ≤ %g µs (%.47s)", pct, bound[b], r->id);
        else
            snprintf(label, sizeof label, "target p%d ≤ %g× floor = %.3g µs (%.47s)", pct,
                     factor[b], bound[b], r->id);
        fprintf(plot, ", $target_%d_%d with lines dt %d lw 2 lc rgb '%s' title ", n, b,
                factor[b] == 0 ? 2 : 3, pct >= 90 ? "#b00000" : "#e06000");
        gp_string(plot, label);
    }
    if (r->floor_value > 0) {
        double floor_us = to_us(r->floor_value, r->unit);
        fprintf(data, "$floor_%d << EOD\n%.4f %.4f\nEOD\n", n, floor_us, pct / 100.0);
        snprintf(label, sizeof label, "floor p%d %.3f µs: %.95s", pct, floor_us, r->floor);
        fprintf(plot, ", $floor_%d with points pt 7 ps 1.5 lc rgb 'black' title ", n);
        gp_string(plot, label);
    }
}

/* The latency plot: the kept distributions as CDFs, then the markers of every latency row with a
 * target. Returns how many data files could not be written. */
static int gp_latency(FILE *out, const bench_config_t *cfg, const bench_machine_t *m)
{
    char dat[4096], png[4096], label[256];
    char *markers = NULL;
    size_t markers_size = 0;
    FILE *plot = open_memstream(&markers, &markers_size);
    if (!plot)
        return 1;
    int failures = 0;
    fprintf(out, "set xlabel 'latency (µs)'\nset ylabel 'fraction of samples'\n"
                 "set logscale x\nset yrange [0:1.02]\n");
    for (size_t i = 0; i < row_count; i++) {
        int pct = row_percentile(&rows[i]);
        if (rows[i].target_met >= 0 && pct > 0 && !isnan(to_us(rows[i].value, rows[i].unit)))
            gp_row_markers(out, plot, &rows[i], pct, (int)i);
    }
    if (fclose(plot) != 0 || !markers) {
        free(markers);
        return 1;
    }
    snprintf(png, sizeof png, "%s/latency.png", cfg->plot_dir);
    gp_frame(out, png, "akl launch latency (CDF)", m);
    fputs("plot ", out);
    for (size_t i = 0; i < dist_count; i++) {
        snprintf(dat, sizeof dat, "%s/latency_%zu.dat", cfg->plot_dir, i);
        if (write_dist_dat(dat, &dists[i]) != 0)
            failures++;
        fputs(i ? ", " : "", out);
        gp_string(out, dat);
        /* every distribution but akl's own is a floor */
        bool floor = strncmp(dists[i].name, "akl", 3) != 0;
        snprintf(label, sizeof label, "%s%.63s", floor ? "floor: " : "", dists[i].name);
        fputs(" using 1:2 with lines lw 2 title ", out);
        gp_string(out, label);
    }
    fprintf(out, "%s\n", markers);
    free(markers);
    return failures;
}

/* The scaling plot: wall time of N processes bootstrapping one SO at once. Its rows have no target
 * and no floor of their own; the floor drawn is the one durable publish of the same 16 KB
 * (write+fsync+rename+dirsync, measured in this run), which the herd can at best approach.
 * Returns 1 when it plotted, 0 when there were no scaling rows, -1 when the data could not be
 * written. */
static int gp_scaling(FILE *out, const bench_config_t *cfg, const bench_machine_t *m)
{
    char dat[4096], png[4096], label[256];
    snprintf(dat, sizeof dat, "%s/scaling.dat", cfg->plot_dir);
    int lines = write_scaling_dat(dat);
    if (lines <= 0)
        return lines;
    const bench_row_t *floor = find_row("publish 16 KB: write+fsync+rename+dirsync");
    snprintf(png, sizeof png, "%s/scaling.png", cfg->plot_dir);
    fprintf(out, "unset logscale\nset autoscale\nset logscale x 2\nset yrange [0:*]\n"
                 "set xlabel 'processes bootstrapping one 16 KB SO at once'\n"
                 "set ylabel 'wall time (µs)'\n");
    gp_frame(out, png, "akl bootstrap scaling", m);
    fputs("plot ", out);
    gp_string(out, dat);
    fputs(" using 1:2 with linespoints lw 2 pt 7 title 'same SO, same device (no target set)'",
          out);
    if (floor) {
        snprintf(label, sizeof label, "floor %.0f µs: one %.95s", to_us(floor->value, floor->unit),
                 floor->name);
        fprintf(out, ", %.3f with lines dt 2 lw 2 lc rgb 'black' title ",
                to_us(floor->value, floor->unit));
        gp_string(out, label);
    }
    fputs("\n", out);
    return 1;
}

/* Also keeps the script as DIR/plots.gp, to redraw or restyle the plots without running again. */
static int write_script(const bench_config_t *cfg, const char *script)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/plots.gp", cfg->plot_dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(script, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "akl bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The gnuplot script is built in a memory stream: its size follows from the paths in it, which are
 * the user's and may be long. */
int bench_write_plots(const bench_config_t *cfg)
{
    int failures = 0;
    /* Room for the longest file name written below (fewer than ten distributions), so no path is
     * ever cut short. */
    if (strlen(cfg->plot_dir) + sizeof "/latency_0.dat" > 4096) {
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
    bench_machine_t m;
    read_machine(&m);
    fprintf(out, "set encoding utf8\nset terminal pngcairo noenhanced size 1000,800\nset grid\n");
    if (dist_count > 0)
        failures += gp_latency(out, cfg, &m);
    int scaling = gp_scaling(out, cfg, &m);
    failures += scaling < 0;
    if (fclose(out) != 0 || !script) {
        fprintf(stderr, "akl bench: cannot build the plot script: out of memory\n");
        free(script);
        return -1;
    }
    if (write_script(cfg, script) != 0)
        failures++;
    if ((dist_count > 0 || scaling > 0) && run_gnuplot(script) != 0) {
        fprintf(stderr, "akl bench: gnuplot failed or is not installed; .dat files are in %s\n",
                cfg->plot_dir);
        failures++;
    }
    free(script);
    return failures ? -1 : 0;
}
