/* akl_dispatcher.so in-process: each outcome of Init (WROTE, IDENTICAL, REPLACED, FAILED at each
 * stage) with the acknowledgement record it leaves, the name rules, the cleanup of stale
 * temporaries, and that a failure never damages what the directory already held. */
#define _GNU_SOURCE
#include "test_dispatcher_common.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

/* Init's result for a failure at a stage (docs/protocol.md). */
#define DISP_T_RC(stage) (1000 + (stage))

static void disp_assert_ack_written(const disp_t_request_t *req)
{
    assert_int_equal(req->ack.magic, AKL_ACK_MAGIC);
    assert_int_equal(req->ack.version, AKL_BOOT_VERSION);
    assert_non_null(memchr(req->ack.path, '\0', sizeof req->ack.path));
    assert_non_null(memchr(req->ack.detail, '\0', sizeof req->ack.detail));
    assert_true(req->ack.detail[0] != '\0');
}

static void disp_assert_success(const disp_t_request_t *req, int rc, akl_ack_status_t status,
                                const char *final_path)
{
    if (rc != 0 || req->ack.status != (int32_t)status)
        fail_msg("expected status %d, got rc %d status %d stage %u err %d path %s: %s", status, rc,
                 req->ack.status, req->ack.stage, req->ack.err, req->ack.path, req->ack.detail);
    disp_assert_ack_written(req);
    assert_int_equal(req->ack.err, 0);
    assert_int_equal(req->ack.stage, AKL_STAGE_NONE);
    assert_int_equal(req->ack.bytes, req->dargs.inner_so_len);
    assert_int_equal(req->ack.fingerprint, req->dargs.expected_fingerprint);
    assert_string_equal(req->ack.path, final_path);
}

static void disp_assert_failure(const disp_t_request_t *req, int rc, akl_ack_stage_t stage, int err)
{
    if (req->ack.status != AKL_ACK_FAILED || req->ack.stage != (uint32_t)stage ||
        req->ack.err != err)
        fail_msg("expected FAILED at stage %d errno %d, got rc %d status %d stage %u errno %d "
                 "path %s: %s",
                 stage, err, rc, req->ack.status, req->ack.stage, req->ack.err, req->ack.path,
                 req->ack.detail);
    disp_assert_ack_written(req);
    assert_int_equal(rc, DISP_T_RC(stage));
}

static unsigned char *disp_read_probe(size_t *len)
{
    unsigned char *bytes = t_read_file(AKL_DISPATCHER_PROBE_KERNEL, len);
    if (bytes == NULL)
        fail_msg("cannot read %s", AKL_DISPATCHER_PROBE_KERNEL);
    return bytes;
}

static void disp_final_path(char *out, size_t cap, const char *dir, const disp_t_request_t *req)
{
    disp_t_join(out, cap, dir, req->dargs.target_name);
}

/* The published file is a complete object: the device's loader could dlopen it and run a kernel. */
static void disp_assert_probe_runs(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        fail_msg("dlopen %s: %s", path, dlerror());
    uint32_t (*probe)(void *) = (uint32_t(*)(void *))dlsym(h, "dispk_probe");
    assert_non_null(probe);
    uint32_t out = 0;
    assert_int_equal(probe(&out), 0);
    assert_int_equal(out, 0x600df00du);
    dlclose(h);
}

static void test_wrote_then_identical_without_rewrite(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("wrote", dir, sizeof dir);
    size_t len = 0;
    unsigned char *bytes = disp_read_probe(&len);
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, 0);
    disp_final_path(final, sizeof final, dir, &req);

    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
    assert_int_equal(req.ack.temps_removed, 0);
    assert_true(disp_t_file_equals(final, bytes, len));
    struct stat first;
    assert_int_equal(stat(final, &first), 0);
    assert_int_equal(first.st_mode & 07777, 0755);
    assert_int_equal(disp_t_count_entries(dir), 1);
    disp_assert_probe_runs(final);

    rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_IDENTICAL, final);
    struct stat second;
    assert_int_equal(stat(final, &second), 0);
    assert_int_equal(second.st_ino, first.st_ino); /* not rewritten (a rewrite renames anew) */
    assert_true(disp_t_file_equals(final, bytes, len));
    /* An identical bootstrap refreshes the file's recency for the collector (protocol.md 16). */
    assert_true(second.st_mtim.tv_sec > first.st_mtim.tv_sec ||
                (second.st_mtim.tv_sec == first.st_mtim.tv_sec &&
                 second.st_mtim.tv_nsec >= first.st_mtim.tv_nsec));
    assert_int_equal(disp_t_count_entries(dir), 1);
    free(bytes);
}

