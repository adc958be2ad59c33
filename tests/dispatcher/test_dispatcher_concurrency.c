/* Several publishers of one name at once, as when the two dies of a chip (one directory) or many
 * processes bootstrap the same runtime SO: each gets a correct outcome, the final file is complete
 * and correct, a reader never sees a truncated or temporary file under the final name, and no
 * temporary is left behind. */
#define _GNU_SOURCE
#include "test_dispatcher_common.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#define DISP_THREADS 8
#define DISP_ROUNDS 12
#define DISP_PROCESSES 4
#define DISP_LEN (512 * 1024 + 123)

typedef struct disp_race {
    const unsigned char *bytes;
    char final[2048];
    pthread_barrier_t start;
    int writers_left; /* atomic */
    int bad_reads;    /* atomic: the final name held something other than the whole file */
    int good_reads;   /* atomic */
} disp_race_t;

typedef struct disp_writer {
    disp_race_t *race;
    disp_t_request_t req;
    int rc;
} disp_writer_t;

static void *disp_writer_main(void *arg)
{
    disp_writer_t *w = arg;
    pthread_barrier_wait(&w->race->start);
    w->rc = disp_t_run(&disp_lib, &w->req);
    __atomic_fetch_sub(&w->race->writers_left, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* What a loader opening the final name finds: nothing, or exactly the published bytes. */
static void disp_check_final_once(disp_race_t *race, unsigned char *buf)
{
    int fd = open(race->final, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t got = 0;
    ssize_t n;
    while (got < DISP_LEN + 1 && (n = read(fd, buf + got, DISP_LEN + 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    bool whole = got == DISP_LEN && memcmp(buf, race->bytes, DISP_LEN) == 0;
    __atomic_fetch_add(whole ? &race->good_reads : &race->bad_reads, 1, __ATOMIC_RELAXED);
}

static void *disp_reader_main(void *arg)
{
    disp_race_t *race = arg;
    unsigned char *buf = malloc(DISP_LEN + 1);
    pthread_barrier_wait(&race->start);
    while (__atomic_load_n(&race->writers_left, __ATOMIC_ACQUIRE) > 0)
        disp_check_final_once(race, buf);
    disp_check_final_once(race, buf);
    free(buf);
    return NULL;
}

static void disp_run_round(disp_race_t *race, disp_writer_t *writers)
{
    pthread_t threads[DISP_THREADS + 1];
    race->writers_left = DISP_THREADS;
    assert_int_equal(pthread_barrier_init(&race->start, NULL, DISP_THREADS + 1), 0);
    for (int i = 0; i < DISP_THREADS; i++) {
        writers[i].race = race;
        disp_t_request(&writers[i].req, race->bytes, DISP_LEN, 5);
        assert_int_equal(pthread_create(&threads[i], NULL, disp_writer_main, &writers[i]), 0);
    }
    assert_int_equal(pthread_create(&threads[DISP_THREADS], NULL, disp_reader_main, race), 0);
    for (int i = 0; i <= DISP_THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    pthread_barrier_destroy(&race->start);
}

static void test_threads_publish_one_name_at_once(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("threads", dir, sizeof dir);
    disp_race_t race = {0};
    unsigned char *bytes = disp_t_pattern(DISP_LEN, 11);
    race.bytes = bytes;
    disp_writer_t *writers = calloc(DISP_THREADS, sizeof *writers);
    assert_non_null(writers);

    for (int round = 0; round < DISP_ROUNDS; round++) {
        disp_run_round(&race, writers);
        int wrote = 0;
        for (int i = 0; i < DISP_THREADS; i++) {
            const akl_bootstrap_ack_t *ack = &writers[i].req.ack;
            if (writers[i].rc != 0 || ack->magic != AKL_ACK_MAGIC ||
                (ack->status != AKL_ACK_WROTE && ack->status != AKL_ACK_IDENTICAL))
                fail_msg("round %d writer %d: rc %d status %d stage %u errno %d %s: %s", round, i,
                         writers[i].rc, ack->status, ack->stage, ack->err, ack->path, ack->detail);
            assert_int_equal(ack->bytes, DISP_LEN);
            wrote += ack->status == AKL_ACK_WROTE;
        }
        assert_true(wrote >= 1);
        if (round == 0)
            snprintf(race.final, sizeof race.final, "%s/%s", dir, writers[0].req.dargs.target_name);
        assert_true(disp_t_file_equals(race.final, bytes, DISP_LEN));
        assert_int_equal(disp_t_count_entries(dir), 1);
        assert_int_equal(disp_t_count_temps(dir), 0);
        /* Absent again, so the next round races on creating it. */
        assert_int_equal(unlink(race.final), 0);
    }
    assert_int_equal(race.bad_reads, 0);
    /* The reader's last look of each round, after every writer returned, always sees the file. */
    assert_true(race.good_reads >= DISP_ROUNDS);
    free(writers);
    free(bytes);
}

/* A child process: waits for the start signal, publishes, exits 0 when its outcome is right. */
static void disp_child_publish(int start_fd, const unsigned char *bytes)
{
    char c;
    if (read(start_fd, &c, 1) != 0)
        _exit(10);
    disp_t_request_t req;
    disp_t_request(&req, bytes, DISP_LEN, 6);
    int rc = disp_t_run(&disp_lib, &req);
    bool ok = rc == 0 && req.ack.magic == AKL_ACK_MAGIC &&
              (req.ack.status == AKL_ACK_WROTE || req.ack.status == AKL_ACK_IDENTICAL);
    _exit(ok ? (req.ack.status == AKL_ACK_WROTE ? 0 : 1) : 20);
}

static void test_processes_publish_one_name_at_once(void **state)
{
    (void)state;
    char dir[1024];
    disp_t_use_dir("processes", dir, sizeof dir);
    unsigned char *bytes = disp_t_pattern(DISP_LEN, 12);
    for (int round = 0; round < 4; round++) {
        int start[2];
        assert_int_equal(pipe(start), 0);
        pid_t kids[DISP_PROCESSES];
        for (int i = 0; i < DISP_PROCESSES; i++) {
            kids[i] = fork();
            assert_true(kids[i] >= 0);
            if (kids[i] == 0) {
                close(start[1]);
                disp_child_publish(start[0], bytes);
            }
        }
        close(start[0]);
        close(start[1]); /* every child's read returns 0 now: go */
        int wrote = 0;
        for (int i = 0; i < DISP_PROCESSES; i++) {
            int status = t_wait_child(kids[i], 60000);
            assert_true(status >= 0 && WIFEXITED(status));
            if (WEXITSTATUS(status) > 1)
                fail_msg("round %d child %d failed with %d", round, i, WEXITSTATUS(status));
            wrote += WEXITSTATUS(status) == 0;
        }
        assert_true(wrote >= 1);
        disp_t_request_t req;
        disp_t_request(&req, bytes, DISP_LEN, 6);
        char final[2048];
        disp_t_join(final, sizeof final, dir, req.dargs.target_name);
        assert_true(disp_t_file_equals(final, bytes, DISP_LEN));
        assert_int_equal(disp_t_count_entries(dir), 1);
        assert_int_equal(unlink(final), 0);
    }
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* Processes first: fork while no other thread of this test exists. */
        cmocka_unit_test(test_processes_publish_one_name_at_once),
        cmocka_unit_test(test_threads_publish_one_name_at_once),
    };
    return t_run_group_tests_name("dispatcher_concurrency", tests, disp_t_group_setup,
                                  disp_t_group_teardown);
}
