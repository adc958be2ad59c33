/* The first failure of each device. On hardware, once an AICPU task has failed (507018), crashed
 * or timed out, the device runs down and every later call returns 507899 (driver internal error),
 * 507901 (HDC disconnect) or 207001 (a module load): codes that say nothing of the cause
 * (reference section 5.5). libakl keeps the first failure per device and names it in every later
 * failure's message, with the kernel and SO the failing thread last launched there. */
#define _GNU_SOURCE
#include "device_failure.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "runtime.h"

/* Devices beyond this are not remembered (CANN's ids are small; the simulator has at most 1024). */
#define AKL_FAILURE_DEVICES 1024
#define AKL_FAILURE_CAUSE_MAX 300

typedef struct akl_device_failure {
    int code;
    bool bootstrap; /* in a load's bootstrap of so, rather than in kernel of so */
    char kernel[AKL_KERNEL_NAME_MAX + 1];
    char so[AKL_SO_NAME_MAX + 1];
    char cause[AKL_FAILURE_CAUSE_MAX];
} akl_device_failure_t;

/* Global state the issue asks for ("remembered per device"): one record per failed device,
 * allocated at its first failure, under one lock taken only on failure paths and resets. */
static pthread_mutex_t akl_failure_lock = PTHREAD_MUTEX_INITIALIZER;
static akl_device_failure_t *akl_failures[AKL_FAILURE_DEVICES];

/* What this thread last launched, so that a failure at the next synchronize can name it. */
typedef struct akl_last_launch {
    int32_t device;
    bool bootstrap;
    char kernel[AKL_KERNEL_NAME_MAX + 1];
    char so[AKL_SO_NAME_MAX + 1];
} akl_last_launch_t;

static __thread akl_last_launch_t akl_last_launch = {.device = -1};

void akl_device_note_launch(int32_t device, const char *kernel, size_t kernel_length,
                            const char *so)
{
    if (kernel_length > AKL_KERNEL_NAME_MAX)
        kernel_length = AKL_KERNEL_NAME_MAX;
    akl_last_launch.device = device;
    akl_last_launch.bootstrap = false;
    memcpy(akl_last_launch.kernel, kernel, kernel_length);
    akl_last_launch.kernel[kernel_length] = 0;
    /* The SO is the module's basename: only copied when it changes. */
    if (strncmp(akl_last_launch.so, so, sizeof akl_last_launch.so) != 0)
        snprintf(akl_last_launch.so, sizeof akl_last_launch.so, "%s", so);
}

void akl_device_note_bootstrap(int32_t device, const char *so)
{
    akl_last_launch.device = device;
    akl_last_launch.bootstrap = true;
    akl_last_launch.kernel[0] = 0;
    snprintf(akl_last_launch.so, sizeof akl_last_launch.so, "%s", so);
}

/* Codes after which a device is broken on hardware: the AICPU exception and timeout (also as
 * 507000, as CANN often reports it), and the cascade itself. A synchronize deadline (507046) is
 * not one: it is the host's wait that ended, and a later synchronize may complete the task. */
static bool akl_code_fails_device(int code)
{
    switch (code) {
    case 507000: /* ACL_ERROR_RT_INTERNAL_ERROR, as an AICPU timeout often shows */
    case 507010: /* ACL_ERROR_RT_LOST_HEARTBEAT */
    case 507017: /* ACL_ERROR_RT_AICPU_TIMEOUT */
    case 507018: /* ACL_ERROR_RT_AICPU_EXCEPTION */
    case 507899: /* ACL_ERROR_RT_DRV_INTERNAL_ERROR */
    case 507900: /* ACL_ERROR_RT_AICPU_INTERNAL_ERROR */
    case 507901: /* ACL_ERROR_RT_SOCKET_CLOSE */
        return true;
    }
    return false;
}

/* Codes that, after a first failure, are its consequence and get it named: those above, a
 * synchronize deadline and a module load's 207001. Parameter errors (1xxxxx) are the caller's own
 * and are left alone. */
