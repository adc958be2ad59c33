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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector_abi.h"
#include "collector_ledger.h"
#include "test_sched_answers.h"
#include "test_support.h"

#define CT_CAP 16

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
    assert_int_equal(t_set_age(path, age), 0);
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
    t_sched_run_mode = T_SCHED_PROCESS_MODE;
    ct_request_t r;
    ct_request(&r, "akl_collector_test_nothing_", 0); /* a real device directory: match nothing */
    assert_int_equal(ct_collect(&r.args), 0);
    t_sched_run_mode = T_SCHED_THREAD_MODE;
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

/* ---- the ledger: a bound request below the bound does not scan ------------------------------ */

#define CT_LEDGER ".akl_inner_" AKL_GC_LEDGER_SUFFIX

/* A bound request for published (a file of size bytes just "published") with bound max_bytes. */
static void ct_bound_request(ct_request_t *r, const char *published, uint64_t size,
                             uint64_t max_bytes)
{
    ct_request(r, "akl_inner_", 0);
    r->args.flags = AKL_GC_FLAG_BOUND;
    r->args.max_bytes = max_bytes;
    r->args.table_cap = 0;
    r->args.published_size = size;
    snprintf(r->args.published, sizeof r->args.published, "%s", published);
}

static void ct_ledger_put(const char *dir, uint64_t bytes, uint64_t files, uint64_t answered,
                          int64_t scanned_s)
{
    akl_gc_ledger_t l = {.magic = AKL_GC_LEDGER_MAGIC,
                         .bytes = bytes,
                         .files = files,
                         .answered = answered,
                         .scanned_s = scanned_s};
    l.check = akl_gc_ledger_check(&l);
    char path[2048];
    ct_join(path, sizeof path, dir, CT_LEDGER);
    assert_int_equal(t_write_file(path, &l, sizeof l), 0);
}

/* The ledger's record; false when it is not one (missing, torn, garbage). */
static bool ct_ledger_get(const char *dir, akl_gc_ledger_t *out)
{
    char path[2048];
    ct_join(path, sizeof path, dir, CT_LEDGER);
    size_t size = 0;
    void *data = t_read_file(path, &size);
    bool ok = data != NULL && size == sizeof *out;
    if (ok)
        memcpy(out, data, sizeof *out);
    free(data);
    return ok && out->magic == AKL_GC_LEDGER_MAGIC && out->check == akl_gc_ledger_check(out);
}

static int64_t ct_now_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec;
}

/* No ledger: the first bound request scans and records the true totals. A ledger under the bound
 * answers without a scan: files a scan would remove stay. One over the bound, one answered too
 * often or one too old makes it scan, remove and record the truth again. */
static void test_ledger_under_the_bound_does_not_scan(void **state)
{
    (void)state;
    char dir[1024];
    ct_use_dir("ledger", dir, sizeof dir);
    ct_three_files(dir); /* 100 + 200 + 300 bytes */
    ct_request_t r;
    ct_bound_request(&r, ct_names[2], 300, 1000);
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, 0); /* created, then scanned */
    assert_int_equal(r.out.table.matched, 3);
    akl_gc_ledger_t l;
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 600);
    assert_int_equal(l.files, 3);
    assert_int_equal(l.answered, 0);

    /* The ledger says 0 bytes: 0 + 300 <= 400, answered, although the files total 600. */
    ct_ledger_put(dir, 0, 0, 0, ct_now_s());
    ct_bound_request(&r, ct_names[2], 300, 400);
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, AKL_GC_LEDGER_ANSWERED);
    assert_int_equal(r.out.table.matched, 0);
    assert_int_equal(r.out.table.removed_files, 0);
    assert_int_equal(r.out.table.kept_bytes, 300);
    assert_int_equal(ct_count(dir), 4); /* the three and the ledger */
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 300);
    assert_int_equal(l.files, 1);
    assert_int_equal(l.answered, 1);

    /* Answered COLLECTOR_LEDGER_EVERY times since the last scan, or scanned too long ago: scan
     * (under the bound, so nothing goes) and record the truth. */
    const int64_t stale[][2] = {{COLLECTOR_LEDGER_EVERY, ct_now_s()},
                                {0, ct_now_s() - COLLECTOR_LEDGER_MAX_AGE_S - 5},
                                {0, ct_now_s() + 3600}};
    for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
        ct_ledger_put(dir, 0, 0, (uint64_t)stale[i][0], stale[i][1]);
        ct_bound_request(&r, ct_names[2], 300, 1000);
        ct_run(&r);
        assert_int_equal(r.out.table.ledger, 0);
        assert_int_equal(r.out.table.matched, 3);
        assert_true(ct_ledger_get(dir, &l));
        assert_int_equal(l.bytes, 600);
        assert_int_equal(l.answered, 0);
    }

    /* Over the bound by the ledger's count: scan, remove the oldest down to it, record the rest. */
    ct_ledger_put(dir, 200, 1, 0, ct_now_s());
    ct_bound_request(&r, ct_names[2], 300, 400);
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, 0);
    assert_int_equal(r.out.table.removed_files, 2);
    assert_false(ct_exists(dir, ct_names[0]));
    assert_false(ct_exists(dir, ct_names[1]));
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 300);
    assert_int_equal(l.files, 1);

    /* An explicit collection (no published name) always scans and rewrites an existing ledger. */
    ct_ledger_put(dir, 5, 5, 5, ct_now_s());
    ct_request(&r, "akl_inner_", 5);
    ct_run(&r);
    assert_int_equal(r.out.table.matched, 1);
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 300);
    assert_int_equal(l.files, 1);
    assert_int_equal(l.answered, 0);
}

