/* A kernel built outside the akl tree with the installed package's akl_add_aicpu_kernel: the same
 * contract as the hello example's akl_hello (out[0] = "HELLO", out[1] = the caller's token), so the
 * install consumer program can run it; it also asks the device services akl_kernel.h declares. */
#include <akl/akl_kernel.h>

#include <stdint.h>

#define CONSUMER_KERNEL_MAGIC 0x4F4C4C4548ULL /* "HELLO" */

AKL_KERNEL(akl_hello)
{
    const uint64_t *in = args;
    if (!in || in[0] == 0)
        return 1;
    int64_t cores = 0;
    if (halGetDeviceInfo(0, MODULE_TYPE_AICPU, INFO_TYPE_CORE_NUM, &cores) != DRV_ERROR_NONE ||
        cores < 1 || AicpuGetBlockIdx() >= AicpuGetBlockNum())
        return 2;
    volatile uint64_t *out = (volatile uint64_t *)(uintptr_t)in[0];
    out[0] = CONSUMER_KERNEL_MAGIC;
    out[1] = in[1];
    return 0;
}
