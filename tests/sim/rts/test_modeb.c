/* Mode B end to end, written as CANN host code is: only the CANN-compatible headers (acl/acl.h,
 * runtime/rt.h, runtime/rts/rts_kernel.h) and libaclsim, no akl.h. A JSON op descriptor names
 * two functions of a kernel SO in the device's preinstall directory (cpuKernelMode 0); the
 * functions are looked up by op type and launched by handle with a non-zero cpuParamHeadOffset;
 * an SO brought along (cpuKernelMode 1, beside its JSON; 2, from memory with rtsRegisterCpuFunc)
 * goes to the device's custom-kernel directory and runs as AICPU_CUSTOM; a timeout attribute
 * fires; every bad handle and a representative set of malformed descriptors and launches get
 * their code and a message naming the file or call and the problem. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl/acl.h"
#include "modebk_abi.h"
#include "runtime/rt.h"
#include "runtime/rts/rts_kernel.h"
#include "test_support.h"

#define MBT_PATH_MAX 4096
#define MBT_PARAM_OFF 64u
#define MBT_SYNC_MS 60000
#define MBT_GONE_MS 10000

/* ---- paths of the simulated chip (device 0 and 1 are the two dies of chip 0) ---- */

static const char *mbt_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *mbt_path(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, MBT_PATH_MAX, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && n < MBT_PATH_MAX);
    return buf;
}

static const char *mbt_preinstall(char *buf, const char *file)
{
    return mbt_path(buf, "%s/chip0/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/%s", t_sim_root(),
                    file);
}

static const char *mbt_cust_dir(char *buf, int32_t device)
{
    return mbt_path(buf, "%s/chip0/home/CustAiCpuUser/cust_aicpu_%d_0_%d", t_sim_root(),
                    (int)device, (int)getpid());
}

static const char *mbt_cust_file(char *buf, int32_t device, const char *file)
{
    char dir[MBT_PATH_MAX];
    return mbt_path(buf, "%s/%s", mbt_cust_dir(dir, device), file);
}

static const char *mbt_work(char *buf, const char *file)
{
    return mbt_path(buf, "%s/work/%s", t_sim_root(), file);
}

static void mbt_write_text(const char *path, const char *text)
{
    assert_int_equal(t_write_file(path, text, strlen(text)), 0);
}

static void *mbt_kernel_bytes(const char *so, size_t *size)
{
    char path[MBT_PATH_MAX];
    void *bytes = t_read_file(t_kernel_path(so, path, sizeof path), size);
    assert_non_null(bytes);
    return bytes;
}

static void mbt_copy_kernel(const char *so, const char *dst)
{
    size_t size;
    void *bytes = mbt_kernel_bytes(so, &size);
    assert_int_equal(t_write_file(dst, bytes, size), 0);
    free(bytes);
}

static bool mbt_file_equals_kernel(const char *path, const char *so)
{
    size_t a_size, b_size;
    void *a = t_read_file(path, &a_size);
    void *b = mbt_kernel_bytes(so, &b_size);
    bool same = a && a_size == b_size && memcmp(a, b, a_size) == 0;
    free(a);
    free(b);
    return same;
}

static bool mbt_gone(void *path)
{
    return !t_file_exists(path);
}

static bool mbt_msg_has(const char *needle, const char *also)
{
    const char *msg = aclGetRecentErrMsg();
    bool ok = msg && strstr(msg, needle) && (!also || strstr(msg, also));
    if (!ok)
        fprintf(stderr, "aclGetRecentErrMsg() was \"%s\"; wanted \"%s\"%s%s\n",
                msg ? msg : "(null)", needle, also ? " and " : "", also ? also : "");
    return ok;
}

/* ---- descriptors and options ---- */

#define MBT_OP(key, func, so, lib, user)                                                           \
    "\"" key "\": {\"opInfo\": {\"computeCost\": \"100\", \"engine\": \"DNN_VM_AICPU\", "          \
    "\"flagAsync\": \"False\", \"flagPartial\": \"False\", \"functionName\": \"" func "\", "       \
    "\"kernelSo\": \"" so "\", \"opKernelLib\": \"" lib "\", \"userDefined\": \"" user "\", "      \
    "\"workspaceSize\": \"1024\"}}"

/* The preinstalled SO's functions, and one of a kernel library the simulator has no engine for. */
#define MBT_OPS_ADD MBT_OP("ModebAdd", "modebk_add", MODEBK_OPS_SO, "AICPUKernel", "False")
#define MBT_OPS_MUL MBT_OP("ModebMul", "modebk_mul", MODEBK_OPS_SO, "AICPUKernel", "False")
#define MBT_OPS_WAIT MBT_OP("ModebWait", "modebk_wait", MODEBK_OPS_SO, "AICPUKernel", "False")
#define MBT_OPS_TF MBT_OP("ModebTf", "modebk_add", MODEBK_OPS_SO, "TFKernel", "False")
static const char mbt_ops_json[] =
    "{\n  " MBT_OPS_ADD ",\n  " MBT_OPS_MUL ",\n  " MBT_OPS_WAIT ",\n  " MBT_OPS_TF "\n}\n";

