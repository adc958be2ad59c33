/* Tests of the simulated scheduler's kernel lookup (src/sim/device/kernel_lookup.c) against real
 * test kernels copied into a simulated chip: CANN's name rules and error codes, search
 * directories and fallbacks, the realpath containment check, the per-basename handle cache (a
 * replaced file is not reloaded, a fresh scheduler loads it), and the KFC rules. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel_lookup.h"
#include "sim_paths.h"
#include "test_support.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LK_HOST_PID 4242U
#define LK_DEVICE 1 /* die 1 of chip 0: the chip's directories, the die's own fallback dir */
#define LK_THREADS 4
#define LK_ITERATIONS 500
#define LK_FRESH_LOOKUP_ARG "--fresh-lookup"
#define LK_MSG_CAP 2048

typedef struct lk_state {
    char base[PATH_MAX];
    char chip[SIM_PATH_MAX];
    char preinstall[SIM_PATH_MAX];
    char kernels_root[SIM_PATH_MAX + 64]; /* <chip>/usr/lib64/aicpu_kernels */
    char lib64[SIM_PATH_MAX + 64];        /* <chip>/usr/lib64 */
    char pid_dir[SIM_PATH_MAX + 64];      /* <preinstall>/<hostPid>_<deviceId> */
    sim_lookup_t *lookup;
    char msg[LK_MSG_CAP];
} lk_state_t;

/* dir/leaf, checked to fit. */
static void lk_path(char *out, size_t cap, const char *dir, const char *leaf)
{
    size_t dir_len = strlen(dir), leaf_len = strlen(leaf);
    assert_true(dir_len + 1 + leaf_len < cap);
    memcpy(out, dir, dir_len);
    out[dir_len] = '/';
    memcpy(out + dir_len + 1, leaf, leaf_len + 1);
}

/* Copies a built test kernel to dir/name atomically (temp + rename), as a publisher would. */
static void lk_install(const char *kernel_file, const char *dir, const char *name)
{
    char src[PATH_MAX], dest[PATH_MAX], tmp[PATH_MAX];
    t_kernel_path(kernel_file, src, sizeof src);
    assert_int_equal(t_make_dirs(dir), 0);
    lk_path(dest, sizeof dest, dir, name);
    lk_path(tmp, sizeof tmp, dir, ".lk-tmp");
    size_t size = 0;
    void *data = t_read_file(src, &size);
    assert_non_null(data);
    assert_int_equal(t_write_file(tmp, data, size), 0);
    free(data);
    assert_int_equal(rename(tmp, dest), 0);
}

static int lk_group_setup(void **state)
{
    lk_state_t *st = calloc(1, sizeof *st);
    assert_non_null(st);
    assert_non_null(t_sim_root_or_temp("kernel-lookup", st->base, sizeof st->base));
    setenv("AKL_SIM_ROOT", st->base, 1); /* the temporary one, when the program runs by hand */
    char err[512];
    if (sim_fs_prepare(LK_DEVICE, SIM_TEST_EXTEND_LIB, CMN_MSG_ARRAY(err)) != 0)
        fail_msg("sim_fs_prepare: %s", err);
    assert_int_equal(sim_chip_root(LK_DEVICE, st->chip, sizeof st->chip), 0);
    assert_int_equal(sim_preinstall_dir(LK_DEVICE, st->preinstall, sizeof st->preinstall), 0);
    lk_path(st->kernels_root, sizeof st->kernels_root, st->chip, "usr/lib64/aicpu_kernels");
    lk_path(st->lib64, sizeof st->lib64, st->chip, "usr/lib64");
    char leaf[32];
    snprintf(leaf, sizeof leaf, "%u_%d", LK_HOST_PID, LK_DEVICE);
    lk_path(st->pid_dir, sizeof st->pid_dir, st->preinstall, leaf);
    lk_install("liblookk_v1.so", st->preinstall, "liblookk_v1.so");
    lk_install("liblookk_v2.so", st->preinstall, "liblookk_v2.so");
    *state = st;
    return 0;
}

