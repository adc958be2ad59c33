/* libFuzzer target: the dispatcher's handling of DeviceKernelArgs/DeviceArgs and its
 * acknowledgement. The input supplies the DeviceArgs bytes, the runtime SO bytes and which
 * pointers are valid; the dispatcher must refuse or publish, fill the ack when it has one and the
 * magic is akl's (a FAILED record at the arguments stage for another protocol version), write
 * nothing at all for another client's magic, and never crash. Publishes
 * go to a private directory that is emptied as it fills and removed at exit. */
#define _GNU_SOURCE
#include "bootstrap_abi.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int DynTileFwkBackendKernelServerInit(void *args);

/* Set once by LLVMFuzzerInitialize: a directory of this run's own under $TMPDIR (or /tmp). */
static char publish_dir[PATH_MAX];

static void empty_publish_dir(void);

/* At exit (libFuzzer's end of a bounded run and the replay driver both exit), the directory goes:
 * a test leaves nothing behind in /tmp. */
static void remove_publish_dir(void)
{
    empty_publish_dir();
    rmdir(publish_dir);
}

/* The scheduler's answers the dispatcher asks for come from akl_test_sched_answers: thread mode,
 * so it publishes where ASCEND_AICPU_KERNEL_PATH says, never into /usr/lib64. */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    int len = snprintf(publish_dir, sizeof publish_dir, "%s/akl-fuzz-dispatcher-XXXXXX",
                       tmp && *tmp ? tmp : "/tmp");
    if (len < 0 || (size_t)len >= sizeof publish_dir || !mkdtemp(publish_dir) ||
        atexit(remove_publish_dir) != 0)
        abort();
    setenv("ASCEND_AICPU_KERNEL_PATH", publish_dir, 1);
    return 0;
}

static void empty_publish_dir(void)
{
    DIR *dir = opendir(publish_dir);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", publish_dir, e->d_name);
        unlink(path);
    }
    if (dir)
        closedir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 + sizeof(akl_device_args_t))
        return 0;
    uint8_t mode = data[0];
    akl_device_args_t dargs;
    memcpy(&dargs, data + 1, sizeof dargs);
    const uint8_t *so = data + 1 + sizeof dargs;
    size_t so_len = size - 1 - sizeof dargs;
    akl_bootstrap_ack_t ack;
    memset(&ack, 0, sizeof ack);
    /* The mode byte decides which addresses are real; lengths are clamped to what exists, since a
     * device address the dispatcher is handed is trusted to cover its length. */
    dargs.inner_so_bin = (mode & 1) ? (uint64_t)(uintptr_t)so : 0;
    if (dargs.inner_so_len > so_len)
        dargs.inner_so_len = so_len;
    dargs.aicpu_so_bin = 0;
    dargs.aicpu_so_len = 0;
    dargs.ack_addr = (mode & 2) ? (uint64_t)(uintptr_t)&ack : 0;
    if (mode & 4)
        dargs.magic = AKL_BOOT_MAGIC;
    if (mode & 8)
        dargs.version = AKL_BOOT_VERSION;
    akl_device_kernel_args_t kargs = {{0}, (mode & 16) ? (uint64_t)(uintptr_t)&dargs : 0};
    DynTileFwkBackendKernelServerInit((mode & 32) ? NULL : &kargs);
    static const akl_bootstrap_ack_t untouched;
    /* Another client's DeviceArgs (not akl's magic) gets nothing written; akl's magic with another
     * protocol version gets at most a FAILED record at the arguments stage, naming its version. */
    bool foreign = dargs.magic != AKL_BOOT_MAGIC;
    if (foreign && memcmp(&ack, &untouched, sizeof ack) != 0)
        abort();
    if (!foreign && dargs.version != AKL_BOOT_VERSION &&
        memcmp(&ack, &untouched, sizeof ack) != 0 &&
        (ack.status != AKL_ACK_FAILED || ack.stage != AKL_STAGE_ARGS))
        abort();
    if (ack.magic != 0 && ack.magic != AKL_ACK_MAGIC)
        abort();
    if (ack.magic == AKL_ACK_MAGIC && (ack.status < AKL_ACK_WROTE || ack.status > AKL_ACK_PROBED))
        abort();
    static unsigned runs;
    if (++runs % 256 == 0)
        empty_publish_dir();
    return 0;
}
