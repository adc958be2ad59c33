/* The CPU kernel SOs that Mode B binaries bring with them (cpuKernelMode 1: the SO beside its
 * JSON; 2: the SO's bytes) and that must be on the device before their kernels run. CANN sends such
 * an SO to the device's custom-kernel directory (GetCustSoPath) the first time the binary is used
 * on a device; the simulator plays the driver and writes it into the simulated chip's filesystem
 * (sim_cust_publish: <chip root>/home/CustAiCpuUser/cust_aicpu_<device>_0_<pid>/), where the
 * scheduler looks KERNEL_TYPE_AICPU_CUSTOM kernels up.
 *
 * The scheduler caches an opened SO by its name for its whole life, so each device remembers the
 * bytes it was sent under every name until it is reset, and other bytes under a known name are
 * refused rather than silently never run. A file is removed once no loaded binary uses it; the
 * whole directory goes with aclrtResetDevice (and with the scheduler when its host dies). */
#define _GNU_SOURCE
#include "aclsim_cust.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_paths.h"
#include "sim_rts.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "aclsim_error.h"
#include "aclsim_state.h"
#include "sim_held.h"

static uint64_t aclsim_cust_handle(const void *bin)
{
    return (uint64_t)(uintptr_t)bin;
}

static bool aclsim_cust_used_by(const aclsim_cust_so_t *so, uint64_t bin)
{
    for (size_t i = 0; i < so->nusers; i++) {
        if (so->users[i] == bin)
            return true;
    }
    return false;
}

/* The entry binary bin already launched from on this device (cust_lock held). */
static aclsim_cust_so_t *aclsim_cust_find_user(aclsim_device_t *dev, uint64_t bin)
{
    assert(sim_mutex_held(&dev->cust_lock));
    for (size_t i = 0; i < dev->ncust; i++) {
        if (aclsim_cust_used_by(&dev->cust[i], bin))
            return &dev->cust[i];
    }
    return NULL;
}

static aclsim_cust_so_t *aclsim_cust_find_name(aclsim_device_t *dev, const char *name)
{
    for (size_t i = 0; i < dev->ncust; i++) {
        if (strcmp(dev->cust[i].name, name) == 0)
            return &dev->cust[i];
    }
    return NULL;
}

static aclsim_cust_so_t *aclsim_cust_add(aclsim_device_t *dev, const sim_rts_image_t *image,
                                         uint64_t fingerprint)
{
    if (!aclsim_grow(&dev->cust, &dev->capcust, dev->ncust, sizeof *dev->cust, 8))
        return NULL;
    aclsim_cust_so_t *so = &dev->cust[dev->ncust++];
    size_t len = strnlen(image->so_name, sizeof so->name - 1);
    *so = (aclsim_cust_so_t){.fingerprint = fingerprint, .size = image->size};
    memcpy(so->name, image->so_name, len);
    so->name[len] = '\0';
    return so;
}

static bool aclsim_cust_add_user(aclsim_cust_so_t *so, uint64_t bin)
{
    if (!aclsim_grow(&so->users, &so->capusers, so->nusers, sizeof *so->users, 4))
        return false;
    so->users[so->nusers++] = bin;
    return true;
}

/* Writes the SO unless it is on the device already, and records bin as its user (cust_lock
 * held). */
