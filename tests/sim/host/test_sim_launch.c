/* Simulator core, launches: blocks and their ids, the args copy, name offsets, host-input
 * fix-ups, caller-owned device args, large blobs, stream order and concurrency, synchronize
 * timeouts, the launch's argument checks, how kernel and lookup failures reach the host (507018
 * with the device errcode and names, reported once), and KERNEL_TYPE_AICPU_CUSTOM kernels from
 * the per-process custom-kernel directory. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_paths.h"
#include "test_sim_util.h"
#include "test_support.h"

static int teardown(void **state)
{
    (void)state;
    aclFinalize();
    return 0;
}

static void launch_record(simk_record_t *out, uint32_t *counter, uint32_t tag, uint32_t blocks,
                          aclrtStream stream)
{
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), tag, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, blocks, stream, 0), ACL_SUCCESS);
}

static void test_eight_blocks_same_args_block_ids(void **state)
{
    (void)state;
    simk_record_t *out = simt_dev_zalloc(8 * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    launch_record(out, counter, 77, 8, NULL);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    simk_record_t rec[8];
    simt_read(rec, out, sizeof rec);
    assert_int_equal(simt_read_u32(counter), 8);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(rec[i].calls, 1);
        assert_int_equal(rec[i].block_idx, i);
        assert_int_equal(rec[i].block_num, 8);
        assert_int_equal(rec[i].tag, 77);
        assert_true(rec[i].args_addr != 0);
        assert_int_equal(rec[i].args_addr, rec[0].args_addr);
    }
}

static uint32_t *wait_flag_launch(aclrtStream stream)
{
    uint32_t *flag = simt_dev_zalloc(4);
    simk_wait_args_t w = {simt_addr(flag), 30000, 0};
    simt_blob_t b;
    simt_blob_init(&b, &w, sizeof w, "simk_wait_flag", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, stream, 0), ACL_SUCCESS);
    return flag;
}

static void release_flag(uint32_t *flag)
{
    uint32_t one = 1;
    simt_write(flag, &one, sizeof one);
}

static void test_args_copied_at_launch(void **state)
{
    (void)state;
    enum { N = 64 };
    simk_record_t *out = simt_dev_zalloc(N * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    /* Hold the stream so that no task runs before the buffer has been overwritten. */
    uint32_t *flag = wait_flag_launch(NULL);
    simk_record_args_t a = {0, simt_addr(counter), 0, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    for (uint32_t i = 0; i < N; i++) {
        simk_record_args_t *live = (simk_record_args_t *)b.buf;
        live->out = simt_addr(out + i);
        live->tag = 1000 + i;
        assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
        live->tag = 0xDEAD;
        live->out = 0;
    }
    memset(b.buf, 0xFF, sizeof a);
    release_flag(flag);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    simk_record_t rec[N];
    simt_read(rec, out, sizeof rec);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(rec[i].tag, 1000 + i);
    assert_int_equal(simt_read_u32(counter), N);
}

static void expect_launch_error(simt_blob_t *b, uint32_t type, uint32_t blocks, aclError code,
                                const char *needle)
{
    assert_int_equal(simt_launch(type, b, blocks, NULL, 0), code);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), needle, NULL));
}