static void disp_replace_and_check(const disp_t_request_t *proto, const char *dir,
                                   const char *final, const unsigned char *bytes, size_t len)
{
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, proto->dargs.device_id);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_REPLACED, final);
    assert_true(disp_t_file_equals(final, bytes, len));
    struct stat st;
    assert_int_equal(stat(final, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(disp_t_count_entries(dir), 1);
}

static void test_wrong_bytes_under_the_name_are_replaced(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("replace", dir, sizeof dir);
    size_t len = 0;
    unsigned char *bytes = disp_read_probe(&len);
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, 1);
    disp_final_path(final, sizeof final, dir, &req);

    /* Same size, one byte different: only a byte comparison can tell. */
    unsigned char *wrong = malloc(len);
    assert_non_null(wrong);
    memcpy(wrong, bytes, len);
    wrong[len / 2] ^= 0x5a;
    assert_int_equal(t_write_file(final, wrong, len), 0);
    disp_replace_and_check(&req, dir, final, bytes, len);
    disp_assert_probe_runs(final);

    /* A truncated copy (what a non-atomic writer killed half-way leaves). */
    assert_int_equal(t_write_file(final, bytes, len / 3), 0);
    disp_replace_and_check(&req, dir, final, bytes, len);

    /* A symlink under the name becomes a regular file. */
    char target[2048];
    disp_t_join(target, sizeof target, t_sim_root(), "symlink-target.so");
    assert_int_equal(t_write_file(target, bytes, len), 0);
    assert_int_equal(unlink(final), 0);
    assert_int_equal(symlink(target, final), 0);
    disp_replace_and_check(&req, dir, final, bytes, len);
    assert_true(disp_t_file_equals(target, bytes, len));
    assert_int_equal(unlink(target), 0);
    free(wrong);
    free(bytes);
}

/* A listening UNIX socket bound at path (opening it gives ENXIO); returns its descriptor. */
static int disp_bind_socket(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return -1;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (const struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(fd, 1), 0);
    return fd;
}

static void test_special_files_under_the_name_are_replaced(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    /* A short directory name: a socket path must fit sockaddr_un's 108 bytes. */
    disp_t_use_dir("s", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(4096, 12);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 4096, 0);
    disp_final_path(final, sizeof final, dir, &req);
    int sock = disp_bind_socket(final);
    if (sock < 0) {
        free(bytes);
        skip(); /* $AKL_SIM_ROOT too long for a socket path */
    }
    disp_replace_and_check(&req, dir, final, bytes, 4096);
    close(sock);

    /* A FIFO nobody writes to: never opened (a writer blocked on it would be released). */
    assert_int_equal(unlink(final), 0);
    assert_int_equal(mkfifo(final, 0600), 0);
    disp_replace_and_check(&req, dir, final, bytes, 4096);

    /* A symlink to a byte-identical file is still replaced by a regular file of our own. */
    char target[2048];
    disp_t_join(target, sizeof target, t_sim_root(), "special-target.so");
    assert_int_equal(t_write_file(target, bytes, 4096), 0);
    assert_int_equal(unlink(final), 0);
    assert_int_equal(symlink(target, final), 0);
    disp_replace_and_check(&req, dir, final, bytes, 4096);
    assert_true(disp_t_file_equals(target, bytes, 4096));
    assert_int_equal(unlink(target), 0);
    free(bytes);
}

static void test_fingerprint_mismatch_is_refused(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("mismatch", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(4096, 1);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 4096, 0);
    uint64_t real = req.dargs.expected_fingerprint;
    /* The host expected other bytes than arrived; the name is the one it expected. */
    req.dargs.expected_fingerprint = real ^ 1;
    char name[128];
    disp_t_name(name, sizeof name, "akl_inner_", real ^ 1, 0);
    disp_t_set_name(&req, name);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_FINGERPRINT, 0);
    assert_int_equal(req.ack.fingerprint, real);
    assert_int_equal(disp_t_count_entries(dir), 0);
    free(bytes);
}

/* A payload of several compare/write chunks (DISPATCHER_CHUNK, 1 MB) with one byte changed after
 * the host computed its fingerprint, in the last chunk: the dispatcher hashes the bytes in the pass
 * that writes or compares them, so it finds the mismatch only at the end of that pass, and must
 * still publish nothing: no file and no temporary under an absent name, a different file left as
 * it was, and a file equal to the changed bytes not reported identical. */
static void test_corruption_found_mid_stream_publishes_nothing(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("midstream", dir, sizeof dir);
    const size_t len = (4u << 20) + 4093;
    unsigned char *bytes = disp_t_pattern(len, 21);
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, 0);
    disp_final_path(final, sizeof final, dir, &req);
    bytes[len - 1000] ^= 0x01;
    uint64_t changed = disp_t_fingerprint(bytes, len);
    assert_true(changed != req.dargs.expected_fingerprint);

    /* Absent: written to a temporary while hashed, refused before the rename. */
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_FINGERPRINT, 0);
    assert_int_equal(req.ack.fingerprint, changed);
    assert_int_equal(req.ack.bytes, 0);
    assert_int_equal(disp_t_count_entries(dir), 0);

    /* Other bytes of the same size under the name: compared, then written and refused. */
    unsigned char *old = disp_t_pattern(len, 22);
    assert_int_equal(t_write_file(final, old, len), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_FINGERPRINT, 0);
    assert_int_equal(req.ack.fingerprint, changed);
    assert_true(disp_t_file_equals(final, old, len));
    assert_int_equal(disp_t_count_entries(dir), 1);

    /* The changed bytes themselves under the name: equal to what arrived, not to what was sent. */
    assert_int_equal(t_write_file(final, bytes, len), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_FINGERPRINT, 0);
    assert_int_equal(req.ack.fingerprint, changed);
    assert_true(disp_t_file_equals(final, bytes, len));
    assert_int_equal(disp_t_count_entries(dir), 1);
    free(old);
    free(bytes);
}

