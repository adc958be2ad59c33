/* libFuzzer target: the simulator's launch-argument handling (src/sim/host/aclsim_blob.c) without a
 * device: rtAicpuKernelLaunchExWithArgs' kernel type / opName checks, and for both it and
 * rtsLaunchCpuKernel the block count, the argument description (argsInfo itself may be NULL), the
 * fix-up lists, the name offsets (registered names or names in the args, 0xFFFFFFFF for no SO),
 * cpuParamHeadOffset and isNoNeedH2DCopy. Every buffer is allocated at exactly its size, so a read
 * or write outside one is caught by AddressSanitizer; every result must be a defined code, and a
 * successful blob must hold what the device will read: both names NUL-terminated inside it, the
 * args copied after their fix-ups.
 *
 * Input: a 32-byte header (see fuzz_header_t; missing bytes read as zero), the fix-up entries,
 * the registered names, then the argument blob itself (all remaining bytes). */
#include "aclsim_blob.h"
#include "aclsim_error.h" /* aclsim_recent_msg: what aclGetRecentErrMsg returns */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched_shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    FUZZ_REGISTERED = 1 << 0,  /* rtsLaunchCpuKernel: registered names */
    FUZZ_NO_COPY = 1 << 1,     /* isNoNeedH2DCopy */
    FUZZ_REG_SO = 1 << 2,      /* the function has an SO name */
    FUZZ_NULL_HOST = 1 << 3,   /* hostInputInfoPtr NULL whatever its count */
    FUZZ_NULL_KERNEL = 1 << 4, /* kernelOffsetInfoPtr NULL whatever its count */
    FUZZ_NULL_OPNAME = 1 << 5, /* opName NULL */
    FUZZ_NO_SO_NAME = 1 << 6,  /* soNameAddrOffset = 0xFFFFFFFF */
    FUZZ_NULL_ARGS = 1 << 7,   /* args NULL */
};
enum {
    FUZZ2_NULL_INFO = 1 << 0, /* argsInfo NULL */
};

typedef struct fuzz_header {
    uint8_t flags;
    uint8_t host_num; /* fix-up entries in the input (at most 15 each) */
    uint8_t kernel_num;
    uint8_t type; /* kernelType: low 4 bits */
    uint32_t kernel_off;
    uint32_t so_off;
    uint32_t param_off;
    uint32_t num_blocks;
    uint8_t reg_kernel_len; /* registered names in the input (at most 63 bytes each) */
    uint8_t reg_so_len;
    uint8_t flags2; /* FUZZ2_* */
    uint8_t reserved;
    uint64_t dev_base;
} fuzz_header_t;
_Static_assert(sizeof(fuzz_header_t) == 32, "the header is 32 bytes");

typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t at;
} fuzz_input_t;

/* The next n input bytes into dst, zero-filled past the end. */
static void fuzz_take(fuzz_input_t *in, void *dst, size_t n)
{
    size_t have = in->at < in->size ? in->size - in->at : 0;
    size_t got = have < n ? have : n;
    memcpy(dst, in->data + in->at, got);
    memset((uint8_t *)dst + got, 0, n - got);
    in->at += n;
}

static void fuzz_expect(bool ok)
{
    if (!ok)
        abort();
}

static void fuzz_expect_code(aclError rc, bool feature_too)
{
    fuzz_expect(rc == ACL_SUCCESS || rc == ACL_ERROR_RT_PARAM_INVALID ||
                (feature_too && rc == ACL_ERROR_RT_FEATURE_NOT_SUPPORT));
    /* A refusal always says why. */
    fuzz_expect(rc == ACL_SUCCESS || aclsim_recent_msg()[0] != '\0');
}

/* An exact-size copy of a fix-up list, or NULL. */
static rtHostInputInfo_t *fuzz_fixups(fuzz_input_t *in, uint8_t num)
{
    if (num == 0)
        return NULL;
    rtHostInputInfo_t *list = malloc(num * sizeof *list);
    fuzz_expect(list != NULL);
    fuzz_take(in, list, num * sizeof *list);
    return list;
}

static char *fuzz_name(fuzz_input_t *in, uint8_t len)
{
    char *name = malloc((size_t)len + 1);
    fuzz_expect(name != NULL);
    fuzz_take(in, name, len);
    name[len] = '\0';
    return name;
}

/* An offset that is used as given half the time, else folded into the blob so that the later
 * checks get exercised too. */
static uint32_t fuzz_offset(uint32_t raw, uint32_t size)
{
    if ((raw & 1u) || size == 0)
        return raw;
    return (raw >> 1) % size;
}

/* A block count that is used as given half the time, else folded into 1..0xFFFF. */
static uint32_t fuzz_block_count(uint32_t raw)
{
    return (raw & 1u) ? raw : (raw >> 1) % 0xFFFFu + 1;
}

/* The name the device will read at off must end inside the len bytes of buf. */
static void fuzz_expect_name(const char *buf, uint32_t len, uint32_t off)
{
    fuzz_expect(off < len && memchr(buf + off, 0, len - off) != NULL);
}

/* The last fix-up is the final write at its place: it holds dev_base + dataOffset. */
static void fuzz_expect_last_fixup(const rtAicpuArgsEx_t *info, const char *dst, uint64_t base)
{
    const rtHostInputInfo_t *last = NULL;
    if (info->kernelOffsetInfoNum)
        last = &info->kernelOffsetInfoPtr[info->kernelOffsetInfoNum - 1];
    else if (info->hostInputInfoNum)
        last = &info->hostInputInfoPtr[info->hostInputInfoNum - 1];
    if (!last)
        return;
    uint64_t value;
    memcpy(&value, dst + last->addrOffset, sizeof value);
    fuzz_expect(value == base + last->dataOffset);
}

