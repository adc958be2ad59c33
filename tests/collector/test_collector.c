/* akl_collector.so's kernel in-process (docs/protocol.md section 16): the rule and the result
 * table byte by byte, what it never touches (other prefixes, temporaries, links, files a lock
 * holds), dry run, minimum age and byte bound, the directory it derives, and the arguments it
 * refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector_abi.h"
#include "test_support.h"

#define CT_CAP 16

/* What aicpu::GetAicpuRunMode and aicpu::GetUniqueVfId answer the collector in this program:
 * THREAD mode (2: $ASCEND_AICPU_KERNEL_PATH names the directory), vf 0. */
static uint32_t ct_run_mode = 2;
int ct_sched_run_mode(uint32_t *mode) __asm__("_ZN5aicpu15GetAicpuRunModeERj");
uint32_t ct_sched_vf_id(void) __asm__("_ZN5aicpu13GetUniqueVfIdEv");
int ct_sched_run_mode(uint32_t *mode)
{
    *mode = ct_run_mode;
    return 0;
}
uint32_t ct_sched_vf_id(void)
{
    return 0;
}

typedef uint32_t (*ct_kernel_fn)(void *args);
static void *ct_handle;
static ct_kernel_fn ct_collect;

typedef struct ct_request {
    akl_collect_args_t args;
    union {
        akl_gc_table_t table;
        unsigned char bytes[sizeof(akl_gc_table_t) + CT_CAP * sizeof(akl_gc_entry_t)];
    } out;
} ct_request_t;

static void ct_request(ct_request_t *r, const char *prefix, uint64_t keep)
{
    memset(r, 0, sizeof *r);
    r->args.magic = AKL_COLLECT_MAGIC;
    r->args.version = AKL_COLLECT_VERSION;
    r->args.keep = keep;
    r->args.table_cap = CT_CAP;
    r->args.table_addr = (uint64_t)(uintptr_t)&r->out.table;
    snprintf(r->args.prefix, sizeof r->args.prefix, "%s", prefix);
    memset(&r->out, 0xee, sizeof r->out);
}

/* Runs the kernel; expects a table without a failure. */
static void ct_run(ct_request_t *r)
{
    uint32_t rc = ct_collect(&r->args);
    const akl_gc_table_t *t = &r->out.table;
    if (rc != 0 || t->magic != AKL_GC_TABLE_MAGIC || t->stage != AKL_GC_STAGE_NONE)
        fail_msg("collect: rc %u magic %llx stage %u errno %d at %s: %s", rc,
                 (unsigned long long)t->magic, t->stage, t->err, t->directory, t->detail);
}