/* "Identical" is decided by comparing every byte, never by the hash that the same pass computes: a
 * file of the right size differing only in its last byte (in the compare's last chunk), or in a
 * middle chunk, is replaced; the hash the compare advanced is finished by the write. */
static void test_identical_needs_every_byte_equal(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("everybyte", dir, sizeof dir);
    const size_t len = (3u << 20) + 77;
    unsigned char *bytes = disp_t_pattern(len, 23);
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, 0);
    disp_final_path(final, sizeof final, dir, &req);
    unsigned char *wrong = malloc(len);
    assert_non_null(wrong);
    const size_t at[] = {len - 1, len / 2, 0};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        memcpy(wrong, bytes, len);
        wrong[at[i]] ^= 0x80;
        assert_int_equal(t_write_file(final, wrong, len), 0);
        int rc = disp_t_run(&disp_lib, &req);
        disp_assert_success(&req, rc, AKL_ACK_REPLACED, final);
        assert_true(disp_t_file_equals(final, bytes, len));
    }
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_IDENTICAL, final);
    free(wrong);
    free(bytes);
}

/* Runs req with target_name set to name (or the raw field when raw is non-NULL) and expects a
 * NAME failure that touched nothing. */
static void disp_expect_bad_name(disp_t_request_t *req, const char *dir, const char *name,
                                 const char *raw)
{
    if (raw != NULL)
        memcpy(req->dargs.target_name, raw, sizeof req->dargs.target_name);
    else
        disp_t_set_name(req, name);
    int rc = disp_t_run(&disp_lib, req);
    if (req->ack.status != AKL_ACK_FAILED || req->ack.stage != AKL_STAGE_NAME)
        fail_msg("name \"%.104s\" was not refused: status %d stage %u (%s)", req->dargs.target_name,
                 req->ack.status, req->ack.stage, req->ack.detail);
    disp_assert_failure(req, rc, AKL_STAGE_NAME, 0);
    assert_int_equal(disp_t_count_entries(dir), 0);
}

static void test_name_rules(void **state)
{
    (void)state;
    char dir[1024], name[256], suffix[64];
    disp_t_use_dir("names", dir, sizeof dir);
    const uint64_t device = 3;
    unsigned char *bytes = disp_t_pattern(1000, 2);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 1000, device);
    uint64_t fp = req.dargs.expected_fingerprint;
    disp_t_name(suffix, sizeof suffix, "", fp, device);

    snprintf(name, sizeof name, "akl/inner_%s", suffix);
    disp_expect_bad_name(&req, dir, name, NULL);
    snprintf(name, sizeof name, "akl inner_%s", suffix);
    disp_expect_bad_name(&req, dir, name, NULL);
    snprintf(name, sizeof name, "akl\xc3\xa9_%s", suffix);
    disp_expect_bad_name(&req, dir, name, NULL);
    disp_expect_bad_name(&req, dir, "akl_inner_3.so", NULL); /* no fingerprint */
    disp_t_name(name, sizeof name, "akl_inner_", fp ^ 0x10, device);
    disp_expect_bad_name(&req, dir, name, NULL); /* another fingerprint */
    snprintf(name, sizeof name, "akl_inner_%016llX_%llu.so", (unsigned long long)fp,
             (unsigned long long)device);
    if (strcmp(name + 10, suffix) != 0) /* only when the fingerprint has a letter in it */
        disp_expect_bad_name(&req, dir, name, NULL);
    disp_t_name(name, sizeof name, "akl_inner_", fp, device + 1);
    disp_expect_bad_name(&req, dir, name, NULL); /* another device */
    disp_t_name(name, sizeof name, "akl_inner_", fp, device);
    strcat(name, ".bak");
    disp_expect_bad_name(&req, dir, name, NULL); /* fingerprint not at the end */
    disp_expect_bad_name(&req, dir, "..", NULL);
    disp_expect_bad_name(&req, dir, ".", NULL);
    disp_expect_bad_name(&req, dir, "", NULL);
    char raw[sizeof req.dargs.target_name];
    memset(raw, 'a', sizeof raw);
    disp_expect_bad_name(&req, dir, NULL, raw); /* no NUL inside the field */

    /* 101 characters is one too many; 100 is accepted. */
    size_t pad = AKL_SO_NAME_MAX + 1 - strlen(suffix);
    memset(name, 'p', pad);
    snprintf(name + pad, sizeof name - pad, "%s", suffix);
    assert_int_equal(strlen(name), AKL_SO_NAME_MAX + 1);
    disp_expect_bad_name(&req, dir, name, NULL);
    disp_t_set_name(&req, name + 1);
    assert_int_equal(strlen(req.dargs.target_name), AKL_SO_NAME_MAX);
    int rc = disp_t_run(&disp_lib, &req);
    char final[2048];
    disp_t_join(final, sizeof final, dir, name + 1);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);

    /* Any prefix of the charset, including none. */
    disp_t_set_name(&req, suffix);
    disp_t_join(final, sizeof final, dir, suffix);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
    free(bytes);
}

