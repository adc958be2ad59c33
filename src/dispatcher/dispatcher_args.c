/* The bootstrap arguments: akl_device_kernel_args -> (cfgdata, offset 40) akl_device_args. Device
 * addresses are plain pointers on the AICPU, so they are dereferenced as such. The dispatcher SO's
 * own bytes (aicpu_so_bin/len at 96/104) are for the extend-kernels loader and not read here. */
#include "dispatcher_args.h"

#include "dispatcher_ack.h"

#include <stdint.h>
#include <stdio.h>

#define DISPATCHER_KNOWN_FLAGS AKL_BOOT_FLAG_PROBE

/* Another client of the extend-kernels library can reach Init with its own DeviceArgs: a struct
 * that may end at 159, or whose offset 160 is a live pointer of its own. Only magic (136) tells
 * akl's DeviceArgs from such a struct, and it lies in the first 160 bytes that any DeviceArgs has,
 * so it is checked before anything of akl's extension beyond it is read and before anything is
 * written anywhere. akl's DeviceArgs of another protocol version are akl's: every version keeps
 * version (144) and ack_addr (160) where they are, so that one is answered in its record
 * (dispatcher_args_valid), and its host learns which versions met. */
static const char *dispatcher_args_foreign(const akl_device_args_t *dargs, char *why, size_t cap)
{
    if (dargs->magic == AKL_BOOT_MAGIC)
        return NULL;
    snprintf(why, cap,
             "DeviceArgs magic at 136 is 0x%llx, not 0x%llx (AKLBOOT1): not akl's, so ack_addr "
             "at 160 is not read",
             (unsigned long long)dargs->magic, (unsigned long long)AKL_BOOT_MAGIC);
    return why;
}

const char *dispatcher_args_locate(void *args, const akl_device_args_t **dargs,
                                   akl_bootstrap_ack_t **ack, char *why, size_t cap)
{
    if (args == NULL)
        return "args is NULL";
    const akl_device_kernel_args_t *kargs = args;
    if (kargs->cfgdata == 0)
        return "cfgdata (args offset 40) is 0: no DeviceArgs";
    *dargs = (const akl_device_args_t *)(uintptr_t)kargs->cfgdata;
    const char *foreign = dispatcher_args_foreign(*dargs, why, cap);
    if (foreign != NULL)
        return foreign;
    if ((*dargs)->ack_addr == 0)
        return "ack_addr (DeviceArgs offset 160) is 0: no acknowledgement record";
    *ack = (akl_bootstrap_ack_t *)(uintptr_t)(*dargs)->ack_addr;
    return NULL;
}

bool dispatcher_args_valid(const akl_device_args_t *dargs, akl_bootstrap_ack_t *ack)
{
    if (dargs->version != AKL_BOOT_VERSION) {
        /* Answered with this dispatcher's version in the record (ack->version): nothing else of
         * the other version's layout is read. */
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "",
                            "DeviceArgs version at 144 is %u, this dispatcher speaks %u",
                            dargs->version, AKL_BOOT_VERSION);
        return false;
    }
    if ((dargs->flags & ~DISPATCHER_KNOWN_FLAGS) != 0) {
        /* A host asking for behaviour this dispatcher does not know must not get a silent no. */
        dispatcher_ack_fail(ack, AKL_STAGE_ARGS, 0, "",
                            "DeviceArgs flags at 148 are 0x%x, this dispatcher knows 0x%x only",
                            dargs->flags, DISPATCHER_KNOWN_FLAGS);
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