static int lk_group_teardown(void **state)
{
    lk_state_t *st = *state;
    t_rmtree(st->base);
    free(st);
    return 0;
}

/* Every test gets a fresh lookup, as a new scheduler would have. */
static int lk_setup(void **state)
{
    lk_state_t *st = *state;
    st->lookup = sim_lookup_create(LK_DEVICE, st->chip, st->preinstall, LK_HOST_PID);
    assert_non_null(st->lookup);
    st->msg[0] = '\0';
    return 0;
}

static int lk_teardown(void **state)
{
    lk_state_t *st = *state;
    sim_lookup_destroy(st->lookup);
    st->lookup = NULL;
    return 0;
}

static uint32_t lk_aicpu(lk_state_t *st, const char *so, const char *kernel)
{
    sim_kernel_fn fn = NULL;
    uint32_t rc = sim_lookup_aicpu(st->lookup, so, kernel, &fn, CMN_MSG_ARRAY(st->msg));
    if (rc != 0)
        fail_msg("AICPU lookup of %s/%s: %u %s", so, kernel, rc, st->msg);
    assert_string_equal(st->msg, "");
    return fn(NULL);
}

static uint32_t lk_kfc(lk_state_t *st, const char *so, const char *kernel)
{
    sim_kernel_fn fn = NULL;
    uint32_t rc = sim_lookup_kfc(st->lookup, so, kernel, &fn, CMN_MSG_ARRAY(st->msg));
    if (rc != 0)
        fail_msg("KFC lookup of %s/%s: %u %s", so, kernel, rc, st->msg);
    return fn(NULL);
}

static void lk_expect_aicpu_error(lk_state_t *st, const char *so, const char *kernel, uint32_t code)
{
    sim_kernel_fn fn = NULL;
    assert_int_equal(sim_lookup_aicpu(st->lookup, so, kernel, &fn, CMN_MSG_ARRAY(st->msg)), code);
    assert_null(fn);
    assert_true(strlen(st->msg) > 0);
}

static void lk_expect_kfc_error(lk_state_t *st, const char *so, const char *kernel, uint32_t code)
{
    sim_kernel_fn fn = NULL;
    assert_int_equal(sim_lookup_kfc(st->lookup, so, kernel, &fn, CMN_MSG_ARRAY(st->msg)), code);
    assert_null(fn);
    assert_true(strlen(st->msg) > 0);
}

static void lk_assert_msg_has(const lk_state_t *st, const char *part)
{
    if (!strstr(st->msg, part))
        fail_msg("message \"%s\" lacks \"%s\"", st->msg, part);
}

/* ---- AICPU ------------------------------------------------------------------------------ */

static void test_aicpu_finds_kernel_in_preinstall_dir(void **state)
{
    lk_state_t *st = *state;
    assert_int_equal(lk_aicpu(st, "liblookk_v1.so", "lookk_answer"), 1);
    assert_int_equal(lk_aicpu(st, "liblookk_v2.so", "lookk_answer"), 2);
    assert_int_equal(lk_aicpu(st, "liblookk_v1.so", "lookk_answer"), 1); /* from the caches */
}