static void disp_expect_bad_args(disp_t_request_t *req)
{
    int rc = disp_t_run(&disp_lib, req);
    disp_assert_failure(req, rc, AKL_STAGE_ARGS, 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("args", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(512, 3);
    disp_t_request_t req;

    /* Nothing to report into: a non-zero result and no crash. */
    assert_int_equal(disp_lib.init(NULL), DISP_T_RC(AKL_STAGE_ARGS));
    disp_t_request(&req, bytes, 512, 0);
    req.kargs.cfgdata = 0;
    assert_int_equal(disp_t_run(&disp_lib, &req), DISP_T_RC(AKL_STAGE_ARGS));
    assert_int_equal(req.ack.magic, 0);
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.ack_addr = 0;
    assert_int_equal(disp_t_run(&disp_lib, &req), DISP_T_RC(AKL_STAGE_ARGS));
    assert_int_equal(req.ack.magic, 0);

    /* Not akl's magic: ack_addr is not even read, so nothing is reported into it. (akl's magic
     * with another version is answered in the record: test_other_protocol_version_...) */
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.magic = AKL_ACK_MAGIC;
    assert_int_equal(disp_t_run(&disp_lib, &req), DISP_T_RC(AKL_STAGE_ARGS));
    assert_int_equal(req.ack.magic, 0);
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.version = AKL_BOOT_VERSION + 1;
    disp_expect_bad_args(&req);
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.flags = 2; /* a bit this version does not know (1 is AKL_BOOT_FLAG_PROBE) */
    disp_expect_bad_args(&req);
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.inner_so_bin = 0;
    disp_expect_bad_args(&req);
    disp_t_request(&req, bytes, 512, 0);
    req.dargs.inner_so_len = 0;
    disp_expect_bad_args(&req);
    assert_int_equal(disp_t_count_entries(dir), 0);
    free(bytes);
}

/* Another client's DeviceArgs: its own 160 bytes, and then (offset 160, where akl's ack_addr
 * would be) a pointer into memory that is not an acknowledgement record. */
typedef struct disp_foreign_args {
    uint8_t device_args[160];
    uint64_t next_word;
} disp_foreign_args_t;

#define DISP_CANARY_BYTE 0xa5

static void disp_expect_canary_survives(disp_foreign_args_t *foreign, const uint8_t *canary,
                                        size_t len)
{
    akl_device_kernel_args_t kargs = {.cfgdata = (uint64_t)(uintptr_t)foreign};
    assert_int_equal(disp_lib.init(&kargs), DISP_T_RC(AKL_STAGE_ARGS));
    for (size_t i = 0; i < len; i++)
        if (canary[i] != DISP_CANARY_BYTE)
            fail_msg("byte %zu of the memory behind the foreign ack_addr changed to 0x%02x", i,
                     canary[i]);
}

static void test_foreign_device_args_write_nothing(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("foreign", dir, sizeof dir);
    uint8_t canary[2 * sizeof(akl_bootstrap_ack_t)];
    memset(canary, DISP_CANARY_BYTE, sizeof canary);
    disp_foreign_args_t foreign;
    /* A PyPTO-style DeviceArgs: fields everywhere, nothing at 136 that says AKLBOOT1. */
    for (size_t i = 0; i < sizeof foreign.device_args; i++)
        foreign.device_args[i] = (uint8_t)(i * 7 + 1);
    foreign.next_word = (uint64_t)(uintptr_t)canary;
    disp_expect_canary_survives(&foreign, canary, sizeof canary);
    /* akl's magic with another version is akl's own DeviceArgs of another protocol version, whose
     * ack_addr stays at 160 in every version: answered in its record
     * (test_other_protocol_version_is_answered_with_ours). */
    assert_int_equal(disp_t_count_entries(dir), 0);
}

/* Publishes a first SO into dir, so failing publishes can be shown not to touch it. */
static void disp_publish_bystander(const char *dir, unsigned char **bytes, char *final, size_t cap)
{
    *bytes = disp_t_pattern(3000, 4);
    disp_t_request_t req;
    disp_t_request(&req, *bytes, 3000, 0);
    disp_t_join(final, cap, dir, req.dargs.target_name);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
}

static void test_unusable_directories_fail_with_errno_and_path(void **state)
{
    (void)state;
    char dir[1024], bad[2048];
    disp_t_use_dir("dirs", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(2000, 5);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 2000, 0);

    disp_t_join(bad, sizeof bad, dir, "missing");
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", bad, 1), 0);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, ENOENT);
    assert_string_equal(req.ack.path, bad);
    assert_false(t_file_exists(bad));

    char file[2048];
    disp_t_join(file, sizeof file, dir, "a-file");
    assert_int_equal(t_write_file(file, "x", 1), 0);
    disp_t_join(bad, sizeof bad, file, "sub");
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", bad, 1), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, ENOTDIR);
    assert_string_equal(req.ack.path, bad);
    assert_true(disp_t_file_equals(file, "x", 1));

    /* A directory path that with the name exceeds PATH_MAX. */
    char *deep = malloc(5000);
    assert_non_null(deep);
    memset(deep, 'd', 4000);
    deep[0] = '/';
    deep[4000] = '\0';
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", deep, 1), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, ENAMETOOLONG);
    /* One of PATH_MAX bytes or more: CANN's SO manager refuses it at start (MultiSoManager::Init),
     * so the lookup would find nothing there. */
    memset(deep, 'd', 4999);
    deep[0] = '/';
    deep[4999] = '\0';
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", deep, 1), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, EINVAL);
    free(deep);
    free(bytes);
}

static void test_target_that_is_a_directory_fails_at_rename(void **state)
{
    (void)state;
    char dir[1024], final[2048], bystander[2048];
    disp_t_use_dir("isdir", dir, sizeof dir);
    unsigned char *other = NULL;
    disp_publish_bystander(dir, &other, bystander, sizeof bystander);

    unsigned char *bytes = disp_t_pattern(2000, 6);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 2000, 0);
    disp_final_path(final, sizeof final, dir, &req);
    assert_int_equal(mkdir(final, 0755), 0);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_RENAME, EISDIR);
    assert_string_equal(req.ack.path, final);
    struct stat st;
    assert_int_equal(lstat(final, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_true(disp_t_file_equals(bystander, other, 3000));
    assert_int_equal(disp_t_count_temps(dir), 0);
    assert_int_equal(disp_t_count_entries(dir), 2);
    free(bytes);
    free(other);
}

static void test_failed_write_leaves_no_trace(void **state)
{
    (void)state;
    char dir[1024], final[2048], bystander[2048];
    disp_t_use_dir("efbig", dir, sizeof dir);
    unsigned char *other = NULL;
    disp_publish_bystander(dir, &other, bystander, sizeof bystander);

    /* RLIMIT_FSIZE makes write fail with EFBIG even for root, once SIGXFSZ is ignored. */
    const size_t limit = 65536, len = 4 * limit;
    unsigned char *bytes = disp_t_pattern(len, 7);
    disp_t_request_t req;
    disp_t_request(&req, bytes, len, 0);
    disp_final_path(final, sizeof final, dir, &req);
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = limit;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = disp_t_run(&disp_lib, &req);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    disp_assert_failure(&req, rc, AKL_STAGE_WRITE, EFBIG);
    assert_int_equal(req.ack.bytes, limit);
    /* The temporary: a named one, or an unnamed one (O_TMPFILE) by the name it was to have. */
    assert_true(strstr(req.ack.path, ".tmp.") != NULL || strcmp(req.ack.path, final) == 0);
    assert_non_null(strstr(req.ack.path, req.dargs.target_name));
    assert_false(t_file_exists(final));
    assert_int_equal(disp_t_count_temps(dir), 0);
    assert_true(disp_t_file_equals(bystander, other, 3000));

    /* With the limit lifted the same request succeeds. */
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
    free(bytes);
    free(other);
}

static pid_t disp_dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return pid;
}

static void disp_make_temp(const char *dir, const char *entry, time_t age_s)
{
    char path[2048];
    disp_t_join(path, sizeof path, dir, entry);
    assert_int_equal(t_write_file(path, "partial", 7), 0);
    if (age_s > 0)
        assert_int_equal(t_set_age(path, age_s), 0);
}

static bool disp_entry_exists(const char *dir, const char *entry)
{
    char path[2048];
    disp_t_join(path, sizeof path, dir, entry);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void test_stale_temporaries_are_cleaned(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("stale", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(5000, 8);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 5000, 0);
    const char *name = req.dargs.target_name;
    int dead = (int)disp_dead_pid(), self = (int)getpid();

    enum { DISP_N = 9 };
    struct {
        char entry[256];
        bool stale;
    } temps[DISP_N];
    snprintf(temps[0].entry, 256, ".%s.tmp.%d.%d.0123456789abcdef", name, dead, dead);
    temps[0].stale = true; /* writer gone */
    snprintf(temps[1].entry, 256, ".%s.tmp.%d.1.00000000000000aa", name, self);
    temps[1].stale = true; /* writer alive but the file is 11 minutes old */
    snprintf(temps[2].entry, 256, ".%s.tmp.%d.%d.fedcba9876543210", name, self, self);
    temps[2].stale = false; /* a live writer's, fresh */
    snprintf(temps[3].entry, 256, ".%s.tmp.garbage", name);
    snprintf(temps[4].entry, 256, ".%s.tmp.%d.1.XYZ", name, dead);
    snprintf(temps[5].entry, 256, ".%s.tmp.0.1.0123456789abcdef", name);
    snprintf(temps[6].entry, 256, ".%s.tmp.%d.1.0123456789abcdef.so", name, dead);
    snprintf(temps[7].entry, 256, ".other%s.tmp.%d.1.0123456789abcdef", name, dead);
    snprintf(temps[8].entry, 256, "%s.tmp.%d.1.0123456789abcdef", name, dead);
    for (int i = 3; i < DISP_N; i++)
        temps[i].stale = false; /* not a temporary of this name: never ours to remove */
    for (int i = 0; i < DISP_N; i++)
        disp_make_temp(dir, temps[i].entry, i == 1 || i >= 3 ? 11 * 60 : 0);

    char final[2048];
    disp_t_join(final, sizeof final, dir, name);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
    assert_int_equal(req.ack.temps_removed, 2);
    for (int i = 0; i < DISP_N; i++)
        if (disp_entry_exists(dir, temps[i].entry) == temps[i].stale)
            fail_msg("%s: expected %s", temps[i].entry, temps[i].stale ? "removed" : "kept");

    rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_IDENTICAL, final);
    assert_int_equal(req.ack.temps_removed, 0);
    free(bytes);
}

/* The sweep is O(files in the directory), so it runs once per directory per process (issue 14):
 * a stale temporary that appears after the first publish there is left for the next process. */
static void test_stale_temporaries_are_swept_once_per_directory(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("swept-once", dir, sizeof dir);
    unsigned char *first = disp_t_pattern(3000, 21), *second = disp_t_pattern(3000, 22);
    disp_t_request_t req;
    disp_t_request(&req, first, 3000, 0);
    int rc = disp_t_run(&disp_lib, &req);
    assert_int_equal(rc, 0);
    assert_int_equal(req.ack.status, AKL_ACK_WROTE);
    disp_t_request(&req, second, 3000, 0);
    char entry[256];
    snprintf(entry, sizeof entry, ".%s.tmp.%d.%d.0123456789abcdef", req.dargs.target_name,
             (int)disp_dead_pid(), 7);
    disp_make_temp(dir, entry, 0);
    rc = disp_t_run(&disp_lib, &req);
    assert_int_equal(rc, 0);
    assert_int_equal(req.ack.status, AKL_ACK_WROTE);
    assert_int_equal(req.ack.temps_removed, 0);
    assert_true(disp_entry_exists(dir, entry));
    free(first);
    free(second);
}

typedef struct disp_herd_publish {
    disp_t_request_t req;
    int rc;
    _Atomic long tid;
} disp_herd_publish_t;

static void *disp_herd_run(void *arg)
{
    disp_herd_publish_t *p = arg;
    atomic_store(&p->tid, (long)syscall(SYS_gettid));
    p->rc = disp_t_run(&disp_lib, &p->req);
    return NULL;
}

/* True when thread tid of this process is inside a sleep system call (/proc/.../syscall). */
static bool disp_thread_sleeping(long tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    long nr = -1;
    bool read = fscanf(f, "%ld", &nr) == 1;
    fclose(f);
    return read && (nr == SYS_nanosleep || nr == SYS_clock_nanosleep);
}

/* One writer per name under a herd (issue 14): while another writer holds the directory's lock, a
 * publish of the same bytes waits for it, then finds the file that writer published and answers
 * IDENTICAL without writing. The test plays the other writer: it holds the lock, and publishes the
 * file (by rename, as a writer does) only once the dispatcher thread is seen waiting in flock. */
static void test_a_herd_writes_once(void **state)
{
    (void)state;
    char dir[1024], final[2048], temp[2048];
    disp_t_use_dir("herd", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(70000, 23);
    disp_herd_publish_t p;
    disp_t_request(&p.req, bytes, 70000, 0);
    disp_t_join(final, sizeof final, dir, p.req.dargs.target_name);
    disp_t_join(temp, sizeof temp, dir, ".herd-writer");
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dirfd >= 0);
    assert_int_equal(flock(dirfd, LOCK_EX), 0);
    atomic_init(&p.tid, 0);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, disp_herd_run, &p), 0);
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, 70000), 70000);
    close(fd);
    /* Wait (deadline 20 s) until the publisher has compared (absent) and sleeps between attempts
     * at the lock; without the lock it would write at once and never sleep. */
    uint64_t deadline = t_now_ns() + 20000000000ull;
    bool seen_waiting = false; /* observed once: the thread wakes every 1 ms to retry */
    while (!seen_waiting && t_now_ns() < deadline) {
        seen_waiting = atomic_load(&p.tid) != 0 && disp_thread_sleeping(atomic_load(&p.tid));
        if (!seen_waiting)
            sched_yield();
    }
    assert_true(seen_waiting);
    assert_int_equal(p.req.ack.status, 0);
    assert_int_equal(rename(temp, final), 0);
    assert_int_equal(flock(dirfd, LOCK_UN), 0);
    pthread_join(thread, NULL);
    close(dirfd);
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.req.ack.status, AKL_ACK_IDENTICAL);
    assert_int_equal(disp_t_count_temps(dir), 0);
    free(bytes);
}

