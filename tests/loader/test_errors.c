/* Unit tests of the loader's error reporting: akl_errname/akl_strerror for every own code and
 * every CANN code, unknown codes, the thread-local akl_last_error message, and the codes that are
 * timeouts called so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "acl/acl.h"
#include "akl/akl.h"
#include "cann_fail.h"
#include "device_failure.h"
#include "errors.h"

static void test_own_codes_have_names_and_texts(void **state)
{
    (void)state;
#define CHECK_OWN_(name, value, text)                                                              \
    assert_string_equal(akl_errname(value), "AKL_" #name);                                         \
    assert_string_equal(akl_strerror(value), text);                                                \
    assert_int_equal(AKL_##name, value);
    AKL_ERRNO_MAP(CHECK_OWN_)
#undef CHECK_OWN_
    assert_string_equal(akl_errname(AKL_OK), "AKL_OK");
}

static void test_cann_header_codes_have_their_names(void **state)
{
    (void)state;
#define CHECK_CANN_(name) assert_string_equal(akl_errname(name), #name);
    CHECK_CANN_(ACL_ERROR_RT_PARAM_INVALID)
    CHECK_CANN_(ACL_ERROR_RT_INVALID_DEVICEID)
    CHECK_CANN_(ACL_ERROR_RT_CONTEXT_NULL)
    CHECK_CANN_(ACL_ERROR_RT_STREAM_CONTEXT)
    CHECK_CANN_(ACL_ERROR_RT_MODEL_CONTEXT)
    CHECK_CANN_(ACL_ERROR_RT_STREAM_MODEL)
    CHECK_CANN_(ACL_ERROR_RT_ADDR_UNALIGNED)
    CHECK_CANN_(ACL_ERROR_RT_FILE_OPEN)
    CHECK_CANN_(ACL_ERROR_RT_FILE_WRITE)
    CHECK_CANN_(ACL_ERROR_RT_INVALID_MEMORY_TYPE)
    CHECK_CANN_(ACL_ERROR_RT_INVALID_HANDLE)
    CHECK_CANN_(ACL_ERROR_RT_INVALID_MALLOC_TYPE)
    CHECK_CANN_(ACL_ERROR_RT_WAIT_TIMEOUT)
    CHECK_CANN_(ACL_ERROR_RT_TASK_TIMEOUT)
    CHECK_CANN_(ACL_ERROR_RT_FEATURE_NOT_SUPPORT)
    CHECK_CANN_(ACL_ERROR_RT_MEMORY_ALLOCATION)
    CHECK_CANN_(ACL_ERROR_RT_MEMORY_FREE)
    CHECK_CANN_(ACL_ERROR_RT_NO_DEVICE)
    CHECK_CANN_(ACL_ERROR_RT_RESOURCE_ALLOC_FAIL)
    CHECK_CANN_(ACL_ERROR_RT_NO_PERMISSION)
    CHECK_CANN_(ACL_ERROR_RT_NO_STREAM_RESOURCE)
    CHECK_CANN_(ACL_ERROR_RT_DEVICE_OOM)
    CHECK_CANN_(ACL_ERROR_RT_TIMEOUT)
    CHECK_CANN_(ACL_ERROR_RT_INTERNAL_ERROR)
    CHECK_CANN_(ACL_ERROR_RT_TS_ERROR)
    CHECK_CANN_(ACL_ERROR_RT_STREAM_TASK_FULL)
    CHECK_CANN_(ACL_ERROR_RT_STREAM_NOT_COMPLETE)
    CHECK_CANN_(ACL_ERROR_RT_AICPU_TIMEOUT)
    CHECK_CANN_(ACL_ERROR_RT_AICPU_EXCEPTION)
    CHECK_CANN_(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT)
    CHECK_CANN_(ACL_ERROR_RT_DRV_INTERNAL_ERROR)
    CHECK_CANN_(ACL_ERROR_RT_AICPU_INTERNAL_ERROR)
    CHECK_CANN_(ACL_ERROR_RT_SOCKET_CLOSE)
    CHECK_CANN_(ACL_ERROR_INVALID_PARAM)
    CHECK_CANN_(ACL_ERROR_UNINITIALIZE)
    CHECK_CANN_(ACL_ERROR_REPEAT_INITIALIZE)
#undef CHECK_CANN_
}

static void test_cann_texts(void **state)
{
    (void)state;
    assert_string_equal(akl_strerror(507017), "AICPU timeout");
    assert_string_equal(akl_strerror(507046), "stream synchronize timed out");
    assert_string_equal(akl_strerror(107000), "parameter invalid");
    /* Codes named by the reference beyond the header are known too. */
    assert_string_equal(akl_errname(507047), "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT");
    assert_string_equal(akl_errname(107042), "ACL_ERROR_RT_SYMBOL_NOT_FOUND");
}

