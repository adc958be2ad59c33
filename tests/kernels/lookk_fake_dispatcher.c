/* A fake dispatcher for test_extend_kernels: the three exports libaicpu_extend_kernels.so looks
 * up, each recording its call in the record the DeviceArgs point to. Built several times:
 * LOOKK_DISPATCHER_ID tells the builds apart, LOOKK_OMIT_STATIC leaves one export out. */
#include "lookk_fake_dispatcher.h"

#include "bootstrap_abi.h"

#include <stddef.h>

#ifndef LOOKK_DISPATCHER_ID
#define LOOKK_DISPATCHER_ID 1
#endif

static lookk_dispatch_record_t *fake_record(void *args)
{
    const akl_device_kernel_args_t *kargs = args;
    const akl_device_args_t *dargs = (const akl_device_args_t *)(uintptr_t)kargs->cfgdata;
    return (lookk_dispatch_record_t *)(uintptr_t)dargs->ack_addr;
}

/* Atomics: the concurrency test runs Init from several threads at once. */
int DynTileFwkBackendKernelServerInit(void *args)
{
    lookk_dispatch_record_t *record = fake_record(args);
    __atomic_fetch_add(&record->init_calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&record->dispatcher_id, LOOKK_DISPATCHER_ID, __ATOMIC_SEQ_CST);
    __atomic_store_n(&record->last_args, args, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&record->init_result, __ATOMIC_SEQ_CST);
}

int DynTileFwkBackendKernelServer(void *args)
{
    lookk_dispatch_record_t *record = fake_record(args);
    __atomic_fetch_add(&record->dyn_calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&record->last_args, args, __ATOMIC_SEQ_CST);
    return 0;
}

#ifndef LOOKK_OMIT_STATIC
int StaticTileFwkBackendKernelServer(void *args)
{
    lookk_dispatch_record_t *record = fake_record(args);
    __atomic_fetch_add(&record->static_calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&record->last_args, args, __ATOMIC_SEQ_CST);
    return 0;
}
#endif
