/* The device-independent half of an AICPU launch: CANN's argument checks, the host-input pointer
 * fix-ups and where the kernel and SO names come from, for rtAicpuKernelLaunchExWithArgs (names
 * always at args + offset) and rtsLaunchCpuKernel (registered names unless an offset is non-zero).
 * Nothing here touches a device, so the whole of it runs under the launch-argument fuzz target.
 *
 * A launch is checked (aclsim_blob_check), planned (aclsim_blob_plan: how many device bytes the
 * blob needs and where its names sit), and, once those bytes are allocated, filled
 * (aclsim_blob_fill). Every failure is 107000 (207000 for the kernel types the simulator does not
 * run) with the calling thread's message naming the call, the field and the cause. */
#ifndef AKL_SIM_ACLSIM_BLOB_H
#define AKL_SIM_ACLSIM_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl/acl.h"
#include "runtime/rt.h"

/* A launch's argument description, from either entry point. */
typedef struct aclsim_blob_req {
    const char *call; /* the API entry point, for messages */
    uint32_t num_blocks;
    const rtAicpuArgsEx_t *info; /* NULL: the call's argsInfo was NULL */
    size_t param_off;            /* rtsLaunchCpuKernel's cpuParamHeadOffset; 0 otherwise */
    /* rtsLaunchCpuKernel: the registered names below are used unless kernelNameAddrOffset /
     * soNameAddrOffset is non-zero. false: the names are always in the args. */
    bool registered;
    const char *reg_kernel;
    const char *reg_so; /* NULL: the function has no SO name */
    bool checked;       /* set by aclsim_blob_check once the description passed */
} aclsim_blob_req_t;

typedef enum aclsim_blob_kind {
    /* The args are copied to new device memory, registered names appended after them. */
    ACLSIM_BLOB_COPY = 0,
    /* isNoNeedH2DCopy with the names in the args: the caller's device memory is used as it is. */
    ACLSIM_BLOB_IN_PLACE = 1,
    /* isNoNeedH2DCopy with registered names: the caller's device memory is the kernel's param,
     * and the names (copied or registered) go to a small blob of their own. */
    ACLSIM_BLOB_NAMES_ONLY = 2,
} aclsim_blob_kind_t;

typedef struct aclsim_blob_plan {
    aclsim_blob_kind_t kind;
    uint32_t size;       /* device bytes to allocate for the blob (0 for IN_PLACE) */
    uint32_t kernel_off; /* the kernel name in the blob (IN_PLACE: in the args) */
    uint32_t so_off;     /* the SO name likewise, or SCHED_NO_NAME */
    /* Where fill takes each name from: the args at an offset, or a registered string. */
    const char *kernel_text; /* registered kernel name, or NULL: args + kernel_src_off */
    const char *so_text;     /* registered SO name, or NULL: args + so_src_off (if any) */
    uint32_t kernel_src_off, so_src_off;
    uint32_t kernel_len, so_len; /* lengths of the names NAMES_ONLY copies */
} aclsim_blob_plan_t;

/* rtAicpuKernelLaunchExWithArgs' own checks: kernelType (1, 2, 4, 5 accepted; the simulator runs
 * 2, 4 and 5, and refuses KERNEL_TYPE_FWK with 207000), opName non-NULL. */
aclError aclsim_blob_check_launch(uint32_t type, const char *op_name);

/* The one validation of a launch's numbers and arguments, for both entry points (the messages name
 * the call and, for rtsLaunchCpuKernel, argsInfo->baseArgs' fields): num_blocks 1..0xFFFF; info,
 * args and argsSize non-zero; param_off inside the args; name offsets that are used inside the
 * args; and (unless isNoNeedH2DCopy) every fix-up's 8 bytes and data offset inside the args. Each
 * entry point calls it once, before any device work; on success it marks req checked. */
aclError aclsim_blob_check(aclsim_blob_req_t *req);

/* Plans the blob of a checked req (aclsim_blob_check passed: asserted). src is the args as this
 * process can read them: the caller's buffer, or (with isNoNeedH2DCopy) the host view of the
 * caller's device memory; with isNoNeedH2DCopy the names in it are read and checked here, since no
 * fix-up will change them. */
aclError aclsim_blob_plan(const aclsim_blob_req_t *req, const char *src, aclsim_blob_plan_t *plan);

/* Fills the plan->size bytes at dst, the host view of the device blob at dev_base. COPY applies
 * the fix-ups to the caller's buffer src first (as CANN does: the caller sees them), then checks
 * that each name taken from the args ends inside them, then copies. NAMES_ONLY copies the names.
 * IN_PLACE writes nothing (dst and dev_base unused). */
aclError aclsim_blob_fill(const aclsim_blob_req_t *req, const aclsim_blob_plan_t *plan, char *src,
                          uint64_t dev_base, char *dst);

#endif /* AKL_SIM_ACLSIM_BLOB_H */
