/* Simulator core, processes: two host processes on the two dies of one chip each get their own
 * scheduler and see the same preinstall directory, while a device of another chip sees its own;
 * and a host killed with SIGKILL (work in flight) leaves no scheduler behind. The helpers are this
 * program re-executed with an argument. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_paths.h"
#include "test_sim_util.h"
#include "test_support.h"

extern char **environ;

/* Helper: on device dev, report the scheduler's pid and ASCEND_AICPU_KERNEL_PATH on stdout. */
static int helper_env(int32_t dev)
{
    if (aclrtSetDevice(dev) != ACL_SUCCESS)
        return 2;
    simk_env_out_t *out = simt_dev_zalloc(sizeof *out);
    simk_env_args_t a = {simt_addr(out)};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_env", SIMK_SO);
    if (simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0) != ACL_SUCCESS ||
        aclrtSynchronizeStream(NULL) != ACL_SUCCESS)
        return 3;
    static simk_env_out_t got;
    simt_read(&got, out, sizeof got);
    printf("%d %s\n", (int)got.pid, got.kernel_path);
    fflush(stdout);
    /* Stay until told, so that both dies' schedulers exist at the same time. */
    char line[8];
    if (!fgets(line, sizeof line, stdin))
        return 4;
    return aclrtResetDevice(dev) == ACL_SUCCESS ? 0 : 5;
}

/* Helper: start work that never ends, report the scheduler's pid, then wait to be killed. */
static int helper_hold(int32_t dev)
{
    if (aclrtSetDevice(dev) != ACL_SUCCESS)
        return 2;
    uint32_t *flag = simt_dev_zalloc(4);
    simk_wait_args_t w = {simt_addr(flag), 60000, 0};
    simt_blob_t b;
    simt_blob_init(&b, &w, sizeof w, "simk_wait_flag", SIMK_SO);
    if (simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0) != ACL_SUCCESS)
        return 3;
    pid_t sched;
    if (simt_scheduler_pids(getpid(), &sched, 1) != 1)
        return 4;
    printf("%d\n", (int)sched);
    fflush(stdout);
    for (;;)
        pause();
}

/* Runs one simk_record task on the current device; true if it ran. */
static bool record_once(void)
{
    simk_record_t *out = simt_dev_zalloc(sizeof *out);
    uint32_t *counter = simt_dev_zalloc(4);
    simk_record_args_t a = {simt_addr(out), simt_addr(counter), 1, 0};
    simt_blob_t b;
    simt_blob_init(&b, &a, sizeof a, "simk_record", SIMK_SO);
    return simt_launch(KERNEL_TYPE_AICPU, &b, 1, NULL, 0) == ACL_SUCCESS &&
           aclrtSynchronizeStream(NULL) == ACL_SUCCESS && simt_read_u32(counter) == 1;
}

/* Helper: set a device, fork a child that starts its own device and stays, report both
 * schedulers and the child, then wait to be killed. */
static int helper_fork(int32_t dev)
{
    if (aclrtSetDevice(dev) != ACL_SUCCESS || !record_once())
        return 2;
    pid_t mine;
    if (simt_scheduler_pids(getpid(), &mine, 1) != 1)
        return 3;
    int ready[2];
    if (pipe(ready) != 0)
        return 4;
    pid_t child = fork();
    if (child == 0) {
        /* The parent's device is not ours: a fresh one starts, with its own scheduler. */
        int32_t id;
        bool ok = aclrtGetDevice(&id) == ACL_ERROR_RT_CONTEXT_NULL &&
                  aclrtSetDevice(dev) == ACL_SUCCESS && record_once();
        pid_t theirs = 0;
        ok = ok && simt_scheduler_pids(getpid(), &theirs, 1) == 1;
        int msg = ok ? (int)theirs : -1;
        if (write(ready[1], &msg, sizeof msg) != (ssize_t)sizeof msg)
            _exit(1);
        for (;;)
            pause();
    }
    int theirs = -1;
    if (child < 0 || read(ready[0], &theirs, sizeof theirs) != (ssize_t)sizeof theirs)
        return 5;
    printf("%d %d %d\n", (int)mine, (int)child, theirs);
    fflush(stdout);
    for (;;)
        pause();
}

typedef struct helper {
    pid_t pid;
    FILE *out; /* its stdout */
    FILE *in;  /* its stdin */
} helper_t;

