/* The option structures of Mode B: rtLoadBinaryConfig_t for the binary loaders (CANN's
 * BinaryLoader::ParseLoadOptions and SetCpuBinInfo, hicann/runtime
 * src/runtime/core/src/kernel/binary_loader.cc) and rtKernelLaunchCfg_t for rtsLaunchCpuKernel
 * (the attribute conversion and checks in src/runtime/api/impl/). */
#include "rts_options.h"
#include "rts_text.h"

/* A count beyond this is taken for an uninitialized field rather than read (a simulator check:
 * CANN walks whatever count it is given). */
#define RTS_MAX_ENTRIES 64

/* The AICore ELF magics that RT_LOAD_BINARY_OPT_MAGIC accepts. */
#define RTS_MAGIC_ELF 0x43554245U
#define RTS_MAGIC_ELF_AICUBE 0x41494343U
#define RTS_MAGIC_ELF_AIVEC 0x41415246U

static rtError_t rts_cpu_mode(int32_t mode, bool from_file, cmn_msg_t *msg)
{
    if (from_file && mode != SIM_RTS_MODE_JSON && mode != SIM_RTS_MODE_SO_AND_JSON)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "rtsBinaryLoadFromFile: cpuKernelMode %d is invalid (0: load only the JSON "
                        "file, 1: load the CPU SO and its JSON file)",
                        mode);
    if (!from_file && mode != SIM_RTS_MODE_DATA)
        return rts_fail(
            ACL_ERROR_RT_PARAM_INVALID, msg,
            "rtsBinaryLoadFromData: cpuKernelMode %d is invalid (only 2: load from data)", mode);
    return ACL_RT_SUCCESS;
}

static rtError_t rts_load_option(const rtLoadBinaryOption_t *opt, bool from_file,
                                 sim_rts_load_opts_t *opts, cmn_msg_t *msg)
{
    switch (opt->optionId) {
    case RT_LOAD_BINARY_OPT_LAZY_LOAD:
        if (opt->value.isLazyLoad > 1)
            return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                            "load options: isLazyLoad %u is invalid (0 or 1)",
                            opt->value.isLazyLoad);
        opts->lazy_load = opt->value.isLazyLoad == 1;
        return ACL_RT_SUCCESS;
    case RT_LOAD_BINARY_OPT_MAGIC:
        if (from_file)
            return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                            "load options: RT_LOAD_BINARY_OPT_MAGIC is not supported when loading "
                            "from a file");
        if (opt->value.magic != RTS_MAGIC_ELF && opt->value.magic != RTS_MAGIC_ELF_AICUBE &&
            opt->value.magic != RTS_MAGIC_ELF_AIVEC)
            return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                            "load options: magic %#x is invalid (expected %#x, %#x or %#x)",
                            opt->value.magic, RTS_MAGIC_ELF, RTS_MAGIC_ELF_AICUBE,
                            RTS_MAGIC_ELF_AIVEC);
        return ACL_RT_SUCCESS;
    case RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE: {
        rtError_t rc = rts_cpu_mode(opt->value.cpuKernelMode, from_file, msg);
        if (rc == ACL_RT_SUCCESS)
            opts->cpu_kernel_mode = opt->value.cpuKernelMode;
        return rc;
    }
    default:
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "load options: optionId %d is invalid (expected %d..%d)",
                        (int)opt->optionId, RT_LOAD_BINARY_OPT_LAZY_LOAD,
                        RT_LOAD_BINARY_OPT_MAX - 1);
    }
}

rtError_t sim_rts_parse_load_options(const rtLoadBinaryConfig_t *cfg, bool from_file,
                                     sim_rts_load_opts_t *opts, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!opts)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "load options: output is NULL");
    *opts = (sim_rts_load_opts_t){.cpu_kernel_mode = SIM_RTS_MODE_NONE};
    if (!cfg)
        return ACL_RT_SUCCESS;
    if (!cfg->options)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "load options: optionalCfg is given but its options pointer is NULL");
    if (cfg->numOpt > RTS_MAX_ENTRIES)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "load options: numOpt %zu is more than %d (uninitialized?)", cfg->numOpt,
                        RTS_MAX_ENTRIES);
    for (size_t i = 0; i < cfg->numOpt; i++) {
        rtError_t rc = rts_load_option(&cfg->options[i], from_file, opts, msg);
        if (rc != ACL_RT_SUCCESS)
            return rc;
    }
    return ACL_RT_SUCCESS;
}

