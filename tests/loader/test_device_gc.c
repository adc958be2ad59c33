/* akl gc and AKL_DEVICE_CACHE_MAX on the simulator (issue 15 point 3, docs/protocol.md section
 * 16), and on the aarch64 device (aarch64_device_gc). The collector runs on the device
 * (akl_collector.so, which libakl loads), so these tests go through `akl gc` and real loads in
 * child processes: a child that loads a module keeps its scheduler (and so its hold on the file)
 * alive until it exits. The test process itself never opens a device, so it may fork freely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "akl/akl.h"
#include "collector_abi.h"
#include "faultk_abi.h"
#include "test_cli_spawn.h"
#include "test_faults_util.h"
#include "test_support.h"

#define GC_DEVICE 0
#define GC_VARIANT_ROOM 512
#define GC_CHILD_MS 60000

/* A fresh runtime SO: the fault kernel with seeded trailing bytes (loaders ignore them). */
static unsigned char *gc_variant(uint64_t seed, size_t *size)
{
    size_t kernel_size;
    unsigned char *bytes = faultt_read_kernel(FAULTK_SO, GC_VARIANT_ROOM, &kernel_size);
    if (!bytes)
        abort();
    *size = kernel_size + GC_VARIANT_ROOM;
    faultt_fill_random(bytes, kernel_size, *size, &seed);
    return bytes;
}

static void gc_name_of(uint64_t seed, const char *prefix, char *out, size_t cap)
{
    size_t size;
    unsigned char *bytes = gc_variant(seed, &size);
    assert_int_equal(akl_basename(prefix, akl_fingerprint(bytes, size), GC_DEVICE, out, cap), 0);
    free(bytes);
}

static void gc_path_of(const char *name, char *out, size_t cap)
{
    char dir[FAULTT_PATH_MAX];
    faultt_preinstall_dir(GC_DEVICE, dir, sizeof dir);
    faultt_join(out, cap, dir, name);
}

/* In a child: open the device and load the variant under prefix. 0 on success. */
static int gc_child_load(uint64_t seed, const char *prefix, akl_module_t **module)
{
    size_t size;
    unsigned char *bytes = gc_variant(seed, &size);
    akl_load_options_t opts = {.size = sizeof opts, .prefix = prefix};
    int rc = akl_device_open(GC_DEVICE);
    if (rc == 0)
        rc = akl_module_load_data(GC_DEVICE, bytes, size, &opts, module);
    if (rc != 0)
        fprintf(stderr, "child load of variant %llu: %s\n", (unsigned long long)seed,
                akl_last_error());
    free(bytes);
    return rc;
}

/* Whether no process holds the file at path (a collector could take its exclusive lock now). */
static bool gc_unheld(void *arg)
{
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    bool free_now = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_now;
}

/* Publishes the variant from a process that then exits: the file is left unused once that
 * process's scheduler, which holds it, has gone too (it exits after its host process, so the test
 * waits for the lock to be released rather than assume it is). */
static void gc_publish_and_exit(uint64_t seed, const char *prefix)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        akl_module_t *module;
        int rc = gc_child_load(seed, prefix, &module);
        akl_device_close(GC_DEVICE);
        _exit(rc == 0 ? 0 : 1);
    }
    assert_int_equal(t_wait_child(pid, GC_CHILD_MS), 0);
    char name[128], path[FAULTT_PATH_MAX];
    gc_name_of(seed, prefix, name, sizeof name);
    gc_path_of(name, path, sizeof path);
    assert_true(t_wait_until(gc_unheld, path, GC_CHILD_MS));
}

static bool gc_launch_ok(const akl_module_t *module)
{
    faultk_return_args_t args = {0, 0};
    return akl_launch(module, "faultk_return", &args, sizeof args, 1, NULL, 0) == 0 &&
           akl_stream_sync(NULL, FAULTT_SYNC_MS) == 0;
}

/* A process that loads the variant and keeps launching it until told to stop. */
typedef struct gc_user {
    pid_t pid;
    int stop_fd;
} gc_user_t;