static void test_launch_argument_checks(void **state)
{
    (void)state;
    simk_return_args_t ra = {0, 0xFFFFFFFFU};
    simt_blob_t b;
    simt_blob_init(&b, &ra, sizeof ra, "simk_return", SIMK_SO);
    const uint32_t bad_types[] = {0, 3, 6, 10, 99};
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++)
        expect_launch_error(&b, bad_types[i], 1, ACL_ERROR_RT_PARAM_INVALID, "kernel type");
    /* FWK is accepted by CANN but has no engine in the simulator; AICPU_CUSTOM runs (see
     * test_custom_kernel_type). */
    expect_launch_error(&b, KERNEL_TYPE_FWK, 1, ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                        "KERNEL_TYPE_FWK");
    expect_launch_error(&b, KERNEL_TYPE_AICPU, 0, ACL_ERROR_RT_PARAM_INVALID, "numBlocks");
    expect_launch_error(&b, KERNEL_TYPE_AICPU, 0x10000, ACL_ERROR_RT_PARAM_INVALID, "numBlocks");
    assert_int_equal(
        rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU, NULL, 1, &b.info, NULL, NULL, 0),
        ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU, "op", 1, NULL, NULL, NULL, 0),
                     ACL_ERROR_RT_PARAM_INVALID);
    simt_blob_t c = b;
    c.info.args = c.buf;
    c.info.argsSize = 0;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "argsSize");
    c = b;
    c.info.args = NULL;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "args");

    /* Name offsets: outside the blob, or not NUL-terminated inside it. */
    c = b;
    c.info.args = c.buf;
    c.info.kernelNameAddrOffset = c.info.argsSize;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID,
                        "kernelNameAddrOffset");
    c = b;
    c.info.args = c.buf;
    c.info.soNameAddrOffset = c.info.argsSize + 5;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "soNameAddrOffset");
    c = b;
    c.info.args = c.buf;
    c.info.argsSize -= 1; /* cuts the SO name's NUL */
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "NUL-terminated");

    /* Fix-up lists outside the blob. */
    rtHostInputInfo_t fix = {b.info.argsSize - 7, 0};
    c = b;
    c.info.args = c.buf;
    c.info.hostInputInfoPtr = &fix;
    c.info.hostInputInfoNum = 1;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "hostInputInfoPtr");
    rtHostInputInfo_t fix2 = {0, b.info.argsSize};
    c.info.hostInputInfoPtr = NULL;
    c.info.hostInputInfoNum = 0;
    c.info.kernelOffsetInfoPtr = &fix2;
    c.info.kernelOffsetInfoNum = 1;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID,
                        "kernelOffsetInfoPtr");
    c.info.kernelOffsetInfoPtr = NULL;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "is NULL");

    /* isNoNeedH2DCopy with a host address. */
    c = b;
    c.info.args = c.buf;
    c.info.isNoNeedH2DCopy = true;
    expect_launch_error(&c, KERNEL_TYPE_AICPU, 1, ACL_ERROR_RT_PARAM_INVALID, "isNoNeedH2DCopy");

    /* Streams: a stale handle, and a stream of another device. */
    int junk;
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, &junk, 0), ACL_ERROR_RT_PARAM_INVALID);
    aclrtStream other;
    assert_int_equal(aclrtSetDevice(1), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(&other), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, other, 0), ACL_ERROR_RT_STREAM_CONTEXT);
    assert_int_equal(aclrtDestroyStream(other), ACL_SUCCESS);

    /* None of the refused launches ran anything. */
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
}