static aclError aclsim_cust_send(aclsim_device_t *dev, uint64_t bin, const sim_rts_image_t *image)
{
    assert(sim_mutex_held(&dev->cust_lock));
    static const char call[] = "rtsLaunchCpuKernel";
    uint64_t fingerprint = XXH3_64bits(image->data, image->size);
    aclsim_cust_so_t *so = aclsim_cust_find_name(dev, image->so_name);
    if (so && (so->fingerprint != fingerprint || so->size != image->size))
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "%s: device %d already received a different CPU kernel SO named '%s' "
                           "from this process (%zu bytes, now %zu); its aicpu scheduler keeps an "
                           "SO it has opened under that name until aclrtResetDevice, so the new "
                           "one would never run: give it another file name or reset the device",
                           call, (int)dev->id, image->so_name, so->size, image->size);
    if (!so && !(so = aclsim_cust_add(dev, image, fingerprint)))
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "%s: out of host memory", call);
    if (!so->on_disk) {
        char err[ACLSIM_MSG_MAX];
        if (sim_cust_publish(dev->phys, (uint32_t)getpid(), so->name, image->data, image->size,
                             CMN_MSG_ARRAY(err)) != 0)
            return aclsim_fail(ACL_ERROR_RT_FILE_WRITE,
                               "%s: cannot send CPU kernel SO '%s' to device %d: %s", call,
                               so->name, (int)dev->id, err);
        so->on_disk = true;
    }
    if (!aclsim_cust_add_user(so, bin))
        return aclsim_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "%s: out of host memory", call);
    return ACL_SUCCESS;
}

aclError aclsim_cust_ensure(aclsim_device_t *dev, void *bin)
{
    assert(sim_rwlock_held(&dev->rw));
    uint64_t handle = aclsim_cust_handle(bin);
    pthread_mutex_lock(&dev->cust_lock);
    bool known = aclsim_cust_find_user(dev, handle) != NULL;
    pthread_mutex_unlock(&dev->cust_lock);
    if (known)
        return ACL_SUCCESS;
    /* The bytes are taken outside the lock: they stay valid until released even if the binary
     * is unloaded meanwhile. */
    char msg[ACLSIM_MSG_MAX];
    sim_rts_image_t image;
    aclError rc = sim_rts_image_acquire(bin, &image, CMN_MSG_ARRAY(msg));
    if (rc != ACL_SUCCESS)
        return aclsim_fail(rc, "rtsLaunchCpuKernel: %s", msg);
    pthread_mutex_lock(&dev->cust_lock);
    if (!aclsim_cust_find_user(dev, handle))
        rc = aclsim_cust_send(dev, handle, &image);
    pthread_mutex_unlock(&dev->cust_lock);
    sim_rts_image_release(&image);
    return rc;
}

/* Drops bin from the device's SOs; a file nobody uses any more is removed (cust_lock held). */
static void aclsim_cust_drop_user(aclsim_device_t *dev, uint64_t bin)
{
    assert(sim_mutex_held(&dev->cust_lock));
    for (size_t i = 0; i < dev->ncust; i++) {
        aclsim_cust_so_t *so = &dev->cust[i];
        size_t kept = 0;
        for (size_t u = 0; u < so->nusers; u++) {
            if (so->users[u] != bin)
                so->users[kept++] = so->users[u];
        }
        bool dropped = kept != so->nusers;
        so->nusers = kept;
        if (dropped && kept == 0 && so->on_disk) {
            sim_cust_unpublish(dev->phys, (uint32_t)getpid(), so->name);
            so->on_disk = false;
        }
    }
}

void aclsim_cust_forget(void *bin)
{
    uint64_t handle = aclsim_cust_handle(bin);
    for (int32_t id = 0; id < ACLSIM_MAX_DEVICES; id++) {
        aclsim_device_t *dev = atomic_load(&aclsim_state.devices[id]);
        if (!dev)
            continue;
        pthread_rwlock_rdlock(&dev->rw);
        if (atomic_load(&dev->up)) {
            pthread_mutex_lock(&dev->cust_lock);
            aclsim_cust_drop_user(dev, handle);
            pthread_mutex_unlock(&dev->cust_lock);
        }
        pthread_rwlock_unlock(&dev->rw);
    }
}

void aclsim_cust_reset(aclsim_device_t *dev, bool remove_files)
{
    assert(sim_rwlock_write_held(&dev->rw));
    for (size_t i = 0; i < dev->ncust; i++)
        free(dev->cust[i].users);
    free(dev->cust);
    dev->cust = NULL;
    dev->ncust = dev->capcust = 0;
    if (remove_files)
        sim_cust_remove(dev->phys, (uint32_t)getpid());
}
