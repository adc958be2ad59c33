/* Simulator core, API surface: aclInit/aclFinalize, device count and ids, the per-thread current
 * device and the per-process reference count, device memory (malloc, free, copies of every kind,
 * memset, memory info, out of memory, bad frees), streams and their handles, and the fault on a
 * host dereference of a device address. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_sim_util.h"
#include "test_support.h"

static bool no_scheduler_left(void *arg)
{
    (void)arg;
    pid_t pids[4];
    return simt_scheduler_pids(getpid(), pids, 4) == 0;
}

static int count_schedulers(void)
{
    pid_t pids[16];
    return simt_scheduler_pids(getpid(), pids, 16);
}

static int teardown(void **state)
{
    (void)state;
    aclFinalize();
    unsetenv("AKL_SIM_DEVICE_MEM_MB");
    unsetenv("AKL_SIM_DEVICE_COUNT");
    unsetenv("AKL_SIM_SCHEDULER");
    unsetenv("AKL_SIM_EXTEND_KERNELS");
    unsetenv("AKL_SIM_AICPU_THREADS");
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    return 0;
}

static void test_init_twice_and_finalize(void **state)
{
    (void)state;
    assert_int_equal(aclInit(NULL), ACL_SUCCESS);
    assert_int_equal(aclInit(NULL), ACL_ERROR_REPEAT_INITIALIZE);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "already initialized", NULL));
    assert_int_equal(aclFinalize(), ACL_SUCCESS);
    assert_int_equal(aclInit("/nonexistent/acl.json"), ACL_ERROR_INVALID_PARAM);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "/nonexistent/acl.json", NULL));
    assert_int_equal(aclInit(""), ACL_SUCCESS);
    /* Finalize stops every scheduler this process started. */
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(count_schedulers(), 1);
    assert_int_equal(aclFinalize(), ACL_SUCCESS);
    assert_int_equal(count_schedulers(), 0);
}

static void test_works_without_acl_init(void **state)
{
    (void)state;
    void *p;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtFree(p), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
}

static void test_device_count_and_ids(void **state)
{
    (void)state;
    uint32_t count = 0;
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 8);
    assert_int_equal(aclrtGetDeviceCount(NULL), ACL_ERROR_RT_PARAM_INVALID);
    setenv("AKL_SIM_DEVICE_COUNT", "3", 1);
    assert_int_equal(aclrtGetDeviceCount(&count), ACL_SUCCESS);
    assert_int_equal(count, 3);
    assert_int_equal(aclrtSetDevice(3), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "invalid device id 3", NULL));
    unsetenv("AKL_SIM_DEVICE_COUNT");
    assert_int_equal(aclrtSetDevice(-1), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_int_equal(aclrtSetDevice(8), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_int_equal(aclrtResetDevice(8), ACL_ERROR_RT_INVALID_DEVICEID);
    assert_int_equal(aclrtResetDeviceForce(-1), ACL_ERROR_RT_INVALID_DEVICEID);
    int32_t id = -5;
    assert_int_equal(aclrtGetDevice(NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtSetDevice(1), ACL_SUCCESS);
    assert_int_equal(aclrtGetDevice(&id), ACL_SUCCESS);
    assert_int_equal(id, 1);
}

/* Everything a thread without a current device must be refused with 107002. */
static void *no_context_calls(void *arg)
{
    (void)arg;
    void *p = NULL;
    int32_t id;
    size_t free_b, total;
    aclrtStream s;
    simt_blob_t b;
    simk_return_args_t ra = {0, 0xFFFFFFFFU};
    simt_blob_init(&b, &ra, sizeof ra, "simk_return", SIMK_SO);
    int bad = 0;
    bad += aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST) != ACL_ERROR_RT_CONTEXT_NULL;
    bad += aclrtCreateStream(&s) != ACL_ERROR_RT_CONTEXT_NULL;
    bad += simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0) != ACL_ERROR_RT_CONTEXT_NULL;
    bad += aclrtGetDevice(&id) != ACL_ERROR_RT_CONTEXT_NULL;
    bad += aclrtGetMemInfo(ACL_HBM_MEM, &free_b, &total) != ACL_ERROR_RT_CONTEXT_NULL;
    bad += aclrtSynchronizeDevice() != ACL_ERROR_RT_CONTEXT_NULL;
    bad += aclrtSynchronizeStream(NULL) != ACL_ERROR_RT_CONTEXT_NULL;
    return (void *)(intptr_t)bad;
}