static rtLoadBinaryConfig_t *mbt_mode(int32_t mode)
{
    static __thread rtLoadBinaryOption_t opt;
    static __thread rtLoadBinaryConfig_t cfg;
    memset(&opt, 0, sizeof opt);
    opt.optionId = RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE;
    opt.value.cpuKernelMode = mode;
    cfg.options = &opt;
    cfg.numOpt = 1;
    return &cfg;
}

/* The mode-0 binary of mbt_ops_json, written as work/ops.json. */
static rtBinHandle mbt_load_ops(void)
{
    char path[MBT_PATH_MAX];
    mbt_write_text(mbt_work(path, "ops.json"), mbt_ops_json);
    rtBinHandle bin = NULL;
    assert_int_equal(rtsBinaryLoadFromFile(path, mbt_mode(0), &bin), ACL_SUCCESS);
    assert_non_null(bin);
    return bin;
}

static rtFuncHandle mbt_func(rtBinHandle bin, const char *op_type)
{
    rtFuncHandle func = NULL;
    assert_int_equal(rtsFuncGetByName(bin, op_type, &func), ACL_SUCCESS);
    assert_non_null(func);
    return func;
}

/* ---- launches ---- */

/* Args of one launch: the header, the param at MBT_PARAM_OFF, then any names. */
typedef struct mbt_launch {
    uint8_t buf[512];
    rtCpuKernelArgs_t args;
} mbt_launch_t;

static void mbt_args(mbt_launch_t *l, const void *out, int64_t a, int64_t b)
{
    memset(l, 0, sizeof *l);
    modebk_head_t head = {MODEBK_HEAD_MAGIC, MBT_PARAM_OFF, {0, 0, 0}};
    modebk_param_t param = {MODEBK_PARAM_MAGIC, MBT_PARAM_OFF, (uint64_t)(uintptr_t)out, a, b};
    memcpy(l->buf, &head, sizeof head);
    memcpy(l->buf + MBT_PARAM_OFF, &param, sizeof param);
    l->args.baseArgs.args = l->buf;
    l->args.baseArgs.argsSize = MBT_PARAM_OFF + (uint32_t)sizeof param;
    l->args.cpuParamHeadOffset = MBT_PARAM_OFF;
}

/* Appends a NUL-terminated name to the args; returns its offset. */
static uint32_t mbt_args_name(mbt_launch_t *l, const char *name)
{
    uint32_t at = l->args.baseArgs.argsSize;
    assert_true(at + strlen(name) + 1 <= sizeof l->buf);
    strcpy((char *)l->buf + at, name);
    l->args.baseArgs.argsSize += (uint32_t)strlen(name) + 1;
    return at;
}

