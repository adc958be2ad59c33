/* Tests of the helpers in src/sim/shm (sched_shm.h, sched_cpu.c) that both halves of the simulator
 * use on the shared control region: wrap-safe counter order, the stream's first-error record (first
 * one wins until taken, text cut and terminated), the device's death (first reason wins), the cut
 * copy, the region's size, when a sleeping waiter is due, and when a spin is futile. */
#define _GNU_SOURCE
#include "sched_shm.h"

#include <sched.h>
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

/* A sleeping waiter is woken when the task count reaches what it announced, not before (each task
 * of a long queue would otherwise wake it only to send it back to sleep), across the wrap too. */
static void test_waiter_is_due_at_its_target(void **state)
{
    (void)state;
    sched_stream_shm_t *shm = new_stream();
    int slot = sched_wait_announce(shm, 3);
    assert_true(slot >= 0);
    assert_false(sched_waiter_due(shm, 3)); /* announced, but not counted in waiters yet */
    atomic_store(&shm->waiters, 1);
    assert_false(sched_waiter_due(shm, 2));
    assert_true(sched_waiter_due(shm, 3));
    assert_true(sched_waiter_due(shm, 4));
    sched_wait_retire(shm, slot);
    assert_false(sched_waiter_due(shm, 4));
    slot = sched_wait_announce(shm, 0xFFFFFFFFu);
    assert_false(sched_waiter_due(shm, 0xFFFFFFFEu));
    assert_true(sched_waiter_due(shm, 0));
    sched_wait_retire(shm, slot);
    free(shm);
}

/* Waiters beyond the slots cannot say what they wait for: any task wakes them, until they leave. */
static void test_waiters_beyond_the_slots_wake_at_every_task(void **state)
{
    (void)state;
    sched_stream_shm_t *shm = new_stream();
    atomic_store(&shm->waiters, SCHED_WAIT_SLOTS + 1);
    for (int i = 0; i < SCHED_WAIT_SLOTS; i++)
        assert_int_equal(sched_wait_announce(shm, 100), i);
    assert_false(sched_waiter_due(shm, 1));
    assert_int_equal(sched_wait_announce(shm, 100), -1);
    assert_true(sched_waiter_due(shm, 1));
    sched_wait_retire(shm, -1);
    assert_false(sched_waiter_due(shm, 1));
    sched_wait_retire(shm, 0);
    assert_int_equal(sched_wait_announce(shm, 100), 0); /* a retired slot is taken again */
    free(shm);
}

/* Spinning is futile only for a peer that last ran on the CPU we run on. The test pins itself to
 * one CPU so that "the CPU we run on" cannot change between the two looks. */
static void test_spin_is_futile_only_on_the_peers_cpu(void **state)
{
    (void)state;
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    uint32_t cpu = sched_this_cpu();
    assert_true(cpu != SCHED_CPU_UNKNOWN);
    CPU_ZERO(&one);
    CPU_SET((int)cpu, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    _Atomic uint32_t peer = cpu;
    bool same = sched_spin_is_futile(&peer);
    atomic_store(&peer, cpu + 1);
    bool other = sched_spin_is_futile(&peer);
    atomic_store(&peer, SCHED_CPU_UNKNOWN);
    bool unknown = sched_spin_is_futile(&peer);
    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
    assert_true(same);
    assert_false(other);
    assert_false(unknown);
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
        cmocka_unit_test(test_waiter_is_due_at_its_target),
        cmocka_unit_test(test_waiters_beyond_the_slots_wake_at_every_task),
        cmocka_unit_test(test_spin_is_futile_only_on_the_peers_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