/* ---- launch attributes ---- */

typedef struct rts_attr_seen {
    bool timeout_s;
    bool timeout_us;
} rts_attr_seen_t;

static rtError_t rts_flag_value(const char *what, uint8_t value, cmn_msg_t *msg)
{
    if (value > 1)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "launch cfg: %s %u is invalid (0 or 1)",
                        what, value);
    return ACL_RT_SUCCESS;
}

static rtError_t rts_launch_attr(const rtLaunchKernelAttr_t *attr, sim_rts_launch_opts_t *opts,
                                 rts_attr_seen_t *seen, cmn_msg_t *msg)
{
    switch (attr->id) {
    case RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE:
    case RT_LAUNCH_KERNEL_ATTR_LOCAL_MEM_SIZE:
    case RT_LAUNCH_KERNEL_ATTR_ENGINE_TYPE:
    case RT_LAUNCH_KERNEL_ATTR_BLOCKDIM_OFFSET:
        return ACL_RT_SUCCESS; /* AICore settings: no meaning for a CPU kernel */
    case RT_LAUNCH_KERNEL_ATTR_BLOCK_TASK_PREFETCH:
        return rts_flag_value("isBlockTaskPrefetch", attr->value.isBlockTaskPrefetch, msg);
    case RT_LAUNCH_KERNEL_ATTR_DATA_DUMP:
        opts->data_dump = attr->value.isDataDump == 1;
        return rts_flag_value("isDataDump", attr->value.isDataDump, msg);
    case RT_LAUNCH_KERNEL_ATTR_TIMEOUT:
        seen->timeout_s = true;
        opts->has_timeout = true;
        opts->timeout_us = (uint64_t)attr->value.timeout * 1000000U;
        return ACL_RT_SUCCESS;
    case RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US:
        seen->timeout_us = true;
        opts->has_timeout = true;
        opts->timeout_us =
            (uint64_t)attr->value.timeoutUs.timeoutHigh << 32 | attr->value.timeoutUs.timeoutLow;
        return ACL_RT_SUCCESS;
    default:
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "launch cfg: attribute id %d is invalid (expected %d..%d)", (int)attr->id,
                        RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE, RT_LAUNCH_KERNEL_ATTR_MAX - 1);
    }
}

rtError_t sim_rts_parse_launch_cfg(const rtKernelLaunchCfg_t *cfg, sim_rts_launch_opts_t *opts,
                                   cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!opts)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "launch cfg: output is NULL");
    *opts = (sim_rts_launch_opts_t){0};
    if (!cfg || cfg->numAttrs == 0)
        return ACL_RT_SUCCESS;
    if (!cfg->attrs)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "launch cfg: numAttrs is %zu but attrs is NULL", cfg->numAttrs);
    if (cfg->numAttrs > RTS_MAX_ENTRIES)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "launch cfg: numAttrs %zu is more than %d (uninitialized?)", cfg->numAttrs,
                        RTS_MAX_ENTRIES);
    rts_attr_seen_t seen = {false, false};
    for (size_t i = 0; i < cfg->numAttrs; i++) {
        rtError_t rc = rts_launch_attr(&cfg->attrs[i], opts, &seen, msg);
        if (rc != ACL_RT_SUCCESS)
            return rc;
    }
    if (seen.timeout_s && seen.timeout_us)
        return rts_fail(
            ACL_ERROR_RT_PARAM_INVALID, msg,
            "launch cfg: RT_LAUNCH_KERNEL_ATTR_TIMEOUT and RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US "
            "cannot be given together");
    return ACL_RT_SUCCESS;
}