/* A child that has exited but is not reaped: kill(pid, 0) still succeeds on it. Returns its pid
 * once it is a zombie (waitid with WNOWAIT waits for that without reaping it). */
static pid_t disp_zombie_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
    assert_int_equal(kill(pid, 0), 0);
    return pid;
}

static void test_stale_temporaries_of_other_names_and_zombies_are_cleaned(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("stale-prefix", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(6000, 13);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 6000, 0);
    int dead = (int)disp_dead_pid(), zombie = (int)disp_zombie_pid(), self = (int)getpid();

    enum { DISP_N = 7 };
    struct {
        char entry[256];
        bool stale;
    } temps[DISP_N] = {
        /* Earlier edits' names (every edit is a new name), writer gone: removed. */
        {".akl_inner_0123456789abcdef_0.so.tmp.%d.%d.0123456789abcdef", true},
        {".akl_inner_fedcba9876543210_7.so.tmp.%d.1.00000000000000aa", true},
        /* This name, written by a zombie (fresh file): its writer will never rename it. */
        {".%s.tmp.%d.1.0000000000000001", true},
        /* Another name of the prefix, a live writer's (this process), fresh: kept. */
        {".akl_inner_1111111111111111_0.so.tmp.%d.1.0000000000000002", false},
        /* Another prefix, or not a published name, writer gone: never ours to remove. */
        {".other_0123456789abcdef_0.so.tmp.%d.1.0123456789abcdef", false},
        {".akl_inner_0123456789ABCDEF_0.so.tmp.%d.1.0123456789abcdef", false},
        {".akl_inner_0123456789abcdef_0.so.tmp.%d.1.0123456789abcdef.so", false},
    };
    char entry[256];
    snprintf(entry, sizeof entry, temps[0].entry, dead, dead);
    strcpy(temps[0].entry, entry);
    snprintf(entry, sizeof entry, temps[1].entry, dead);
    strcpy(temps[1].entry, entry);
    snprintf(entry, sizeof entry, temps[2].entry, req.dargs.target_name, zombie);
    strcpy(temps[2].entry, entry);
    snprintf(entry, sizeof entry, temps[3].entry, self);
    strcpy(temps[3].entry, entry);
    for (int i = 4; i < DISP_N; i++) {
        snprintf(entry, sizeof entry, temps[i].entry, dead);
        strcpy(temps[i].entry, entry);
    }
    for (int i = 0; i < DISP_N; i++)
        disp_make_temp(dir, temps[i].entry, 0);

    disp_final_path(final, sizeof final, dir, &req);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
    for (int i = 0; i < DISP_N; i++)
        if (disp_entry_exists(dir, temps[i].entry) == temps[i].stale)
            fail_msg("%s: expected %s", temps[i].entry, temps[i].stale ? "removed" : "kept");
    assert_int_equal(req.ack.temps_removed, 3);
    int status;
    assert_int_equal(waitpid(zombie, &status, 0), zombie);
    free(bytes);
}

