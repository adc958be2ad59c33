/* Tests of the helpers in src/sim/shm/sched_shm.h that both halves of the simulator use on
 * the shared control region: wrap-safe counter order, the stream's first-error record (first one
 * wins until taken, text cut and terminated), the device's death (first reason wins), the cut
 * copy, and the region's size. */
#define _GNU_SOURCE
#include "sched_shm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

static void test_seq_before_is_wrap_safe(void **state)
{
    (void)state;
    assert_true(sched_seq_before(0, 1));
    assert_false(sched_seq_before(1, 1));
    assert_false(sched_seq_before(2, 1));
    assert_true(sched_seq_before(0xFFFFFFFFU, 0)); /* 2^32 - 1 is before 0 after a wrap */
    assert_true(sched_seq_before(0xFFFFFFF0U, 0x18));
    assert_false(sched_seq_before(0x18, 0xFFFFFFF0U));
    assert_true(sched_seq_before(0x7FFFFFFFU, 0xFFFFFFFEU)); /* within half the range */
}

static void test_copy_text_cuts_and_terminates(void **state)
{
    (void)state;
    char buf[6];
    memset(buf, 'x', sizeof buf);
    sched_copy_text(buf, sizeof buf, "abcdefgh");
    assert_string_equal(buf, "abcde");
    sched_copy_text(buf, sizeof buf, "ab");
    assert_string_equal(buf, "ab");
    sched_copy_text(buf, sizeof buf, NULL);
    assert_string_equal(buf, "");
}

static sched_stream_shm_t *new_stream(void)
{
    sched_stream_shm_t *shm = aligned_alloc(64, sizeof *shm);
    assert_non_null(shm);
    memset(shm, 0, sizeof *shm);
    return shm;
}

/* The first error stays until the host takes it (err_state back to NONE); then the next one is
 * recorded. */
static void test_first_error_wins_until_taken(void **state)
{
    (void)state;
    sched_stream_shm_t *shm = new_stream();
    assert_true(sched_record_error(shm, 507018, 11002, "first"));
    assert_false(sched_record_error(shm, 507017, 21007, "second"));
    assert_int_equal(atomic_load(&shm->err_state), SCHED_ERR_READY);
    assert_int_equal(shm->err_code, 507018);
    assert_int_equal(shm->err_devcode, 11002);
    assert_string_equal(shm->err_msg, "first");

    atomic_store(&shm->err_state, SCHED_ERR_NONE); /* taken */
    assert_true(sched_record_error(shm, 507017, 21007, "third"));
    assert_int_equal(shm->err_code, 507017);
    assert_string_equal(shm->err_msg, "third");
    free(shm);
}

/* A record being taken (WRITING) is not written over. */
static void test_error_being_taken_is_not_overwritten(void **state)
{
    (void)state;
    sched_stream_shm_t *shm = new_stream();
    atomic_store(&shm->err_state, SCHED_ERR_WRITING);
    assert_false(sched_record_error(shm, 507018, 1, "late"));
    assert_string_equal(shm->err_msg, "");
    free(shm);
}

static void test_long_error_text_is_cut(void **state)
{
    (void)state;
    sched_stream_shm_t *shm = new_stream();
    char text[SCHED_MSG_MAX * 2];
    memset(text, 'e', sizeof text - 1);
    text[sizeof text - 1] = 0;
    assert_true(sched_record_error(shm, 507018, 1, text));
    assert_int_equal(strlen(shm->err_msg), SCHED_MSG_MAX - 1);
    free(shm);
}

/* The first reason for the device's death stays; a later one only wakes the waiters again. */
static void test_first_death_reason_wins(void **state)
{
    (void)state;
    sched_ctl_t *ctl =
        mmap(NULL, sched_ctl_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(ctl != MAP_FAILED);
    sched_mark_dead(ctl, 507899, "device 0: the scheduler crashed");
    sched_mark_dead(ctl, 507017, "device 0: timeout");
    assert_int_equal(atomic_load(&ctl->dead), 1);
    assert_int_equal(ctl->dead_code, 507899);
    assert_string_equal(ctl->dead_msg, "device 0: the scheduler crashed");
    munmap(ctl, sched_ctl_size());
}

static void test_ctl_size_is_whole_pages(void **state)
{
    (void)state;
    assert_true(sched_ctl_size() >= sizeof(sched_ctl_t));
    assert_int_equal(sched_ctl_size() % 4096, 0);
    assert_true(sched_ctl_size() - sizeof(sched_ctl_t) < 4096);
    assert_int_equal(sched_args_region_size(), (size_t)SCHED_MAX_STREAMS * SCHED_ARGS_RING_BYTES);
    assert_int_equal(SCHED_RING_TASKS & (SCHED_RING_TASKS - 1), 0); /* index by counter % size */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seq_before_is_wrap_safe),
        cmocka_unit_test(test_copy_text_cuts_and_terminates),
        cmocka_unit_test(test_first_error_wins_until_taken),
        cmocka_unit_test(test_error_being_taken_is_not_overwritten),
        cmocka_unit_test(test_long_error_text_is_cut),
        cmocka_unit_test(test_first_death_reason_wins),
        cmocka_unit_test(test_ctl_size_is_whole_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