static void test_aicpu_bad_names_are_11001(void **state)
{
    lk_state_t *st = *state;
    lk_expect_aicpu_error(st, NULL, "lookk_answer", SIM_AE_BAD_PARAM);
    lk_assert_msg_has(st, "lookk_answer");
    lk_expect_aicpu_error(st, "liblookk_v1.so", NULL, SIM_AE_BAD_PARAM);
    lk_assert_msg_has(st, "liblookk_v1.so");
    lk_expect_aicpu_error(st, "", "lookk_answer", SIM_AE_BAD_PARAM);
    const char *bad[] = {"../aicpu_kernels_device/liblookk_v1.so",
                         "sub/liblookk_v1.so",
                         "liblookk v1.so",
                         "liblookk_v1.so\n",
                         "lib\xc3\xa9.so",
                         "lib$x.so"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lk_expect_aicpu_error(st, bad[i], "lookk_answer", SIM_AE_BAD_PARAM);
        lk_assert_msg_has(st, "lookk_answer");
        lk_assert_msg_has(st, "[A-Za-z0-9._-]");
    }
    sim_kernel_fn fn = NULL;
    assert_int_equal(sim_lookup_aicpu(NULL, "liblookk_v1.so", "lookk_answer", &fn, NULL),
                     SIM_AE_BAD_PARAM);
    assert_int_equal(sim_lookup_aicpu(st->lookup, "liblookk_v1.so", "lookk_answer", NULL, NULL),
                     SIM_AE_BAD_PARAM);
}

static void test_aicpu_missing_so_is_11002_naming_every_path(void **state)
{
    lk_state_t *st = *state;
    lk_expect_aicpu_error(st, "liblookk_absent.so", "lookk_answer", SIM_AE_OPEN_SO_FAILED);
    char path[PATH_MAX];
    lk_path(path, sizeof path, st->preinstall, "liblookk_absent.so");
    lk_assert_msg_has(st, path);
    lk_path(path, sizeof path, st->kernels_root, "liblookk_absent.so");
    lk_assert_msg_has(st, path);
    lk_path(path, sizeof path, st->pid_dir, "liblookk_absent.so");
    lk_assert_msg_has(st, path);
    lk_assert_msg_has(st, "lookk_answer");
    lk_assert_msg_has(st, strerror(ENOENT));
}

static void test_aicpu_failed_open_is_not_cached(void **state)
{
    lk_state_t *st = *state;
    lk_expect_aicpu_error(st, "liblookk_late.so", "lookk_answer", SIM_AE_OPEN_SO_FAILED);
    lk_install("liblookk_v2.so", st->preinstall, "liblookk_late.so");
    assert_int_equal(lk_aicpu(st, "liblookk_late.so", "lookk_answer"), 2);
}

static void test_aicpu_unloadable_file_is_11002_with_dlerror(void **state)
{
    lk_state_t *st = *state;
    char path[PATH_MAX];
    lk_path(path, sizeof path, st->preinstall, "liblookk_junk.so");
    assert_int_equal(t_write_file(path, "not an ELF file", 15), 0);
    lk_expect_aicpu_error(st, "liblookk_junk.so", "lookk_answer", SIM_AE_OPEN_SO_FAILED);
    lk_assert_msg_has(st, path);
    lk_assert_msg_has(st, "liblookk_junk.so: ");
}

/* Uses up this process's memory mappings: one PROT_NONE reservation, then every other page made
 * readable, each such page a mapping of its own, until the kernel refuses (ENOMEM at
 * vm.max_map_count). Returns the reservation for munmap, or NULL when the limit is out of reach
 * (set very high on this system) or the test runs under a sanitizer. */
static void *lk_exhaust_maps(size_t *len)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* A sanitizer's runtime maps memory for its own allocations and dies when it cannot. */
    (void)len;
    return NULL;
#endif
    long page = sysconf(_SC_PAGESIZE), limit = 0;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (!f)
        return NULL;
    int got = fscanf(f, "%ld", &limit);
    fclose(f);
    if (got != 1 || limit <= 0 || limit > 1000000)
        return NULL;
    *len = (size_t)(2 * limit + 2) * (size_t)page;
    char *base = mmap(NULL, *len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (long i = 1; i < 2 * limit + 1; i += 2)
        if (mprotect(base + i * page, (size_t)page, PROT_READ) != 0) {
            assert_int_equal(errno, ENOMEM);
            return base;
        }
    fail_msg("%ld mappings made without reaching vm.max_map_count %ld", limit, limit);
    return NULL;
}

