/* `akl bench`: runs the akl-bench program installed beside this akl, with the same arguments, so
 * the benchmarks are one command away without linking them into the CLI. */
#define _GNU_SOURCE
#include "cmd_bench.h"

#include "cli_common.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* <directory of this executable>/akl-bench */
static int bench_program(char *out, size_t cap)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "akl bench: cannot locate the akl executable: %s\n", strerror(errno));
        return -1;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    int len = snprintf(out, cap, "%s/akl-bench", slash ? self : ".");
    if (len < 0 || (size_t)len >= cap || access(out, X_OK) != 0) {
        fprintf(stderr, "akl bench: %s/akl-bench is missing or not executable\n", self);
        return -1;
    }
    return 0;
}

static int bench_spawn(char **argv, int stdout_fd)
{
    char program[PATH_MAX];
    if (bench_program(program, sizeof program) != 0)
        return CLI_EXIT_FAILURE;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdout_fd != STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&fa, stdout_fd, STDOUT_FILENO);
    argv[0] = program;
    pid_t pid;
    int rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "akl bench: cannot run %s: %s\n", program, strerror(rc));
        return CLI_EXIT_FAILURE;
    }
    int status;
    pid_t waited;
    while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        continue;
    if (waited != pid) {
        fprintf(stderr, "akl bench: waiting for %s failed: %s\n", program, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : CLI_EXIT_FAILURE;
}

int cli_cmd_bench(int argc, char **argv)
{
    (void)argc;
    fflush(stdout);
    return bench_spawn(argv, STDOUT_FILENO);
}

void cli_usage_bench(FILE *out)
{
    fflush(out);
    char *argv[] = {NULL, "--help", NULL};
    if (bench_spawn(argv, fileno(out)) != 0)
        fprintf(out, "Usage: akl bench [options] (akl-bench was not found beside akl)\n");
}