static void *mbt_dev_zalloc(size_t size)
{
    void *p = NULL;
    assert_int_equal(aclrtMalloc(&p, size, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS);
    assert_int_equal(aclrtMemset(p, size, 0, size), ACL_SUCCESS);
    return p;
}

static void mbt_read(void *host, const void *dev, size_t size)
{
    assert_int_equal(aclrtMemcpy(host, size, dev, size, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
}

static aclError mbt_sync(aclrtStream stream)
{
    return aclrtSynchronizeStreamWithTimeout(stream, MBT_SYNC_MS);
}

/* Launches func once on one block and returns what the synchronize says; *result gets block 0's
 * result. */
static aclError mbt_run(rtFuncHandle func, mbt_launch_t *l, modebk_result_t *result)
{
    modebk_result_t *out = mbt_dev_zalloc(sizeof *out);
    modebk_param_t *param = (modebk_param_t *)(l->buf + MBT_PARAM_OFF);
    param->out = (uint64_t)(uintptr_t)out;
    aclError rc = rtsLaunchCpuKernel(func, 1, NULL, NULL, &l->args);
    if (rc == ACL_SUCCESS)
        rc = mbt_sync(NULL);
    mbt_read(result, out, sizeof *result);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    return rc;
}

static void mbt_expect_value(rtFuncHandle func, int64_t a, int64_t b, int64_t value,
                             uint32_t variant)
{
    mbt_launch_t l;
    mbt_args(&l, NULL, a, b);
    modebk_result_t r;
    assert_int_equal(mbt_run(func, &l, &r), ACL_SUCCESS);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.value, value);
    assert_int_equal(r.variant, variant);
}

/* ---- cpuKernelMode 0: JSON only, the SO preinstalled ---- */

static void test_mode0_two_functions_with_param_offset(void **state)
{
    (void)state;
    rtBinHandle bin = mbt_load_ops();
    rtFuncHandle add = mbt_func(bin, "ModebAdd");
    rtFuncHandle mul = mbt_func(bin, "ModebMul");
    assert_ptr_not_equal(add, mul);

    modebk_result_t *out = mbt_dev_zalloc(3 * sizeof *out);
    aclrtStream stream;
    assert_int_equal(aclrtCreateStream(&stream), ACL_SUCCESS);
    mbt_launch_t l;
    mbt_args(&l, out, 20, 22);
    assert_int_equal(rtsLaunchCpuKernel(add, 2, stream, NULL, &l.args), ACL_SUCCESS);
    memset(l.buf, 0xEE, sizeof l.buf); /* the args were copied: the caller may reuse them */
    mbt_args(&l, out + 2, 6, 8);
    assert_int_equal(rtsLaunchCpuKernel(mul, 1, NULL, NULL, &l.args), ACL_SUCCESS);
    assert_int_equal(mbt_sync(stream), ACL_SUCCESS);
    assert_int_equal(mbt_sync(NULL), ACL_SUCCESS);

    modebk_result_t r[3];
    mbt_read(r, out, sizeof r);
    for (uint32_t b = 0; b < 2; b++) {
        assert_int_equal(r[b].done, 1);
        assert_int_equal(r[b].value, 42);
        assert_int_equal(r[b].variant, MODEBK_VARIANT_OPS);
        assert_int_equal(r[b].block_idx, b);
        assert_int_equal(r[b].block_num, 2);
    }
    assert_int_equal(r[2].value, 48);
    assert_int_equal(r[2].block_num, 1);
    assert_int_equal(aclrtDestroyStream(stream), ACL_SUCCESS);
    assert_int_equal(aclrtFree(out), ACL_SUCCESS);
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
}

/* Non-zero name offsets replace the registered names; SO offset 0xFFFFFFFF means no SO name. */
static void test_names_from_the_args_override_the_registration(void **state)
{
    (void)state;
    rtBinHandle bin = mbt_load_ops();
    rtFuncHandle add = mbt_func(bin, "ModebAdd");
    mbt_launch_t l;
    modebk_result_t r;

    mbt_args(&l, NULL, 5, 9);
    l.args.baseArgs.kernelNameAddrOffset = mbt_args_name(&l, "modebk_mul");
    assert_int_equal(mbt_run(add, &l, &r), ACL_SUCCESS);
    assert_int_equal(r.value, 45);

    mbt_args(&l, NULL, 5, 9);
    l.args.baseArgs.soNameAddrOffset = mbt_args_name(&l, "libmodebk_missing.so");
    assert_int_equal(mbt_run(add, &l, &r), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(mbt_msg_has("device errcode 11002", "libmodebk_missing.so"));

    mbt_args(&l, NULL, 5, 9);
    l.args.baseArgs.kernelNameAddrOffset = mbt_args_name(&l, "modebk_add");
    l.args.baseArgs.soNameAddrOffset = 0xFFFFFFFFu;
    assert_int_equal(mbt_run(add, &l, &r), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(mbt_msg_has("device errcode 11001", "modebk_add"));

    /* The kernel checks its param: a wrong cpuParamHeadOffset hands it the header instead. */
    mbt_args(&l, NULL, 1, 2);
    l.args.cpuParamHeadOffset = 0;
    assert_int_equal(mbt_run(add, &l, &r), ACL_ERROR_RT_AICPU_EXCEPTION);
    assert_true(mbt_msg_has("returned 71", "modebk_add"));
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
}

/* ---- cpuKernelMode 1: the SO beside its JSON ---- */

static void test_mode1_so_goes_to_the_custom_directory(void **state)
{
    (void)state;
    char so[MBT_PATH_MAX], json[MBT_PATH_MAX], dev0[MBT_PATH_MAX], dev1[MBT_PATH_MAX],
        pre[MBT_PATH_MAX];
    mbt_copy_kernel(MODEBK_CUST_SO, mbt_work(so, "custops.so"));
    /* AICPUKernel + userDefined False would be a preinstalled kernel; brought along, the SO is
     * only in the custom directory, so both run as AICPU_CUSTOM. */
#define MBT_CUST_ADD MBT_OP("CustAdd", "modebk_add", "custops.so", "AICPUKernel", "False")
#define MBT_CUST_MUL MBT_OP("CustMul", "modebk_mul", "custops.so", "CUSTAICPUKernel", "False")
    mbt_write_text(mbt_work(json, "custops.json"), "{" MBT_CUST_ADD ", " MBT_CUST_MUL "}");
    rtBinHandle bin = NULL;
    assert_int_equal(rtsBinaryLoadFromFile(so, mbt_mode(1), &bin), ACL_SUCCESS);
    mbt_expect_value(mbt_func(bin, "CustAdd"), 30, 12, 42, MODEBK_VARIANT_CUST);
    mbt_expect_value(mbt_func(bin, "CustMul"), 3, 5, 15, MODEBK_VARIANT_CUST);
    assert_true(mbt_file_equals_kernel(mbt_cust_file(dev0, 0, "custops.so"), MODEBK_CUST_SO));
    assert_false(t_file_exists(mbt_preinstall(pre, "custops.so")));

    /* Each device gets the SO on the binary's first launch there. */
    assert_false(t_file_exists(mbt_cust_file(dev1, 1, "custops.so")));
    assert_int_equal(aclrtSetDevice(1), ACL_SUCCESS);
    mbt_expect_value(mbt_func(bin, "CustAdd"), 1, 1, 2, MODEBK_VARIANT_CUST);
    assert_true(mbt_file_equals_kernel(dev1, MODEBK_CUST_SO));

    /* Unloading removes the files no binary uses any more; the reset removes the directory. */
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
    assert_false(t_file_exists(dev0));
    assert_false(t_file_exists(dev1));
    char dir1[MBT_PATH_MAX];
    mbt_cust_dir(dir1, 1);
    assert_int_equal(aclrtResetDevice(1), ACL_SUCCESS);
    assert_true(t_wait_until(mbt_gone, dir1, MBT_GONE_MS));
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS); /* the extra reference */
}

/* Other bytes under a name the device may have opened would never run: refused. */
static void test_mode1_other_bytes_under_a_known_name_are_refused(void **state)
{
    (void)state;
    char so[MBT_PATH_MAX], json[MBT_PATH_MAX];
    mbt_copy_kernel(MODEBK_CUST_SO, mbt_work(so, "same.so"));
    mbt_write_text(mbt_work(json, "same.json"),
                   "{" MBT_OP("SameAdd", "modebk_add", "same.so", "CUSTAICPUKernel", "True") "}");
    rtBinHandle first = NULL, second = NULL;
    assert_int_equal(rtsBinaryLoadFromFile(json, mbt_mode(1), &first), ACL_SUCCESS);
    mbt_expect_value(mbt_func(first, "SameAdd"), 2, 3, 5, MODEBK_VARIANT_CUST);

    mbt_copy_kernel(MODEBK_OPS_SO, so);
    assert_int_equal(rtsBinaryLoadFromFile(so, mbt_mode(1), &second), ACL_SUCCESS);
    mbt_launch_t l;
    mbt_args(&l, NULL, 2, 3);
    assert_int_equal(rtsLaunchCpuKernel(mbt_func(second, "SameAdd"), 1, NULL, NULL, &l.args),
                     ACL_ERROR_RT_PARAM_INVALID);
    assert_true(mbt_msg_has("different CPU kernel SO named 'same.so'", "aclrtResetDevice"));
    /* The first binary still runs its own bytes. */
    mbt_expect_value(mbt_func(first, "SameAdd"), 2, 4, 6, MODEBK_VARIANT_CUST);
    assert_int_equal(rtsBinaryUnload(second), ACL_SUCCESS);
    assert_int_equal(rtsBinaryUnload(first), ACL_SUCCESS);
}

/* ---- cpuKernelMode 2: the SO from memory, functions registered one by one ---- */

/* The data-loaded SO's file: "<hash>_<size>.so" in the custom directory, or "" if none. */
static void mbt_find_data_so(size_t size, char *out)
{
    char dir[MBT_PATH_MAX], suffix[64];
    snprintf(suffix, sizeof suffix, "_%zu.so", size);
    out[0] = 0;
    DIR *d = opendir(mbt_cust_dir(dir, 0));
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), slen = strlen(suffix);
        if (e->d_name[0] != '.' && len > slen && strcmp(e->d_name + len - slen, suffix) == 0)
            mbt_path(out, "%s/%s", dir, e->d_name);
    }
    closedir(d);
}

static void test_mode2_load_from_data_and_register(void **state)
{
    (void)state;
    size_t size;
    void *bytes = mbt_kernel_bytes(MODEBK_CUST_SO, &size);
    rtBinHandle bin = NULL, again = NULL;
    assert_int_equal(rtsBinaryLoadFromData(bytes, size, mbt_mode(2), &bin), ACL_SUCCESS);
    rtFuncHandle add = NULL, dup = NULL, mul = NULL;
    assert_int_equal(rtsRegisterCpuFunc(bin, "modebk_add", "DataAdd", &add), ACL_SUCCESS);
    assert_int_equal(rtsRegisterCpuFunc(bin, "modebk_mul", "DataAdd", &dup), ACL_SUCCESS);
    assert_ptr_equal(dup, add); /* the first registration wins */
    assert_true(mbt_msg_has("already registered", "DataAdd"));
    assert_int_equal(rtsRegisterCpuFunc(bin, "modebk_mul", "DataMul", &mul), ACL_SUCCESS);
    assert_ptr_equal(mbt_func(bin, "DataAdd"), add);
    mbt_expect_value(add, 19, 23, 42, MODEBK_VARIANT_CUST);
    mbt_expect_value(mul, 7, 6, 42, MODEBK_VARIANT_CUST);

    char file[MBT_PATH_MAX];
    mbt_find_data_so(size, file);
    assert_true(file[0] != 0);
    assert_true(mbt_file_equals_kernel(file, MODEBK_CUST_SO));

    /* A second binary of the same bytes shares the file; it goes with the last of them. */
    assert_int_equal(rtsBinaryLoadFromData(bytes, size, mbt_mode(2), &again), ACL_SUCCESS);
    assert_int_equal(rtsRegisterCpuFunc(again, "modebk_add", "DataAdd", &add), ACL_SUCCESS);
    mbt_expect_value(add, 1, 2, 3, MODEBK_VARIANT_CUST);
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
    assert_true(t_file_exists(file));
    mbt_expect_value(add, 2, 2, 4, MODEBK_VARIANT_CUST);
    assert_int_equal(rtsBinaryUnload(again), ACL_SUCCESS);
    assert_false(t_file_exists(file));
    free(bytes);
}

/* ---- timeouts ---- */

static rtKernelLaunchCfg_t *mbt_timeout_cfg(rtLaunchKernelAttr_t *attr, rtLaunchKernelAttrId id,
                                            uint32_t value)
{
    static __thread rtKernelLaunchCfg_t cfg;
    memset(attr, 0, sizeof *attr);
    attr->id = id;
    if (id == RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US)
        attr->value.timeoutUs.timeoutLow = value;
    else
        attr->value.timeout = (uint16_t)value;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    return &cfg;
}

/* modebk_wait for at most wait_ms on a flag nobody sets; returns the synchronize's code. */
static aclError mbt_wait_task(rtFuncHandle wait, const rtKernelLaunchCfg_t *cfg, int64_t wait_ms)
{
    uint32_t *flag = mbt_dev_zalloc(sizeof *flag);
    modebk_result_t *out = mbt_dev_zalloc(sizeof *out);
    mbt_launch_t l;
    mbt_args(&l, out, (int64_t)(uintptr_t)flag, wait_ms);
    assert_int_equal(rtsLaunchCpuKernel(wait, 1, NULL, cfg, &l.args), ACL_SUCCESS);
    aclError rc = mbt_sync(NULL);
    if (rc == ACL_SUCCESS) {
        modebk_result_t r;
        mbt_read(&r, out, sizeof r);
        assert_int_equal(r.value, wait_ms);
        assert_int_equal(aclrtFree(out), ACL_SUCCESS);
        assert_int_equal(aclrtFree(flag), ACL_SUCCESS);
    }
    return rc;
}

/* A timed-out task stops the device (as CANN stops its AICPU process); a reset brings it back. */
static void mbt_expect_timeout_and_recover(aclError rc)
{
    assert_int_equal(rc, ACL_ERROR_RT_AICPU_TIMEOUT);
    assert_true(mbt_msg_has("timeout", "modebk_wait"));
    assert_int_equal(aclrtResetDevice(0), ACL_SUCCESS);
    assert_int_equal(aclrtSetDevice(0), ACL_SUCCESS);
}

static void test_timeout_attributes(void **state)
{
    (void)state;
    rtBinHandle bin = mbt_load_ops();
    rtFuncHandle wait = mbt_func(bin, "ModebWait");
    rtLaunchKernelAttr_t attr;

    /* 200 ms per task fires on a kernel that would wait a minute. */
    const rtKernelLaunchCfg_t *cfg =
        mbt_timeout_cfg(&attr, RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US, 200000);
    mbt_expect_timeout_and_recover(mbt_wait_task(wait, cfg, 60000));

    /* A global limit applies to Mode B launches without the attribute... */
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(50), ACL_SUCCESS);
    mbt_expect_timeout_and_recover(mbt_wait_task(wait, NULL, 60000));
    /* ...and a per-task 0 ("never") beats it: 300 ms of waiting finish. */
    cfg = mbt_timeout_cfg(&attr, RT_LAUNCH_KERNEL_ATTR_TIMEOUT, 0);
    assert_int_equal(mbt_wait_task(wait, cfg, 300), ACL_SUCCESS);
    assert_int_equal(aclrtSetOpExecuteTimeOutWithMs(0), ACL_SUCCESS);
    /* A generous per-task limit leaves a short task alone. */
    cfg = mbt_timeout_cfg(&attr, RT_LAUNCH_KERNEL_ATTR_TIMEOUT, 30);
    assert_int_equal(mbt_wait_task(wait, cfg, 1), ACL_SUCCESS);
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
}

