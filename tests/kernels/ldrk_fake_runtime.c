/* A fake ACL/RT runtime for the loader's unit tests: exports the 15 entry points libakl resolves
 * (load it with AKL_RUNTIME=<this file>), keeps "device memory" in host memory, and plays the
 * device's side of a bootstrap as the test scripts it (which acknowledgement, which synchronize
 * result), so bootstrap and launch logic are tested without the simulator.
 *
 * The test drives it through ldrk_fake_set/ldrk_fake_get (string keys, no shared header) and
 * reads the last AICPU launch's blob with ldrk_fake_last_blob. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl/acl.h"
#include "runtime/rt.h"

/* The loader's bootstrap protocol, restated here on purpose: the fake checks the bytes libakl
 * sends against this independent copy of the layout. */
#define LDRK_BOOT_MAGIC 0x31544f4f424c4b41ULL
#define LDRK_ACK_MAGIC 0x31304b43414c4b41ULL

#define LDRK_EXPORT __attribute__((visibility("default")))

LDRK_EXPORT void ldrk_fake_set(const char *key, long value);
LDRK_EXPORT long ldrk_fake_get(const char *key);
LDRK_EXPORT const void *ldrk_fake_last_blob(size_t *size);

/* Scripted behaviour and observations, by key. */
typedef struct ldrk_fake_state {
    long ack_mode;    /* 0 skip (no ack), 1 wrote, 2 identical, 3 replaced, 4 failed at create,
                         5 failed at fingerprint, 6 wrong fingerprint, 7 wrong version,
                         8 failed at write with ENOSPC (a full disk) */
    long sync_rc;     /* what synchronize returns */
    long launch_rc;   /* what a launch returns */
    long d2h_rc;      /* what a device-to-host copy returns */
    long acl_init_rc; /* what aclInit returns */
    long acl_inits;   /* aclInit calls */
    long allocs;      /* live allocations */
    long alloc_bytes; /* live bytes */
    long kfc_launches;
    long aicpu_launches;
    long protocol_ok; /* last KFC launch matched the protocol */
    long blocks, flags, timeout, kernel_off, so_off, kernel_type, fixups;
} ldrk_fake_state_t;

static pthread_mutex_t ldrk_lock = PTHREAD_MUTEX_INITIALIZER;
static ldrk_fake_state_t ldrk_state = {.ack_mode = 1};
static void *ldrk_blob;
static size_t ldrk_blob_size;
static __thread int32_t ldrk_current_device = -1;

#define LDRK_KEY_(name)                                                                            \
    {                                                                                              \
#name, offsetof(ldrk_fake_state_t, name)                                                   \
    }
static const struct ldrk_key {
    const char *name;
    size_t offset;
} ldrk_keys[] = {
    LDRK_KEY_(ack_mode),       LDRK_KEY_(sync_rc),     LDRK_KEY_(launch_rc),
    LDRK_KEY_(d2h_rc),         LDRK_KEY_(acl_init_rc), LDRK_KEY_(acl_inits),
    LDRK_KEY_(allocs),         LDRK_KEY_(alloc_bytes), LDRK_KEY_(kfc_launches),
    LDRK_KEY_(aicpu_launches), LDRK_KEY_(protocol_ok), LDRK_KEY_(blocks),
    LDRK_KEY_(flags),          LDRK_KEY_(timeout),     LDRK_KEY_(kernel_off),
    LDRK_KEY_(so_off),         LDRK_KEY_(kernel_type), LDRK_KEY_(fixups),
};
#undef LDRK_KEY_

static long *ldrk_field(const char *key)
{
    for (size_t i = 0; i < sizeof ldrk_keys / sizeof ldrk_keys[0]; i++) {
        if (strcmp(key, ldrk_keys[i].name) == 0)
            return (long *)((char *)&ldrk_state + ldrk_keys[i].offset);
    }
    return NULL;
}

void ldrk_fake_set(const char *key, long value)
{
    pthread_mutex_lock(&ldrk_lock);
    long *field = ldrk_field(key);
    if (field)
        *field = value;
    pthread_mutex_unlock(&ldrk_lock);
}

long ldrk_fake_get(const char *key)
{
    pthread_mutex_lock(&ldrk_lock);
    long *field = ldrk_field(key);
    long value = field ? *field : -1;
    pthread_mutex_unlock(&ldrk_lock);
    return value;
}

const void *ldrk_fake_last_blob(size_t *size)
{
    *size = ldrk_blob_size;
    return ldrk_blob;
}

aclError aclInit(const char *configPath)
{
    (void)configPath;
    pthread_mutex_lock(&ldrk_lock);
    ldrk_state.acl_inits++;
    long rc = ldrk_state.acl_init_rc;
    pthread_mutex_unlock(&ldrk_lock);
    return (aclError)rc;
}

aclError aclrtGetDeviceCount(uint32_t *count)
{
    *count = 2;
    return ACL_SUCCESS;
}

