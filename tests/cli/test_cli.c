/* Tests of the akl command line tool, run as a separate program: help and usage errors of every
 * command, fingerprint, check on good and bad files, run of the hello kernel (text and JSON), and
 * sim ls / sim clean on the simulated devices' files. */
#define _GNU_SOURCE
#include "test_cli_spawn.h"
#include "test_support.h"

#include <akl/akl.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define HELLO_SO AKL_BUILD_DIR "/lib/akl/examples/libakl_hello.so"
#define PREINSTALL_SUBDIR "usr/lib64/aicpu_kernels/0/aicpu_kernels_device"

/* Runs build/bin/akl with the NULL-terminated arguments that follow. */
#define akl_cli(result, ...) tcli_run_program(result, NULL, "akl", __VA_ARGS__)

/* The basename libakl gives the hello SO on device. */
static void hello_basename(const char *prefix, int32_t device, char *out, size_t cap,
                           uint64_t *fp_out)
{
    size_t size;
    void *data = t_read_file(HELLO_SO, &size);
    assert_non_null(data);
    uint64_t fp = akl_fingerprint(data, size);
    free(data);
    assert_int_equal(akl_basename(prefix, fp, device, out, cap), 0);
    if (fp_out)
        *fp_out = fp;
}

static void preinstall_dir(int chip, char *out, size_t cap)
{
    assert_true(snprintf(out, cap, "%s/chip%d/%s", t_sim_root(), chip, PREINSTALL_SUBDIR) <
                (int)(cap));
}

/* A private scratch directory beside the test's simulator root. */
static void scratch_path(const char *name, char *out, size_t cap)
{
    char dir[4096];
    assert_true(snprintf(dir, sizeof dir, "%s.scratch", t_sim_root()) < (int)(sizeof dir));
    /* The roots' parent directory may not exist yet. */
    assert_int_equal(t_make_dirs(dir), 0);
    assert_true(snprintf(out, cap, "%s/%s", dir, name) < (int)(cap));
}

static int setup_root(void **state)
{
    (void)state;
    char scratch[4096];
    assert_true(snprintf(scratch, sizeof scratch, "%s.scratch", t_sim_root()) <
                (int)(sizeof scratch));
    t_rmtree(t_sim_root());
    t_rmtree(scratch);
    return 0;
}

static int teardown_root(void **state)
{
    (void)state;
    assert_true(tcli_no_leftover_processes(30000));
    return setup_root(state);
}

/* ---- help and usage -------------------------------------------------------------------------- */

static void test_help_of_every_command(void **state)
{
    (void)state;
    static const char *const commands[] = {"run", "fingerprint", "check", "sim", "bench"};
    tcli_result_t r;
    akl_cli(&r, "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "Usage: akl");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        tcli_assert_contains(r.out, commands[i]);
    tcli_result_free(&r);

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "Usage: akl %s", commands[i]);
        akl_cli(&r, "help", commands[i], NULL);
        assert_int_equal(r.exit_code, 0);
        tcli_assert_contains(r.out, want);
        tcli_result_free(&r);
        akl_cli(&r, commands[i], "--help", NULL);
        assert_int_equal(r.exit_code, 0);
        tcli_assert_contains(r.out, want);
        assert_int_equal(r.err_len, 0);
        tcli_result_free(&r);
    }
    akl_cli(&r, "sim", "ls", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "akl sim ls");
    tcli_result_free(&r);
    akl_cli(&r, "sim", "clean", "-h", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "akl sim clean");
    tcli_result_free(&r);
    akl_cli(&r, "--version", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "akl " AKL_VERSION_STRING);
    tcli_result_free(&r);
}

