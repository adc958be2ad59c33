/* akl_sim_rts's option parsing (rts_options.c): rtsBinaryLoadFromFile/FromData's load options and
 * rtsLaunchCpuKernel's launch attributes, with CANN's rules. Errors as sim_rts.h says. */
#ifndef AKL_SIM_RTS_OPTIONS_H
#define AKL_SIM_RTS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"
#include "runtime/runtime/rts/rts_kernel.h"
#include "rts_limits.h"

typedef struct sim_rts_load_opts {
    int32_t
        cpu_kernel_mode; /* SIM_RTS_MODE_NONE when RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE is absent */
    bool lazy_load;
} sim_rts_load_opts_t;

/* CANN's ParseLoadOptions: cfg NULL means no options; cfg->options NULL is 107000; an unknown
 * option id, isLazyLoad other than 0/1, MAGIC with from_file, or a cpuKernelMode that the call does
 * not accept (from_file: 0 or 1; from data: 2) is 107000. */
rtError_t sim_rts_parse_load_options(const rtLoadBinaryConfig_t *cfg, bool from_file,
                                     sim_rts_load_opts_t *opts, cmn_msg_t *msg);

typedef struct sim_rts_launch_opts {
    bool has_timeout;
    uint64_t timeout_us; /* 0: never (when has_timeout) */
    bool data_dump;
} sim_rts_launch_opts_t;

/* CANN's rtKernelLaunchCfg_t rules: cfg NULL means no attributes; attrs NULL with numAttrs > 0,
 * an id outside 1..8, TIMEOUT together with TIMEOUT_US, or isDataDump / isBlockTaskPrefetch other
 * than 0/1 is 107000. TIMEOUT is seconds, TIMEOUT_US microseconds (high << 32 | low). */
rtError_t sim_rts_parse_launch_cfg(const rtKernelLaunchCfg_t *cfg, sim_rts_launch_opts_t *opts,
                                   cmn_msg_t *msg);

#endif /* AKL_SIM_RTS_OPTIONS_H */