static void test_aicpu_mapping_limit_is_named_in_11002(void **state)
{
    lk_state_t *st = *state;
    /* A copy under a new name: a file this process has not mapped yet. */
    lk_install("liblookk_v1.so", st->preinstall, "liblookk_maps.so");
    size_t len = 0;
    void *maps = lk_exhaust_maps(&len);
    if (!maps)
        skip();
    sim_kernel_fn fn = NULL;
    uint32_t rc = sim_lookup_aicpu(st->lookup, "liblookk_maps.so", "lookk_answer", &fn,
                                   CMN_MSG_ARRAY(st->msg));
    assert_int_equal(munmap(maps, len), 0);
    assert_int_equal(rc, SIM_AE_OPEN_SO_FAILED);
    lk_assert_msg_has(st, "limit of memory mappings");
    char limit[64];
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    assert_non_null(f);
    assert_non_null(fgets(limit, sizeof limit, f));
    fclose(f);
    limit[strcspn(limit, "\n")] = '\0';
    char named[96];
    snprintf(named, sizeof named, "vm.max_map_count = %s", limit);
    lk_assert_msg_has(st, named);
    /* The cause comes before the directories tried: the host keeps only 512 bytes. */
    assert_true(strstr(st->msg, named) < strstr(st->msg, "; tried"));
    /* With its mappings back, the same scheduler loads it (a failed open is not cached). */
    st->msg[0] = '\0';
    assert_int_equal(lk_aicpu(st, "liblookk_maps.so", "lookk_answer"), 1);
}

static void test_aicpu_missing_symbol_is_11003_with_dlerror(void **state)
{
    lk_state_t *st = *state;
    lk_expect_aicpu_error(st, "liblookk_v1.so", "lookk_missing", SIM_AE_GET_KERNEL_NAME_FAILED);
    lk_assert_msg_has(st, "lookk_missing");
    lk_assert_msg_has(st, "liblookk_v1.so");
    lk_assert_msg_has(st, "undefined symbol");
    /* The SO itself stays usable. */
    assert_int_equal(lk_aicpu(st, "liblookk_v1.so", "lookk_answer"), 1);
}

static void test_aicpu_long_names_are_cut_like_strncpy_s(void **state)
{
    lk_state_t *st = *state;
    char so100[SIM_SO_NAME_MAX + 1], so_long[SIM_SO_NAME_MAX + 16];
    snprintf(so100, sizeof so100, "liblookk_%.*s.so", SIM_SO_NAME_MAX - 12,
             "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
             "nnnnnnnn");
    assert_int_equal(strlen(so100), SIM_SO_NAME_MAX);
    lk_install("liblookk_v2.so", st->preinstall, so100);
    snprintf(so_long, sizeof so_long, "%sEXTRA", so100);
    assert_int_equal(lk_aicpu(st, so_long, "lookk_answer"), 2);
    char kernel[SIM_KERNEL_NAME_MAX + 16];
    memset(kernel, 'x', sizeof kernel);
    memcpy(kernel, "lookk_long_", 11);
    kernel[SIM_KERNEL_NAME_MAX] = '\0';
    assert_int_equal(lk_aicpu(st, "liblookk_v2.so", kernel), 1002);
    memcpy(kernel + SIM_KERNEL_NAME_MAX, "_tail", 6);
    assert_int_equal(lk_aicpu(st, "liblookk_v2.so", kernel), 1002);
}

static void test_aicpu_symlink_out_of_dir_is_refused(void **state)
{
    lk_state_t *st = *state;
    char outside[PATH_MAX], link_path[PATH_MAX];
    t_kernel_path("liblookk_v1.so", outside, sizeof outside);
    lk_path(link_path, sizeof link_path, st->preinstall, "liblookk_escape.so");
    assert_int_equal(symlink(outside, link_path), 0);
    lk_expect_aicpu_error(st, "liblookk_escape.so", "lookk_answer", SIM_AE_OPEN_SO_FAILED);
    lk_assert_msg_has(st, "outside");
    lk_assert_msg_has(st, link_path);
    /* A link that stays inside the directory is fine. */
    lk_path(link_path, sizeof link_path, st->preinstall, "liblookk_alias.so");
    assert_int_equal(symlink("liblookk_v2.so", link_path), 0);
    assert_int_equal(lk_aicpu(st, "liblookk_alias.so", "lookk_answer"), 2);
}

