/* Helpers shared by the test programs: deadlines, files, trees and child processes. */
#ifndef AKL_TEST_SUPPORT_H
#define AKL_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic clock in nanoseconds. */
uint64_t t_now_ns(void);

/* Polls cond(arg) every millisecond until it is true or timeout_ms passes. Returns its last value.
 * This is how tests wait: on a condition, with a deadline, never a bare sleep. */
bool t_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* "aarch64/" when $AKL_SIM_ARCH makes the simulated device aarch64 on another host (the ctest label
 * aarch64), else "": the subdirectory that holds the device-side files built for the device. */
const char *t_device_subdir(void);

/* "<AKL_TEST_KERNEL_DIR>/<device subdir><file>" into buf: the test kernel built for the simulated
 * device ($AKL_TEST_KERNEL_DIR, when set, replaces the build tree's directory). Returns buf. */
const char *t_kernel_path(const char *file, char *buf, size_t cap);

/* "<AKL_BUILD_DIR>/<dir>/<device subdir><file>" into buf, e.g. dir "lib/akl/examples": a file of
 * the build tree built for the simulated device. Returns buf. */
const char *t_device_file(const char *dir, const char *file, char *buf, size_t cap);

/* The simulator root this test runs under ($AKL_SIM_ROOT, set by ctest per test). */
const char *t_sim_root(void);
/* A base directory for a test group into out: this test's simulator root when one is set (not
 * created here), else a new directory /tmp/akl-test-<name>-XXXXXX (mkdtemp, 0700) for a program
 * run by hand. Returns out, or NULL when mkdtemp fails. */
const char *t_sim_root_or_temp(const char *name, char *out, size_t cap);

/* Removes a directory tree; missing is fine. Returns 0 or -1. */
int t_rmtree(const char *path);
/* A cmocka group teardown that removes this test's simulator root, so the suite leaves nothing
 * behind. Returns 0 or -1. */
int t_remove_sim_root(void **state);
/* Creates a directory and its missing parents (mkdir -p, mode 0755). Returns 0 or -1. */
int t_make_dirs(const char *path);

/* Reads a whole file into a malloc'd buffer (caller frees). Returns NULL on error. */
void *t_read_file(const char *path, size_t *size);
/* Writes a whole file (create or truncate). Returns 0 or -1. */
int t_write_file(const char *path, const void *data, size_t size);
bool t_file_exists(const char *path);
/* Sets path's access and modification times to age_s seconds ago (a file's "last use" for the
 * collector's and the sweep's rules). Returns 0 or -1. */
int t_set_age(const char *path, long age_s);

/* "/proc/self/exe" resolved into buf, so a test can re-run itself as a child. NULL if it cannot. */
const char *t_self_exe(char *buf, size_t cap);

/* A pid that no process has (a child of ours, already reaped), for stale-owner tests. Returns
 * false if no child could be made. */
bool t_dead_pid(pid_t *out);

/* Command name (as in /proc/<pid>/comm), parent and state letter of process pid. False if it is
 * gone. */
bool t_proc_stat(pid_t pid, char *comm, size_t cap, pid_t *ppid, char *state);

/* Up to max pids of live processes (not zombies) whose command name is comm and whose parent is
 * parent (0: any parent), into pids (may be NULL to count only). Returns how many matched. */
int t_find_processes(const char *comm, pid_t parent, pid_t *pids, int max);

/* Number of live processes (not zombies) whose executable name is comm (as in /proc/<pid>/comm)
 * and whose parent is parent (0: any parent). */
int t_count_processes(const char *comm, pid_t parent);

/* Waits for child pid with a deadline; returns its exit status as from waitpid, or -1 on timeout
 * (the child is then killed). */
int t_wait_child(pid_t pid, int timeout_ms);

/* cmocka_run_group_tests, except that a failed group teardown fails the program. cmocka
 * prints "FAILED GROUP TEARDOWN" but leaves it out of its return value, so a teardown's own check
 * (every scheduler gone, nothing left behind) could never fail a test. */
struct CMUnitTest;
#define t_run_group_tests(group, setup, teardown)                                                  \
    t_run_group_tests_(#group, group, sizeof(group) / sizeof((group)[0]), setup, teardown)
#define t_run_group_tests_name(name, group, setup, teardown)                                       \
    t_run_group_tests_(name, group, sizeof(group) / sizeof((group)[0]), setup, teardown)
int t_run_group_tests_(const char *name, const struct CMUnitTest *tests, size_t count,
                       int (*setup)(void **), int (*teardown)(void **));

#endif /* AKL_TEST_SUPPORT_H */
