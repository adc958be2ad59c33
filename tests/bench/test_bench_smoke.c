/* The CI smoke run of the benchmark: `akl-bench --quick` runs every group, writes JSON that parses
 * and carries every figure docs/performance.md lists, and writes the plots, also into a
 * directory whose path is near PATH_MAX, with their targets, floors, machine and date; --json
 * prints to stdout and --only refuses an unknown group; the growth row puts back the device's files a
 * stopped run left exchanged. No timing is asserted: timing claims live
 * in the benchmark's own output, never in tests.
 */
#define _GNU_SOURCE
#include "test_support.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h> /* RENAME_EXCHANGE */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *const required_rows[] = {
    "plain function call",
    "shm round trip, spinning p50",
    "launch + completion round trip p50",
    "launch + completion round trip p99",
    "async launches, 1 stream",
    "async launches, 4 streams",
    "fingerprint XXH3-64 (akl_fingerprint)",
    "new process, device already holds the file (16 KB)",
    "first publish on a device, 16 KB",
    "first publish on a device, 1 MB",
    "first publish on a device, 16 MB",
    "publish 16 MB: write+fsync+rename+dirsync",
    "bootstrap, 1 processes at once (wall)",
    "bootstrap, 4 processes at once (wall)",
    "device memory held per loaded module",
    "scheduler CPU time over one idle second",
};

/* The rows issue 14 gives targets, by their stable ids: each carries ratio, target and target_met
 * (their values are timing, never asserted here). */
static const char *const checked_ids[] = {
    "launch_rtt_p50",
    "launch_rtt_p99",
    "launch_overhead_vs_direct",
    "launch_overhead_handle_vs_direct",
    "first_publish_16kb",
    "first_publish_1mb",
    "first_publish_16mb",
    "identical_load_new_process_16mb",
    "herd_writes_8x16mb",
    "load_cost_growth_10k_files",
};

/* Runs akl-bench --quick --no-progress with the options in ap (NULL-terminated), its stdout and
 * stderr into the files out and err when they are not NULL; returns its wait status. */
static int run_bench_v(const char *out, const char *err, va_list ap)
{
    char *argv[16] = {AKL_BUILD_DIR "/bin/akl-bench", "--quick", "--no-progress"};
    int n = 3;
    for (const char *a = va_arg(ap, const char *); a && n < 15; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out)
        posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err)
        posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc != 0 ? -1 : t_wait_child(pid, 240000);
}

/* run_bench_v with the NULL-terminated options after the first NULL-able pair. */
static int run_bench_to(const char *out, const char *err, ...)
{
    va_list ap;
    va_start(ap, err);
    int status = run_bench_v(out, err, ap);
    va_end(ap);
    return status;
}

#define run_bench(...) run_bench_to(NULL, NULL, __VA_ARGS__)

static json_object *find_result(json_object *results, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(results); i++) {
        json_object *row = json_object_array_get_idx(results, i), *n;
        if (json_object_object_get_ex(row, "name", &n) &&
            strcmp(json_object_get_string(n), name) == 0)
            return row;
    }
    return NULL;
}

/* Each test works in a directory of its own under $TMPDIR (scripts/test.sh gives the suite one
 * and checks it is left empty), which the teardown removes even when the test fails. */
static int make_scratch(void **state)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/akl-bench-smoke-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
        return -1;
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_scratch(void **state)
{
    char *dir = *state;
    int rc = t_rmtree(dir);
    free(dir);
    return rc;
}

