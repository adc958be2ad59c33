/* Submitting a launch (aclsim_launch.c), the one path both launch entry points share
 * (rtAicpuKernelLaunchExWithArgs and rtsLaunchCpuKernel, which aclrtLaunchKernel* reach too): the
 * current device, the stream, a Mode B binary's CPU SO sent first, the blob placed in device memory
 * and the task published on the stream. */
#ifndef AKL_SIM_ACLSIM_LAUNCH_H
#define AKL_SIM_ACLSIM_LAUNCH_H

#include <stdint.h>

#include "aclsim_state.h"
#include "runtime/rt.h"

struct aclsim_blob_req;
typedef struct aclsim_launch {
    uint32_t type;
    uint32_t num_blocks;
    uint32_t timeout_ms;                /* 0: not timed */
    const struct aclsim_blob_req *blob; /* checked by aclsim_blob_check (asserted) */
    void *cust_bin; /* a Mode B binary whose CPU SO the device must have first, or NULL */
} aclsim_launch_t;
/* Submits l on stream stm (NULL: the default one) of the calling thread's current device; the
 * caller has validated l (the entry point's own checks and aclsim_blob_check), once. 107003 for a
 * stream of another device; every device-side failure with the thread's message. */
aclError aclsim_launch_submit(rtStream_t stm, const aclsim_launch_t *l);
/* aclrtSetOpExecuteTimeOut[WithMs] in milliseconds (0: none). */
uint32_t aclsim_launch_global_timeout_ms(void);

#endif /* AKL_SIM_ACLSIM_LAUNCH_H */