static void gc_user_loop(uint64_t seed, int ready_fd, int stop_fd)
{
    akl_module_t *module;
    int failures = gc_child_load(seed, NULL, &module) != 0;
    char byte = failures ? 'F' : 'R';
    if (write(ready_fd, &byte, 1) != 1 || failures)
        _exit(2);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct pollfd stop = {.fd = stop_fd, .events = POLLIN};
    unsigned launches = 0;
    for (;;) {
        failures += !gc_launch_ok(module);
        launches++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (poll(&stop, 1, 0) != 0 || now.tv_sec - start.tv_sec > GC_CHILD_MS / 1000)
            break;
    }
    failures += !gc_launch_ok(module); /* one more after the collection */
    if (failures)
        fprintf(stderr, "user: %d of %u launches failed: %s\n", failures, launches + 1,
                akl_last_error());
    akl_device_close(GC_DEVICE);
    _exit(failures == 0 ? 0 : 1);
}

static void gc_user_start(uint64_t seed, gc_user_t *user)
{
    int ready[2], stop[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(stop), 0);
    user->pid = fork();
    assert_true(user->pid >= 0);
    if (user->pid == 0) {
        close(ready[0]);
        close(stop[1]);
        gc_user_loop(seed, ready[1], stop[0]);
    }
    close(ready[1]);
    close(stop[0]);
    char byte = 0;
    assert_int_equal(read(ready[0], &byte, 1), 1); /* blocks until it loaded (or failed) */
    close(ready[0]);
    assert_int_equal(byte, 'R');
    user->stop_fd = stop[1];
}

/* Stops the user; its exit status says whether every launch succeeded. */
static int gc_user_stop(gc_user_t *user)
{
    assert_int_equal(write(user->stop_fd, "s", 1), 1);
    close(user->stop_fd);
    return t_wait_child(user->pid, GC_CHILD_MS);
}

/* Sets the file's last use to `age` seconds ago, so the order of recency is the test's choice. */
static void gc_set_age(const char *name, int age)
{
    char path[FAULTT_PATH_MAX];
    gc_path_of(name, path, sizeof path);
    assert_int_equal(t_set_age(path, age), 0);
}

static bool gc_exists(const char *name)
{
    char path[FAULTT_PATH_MAX];
    gc_path_of(name, path, sizeof path);
    return t_file_exists(path);
}

/* The JSON array under key. */
static json_object *gc_json_array(json_object *doc, const char *key)
{
    json_object *array = NULL;
    assert_true(json_object_object_get_ex(doc, key, &array));
    assert_true(json_object_is_type(array, json_type_array));
    return array;
}

static bool gc_json_lists(json_object *array, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *entry = json_object_array_get_idx(array, i), *n = NULL;
        if (json_object_object_get_ex(entry, "name", &n) &&
            strcmp(json_object_get_string(n), name) == 0)
            return true;
    }
    return false;
}

static json_object *gc_run_json(tcli_result_t *result, const char *const *env, const char *a1,
                                const char *a2)
{
    assert_int_equal(tcli_run_program(result, env, "akl", "gc", "--json", a1, a2, NULL), 0);
    if (result->exit_code != 0)
        fail_msg("akl gc exited %d: %s%s", result->exit_code, result->out, result->err);
    assert_true(tcli_json_is_object(result->out));
    json_object *doc = json_tokener_parse(result->out);
    assert_non_null(doc);
    return doc;
}

/* Five unused files, one in use by a process that keeps launching it, one of another prefix:
 * --keep 1 removes the four oldest unused ones only, and the user never fails. */
static void test_keep_one_spares_the_newest_the_used_and_the_foreign(void **state)
{
    (void)state;
    char used[128], foreign[128], unused[5][128];
    gc_user_t user;
    gc_user_start(1000, &user);
    gc_name_of(1000, NULL, used, sizeof used);
    for (int i = 0; i < 5; i++) {
        gc_publish_and_exit(1001 + (uint64_t)i, NULL);
        gc_name_of(1001 + (uint64_t)i, NULL, unused[i], sizeof unused[i]);
    }
    gc_publish_and_exit(1010, "other_");
    gc_name_of(1010, "other_", foreign, sizeof foreign);
    /* Oldest first: the used file, the foreign one, then unused[0] .. unused[4]. */
    gc_set_age(used, 1000);
    gc_set_age(foreign, 900);
    for (int i = 0; i < 5; i++)
        gc_set_age(unused[i], 800 - 100 * i);

    tcli_result_t result;
    json_object *doc = gc_run_json(&result, NULL, "--keep", "1");
    json_object *removed = gc_json_array(doc, "removed");
    assert_int_equal(json_object_array_length(removed), 4);
    for (int i = 0; i < 4; i++) {
        assert_true(gc_json_lists(removed, unused[i]));
        assert_false(gc_exists(unused[i]));
    }
    assert_true(gc_json_lists(gc_json_array(doc, "kept"), used));
    assert_true(gc_exists(unused[4]));
    assert_true(gc_exists(used));
    assert_true(gc_exists(foreign));
    json_object_put(doc);
    tcli_result_free(&result);
    assert_int_equal(gc_user_stop(&user), 0);
}

