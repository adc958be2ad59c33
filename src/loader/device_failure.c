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
#define LDR_FAILURE_DEVICES 1024
#define LDR_FAILURE_CAUSE_MAX 300

typedef struct ldr_device_failure {
    int code;
    bool bootstrap; /* in a load's bootstrap of so, rather than in kernel of so */
    char kernel[AKL_KERNEL_NAME_MAX + 1];
    char so[AKL_SO_NAME_MAX + 1];
    char cause[LDR_FAILURE_CAUSE_MAX];
} ldr_device_failure_t;

/* Global state the issue asks for ("remembered per device"): one record per failed device,
 * allocated at its first failure, under one lock taken only on failure paths and resets. */
static pthread_mutex_t ldr_failure_lock = PTHREAD_MUTEX_INITIALIZER;
static ldr_device_failure_t *ldr_failures[LDR_FAILURE_DEVICES];

/* Launch identities (device, kernel, SO), interned: a kernel handle points at one, and a launch
 * records that pointer as its thread's last launch. They are never freed, so the pointer stays
 * valid after the module is unloaded (a failure reported later still names the kernel). Global
 * state, because the identities outlive modules: one record per distinct (device, kernel, SO) the
 * process resolves, found again when the same SO is loaded anew. Locked only to make a handle. */
static pthread_mutex_t ldr_identity_lock = PTHREAD_MUTEX_INITIALIZER;
static ldr_launch_identity_t *ldr_identities;

/* This thread's launch or bootstrap whose names were copied (no handle): where the last-launch
 * pointer points after ldr_device_note_launch or ldr_device_note_bootstrap. */
static __thread ldr_launch_identity_t ldr_copied_launch = {.device = -1};

__thread const ldr_launch_identity_t *ldr_last_launch_identity;

const ldr_launch_identity_t *ldr_launch_identity_intern(int32_t device, const char *kernel,
                                                        size_t kernel_length, const char *so)
{
    if (kernel_length > AKL_KERNEL_NAME_MAX)
        kernel_length = AKL_KERNEL_NAME_MAX;
    pthread_mutex_lock(&ldr_identity_lock);
    ldr_launch_identity_t *id = ldr_identities;
    while (id && (id->device != device || strncmp(id->kernel, kernel, kernel_length) != 0 ||
                  id->kernel[kernel_length] != 0 || strcmp(id->so, so) != 0))
        id = id->next;
    if (!id) {
        id = calloc(1, sizeof *id);
        if (id) {
            id->device = device;
            memcpy(id->kernel, kernel, kernel_length);
            snprintf(id->so, sizeof id->so, "%s", so);
            id->next = ldr_identities;
            ldr_identities = id;
        }
    }
    pthread_mutex_unlock(&ldr_identity_lock);
    return id;
}

void ldr_device_note_launch(int32_t device, const char *kernel, size_t kernel_length,
                            const char *so)
{
    ldr_launch_identity_t *last = &ldr_copied_launch;
    if (kernel_length > AKL_KERNEL_NAME_MAX)
        kernel_length = AKL_KERNEL_NAME_MAX;
    last->device = device;
    last->bootstrap = false;
    memcpy(last->kernel, kernel, kernel_length);
    last->kernel[kernel_length] = 0;
    snprintf(last->so, sizeof last->so, "%s", so);
    ldr_last_launch_identity = last;
}

void ldr_device_note_bootstrap(int32_t device, const char *so)
{
    ldr_launch_identity_t *last = &ldr_copied_launch;
    last->device = device;
    last->bootstrap = true;
    last->kernel[0] = 0;
    snprintf(last->so, sizeof last->so, "%s", so);
    ldr_last_launch_identity = last;
}

/* Codes after which a device is broken on hardware: the AICPU exception and timeout (also as
 * 507000, as CANN often reports it), and the cascade itself. A synchronize deadline (507046) is
 * not one: it is the host's wait that ended, and a later synchronize may complete the task. */
static bool ldr_code_fails_device(int code)
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
static bool ldr_code_is_cascade(int code)
{
    return ldr_code_fails_device(code) || code == 507046 || code == 207001;
}

static bool ldr_cause_names_timeout(const char *cause)
{
    return cause && (strcasestr(cause, "timeout") || strcasestr(cause, "timed out") ||
                     strcasestr(cause, "time out") || strstr(cause, "21007"));
}

const char *ldr_timeout_clause(int code, const char *cause)
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
        return ldr_cause_names_timeout(cause)
                   ? "; a timeout: the device reports the AICPU task ran past its limit"
                   : "";
    }
    return "";
}

static bool ldr_current_device(int32_t *device)
{
    const ldr_runtime_t *rt = ldr_runtime_ready();
    return rt && rt->get_device(device) == 0 && *device >= 0 && *device < LDR_FAILURE_DEVICES;
}

static ldr_device_failure_t *ldr_failure_record(int code, int32_t device, const char *cause)
{
    ldr_device_failure_t *record = calloc(1, sizeof *record);
    if (!record)
        return NULL;
    record->code = code;
    const ldr_launch_identity_t *last = ldr_last_launch_identity;
    if (last && last->device == device) {
        record->bootstrap = last->bootstrap;
        snprintf(record->kernel, sizeof record->kernel, "%s", last->kernel);
        snprintf(record->so, sizeof record->so, "%s", last->so);
    }
    snprintf(record->cause, sizeof record->cause, "%s", cause ? cause : "");
    return record;
}

/* " in kernel <k> of SO <so>", " in the bootstrap of SO <so>", or "" when unknown. */
static void ldr_failure_where(const ldr_device_failure_t *first, char *where, size_t cap)
{
    if (!first->so[0])
        where[0] = 0;
    else if (first->bootstrap)
        snprintf(where, cap, " in the bootstrap (load) of SO %s", first->so);
    else
        snprintf(where, cap, " in kernel %s of SO %s", first->kernel, first->so);
}

static void ldr_failure_describe(const ldr_device_failure_t *first, int32_t device, char *text,
                                 size_t cap)
{
    size_t at = strlen(text);
    if (at >= cap - 1)
        return;
    char where[AKL_KERNEL_NAME_MAX + AKL_SO_NAME_MAX + 64];
    ldr_failure_where(first, where, sizeof where);
    snprintf(text + at, cap - at,
             "; device %d had already failed: the first failure was %s (%d)%s%s%s%s; the device "
             "must be reset (akl_device_close, then akl_device_open) or the process restarted",
             (int)device, akl_errname(first->code), first->code, where, first->cause[0] ? " (" : "",
             first->cause, first->cause[0] ? ")" : "");
}

void ldr_device_failure_note(int code, const char *cause, char *text, size_t cap)
{
    int32_t device;
    if (!ldr_code_is_cascade(code) || !ldr_current_device(&device))
        return;
    pthread_mutex_lock(&ldr_failure_lock);
    ldr_device_failure_t *first = ldr_failures[device];
    if (first)
        ldr_failure_describe(first, device, text, cap);
    else if (ldr_code_fails_device(code))
        ldr_failures[device] = ldr_failure_record(code, device, cause);
    pthread_mutex_unlock(&ldr_failure_lock);
}

void ldr_device_failure_forget(int32_t device)
{
    if (device < 0 || device >= LDR_FAILURE_DEVICES)
        return;
    pthread_mutex_lock(&ldr_failure_lock);
    free(ldr_failures[device]);
    ldr_failures[device] = NULL;
    pthread_mutex_unlock(&ldr_failure_lock);
}