/* ---- bad handles ---- */

static void mbt_expect(aclError got, aclError want, const char *needle, const char *also)
{
    assert_int_equal(got, want);
    assert_true(mbt_msg_has(needle, also));
}

static void test_bad_handles(void **state)
{
    (void)state;
    rtBinHandle bin = mbt_load_ops();
    rtFuncHandle add = mbt_func(bin, "ModebAdd");
    rtFuncHandle func = NULL;
    mbt_launch_t l;
    mbt_args(&l, NULL, 1, 1);
    int local;
    void *const forged[] = {(void *)(uintptr_t)0x1234, &local, (void *)(uintptr_t)UINTPTR_MAX};

    /* NULL: a missing argument, 107000. */
    mbt_expect(rtsFuncGetByName(NULL, "ModebAdd", &func), ACL_ERROR_RT_PARAM_INVALID,
               "rtsFuncGetByName", "NULL");
    mbt_expect(rtsRegisterCpuFunc(NULL, "modebk_add", "X", &func), ACL_ERROR_RT_PARAM_INVALID,
               "rtsRegisterCpuFunc", "NULL");
    mbt_expect(rtsLaunchCpuKernel(NULL, 1, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "NULL");
    mbt_expect(rtsBinaryUnload(NULL), ACL_ERROR_RT_PARAM_INVALID, "rtsBinaryUnload", "NULL");

    /* Forged values and handles of the other kind: 107017, never dereferenced. */
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        mbt_expect(rtsFuncGetByName(forged[i], "ModebAdd", &func), ACL_ERROR_RT_INVALID_HANDLE,
                   "rtsFuncGetByName", "not a loaded binary handle");
        mbt_expect(rtsRegisterCpuFunc(forged[i], "modebk_add", "X", &func),
                   ACL_ERROR_RT_INVALID_HANDLE, "rtsRegisterCpuFunc", "not a loaded");
        mbt_expect(rtsLaunchCpuKernel(forged[i], 1, NULL, NULL, &l.args),
                   ACL_ERROR_RT_INVALID_HANDLE, "rtsLaunchCpuKernel", "not a loaded function");
        mbt_expect(rtsBinaryUnload(forged[i]), ACL_ERROR_RT_INVALID_HANDLE, "rtsBinaryUnload",
                   "not a loaded");
    }
    mbt_expect(rtsFuncGetByName(add, "ModebAdd", &func), ACL_ERROR_RT_INVALID_HANDLE,
               "rtsFuncGetByName", "not a loaded binary handle");
    mbt_expect(rtsLaunchCpuKernel(bin, 1, NULL, NULL, &l.args), ACL_ERROR_RT_INVALID_HANDLE,
               "rtsLaunchCpuKernel", "not a loaded function");
    mbt_expect(rtsBinaryUnload(add), ACL_ERROR_RT_INVALID_HANDLE, "rtsBinaryUnload",
               "not a loaded");

    /* Unloaded: the binary and all its functions. */
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
    mbt_expect(rtsFuncGetByName(bin, "ModebAdd", &func), ACL_ERROR_RT_INVALID_HANDLE,
               "rtsFuncGetByName", "unloaded");
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, &l.args), ACL_ERROR_RT_INVALID_HANDLE,
               "rtsLaunchCpuKernel", "unloaded");
    mbt_expect(rtsRegisterCpuFunc(bin, "modebk_add", "X", &func), ACL_ERROR_RT_INVALID_HANDLE,
               "rtsRegisterCpuFunc", "unloaded");
    mbt_expect(rtsBinaryUnload(bin), ACL_ERROR_RT_INVALID_HANDLE, "rtsBinaryUnload", "unloaded");
    /* None of it reached the device. */
    assert_int_equal(mbt_sync(NULL), ACL_SUCCESS);
}