/* --dry-run decides as a real run would (it lists the files) and removes nothing. */
static void test_dry_run_removes_nothing(void **state)
{
    (void)state;
    char names[3][128];
    for (int i = 0; i < 3; i++) {
        gc_publish_and_exit(1100 + (uint64_t)i, "dry_");
        gc_name_of(1100 + (uint64_t)i, "dry_", names[i], sizeof names[i]);
    }
    tcli_result_t result;
    json_object *doc = gc_run_json(&result, NULL, "--dry-run", "--prefix=dry_");
    json_object *dry = NULL;
    assert_true(json_object_object_get_ex(doc, "dry_run", &dry));
    assert_true(json_object_get_boolean(dry));
    json_object *removed = gc_json_array(doc, "removed");
    assert_int_equal(json_object_array_length(removed), 3);
    for (int i = 0; i < 3; i++) {
        assert_true(gc_json_lists(removed, names[i]));
        assert_true(gc_exists(names[i]));
    }
    json_object_put(doc);
    tcli_result_free(&result);
}

/* Bytes of the files of prefix in the device directory, and their number. */
static uint64_t gc_prefix_bytes(const char *prefix, int *count)
{
    char dir_path[FAULTT_PATH_MAX];
    faultt_preinstall_dir(GC_DEVICE, dir_path, sizeof dir_path);
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    uint64_t total = 0;
    *count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        struct stat st;
        char path[FAULTT_PATH_MAX];
        faultt_join(path, sizeof path, dir_path, e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && stat(path, &st) == 0) {
            total += (uint64_t)st.st_size;
            (*count)++;
        }
    }
    closedir(dir);
    return total;
}

/* AKL_DEVICE_CACHE_MAX: after each of 50 publishes (each from a process that then exits) the
 * prefix's files total at most the bound, and the file just published is there. */
static void test_cache_max_bounds_fifty_publishes(void **state)
{
    (void)state;
    size_t size;
    free(gc_variant(0, &size));
    uint64_t bound = 3 * (uint64_t)size + size / 2; /* room for three */
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)bound);
    setenv("AKL_DEVICE_CACHE_MAX", text, 1);
    for (int i = 0; i < 50; i++) {
        gc_publish_and_exit(1200 + (uint64_t)i, "bound_");
        char name[128];
        gc_name_of(1200 + (uint64_t)i, "bound_", name, sizeof name);
        assert_true(gc_exists(name));
        int count;
        uint64_t total = gc_prefix_bytes("bound_", &count);
        if (total > bound)
            fail_msg("after publish %d: %d files, %llu bytes > bound %llu", i + 1, count,
                     (unsigned long long)total, (unsigned long long)bound);
        assert_true(count <= 3);
    }
    unsetenv("AKL_DEVICE_CACHE_MAX");
}

/* The bound after a publish is a bound request: it names the published file and its size, so the
 * collector answers from the prefix's ledger without listing the directory. The first publish
 * finds no ledger and scans (recording the truth); the next ones are answered and counted. */
static void test_bound_is_answered_from_the_ledger(void **state)
{
    (void)state;
    setenv("AKL_DEVICE_CACHE_MAX", "1G", 1);
    for (int i = 0; i < 3; i++)
        gc_publish_and_exit(1300 + (uint64_t)i, "ledger_");
    unsetenv("AKL_DEVICE_CACHE_MAX");
    char path[FAULTT_PATH_MAX];
    gc_path_of(".ledger_" AKL_GC_LEDGER_SUFFIX, path, sizeof path);
    size_t size = 0;
    akl_gc_ledger_t *l = t_read_file(path, &size);
    assert_non_null(l);
    assert_int_equal(size, sizeof *l);
    assert_int_equal(l->magic, AKL_GC_LEDGER_MAGIC);
    assert_int_equal(l->check, akl_gc_ledger_check(l));
    int count;
    uint64_t total = gc_prefix_bytes("ledger_", &count);
    assert_int_equal(count, 3);
    assert_int_equal(l->files, 3);
    assert_int_equal(l->bytes, total);
    assert_int_equal(l->answered, 2);
    free(l);
}