static void test_aicpu_special_names_have_their_own_dirs(void **state)
{
    lk_state_t *st = *state;
    /* The same names in the preinstall directory must not be the ones found. */
    lk_install("liblookk_v2.so", st->preinstall, "libretr_kernels.so");
    lk_install("liblookk_v2.so", st->preinstall, "libhccl_operator_call.so");
    lk_install("liblookk_v1.so", st->kernels_root, "libretr_kernels.so");
    lk_install("liblookk_v1.so", st->lib64, "libhccl_operator_call.so");
    lk_install("liblookk_v1.so", st->lib64, "libbuiltin_kernels.so");
    assert_int_equal(lk_aicpu(st, "libretr_kernels.so", "lookk_answer"), 1);
    assert_int_equal(lk_aicpu(st, "libhccl_operator_call.so", "lookk_answer"), 1);
    assert_int_equal(lk_aicpu(st, "libbuiltin_kernels.so", "lookk_answer"), 1);
}

static void test_aicpu_fallback_to_aicpu_kernels_root(void **state)
{
    lk_state_t *st = *state;
    lk_install("liblookk_v2.so", st->kernels_root, "liblookk_fallback_a.so");
    assert_int_equal(lk_aicpu(st, "liblookk_fallback_a.so", "lookk_answer"), 2);
}

static void test_aicpu_fallback_to_host_pid_dir(void **state)
{
    lk_state_t *st = *state;
    lk_install("liblookk_v2.so", st->pid_dir, "liblookk_fallback_b.so");
    assert_int_equal(lk_aicpu(st, "liblookk_fallback_b.so", "lookk_answer"), 2);
    /* Another host process's directory is not ours. */
    char other[PATH_MAX];
    lk_path(other, sizeof other, st->preinstall, "1_1");
    lk_install("liblookk_v2.so", other, "liblookk_fallback_other.so");
    lk_expect_aicpu_error(st, "liblookk_fallback_other.so", "lookk_answer", SIM_AE_OPEN_SO_FAILED);
}

/* Child mode: a fresh lookup in a new process, as a new scheduler would do; exits with the
 * kernel's answer, or 100 + a small code when the lookup fails. */
static int lk_fresh_lookup_child(char **argv)
{
    sim_lookup_t *lookup = sim_lookup_create(LK_DEVICE, argv[2], argv[3], LK_HOST_PID);
    if (!lookup)
        return 100;
    sim_kernel_fn fn = NULL;
    char msg[LK_MSG_CAP];
    uint32_t rc = sim_lookup_aicpu(lookup, argv[4], argv[5], &fn, CMN_MSG_ARRAY(msg));
    int status = rc == 0 ? (int)fn(NULL) : 101;
    if (rc != 0)
        fprintf(stderr, "fresh lookup: %s\n", msg);
    sim_lookup_destroy(lookup);
    return status;
}