/* ---- malformed descriptors and options ---- */

typedef struct mbt_bad_file {
    const char *file;
    const char *text; /* NULL: no such file */
    int32_t mode;
    const char *needle;
} mbt_bad_file_t;

#define MBT_VALID_OP MBT_OP("Op", "modebk_add", MODEBK_OPS_SO, "AICPUKernel", "False")

static const mbt_bad_file_t mbt_bad_files[] = {
    {"missing.json", NULL, 0, "cannot open the JSON op descriptor"},
    {"empty.json", "", 0, "the descriptor is empty"},
    {"truncated.json", "{\"Op\": {\"opInfo\": {\"functionName\": \"modebk_", 0, "truncated"},
    {"garbage.json", "{\"Op\": }", 0, "not valid JSON"},
    {"quotes.json", "{'Op': 1}", 0, "single-quoted"},
    {"trailing.json", "{" MBT_VALID_OP "} {}", 0, "not valid JSON"},
    {"array.json", "[{" MBT_VALID_OP "}]", 0, "the top level is an array"},
    {"no_opinfo.json", "{\"Op\": {\"info\": {}}}", 0, "op 'Op': opInfo missing"},
    {"no_function.json",
     "{\"Op\": {\"opInfo\": {\"kernelSo\": \"a.so\", \"opKernelLib\": \"AICPUKernel\", "
     "\"userDefined\": \"False\"}}}",
     0, "opInfo.functionName missing"},
    {"bool_user.json",
     "{\"Op\": {\"opInfo\": {\"functionName\": \"f\", \"kernelSo\": \"a.so\", \"opKernelLib\": "
     "\"AICPUKernel\", \"userDefined\": true}}}",
     0, "opInfo.userDefined is a boolean, not a string"},
    {"bad_user.json", "{" MBT_OP("Op", "f", "a.so", "AICPUKernel", "Yes") "}", 0,
     "neither \"True\" nor \"False\""},
    {"bad_lib.json", "{" MBT_OP("Op", "f", "a.so", "GPUKernel", "False") "}", 0,
     "opKernelLib 'GPUKernel' is unknown"},
    {"long_so.json",
     "{" MBT_OP("Op", "f",
                "a1234567890123456789012345678901234567890123456789012345678901234567890123456789"
                "01234567890123456789.so",
                "AICPUKernel", "False") "}",
     0, "longer than the device's limit of 100"},
    {"no_so.json", "{" MBT_VALID_OP "}", 1, "cannot open the CPU kernel SO"},
};