static void test_thread_without_device_gets_context_null(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS); /* another thread's device does not count */
    pthread_t t;
    void *bad;
    assert_int_equal(pthread_create(&t, NULL, no_context_calls, NULL), 0);
    assert_int_equal(pthread_join(t, &bad), 0);
    assert_int_equal((intptr_t)bad, 0);
}

static void test_set_device_is_reference_counted(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(count_schedulers(), 1);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_int_equal(count_schedulers(), 1);
    void *p;
    assert_int_equal(aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    /* The last reset also cleared the thread's current device. */
    int32_t id;
    assert_int_equal(aclrtGetDevice(&id), ACL_ERROR_RT_CONTEXT_NULL);
    /* Resetting a device that is not set does nothing. */
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);

    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtResetDeviceForce(0), ACL_SUCCESS);
    assert_true(t_wait_until(no_scheduler_left, NULL, 10000));
    assert_int_equal(aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_CONTEXT_NULL);
}

static void test_one_scheduler_per_device(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(1), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(count_schedulers(), 2);
}

static void test_malloc_and_bad_frees(void **state)
{
    (void)state;
    void *p = NULL, *q = NULL;
    assert_int_equal(aclrtMalloc(&p, 100, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_CONTEXT_NULL);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtMalloc(NULL, 100, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMalloc(&p, 0, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMalloc(&p, 16, (aclrtMemMallocPolicy)77), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMalloc(&p, 100, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtMalloc(&q, 1, ACL_MEM_MALLOC_NORMAL_ONLY), ACL_SUCCESS);
    assert_non_null(p);
    assert_ptr_not_equal(p, q);
    assert_int_equal((uintptr_t)p % 32, 0);
    assert_int_equal(aclrtFree(NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtFree((char *)p + 8), ACL_ERROR_RT_PARAM_INVALID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "not the start of a live allocation", NULL));
    int host_var;
    assert_int_equal(aclrtFree(&host_var), ACL_ERROR_RT_PARAM_INVALID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "not a device address", NULL));
    assert_int_equal(aclrtFree(p), ACL_SUCCESS);
    assert_int_equal(aclrtFree(p), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtFree(q), ACL_SUCCESS);
}

static void test_out_of_memory_and_mem_info(void **state)
{
    (void)state;
    setenv("AKL_SIM_DEVICE_MEM_MB", "abc", 1);
    assert_int_equal(aclrtSetDevice(0), ACL_ERROR_RT_PARAM_INVALID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "AKL_SIM_DEVICE_MEM_MB", "abc", NULL));
    setenv("AKL_SIM_DEVICE_MEM_MB", "4", 1);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    size_t free_b = 0, total = 0;
    assert_int_equal(aclrtGetMemInfo(ACL_HBM_MEM, &free_b, &total), ACL_SUCCESS);
    assert_int_equal(total, 4u << 20);
    assert_int_equal(free_b, 4u << 20);
    assert_int_equal(aclrtGetMemInfo(ACL_HBM_MEM, NULL, &total), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtGetMemInfo((aclrtMemAttr)99, &free_b, &total),
                     ACL_ERROR_RT_PARAM_INVALID);
    void *a, *b, *c;
    assert_int_equal(aclrtMalloc(&a, 5u << 20, ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_ERROR_RT_MEMORY_ALLOCATION);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "out of device memory", NULL));
    assert_int_equal(aclrtMalloc(&a, 2u << 20, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtGetMemInfo(ACL_HBM_MEM, &free_b, &total), ACL_SUCCESS);
    assert_int_equal(free_b, (2u << 20) - 32); /* 32-byte rounding plus 32 bytes of padding */
    /* 2 MB no longer fits, because of the padding. */
    assert_int_equal(aclrtMalloc(&b, 2u << 20, ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_ERROR_RT_MEMORY_ALLOCATION);
    assert_int_equal(aclrtMalloc(&b, 1u << 20, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtMalloc(&c, 1u << 20, ACL_MEM_MALLOC_HUGE_FIRST),
                     ACL_ERROR_RT_MEMORY_ALLOCATION);
    /* Freed memory is reused. */
    assert_int_equal(aclrtFree(a), ACL_SUCCESS);
    assert_int_equal(aclrtMalloc(&c, 2u << 20, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtFree(b), ACL_SUCCESS);
    assert_int_equal(aclrtFree(c), ACL_SUCCESS);
    assert_int_equal(aclrtGetMemInfo(ACL_DDR_MEM, &free_b, &total), ACL_SUCCESS);
    assert_int_equal(free_b, total);
}

static void test_memcpy_every_kind(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(1), ACL_SUCCESS);
    char *d1 = simt_dev_zalloc(64);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    char *d0 = simt_dev_zalloc(64), *d0b = simt_dev_zalloc(64);
    char src[64], dst[64];
    for (int i = 0; i < 64; i++)
        src[i] = (char)(i + 1);

    memset(dst, 0, sizeof dst);
    assert_int_equal(aclrtMemcpy(dst, 64, src, 64, ACL_MEMCPY_HOST_TO_HOST), ACL_SUCCESS);
    assert_memory_equal(dst, src, 64);
    assert_int_equal(aclrtMemcpy(d0, 64, src, 64, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(d0b, 64, d0, 64, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_SUCCESS);
    memset(dst, 0, sizeof dst);
    assert_int_equal(aclrtMemcpy(dst, 64, d0b, 64, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
    assert_memory_equal(dst, src, 64);
    /* The other kinds: staged host-to-device, inner and inter device copies. */
    assert_int_equal(aclrtMemset(d0, 64, 0, 64), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(d0, 64, src, 32, ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(d0 + 32, 32, d0, 32, ACL_MEMCPY_INNER_DEVICE_TO_DEVICE),
                     ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(d1, 64, d0, 64, ACL_MEMCPY_INTER_DEVICE_TO_DEVICE), ACL_SUCCESS);
    memset(dst, 0, sizeof dst);
    simt_read(dst, d1, 64);
    assert_memory_equal(dst, src, 32);
    assert_memory_equal(dst + 32, src, 32);
    /* DEFAULT infers each direction from the addresses. */
    memset(dst, 0, sizeof dst);
    assert_int_equal(aclrtMemcpy(d0, 64, src + 1, 63, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(d0b, 64, d0, 64, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(dst, 64, d0b, 63, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
    assert_memory_equal(dst, src + 1, 63);
    assert_int_equal(aclrtMemcpy(dst, 64, src, 64, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);

    /* Errors. */
    assert_int_equal(aclrtMemcpy(d0, 32, src, 64, ACL_MEMCPY_HOST_TO_DEVICE),
                     ACL_ERROR_RT_PARAM_INVALID); /* destMax < count */
    assert_int_equal(aclrtMemcpy(d0 + 32, 64, src, 64, ACL_MEMCPY_HOST_TO_DEVICE),
                     ACL_ERROR_RT_PARAM_INVALID); /* runs past the allocation */
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "not inside one allocation", NULL));
    assert_int_equal(aclrtMemcpy(dst, 64, d0 - 64, 64, ACL_MEMCPY_DEVICE_TO_HOST),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpy(dst, 64, src, 64, ACL_MEMCPY_HOST_TO_DEVICE),
                     ACL_ERROR_RT_PARAM_INVALID); /* kind does not match */
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "HOST_TO_DEVICE", "does not match", NULL));
    assert_int_equal(aclrtMemcpy(d0, 64, src, 64, ACL_MEMCPY_HOST_TO_HOST),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpy(dst, 64, src, 64, ACL_MEMCPY_DEVICE_TO_DEVICE),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpy(NULL, 64, src, 64, ACL_MEMCPY_DEFAULT),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpy(dst, 64, NULL, 64, ACL_MEMCPY_DEFAULT),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemcpy(dst, 64, src, 64, (aclrtMemcpyKind)8), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtFree(d0), ACL_SUCCESS);
    assert_int_equal(aclrtMemcpy(dst, 64, d0, 64, ACL_MEMCPY_DEVICE_TO_HOST),
                     ACL_ERROR_RT_PARAM_INVALID); /* freed */
}

static void test_memset(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    char *d = simt_dev_zalloc(128);
    uint8_t out[128];
    assert_int_equal(aclrtMemset(d + 16, 100, 0xAB, 64), ACL_SUCCESS);
    simt_read(out, d, 128);
    for (int i = 0; i < 128; i++)
        assert_int_equal(out[i], i >= 16 && i < 80 ? 0xAB : 0);
    assert_int_equal(aclrtMemset(d, 10, 1, 11), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemset(d + 64, 128, 1, 128), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemset(out, 128, 1, 128), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtMemset(NULL, 128, 1, 128), ACL_ERROR_RT_PARAM_INVALID);
}

static void test_streams(void **state)
{
    (void)state;
    aclrtStream s1 = NULL, s2 = NULL;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtCreateStream(&s1), ACL_SUCCESS);
    assert_int_equal(aclrtCreateStream(&s2), ACL_SUCCESS);
    assert_non_null(s1);
    assert_ptr_not_equal(s1, s2);
    assert_int_equal(aclrtSynchronizeStream(s1), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(s2, 100), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(s2, -1), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStreamWithTimeout(s2, -2), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtSynchronizeDevice(), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(NULL), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtDestroyStream(s1), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(s1), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtSynchronizeStream(s1), ACL_ERROR_RT_PARAM_INVALID);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), "not a live stream", NULL));
    int not_a_stream;
    assert_int_equal(aclrtSynchronizeStream(&not_a_stream), ACL_ERROR_RT_PARAM_INVALID);
    /* A new stream in the freed slot gets a different handle; the old one stays invalid. */
    aclrtStream s3 = NULL;
    assert_int_equal(aclrtCreateStream(&s3), ACL_SUCCESS);
    assert_ptr_not_equal(s3, s1);
    assert_int_equal(aclrtSynchronizeStream(s1), ACL_ERROR_RT_PARAM_INVALID);
    assert_int_equal(aclrtDestroyStream(s2), ACL_SUCCESS);
    assert_int_equal(aclrtDestroyStream(s3), ACL_SUCCESS);
    assert_int_equal(aclrtSetOpExecuteTimeOut(0), ACL_SUCCESS);
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(0), ACL_SUCCESS);
}

static void expect_start_failure(const char *var, const char *value, const char *needle)
{
    setenv(var, value, 1);
    assert_int_equal(aclrtSetDevice(0), ACL_ERROR_RT_DRV_INTERNAL_ERROR);
    assert_true(simt_msg_has(aclGetRecentErrMsg(), needle, NULL));
    unsetenv(var);
    assert_int_equal(count_schedulers(), 0);
}

static void test_scheduler_start_failures_and_worker_count(void **state)
{
    (void)state;
    expect_start_failure("AKL_SIM_SCHEDULER", "/nonexistent/akl-aicpu-scheduler",
                         "/nonexistent/akl-aicpu-scheduler");
    expect_start_failure("AKL_SIM_EXTEND_KERNELS", "/nonexistent/libaicpu_extend_kernels.so",
                         "failed to start");
    expect_start_failure("AKL_SIM_AICPU_THREADS", "0", "AKL_SIM_AICPU_THREADS");
    /* The device is not half set up after a failed start. */
    void *p;
    assert_int_equal(aclrtMalloc(&p, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_CONTEXT_NULL);

    /* One AICPU worker thread still runs every block of a wide task. */
    setenv("AKL_SIM_AICPU_THREADS", "1", 1);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    unsetenv("AKL_SIM_AICPU_THREADS");
    simk_record_t *out = simt_dev_zalloc(16 * sizeof(simk_record_t));
    uint32_t *counter = simt_dev_zalloc(4);
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), 3, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    assert_int_equal(simt_launch(KERNEL_TYPE_AICPU, &b, 16, NULL, 0), ACL_SUCCESS);
    assert_int_equal(aclrtSynchronizeStream(NULL), ACL_SUCCESS);
    assert_int_equal(simt_read_u32(counter), 16);
}

static void test_host_dereference_of_device_address_faults(void **state)
{
    (void)state;
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    volatile uint32_t *d = simt_dev_zalloc(64);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &dfl, NULL);
        uint32_t v = *d;
        _exit((int)v + 42);
    }
    int status = t_wait_child(child, 10000);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);
}

int main(void)
{
    if (simt_install_kernels(0) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_init_twice_and_finalize, teardown),
        cmocka_unit_test_teardown(test_works_without_acl_init, teardown),
        cmocka_unit_test_teardown(test_device_count_and_ids, teardown),
        cmocka_unit_test_teardown(test_thread_without_device_gets_context_null, teardown),
        cmocka_unit_test_teardown(test_set_device_is_reference_counted, teardown),
        cmocka_unit_test_teardown(test_one_scheduler_per_device, teardown),
        cmocka_unit_test_teardown(test_malloc_and_bad_frees, teardown),
        cmocka_unit_test_teardown(test_out_of_memory_and_mem_info, teardown),
        cmocka_unit_test_teardown(test_memcpy_every_kind, teardown),
        cmocka_unit_test_teardown(test_memset, teardown),
        cmocka_unit_test_teardown(test_streams, teardown),
        cmocka_unit_test_teardown(test_scheduler_start_failures_and_worker_count, teardown),
        cmocka_unit_test_teardown(test_host_dereference_of_device_address_faults, teardown),
    };
    int failed = t_run_group_tests_name("sim_api", tests, NULL, NULL);
    simt_remove_root();
    return failed;
}
