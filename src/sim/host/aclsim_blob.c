/* The device-independent half of an AICPU launch (see aclsim_blob.h): CANN's argument checks
 * (ApiErrorDecorator::CpuKernelLaunchExWithArgs), the pointer fix-ups (UpdateAddrField) and the
 * choice of names, written so that no input can make it read or write outside the args, the
 * fix-up lists or the blob it was given. */
#define _GNU_SOURCE
#include "aclsim_blob.h"

#include <assert.h>
#include <string.h>

#include "aclsim_error.h"
#include "sched_shm.h" /* SCHED_NO_NAME */

/* Blobs are addressed with 32-bit offsets on the device. */
#define ACLSIM_BLOB_MAX UINT32_MAX
/* CANN's limit on a launch's numBlocks (both entry points). */
#define ACLSIM_BLOB_MAX_BLOCKS 0xFFFFU

aclError aclsim_blob_check_launch(uint32_t type, const char *op_name)
{
    static const char call[] = "rtAicpuKernelLaunchExWithArgs";
    if (type == KERNEL_TYPE_FWK)
        return aclsim_fail(ACL_ERROR_RT_FEATURE_NOT_SUPPORT,
                           "%s: kernel type 1 (KERNEL_TYPE_FWK) is not supported by the simulator "
                           "(it runs KERNEL_TYPE_AICPU, KERNEL_TYPE_AICPU_CUSTOM and "
                           "KERNEL_TYPE_AICPU_KFC)",
                           call);
    if (type != KERNEL_TYPE_AICPU && type != KERNEL_TYPE_AICPU_CUSTOM &&
        type != KERNEL_TYPE_AICPU_KFC)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: invalid kernel type %u (accepted: 1, 2, 4, 5)", call, type);
    if (!op_name)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: opName is NULL", call);
    return ACL_SUCCESS;
}

static bool aclsim_blob_kernel_from_args(const aclsim_blob_req_t *req)
{
    return !req->registered || req->info->kernelNameAddrOffset != 0;
}

static bool aclsim_blob_so_from_args(const aclsim_blob_req_t *req)
{
    return !req->registered || req->info->soNameAddrOffset != 0;
}

/* True when the task carries no SO name: 0xFFFFFFFF in the args, or a function without one. */
static bool aclsim_blob_no_so(const aclsim_blob_req_t *req)
{
    return aclsim_blob_so_from_args(req) ? req->info->soNameAddrOffset == SCHED_NO_NAME
                                         : req->reg_so == NULL;
}

static aclError aclsim_blob_check_fixups(const aclsim_blob_req_t *req,
                                         const rtHostInputInfo_t *list, uint16_t num,
                                         const char *which)
{
    uint32_t size = req->info->argsSize;
    if (num && !list)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %s is NULL with %u entries", req->call,
                           which, num);
    for (uint16_t i = 0; i < num; i++) {
        if ((uint64_t)list[i].addrOffset + sizeof(uint64_t) > size || list[i].dataOffset >= size)
            return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                               "%s: %s[%u] (addrOffset %u, dataOffset %u) is outside the %u-byte "
                               "args",
                               req->call, which, i, list[i].addrOffset, list[i].dataOffset, size);
    }
    return ACL_SUCCESS;
}

static aclError aclsim_blob_check_offset(const aclsim_blob_req_t *req, uint32_t offset,
                                         const char *which)
{
    if (offset >= req->info->argsSize)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %s %u is outside the %u-byte args",
                           req->call, which, offset, req->info->argsSize);
    return ACL_SUCCESS;
}

/* The block count and the argument description: present, with args and a size. */
static aclError aclsim_blob_check_args(const aclsim_blob_req_t *req)
{
    const rtAicpuArgsEx_t *info = req->info;
    /* rtsLaunchCpuKernel's argsInfo holds the description as its baseArgs. */
    const char *field = req->registered ? "argsInfo->baseArgs." : "argsInfo->";
    if (req->num_blocks == 0 || req->num_blocks > ACLSIM_BLOB_MAX_BLOCKS)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: numBlocks %u is outside 1..%u",
                           req->call, req->num_blocks, ACLSIM_BLOB_MAX_BLOCKS);
    if (!info)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: argsInfo is NULL", req->call);
    if (!info->args)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %sargs is NULL", req->call, field);
    if (info->argsSize == 0)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %sargsSize is 0", req->call, field);
    return ACL_SUCCESS;
}