static int lk_run_fresh_lookup(const lk_state_t *st, const char *so, const char *kernel)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *args[] = {(char *)"test_kernel_lookup",
                        (char *)LK_FRESH_LOOKUP_ARG,
                        (char *)st->chip,
                        (char *)st->preinstall,
                        (char *)so,
                        (char *)kernel,
                        NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    int status = t_wait_child(pid, 60000);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_replaced_file_is_not_reloaded_but_fresh_scheduler_loads_it(void **state)
{
    lk_state_t *st = *state;
    lk_install("liblookk_v1.so", st->preinstall, "liblookk_swap.so");
    assert_int_equal(lk_aicpu(st, "liblookk_swap.so", "lookk_answer"), 1);
    lk_install("liblookk_v2.so", st->preinstall, "liblookk_swap.so");
    /* Same scheduler: the handle cached by basename keeps answering with the old code, also for
     * a kernel not resolved before the replacement. */
    assert_int_equal(lk_aicpu(st, "liblookk_swap.so", "lookk_answer"), 1);
    assert_int_equal(lk_aicpu(st, "liblookk_swap.so", "lookk_global_1"), 1);
    /* A new scheduler process loads the new file. */
    assert_int_equal(lk_run_fresh_lookup(st, "liblookk_swap.so", "lookk_answer"), 2);
}

/* ---- KFC -------------------------------------------------------------------------------- */

static void test_kfc_cache_is_keyed_by_kernel_name_first_wins(void **state)
{
    lk_state_t *st = *state;
    assert_int_equal(lk_kfc(st, "liblookk_v1.so", "lookk_answer"), 1);
    /* A later launch naming another SO still gets the first resolution. */
    assert_int_equal(lk_kfc(st, "liblookk_v2.so", "lookk_answer"), 1);
    assert_int_equal(lk_kfc(st, "", "lookk_answer"), 1);
    assert_int_equal(lk_aicpu(st, "liblookk_v2.so", "lookk_answer"), 2);
}

static void test_kfc_global_fallbacks(void **state)
{
    lk_state_t *st = *state;
    /* Loading v2 (RTLD_GLOBAL) makes lookk_global_2 a global symbol. */
    assert_int_equal(lk_aicpu(st, "liblookk_v2.so", "lookk_answer"), 2);
    assert_int_equal(lk_kfc(st, "", "lookk_global_2"), 2);
    lk_teardown(state);
    lk_setup(state);
    assert_int_equal(lk_kfc(st, NULL, "lookk_global_2"), 2);
    lk_teardown(state);
    lk_setup(state);
    /* The named SO lacks the kernel, the global scope has it. */
    assert_int_equal(lk_kfc(st, "liblookk_v1.so", "lookk_global_2"), 2);
    lk_teardown(state);
    lk_setup(state);
    /* An SO name over 100 characters goes straight to the global scope. */
    char so_long[SIM_SO_NAME_MAX + 2];
    memset(so_long, 'a', SIM_SO_NAME_MAX + 1);
    so_long[SIM_SO_NAME_MAX + 1] = '\0';
    assert_int_equal(lk_kfc(st, so_long, "lookk_global_2"), 2);
}

static void test_kfc_not_found_anywhere_is_11006(void **state)
{
    lk_state_t *st = *state;
    lk_expect_kfc_error(st, "", "lookk_nowhere", SIM_AE_INNER_ERROR);
    lk_assert_msg_has(st, "lookk_nowhere");
    lk_expect_kfc_error(st, "liblookk_v1.so", "lookk_nowhere", SIM_AE_INNER_ERROR);
    lk_assert_msg_has(st, "liblookk_v1.so");
    lk_assert_msg_has(st, "global");
    lk_expect_kfc_error(st, "liblookk_absent.so", "lookk_nowhere", SIM_AE_INNER_ERROR);
    lk_assert_msg_has(st, "liblookk_absent.so");
    lk_assert_msg_has(st, st->preinstall);
}

static void test_kfc_bad_kernel_names(void **state)
{
    lk_state_t *st = *state;
    lk_expect_kfc_error(st, "liblookk_v1.so", NULL, SIM_AE_BAD_PARAM);
    char kernel[SIM_KERNEL_NAME_MAX + 2];
    memset(kernel, 'k', sizeof kernel - 1);
    kernel[SIM_KERNEL_NAME_MAX + 1] = '\0';
    lk_expect_kfc_error(st, "liblookk_v1.so", kernel, SIM_AE_INNER_ERROR);
    lk_assert_msg_has(st, "200");
}

static void test_kfc_finds_preloaded_extend_kernels(void **state)
{
    lk_state_t *st = *state;
    char extend[SIM_PATH_MAX];
    assert_int_equal(sim_extend_dir(LK_DEVICE, extend, sizeof extend), 0);
    assert_int_equal(sim_lookup_preload_extend(st->lookup, extend, CMN_MSG_ARRAY(st->msg)), 0);
    assert_int_equal(sim_lookup_preload_extend(st->lookup, NULL, CMN_MSG_ARRAY(st->msg)), 0);
    sim_kernel_fn kfc = NULL, aicpu = NULL;
    assert_int_equal(sim_lookup_kfc(st->lookup, SIM_EXTEND_KERNELS_NAME,
                                    "DynTileFwkKernelServerInit", &kfc, CMN_MSG_ARRAY(st->msg)),
                     0);
    assert_int_equal(sim_lookup_aicpu(st->lookup, SIM_EXTEND_KERNELS_NAME,
                                      "DynTileFwkKernelServerInit", &aicpu, CMN_MSG_ARRAY(st->msg)),
                     0);
    assert_non_null(kfc);
    assert_ptr_equal(kfc, aicpu);
    /* Its internals stay hidden. */
    lk_expect_aicpu_error(st, SIM_EXTEND_KERNELS_NAME, "extend_save_so",
                          SIM_AE_GET_KERNEL_NAME_FAILED);
}

static void test_preload_from_missing_dir_is_11002(void **state)
{
    lk_state_t *st = *state;
    assert_int_equal(
        sim_lookup_preload_extend(st->lookup, "/nonexistent/dir", CMN_MSG_ARRAY(st->msg)),
        SIM_AE_OPEN_SO_FAILED);
    lk_assert_msg_has(st, "/nonexistent/dir/" SIM_EXTEND_KERNELS_NAME);
}

static void test_create_rejects_missing_chip_root(void **state)
{
    (void)state;
    assert_null(sim_lookup_create(0, NULL, NULL, 1));
    assert_null(sim_lookup_create(0, "", NULL, 1));
    sim_lookup_destroy(NULL);
}

static void test_default_preinstall_dir_from_chip_root(void **state)
{
    lk_state_t *st = *state;
    sim_lookup_t *lookup = sim_lookup_create(LK_DEVICE, st->chip, NULL, LK_HOST_PID);
    assert_non_null(lookup);
    sim_kernel_fn fn = NULL;
    assert_int_equal(sim_lookup_aicpu(lookup, "liblookk_v2.so", "lookk_answer", &fn, NULL), 0);
    assert_int_equal(fn(NULL), 2);
    sim_lookup_destroy(lookup);
}

/* ---- concurrency ------------------------------------------------------------------------ */

static void *lk_hammer(void *arg)
{
    sim_lookup_t *lookup = arg;
    intptr_t failures = 0;
    for (int i = 0; i < LK_ITERATIONS; i++) {
        sim_kernel_fn a = NULL, b = NULL, k = NULL;
        failures += sim_lookup_aicpu(lookup, "liblookk_cc1.so", "lookk_answer", &a, NULL) != 0;
        failures += sim_lookup_aicpu(lookup, "liblookk_cc2.so", "lookk_answer", &b, NULL) != 0;
        failures += sim_lookup_kfc(lookup, "liblookk_cc1.so", "lookk_global_1", &k, NULL) != 0;
        failures += !a || a(NULL) != 1 || !b || b(NULL) != 2 || !k || k(NULL) != 1;
    }
    return (void *)failures;
}

static void test_concurrent_lookups_agree(void **state)
{
    lk_state_t *st = *state;
    lk_install("liblookk_v1.so", st->preinstall, "liblookk_cc1.so");
    lk_install("liblookk_v2.so", st->preinstall, "liblookk_cc2.so");
    pthread_t threads[LK_THREADS];
    for (int i = 0; i < LK_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, lk_hammer, st->lookup), 0);
    for (int i = 0; i < LK_THREADS; i++) {
        void *failures = NULL;
        assert_int_equal(pthread_join(threads[i], &failures), 0);
        assert_null(failures);
    }
}