static void test_host_input_fixups(void **state)
{
    (void)state;
    uint64_t *out = simt_dev_zalloc(4 * sizeof(uint64_t));
    simk_fixup_args_t a = {simt_addr(out), 0, 0, 0x5EED5EEDU, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_fixup", SIMK_SO);
    rtHostInputInfo_t host_fix = {offsetof(simk_fixup_args_t, p1),
                                  offsetof(simk_fixup_args_t, marker)};
    rtHostInputInfo_t kernel_fix = {offsetof(simk_fixup_args_t, p2), b.info.kernelNameAddrOffset};
    b.info.hostInputInfoPtr = &host_fix;
    b.info.hostInputInfoNum = 1;
    b.info.kernelOffsetInfoPtr = &kernel_fix;
    b.info.kernelOffsetInfoNum = 1;
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    uint64_t got[4];
    simt_read(got, out, sizeof got);
    uint64_t base = got[0];
    assert_int_equal(got[1], base + offsetof(simk_fixup_args_t, marker));
    assert_int_equal(got[2], base + b.info.kernelNameAddrOffset);
    assert_int_equal(got[3], 0x5EED5EEDU); /* the fixed-up pointer is valid on the device */
    /* The fix-ups were written into the caller's buffer. */
    const simk_fixup_args_t *live = (const simk_fixup_args_t *)b.buf;
    assert_int_equal(live->p1, got[1]);
    assert_int_equal(live->p2, got[2]);
}

static void test_args_already_on_device(void **state)
{
    (void)state;
    simk_record_t *out = simt_dev_zalloc(2 * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), 5, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    void *dev_blob = simt_dev_zalloc(b.info.argsSize);
    simt_write(dev_blob, b.buf, b.info.argsSize);
    b.info.args = dev_blob;
    b.info.isNoNeedH2DCopy = true;
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 2, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    simk_record_t rec[2];
    simt_read(rec, out, sizeof rec);
    assert_int_equal(rec[0].args_addr, simt_addr(dev_blob));
    assert_int_equal(rec[1].args_addr, simt_addr(dev_blob));
    assert_int_equal(rec[1].tag, 5);
}

static void test_large_args_use_and_return_device_memory(void **state)
{
    (void)state;
    enum { DATA = 100 * 1024 };
    uint64_t *out = simt_dev_zalloc(8);
    size_t free_before, total;
    assert_int_equal(aclrtGetMemInfo(ACL_HBM_MEM, &free_before, &total), ACL_SUCCESS);
    size_t size = sizeof(simk_sum_args_t) + DATA + 64;
    simk_sum_args_t *a = calloc(1, size);
    a->out = simt_addr(out);
    a->n = DATA;
    uint64_t expect = 0;
    for (uint32_t i = 0; i < DATA; i++) {
        a->data[i] = (uint8_t)(i * 7);
        expect += a->data[i];
    }
    char *names = (char *)a->data + DATA;
    strcpy(names, "simk_sum");
    strcpy(names + 16, SIMK_SO);
    rtAicpuArgsEx_t info = {.args = a,
                            .argsSize = (uint32_t)size,
                            .kernelNameAddrOffset = (uint32_t)(names - (char *)a),
                            .soNameAddrOffset = (uint32_t)(names + 16 - (char *)a)};
    assert_int_equal(
        rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU, "sum", 1, &info, NULL, NULL, 0),
        ACL_SUCCESS);
    memset(a, 0, size);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    free(a);
    uint64_t got;
    simt_read(&got, out, sizeof got);
    assert_int_equal(got, expect);
    size_t free_after;
    assert_int_equal(aclrtGetMemInfo(ACL_HBM_MEM, &free_after, &total), ACL_SUCCESS);
    assert_int_equal(free_after, free_before);
}

static void launch_append(uint32_t *log, uint32_t *index, uint32_t value, aclrtStream stream)
{
    simk_append_args_t a = {simt_addr(log), simt_addr(index), value, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_append", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, stream, 0), ACL_SUCCESS);
}

static void test_stream_runs_tasks_in_order(void **state)
{
    (void)state;
    enum { N = 3000 }; /* more than one ring's worth of tasks */
    uint32_t *log = simt_dev_zalloc(N * 4), *index = simt_dev_zalloc(4);
    aclrtStream s;
    assert_int_equal(aclrtCreateStream(&s), ACL_SUCCESS);
    for (uint32_t i = 0; i < N; i++)
        launch_append(log, index, i, s);
    assert_int_equal(aclrtSynchronizeStream(s), ACL_SUCCESS);
    uint32_t *got = malloc(N * 4);
    simt_read(got, log, N * 4);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(got[i], i);
    free(got);
    assert_int_equal(aclrtDestroyStream(s), ACL_SUCCESS);
}

static void test_streams_run_concurrently_and_sync_timeout_cancels_nothing(void **state)
{
    (void)state;
    aclrtStream a, b;
    assert_int_equal(aclrtCreateStream(&a), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(&b), ACL_SUCCESS);
    uint32_t *log = simt_dev_zalloc(16), *index = simt_dev_zalloc(4);
    uint32_t *flag = wait_flag_launch(a);
    launch_append(log, index, 1, a); /* behind the blocked task */
    launch_append(log, index, 2, b);
    assert_int_equal(aclrtSynchronizeStream(b), ACL_SUCCESS); /* b is not held up by a */
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(a, 50), ACL_ERROR_RT_STREAM_SYNC_TIMEOUT);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "timed out", "nothing was cancelled", NULL));
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(a, 0), ACL_ERROR_RT_STREAM_SYNC_TIMEOUT);
    assert_int_equal(simt_read_u32(index), 1);
    release_flag(flag);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(a, -1), ACL_SUCCESS);
    uint32_t got[2];
    simt_read(got, log, sizeof got);
    assert_int_equal(got[0], 2);
    assert_int_equal(got[1], 1);
    assert_int_equal(aclrtDestroyStream(a), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(b), ACL_SUCCESS);
}