/* Each case: exit 2, nothing on stdout, and stderr names the offending word. */
static void test_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args[8];
        const char *mentions;
    } cases[] = {
        {{NULL}, "Usage: akl"},
        {{"frobnicate", NULL}, "frobnicate"},
        {{"--bogus", NULL}, "--bogus"},
        {{"help", "frobnicate", NULL}, "frobnicate"},
        {{"run", NULL}, "missing SO"},
        {{"run", "a.so", NULL}, "missing SO"},
        {{"run", "a.so", "k", "extra", NULL}, "too many"},
        {{"run", "--blocks", "0", "a.so", "k", NULL}, "--blocks"},
        {{"run", "--blocks", "70000", "a.so", "k", NULL}, "--blocks"},
        {{"run", "--device", "-1", "a.so", "k", NULL}, "--device"},
        {{"run", "--device", "x1", "a.so", "k", NULL}, "--device"},
        {{"run", "--bogus", "a.so", "k", NULL}, "--bogus"},
        {{"run", "--device", NULL}, "--device"},
        {{"run", "--args-hex", "zz", "a.so", "k", NULL}, "--args-hex"},
        {{"run", "--args-hex", "0", "a.so", "k", NULL}, "--args-hex"},
        {{"run", "--args-hex", "00", "--args-file", "f", "a.so", NULL}, "exclude"},
        {{"run", "--buffer", "12Q", "a.so", "k", NULL}, "--buffer"},
        {{"run", "--sync-timeout", "-2", "a.so", "k", NULL}, "--sync-timeout"},
        {{"fingerprint", NULL}, "missing SO"},
        {{"fingerprint", "--device", "abc", "x.so", NULL}, "--device"},
        {{"check", NULL}, "missing SO"},
        {{"check", "--max-size", "0", "x.so", NULL}, "--max-size"},
        {{"sim", NULL}, "missing subcommand"},
        {{"sim", "frob", NULL}, "frob"},
        {{"sim", "ls", "--dry-run", NULL}, "--dry-run"},
        {{"sim", "clean", "--device", "0", NULL}, "--device"},
        {{"sim", "ls", "extra", NULL}, "extra"},
        {{"bench", "--bogus", NULL}, "--bogus"},
        {{"bench", "extra", NULL}, "extra"},
        {{"bench", "--device", "x1", NULL}, "--device"},
        {{"bench", "--only", "floors,nosuch", NULL}, "unknown group 'nosuch'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[10];
        char bin[4096];
        int n = 0;
        argv[n++] = tcli_bin("akl", bin, sizeof bin);
        for (int j = 0; cases[i].args[j]; j++)
            argv[n++] = cases[i].args[j];
        argv[n] = NULL;
        tcli_result_t r;
        tcli_run(argv, NULL, &r);
        if (r.exit_code != 2 || r.out_len != 0 || !strstr(r.err, cases[i].mentions))
            fail_msg("case %zu (%s ...): exit %d, stdout \"%s\", stderr \"%s\"; want exit 2 and "
                     "\"%s\" on stderr",
                     i, cases[i].args[0] ? cases[i].args[0] : "", r.exit_code, r.out, r.err,
                     cases[i].mentions);
        tcli_result_free(&r);
    }
}

/* ---- fingerprint ----------------------------------------------------------------------------- */

static void test_fingerprint_text_and_json(void **state)
{
    (void)state;
    char basename[128], want[4096];
    uint64_t fp;
    hello_basename(NULL, 0, basename, sizeof basename, &fp);
    snprintf(want, sizeof want, "%016llx  %s  %s\n", (unsigned long long)fp, basename, HELLO_SO);
    tcli_result_t r;
    akl_cli(&r, "fingerprint", HELLO_SO, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, want);
    tcli_assert_contains(basename, AKL_DEFAULT_PREFIX);
    tcli_result_free(&r);

    hello_basename("my_", 3, basename, sizeof basename, NULL);
    assert_string_equal(basename + strlen(basename) - 5, "_3.so");
    akl_cli(&r, "fingerprint", "--json", "--device", "3", "--prefix", "my_", HELLO_SO, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "basename", basename);
    tcli_expect_json_value(r.out, "device", "3");
    tcli_expect_json_value(r.out, "path", HELLO_SO);
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_result_free(&r);
}

/* $AKL_PREFIX chooses the prefix as it does for a load: set and non-empty, else the default. */
static void test_fingerprint_prefix_from_the_environment(void **state)
{
    (void)state;
    char basename[128], want[4096];
    uint64_t fp;
    hello_basename(NULL, 0, basename, sizeof basename, &fp);
    snprintf(want, sizeof want, "%016llx  %s  %s\n", (unsigned long long)fp, basename, HELLO_SO);
    static const char *const empty_prefix[] = {"AKL_PREFIX=", NULL};
    tcli_result_t r;
    tcli_run_program(&r, empty_prefix, "akl", "fingerprint", HELLO_SO, NULL);
    tcli_expect_exit(&r, 0);
    assert_string_equal(r.out, want);
    tcli_result_free(&r);
    tcli_run_program(&r, empty_prefix, "akl", "fingerprint", "--json", HELLO_SO, NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "prefix", AKL_DEFAULT_PREFIX);
    tcli_expect_json_value(r.out, "basename", basename);
    tcli_result_free(&r);

    static const char *const env_prefix[] = {"AKL_PREFIX=env_", NULL};
    hello_basename("env_", 2, basename, sizeof basename, NULL);
    tcli_run_program(&r, env_prefix, "akl", "fingerprint", "--json", "--device", "2", HELLO_SO,
                     NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "prefix", "env_");
    tcli_expect_json_value(r.out, "basename", basename);
    tcli_result_free(&r);
}