static void test_unknown_codes(void **state)
{
    (void)state;
    const int unknown[] = {1, -1, -999, -1024, 107006, 999999, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(akl_errname(unknown[i]), "UNKNOWN");
        assert_non_null(akl_strerror(unknown[i]));
        assert_true(strlen(akl_strerror(unknown[i])) > 0);
    }
}

static void *thread_reads_message(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)(strlen(akl_last_error()) == 0);
}

static void test_last_error_is_thread_local(void **state)
{
    (void)state;
    assert_int_equal(ldr_fail(AKL_ENAME, "kernel \"%s\" is bad", "x y"), AKL_ENAME);
    assert_string_equal(akl_last_error(), "kernel \"x y\" is bad");
    pthread_t thread;
    void *empty;
    assert_int_equal(pthread_create(&thread, NULL, thread_reads_message, NULL), 0);
    assert_int_equal(pthread_join(thread, &empty), 0);
    assert_true((uintptr_t)empty);
    assert_string_equal(akl_last_error(), "kernel \"x y\" is bad");
}

static void test_cann_failure_names_the_code(void **state)
{
    (void)state;
    assert_int_equal(ldr_fail_cann(507018, "launching k of m"), 507018);
    assert_non_null(strstr(akl_last_error(), "launching k of m"));
    assert_non_null(strstr(akl_last_error(), "ACL_ERROR_RT_AICPU_EXCEPTION"));
    assert_non_null(strstr(akl_last_error(), "507018"));
}

/* Each code CANN gives a timeout under is called one; a 507018 only when its cause says so. */
static void test_timeouts_are_called_timeouts(void **state)
{
    (void)state;
    const int timeouts[] = {507017, 507000, 507046};
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        if (!strstr(ldr_timeout_clause(timeouts[i], NULL), "a timeout"))
            fail_msg("%d is not called a timeout", timeouts[i]);
    }
    assert_string_equal(ldr_timeout_clause(507018, NULL), "");
    assert_string_equal(ldr_timeout_clause(507018, "kernel k crashed with signal 11"), "");
    assert_non_null(strstr(ldr_timeout_clause(507018, "AICPU task Timeout"), "a timeout"));
    assert_non_null(strstr(ldr_timeout_clause(507018, "device errcode 21007"), "a timeout"));
    assert_string_equal(ldr_timeout_clause(107000, "timeout"), "");
    assert_string_equal(ldr_timeout_clause(507899, NULL), "");
    /* And in the message ldr_fail_cann makes (no runtime resolved here: no runtime text). */
    assert_int_equal(ldr_fail_cann(507000, "synchronizing stream s"), 507000);
    assert_non_null(strstr(akl_last_error(), "runtime internal error; a timeout"));
}

static void test_long_messages_are_cut_not_overflowed(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(ldr_fail(AKL_EIO, "%s", big), AKL_EIO);
    assert_int_equal(strlen(akl_last_error()), LDR_ERROR_MESSAGE_MAX - 1);
    assert_int_equal(ldr_fail_cann(507000, "%s", big), 507000);
    assert_int_equal(strlen(akl_last_error()), LDR_ERROR_MESSAGE_MAX - 1);
    assert_int_equal(ldr_fail_copy(AKL_EIO, akl_last_error()), AKL_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_codes_have_names_and_texts),
        cmocka_unit_test(test_cann_header_codes_have_their_names),
        cmocka_unit_test(test_cann_texts),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_last_error_is_thread_local),
        cmocka_unit_test(test_cann_failure_names_the_code),
        cmocka_unit_test(test_timeouts_are_called_timeouts),
        cmocka_unit_test(test_long_messages_are_cut_not_overflowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