static void helper_start(helper_t *h, const char *mode, int32_t dev)
{
    int to_child[2], from_child[2];
    assert_int_equal(pipe2(to_child, O_CLOEXEC), 0);
    assert_int_equal(pipe2(from_child, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
    char dev_text[16];
    snprintf(dev_text, sizeof dev_text, "%d", (int)dev);
    char self[] = "/proc/self/exe";
    char *argv[] = {self, (char *)mode, dev_text, NULL};
    assert_int_equal(posix_spawn(&h->pid, self, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(to_child[0]);
    close(from_child[1]);
    h->out = fdopen(from_child[0], "r");
    h->in = fdopen(to_child[1], "w");
    assert_non_null(h->out);
    assert_non_null(h->in);
}

static void helper_finish(helper_t *h, bool kill_it)
{
    if (kill_it)
        kill(h->pid, SIGKILL);
    else
        fputs("go\n", h->in);
    fclose(h->in);
    int status = t_wait_child(h->pid, 20000);
    fclose(h->out);
    if (!kill_it) {
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

static void test_two_dies_share_a_chip_filesystem(void **state)
{
    (void)state;
    helper_t h[3];
    int pids[3];
    char paths[3][4096];
    const int32_t devs[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++)
        helper_start(&h[i], "--env", devs[i]);
    for (int i = 0; i < 3; i++) {
        char line[4200];
        assert_non_null(fgets(line, sizeof line, h[i].out));
        line[strcspn(line, "\n")] = 0;
        char *space = strchr(line, ' ');
        assert_non_null(space);
        *space = 0;
        pids[i] = atoi(line);
        snprintf(paths[i], sizeof paths[i], "%s", space + 1);
    }
    for (int i = 0; i < 3; i++)
        helper_finish(&h[i], false);
    /* Three processes, three schedulers. */
    assert_true(pids[0] > 0 && pids[1] > 0 && pids[2] > 0);
    assert_int_not_equal(pids[0], pids[1]);
    assert_int_not_equal(pids[0], pids[2]);
    assert_int_not_equal(pids[1], pids[2]);
    char chip0[SIM_PATH_MAX], chip1[SIM_PATH_MAX];
    assert_int_equal(sim_preinstall_dir(0, chip0, sizeof chip0), 0);
    assert_int_equal(sim_preinstall_dir(2, chip1, sizeof chip1), 0);
    assert_string_equal(paths[0], chip0);
    assert_string_equal(paths[1], chip0);
    assert_string_equal(paths[2], chip1);
    assert_string_not_equal(chip0, chip1);
}

static bool process_gone(void *arg)
{
    return simt_process_gone(*(pid_t *)arg);
}

static void test_killed_host_leaves_no_scheduler(void **state)
{
    (void)state;
    helper_t h;
    helper_start(&h, "--hold", 0);
    char line[64];
    assert_non_null(fgets(line, sizeof line, h.out));
    pid_t sched = (pid_t)atoi(line);
    assert_true(sched > 0);
    assert_false(simt_process_gone(sched));
    helper_finish(&h, true);
    assert_true(t_wait_until(process_gone, &sched, 10000));
}

static void test_forked_child_does_not_keep_the_scheduler_alive(void **state)
{
    (void)state;
    helper_t h;
    helper_start(&h, "--fork", 0);
    char line[64];
    assert_non_null(fgets(line, sizeof line, h.out));
    int mine = 0, child = 0, theirs = 0;
    assert_int_equal(sscanf(line, "%d %d %d", &mine, &child, &theirs), 3);
    assert_true(mine > 0 && child > 0 && theirs > 0);
    assert_int_not_equal(mine, theirs);
    helper_finish(&h, true);
    pid_t sched = mine;
    /* The host died; its child (still alive, holding copies of everything) does not keep the
     * host's scheduler alive. */
    assert_true(t_wait_until(process_gone, &sched, 10000));
    assert_false(simt_process_gone((pid_t)theirs));
    kill(child, SIGKILL);
    sched = theirs;
    assert_true(t_wait_until(process_gone, &sched, 10000));
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--env") == 0)
        return helper_env(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "--hold") == 0)
        return helper_hold(atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "--fork") == 0)
        return helper_fork(atoi(argv[2]));
    if (simt_install_kernels(0) != 0 || simt_install_kernels(2) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_dies_share_a_chip_filesystem),
        cmocka_unit_test(test_killed_host_leaves_no_scheduler),
        cmocka_unit_test(test_forked_child_does_not_keep_the_scheduler_alive),
    };
    int failed = t_run_group_tests_name("sim_procs", tests, NULL, NULL);
    simt_remove_root();
    return failed;
}
