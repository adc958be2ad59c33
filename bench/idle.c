/* What an idle device costs: the CPU time the scheduler process uses over one idle second after
 * a burst of work (it must spin only briefly, then sleep). */
#define _GNU_SOURCE
#include "bench_common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* utime + stime of a child process called comm, in seconds; -1 if there is none. */
static double child_cpu_seconds(const char *comm)
{
    DIR *dir = opendir("/proc");
    double result = -1;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        char path[300], buf[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
        if (!open_paren || !close_paren || (size_t)(close_paren - open_paren - 1) != strlen(comm) ||
            strncmp(open_paren + 1, comm, strlen(comm)) != 0)
            continue;
        char state;
        int ppid;
        unsigned long utime, stime;
        if (sscanf(close_paren + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &state,
                   &ppid, &utime, &stime) == 4 &&
            ppid == getpid())
            result = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    }
    if (dir)
        closedir(dir);
    return result;
}

int bench_idle(const bench_config_t *cfg)
{
    akl_module_t *m;
    if (bench_open(cfg, &m) != 0)
        return -1;
    uint64_t payload = 0;
    for (int i = 0; i < 1000; i++)
        akl_launch(m, "bench_empty", &payload, sizeof payload, 1, NULL, 0);
    int rc = akl_stream_sync(NULL, -1);
    if (rc != 0)
        return bench_fail("idle warm-up", rc);
    bench_progress(cfg, "idle: scheduler CPU over one idle second");
    double before = child_cpu_seconds("akl-aicpu-sched");
    struct timespec one_second = {1, 0};
    nanosleep(&one_second, NULL);
    double after = child_cpu_seconds("akl-aicpu-sched");
    if (before < 0 || after < 0) {
        fprintf(stderr, "akl bench: idle: no scheduler process found (not the simulator?)\n");
        return -1;
    }
    bench_report("idle", "scheduler CPU time over one idle second", (after - before) * 1000, "ms",
                 "", "~0 (clock-tick resolution)");
    return 0;
}