static aclError aclsim_blob_check_fields(const aclsim_blob_req_t *req)
{
    aclError rc = aclsim_blob_check_args(req);
    if (rc != ACL_SUCCESS)
        return rc;
    const rtAicpuArgsEx_t *info = req->info;
    if (req->param_off >= info->argsSize)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: cpuParamHeadOffset %zu is not inside the %u bytes of args",
                           req->call, req->param_off, info->argsSize);
    if (req->registered && !req->reg_kernel)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: the function has no kernel name",
                           req->call);
    if (aclsim_blob_kernel_from_args(req))
        rc = aclsim_blob_check_offset(req, info->kernelNameAddrOffset, "kernelNameAddrOffset");
    if (rc == ACL_SUCCESS && aclsim_blob_so_from_args(req) && !aclsim_blob_no_so(req))
        rc = aclsim_blob_check_offset(req, info->soNameAddrOffset, "soNameAddrOffset");
    if (rc != ACL_SUCCESS || info->isNoNeedH2DCopy)
        return rc; /* no host copy, so no fix-ups to apply */
    rc = aclsim_blob_check_fixups(req, info->hostInputInfoPtr, info->hostInputInfoNum,
                                  "hostInputInfoPtr");
    if (rc == ACL_SUCCESS)
        rc = aclsim_blob_check_fixups(req, info->kernelOffsetInfoPtr, info->kernelOffsetInfoNum,
                                      "kernelOffsetInfoPtr");
    return rc;
}

aclError aclsim_blob_check(aclsim_blob_req_t *req)
{
    aclError rc = aclsim_blob_check_fields(req);
    req->checked = rc == ACL_SUCCESS;
    return rc;
}

/* The length of the NUL-terminated name at args + offset, which must end inside the args. */
static aclError aclsim_blob_name_len(const aclsim_blob_req_t *req, const char *args,
                                     uint32_t offset, const char *which, uint32_t *len)
{
    uint32_t size = req->info->argsSize;
    const char *nul = memchr(args + offset, 0, size - offset);
    if (!nul)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: the name at %s %u is not NUL-terminated within the %u-byte args",
                           req->call, which, offset, size);
    *len = (uint32_t)(nul - (args + offset));
    return ACL_SUCCESS;
}

/* Both names checked in the args they are read from (after any fix-up). */
static aclError aclsim_blob_check_arg_names(const aclsim_blob_req_t *req,
                                            const aclsim_blob_plan_t *plan, const char *args,
                                            uint32_t *kernel_len, uint32_t *so_len)
{
    aclError rc = ACL_SUCCESS;
    if (!plan->kernel_text)
        rc = aclsim_blob_name_len(req, args, plan->kernel_src_off, "kernelNameAddrOffset",
                                  kernel_len);
    if (rc == ACL_SUCCESS && !plan->so_text && plan->so_off != SCHED_NO_NAME)
        rc = aclsim_blob_name_len(req, args, plan->so_src_off, "soNameAddrOffset", so_len);
    return rc;
}

/* Which name comes from where; lengths of registered names are known now. */
static void aclsim_blob_sources(const aclsim_blob_req_t *req, aclsim_blob_plan_t *plan)
{
    const rtAicpuArgsEx_t *info = req->info;
    plan->kernel_text = aclsim_blob_kernel_from_args(req) ? NULL : req->reg_kernel;
    plan->kernel_src_off = info->kernelNameAddrOffset;
    plan->kernel_len = plan->kernel_text ? (uint32_t)strnlen(plan->kernel_text, UINT32_MAX) : 0;
    bool no_so = aclsim_blob_no_so(req);
    plan->so_text = no_so || aclsim_blob_so_from_args(req) ? NULL : req->reg_so;
    plan->so_src_off = info->soNameAddrOffset;
    plan->so_len = plan->so_text ? (uint32_t)strnlen(plan->so_text, UINT32_MAX) : 0;
    plan->so_off = no_so ? SCHED_NO_NAME : 0;
}

/* The blob's size from its parts, refusing one that 32-bit device offsets cannot address. */
static aclError aclsim_blob_sum(const aclsim_blob_req_t *req, uint64_t total,
                                aclsim_blob_plan_t *plan)
{
    if (total > ACLSIM_BLOB_MAX)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: the args with their names take %llu bytes, more than %u", req->call,
                           (unsigned long long)total, (unsigned)ACLSIM_BLOB_MAX);
    plan->size = (uint32_t)total;
    return ACL_SUCCESS;
}

/* COPY: [args][registered kernel name][registered SO name]. */
static aclError aclsim_blob_plan_copy(const aclsim_blob_req_t *req, aclsim_blob_plan_t *plan)
{
    uint64_t at = req->info->argsSize;
    plan->kind = ACLSIM_BLOB_COPY;
    plan->kernel_off = plan->kernel_text ? (uint32_t)at : plan->kernel_src_off;
    if (plan->kernel_text)
        at += (uint64_t)plan->kernel_len + 1;
    if (plan->so_off != SCHED_NO_NAME) {
        plan->so_off = plan->so_text ? (uint32_t)(at > UINT32_MAX ? 0 : at) : plan->so_src_off;
        if (plan->so_text)
            at += (uint64_t)plan->so_len + 1;
    }
    return aclsim_blob_sum(req, at, plan);
}

/* IN_PLACE: the scheduler reads the names from the caller's device memory when the task runs,
 * so they are checked here, in that memory. */
