/* The simulated AICPU scheduler's private setup of its device services (device_services.c): which
 * device this process is, how many AICPU cores it has, where the device log goes. Nothing here is
 * exported to kernels; the services themselves are declared in akl/akl_kernel.h and described in
 * device_services.h. */
#ifndef AKL_SIM_SERVICES_SETUP_H
#define AKL_SIM_SERVICES_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"

/* Default AICPU core count when $AKL_SIM_AICPU_THREADS is unset (the scheduler's default): a
 * die's six user cores, as measured on a2 and a5 (docs/cann-facts.md §5.4). */
#define SIM_SERVICES_DEFAULT_AICPU_CORES 6
#define SIM_SERVICES_MAX_AICPU_CORES 256

/* $AKL_SIM_AICPU_THREADS as a core count, the one parse of it (the scheduler's pool, the device
 * services, the host's rtGetAiCpuCount): NULL or "" is the default; otherwise a decimal number in
 * 1..SIM_SERVICES_MAX_AICPU_CORES, and false for anything else. */
static inline bool sim_aicpu_cores_parse(const char *text, uint32_t *cores)
{
    *cores = SIM_SERVICES_DEFAULT_AICPU_CORES;
    if (!text || !*text)
        return true;
    uint32_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || n > SIM_SERVICES_MAX_AICPU_CORES)
            return false;
        n = n * 10 + (uint32_t)(*p - '0');
    }
    if (n < 1 || n > SIM_SERVICES_MAX_AICPU_CORES)
        return false;
    *cores = n;
    return true;
}

/* Sets this process's device and its AICPU core count (1..SIM_SERVICES_MAX_AICPU_CORES: the
 * scheduler passes its worker count), reads ASCEND_GLOBAL_LOG_LEVEL, and opens log_path for
 * appending (O_CLOEXEC, mode 0644, missing parent directories created 0755). log_path NULL: no
 * log file (stderr only). Calling it again replaces the previous setup. Returns 0, or -1 with a
 * message naming the path or value and the cause in err. */
int sim_services_start(int32_t device_id, const char *log_path, uint32_t aicpu_cores,
                       cmn_msg_t *err);

/* sim_services_start with the core count read from $AKL_SIM_AICPU_THREADS (1..256; unset or
 * invalid: SIM_SERVICES_DEFAULT_AICPU_CORES), for callers that do not know the worker count. */
int sim_services_init(int32_t device_id, const char *log_path, cmn_msg_t *err);

/* Closes the log file and forgets the device. Safe while kernels are still logging (they wait for
 * it and then write to stderr only), and safe to call twice. */
void sim_services_fini(void);

/* The per-device log file, where CANN puts device logs: $ASCEND_PROCESS_LOG_PATH, else
 * ~/ascend/log, then debug/device-<id>/device-<id>.log (never in the chip's tree). Returns 0, or -1
 * if the device id is invalid, no home is known or the path does not fit. */
int sim_services_log_path(int32_t device_id, char *out, size_t cap);

#endif /* AKL_SIM_SERVICES_SETUP_H */
