/* What the fake dispatcher (lookk_fake_dispatcher.c) records for test_extend_kernels: the test
 * puts a record's address in the DeviceArgs' ack_addr field, and each export of the fake updates
 * the record found through the args it was called with. */
#ifndef LOOKK_FAKE_DISPATCHER_H
#define LOOKK_FAKE_DISPATCHER_H

#include <stdint.h>

typedef struct lookk_dispatch_record {
    uint32_t init_calls;
    uint32_t dyn_calls;
    uint32_t static_calls;
    uint32_t dispatcher_id; /* LOOKK_DISPATCHER_ID of the build whose Init ran last */
    void *last_args;        /* the args the last call received */
    int32_t init_result;    /* what Init returns, chosen by the test */
} lookk_dispatch_record_t;

int DynTileFwkBackendKernelServerInit(void *args);
int DynTileFwkBackendKernelServer(void *args);
int StaticTileFwkBackendKernelServer(void *args);

#endif /* LOOKK_FAKE_DISPATCHER_H */
