/* The publish directory, derived as the device's type-2 lookup derives where it looks for a name
 * that is none of CANN's three special ones (akl's never are: they end in <hex>_<device>.so):
 *
 *   1. run mode THREAD and $ASCEND_AICPU_KERNEL_PATH set: that directory (the scheduler's SO
 *      manager refuses an empty or PATH_MAX-long value at start, so then nothing is found at all);
 *   2. run mode THREAD and $HOME usable: $HOME/aicpu_kernels/<vf>/aicpu_kernels_device/;
 *   3. otherwise: /usr/lib64/aicpu_kernels/<vf>/aicpu_kernels_device/.
 *
 * The run mode and the unique vf id are the scheduler's own answers, from aicpu::GetAicpuRunMode
 * and aicpu::GetUniqueVfId, which CANN declares weak in its public aicpu_context.h for code loaded
 * into the scheduler. They are weak references here too, so the device objects that use this (the
 * dispatcher, which publishes here, and the collector, which collects here) need no library; where
 * the scheduler does not provide them this assumes what a device's aicpu_scheduler is: process
 * mode, vf 0. One copy, so that the collector always looks where the dispatcher published. */
#include "preinstall_dir.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMN_KERNELS_ROOT "/usr/lib64/aicpu_kernels/"
#define CMN_DEVICE_SUBDIR "aicpu_kernels_device/"
#define CMN_THREAD_MODE_SUBDIR "aicpu_kernels/"

/* aicpu::GetAicpuRunMode(uint32_t &) and aicpu::GetUniqueVfId(), by their C++ symbol names; the
 * reference parameter is a pointer in the ABI, the status_t enum an int. */
extern int cmn_sched_run_mode(uint32_t *mode) __asm__("_ZN5aicpu15GetAicpuRunModeERj")
    __attribute__((weak));
extern uint32_t cmn_sched_vf_id(void) __asm__("_ZN5aicpu13GetUniqueVfIdEv") __attribute__((weak));

static uint32_t cmn_run_mode(void)
{
    uint32_t mode = CMN_RUN_MODE_PROCESS_PCIE;
    if (cmn_sched_run_mode == NULL || cmn_sched_run_mode(&mode) != 0)
        return CMN_RUN_MODE_PROCESS_PCIE;
    return mode;
}

static uint32_t cmn_vf_id(void)
{
    return cmn_sched_vf_id != NULL ? cmn_sched_vf_id() : 0;
}

/* base + (a '/' unless base ends in one) + rest. */
static int cmn_dir_join(char *out, size_t cap, const char *base, const char *rest, char *why,
                        size_t why_cap)
{
    size_t len = strlen(base);
    const char *sep = len > 0 && base[len - 1] == '/' ? "" : "/";
    int n = snprintf(out, cap, "%s%s%s", base, sep, rest);
    if (n > 0 && (size_t)n < cap)
        return 0;
    snprintf(why, why_cap, "directory path too long (%d bytes)", n);
    return ENAMETOOLONG;
}

static int cmn_thread_mode_dir(char *out, size_t cap, uint32_t vf, char *why, size_t why_cap)
{
    const char *env = getenv("ASCEND_AICPU_KERNEL_PATH");
    if (env != NULL) {
        size_t len = strlen(env);
        if (len == 0 || len >= PATH_MAX) {
            snprintf(why, why_cap,
                     "ASCEND_AICPU_KERNEL_PATH of %zu bytes: the scheduler's SO manager refuses it",
                     len);
            return EINVAL;
        }
        if (len >= cap)
            return cmn_dir_join(out, cap, env, "", why, why_cap);
        memcpy(out, env, len + 1); /* as given: CANN only appends the '/' it joins names with */
        return 0;
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0' || strlen(home) >= PATH_MAX)
        return -1; /* CANN warns and falls back to the default directory */
    char rest[64];
    snprintf(rest, sizeof rest, CMN_THREAD_MODE_SUBDIR "%u/" CMN_DEVICE_SUBDIR, (unsigned)vf);
    return cmn_dir_join(out, cap, home, rest, why, why_cap);
}

int cmn_preinstall_dir(char *out, size_t cap, char *why, size_t why_cap)
{
    uint32_t vf = cmn_vf_id();
    if (cmn_run_mode() == CMN_RUN_MODE_THREAD) {
        int rc = cmn_thread_mode_dir(out, cap, vf, why, why_cap);
        if (rc >= 0)
            return rc;
    }
    char rest[64];
    snprintf(rest, sizeof rest, "%u/" CMN_DEVICE_SUBDIR, (unsigned)vf);
    return cmn_dir_join(out, cap, CMN_KERNELS_ROOT, rest, why, why_cap);
}
