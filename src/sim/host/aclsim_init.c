/* Process setup and teardown (aclInit, aclFinalize), the process-wide AICPU operator execution
 * timeout, the calling thread's recent error message (aclGetRecentErrMsg) and the device
 * architecture query libakl asks (aclsimGetDeviceMachine). Every other call also works without
 * aclInit: the simulator is lenient there. */
#define _GNU_SOURCE
#include "aclsim_init.h"
#include "aclsim_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aclsim_error.h"
#include "sim_arch.h"

aclError aclInit(const char *configPath)
{
    if (configPath && *configPath && access(configPath, R_OK) != 0)
        return aclsim_fail(ACL_ERROR_INVALID_PARAM, "aclInit: cannot read config file '%s': %s",
                           configPath, strerror(errno));
    sim_arch_t arch;
    char err[256];
    if (sim_arch_get(&arch, CMN_MSG_ARRAY(err)) != 0)
        return aclsim_fail(ACL_ERROR_INVALID_PARAM, "aclInit: %s", err);
    pthread_mutex_lock(&aclsim_state.lock);
    bool again = aclsim_state.initialized;
    aclsim_state.initialized = true;
    pthread_mutex_unlock(&aclsim_state.lock);
    if (again)
        return aclsim_fail(ACL_ERROR_REPEAT_INITIALIZE,
                           "aclInit: already initialized (call aclFinalize first)");
    return ACL_SUCCESS;
}

/* Resets every device this process still holds, whatever its reference count. */
aclError aclFinalize(void)
{
    for (int32_t id = 0; id < ACLSIM_MAX_DEVICES; id++) {
        if (atomic_load(&aclsim_state.devices[id]))
            aclrtResetDeviceForce(id);
    }
    pthread_mutex_lock(&aclsim_state.lock);
    aclsim_state.initialized = false;
    pthread_mutex_unlock(&aclsim_state.lock);
    return ACL_SUCCESS;
}

aclError aclrtSetOpExecuteTimeOut(uint32_t timeout)
{
    atomic_store(&aclsim_state.op_timeout_ms, (uint64_t)timeout * 1000ULL);
    return ACL_SUCCESS;
}

aclError aclrtSetOpExecuteTimeOutWithMs(uint32_t timeout)
{
    atomic_store(&aclsim_state.op_timeout_ms, (uint64_t)timeout);
    return ACL_SUCCESS;
}

const char *aclGetRecentErrMsg(void)
{
    return aclsim_recent_msg();
}

uint16_t aclsimGetDeviceMachine(void)
{
    sim_arch_t arch;
    return sim_arch_get(&arch, NULL) == 0 ? arch.machine : 0;
}