/* The ledger of prefix (cmocka fails when it is not a valid record). */
static akl_gc_ledger_t gc_ledger(const char *prefix)
{
    char name[128], path[FAULTT_PATH_MAX];
    snprintf(name, sizeof name, ".%s" AKL_GC_LEDGER_SUFFIX, prefix);
    gc_path_of(name, path, sizeof path);
    size_t size = 0;
    akl_gc_ledger_t *l = t_read_file(path, &size);
    assert_non_null(l);
    assert_int_equal(size, sizeof *l);
    assert_int_equal(l->check, akl_gc_ledger_check(l));
    akl_gc_ledger_t copy = *l;
    free(l);
    return copy;
}

/* Loads variant seed under prefix in this process; returns the bootstrap's outcome. */
static akl_boot_outcome_t gc_load_here(uint64_t seed, const char *prefix)
{
    size_t size;
    unsigned char *bytes = gc_variant(seed, &size);
    akl_load_options_t opts = {.size = sizeof opts, .prefix = prefix};
    akl_module_t *module = NULL;
    int rc = akl_module_load_data(GC_DEVICE, bytes, size, &opts, &module);
    free(bytes);
    if (rc != 0)
        fail_msg("loading variant %llu: %s", (unsigned long long)seed, akl_last_error());
    akl_module_info_t info;
    assert_int_equal(akl_module_info(module, &info), 0);
    return info.outcome;
}

/* In a process that has loaded the collector (its first publish), each later load queues its bound
 * request behind its bootstrap on the stream, and the collector applies it only when that
 * bootstrap published: each load that writes is counted in the ledger once (answered without a
 * scan, under the bound), and a load that finds the file already there (identical) changes
 * nothing. (This process holds every file it loaded, so none could be removed here: removal under
 * the bound is test_cache_max_bounds_fifty_publishes.) */
static void test_bound_behind_the_bootstrap_counts_only_what_it_published(void **state)
{
    (void)state;
    const char *prefix = "queued_";
    setenv("AKL_DEVICE_CACHE_MAX", "1G", 1);
    gc_publish_and_exit(1400, prefix); /* another process's file */
    assert_int_equal(akl_device_open(GC_DEVICE), 0);
    assert_int_equal(gc_load_here(1401, prefix), AKL_BOOT_WROTE); /* loads the collector */
    akl_gc_ledger_t before = gc_ledger(prefix);
    assert_int_equal(before.files, 2);

    assert_int_equal(gc_load_here(1400, prefix), AKL_BOOT_IDENTICAL);
    akl_gc_ledger_t after = gc_ledger(prefix);
    assert_int_equal(after.files, before.files);
    assert_int_equal(after.bytes, before.bytes);
    assert_int_equal(after.answered, before.answered);

    for (uint64_t seed = 1402; seed < 1410; seed++) {
        assert_int_equal(gc_load_here(seed, prefix), AKL_BOOT_WROTE);
        int count;
        uint64_t total = gc_prefix_bytes(prefix, &count);
        akl_gc_ledger_t now = gc_ledger(prefix);
        assert_int_equal(now.files, (uint64_t)count);
        assert_int_equal(now.bytes, total);
        assert_int_equal(now.answered, before.answered + (seed - 1401));
    }
    assert_int_equal(akl_device_close(GC_DEVICE), 0);
    unsetenv("AKL_DEVICE_CACHE_MAX");
}

/* The collector akl gc loads is libakl's own; $AKL_COLLECTOR overrides it, and one that is missing
 * or built for another machine than the device's is refused before any device work, naming the
 * file. */