/* What stands at the ledger's name and is not this user's own regular file (a link, a hard link,
 * a directory, a FIFO, another user's file) is refused: never followed, opened for writing or
 * changed; the request scans and collects correctly. Garbage there is rewritten after a scan. */
static void test_ledger_refused_or_garbage_means_a_scan(void **state)
{
    (void)state;
    char dir[1024], path[2048], target[2048];
    ct_use_dir("ledger_bad", dir, sizeof dir);
    ct_join(path, sizeof path, dir, CT_LEDGER);
    ct_join(target, sizeof target, dir, "target");
    akl_gc_ledger_t lie = {.magic = AKL_GC_LEDGER_MAGIC, .scanned_s = ct_now_s()};
    lie.check = akl_gc_ledger_check(&lie); /* 0 bytes: would answer if it were followed */
    enum { SYMLINK, HARDLINK, DIRECTORY, FIFO, FOREIGN, KINDS };
    for (int kind = 0; kind < KINDS; kind++) {
        if (kind == FOREIGN && geteuid() != 0)
            continue; /* only root can make another user's file */
        ct_three_files(dir);
        unlink(target);
        assert_int_equal(t_write_file(target, &lie, sizeof lie), 0);
        int made = kind == SYMLINK     ? symlink(target, path)
                   : kind == HARDLINK  ? link(target, path)
                   : kind == DIRECTORY ? mkdir(path, 0700)
                   : kind == FIFO      ? mkfifo(path, 0600)
                                       : t_write_file(path, &lie, sizeof lie);
        assert_int_equal(made, 0);
        if (kind == FOREIGN)
            assert_int_equal(chown(path, 65534, 65534), 0);
        ct_request_t r;
        ct_bound_request(&r, ct_names[2], 300, 400);
        ct_run(&r);
        assert_int_equal(r.out.table.ledger, AKL_GC_LEDGER_REFUSED);
        assert_int_equal(r.out.table.removed_files, 2);
        assert_int_equal(r.out.table.kept_bytes, 300);
        size_t size = 0;
        void *data = t_read_file(target, &size);
        assert_non_null(data);
        assert_int_equal(size, sizeof lie);
        assert_memory_equal(data, &lie, sizeof lie);
        free(data);
        if (kind == FOREIGN) {
            data = t_read_file(path, &size);
            assert_non_null(data);
            assert_memory_equal(data, &lie, sizeof lie);
            free(data);
        }
        assert_int_equal(kind == DIRECTORY ? rmdir(path) : unlink(path), 0);
        assert_int_equal(unlink(target), 0);
        t_rmtree(dir);
        assert_int_equal(mkdir(dir, 0755), 0);
    }

    ct_three_files(dir);
    assert_int_equal(t_write_file(path, "garbage, not a ledger record at all.....!!!!!!!", 48), 0);
    ct_request_t r;
    ct_bound_request(&r, ct_names[2], 300, 400);
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, 0);
    assert_int_equal(r.out.table.removed_files, 2);
    akl_gc_ledger_t l;
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 300);
    assert_int_equal(l.files, 1);
}

/* Several processes publishing and asking at once: every answer is counted exactly once (the
 * ledger's lock makes each add a whole read-modify-write). */
#define CT_WRITERS 8
#define CT_ROUNDS 7

static void ct_writer_name(char *out, size_t cap, int w, int i)
{
    snprintf(out, cap, "akl_inner_%016x_0.so", (unsigned)(0x1000 + w * 64 + i));
}

/* Publishes its files, waits for the start (the parent closes go's write end), then asks for each
 * back to back so that the writers' requests overlap. */
static int ct_writer(const char *dir, int w, int go)
{
    for (int i = 0; i < CT_ROUNDS; i++) {
        char name[64];
        ct_writer_name(name, sizeof name, w, i);
        ct_file(dir, name, (size_t)(w * CT_ROUNDS + i + 1), 0);
    }
    char byte;
    if (read(go, &byte, 1) != 0)
        return 2;
    for (int i = 0; i < CT_ROUNDS; i++) {
        char name[64];
        ct_writer_name(name, sizeof name, w, i);
        ct_request_t r;
        ct_bound_request(&r, name, (uint64_t)(w * CT_ROUNDS + i + 1), 1u << 30);
        if (ct_collect(&r.args) != 0 || r.out.table.stage != AKL_GC_STAGE_NONE ||
            r.out.table.ledger != AKL_GC_LEDGER_ANSWERED)
            return 1;
    }
    return 0;
}