aclError aclrtSetDevice(int32_t deviceId)
{
    if (deviceId < 0 || deviceId >= 2)
        return ACL_ERROR_RT_INVALID_DEVICEID;
    ldrk_current_device = deviceId;
    return ACL_SUCCESS;
}

aclError aclrtGetDevice(int32_t *deviceId)
{
    if (ldrk_current_device < 0)
        return ACL_ERROR_RT_CONTEXT_NULL;
    *deviceId = ldrk_current_device;
    return ACL_SUCCESS;
}

aclError aclrtResetDevice(int32_t deviceId)
{
    (void)deviceId;
    ldrk_current_device = -1;
    return ACL_SUCCESS;
}

/* Each allocation carries a header in front: its size, and links that keep it reachable (a
 * bootstrap that times out deliberately leaves its allocation to the device). */
typedef struct ldrk_block {
    struct ldrk_block *prev, *next;
    size_t size;
    char pad[64 - 3 * sizeof(void *)];
} ldrk_block_t;

static ldrk_block_t ldrk_blocks = {.prev = &ldrk_blocks, .next = &ldrk_blocks};

aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy)
{
    (void)policy;
    if (!devPtr || size == 0)
        return ACL_ERROR_RT_PARAM_INVALID;
    /* Device allocations are at least 64-byte aligned, as on the device. */
    ldrk_block_t *block = aligned_alloc(64, sizeof *block + (size + 63) / 64 * 64);
    if (!block)
        return ACL_ERROR_RT_MEMORY_ALLOCATION;
    block->size = size;
    *devPtr = block + 1;
    pthread_mutex_lock(&ldrk_lock);
    block->next = ldrk_blocks.next;
    block->prev = &ldrk_blocks;
    ldrk_blocks.next->prev = block;
    ldrk_blocks.next = block;
    ldrk_state.allocs++;
    ldrk_state.alloc_bytes += (long)size;
    pthread_mutex_unlock(&ldrk_lock);
    return ACL_SUCCESS;
}

aclError aclrtFree(void *devPtr)
{
    if (!devPtr)
        return ACL_ERROR_RT_PARAM_INVALID;
    ldrk_block_t *block = (ldrk_block_t *)devPtr - 1;
    pthread_mutex_lock(&ldrk_lock);
    block->prev->next = block->next;
    block->next->prev = block->prev;
    ldrk_state.allocs--;
    ldrk_state.alloc_bytes -= (long)block->size;
    pthread_mutex_unlock(&ldrk_lock);
    free(block);
    return ACL_SUCCESS;
}

aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind)
{
    if (!dst || !src || count > destMax)
        return ACL_ERROR_RT_PARAM_INVALID;
    long rc = kind == ACL_MEMCPY_DEVICE_TO_HOST ? ldrk_fake_get("d2h_rc") : 0;
    if (rc != 0)
        return (aclError)rc;
    memcpy(dst, src, count);
    return ACL_SUCCESS;
}

aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free_bytes, size_t *total)
{
    (void)attr;
    *total = 1u << 30;
    *free_bytes = *total - (size_t)ldrk_fake_get("alloc_bytes");
    return ACL_SUCCESS;
}

aclError aclrtCreateStream(aclrtStream *stream)
{
    *stream = (aclrtStream)(uintptr_t)0x5151;
    return ACL_SUCCESS;
}

aclError aclrtDestroyStream(aclrtStream stream)
{
    return stream ? ACL_SUCCESS : ACL_ERROR_RT_PARAM_INVALID;
}

aclError aclrtSynchronizeStream(aclrtStream stream)
{
    (void)stream;
    return (aclError)ldrk_fake_get("sync_rc");
}

aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout)
{
    (void)stream;
    if (timeout < -1)
        return ACL_ERROR_RT_PARAM_INVALID;
    return (aclError)ldrk_fake_get("sync_rc");
}

const char *aclGetRecentErrMsg(void)
{
    return ldrk_fake_get("sync_rc") ? "fake device: errcode 11002 from the scripted failure" : "";
}

/* The device side of a bootstrap (protocol version 2): checks the blob libakl sent and the
 * allocation it points into, and writes the scripted ack. The blob is [48-byte kernel args | kernel
 * name at 48 | SO name at 75]; its offset 40 holds the absolute address of the DeviceArgs at 512
 * in the one allocation [ack 512 | DeviceArgs 512 | dispatcher | runtime SO]; no fix-ups. */