static void mbt_expect_bad_file(const mbt_bad_file_t *c)
{
    char path[MBT_PATH_MAX];
    mbt_work(path, c->file);
    if (c->text)
        mbt_write_text(path, c->text);
    rtBinHandle bin = (rtBinHandle)(uintptr_t)0x1;
    aclError rc = rtsBinaryLoadFromFile(path, mbt_mode(c->mode), &bin);
    if (rc != ACL_ERROR_RT_PARAM_INVALID)
        fail_msg("%s: got %d, expected 107000", c->file, rc);
    assert_null(bin);
    /* The message names the file (for a missing SO, the SO beside it) and the problem. */
    char stem[MBT_PATH_MAX];
    snprintf(stem, sizeof stem, "%.*s", (int)(strrchr(path, '.') - path), path);
    assert_true(mbt_msg_has(stem, c->needle));
}

static void test_malformed_descriptors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mbt_bad_files / sizeof mbt_bad_files[0]; i++)
        mbt_expect_bad_file(&mbt_bad_files[i]);

    /* Larger than the 1 MiB limit. */
    char path[MBT_PATH_MAX];
    size_t big = (1u << 20) + 16;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, ' ', big);
    text[0] = '{';
    text[big - 1] = '}';
    assert_int_equal(t_write_file(mbt_work(path, "huge.json"), text, big), 0);
    free(text);
    rtBinHandle bin = NULL;
    mbt_expect(rtsBinaryLoadFromFile(path, mbt_mode(0), &bin), ACL_ERROR_RT_PARAM_INVALID, path,
               "more than the 1048576-byte limit");
}

