/* Tests of src/common/msgbuf.c: messages are cut at the capacity, always NUL-terminated, appended
 * in order, replaced by set, emptied by clear, passed whole with CMN_MSG_ARRAY, and a NULL or
 * zero-sized buffer receives nothing. */
#include "msgbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_appends_in_order(void **state)
{
    (void)state;
    char buf[64];
    cmn_msg_t msg = cmn_msg_start(buf, sizeof buf);
    assert_string_equal(buf, "");
    cmn_msg_add(&msg, "loading %s", "k.so");
    cmn_msg_add(&msg, " on device %d", 3);
    assert_string_equal(buf, "loading k.so on device 3");
    assert_int_equal(msg.len, strlen(buf));
}

static void test_cuts_at_capacity_and_terminates(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof buf);
    cmn_msg_t msg = cmn_msg_start(buf, sizeof buf);
    cmn_msg_add(&msg, "%s", "0123456789");
    assert_string_equal(buf, "0123456");
    assert_int_equal(msg.len, 7);
    cmn_msg_add(&msg, "more"); /* a full buffer takes nothing more */
    assert_string_equal(buf, "0123456");
}

static void test_set_replaces(void **state)
{
    (void)state;
    char buf[32];
    cmn_msg_t msg = cmn_msg_start(buf, sizeof buf);
    cmn_msg_add(&msg, "first");
    cmn_msg_set(&msg, "second %d", 2);
    assert_string_equal(buf, "second 2");
    cmn_msg_clear(&msg);
    assert_string_equal(buf, "");
    assert_int_equal(msg.len, 0);
    cmn_msg_add(&msg, "third");
    assert_string_equal(buf, "third");
    cmn_msg_t small = cmn_msg_start(buf, 3);
    cmn_msg_set(&small, "fourth");
    assert_string_equal(buf, "fo");
}

/* CMN_MSG_ARRAY hands a callee the whole array, and a callee's set replaces what was there. */
static void msgt_callee(cmn_msg_t *msg)
{
    cmn_msg_set(msg, "callee %s", "wrote this");
}

static void test_array_message_for_a_call(void **state)
{
    (void)state;
    char text[12];
    memset(text, 'x', sizeof text);
    msgt_callee(CMN_MSG_ARRAY(text));
    assert_string_equal(text, "callee wrot");
    char big[64] = "stale";
    msgt_callee(CMN_MSG_ARRAY(big));
    assert_string_equal(big, "callee wrote this");
}

static void test_null_and_empty_buffers_receive_nothing(void **state)
{
    (void)state;
    cmn_msg_t none = cmn_msg_start(NULL, 16);
    assert_int_equal(none.cap, 0);
    cmn_msg_add(&none, "dropped");
    cmn_msg_set(&none, "dropped");
    cmn_msg_add(NULL, "dropped");
    cmn_msg_set(NULL, "dropped");
    cmn_msg_clear(NULL);
    char one = 'x';
    cmn_msg_t zero = cmn_msg_start(&one, 0);
    cmn_msg_add(&zero, "dropped");
    assert_int_equal(one, 'x');
    cmn_msg_t tiny = cmn_msg_start(&one, 1);
    cmn_msg_add(&tiny, "dropped");
    assert_int_equal(one, '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_in_order),
        cmocka_unit_test(test_cuts_at_capacity_and_terminates),
        cmocka_unit_test(test_set_replaces),
        cmocka_unit_test(test_array_message_for_a_call),
        cmocka_unit_test(test_null_and_empty_buffers_receive_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
