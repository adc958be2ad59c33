/* Helpers shared by the simulator-core tests: installing the test kernels into the simulated
 * preinstall directory, building argument blobs (payload, then kernel name, then SO name),
 * launching, device-memory helpers and finding scheduler processes. */
#ifndef AKL_TESTS_TEST_SIM_UTIL_H
#define AKL_TESTS_TEST_SIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acl/acl.h"
#include "runtime/rt.h"
#include "simk_abi.h"

#define SIMT_SCHED_COMM "akl-aicpu-sched"

/* An argument blob: payload at 0, then the kernel name, then the SO name. */
typedef struct simt_blob {
    uint8_t buf[8192];
    rtAicpuArgsEx_t info;
} simt_blob_t;

/* Prepares the chip's directories of device and copies libsimk_basic.so into its preinstall
 * directory. Returns 0 or -1. */
int simt_install_kernels(int32_t device);
/* Removes this test's AKL_SIM_ROOT. */
void simt_remove_root(void);

void simt_blob_init(simt_blob_t *b, const void *payload, size_t size, const char *kernel,
                    const char *so);
rtError_t simt_launch(uint32_t type, simt_blob_t *b, uint32_t blocks, aclrtStream stream,
                      uint32_t flags);

/* aclrtMalloc + zero; asserts success. */
void *simt_dev_zalloc(size_t size);
uint64_t simt_addr(const void *dev_ptr);
/* Reads / writes device memory; asserts success. */
void simt_read(void *host, const void *dev, size_t size);
void simt_write(void *dev, const void *host, size_t size);
uint32_t simt_read_u32(const void *dev);

/* Pids of live scheduler processes whose parent is parent. Returns how many (at most max). */
int simt_scheduler_pids(pid_t parent, pid_t *pids, int max);
/* True if pid is gone or a zombie. */
bool simt_process_gone(pid_t pid);
/* cmocka group fixtures of the tests that run the real scheduler: aclInit(NULL); and
 * aclFinalize, then remove this test's AKL_SIM_ROOT. */
int simt_acl_group_setup(void **state);
int simt_acl_group_teardown(void **state);
/* cmocka setup: makes device 0 the thread's current device. */
int simt_setup_device0(void **state);
/* True if msg contains every one of the NULL-terminated needles; prints msg otherwise. */
bool simt_msg_has(const char *msg, ...);

#endif /* AKL_TESTS_TEST_SIM_UTIL_H */