/* Launches simk_return(value) and checks what the synchronize reports. */
static void expect_kernel_result(uint32_t type, const char *kernel, uint32_t value, uint32_t blocks,
                                 uint32_t fail_block, aclError code, const char *needle)
{
    simk_return_args_t a = {value, fail_block};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, kernel, SIMK_SO);
    assert_int_equal(simt_launch(type, &b, blocks, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), code);
    if (needle)
        assert_true(simt_msg_has(aclGetRecentErrMsg(), needle, kernel, SIMK_SO, NULL));
}

static void test_kernel_return_values(void **state)
{
    (void)state;
    const uint32_t all = 0xFFFFFFFFU;
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 0, 1, all, ACL_SUCCESS, NULL);
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 7, 1, all, ACL_ERROR_RT_AICPU_EXCEPTION,
                         "device errcode 7");
    /* Reported once: the next synchronize is clean. */
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 101, 1, all, ACL_SUCCESS, NULL);
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 201, 1, all, ACL_SUCCESS, NULL);
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 30000, 1, all,
                         ACL_ERROR_RT_AICPU_EXCEPTION, "device errcode 21008");
    expect_kernel_result(KERNEL_TYPE_AICPU, "simk_return", 9, 8, 5, ACL_ERROR_RT_AICPU_EXCEPTION,
                         "block 5 of 8");
    /* KFC: 301 abort and 1000..1099 pass through, other values become 1. */
    expect_kernel_result(KERNEL_TYPE_AICPU_KFC, "simk_kfc_return", 0, 1, all, ACL_SUCCESS, NULL);
    expect_kernel_result(KERNEL_TYPE_AICPU_KFC, "simk_kfc_return", 301, 1, all,
                         ACL_ERROR_RT_AICPU_EXCEPTION, "device errcode 301");
    expect_kernel_result(KERNEL_TYPE_AICPU_KFC, "simk_kfc_return", 1050, 2, all,
                         ACL_ERROR_RT_AICPU_EXCEPTION, "device errcode 1050");
    expect_kernel_result(KERNEL_TYPE_AICPU_KFC, "simk_kfc_return", 5, 1, all,
                         ACL_ERROR_RT_AICPU_EXCEPTION, "device errcode 1");
}

static void expect_lookup_failure(uint32_t type, const char *kernel, const char *so,
                                  const char *errcode)
{
    simk_return_args_t a = {0, 0xFFFFFFFFU};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, kernel, so);
    assert_int_equal(simt_launch(type, &b, 1, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), errcode, kernel, NULL));
}

