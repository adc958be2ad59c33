/* Small helpers the example host programs share: finding an example's runtime SO beside the
 * installed (or built) tree, built for the device's architecture, parsing numbers, timing and
 * naming akl results. */
#define _GNU_SOURCE
#include "example_support.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The directory of the running executable, from /proc/self/exe (so symlinks to the program and
 * any current directory work). */
static int example_exe_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return -1;
    out[n] = 0;
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = 0;
    return 0;
}

/* "<arch>/<file>" when the device's architecture is not the host's (its runtime SOs are built into
 * the aarch64/ subdirectory), else file. Before a runtime is resolved, the host's. */
static const char *example_device_file(const char *file, char *buf, size_t cap)
{
    struct utsname host;
    const char *arch = akl_init() == 0 ? akl_device_arch() : NULL;
    if (!arch || uname(&host) != 0 || strcmp(arch, host.machine) == 0)
        return file;
    snprintf(buf, cap, "%s/%s", arch, file);
    return buf;
}

int example_find_so(const char *file, const char *override_path, char *out, size_t cap, char *err,
                    size_t err_cap)
{
    if (override_path) {
        if (access(override_path, R_OK) != 0)
            snprintf(err, err_cap, "%s: %s", override_path, strerror(errno));
        else if (snprintf(out, cap, "%s", override_path) >= (int)cap)
            snprintf(err, err_cap, "%s: path too long", override_path);
        else
            return 0;
        return -1;
    }
    char device_file[256];
    file = example_device_file(file, device_file, sizeof device_file);
    char exe_dir[PATH_MAX] = "";
    char installed[PATH_MAX + 256] = "(unknown: /proc/self/exe unreadable)";
    if (example_exe_dir(exe_dir, sizeof exe_dir) == 0) {
        snprintf(installed, sizeof installed, "%s/%s/%s", exe_dir, EXAMPLE_SO_RELATIVE_DIR, file);
        /* realpath also proves the file exists, and gives the user a path without "bin/..". */
        char resolved[PATH_MAX];
        if (access(installed, R_OK) == 0 && realpath(installed, resolved) &&
            snprintf(out, cap, "%s", resolved) < (int)cap)
            return 0;
    }
    char built[PATH_MAX];
    snprintf(built, sizeof built, "%s/%s", EXAMPLE_SO_BUILD_DIR, file);
    if (access(built, R_OK) == 0 && snprintf(out, cap, "%s", built) < (int)cap)
        return 0;
    snprintf(err, err_cap, "cannot find %s: tried %s and %s (give its path with --so)", file,
             installed, built);
    return -1;
}

int example_parse_u64(const char *prog, const char *option, const char *text, uint64_t min,
                      uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)text[0]) ? strtoull(text, &end, 0) : 0;
    if (!end || *end || errno || v < min || v > max) {
        fprintf(stderr, "%s: %s: '%s' is not an integer in %" PRIu64 "..%" PRIu64 "\n", prog,
                option, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

const char *example_outcome_name(akl_boot_outcome_t outcome, bool cached)
{
    return cached ? "cached" : akl_boot_outcome_name(outcome);
}

const char *example_akl_error(int code, char *buf, size_t cap)
{
    const char *detail = akl_last_error();
    snprintf(buf, cap, "%s (%d): %s", akl_errname(code), code,
             detail && *detail ? detail : akl_strerror(code));
    return buf;
}