static void test_fingerprint_errors(void **state)
{
    (void)state;
    tcli_result_t r;
    akl_cli(&r, "fingerprint", "/nonexistent/x.so", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "/nonexistent/x.so");
    tcli_result_free(&r);
    akl_cli(&r, "fingerprint", "--prefix", "bad/prefix", HELLO_SO, NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "AKL_ENAME");
    tcli_result_free(&r);

    /* A FIFO with no writer is refused at once, never waited on. */
    char fifo[4096];
    scratch_path("fifo.so", fifo, sizeof fifo);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    akl_cli(&r, "fingerprint", fifo, NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, fifo);
    tcli_assert_contains(r.err, "not a regular file");
    tcli_result_free(&r);
}

/* ---- check ----------------------------------------------------------------------------------- */

static void test_check_good_file(void **state)
{
    (void)state;
    tcli_result_t r;
    akl_cli(&r, "check", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "ok");
    tcli_result_free(&r);
    akl_cli(&r, "check", "--json", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_expect_json_value(r.out, "file", HELLO_SO);
    tcli_result_free(&r);
}

static void test_check_bad_files(void **state)
{
    (void)state;
    char text_file[4096];
    scratch_path("not-elf.so", text_file, sizeof text_file);
    assert_int_equal(t_write_file(text_file, "hello, not an ELF\n", 18), 0);
    tcli_result_t r;
    akl_cli(&r, "check", text_file, NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "AKL_ENOTELF");
    tcli_assert_contains(r.err, text_file);
    tcli_result_free(&r);

    akl_cli(&r, "check", HELLO_SO, "akl_hello", "no_such_kernel", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "AKL_ENOSYM");
    tcli_assert_contains(r.err, "no_such_kernel");
    tcli_result_free(&r);

    akl_cli(&r, "check", "--json", HELLO_SO, "no_such_kernel", NULL);
    assert_int_equal(r.exit_code, 1);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "false");
    tcli_expect_json_value(r.out, "name", "AKL_ENOSYM");
    tcli_result_free(&r);

    akl_cli(&r, "check", "--max-size", "1K", HELLO_SO, NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "AKL_ETOOBIG");
    tcli_result_free(&r);

    akl_cli(&r, "check", "/nonexistent/x.so", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "/nonexistent/x.so");
    tcli_result_free(&r);
}

/* ---- run ------------------------------------------------------------------------------------- */

