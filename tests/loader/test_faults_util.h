/* Helpers shared by the fault-injection and error-catalogue tests (test_faults_*.c,
 * test_errors_*.c): the simulated preinstall directory, the scheduler process of this test, SO
 * bytes padded to a chosen size, directory snapshots to prove earlier files intact, and children
 * that are this binary re-executed with "--child <scenario>". */
#ifndef AKL_TESTS_TEST_FAULTS_UTIL_H
#define AKL_TESTS_TEST_FAULTS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FAULTT_SCHED_COMM "akl-aicpu-sched"
#define FAULTT_PATH_MAX 4096
/* Every synchronize in these tests has a deadline: an error is expected, a hang is a failure. */
#define FAULTT_SYNC_MS 60000

/* "<AKL_SIM_ROOT>/chip<device / 2>/usr/lib64/aicpu_kernels/0/aicpu_kernels_device". */
void faultt_preinstall_dir(int32_t device, char *out, size_t cap);
/* "<dir>/<file>". */
void faultt_join(char *out, size_t cap, const char *dir, const char *file);
/* Creates path and its parents (0755); existing directories are fine. */
void faultt_make_dirs(const char *path);

/* The pid of this process's one live scheduler child, or -1 if there is none or several. */
pid_t faultt_scheduler_pid(void);
/* For t_wait_until: true once this process has no live scheduler child. */
bool faultt_no_scheduler_left(void *unused);

/* A small, fast PRNG (splitmix64) so trials are reproducible from a printed seed. */
uint64_t faultt_random(uint64_t *state);

/* The test kernel SO (libfaultk_basic.so) read into a buffer with room for `room` more bytes. */
unsigned char *faultt_read_kernel(const char *file, size_t room, size_t *size);
/* Fills bytes[from, to) with random bytes: trailing bytes after an ELF file are ignored by loaders,
 * so every fill makes a new, valid runtime SO with its own fingerprint. */
void faultt_fill_random(unsigned char *bytes, size_t from, size_t to, uint64_t *state);

/* akl_mem_alloc + zero fill on the calling thread's device; NULL on failure (akl_last_error()). */
void *faultt_device_zalloc(size_t size);

/* The device basename of these bytes with the default prefix. */
void faultt_basename_of(const void *bytes, size_t size, int32_t device, char *out, size_t cap);
bool faultt_file_equals(const char *path, const void *bytes, size_t size);
/* Entries of dir that are temporaries of name (".<name>.tmp.*"), or -1 if dir cannot be read. */
int faultt_count_temps(const char *dir, const char *name);

/* Every regular file of a directory with its bytes. */
typedef struct faultt_snapshot {
    size_t count;
    char **names;
    unsigned char **bytes;
    size_t *sizes;
} faultt_snapshot_t;
/* Returns 0, or -1 if the directory cannot be read. */
int faultt_snapshot_take(const char *dir, faultt_snapshot_t *snap);
/* True if every file of snap is still in dir with the same bytes (dir may hold more files). On a
 * difference it prints which file. */
bool faultt_snapshot_intact(const faultt_snapshot_t *snap, const char *dir);
void faultt_snapshot_free(faultt_snapshot_t *snap);

/* Runs this binary as "<self> --child <scenario>" and returns its exit code (or 100 + signal if it
 * was killed, 200 if it did not finish within deadline_ms). */
int faultt_run_child(const char *scenario, int deadline_ms);

#endif /* AKL_TESTS_TEST_FAULTS_UTIL_H */