/* Many basenames (links to one file) make the caches grow while other threads read them. */
#define LK_MANY_SOS 64

static void *lk_many(void *arg)
{
    sim_lookup_t *lookup = arg;
    intptr_t failures = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < LK_MANY_SOS; i++) {
            char so[64];
            snprintf(so, sizeof so, "liblookk_many_%d.so", (i * 7 + round) % LK_MANY_SOS);
            sim_kernel_fn fn = NULL;
            failures += sim_lookup_aicpu(lookup, so, "lookk_answer", &fn, NULL) != 0;
            failures += !fn || fn(NULL) != 1;
        }
    }
    return (void *)failures;
}

static void test_concurrent_lookups_while_caches_grow(void **state)
{
    lk_state_t *st = *state;
    for (int i = 0; i < LK_MANY_SOS; i++) {
        char name[64], link_path[PATH_MAX];
        snprintf(name, sizeof name, "liblookk_many_%d.so", i);
        lk_path(link_path, sizeof link_path, st->preinstall, name);
        assert_int_equal(symlink("liblookk_v1.so", link_path), 0);
    }
    pthread_t threads[LK_THREADS];
    for (int i = 0; i < LK_THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, lk_many, st->lookup), 0);
    for (int i = 0; i < LK_THREADS; i++) {
        void *failures = NULL;
        assert_int_equal(pthread_join(threads[i], &failures), 0);
        assert_null(failures);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], LK_FRESH_LOOKUP_ARG) == 0)
        return lk_fresh_lookup_child(argv);