static void ct_join(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* A fresh directory under the test's root, made the collector's by $ASCEND_AICPU_KERNEL_PATH. */
static void ct_use_dir(const char *sub, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", t_sim_root(), sub);
    t_rmtree(out);
    assert_int_equal(mkdir(t_sim_root(), 0755) == 0 || errno == EEXIST, 1);
    assert_int_equal(mkdir(out, 0755), 0);
    setenv("ASCEND_AICPU_KERNEL_PATH", out, 1);
}

/* A file of size bytes, last used age seconds ago. */
static void ct_file(const char *dir, const char *name, size_t size, int age)
{
    char path[2048];
    ct_join(path, sizeof path, dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)(i * 7u + (unsigned)age), f);
    assert_int_equal(fclose(f), 0);
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= age;
    t[1] = t[0];
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool ct_exists(const char *dir, const char *name)
{
    char path[2048];
    struct stat st;
    ct_join(path, sizeof path, dir, name);
    return lstat(path, &st) == 0;
}

static int ct_count(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static const char *const ct_names[] = {
    "akl_inner_00000000000000a1_0.so",                                    /* oldest */
    "akl_inner_00000000000000a2_0.so", "akl_inner_00000000000000a3_0.so", /* newest */
};

static void ct_three_files(const char *dir)
{
    for (int i = 0; i < 3; i++)
        ct_file(dir, ct_names[i], 100 * (size_t)(i + 1), 300 - 100 * i);
}

/* Keep 1: the two oldest go; another prefix, a longer prefix, a temporary and a link of the form
 * stay; the table lists the three, oldest first, and names the directory. */
static void test_keep_one_and_the_table(void **state)
{
    (void)state;
    char dir[1024], target[2048], link_path[2048];
    ct_use_dir("keep", dir, sizeof dir);
    ct_three_files(dir);
    ct_file(dir, "other_00000000000000b1_0.so", 10, 1000);
    ct_file(dir, "akl_inner_x00000000000000b2_0.so", 10, 1000);
    ct_file(dir, ".akl_inner_00000000000000c1_0.so.tmp.1.1.0123456789abcdef", 10, 1000);
    ct_join(target, sizeof target, dir, ct_names[2]);
    ct_join(link_path, sizeof link_path, dir, "akl_inner_00000000000000d1_0.so");
    assert_int_equal(symlink(target, link_path), 0);

    ct_request_t r;
    ct_request(&r, "akl_inner_", 1);
    ct_run(&r);
    const akl_gc_table_t *t = &r.out.table;
    assert_int_equal(t->version, AKL_COLLECT_VERSION);
    assert_int_equal(t->entries, 3);
    assert_int_equal(t->matched, 3);
    assert_int_equal(t->removed_files, 2);
    assert_int_equal(t->removed_bytes, 300);
    assert_int_equal(t->kept_files, 1);
    assert_int_equal(t->kept_bytes, 300);
    assert_int_equal(t->in_use_files, 0);
    assert_string_equal(t->directory, dir);
    assert_string_equal(t->detail, "");
    const uint32_t states[] = {AKL_GC_STATE_REMOVED, AKL_GC_STATE_REMOVED, AKL_GC_STATE_KEPT};
    for (int i = 0; i < 3; i++) {
        const akl_gc_entry_t *e = &t->entry[i];
        assert_string_equal(e->name, ct_names[i]);
        assert_int_equal(e->size, 100 * (i + 1));
        assert_int_equal(e->state, states[i]);
        assert_int_equal(e->err, 0);
        if (i > 0)
            assert_true(e->used_ns > t->entry[i - 1].used_ns);
    }
    assert_false(ct_exists(dir, ct_names[0]));
    assert_false(ct_exists(dir, ct_names[1]));
    assert_true(ct_exists(dir, ct_names[2]));
    assert_true(ct_exists(dir, "other_00000000000000b1_0.so"));
    assert_true(ct_exists(dir, "akl_inner_x00000000000000b2_0.so"));
    assert_true(ct_exists(dir, ".akl_inner_00000000000000c1_0.so.tmp.1.1.0123456789abcdef"));
    assert_true(ct_exists(dir, "akl_inner_00000000000000d1_0.so"));
}

/* A shared lock (what a scheduler that loaded the file holds) keeps a file; dry run removes
 * nothing; the minimum age and the byte bound stop the collection; a table of capacity 1 gets the
 * oldest entry and every count. */
static void test_lock_dry_run_age_and_bound(void **state)
{
    (void)state;
    char dir[1024], path[2048];
    ct_use_dir("rules", dir, sizeof dir);
    ct_three_files(dir);
    ct_join(path, sizeof path, dir, ct_names[0]);
    int held = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(held >= 0);
    assert_int_equal(flock(held, LOCK_SH), 0);

    ct_request_t r;
    ct_request(&r, "akl_inner_", 0);
    r.args.flags = AKL_GC_FLAG_DRY_RUN;
    ct_run(&r);
    assert_int_equal(r.out.table.entry[0].state, AKL_GC_STATE_IN_USE);
    assert_int_equal(r.out.table.entry[1].state, AKL_GC_STATE_WOULD_REMOVE);
    assert_int_equal(r.out.table.entry[2].state, AKL_GC_STATE_WOULD_REMOVE);
    assert_int_equal(r.out.table.in_use_files, 1);
    assert_int_equal(r.out.table.removed_files, 2);
    for (int i = 0; i < 3; i++)
        assert_true(ct_exists(dir, ct_names[i]));

    ct_request(&r, "akl_inner_", 0);
    r.args.min_age_s = 150; /* the newest (100 s) is too young */
    r.args.flags = AKL_GC_FLAG_BOUND;
    r.args.max_bytes = 400; /* 600 in all: removing the 200-byte one is enough */
    r.args.table_cap = 1;
    ct_run(&r);
    assert_int_equal(r.out.table.entries, 1);
    assert_int_equal(r.out.table.matched, 3);
    assert_int_equal(r.out.table.entry[0].state, AKL_GC_STATE_IN_USE);
    assert_int_equal(r.out.table.removed_files, 1);
    assert_int_equal(r.out.table.kept_bytes, 400);
    assert_true(ct_exists(dir, ct_names[0]));
    assert_false(ct_exists(dir, ct_names[1]));

    ct_request(&r, "akl_inner_", 0);
    r.args.min_age_s = 150;
    ct_run(&r);
    assert_int_equal(r.out.table.entry[1].state, AKL_GC_STATE_TOO_YOUNG);
    assert_true(ct_exists(dir, ct_names[2]));

    close(held); /* the lock goes with it: now it can be collected */
    ct_request(&r, "akl_inner_", 0);
    ct_run(&r);
    assert_int_equal(r.out.table.entry[0].state, AKL_GC_STATE_REMOVED);
    assert_int_equal(ct_count(dir), 0);
}

/* Process mode: the collector looks where the dispatcher publishes there (vf 0's device
 * directory), not at $ASCEND_AICPU_KERNEL_PATH; a directory that does not exist is a DIR failure
 * reported in the table. */
static void test_directory_as_the_dispatcher_derives_it(void **state)
{
    (void)state;
    char dir[1024];
    ct_use_dir("mode", dir, sizeof dir);
    ct_file(dir, ct_names[0], 10, 1000);
    ct_run_mode = 0;
    ct_request_t r;
    ct_request(&r, "akl_collector_test_nothing_", 0); /* a real device directory: match nothing */
    assert_int_equal(ct_collect(&r.args), 0);
    ct_run_mode = 2;
    assert_int_equal(r.out.table.magic, AKL_GC_TABLE_MAGIC);
    if (r.out.table.stage == AKL_GC_STAGE_NONE)
        assert_string_equal(r.out.table.directory,
                            "/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/");
    else
        assert_int_equal(r.out.table.stage, AKL_GC_STAGE_DIR);
    assert_true(ct_exists(dir, ct_names[0]));

    setenv("ASCEND_AICPU_KERNEL_PATH", "/nonexistent/akl-collector-test", 1);
    ct_request(&r, "akl_inner_", 0);
    assert_int_equal(ct_collect(&r.args), 0);
    assert_int_equal(r.out.table.stage, AKL_GC_STAGE_DIR);
    assert_int_equal(r.out.table.err, ENOENT);
    assert_string_equal(r.out.table.directory, "/nonexistent/akl-collector-test");
}

/* Arguments the kernel cannot answer in a table get a non-zero return and nothing written; others
 * are refused in the table (another version, unknown flags, a bad prefix), touching no file. */
static void test_bad_arguments(void **state)
{
    (void)state;
    char dir[1024];
    ct_use_dir("bad", dir, sizeof dir);
    ct_three_files(dir);
    assert_int_equal(ct_collect(NULL), AKL_COLLECT_RC_NO_ARGS);
    ct_request_t r;
    ct_request(&r, "akl_inner_", 0);
    r.args.magic = 0;
    assert_int_equal(ct_collect(&r.args), AKL_COLLECT_RC_NO_ARGS);
    assert_int_equal(r.out.bytes[0], 0xee);
    ct_request(&r, "akl_inner_", 0);
    r.args.table_addr = 0;
    assert_int_equal(ct_collect(&r.args), AKL_COLLECT_RC_NO_TABLE);

    ct_request(&r, "akl_inner_", 0);
    r.args.version = AKL_COLLECT_VERSION + 1;
    assert_int_equal(ct_collect(&r.args), 0);
    assert_int_equal(r.out.table.magic, AKL_GC_TABLE_MAGIC);
    assert_int_equal(r.out.table.version, AKL_COLLECT_VERSION);
    assert_int_equal(r.out.table.stage, AKL_GC_STAGE_ARGS);
    assert_non_null(strstr(r.out.table.detail, "version at 8"));

    ct_request(&r, "akl_inner_", 0);
    r.args.flags = 4;
    assert_int_equal(ct_collect(&r.args), 0);
    assert_int_equal(r.out.table.stage, AKL_GC_STAGE_ARGS);

    const char *bad[] = {"a/b", "..", "x y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_request(&r, bad[i], 0);
        assert_int_equal(ct_collect(&r.args), 0);
        assert_int_equal(r.out.table.stage,
                         bad[i][0] == '.' ? AKL_GC_STAGE_NONE : AKL_GC_STAGE_NAME);
    }
    ct_request(&r, "akl_inner_", 0);
    memset(r.args.prefix, 'a', sizeof r.args.prefix); /* unterminated */
    assert_int_equal(ct_collect(&r.args), 0);
    assert_int_equal(r.out.table.stage, AKL_GC_STAGE_NAME);
    assert_int_equal(ct_count(dir), 3);
}

static int ct_setup(void **state)
{
    (void)state;
    ct_handle = dlopen(AKL_COLLECTOR_PATH, RTLD_NOW | RTLD_LOCAL);
    if (ct_handle == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", AKL_COLLECTOR_PATH, dlerror());
        return -1;
    }
    *(void **)&ct_collect = dlsym(ct_handle, AKL_COLLECT_KERNEL);
    return ct_collect ? 0 : -1;
}

static int ct_teardown(void **state)
{
    (void)state;
    dlclose(ct_handle);
    t_rmtree(t_sim_root());
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_one_and_the_table),
        cmocka_unit_test(test_lock_dry_run_age_and_bound),
        cmocka_unit_test(test_directory_as_the_dispatcher_derives_it),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, ct_setup, ct_teardown);
}