static long ldrk_play_dispatcher(const char *device_copy, uint32_t size, const rtAicpuArgsEx_t *a)
{
    if (size != 102 || a->kernelNameAddrOffset != 48 || a->soNameAddrOffset != 75 ||
        a->hostInputInfoNum != 0 || strcmp(device_copy + 48, "DynTileFwkKernelServerInit") != 0 ||
        strcmp(device_copy + 75, "libaicpu_extend_kernels.so") != 0)
        return 0;
    uint64_t cfgdata;
    memcpy(&cfgdata, device_copy + 40, 8);
    const char *args = (const char *)(uintptr_t)cfgdata;
    uint64_t magic, dispatcher, dispatcher_len, inner, inner_len, fingerprint, ack_addr;
    uint32_t boot_version;
    memcpy(&dispatcher, args + 96, 8);
    memcpy(&dispatcher_len, args + 104, 8);
    memcpy(&inner, args + 120, 8);
    memcpy(&inner_len, args + 128, 8);
    memcpy(&magic, args + 136, 8);
    memcpy(&boot_version, args + 144, 4);
    memcpy(&fingerprint, args + 152, 8);
    memcpy(&ack_addr, args + 160, 8);
    const char *name = args + 168;
    if (magic != LDRK_BOOT_MAGIC || boot_version != 2 || cfgdata != ack_addr + 512 ||
        dispatcher_len < 4 || memcmp((const void *)(uintptr_t)dispatcher, "\177ELF", 4) != 0 ||
        inner_len < 4 || memcmp((const void *)(uintptr_t)inner, "\177ELF", 4) != 0 ||
        dispatcher - ack_addr != 1024 || inner % 64 != 0)
        return 0;
    long mode = ldrk_fake_get("ack_mode");
    if (mode == 0)
        return 1;
    char *ack = (char *)(uintptr_t)ack_addr;
    uint64_t ack_magic = LDRK_ACK_MAGIC;
    uint32_t version = mode == 7 ? 9 : 2;
    bool failed = (mode >= 4 && mode <= 5) || mode == 8;
    int32_t status = failed ? 4 : mode == 6 || mode == 7 ? 1 : (int32_t)mode;
    int32_t err = mode == 4 ? EACCES : mode == 8 ? ENOSPC : 0;
    uint32_t stage = mode == 4 ? 6 : mode == 5 ? 3 : mode == 8 ? 7 : 0;
    uint64_t echoed = mode == 6 ? fingerprint ^ 1 : fingerprint;
    memcpy(ack, &ack_magic, 8);
    memcpy(ack + 8, &version, 4);
    memcpy(ack + 12, &status, 4);
    memcpy(ack + 16, &err, 4);
    memcpy(ack + 20, &stage, 4);
    memcpy(ack + 24, &inner_len, 8);
    memcpy(ack + 32, &echoed, 8);
    snprintf(ack + 48, 256, "/fake/preinstall/%s", name);
    snprintf(ack + 304, 128, "%s", mode == 4 ? "mkstemp in /fake/preinstall" : "ok");
    return 1;
}

static void ldrk_record(uint32_t kernelType, uint32_t numBlocks, const rtAicpuArgsEx_t *a,
                        uint32_t flags)
{
    free(ldrk_blob);
    ldrk_blob = malloc(a->argsSize);
    if (ldrk_blob)
        memcpy(ldrk_blob, a->args, a->argsSize);
    ldrk_blob_size = a->argsSize;
    ldrk_state.kernel_type = kernelType;
    ldrk_state.blocks = numBlocks;
    ldrk_state.flags = flags;
    ldrk_state.timeout = a->timeout;
    ldrk_state.kernel_off = a->kernelNameAddrOffset;
    ldrk_state.so_off = a->soNameAddrOffset;
    ldrk_state.fixups = a->hostInputInfoNum;
}

rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType, const char_t *const opName,
                                        const uint32_t numBlocks, const rtAicpuArgsEx_t *argsInfo,
                                        rtSmDesc_t *const smDesc, const rtStream_t stm,
                                        const uint32_t flags)
{
    (void)smDesc;
    (void)stm;
    if (!opName || numBlocks == 0 || numBlocks > 0xFFFF || !argsInfo || !argsInfo->args ||
        argsInfo->argsSize == 0)
        return ACL_ERROR_RT_PARAM_INVALID;
    long rc = ldrk_fake_get("launch_rc");
    if (rc != 0)
        return (rtError_t)rc;
    char *device_copy = malloc(argsInfo->argsSize);
    if (!device_copy)
        return ACL_ERROR_RT_MEMORY_ALLOCATION;
    for (uint16_t i = 0; i < argsInfo->hostInputInfoNum; i++) {
        const rtHostInputInfo_t *fix = &argsInfo->hostInputInfoPtr[i];
        uint64_t value = (uint64_t)(uintptr_t)(device_copy + fix->dataOffset);
        memcpy((char *)argsInfo->args + fix->addrOffset, &value, 8);
    }
    memcpy(device_copy, argsInfo->args, argsInfo->argsSize);
    pthread_mutex_lock(&ldrk_lock);
    ldrk_record(kernelType, numBlocks, argsInfo, flags);
    if (kernelType == KERNEL_TYPE_AICPU_KFC)
        ldrk_state.kfc_launches++;
    else
        ldrk_state.aicpu_launches++;
    pthread_mutex_unlock(&ldrk_lock);
    if (kernelType == KERNEL_TYPE_AICPU_KFC)
        ldrk_fake_set("protocol_ok",
                      ldrk_play_dispatcher(device_copy, argsInfo->argsSize, argsInfo));
    free(device_copy);
    return ACL_SUCCESS;
}
