/* The dispatcher's collector, in-process (docs/protocol.md section 16): a gc request's rule and
 * result table byte by byte, what it never touches (other prefixes, temporaries, links, files a
 * lock holds), dry run, minimum age and byte bound, the publish's own hold, and a missing table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_dispatcher_common.h"

#define GCT_CAP 16

typedef struct gct_request {
    disp_t_request_t req;
    union {
        akl_gc_table_t table;
        unsigned char bytes[sizeof(akl_gc_table_t) + GCT_CAP * sizeof(akl_gc_entry_t)];
    } out;
} gct_request_t;

static void gct_request(gct_request_t *g, const char *prefix, uint64_t keep)
{
    disp_t_request(&g->req, "x", 1, 0);
    g->req.dargs.flags = AKL_BOOT_FLAG_GC;
    g->req.dargs.inner_so_bin = 0;
    g->req.dargs.inner_so_len = 0;
    g->req.dargs.expected_fingerprint = 0;
    g->req.dargs.gc_keep = keep;
    g->req.dargs.gc_table_cap = GCT_CAP;
    g->req.dargs.gc_table_addr = (uint64_t)(uintptr_t)&g->out.table;
    disp_t_set_name(&g->req, prefix);
    memset(&g->out, 0xee, sizeof g->out);
}

static void gct_run(gct_request_t *g)
{
    int rc = disp_t_run(&disp_lib, &g->req);
    if (rc != 0 || g->req.ack.status != AKL_ACK_COLLECTED)
        fail_msg("gc: rc %d status %d stage %u errno %d at %s: %s", rc, g->req.ack.status,
                 g->req.ack.stage, g->req.ack.err, g->req.ack.path, g->req.ack.detail);
}

/* A file of size bytes, last used age seconds ago. */
static void gct_file(const char *dir, const char *name, size_t size, int age)
{
    char path[2048];
    disp_t_join(path, sizeof path, dir, name);
    unsigned char *bytes = disp_t_pattern(size, (uint32_t)age);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
    free(bytes);
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= age;
    t[1] = t[0];
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool gct_exists(const char *dir, const char *name)
{
    char path[2048];
    struct stat st;
    disp_t_join(path, sizeof path, dir, name);
    return lstat(path, &st) == 0;
}

static const char *const gct_names[] = {
    "akl_inner_00000000000000a1_0.so",                                    /* oldest */
    "akl_inner_00000000000000a2_0.so", "akl_inner_00000000000000a3_0.so", /* newest */
};

static void gct_three_files(const char *dir)
{
    for (int i = 0; i < 3; i++)
        gct_file(dir, gct_names[i], 100 * (size_t)(i + 1), 300 - 100 * i);
}

/* Keep 1: the two oldest go; another prefix, a temporary and a link of the form stay; the table
 * lists the three, oldest first. */
static void test_keep_one_and_the_table(void **state)
{
    (void)state;
    char dir[1024], target[2048], link_path[2048];
    disp_t_use_dir("gc_keep", dir, sizeof dir);
    gct_three_files(dir);
    gct_file(dir, "other_00000000000000b1_0.so", 10, 1000);
    gct_file(dir, ".akl_inner_00000000000000c1_0.so.tmp.1.1.0123456789abcdef", 10, 1000);
    disp_t_join(target, sizeof target, dir, gct_names[2]);
    disp_t_join(link_path, sizeof link_path, dir, "akl_inner_00000000000000d1_0.so");
    assert_int_equal(symlink(target, link_path), 0);

    gct_request_t g;
    gct_request(&g, "akl_inner_", 1);
    gct_run(&g);
    assert_int_equal(g.out.table.entries, 3);
    assert_int_equal(g.out.table.matched, 3);
    assert_int_equal(g.out.table.removed_files, 2);
    assert_int_equal(g.out.table.removed_bytes, 300);
    assert_int_equal(g.out.table.kept_files, 1);
    assert_int_equal(g.out.table.kept_bytes, 300);
    assert_int_equal(g.out.table.in_use_files, 0);
    assert_int_equal(g.req.ack.bytes, 300);
    assert_string_equal(g.req.ack.path, dir);
    const uint32_t states[] = {AKL_GC_STATE_REMOVED, AKL_GC_STATE_REMOVED, AKL_GC_STATE_KEPT};
    for (int i = 0; i < 3; i++) {
        const akl_gc_entry_t *e = &g.out.table.entry[i];
        assert_string_equal(e->name, gct_names[i]);
        assert_int_equal(e->size, 100 * (i + 1));
        assert_int_equal(e->state, states[i]);
        assert_int_equal(e->err, 0);
        if (i > 0)
            assert_true(e->used_ns > g.out.table.entry[i - 1].used_ns);
    }
    assert_false(gct_exists(dir, gct_names[0]));
    assert_false(gct_exists(dir, gct_names[1]));
    assert_true(gct_exists(dir, gct_names[2]));
    assert_true(gct_exists(dir, "other_00000000000000b1_0.so"));
    assert_true(gct_exists(dir, ".akl_inner_00000000000000c1_0.so.tmp.1.1.0123456789abcdef"));
    assert_true(gct_exists(dir, "akl_inner_00000000000000d1_0.so"));
}

/* A shared lock (what a scheduler that loaded the file holds) keeps a file; dry run removes
 * nothing; the minimum age and the byte bound stop the collection. */
static void test_lock_dry_run_age_and_bound(void **state)
{
    (void)state;
    char dir[1024], path[2048];
    disp_t_use_dir("gc_rules", dir, sizeof dir);
    gct_three_files(dir);
    disp_t_join(path, sizeof path, dir, gct_names[0]);
    int held = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(held >= 0);
    assert_int_equal(flock(held, LOCK_SH), 0);

    gct_request_t g;
    gct_request(&g, "akl_inner_", 0);
    g.req.dargs.gc_flags = AKL_GC_FLAG_DRY_RUN;
    gct_run(&g);
    assert_int_equal(g.out.table.entry[0].state, AKL_GC_STATE_IN_USE);
    assert_int_equal(g.out.table.entry[1].state, AKL_GC_STATE_WOULD_REMOVE);
    assert_int_equal(g.out.table.entry[2].state, AKL_GC_STATE_WOULD_REMOVE);
    assert_int_equal(g.out.table.in_use_files, 1);
    for (int i = 0; i < 3; i++)
        assert_true(gct_exists(dir, gct_names[i]));

    gct_request(&g, "akl_inner_", 0);
    g.req.dargs.gc_min_age_s = 150; /* the newest (100 s) is too young */
    g.req.dargs.gc_flags = AKL_GC_FLAG_BOUND;
    g.req.dargs.gc_max_bytes = 400; /* 600 in all: removing the 200-byte one is enough */
    gct_run(&g);
    assert_int_equal(g.out.table.entry[0].state, AKL_GC_STATE_IN_USE);
    assert_int_equal(g.out.table.entry[1].state, AKL_GC_STATE_REMOVED);
    assert_int_equal(g.out.table.entry[2].state, AKL_GC_STATE_KEPT);
    assert_true(gct_exists(dir, gct_names[0]));
    assert_false(gct_exists(dir, gct_names[1]));

    gct_request(&g, "akl_inner_", 0);
    g.req.dargs.gc_min_age_s = 150;
    gct_run(&g);
    assert_int_equal(g.out.table.entry[1].state, AKL_GC_STATE_TOO_YOUNG);
    assert_true(gct_exists(dir, gct_names[2]));

    close(held); /* the lock goes with it: now it can be collected */
    gct_request(&g, "akl_inner_", 0);
    gct_run(&g);
    assert_int_equal(g.out.table.entry[0].state, AKL_GC_STATE_REMOVED);
    assert_int_equal(disp_t_count_entries(dir), 0);
}

/* The dispatcher holds what it published (and what it found identical): a collection in the same
 * or any other process finds it in use. */
static void test_published_file_is_held(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("gc_hold", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(500, 77);
    disp_t_request_t pub;
    disp_t_request(&pub, bytes, 500, 0);
    assert_int_equal(disp_t_run(&disp_lib, &pub), 0);
    assert_int_equal(pub.ack.status, AKL_ACK_WROTE);
    gct_request_t g;
    gct_request(&g, "akl_inner_", 0);
    gct_run(&g);
    assert_int_equal(g.out.table.matched, 1);
    assert_int_equal(g.out.table.entry[0].state, AKL_GC_STATE_IN_USE);
    assert_int_equal(disp_t_count_entries(dir), 1);
    free(bytes);
}

/* A gc request without a table is refused at ARGS; an empty prefix at NAME. */
static void test_bad_gc_requests(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("gc_bad", dir, sizeof dir);
    gct_request_t g;
    gct_request(&g, "akl_inner_", 0);
    g.req.dargs.gc_table_addr = 0;
    assert_int_equal(disp_t_run(&disp_lib, &g.req), 1000 + AKL_STAGE_ARGS);
    assert_int_equal(g.req.ack.status, AKL_ACK_FAILED);
    assert_non_null(strstr(g.req.ack.detail, "gc_table_addr"));
    gct_request(&g, "", 0);
    assert_int_equal(disp_t_run(&disp_lib, &g.req), 1000 + AKL_STAGE_NAME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_one_and_the_table),
        cmocka_unit_test(test_lock_dry_run_age_and_bound),
        cmocka_unit_test(test_published_file_is_held),
        cmocka_unit_test(test_bad_gc_requests),
    };
    return cmocka_run_group_tests(tests, disp_t_group_setup, disp_t_group_teardown);
}