static void test_quick_run_writes_parseable_json_and_plots(void **state)
{
    const char *dir = *state;
    char json[4200], plots[4200], png[4300];
    snprintf(json, sizeof json, "%s/bench.json", dir);
    snprintf(plots, sizeof plots, "%s/plots", dir);
    mkdir(plots, 0755);

    int status = run_bench("--json-file", json, "--plots", plots, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    json_object *root = json_object_from_file(json);
    assert_non_null(root);
    json_object *results, *quick;
    assert_true(json_object_object_get_ex(root, "results", &results));
    assert_true(json_object_object_get_ex(root, "quick", &quick));
    assert_true(json_object_get_boolean(quick));
    for (size_t i = 0; i < sizeof required_rows / sizeof required_rows[0]; i++) {
        json_object *row = find_result(results, required_rows[i]), *value;
        if (!row)
            fail_msg("missing benchmark row '%s'", required_rows[i]);
        assert_true(json_object_object_get_ex(row, "value", &value));
        assert_true(json_object_is_type(value, json_type_double) ||
                    json_object_is_type(value, json_type_int));
    }
    for (size_t i = 0; i < sizeof checked_ids / sizeof checked_ids[0]; i++) {
        json_object *row = NULL, *field;
        for (size_t r = 0; r < json_object_array_length(results) && !row; r++) {
            json_object *candidate = json_object_array_get_idx(results, r), *id;
            if (json_object_object_get_ex(candidate, "id", &id) &&
                strcmp(json_object_get_string(id), checked_ids[i]) == 0)
                row = candidate;
        }
        if (!row)
            fail_msg("missing benchmark row with id '%s'", checked_ids[i]);
        assert_true(json_object_object_get_ex(row, "ratio", &field));
        assert_true(json_object_object_get_ex(row, "target", &field));
        assert_true(json_object_object_get_ex(row, "target_met", &field));
        assert_true(json_object_is_type(field, json_type_boolean));
    }
    json_object_put(root);

    snprintf(png, sizeof png, "%s/latency.png", plots);
    assert_true(t_file_exists(png));
    snprintf(png, sizeof png, "%s/scaling.png", plots);
    assert_true(t_file_exists(png));
}

/* The plot script names every data file: with paths this long it is several times the size of a
 * fixed script buffer, and must still be whole. */
static void test_plots_into_a_very_long_path(void **state)
{
    char plots[4096];
    size_t used = (size_t)snprintf(plots, sizeof plots, "%s", (const char *)*state);
    while (used < 4040) {
        size_t component = 4040 - used - 1 < 200 ? 4040 - used - 1 : 200;
        plots[used++] = '/';
        memset(plots + used, 'd', component);
        used += component;
        plots[used] = 0;
        assert_int_equal(mkdir(plots, 0755), 0);
    }
    int status = run_bench("--only", "floors,launch", "--plots", plots, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char png[4200];
    snprintf(png, sizeof png, "%s/latency.png", plots);
    assert_true(t_file_exists(png));
}

/* The UTC date as the plots print it. */
static void utc_date(char *buf, size_t cap)
{
    time_t now = time(NULL);
    strftime(buf, cap, "%Y-%m-%d", gmtime(&now));
}

/* The CPU's model name as /proc/cpuinfo gives it, or "" when it gives none. */
static void cpu_model(char *buf, size_t cap)
{
    buf[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(buf, cap, "%s", colon + 2);
            buf[strcspn(buf, "\n")] = 0;
            break;
        }
    }
    if (f)
        fclose(f);
}

static void assert_contains(const char *text, const char *needle)
{
    if (!text)
        fail_msg("no plot script to look for '%s' in", needle);
    else if (!strstr(text, needle))
        fail_msg("the plot script lacks '%s':\n%s", needle, text);
}

/* The plots (issue 15): the script kept beside them draws the launch round trip's targets and its
 * interleaved floors, labels its time axes in µs, keeps the legend outside the plotting area, and
 * titles each plot with the machine (CPU, cores, memory, kernel) and the run's date. */
static void test_plots_draw_targets_floors_machine_and_date(void **state)
{
    const char *dir = *state;
    char plots[4200], script_path[4300], before[16], after[16], model[128];
    snprintf(plots, sizeof plots, "%s/plots", dir);
    utc_date(before, sizeof before);
    int status = run_bench("--only", "floors,launch,load", "--plots", plots, NULL);
    utc_date(after, sizeof after);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    snprintf(script_path, sizeof script_path, "%s/plots.gp", plots);
    size_t size;
    char *script = t_read_file(script_path, &size);
    assert_non_null(script);
    assert_contains(script, "title 'target p50 ≤ 2 µs (launch_rtt_p50)'");
    assert_contains(script, "title 'target p50 ≤ 3× floor");
    assert_contains(script, "title 'target p99 ≤ 20 µs (launch_rtt_p99)'");
    assert_contains(script, "title 'floor p50 ");
    assert_contains(script, "title 'floor p99 ");
    assert_contains(script, "title 'floor "); /* the scaling plot's publish floor */
    assert_contains(script, "set xlabel 'latency (µs)'");
    assert_contains(script, "set ylabel 'wall time (µs)'");
    assert_null(strstr(script, "(us)"));
    assert_null(strstr(script, "(ms)"));
    assert_contains(script, "set key outside");
    assert_null(strstr(script, "set key inside"));
    cpu_model(model, sizeof model);
    if (model[0])
        assert_contains(script, model);
    struct utsname u;
    assert_int_equal(uname(&u), 0);
    assert_contains(script, u.release);
    assert_contains(script, " CPUs, ");
    assert_contains(script, " GiB, ");
    if (!strstr(script, before))
        assert_contains(script, after); /* the run may cross midnight */
    free(script);
    snprintf(script_path, sizeof script_path, "%s/scaling.png", plots);
    assert_true(t_file_exists(script_path));
}

/* --check with only rows that have no target (the floors) says every target was met and exits 0;
 * the machine line is printed above the table. Which targets a timed run meets is not asserted. */
static void test_check_without_targets_passes(void **state)
{
    const char *dir = *state;
    char out[4200], err[4200];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    int status = run_bench_to(out, err, "--only", "floors", "--check", NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    size_t size;
    char *text = t_read_file(err, &size);
    assert_non_null(text);
    assert_non_null(strstr(text, "akl bench --check: every target met"));
    free(text);
    text = t_read_file(out, &size);
    assert_non_null(text);
    assert_non_null(strstr(text, "absolute times hold only for this machine"));
    free(text);
}

/* --json prints the results on stdout, as every other command's --json does, strictly valid; the
 * table then goes to stderr. */
static void test_json_goes_to_stdout(void **state)
{
    const char *dir = *state;
    char out[4200], err[4200];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    int status = run_bench_to(out, err, "--only", "floors", "--json", NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    size_t size;
    char *text = t_read_file(out, &size);
    assert_non_null(text);
    json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, text, (int)size);
    if (!root)
        fail_msg("stdout is not one JSON object:\n%.*s", (int)size, text);
    for (size_t i = json_tokener_get_parse_end(tok); i < size; i++)
        assert_true(text[i] == '\n'); /* nothing but the final newline after it */
    json_object *results;
    assert_true(json_object_object_get_ex(root, "results", &results));
    assert_non_null(find_result(results, "plain function call"));
    json_object_put(root);
    json_tokener_free(tok);
    free(text);

    char *table = t_read_file(err, &size);
    assert_non_null(table);
    assert_non_null(strstr(table, "plain function call"));
    free(table);
}

/* A group --only does not know is a usage error naming it and the groups there are, not an empty
 * table and success. */
static void test_unknown_group_is_a_usage_error(void **state)
{
    const char *dir = *state;
    char out[4200], err[4200];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    int status = run_bench_to(out, err, "--only", "floors,nosuch", NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    size_t size;
    char *text = t_read_file(err, &size);
    assert_non_null(text);
    if (!strstr(text, "unknown group 'nosuch'") ||
        !strstr(text, "floors,hash,launch,load,idle,modeb"))
        fail_msg("stderr does not name the group and the valid ones:\n%s", text);
    free(text);
    text = t_read_file(out, &size);
    assert_non_null(text);
    assert_int_equal(size, 0);
    free(text);
}

/* Runs `--only load` with AKL_SIM_ROOT=root, then puts the suite's AKL_SIM_ROOT back. */
static int run_load_in(const char *root, const char *out)
{
    const char *was = getenv("AKL_SIM_ROOT");
    char *saved = was ? strdup(was) : NULL;
    setenv("AKL_SIM_ROOT", root, 1);
    int status = run_bench_to(out, NULL, "--only", "load", NULL);
    if (saved)
        setenv("AKL_SIM_ROOT", saved, 1);
    else
        unsetenv("AKL_SIM_ROOT");
    free(saved);
    return status;
}

/* The growth row swaps the device's directory with a sibling holding its extra files for one load
 * at a time. A run stopped between two exchanges leaves the device's own files in the sibling: the
 * next run must put them back, not remove them with the sibling. */
static void test_growth_puts_back_the_devices_files(void **state)
{
    const char *scratch = *state;
    char root[4200], dir[4400], full[4500], marker[4600], out[4300];
    snprintf(root, sizeof root, "%s/sim", scratch);
    snprintf(dir, sizeof dir, "%s/chip0/usr/lib64/aicpu_kernels/0/aicpu_kernels_device", root);
    snprintf(full, sizeof full, "%s.full", dir);
    snprintf(out, sizeof out, "%s/stdout", scratch);
    int status = run_load_in(root, out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* A file of the device's own, then the state a run stopped between its exchanges leaves. */
    snprintf(marker, sizeof marker, "%s/akl_inner_00000000000000aa_0.so", dir);
    assert_int_equal(t_write_file(marker, "mine", 4), 0);
    assert_int_equal(mkdir(full, 0700), 0);
    assert_int_equal(syscall(SYS_renameat2, AT_FDCWD, dir, AT_FDCWD, full, RENAME_EXCHANGE), 0);
    assert_false(t_file_exists(marker));

    status = run_load_in(root, out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(t_file_exists(marker));
    struct stat st;
    assert_int_equal(stat(full, &st), -1);
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quick_run_writes_parseable_json_and_plots,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_plots_into_a_very_long_path, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_plots_draw_targets_floors_machine_and_date,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_json_goes_to_stdout, make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_check_without_targets_passes, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_unknown_group_is_a_usage_error, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_growth_puts_back_the_devices_files, make_scratch,
                                        remove_scratch),
    };
    int rc = t_run_group_tests(tests, NULL, NULL);
    t_rmtree(t_sim_root());
    return rc;
}