static void test_fingerprint_matches_host_at_every_length(void **state)
{
    (void)state;
    char dir[1024], final[2048];
    disp_t_use_dir("lengths", dir, sizeof dir);
    /* Around each of XXH3's internal size classes and stripe/block (1 KB) boundaries, and around
     * the dispatcher's compare/write chunks (1 MB), across which its hash is resumed. */
    static const size_t lengths[] = {1,       3,       4,       8,       9,      16,      17,
                                     128,     129,     240,     241,     256,    1024,    1025,
                                     1088,    2048,    2049,    4096,    65536,  1000003, 1048575,
                                     1048576, 1048577, 1049601, 2097153, 1 << 21};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        unsigned char *bytes = disp_t_pattern(lengths[i], (uint32_t)i + 100);
        disp_t_request_t req;
        disp_t_request(&req, bytes, lengths[i], i % 4);
        disp_final_path(final, sizeof final, dir, &req);
        int rc = disp_t_run(&disp_lib, &req);
        disp_assert_success(&req, rc, AKL_ACK_WROTE, final);
        assert_true(disp_t_file_equals(final, bytes, lengths[i]));
        rc = disp_t_run(&disp_lib, &req);
        disp_assert_success(&req, rc, AKL_ACK_IDENTICAL, final);
        free(bytes);
    }
}