static aclError aclsim_blob_plan_in_place(const aclsim_blob_req_t *req, const char *src,
                                          aclsim_blob_plan_t *plan)
{
    plan->kind = ACLSIM_BLOB_IN_PLACE;
    plan->size = 0;
    plan->kernel_off = plan->kernel_src_off;
    if (plan->so_off != SCHED_NO_NAME)
        plan->so_off = plan->so_src_off;
    uint32_t klen = 0, slen = 0;
    return aclsim_blob_check_arg_names(req, plan, src, &klen, &slen);
}

/* NAMES_ONLY: [kernel name][SO name], each taken from the args or the registration. */
static aclError aclsim_blob_plan_names(const aclsim_blob_req_t *req, const char *src,
                                       aclsim_blob_plan_t *plan)
{
    uint32_t klen = plan->kernel_len, slen = plan->so_len;
    aclError rc = aclsim_blob_check_arg_names(req, plan, src, &klen, &slen);
    if (rc != ACL_SUCCESS)
        return rc;
    plan->kind = ACLSIM_BLOB_NAMES_ONLY;
    plan->kernel_len = klen;
    plan->so_len = slen;
    plan->kernel_off = 0;
    uint64_t at = (uint64_t)klen + 1;
    if (plan->so_off != SCHED_NO_NAME) {
        plan->so_off = (uint32_t)(at > UINT32_MAX ? 0 : at);
        at += (uint64_t)slen + 1;
    }
    return aclsim_blob_sum(req, at, plan);
}

aclError aclsim_blob_plan(const aclsim_blob_req_t *req, const char *src, aclsim_blob_plan_t *plan)
{
    assert(req->checked);
    memset(plan, 0, sizeof *plan);
    aclsim_blob_sources(req, plan);
    if (!req->info->isNoNeedH2DCopy)
        return aclsim_blob_plan_copy(req, plan);
    if (!plan->kernel_text && !plan->so_text)
        return aclsim_blob_plan_in_place(req, src, plan);
    return aclsim_blob_plan_names(req, src, plan);
}

/* Writes deviceArgsBase + dataOffset at args + addrOffset, in the caller's buffer, as CANN does. */
static void aclsim_blob_apply_fixups(char *args, const rtHostInputInfo_t *list, uint16_t num,
                                     uint64_t base)
{
    for (uint16_t i = 0; i < num; i++) {
        uint64_t value = base + list[i].dataOffset;
        memcpy(args + list[i].addrOffset, &value, sizeof value);
    }
}

static void aclsim_blob_put_name(char *dst, uint32_t off, const char *text, uint32_t len)
{
    memcpy(dst + off, text, len);
    dst[off + len] = '\0';
}

static aclError aclsim_blob_fill_copy(const aclsim_blob_req_t *req, const aclsim_blob_plan_t *plan,
                                      char *src, uint64_t dev_base, char *dst)
{
    const rtAicpuArgsEx_t *info = req->info;
    aclsim_blob_apply_fixups(src, info->hostInputInfoPtr, info->hostInputInfoNum, dev_base);
    aclsim_blob_apply_fixups(src, info->kernelOffsetInfoPtr, info->kernelOffsetInfoNum, dev_base);
    uint32_t klen = 0, slen = 0;
    aclError rc = aclsim_blob_check_arg_names(req, plan, src, &klen, &slen);
    if (rc != ACL_SUCCESS)
        return rc;
    memcpy(dst, src, info->argsSize);
    if (plan->kernel_text)
        aclsim_blob_put_name(dst, plan->kernel_off, plan->kernel_text, plan->kernel_len);
    if (plan->so_text)
        aclsim_blob_put_name(dst, plan->so_off, plan->so_text, plan->so_len);
    return ACL_SUCCESS;
}

/* The lengths were measured at planning; the caller's memory may have changed since (a kernel can
 * write it), so exactly that many bytes are copied and terminated, whatever they are now. */
static void aclsim_blob_fill_names(const aclsim_blob_plan_t *plan, const char *src, char *dst)
{
    aclsim_blob_put_name(dst, plan->kernel_off,
                         plan->kernel_text ? plan->kernel_text : src + plan->kernel_src_off,
                         plan->kernel_len);
    if (plan->so_off != SCHED_NO_NAME)
        aclsim_blob_put_name(dst, plan->so_off,
                             plan->so_text ? plan->so_text : src + plan->so_src_off, plan->so_len);
}

aclError aclsim_blob_fill(const aclsim_blob_req_t *req, const aclsim_blob_plan_t *plan, char *src,
                          uint64_t dev_base, char *dst)
{
    switch (plan->kind) {
    case ACLSIM_BLOB_COPY:
        return aclsim_blob_fill_copy(req, plan, src, dev_base, dst);
    case ACLSIM_BLOB_NAMES_ONLY:
        aclsim_blob_fill_names(plan, src, dst);
        return ACL_SUCCESS;
    default:
        return ACL_SUCCESS;
    }
}