static void test_bad_options(void **state)
{
    (void)state;
    char path[MBT_PATH_MAX];
    mbt_write_text(mbt_work(path, "opts.json"), "{" MBT_VALID_OP "}");
    rtBinHandle bin = NULL;
    mbt_expect(rtsBinaryLoadFromFile(path, NULL, &bin), ACL_ERROR_RT_PARAM_INVALID, path,
               "RT_LOAD_BINARY_OPT_CPU_KERNEL_MODE");
    mbt_expect(rtsBinaryLoadFromFile(path, mbt_mode(2), &bin), ACL_ERROR_RT_PARAM_INVALID, path,
               "cpuKernelMode 2 is invalid");
    rtLoadBinaryConfig_t no_options = {NULL, 1};
    mbt_expect(rtsBinaryLoadFromFile(path, &no_options, &bin), ACL_ERROR_RT_PARAM_INVALID, path,
               "options pointer is NULL");
    mbt_expect(rtsBinaryLoadFromFile(NULL, mbt_mode(0), &bin), ACL_ERROR_RT_PARAM_INVALID,
               "rtsBinaryLoadFromFile", "NULL");
    mbt_expect(rtsBinaryLoadFromFile(path, mbt_mode(0), NULL), ACL_ERROR_RT_PARAM_INVALID,
               "rtsBinaryLoadFromFile", "output handle");
    char data[16] = {0};
    mbt_expect(rtsBinaryLoadFromData(data, sizeof data, mbt_mode(0), &bin),
               ACL_ERROR_RT_PARAM_INVALID, "rtsBinaryLoadFromData", "cpuKernelMode 0 is invalid");
    mbt_expect(rtsBinaryLoadFromData(data, 0, mbt_mode(2), &bin), ACL_ERROR_RT_PARAM_INVALID,
               "rtsBinaryLoadFromData", "length is 0");
    assert_null(bin);

    /* Unknown op type: 107000 naming the descriptor and what it has. */
    bin = mbt_load_ops();
    rtFuncHandle func = NULL;
    mbt_expect(rtsFuncGetByName(bin, "NoSuchOp", &func), ACL_ERROR_RT_PARAM_INVALID,
               "registers no op type 'NoSuchOp'", "ModebAdd");
    assert_null(func);
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
}