static void fuzz_check_blob(const aclsim_blob_req_t *req, const aclsim_blob_plan_t *plan,
                            const char *src, const char *dst, uint64_t base)
{
    const rtAicpuArgsEx_t *info = req->info;
    const char *names = plan->kind == ACLSIM_BLOB_IN_PLACE ? src : dst;
    uint32_t len = plan->kind == ACLSIM_BLOB_IN_PLACE ? info->argsSize : plan->size;
    fuzz_expect_name(names, len, plan->kernel_off);
    if (plan->so_off != SCHED_NO_NAME)
        fuzz_expect_name(names, len, plan->so_off);
    if (plan->kind == ACLSIM_BLOB_COPY) {
        fuzz_expect(plan->size >= info->argsSize);
        fuzz_expect(memcmp(dst, src, info->argsSize) == 0);
        fuzz_expect_last_fixup(info, dst, base);
    }
    if (plan->kernel_text)
        fuzz_expect(strcmp(names + plan->kernel_off, req->reg_kernel) == 0);
    if (plan->so_text)
        fuzz_expect(strcmp(names + plan->so_off, req->reg_so) == 0);
    fuzz_expect(plan->kind != ACLSIM_BLOB_IN_PLACE || !req->registered ||
                (info->kernelNameAddrOffset != 0 && (info->soNameAddrOffset != 0 || !req->reg_so)));
}

static void fuzz_run_blob(aclsim_blob_req_t *req, char *src, uint64_t base)
{
    aclsim_blob_plan_t plan;
    aclError rc = aclsim_blob_check(req); /* once, as each entry point does */
    if (rc == ACL_SUCCESS)
        rc = aclsim_blob_plan(req, src, &plan);
    fuzz_expect_code(rc, false);
    if (rc != ACL_SUCCESS)
        return;
    fuzz_expect((plan.kind == ACLSIM_BLOB_IN_PLACE) == (plan.size == 0));
    fuzz_expect(plan.kind == ACLSIM_BLOB_COPY || req->info->isNoNeedH2DCopy);
    char *dst = plan.size ? malloc(plan.size) : NULL;
    fuzz_expect(plan.size == 0 || dst != NULL);
    rc = aclsim_blob_fill(req, &plan, src, base, dst);
    fuzz_expect_code(rc, false);
    if (rc == ACL_SUCCESS)
        fuzz_check_blob(req, &plan, src, dst, base);
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input_t in = {data, size, 0};
    fuzz_header_t h;
    fuzz_take(&in, &h, sizeof h);
    uint8_t host_num = h.host_num & 15, kernel_num = h.kernel_num & 15;
    rtHostInputInfo_t *host = fuzz_fixups(&in, host_num);
    rtHostInputInfo_t *kernel = fuzz_fixups(&in, kernel_num);
    char *reg_kernel = fuzz_name(&in, h.reg_kernel_len & 63);
    char *reg_so = fuzz_name(&in, h.reg_so_len & 63);
    size_t blob_size = in.at < size ? size - in.at : 0;
    char *blob = malloc(blob_size ? blob_size : 1);
    fuzz_expect(blob != NULL);
    fuzz_take(&in, blob, blob_size);
    uint32_t args_size = (uint32_t)blob_size;

    fuzz_expect_code(
        aclsim_blob_check_launch(h.type & 15, (h.flags & FUZZ_NULL_OPNAME) ? NULL : "fuzz_op"),
        true);

    rtAicpuArgsEx_t info = {
        .args = (h.flags & FUZZ_NULL_ARGS) ? NULL : blob,
        .hostInputInfoPtr = (h.flags & FUZZ_NULL_HOST) ? NULL : host,
        .kernelOffsetInfoPtr = (h.flags & FUZZ_NULL_KERNEL) ? NULL : kernel,
        .argsSize = args_size,
        .hostInputInfoNum = host_num,
        .kernelOffsetInfoNum = kernel_num,
        .soNameAddrOffset =
            (h.flags & FUZZ_NO_SO_NAME) ? SCHED_NO_NAME : fuzz_offset(h.so_off, args_size),
        .kernelNameAddrOffset = fuzz_offset(h.kernel_off, args_size),
        .isNoNeedH2DCopy = (h.flags & FUZZ_NO_COPY) != 0,
    };
    bool registered = (h.flags & FUZZ_REGISTERED) != 0;
    aclsim_blob_req_t req = {
        .call = registered ? "rtsLaunchCpuKernel" : "rtAicpuKernelLaunchExWithArgs",
        .num_blocks = fuzz_block_count(h.num_blocks),
        .info = (h.flags2 & FUZZ2_NULL_INFO) ? NULL : &info,
        .param_off = registered ? fuzz_offset(h.param_off, args_size) : 0,
        .registered = registered,
        .reg_kernel = registered ? reg_kernel : NULL,
        .reg_so = registered && (h.flags & FUZZ_REG_SO) ? reg_so : NULL,
    };
    fuzz_run_blob(&req, blob, h.dev_base);

    free(blob);
    free(reg_so);
    free(reg_kernel);
    free(kernel);
    free(host);
    return 0;
}