static bool akl_code_is_cascade(int code)
{
    return akl_code_fails_device(code) || code == 507046 || code == 207001;
}

static bool akl_cause_names_timeout(const char *cause)
{
    return cause && (strcasestr(cause, "timeout") || strcasestr(cause, "timed out") ||
                     strcasestr(cause, "time out") || strstr(cause, "21007"));
}

const char *akl_timeout_clause(int code, const char *cause)
{
    switch (code) {
    case 507017:
        return "; a timeout: the AICPU task ran past its limit";
    case 507000:
        return "; a timeout: CANN reports an AICPU task that ran past its limit as 507000 more "
               "often than as 507017";
    case 507046:
        return "; a timeout: the synchronize deadline passed (the task was not cancelled)";
    case 507018:
        return akl_cause_names_timeout(cause)
                   ? "; a timeout: the device reports the AICPU task ran past its limit"
                   : "";
    }
    return "";
}

static bool akl_current_device(int32_t *device)
{
    const akl_runtime_t *rt = akl_runtime_ready();
    return rt && rt->get_device(device) == 0 && *device >= 0 && *device < AKL_FAILURE_DEVICES;
}

static akl_device_failure_t *akl_failure_record(int code, int32_t device, const char *cause)
{
    akl_device_failure_t *record = calloc(1, sizeof *record);
    if (!record)
        return NULL;
    record->code = code;
    if (akl_last_launch.device == device) {
        record->bootstrap = akl_last_launch.bootstrap;
        snprintf(record->kernel, sizeof record->kernel, "%s", akl_last_launch.kernel);
        snprintf(record->so, sizeof record->so, "%s", akl_last_launch.so);
    }
    snprintf(record->cause, sizeof record->cause, "%s", cause ? cause : "");
    return record;
}

/* " in kernel <k> of SO <so>", " in the bootstrap of SO <so>", or "" when unknown. */
static void akl_failure_where(const akl_device_failure_t *first, char *where, size_t cap)
{
    if (!first->so[0])
        where[0] = 0;
    else if (first->bootstrap)
        snprintf(where, cap, " in the bootstrap (load) of SO %s", first->so);
    else
        snprintf(where, cap, " in kernel %s of SO %s", first->kernel, first->so);
}

static void akl_failure_describe(const akl_device_failure_t *first, int32_t device, char *text,
                                 size_t cap)
{
    size_t at = strlen(text);
    if (at >= cap - 1)
        return;
    char where[AKL_KERNEL_NAME_MAX + AKL_SO_NAME_MAX + 64];
    akl_failure_where(first, where, sizeof where);
    snprintf(text + at, cap - at,
             "; device %d had already failed: the first failure was %s (%d)%s%s%s%s; the device "
             "must be reset (akl_device_close, then akl_device_open) or the process restarted",
             (int)device, akl_errname(first->code), first->code, where, first->cause[0] ? " (" : "",
             first->cause, first->cause[0] ? ")" : "");
}

void akl_device_failure_note(int code, const char *cause, char *text, size_t cap)
{
    int32_t device;
    if (!akl_code_is_cascade(code) || !akl_current_device(&device))
        return;
    pthread_mutex_lock(&akl_failure_lock);
    akl_device_failure_t *first = akl_failures[device];
    if (first)
        akl_failure_describe(first, device, text, cap);
    else if (akl_code_fails_device(code))
        akl_failures[device] = akl_failure_record(code, device, cause);
    pthread_mutex_unlock(&akl_failure_lock);
}

void akl_device_failure_forget(int32_t device)
{
    if (device < 0 || device >= AKL_FAILURE_DEVICES)
        return;
    pthread_mutex_lock(&akl_failure_lock);
    free(akl_failures[device]);
    akl_failures[device] = NULL;
    pthread_mutex_unlock(&akl_failure_lock);
}