static void test_bad_launches(void **state)
{
    (void)state;
    rtBinHandle bin = mbt_load_ops();
    rtFuncHandle add = mbt_func(bin, "ModebAdd");
    mbt_launch_t l;
    mbt_args(&l, NULL, 1, 1);
    mbt_expect(rtsLaunchCpuKernel(add, 0, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "numBlocks 0");
    mbt_expect(rtsLaunchCpuKernel(add, 0x10000, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "numBlocks 65536");
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, NULL), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "argsInfo is NULL");
    l.args.cpuParamHeadOffset = l.args.baseArgs.argsSize;
    char want[64];
    snprintf(want, sizeof want, "cpuParamHeadOffset %u is not inside", l.args.baseArgs.argsSize);
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", want);
    mbt_args(&l, NULL, 1, 1);
    l.args.baseArgs.argsSize = 0;
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "argsInfo->baseArgs.argsSize is 0");
    mbt_args(&l, NULL, 1, 1);
    l.args.baseArgs.args = NULL;
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "argsInfo->baseArgs.args is NULL");
    mbt_args(&l, NULL, 1, 1);
    l.args.baseArgs.kernelNameAddrOffset = l.args.baseArgs.argsSize + 4;
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "rtsLaunchCpuKernel", "kernelNameAddrOffset");
    mbt_args(&l, NULL, 1, 1);
    rtLaunchKernelAttr_t attrs[2];
    memset(attrs, 0, sizeof attrs);
    attrs[0].id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT;
    attrs[1].id = RT_LAUNCH_KERNEL_ATTR_TIMEOUT_US;
    rtKernelLaunchCfg_t cfg = {attrs, 2};
    mbt_expect(rtsLaunchCpuKernel(add, 1, NULL, &cfg, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "RT_LAUNCH_KERNEL_ATTR_TIMEOUT", "together");
    int junk;
    mbt_expect(rtsLaunchCpuKernel(add, 1, &junk, NULL, &l.args), ACL_ERROR_RT_PARAM_INVALID,
               "stream", "not a live stream");
    /* A TFKernel function has no engine in the simulator. */
    mbt_expect(rtsLaunchCpuKernel(mbt_func(bin, "ModebTf"), 1, NULL, NULL, &l.args),
               ACL_ERROR_RT_FEATURE_NOT_SUPPORT, "ModebTf", "TFKernel");
    /* Nothing refused reached the device; a good launch still runs. */
    assert_int_equal(mbt_sync(NULL), ACL_SUCCESS);
    mbt_expect_value(add, 40, 2, 42, MODEBK_VARIANT_OPS);
    assert_int_equal(rtsBinaryUnload(bin), ACL_SUCCESS);
}

/* ---- fixture ---- */

static int mbt_setup(void **state)
{
    (void)state;
    char dir[MBT_PATH_MAX], pre[MBT_PATH_MAX];
    if (aclInit(NULL) != ACL_SUCCESS || aclrtSetDevice(0) != ACL_SUCCESS) {
        fprintf(stderr, "setup: %s\n", aclGetRecentErrMsg());
        return -1;
    }
    mbt_work(dir, "");
    if (mkdir(dir, 0755) != 0)
        return -1;
    /* The kernel SO the descriptors name is preinstalled on the device, as a real one would be. */
    size_t size;
    char src[MBT_PATH_MAX];
    void *bytes = t_read_file(t_kernel_path(MODEBK_OPS_SO, src, sizeof src), &size);
    int rc = bytes ? t_write_file(mbt_preinstall(pre, MODEBK_OPS_SO), bytes, size) : -1;
    free(bytes);
    return rc;
}

static int mbt_teardown(void **state)
{
    (void)state;
    char dir[MBT_PATH_MAX];
    mbt_cust_dir(dir, 0);
    aclFinalize();
    bool gone = t_wait_until(mbt_gone, dir, MBT_GONE_MS);
    t_rmtree(t_sim_root());
    return gone ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode0_two_functions_with_param_offset),
        cmocka_unit_test(test_names_from_the_args_override_the_registration),
        cmocka_unit_test(test_mode1_so_goes_to_the_custom_directory),
        cmocka_unit_test(test_mode1_other_bytes_under_a_known_name_are_refused),
        cmocka_unit_test(test_mode2_load_from_data_and_register),
        cmocka_unit_test(test_timeout_attributes),
        cmocka_unit_test(test_bad_handles),
        cmocka_unit_test(test_malformed_descriptors),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_bad_launches),
    };
    return t_run_group_tests_name("modeb", tests, mbt_setup, mbt_teardown);
}
