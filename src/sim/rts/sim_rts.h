/* Mode B registration logic for libaclsim: what rtsBinaryLoadFromFile, rtsBinaryLoadFromData,
 * rtsFuncGetByName, rtsRegisterCpuFunc, rtsBinaryUnload and rtsLaunchCpuKernel decide before any
 * device work, with CANN's semantics (hicann/runtime src/runtime/core/src/kernel/binary_loader.cc,
 * json_parse.cc, program.cc, program_common.cc, src/runtime/api/impl/api_impl.cc).
 *
 * Every function returns an rtError_t: ACL_RT_SUCCESS, ACL_ERROR_RT_PARAM_INVALID (107000: bad
 * argument, bad option, bad descriptor, unknown op type) or ACL_ERROR_RT_INVALID_HANDLE (107017: a
 * value that is not a live handle of the expected kind, including one whose binary was unloaded;
 * a NULL handle is a missing argument, 107000, as CANN's null-pointer checks answer), or
 * ACL_ERROR_RT_MEMORY_ALLOCATION (207001) when memory runs out, and on failure a message for
 * aclGetRecentErrMsg in msg (cut to its capacity; msg may be NULL). On success msg holds
 * a warning, or is empty.
 *
 * Handles are opaque values, never pointers: each is a serial number that is never reused, so a
 * stale or forged handle is refused, never dereferenced. All functions are thread-safe. */
#ifndef AKL_SIM_RTS_H
#define AKL_SIM_RTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"
#include "runtime/runtime/rts/rts_kernel.h"
#include "rts_limits.h"
#include "rts_options.h"

/* ---- loading and unloading ---- */

/* rtsBinaryLoadFromFile. mode SIM_RTS_MODE_JSON reads the JSON descriptor at path with its
 * extension replaced by ".json" (so "ops.json" and "libops.so" both name "<dir>/ops.json" and
 * "<dir>/libops.json"); SIM_RTS_MODE_SO_AND_JSON also reads the CPU SO at path with its extension
 * replaced by ".so". The binary's SO name is the basename of that .so path. SIM_RTS_MODE_NONE (no
 * CPU kernel mode option: CANN would load an AICore ELF, which is not simulated) and any other
 * mode is 107000, as are a missing file and every descriptor problem. */
rtError_t sim_rts_binary_load_file(const char *path, int32_t mode, rtBinHandle *bin,
                                   cmn_msg_t *msg);

/* rtsBinaryLoadFromData: data is a CPU kernel SO image (mode SIM_RTS_MODE_DATA only), copied.
 * The binary has no functions until sim_rts_func_register; its SO name is
 * "<decimal XXH3-64 of the bytes>_<length>.so". */
rtError_t sim_rts_binary_load_data(const void *data, uint64_t length, int32_t mode,
                                   rtBinHandle *bin, cmn_msg_t *msg);

/* A JSON descriptor from memory, with mode-0 semantics: name is used in messages and gives the
 * SO name (basename with the extension replaced by ".so"). For tests and fuzzing. */
rtError_t sim_rts_binary_load_descriptor(const void *json, size_t size, const char *name,
                                         rtBinHandle *bin, cmn_msg_t *msg);

/* rtsBinaryUnload: the binary and all its function handles stop being valid. */
rtError_t sim_rts_binary_unload(rtBinHandle bin, cmn_msg_t *msg);

/* ---- functions ---- */

/* rtsFuncGetByName: the function registered under op_type (the descriptor's top-level key). */
rtError_t sim_rts_func_get_by_name(rtBinHandle bin, const char *op_type, rtFuncHandle *func,
                                   cmn_msg_t *msg);

/* rtsRegisterCpuFunc: registers func_name of the binary's SO under op_type, kernel type
 * KERNEL_TYPE_AICPU_CUSTOM (as CANN's RegisterSingleCpuKernel). If op_type is already registered
 * the first registration wins: its handle is returned with a warning in msg. */
rtError_t sim_rts_func_register(rtBinHandle bin, const char *func_name, const char *op_type,
                                rtFuncHandle *func, cmn_msg_t *msg);

typedef struct sim_rts_func_info {
    char op_type[SIM_RTS_OP_TYPE_MAX + 1];
    char function_name[SIM_RTS_FUNC_NAME_MAX + 1];
    char kernel_so[SIM_RTS_SO_NAME_MAX + 1]; /* as the descriptor gives it */
    uint32_t kernel_type;                    /* rtKernelType_t */
} sim_rts_func_info_t;

/* A copy of a function's registration. */
rtError_t sim_rts_func_describe(rtFuncHandle func, sim_rts_func_info_t *info, cmn_msg_t *msg);

typedef struct sim_rts_binary_info {
    int32_t mode; /* SIM_RTS_MODE_* */
    char so_name[SIM_RTS_SO_NAME_MAX + 1];
    size_t function_count;
    size_t image_size; /* 0 for mode 0 */
} sim_rts_binary_info_t;

rtError_t sim_rts_binary_describe(rtBinHandle bin, sim_rts_binary_info_t *info, cmn_msg_t *msg);

/* The CPU SO bytes of a mode 1 or 2 binary, kept alive until sim_rts_image_release even if the
 * binary is unloaded meanwhile (so the caller can publish them to the device without holding any
 * lock). A mode 0 binary has no image: 107000. */
typedef struct sim_rts_image {
    const void *data;
    size_t size;
    char so_name[SIM_RTS_SO_NAME_MAX + 1];
    void *ref; /* private */
} sim_rts_image_t;

rtError_t sim_rts_image_acquire(rtBinHandle bin, sim_rts_image_t *image, cmn_msg_t *msg);
void sim_rts_image_release(sim_rts_image_t *image);

/* ---- launching ---- */

typedef struct sim_rts_launch {
    sim_rts_func_info_t func;
    sim_rts_launch_opts_t opts;
    /* The function's binary, and whether it brought its CPU SO (cpuKernelMode 1 or 2), which the
     * device then has to receive before the kernel can run. */
    rtBinHandle bin;
    bool has_image;
} sim_rts_launch_t;

/* What rtsLaunchCpuKernel needs of the registry: func a live function (107017; NULL: 107000) and
 * the launch cfg's attributes (107000). Fills launch with the names and type to send. The launch's
 * numBlocks and arguments are not looked at here: libaclsim checks them once, for both of its
 * launch entry points (aclsim_blob_check). */
rtError_t sim_rts_prepare_launch(rtFuncHandle func, const rtKernelLaunchCfg_t *cfg,
                                 sim_rts_launch_t *launch, cmn_msg_t *msg);

/* Number of loaded binaries in this process (for leak checks). */
size_t sim_rts_live_binaries(void);

#endif /* AKL_SIM_RTS_H */