static void test_lookup_failures(void **state)
{
    (void)state;
    expect_lookup_failure(KERNEL_TYPE_AICPU, "simk_return", "libsimk_missing.so",
                          "device errcode 11002");
    expect_lookup_failure(KERNEL_TYPE_AICPU, "simk_no_such_kernel", SIMK_SO,
                          "device errcode 11003");
    expect_lookup_failure(KERNEL_TYPE_AICPU, "simk_return", "../libsimk_basic.so",
                          "device errcode 11001");
    expect_lookup_failure(KERNEL_TYPE_AICPU, "simk_return", NULL, "device errcode 11001");
    expect_lookup_failure(KERNEL_TYPE_AICPU_KFC, "simk_no_such_kfc", SIMK_SO,
                          "device errcode 11006");
}

static bool dir_gone(void *arg)
{
    return !t_file_exists(arg);
}

/* KERNEL_TYPE_AICPU_CUSTOM kernels come from this process's custom-kernel directory only (here
 * filled the way libaclsim fills it for Mode B), and the directory goes with the device. */
static void test_custom_kernel_type(void **state)
{
    (void)state;
    const char *cust_so = "libsimk_cust.so";
    char src[4096], dir[SIM_PATH_MAX], err[512];
    size_t size;
    void *bytes = t_read_file(t_kernel_path(SIMK_SO, src, sizeof src), &size);
    assert_non_null(bytes);
    assert_int_equal(
        sim_cust_publish(0, (uint32_t)getpid(), cust_so, bytes, size, CMN_MSG_ARRAY(err)), 0);
    free(bytes);
    assert_int_equal(sim_cust_dir(0, (uint32_t)getpid(), dir, sizeof dir), 0);

    simk_record_t *out = simt_dev_zalloc(2 * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), 41, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", cust_so);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU_CUSTOM, &b, 2, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(simt_read_u32(counter), 2);
    simk_record_t rec[2];
    simt_read(rec, out, sizeof rec);
    assert_int_equal(rec[1].tag, 41);
    assert_int_equal(rec[1].block_num, 2);

    /* Neither directory serves the other type. */
    expect_lookup_failure(KERNEL_TYPE_AICPU_CUSTOM, "simk_return", SIMK_SO, "device errcode 11002");
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "AICPU_CUSTOM", dir, NULL));
    expect_lookup_failure(KERNEL_TYPE_AICPU, "simk_return", cust_so, "device errcode 11002");
    expect_lookup_failure(KERNEL_TYPE_AICPU_CUSTOM, "simk_no_such_kernel", cust_so,
                          "device errcode 11003");

    assert_true(t_file_exists(dir));
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_true(t_wait_until(dir_gone, dir, 10000));
}

static void test_later_tasks_run_after_a_failure(void **state)
{
    (void)state;
    simk_record_t *out = simt_dev_zalloc(sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    simk_return_args_t a = {3, 0xFFFFFFFFU};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_return", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    a.value = 4;
    simt_blob_init(&b, &a, sizeof a, "simk_return", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0), ACL_SUCCESS);
    launch_record(out, counter, 1, 1, NULL);
    /* The first error is reported, once; later tasks ran (ACL_CONTINUE_ON_FAILURE). */
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "returned 3", NULL));
    assert_int_equal(simt_read_u32(counter), 1);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeDevice(), ACL_SUCCESS);
}

int main(void)
{
    if (simt_install_kernels(0) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eight_blocks_same_args_block_ids, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_args_copied_at_launch, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_launch_argument_checks, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_host_input_fixups, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_args_already_on_device, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_large_args_use_and_return_device_memory,
                                        simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_stream_runs_tasks_in_order, simt_setup_device0,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_streams_run_concurrently_and_sync_timeout_cancels_nothing, simt_setup_device0,
            teardown),
        cmocka_unit_test_setup_teardown(test_kernel_return_values, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_failures, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_custom_kernel_type, simt_setup_device0, teardown),
        cmocka_unit_test_setup_teardown(test_later_tasks_run_after_a_failure, simt_setup_device0,
                                        teardown),
    };
    int failed = t_run_group_tests_name("sim_launch", tests, NULL, NULL);
    simt_remove_root();
    return failed;
}