static void test_run_hello_json(void **state)
{
    (void)state;
    char basename[128], fp_hex[17];
    uint64_t fp;
    hello_basename(NULL, 0, basename, sizeof basename, &fp);
    snprintf(fp_hex, sizeof fp_hex, "%016llx", (unsigned long long)fp);
    tcli_result_t r;
    /* token 0x1122334455667788, little-endian */
    akl_cli(&r, "run", "--json", "--buffer", "16", "--args-hex", "8877665544332211", HELLO_SO,
            "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_expect_json_value(r.out, "bootstrap", "wrote");
    tcli_expect_json_value(r.out, "basename", basename);
    tcli_expect_json_value(r.out, "fingerprint", fp_hex);
    tcli_expect_json_value(r.out, "device", "0");
    /* "HELLO" then the echoed token */
    tcli_expect_json_value(r.out, "hex", "48454c4c4f0000008877665544332211");
    char runtime[4096], device_path[4096], preinstall[4096], want_path[8192];
    assert_true(tcli_json_get(r.out, "runtime", runtime, sizeof runtime));
    assert_int_equal(strncmp(runtime, "sim:", 4), 0);
    assert_true(tcli_json_get(r.out, "device_path", device_path, sizeof device_path));
    preinstall_dir(0, preinstall, sizeof preinstall);
    assert_true(snprintf(want_path, sizeof want_path, "%s/%s", preinstall, basename) <
                (int)(sizeof want_path));
    assert_true(t_file_exists(want_path));
    tcli_assert_contains(device_path, basename);
    tcli_result_free(&r);

    /* A new process on a device that holds the file: nothing written. */
    akl_cli(&r, "run", "--json", "--buffer", "16", "--args-hex", "0000000000000000", HELLO_SO,
            "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_expect_json_value(r.out, "bootstrap", "identical");
    tcli_expect_json_value(r.out, "hex", "48454c4c4f0000000000000000000000");
    tcli_result_free(&r);
}

static void test_run_hello_text_on_second_die(void **state)
{
    (void)state;
    char basename[128];
    hello_basename(NULL, 1, basename, sizeof basename, NULL);
    tcli_result_t r;
    akl_cli(&r, "run", "--device", "1", "--blocks", "4", "--repeat", "3", "--buffer", "32",
            "--args-hex", "0x2a 00 00 00 00 00 00 00", HELLO_SO, "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "runtime:      sim:");
    tcli_assert_contains(r.out, basename);
    tcli_assert_contains(r.out, "launch:       ok: akl_hello x3 on 4 block(s)");
    tcli_assert_contains(r.out, "48 45 4c 4c 4f 00 00 00  2a 00 00 00 00 00 00 00");
    tcli_result_free(&r);
}

static void test_run_args_file_and_progress(void **state)
{
    (void)state;
    char args_file[4096];
    scratch_path("args.bin", args_file, sizeof args_file);
    static const unsigned char token[8] = {0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0};
    assert_int_equal(t_write_file(args_file, token, sizeof token), 0);
    tcli_result_t r;
    akl_cli(&r, "run", "--json", "--progress", "--buffer", "16", "--args-file", args_file, HELLO_SO,
            "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_json_value(r.out, "hex", "48454c4c4f000000efbeadde00000000");
    tcli_assert_contains(r.err, "akl run: loading");
    tcli_assert_contains(r.err, "akl run: synchronizing");
    tcli_result_free(&r);

    akl_cli(&r, "run", "--args-file", "/nonexistent/args.bin", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "/nonexistent/args.bin");
    tcli_result_free(&r);
}

/* An --args-file over the launch limit is refused before any device work: nothing printed on
 * stdout, and the simulator's root is never created. The file is sparse, so it costs no disk. */
/* Undefined symbols nothing on the device provides: a warning listing them (not those libc, libm
 * or the scheduler's services provide, nor weak ones), an error with --strict, a list in --json;
 * and the load of such an SO says so in the log. */
static void test_check_lists_unresolved_symbols(void **state)
{
    (void)state;
    char so[4096];
    t_kernel_path("libldrk_unresolved.so", so, sizeof so);
    tcli_result_t r;
    akl_cli(&r, "check", so, NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "ok: ");
    tcli_assert_contains(r.err, "akl check: warning: ");
    tcli_assert_contains(r.err, "2 undefined symbols that nothing on the device provides: "
                                "ldrk_missing_helper, ldrk_missing_table");
    static const char *const provided[] = {"sqrt", "strlen", "AicpuGetBlockIdx",
                                           "ldrk_weak_optional", "__cxa_finalize"};
    for (size_t i = 0; i < sizeof provided / sizeof provided[0]; i++)
        assert_null(strstr(r.err, provided[i]));
    tcli_result_free(&r);

    akl_cli(&r, "check", "--strict", so, NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "AKL_EUNRESOLVED (-1019)");
    tcli_assert_contains(r.err, "ldrk_missing_helper");
    assert_null(strstr(r.out, "ok: "));
    tcli_result_free(&r);

    akl_cli(&r, "check", "--strict", "--json", so, NULL);
    assert_int_equal(r.exit_code, 1);
    assert_true(tcli_json_is_object(r.out));
    tcli_assert_contains(r.out, "\"unresolved\":[\"ldrk_missing_helper\",\"ldrk_missing_table\"]");
    tcli_expect_json_value(r.out, "name", "AKL_EUNRESOLVED");
    tcli_result_free(&r);

    akl_cli(&r, "check", "--strict", "--json", HELLO_SO, NULL);
    tcli_expect_exit(&r, 0);
    tcli_assert_contains(r.out, "\"unresolved\":[]");
    assert_null(strstr(r.err, "warning"));
    tcli_result_free(&r);

    /* A load does not refuse it, but AKL_LOG=warn says what the first call will meet. */
    static const char *const warn_env[] = {"AKL_LOG=warn", NULL};
    tcli_run_program(&r, warn_env, "akl", "run", "--buffer", "8", so, "ldrk_unresolved_call", NULL);
    tcli_assert_contains(r.err, "akl warn: loading ");
    tcli_assert_contains(r.err, "2 undefined symbols that nothing on the device provides");
    tcli_result_free(&r);
}

static void test_run_args_file_over_the_limit(void **state)
{
    (void)state;
    char args_file[4096];
    scratch_path("big-args.bin", args_file, sizeof args_file);
    assert_int_equal(t_write_file(args_file, "", 0), 0);
    assert_int_equal(truncate(args_file, (off_t)AKL_LAUNCH_ARGS_MAX + 1), 0);
    tcli_result_t r;
    akl_cli(&r, "run", "--args-file", args_file, HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, args_file);
    tcli_assert_contains(r.err, "67108865 bytes exceed the launch limit of 67108864 bytes");
    assert_string_equal(r.out, "");
    tcli_result_free(&r);
    /* Exactly the limit, plus the 8 bytes of --buffer's address, is over it too. */
    assert_int_equal(truncate(args_file, (off_t)AKL_LAUNCH_ARGS_MAX), 0);
    akl_cli(&r, "run", "--buffer", "16", "--args-file", args_file, HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "67108864 bytes plus 8 for --buffer's address exceed");
    assert_string_equal(r.out, "");
    tcli_result_free(&r);
    struct stat st;
    assert_int_not_equal(stat(t_sim_root(), &st), 0);
}

static void test_run_failures(void **state)
{
    (void)state;
    tcli_result_t r;
    /* Kernel not in the SO: the launch refuses it, naming the kernels the SO does export. */
    akl_cli(&r, "run", "--buffer", "16", HELLO_SO, "akl_helo", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "akl run:");
    tcli_assert_contains(r.err, "AKL_ENOSYM");
    tcli_assert_contains(r.err, "nearest exported names: \"akl_hello\"");
    tcli_assert_contains(r.out, "launch:       failed at launch");
    tcli_result_free(&r);

    /* The kernel itself fails (no output buffer): its error comes back with --json too. */
    akl_cli(&r, "run", "--json", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 1);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "false");
    tcli_result_free(&r);

    akl_cli(&r, "run", "/nonexistent/x.so", "k", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "/nonexistent/x.so");
    tcli_result_free(&r);

    akl_cli(&r, "run", "--device", "4000", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "open device");
    tcli_result_free(&r);
}

/* ---- sim ls / clean -------------------------------------------------------------------------- */

static void write_in(const char *dir, const char *name, const char *text)
{
    char path[8192];
    assert_true(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)(sizeof path));
    assert_int_equal(t_write_file(path, text, strlen(text)), 0);
}

static bool exists_in(const char *dir, const char *name)
{
    char path[8192];
    assert_true(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)(sizeof path));
    return t_file_exists(path);
}

static void test_sim_ls_and_clean(void **state)
{
    (void)state;
    tcli_result_t r;
    akl_cli(&r, "sim", "ls", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, t_sim_root());
    tcli_result_free(&r);

    akl_cli(&r, "run", "--buffer", "16", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    char basename[128], preinstall[4096];
    hello_basename(NULL, 0, basename, sizeof basename, NULL);
    preinstall_dir(0, preinstall, sizeof preinstall);

    char stale[256], live[256];
    pid_t dead;
    assert_true(t_dead_pid(&dead));
    snprintf(stale, sizeof stale, ".%s.tmp.%d.1.0123456789abcdef", basename, (int)dead);
    snprintf(live, sizeof live, ".%s.tmp.%d.1.fedcba9876543210", basename, (int)getpid());
    write_in(preinstall, stale, "partial");
    write_in(preinstall, live, "in progress");
    write_in(preinstall, "user_kernel.so", "not ours");
    write_in(preinstall, "akl_inner_0123456789abcdef_0.so.bak", "not ours either");
    /* Shaped like a temporary but not the dispatcher's exact form: the user's, never cleaned. */
    char lookalike[256];
    snprintf(lookalike, sizeof lookalike, ".%s.tmp.%d.backup", basename, (int)dead);
    write_in(preinstall, lookalike, "a user's copy");

    akl_cli(&r, "sim", "ls", "--json", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_assert_contains(r.out, basename);
    tcli_assert_contains(r.out, "\"kind\":\"published\"");
    tcli_assert_contains(r.out, "\"intact\":true");
    tcli_assert_contains(r.out, "\"kind\":\"temporary\"");
    tcli_assert_contains(r.out, "\"name\":\"user_kernel.so\",\"size\":8,\"kind\":\"other\"");
    char lookalike_json[512];
    snprintf(lookalike_json, sizeof lookalike_json,
             "\"name\":\"%s\",\"size\":13,\"kind\":\"other\"", lookalike);
    tcli_assert_contains(r.out, lookalike_json);
    tcli_expect_json_value(r.out, "root", t_sim_root());
    tcli_result_free(&r);

    akl_cli(&r, "sim", "clean", "--dry-run", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "would remove");
    assert_true(exists_in(preinstall, basename));
    assert_true(exists_in(preinstall, stale));
    tcli_result_free(&r);

    akl_cli(&r, "sim", "clean", "--json", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_true(tcli_json_is_object(r.out));
    tcli_expect_json_value(r.out, "ok", "true");
    tcli_result_free(&r);
    assert_false(exists_in(preinstall, basename));
    assert_false(exists_in(preinstall, stale));
    assert_true(exists_in(preinstall, live));
    assert_true(exists_in(preinstall, "user_kernel.so"));
    assert_true(exists_in(preinstall, "akl_inner_0123456789abcdef_0.so.bak"));
    assert_true(exists_in(preinstall, lookalike));

    /* The next load publishes the file again. */
    akl_cli(&r, "run", "--json", "--buffer", "16", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_expect_json_value(r.out, "bootstrap", "wrote");
    tcli_result_free(&r);

    akl_cli(&r, "sim", "clean", "--all", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    char chip[4096];
    assert_true(snprintf(chip, sizeof chip, "%s/chip0", t_sim_root()) < (int)(sizeof chip));
    assert_false(t_file_exists(chip));
}

/* A child that has exited but is not reaped (kill(pid, 0) still succeeds on it). */
static pid_t zombie_child(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
    return pid;
}

static void make_dirs_in(const char *base, const char *sub, char *out, size_t cap)
{
    assert_true(snprintf(out, cap, "%s/%s", base, sub) < (int)cap);
    assert_int_equal(t_make_dirs(out), 0);
}

static void link_in(const char *dir, const char *name, const char *target)
{
    char path[8192];
    assert_true(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)(sizeof path));
    assert_int_equal(symlink(target, path), 0);
}

static bool lexists_in(const char *dir, const char *name)
{
    char path[8192];
    struct stat st;
    assert_true(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)(sizeof path));
    return lstat(path, &st) == 0;
}

#define OURS "akl_inner_0123456789abcdef_0.so"
#define MINE "mine_0123456789abcdef_0.so"
#define FOREIGN "other_0123456789abcdef_0.so"

/* Files of akl's form (which clean would remove) outside the root, reached from inside it by
 * links: a chip<k> that is a link, a link in the middle of a chip's preinstall path, and a link
 * of akl's name in a preinstall directory. None of them may be followed. */
static void plant_links_out_of_the_root(const char *outside, const char *preinstall0)
{
    char dir[4096], path[4096];
    make_dirs_in(outside, "chip5/" PREINSTALL_SUBDIR, dir, sizeof dir);
    write_in(dir, OURS, "outside the root");
    assert_true(snprintf(path, sizeof path, "%s/chip5", outside) < (int)sizeof path);
    link_in(t_sim_root(), "chip5", path);

    make_dirs_in(outside, "lib64/aicpu_kernels/0/aicpu_kernels_device", dir, sizeof dir);
    write_in(dir, OURS, "outside the root");
    make_dirs_in(t_sim_root(), "chip6/usr", dir, sizeof dir);
    assert_true(snprintf(path, sizeof path, "%s/lib64", outside) < (int)sizeof path);
    link_in(dir, "lib64", path);

    write_in(outside, "victim.so", "outside the root");
    assert_true(snprintf(path, sizeof path, "%s/victim.so", outside) < (int)sizeof path);
    link_in(preinstall0, "akl_inner_aaaaaaaaaaaaaaaa_0.so", path);
}

static void assert_nothing_outside_removed(const char *outside)
{
    char dir[4096];
    assert_true(snprintf(dir, sizeof dir, "%s/chip5/%s", outside, PREINSTALL_SUBDIR) <
                (int)sizeof dir);
    assert_true(exists_in(dir, OURS));
    assert_true(snprintf(dir, sizeof dir, "%s/lib64/aicpu_kernels/0/aicpu_kernels_device",
                         outside) < (int)sizeof dir);
    assert_true(exists_in(dir, OURS));
    assert_true(exists_in(outside, "victim.so"));
}

static void test_sim_clean_stays_inside_the_root_and_the_prefix(void **state)
{
    (void)state;
    char preinstall[4096], outside[4096], name[256];
    make_dirs_in(t_sim_root(), "chip0/" PREINSTALL_SUBDIR, preinstall, sizeof preinstall);
    scratch_path("outside", outside, sizeof outside);
    assert_int_equal(t_make_dirs(outside), 0);
    plant_links_out_of_the_root(outside, preinstall);

    pid_t dead, zombie = zombie_child();
    assert_true(t_dead_pid(&dead));
    write_in(preinstall, OURS, "ours");
    write_in(preinstall, MINE, "of prefix mine_");
    write_in(preinstall, FOREIGN, "another user's");
    /* Stale temporaries of other names of the prefix, one by a zombie writer: removed. */
    char stale[256], zombie_temp[256], foreign_temp[256];
    snprintf(stale, sizeof stale, ".akl_inner_fedcba9876543210_3.so.tmp.%d.1.0123456789abcdef",
             (int)dead);
    snprintf(zombie_temp, sizeof zombie_temp,
             ".akl_inner_1111111111111111_0.so.tmp.%d.1.0123456789abcdef", (int)zombie);
    snprintf(foreign_temp, sizeof foreign_temp, ".%s.tmp.%d.1.0123456789abcdef", FOREIGN,
             (int)dead);
    write_in(preinstall, stale, "partial");
    write_in(preinstall, zombie_temp, "partial");
    write_in(preinstall, foreign_temp, "partial");
    write_in(preinstall, ".akl_inner_.akl-ledger", "48 bytes of count");

    tcli_result_t r;
    akl_cli(&r, "sim", "ls", NULL);
    assert_int_equal(r.exit_code, 0);
    const char *ledger = strstr(r.out, "    .akl_inner_.akl-ledger ");
    assert_non_null(ledger);
    char ledger_line[512];
    snprintf(ledger_line, sizeof ledger_line, "%.*s", (int)strcspn(ledger, "\n"), ledger);
    tcli_assert_contains(ledger_line, "  ledger");
    /* The published-form file's own line (the foreign temporary's name contains it too). */
    snprintf(name, sizeof name, "    %s ", FOREIGN);
    char *line = strstr(r.out, name);
    assert_non_null(line);
    *strchrnul(line, '\n') = '\0';
    tcli_assert_contains(line, "foreign");
    assert_null(strstr(line, "DO NOT MATCH"));
    tcli_result_free(&r);

    akl_cli(&r, "sim", "clean", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    assert_false(exists_in(preinstall, OURS));
    assert_false(exists_in(preinstall, stale));
    assert_false(exists_in(preinstall, zombie_temp));
    assert_true(exists_in(preinstall, MINE));
    assert_true(exists_in(preinstall, FOREIGN));
    assert_true(exists_in(preinstall, foreign_temp));
    assert_true(exists_in(preinstall, ".akl_inner_.akl-ledger"));
    assert_true(lexists_in(preinstall, "akl_inner_aaaaaaaaaaaaaaaa_0.so"));
    assert_nothing_outside_removed(outside);

    akl_cli(&r, "sim", "clean", "--prefix", "mine_", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    assert_false(exists_in(preinstall, MINE));
    assert_true(exists_in(preinstall, FOREIGN));
    akl_cli(&r, "sim", "clean", "--prefix", "no/slash", NULL);
    assert_int_equal(r.exit_code, 2);
    tcli_assert_contains(r.err, "no/slash");
    tcli_result_free(&r);

    /* --all removes the chip trees, links inside them as links. */
    akl_cli(&r, "sim", "clean", "--all", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    assert_false(lexists_in(t_sim_root(), "chip0"));
    assert_false(lexists_in(t_sim_root(), "chip6"));
    assert_nothing_outside_removed(outside);
    int status;
    assert_int_equal(waitpid(zombie, &status, 0), zombie);
}

static void test_sim_ls_device_filter(void **state)
{
    (void)state;
    tcli_result_t r;
    akl_cli(&r, "run", "--device", "2", "--buffer", "16", HELLO_SO, "akl_hello", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_result_free(&r);
    akl_cli(&r, "sim", "ls", "--device", "3", NULL);
    assert_int_equal(r.exit_code, 0);
    tcli_assert_contains(r.out, "chip1:");
    assert_null(strstr(r.out, "chip0:"));
    tcli_result_free(&r);
    akl_cli(&r, "sim", "ls", "--device", "100000", NULL);
    assert_int_equal(r.exit_code, 1);
    tcli_assert_contains(r.err, "100000");
    tcli_result_free(&r);
}

/* ---- JSON of names that are not UTF-8 -------------------------------------------------------- */

/* "k\xff\xfe.so" (not UTF-8) and its hex, as akl prints it in "<key>_hex". */
#define NON_UTF8_NAME "k\xff\xfe.so"
#define NON_UTF8_NAME_HEX "6bfffe2e736f"

/* A copy of the hello SO under a name that is not UTF-8, in the scratch directory. */
static void hello_copy_named_non_utf8(char *out, size_t cap)
{
    size_t size;
    void *data = t_read_file(HELLO_SO, &size);
    assert_non_null(data);
    scratch_path(NON_UTF8_NAME, out, cap);
    assert_int_equal(t_write_file(out, data, size), 0);
    free(data);
}

static void test_fingerprint_json_of_a_non_utf8_name(void **state)
{
    (void)state;
    char so[4096];
    hello_copy_named_non_utf8(so, sizeof so);
    tcli_result_t r;
    akl_cli(&r, "fingerprint", "--json", so, NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"path_hex\":\"");
    tcli_assert_contains(r.out, NON_UTF8_NAME_HEX "\"");
    tcli_result_free(&r);
}

static void test_check_json_of_a_non_utf8_name(void **state)
{
    (void)state;
    char so[4096];
    hello_copy_named_non_utf8(so, sizeof so);
    tcli_result_t r;
    akl_cli(&r, "check", "--json", so, "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, NON_UTF8_NAME_HEX "\"");
    tcli_result_free(&r);
    /* A kernel name that is not UTF-8 either, and a failure message quoting the path. */
    akl_cli(&r, "check", "--json", so, "akl_\xff", NULL);
    tcli_expect_exit(&r, 1);
    tcli_expect_valid_json(r.out);
    tcli_result_free(&r);
}

static void test_run_json_of_a_non_utf8_name(void **state)
{
    (void)state;
    char so[4096];
    hello_copy_named_non_utf8(so, sizeof so);
    tcli_result_t r;
    akl_cli(&r, "run", "--json", "--buffer", "16", so, "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"so_hex\":\"");
    tcli_result_free(&r);
    akl_cli(&r, "run", "--json", so, "akl_\xfe", NULL);
    tcli_expect_exit(&r, 1);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"kernel_hex\":\"616b6c5ffe\"");
    tcli_result_free(&r);
}

/* sim ls and sim clean print the root, chip paths and file names they find: a root whose path is
 * not UTF-8, holding a file whose name is not either. */
static void test_sim_json_of_non_utf8_names(void **state)
{
    (void)state;
    char root[4096], env_root[4200];
    scratch_path("root\xe9", root, sizeof root);
    snprintf(env_root, sizeof env_root, "AKL_SIM_ROOT=%s", root);
    const char *env[] = {env_root, NULL};
    tcli_result_t r;
    tcli_run_program(&r, env, "akl", "run", "--buffer", "16", HELLO_SO, "akl_hello", NULL);
    tcli_expect_exit(&r, 0);
    tcli_result_free(&r);
    char preinstall[8192];
    assert_true(snprintf(preinstall, sizeof preinstall, "%s/chip0/%s", root, PREINSTALL_SUBDIR) <
                (int)(sizeof preinstall));
    write_in(preinstall, NON_UTF8_NAME, "a user's file");

    tcli_run_program(&r, env, "akl", "sim", "ls", "--json", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"root_hex\":\"");
    tcli_assert_contains(r.out, "\"name_hex\":\"" NON_UTF8_NAME_HEX "\"");
    tcli_result_free(&r);

    tcli_run_program(&r, env, "akl", "sim", "clean", "--json", NULL);
    tcli_expect_exit(&r, 0);
    tcli_expect_valid_json(r.out);
    tcli_assert_contains(r.out, "\"root_hex\":\"");
    tcli_result_free(&r);
}

int main(void)
{
    tcli_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_of_every_command),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_fingerprint_text_and_json),
        cmocka_unit_test(test_fingerprint_prefix_from_the_environment),
        cmocka_unit_test(test_fingerprint_errors),
        cmocka_unit_test_setup_teardown(test_check_good_file, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_check_bad_files, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_run_hello_json, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_run_hello_text_on_second_die, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_run_args_file_and_progress, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_run_args_file_over_the_limit, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_check_lists_unresolved_symbols, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_run_failures, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_sim_ls_and_clean, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_sim_ls_device_filter, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_fingerprint_json_of_a_non_utf8_name, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_check_json_of_a_non_utf8_name, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_run_json_of_a_non_utf8_name, setup_root,
                                        teardown_root),
        cmocka_unit_test_setup_teardown(test_sim_json_of_non_utf8_names, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_sim_clean_stays_inside_the_root_and_the_prefix,
                                        setup_root, teardown_root),
    };
    return t_run_group_tests_name("cli", tests, setup_root, teardown_root);
}