#define LK_TEST(f) cmocka_unit_test_setup_teardown(f, lk_setup, lk_teardown)
    const struct CMUnitTest tests[] = {
        LK_TEST(test_aicpu_finds_kernel_in_preinstall_dir),
        LK_TEST(test_aicpu_bad_names_are_11001),
        LK_TEST(test_aicpu_missing_so_is_11002_naming_every_path),
        LK_TEST(test_aicpu_failed_open_is_not_cached),
        LK_TEST(test_aicpu_unloadable_file_is_11002_with_dlerror),
        LK_TEST(test_aicpu_mapping_limit_is_named_in_11002),
        LK_TEST(test_aicpu_missing_symbol_is_11003_with_dlerror),
        LK_TEST(test_aicpu_long_names_are_cut_like_strncpy_s),
        LK_TEST(test_aicpu_symlink_out_of_dir_is_refused),
        LK_TEST(test_aicpu_special_names_have_their_own_dirs),
        LK_TEST(test_aicpu_fallback_to_aicpu_kernels_root),
        LK_TEST(test_aicpu_fallback_to_host_pid_dir),
        LK_TEST(test_replaced_file_is_not_reloaded_but_fresh_scheduler_loads_it),
        LK_TEST(test_kfc_cache_is_keyed_by_kernel_name_first_wins),
        LK_TEST(test_kfc_global_fallbacks),
        LK_TEST(test_kfc_not_found_anywhere_is_11006),
        LK_TEST(test_kfc_bad_kernel_names),
        LK_TEST(test_kfc_finds_preloaded_extend_kernels),
        LK_TEST(test_preload_from_missing_dir_is_11002),
        LK_TEST(test_create_rejects_missing_chip_root),
        LK_TEST(test_default_preinstall_dir_from_chip_root),
        LK_TEST(test_concurrent_lookups_agree),
        LK_TEST(test_concurrent_lookups_while_caches_grow),
    };
#undef LK_TEST
    return t_run_group_tests(tests, lk_group_setup, lk_group_teardown);
}