/* The directory is derived as CANN's GetInnerSoPath derives where the type-2 lookup searches
 * (docs/protocol.md section 8): thread mode takes $ASCEND_AICPU_KERNEL_PATH (refusing an empty
 * one, as the scheduler's SO manager does), else $HOME/aicpu_kernels/<vf>/aicpu_kernels_device/;
 * process mode ignores the variable and takes /usr/lib64/aicpu_kernels/<vf>/aicpu_kernels_device/.
 * A vf id of 7 keeps the process-mode case away from any real preinstall directory. */
static void test_directory_derived_as_the_type2_lookup_does(void **state)
{
    (void)state;
    char dir[1024], home[1024], expected[2048];
    disp_t_use_dir("derive", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(100, 9);
    disp_t_request_t req;
    disp_t_request(&req, bytes, 100, 0);

    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", "", 1), 0);
    int rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, EINVAL);
    assert_non_null(strstr(req.ack.detail, "ASCEND_AICPU_KERNEL_PATH"));

    assert_int_equal(unsetenv("ASCEND_AICPU_KERNEL_PATH"), 0);
    disp_t_join(home, sizeof home, t_sim_root(), "derive-home");
    assert_int_equal(setenv("HOME", home, 1), 0);
    t_sched_vf_id = 3;
    snprintf(expected, sizeof expected, "%s/aicpu_kernels/3/aicpu_kernels_device/", home);
    assert_int_equal(t_make_dirs(expected), 0);
    char final[4096];
    snprintf(final, sizeof final, "%s%s", expected, req.dargs.target_name);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_success(&req, rc, AKL_ACK_WROTE, final);

    t_sched_run_mode = T_SCHED_PROCESS_MODE;
    t_sched_vf_id = 7;
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", dir, 1), 0);
    rc = disp_t_run(&disp_lib, &req);
    if (req.ack.status == AKL_ACK_FAILED)
        disp_assert_failure(&req, rc, AKL_STAGE_DIR, ENOENT);
    assert_string_equal(req.ack.path, "/usr/lib64/aicpu_kernels/7/aicpu_kernels_device/");
    assert_int_equal(disp_t_count_entries(dir), 0);

    t_sched_run_mode = T_SCHED_THREAD_MODE;
    t_sched_vf_id = 0;
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", dir, 1), 0);
    free(bytes);
}