/* One round of CT_WRITERS writers in a fresh directory. */
static void ct_concurrent_round(void)
{
    char dir[1024];
    ct_use_dir("ledger_many", dir, sizeof dir);
    ct_file(dir, ct_names[0], 100, 10);
    ct_request_t r;
    ct_bound_request(&r, ct_names[0], 100, 1u << 30);
    ct_run(&r); /* creates the ledger: 100 bytes, 1 file */
    _Static_assert(CT_WRITERS * CT_ROUNDS < COLLECTOR_LEDGER_EVERY, "no periodic scan mid-test");
    pid_t pids[CT_WRITERS];
    int go[2];
    assert_int_equal(pipe(go), 0);
    for (int w = 0; w < CT_WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            close(go[1]);
            _exit(ct_writer(dir, w, go[0]));
        }
    }
    close(go[0]);
    close(go[1]); /* go: every writer's read returns 0 at once */
    for (int w = 0; w < CT_WRITERS; w++) {
        int status = t_wait_child(pids[w], 60000);
        assert_true(status != -1 && WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    uint64_t n = CT_WRITERS * CT_ROUNDS;
    akl_gc_ledger_t l;
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.files, 1 + n);
    assert_int_equal(l.bytes, 100 + n * (n + 1) / 2);
    assert_int_equal(l.answered, n);
    /* And a scan agrees. */
    ct_request(&r, "akl_inner_", 0);
    r.args.flags = AKL_GC_FLAG_DRY_RUN;
    ct_run(&r);
    assert_int_equal(r.out.table.matched, 1 + n);
    assert_int_equal(r.out.table.removed_bytes + r.out.table.kept_bytes, 100 + n * (n + 1) / 2);
}

/* A request queued behind a bootstrap (ack_addr) applies only if that bootstrap's record says it
 * wrote or replaced exactly the named file: any other record (identical, failed, not written yet,
 * another protocol, another file, a name that only ends like it) leaves the ledger as it was. */
static void test_queued_request_applies_only_to_its_publish(void **state)
{
    (void)state;
    char dir[1024];
    ct_use_dir("queued", dir, sizeof dir);
    ct_three_files(dir);
    ct_ledger_put(dir, 600, 3, 0, ct_now_s());
    akl_bootstrap_ack_t good = {
        .magic = AKL_ACK_MAGIC, .version = AKL_BOOT_VERSION, .status = AKL_ACK_WROTE};
    snprintf(good.path, sizeof good.path, "/preinstall/%s", ct_names[2]); /* only the name counts */
    akl_bootstrap_ack_t bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = good;
    bad[0].status = AKL_ACK_IDENTICAL;
    bad[1].status = AKL_ACK_FAILED;
    bad[2].magic = 0;
    bad[3].version = AKL_BOOT_VERSION + 1;
    snprintf(bad[4].path, sizeof bad[4].path, "/preinstall/%s", ct_names[1]);
    snprintf(bad[5].path, sizeof bad[5].path, "/preinstall/x%s", ct_names[2]);
    for (int i = 0; i < 6; i++) {
        ct_request_t r;
        ct_bound_request(&r, ct_names[2], 300, 1000);
        r.args.ack_addr = (uint64_t)(uintptr_t)&bad[i];
        ct_run(&r);
        if (r.out.table.ledger != AKL_GC_LEDGER_NOT_PUBLISHED)
            fail_msg("record %d: ledger word %u", i, r.out.table.ledger);
        akl_gc_ledger_t l;
        assert_true(ct_ledger_get(dir, &l));
        assert_int_equal(l.bytes, 600);
        assert_int_equal(l.answered, 0);
    }
    ct_request_t r;
    ct_bound_request(&r, ct_names[2], 300, 10000);
    r.args.ack_addr = (uint64_t)(uintptr_t)&good;
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, AKL_GC_LEDGER_ANSWERED);
    akl_gc_ledger_t l;
    assert_true(ct_ledger_get(dir, &l));
    assert_int_equal(l.bytes, 900);
    assert_int_equal(l.answered, 1);
    good.status = AKL_ACK_REPLACED;
    ct_run(&r);
    assert_int_equal(r.out.table.ledger, AKL_GC_LEDGER_ANSWERED);
}

/* The rounds repeat: a lost update needs two writers' read-modify-writes to overlap. */
static void test_ledger_concurrent_requests_add_up(void **state)
{
    (void)state;
    for (int round = 0; round < 10; round++)
        ct_concurrent_round();
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
        cmocka_unit_test(test_ledger_under_the_bound_does_not_scan),
        cmocka_unit_test(test_ledger_refused_or_garbage_means_a_scan),
        cmocka_unit_test(test_ledger_concurrent_requests_add_up),
        cmocka_unit_test(test_queued_request_applies_only_to_its_publish),
    };
    return t_run_group_tests(tests, ct_setup, ct_teardown);
}
