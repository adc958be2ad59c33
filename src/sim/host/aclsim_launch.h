/* Publishing a launch (aclsim_launch.c): its blob placed in device memory, its task on a stream.
 * Callers hold the device's read lock. */
#ifndef AKL_SIM_ACLSIM_LAUNCH_H
#define AKL_SIM_ACLSIM_LAUNCH_H

#include <stdint.h>

#include "aclsim_state.h"
#include "runtime/rt.h"

struct aclsim_blob_req;
typedef struct aclsim_launch {
    uint32_t type;
    uint32_t num_blocks;
    uint32_t timeout_ms; /* 0: not timed */
    const struct aclsim_blob_req *blob;
} aclsim_launch_t;
/* Places the task's blob in device memory and publishes the task on stream s. */
aclError aclsim_launch_enqueue(aclsim_device_t *dev, aclsim_stream_t *s, const aclsim_launch_t *l);
/* The stream a launch names (NULL: the default one); 107003 if it belongs to another device. */
aclError aclsim_launch_stream(aclsim_device_t *dev, rtStream_t stm, const char *call,
                              aclsim_stream_t **s);
/* aclrtSetOpExecuteTimeOut[WithMs] in milliseconds (0: none). */
uint32_t aclsim_launch_global_timeout_ms(void);

#endif /* AKL_SIM_ACLSIM_LAUNCH_H */