/* AKL_BOOT_FLAG_PROBE: a writable directory answers PROBED and keeps nothing; an absent one fails
 * at DIR; no runtime SO is needed. */
static void test_probe_checks_the_directory_and_publishes_nothing(void **state)
{
    (void)state;
    char dir[1024], missing[2048];
    disp_t_use_dir("probe", dir, sizeof dir);
    disp_t_request_t req;
    disp_t_request(&req, "x", 1, 0);
    req.dargs.flags = AKL_BOOT_FLAG_PROBE;
    req.dargs.inner_so_bin = 0;
    req.dargs.inner_so_len = 0;
    disp_t_set_name(&req, "akl_probe");
    int rc = disp_t_run(&disp_lib, &req);
    if (rc != 0 || req.ack.status != AKL_ACK_PROBED)
        fail_msg("probe: rc %d status %d stage %u errno %d at %s: %s", rc, req.ack.status,
                 req.ack.stage, req.ack.err, req.ack.path, req.ack.detail);
    assert_string_equal(req.ack.path, dir);
    assert_int_equal(disp_t_count_entries(dir), 0);

    disp_t_join(missing, sizeof missing, dir, "missing");
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", missing, 1), 0);
    rc = disp_t_run(&disp_lib, &req);
    disp_assert_failure(&req, rc, AKL_STAGE_DIR, ENOENT);
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", dir, 1), 0);
}

/* An older or newer host (akl's magic, another version) gets a record carrying this dispatcher's
 * version, so it can say which versions met; nothing is published. */
static void test_other_protocol_version_is_answered_with_ours(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("version", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(300, 12);
    const uint32_t others[] = {1, AKL_BOOT_VERSION + 1};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        disp_t_request_t req;
        disp_t_request(&req, bytes, 300, 0);
        req.dargs.version = others[i];
        int rc = disp_t_run(&disp_lib, &req);
        disp_assert_failure(&req, rc, AKL_STAGE_ARGS, 0);
        assert_int_equal(req.ack.version, AKL_BOOT_VERSION);
        assert_non_null(strstr(req.ack.detail, "version"));
    }
    assert_int_equal(disp_t_count_entries(dir), 0);
    free(bytes);
}

static void test_other_entry_points_return_zero(void **state)
{
    (void)state;
    uint64_t args[8] = {0};
    assert_int_equal(disp_lib.dyn(args), 0);
    assert_int_equal(disp_lib.dyn(NULL), 0);
    assert_int_equal(disp_lib.static_fn(args), 0);
    assert_int_equal(disp_lib.static_fn(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrote_then_identical_without_rewrite),
        cmocka_unit_test(test_wrong_bytes_under_the_name_are_replaced),
        cmocka_unit_test(test_special_files_under_the_name_are_replaced),
        cmocka_unit_test(test_fingerprint_mismatch_is_refused),
        cmocka_unit_test(test_corruption_found_mid_stream_publishes_nothing),
        cmocka_unit_test(test_identical_needs_every_byte_equal),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_foreign_device_args_write_nothing),
        cmocka_unit_test(test_unusable_directories_fail_with_errno_and_path),
        cmocka_unit_test(test_target_that_is_a_directory_fails_at_rename),
        cmocka_unit_test(test_failed_write_leaves_no_trace),
        cmocka_unit_test(test_stale_temporaries_are_cleaned),
        cmocka_unit_test(test_stale_temporaries_are_swept_once_per_directory),
        cmocka_unit_test(test_a_herd_writes_once),
        cmocka_unit_test(test_stale_temporaries_of_other_names_and_zombies_are_cleaned),
        cmocka_unit_test(test_fingerprint_matches_host_at_every_length),
        cmocka_unit_test(test_directory_derived_as_the_type2_lookup_does),
        cmocka_unit_test(test_probe_checks_the_directory_and_publishes_nothing),
        cmocka_unit_test(test_other_protocol_version_is_answered_with_ours),
        cmocka_unit_test(test_other_entry_points_return_zero),
    };
    return t_run_group_tests_name("dispatcher", tests, disp_t_group_setup, disp_t_group_teardown);
}