static void test_collector_missing_or_for_another_machine(void **state)
{
    (void)state;
    char missing[FAULTT_PATH_MAX + 32], wrong[FAULTT_PATH_MAX + 32], env[2][FAULTT_PATH_MAX + 64];
    mkdir(t_sim_root(), 0755); /* may exist already */
    snprintf(missing, sizeof missing, "%s/no_such_collector.so", t_sim_root());
    snprintf(env[0], sizeof env[0], "AKL_COLLECTOR=%s", missing);
    const char *env_missing[] = {env[0], NULL};
    tcli_result_t result;
    assert_int_equal(tcli_run_program(&result, env_missing, "akl", "gc", NULL), 0);
    assert_int_equal(result.exit_code, 1);
    tcli_assert_contains(result.err, "AKL_EIO");
    tcli_assert_contains(result.err, missing);
    tcli_result_free(&result);

    /* An ELF shared object like any other, but for RISC-V (e_machine 243). */
    size_t size;
    unsigned char *bytes = faultt_read_kernel(FAULTK_SO, 0, &size);
    assert_non_null(bytes);
    bytes[18] = 243;
    bytes[19] = 0;
    snprintf(wrong, sizeof wrong, "%s/riscv_collector.so", t_sim_root());
    assert_int_equal(t_write_file(wrong, bytes, size), 0);
    free(bytes);
    snprintf(env[1], sizeof env[1], "AKL_COLLECTOR=%s", wrong);
    const char *env_wrong[] = {env[1], NULL};
    assert_int_equal(tcli_run_program(&result, env_wrong, "akl", "gc", NULL), 0);
    assert_int_equal(result.exit_code, 1);
    tcli_assert_contains(result.err, "AKL_EMACHINE");
    tcli_assert_contains(result.err, wrong);
    tcli_assert_contains(result.err, "RISC-V");
    tcli_result_free(&result);
}

/* Under a strict one-upload latch the collector's bootstrap, the second in the process, is skipped:
 * the load that published still succeeds, and one warning says the bound cannot be applied in this
 * process and that akl gc still works. */
static void test_strict_latch_bound_warns_and_the_load_succeeds(void **state)
{
    (void)state;
    size_t size;
    unsigned char *bytes = gc_variant(1300, &size);
    char path[FAULTT_PATH_MAX + 32];
    mkdir(t_sim_root(), 0755); /* may exist already */
    snprintf(path, sizeof path, "%s/latch_variant.so", t_sim_root());
    assert_int_equal(t_write_file(path, bytes, size), 0);
    free(bytes);
    char hex[2 * sizeof(faultk_return_args_t) + 1];
    memset(hex, '0', sizeof hex - 1);
    hex[sizeof hex - 1] = '\0';
    const char *env[] = {"AKL_SIM_EXTEND_LATCH=strict", "AKL_LOG=warn", "AKL_ROUTE=extend", NULL};
    tcli_result_t result;
    assert_int_equal(tcli_run_program(&result, env, "akl", "run", "--args-hex", hex, path,
                                      "faultk_return", NULL),
                     0);
    if (result.exit_code != 0)
        fail_msg("akl run exited %d: %s%s", result.exit_code, result.out, result.err);
    tcli_assert_contains(result.out, "wrote");
    tcli_assert_contains(result.err, "AKL_DEVICE_CACHE_MAX");
    tcli_assert_contains(result.err, "AKL_EBOOTSKIPPED");
    tcli_assert_contains(result.err, "the bound cannot be applied in this process");
    tcli_assert_contains(result.err, "`akl gc` still collects");
    tcli_result_free(&result);
}

static void test_help(void **state)
{
    (void)state;
    tcli_result_t result;
    assert_int_equal(tcli_run_program(&result, NULL, "akl", "gc", "--help", NULL), 0);
    assert_int_equal(result.exit_code, 0);
    tcli_assert_contains(result.out, "Usage: akl gc");
    tcli_assert_contains(result.out, "AKL_DEVICE_CACHE_MAX");
    tcli_result_free(&result);
    assert_int_equal(tcli_run_program(&result, NULL, "akl", "gc", "--older-than", "5x", NULL), 0);
    assert_int_equal(result.exit_code, 2);
    tcli_assert_contains(result.err, "--older-than '5x' is not a duration");
    tcli_result_free(&result);
}

static int gc_teardown(void **state)
{
    (void)state;
    bool clean = tcli_no_leftover_processes(30000);
    t_rmtree(t_sim_root());
    return clean ? 0 : -1;
}

int main(void)
{
    setenv("AKL_RUNTIME", "sim", 1);
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_keep_one_spares_the_newest_the_used_and_the_foreign),
        cmocka_unit_test(test_dry_run_removes_nothing),
        cmocka_unit_test(test_cache_max_bounds_fifty_publishes),
        cmocka_unit_test(test_bound_is_answered_from_the_ledger),
        cmocka_unit_test(test_bound_behind_the_bootstrap_counts_only_what_it_published),
        cmocka_unit_test(test_collector_missing_or_for_another_machine),
        cmocka_unit_test(test_strict_latch_bound_warns_and_the_load_succeeds),
    };
    return t_run_group_tests(tests, NULL, gc_teardown);
}
