/* The bootstrap arguments: akl_device_kernel_args -> (cfgdata, offset 40) akl_device_args. Device
 * addresses are plain pointers on the AICPU, so they are dereferenced as such. The dispatcher SO's
 * own bytes (aicpu_so_bin/len at 96/104) are for the extend-kernels loader and not read here. */
#include "dispatcher_args.h"

#include "dispatcher_ack.h"

#include <stdint.h>

const char *dispatcher_args_locate(void *args, const akl_device_args_t **dargs,
                                   akl_bootstrap_ack_t **ack)
{
    if (args == NULL)
        return "args is NULL";
    const akl_device_kernel_args_t *kargs = args;
    if (kargs->cfgdata == 0)
        return "cfgdata (args offset 40) is 0, so there is no DeviceArgs";
    *dargs = (const akl_device_args_t *)(uintptr_t)kargs->cfgdata;
    if ((*dargs)->ack_addr == 0)
        return "ack_addr (DeviceArgs offset 160) is 0, so there is no acknowledgement record";
    *ack = (akl_bootstrap_ack_t *)(uintptr_t)(*dargs)->ack_addr;
    return NULL;
}

bool dispatcher_args_valid(const akl_device_args_t *dargs, akl_bootstrap_ack_t *ack)
{
    if (dargs->magic != AKL_BOOT_MAGIC) {
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "",
                            "DeviceArgs magic at 136 is 0x%016llx, expected 0x%016llx (AKLBOOT1)",
                            (unsigned long long)dargs->magic, (unsigned long long)AKL_BOOT_MAGIC);
        return false;
    }
    if (dargs->version != AKL_BOOT_VERSION) {
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "",
                            "DeviceArgs version at 144 is %u, this dispatcher speaks %u",
                            dargs->version, AKL_BOOT_VERSION);
        return false;
    }
    if ((dargs->flags & ~AKL_BOOT_FLAG_PROBE) != 0) {
        /* A host asking for behaviour this dispatcher does not know must not get a silent no. */
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "",
                            "DeviceArgs flags at 148 are 0x%x, this dispatcher knows 0x%x only",
                            dargs->flags, AKL_BOOT_FLAG_PROBE);
        return false;
    }
    if ((dargs->flags & AKL_BOOT_FLAG_PROBE) != 0)
        return true; /* a probe publishes nothing, so it carries no runtime SO */
    if (dargs->inner_so_bin == 0) {
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "", "inner_so_bin at 120 is NULL");
        return false;
    }
    if (dargs->inner_so_len == 0) {
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "", "inner_so_len at 128 is 0");
        return false;
    }
    return true;
}
