/* The process cache of loaded modules (global state the design names), keyed by (fingerprint,
 * device). In-process, a 64-bit fingerprint plus the byte count decides a hit: the bytes are not
 * compared again (the device compares bytes wherever a file of that name already exists).
 *
 * Locking: one mutex guards the table and counters and is never held across a bootstrap, so
 * bootstraps of unrelated keys run in parallel. A key being bootstrapped has an entry in state
 * LOADING; later loads of that key wait on the entry's condition variable. A failed entry is
 * unlinked at once (failures are not cached) and freed by the last thread that looks at it.
 * Ready entries, and so the modules handed out, live until akl_module_unload or process exit.
 *
 * Retired entries: a module whose device file has gone (akl_cache_retire_missing) or that is
 * unloaded while loads that waited for its bootstrap have not yet picked it up leaves the table,
 * so the next load of its bytes bootstraps again, but moves to a retired list instead of being
 * freed: handles other threads hold stay valid until they are unloaded themselves. */
#include "cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "errors.h"

#define AKL_CACHE_BUCKETS 256

typedef enum akl_cache_state {
    AKL_CACHE_LOADING,
    AKL_CACHE_READY,
    AKL_CACHE_FAILED,
} akl_cache_state_t;

typedef struct akl_cache_entry {
    struct akl_cache_entry *next;
    akl_cache_state_t state;
    unsigned waiters;
    int error;     /* FAILED: the bootstrap's code */
    char *message; /* FAILED: the bootstrap's message, for the waiters */
    pthread_cond_t done;
    akl_module_t module;
} akl_cache_entry_t;

static pthread_mutex_t akl_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static akl_cache_entry_t *akl_cache_buckets[AKL_CACHE_BUCKETS];
static akl_cache_entry_t *akl_cache_retired;
static akl_cache_stats_t akl_cache_counters;

static akl_cache_entry_t **akl_cache_bucket(uint64_t fingerprint, int32_t device)
{
    uint64_t mixed = fingerprint ^ ((uint64_t)(uint32_t)device * 0x9e3779b97f4a7c15ULL);
    return &akl_cache_buckets[(mixed >> 32 ^ mixed) % AKL_CACHE_BUCKETS];
}

static akl_cache_entry_t *akl_cache_find(uint64_t fingerprint, int32_t device)
{
    for (akl_cache_entry_t *e = *akl_cache_bucket(fingerprint, device); e; e = e->next) {
        if (e->module.fingerprint == fingerprint && e->module.device == device)
            return e;
    }
    return NULL;
}

static void akl_cache_unlink(akl_cache_entry_t *entry)
{
    akl_cache_entry_t **link = akl_cache_bucket(entry->module.fingerprint, entry->module.device);
    while (*link && *link != entry)
        link = &(*link)->next;
    if (*link)
        *link = entry->next;
}

static void akl_cache_entry_free(akl_cache_entry_t *entry)
{
    pthread_cond_destroy(&entry->done);
    free(entry->message);
    free(entry);
}

static int akl_cache_collision(const akl_cache_entry_t *entry, size_t size)
{
    return akl_fail(AKL_EFINGERPRINT,
                    "fingerprint collision on device %d: fingerprint %016llx is already loaded "
                    "for %zu bytes, and these bytes are %zu; refusing to publish different bytes "
                    "under one name",
                    (int)entry->module.device, (unsigned long long)entry->module.fingerprint,
                    entry->module.size, size);
}

static int akl_cache_hit(akl_cache_entry_t *entry, akl_module_t **module, bool *hit)
{
    akl_cache_counters.loads++;
    akl_cache_counters.hits++;
    pthread_mutex_unlock(&akl_cache_lock);
    *module = &entry->module;
    *hit = true;
    return 0;
}

/* Called with the lock held on an entry another thread is bootstrapping; returns unlocked. */
static int akl_cache_wait(akl_cache_entry_t *entry, akl_module_t **module, bool *hit)
{
    entry->waiters++;
    while (entry->state == AKL_CACHE_LOADING)
        pthread_cond_wait(&entry->done, &akl_cache_lock);
    entry->waiters--;
    if (entry->state == AKL_CACHE_READY)
        return akl_cache_hit(entry, module, hit);
    int code = entry->error;
    char message[AKL_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s",
             entry->message ? entry->message : akl_strerror(entry->error));
    bool last = entry->waiters == 0;
    pthread_mutex_unlock(&akl_cache_lock);
    if (last)
        akl_cache_entry_free(entry);
    *hit = false;
    return akl_fail_copy(code, message);
}

/* Called with the lock held after a failed bootstrap; returns unlocked. */
static void akl_cache_publish_failure(akl_cache_entry_t *entry, int code)
{
    akl_cache_counters.failures++;
    entry->state = AKL_CACHE_FAILED;
    entry->error = code;
    entry->message = strdup(akl_last_error());
    akl_cache_unlink(entry);
    pthread_cond_broadcast(&entry->done);
    bool last = entry->waiters == 0;
    pthread_mutex_unlock(&akl_cache_lock);
    if (last)
        akl_cache_entry_free(entry);
}

static int akl_cache_bootstrap(akl_cache_entry_t *entry, akl_cache_boot_fn boot, void *ctx,
                               akl_module_t **module)
{
    int rc = boot(ctx, &entry->module);
    pthread_mutex_lock(&akl_cache_lock);
    if (rc != 0) {
        akl_cache_publish_failure(entry, rc);
        return rc;
    }
    entry->state = AKL_CACHE_READY;
    akl_cache_counters.loads++;
    pthread_cond_broadcast(&entry->done);
    pthread_mutex_unlock(&akl_cache_lock);
    *module = &entry->module;
    return 0;
}

int akl_cache_load(uint64_t fingerprint, int32_t device, size_t size, akl_cache_boot_fn boot,
                   void *ctx, akl_module_t **module, bool *hit)
{
    *hit = false;
    pthread_mutex_lock(&akl_cache_lock);
    akl_cache_entry_t *entry = akl_cache_find(fingerprint, device);
    if (entry && entry->module.size != size) {
        pthread_mutex_unlock(&akl_cache_lock);
        return akl_cache_collision(entry, size);
    }
    if (entry && entry->state == AKL_CACHE_READY)
        return akl_cache_hit(entry, module, hit);
    if (entry)
        return akl_cache_wait(entry, module, hit);
    entry = calloc(1, sizeof *entry);
    if (!entry) {
        pthread_mutex_unlock(&akl_cache_lock);
        return akl_fail(AKL_ENOMEM, "cannot allocate a cache entry");
    }
    pthread_cond_init(&entry->done, NULL);
    entry->state = AKL_CACHE_LOADING;
    entry->module.fingerprint = fingerprint;
    entry->module.device = device;
    entry->module.size = size;
    akl_cache_entry_t **bucket = akl_cache_bucket(fingerprint, device);
    entry->next = *bucket;
    *bucket = entry;
    akl_cache_counters.bootstraps++;
    pthread_mutex_unlock(&akl_cache_lock);
    return akl_cache_bootstrap(entry, boot, ctx, module);
}

void akl_cache_stats(akl_cache_stats_t *stats)
{
    if (!stats)
        return;
    pthread_mutex_lock(&akl_cache_lock);
    *stats = akl_cache_counters;
    pthread_mutex_unlock(&akl_cache_lock);
}

unsigned akl_cache_waiting(uint64_t fingerprint, int32_t device)
{
    pthread_mutex_lock(&akl_cache_lock);
    akl_cache_entry_t *entry = akl_cache_find(fingerprint, device);
    unsigned waiters = entry ? entry->waiters : 0;
    pthread_mutex_unlock(&akl_cache_lock);
    return waiters;
}

/* Finds the entry a handle belongs to, comparing addresses only: a stale handle (already
 * unloaded) is never dereferenced. Sets *link to the pointer that links it. */
static akl_cache_entry_t *akl_cache_find_handle(const akl_module_t *module,
                                                akl_cache_entry_t ***link)
{
    for (size_t b = 0; b <= AKL_CACHE_BUCKETS; b++) {
        akl_cache_entry_t **l = b < AKL_CACHE_BUCKETS ? &akl_cache_buckets[b] : &akl_cache_retired;
        for (; *l; l = &(*l)->next) {
            if (&(*l)->module == module && (*l)->state == AKL_CACHE_READY) {
                *link = l;
                return *l;
            }
        }
    }
    return NULL;
}

int akl_cache_unload(const akl_module_t *module)
{
    pthread_mutex_lock(&akl_cache_lock);
    akl_cache_entry_t **link;
    akl_cache_entry_t *entry = akl_cache_find_handle(module, &link);
    if (!entry) {
        pthread_mutex_unlock(&akl_cache_lock);
        return akl_fail(AKL_EINVAL,
                        "akl_module_unload: %p is not a loaded module (never loaded, or already "
                        "unloaded)",
                        (const void *)module);
    }
    *link = entry->next;
    /* Loads that waited for this module's bootstrap may not have taken their handle yet: they
     * get it, valid, from the retired list, and their own unload frees it. */
    if (entry->waiters > 0) {
        entry->next = akl_cache_retired;
        akl_cache_retired = entry;
        entry = NULL;
    }
    pthread_mutex_unlock(&akl_cache_lock);
    if (entry) {
        akl_module_release(&entry->module);
        akl_cache_entry_free(entry);
    }
    return 0;
}

/* Moves the entry *link points to from its bucket to the retired list. */
static void akl_cache_retire(akl_cache_entry_t **link)
{
    akl_cache_entry_t *entry = *link;
    *link = entry->next;
    entry->next = akl_cache_retired;
    akl_cache_retired = entry;
}

static bool akl_cache_is_missing(const akl_cache_entry_t *entry, int32_t device,
                                 const char *message, bool named_only)
{
    return entry->state == AKL_CACHE_READY && entry->module.device == device &&
           (!named_only || (message && strstr(message, entry->module.basename)));
}

size_t akl_cache_retire_missing(int32_t device, const char *message)
{
    size_t retired = 0;
    pthread_mutex_lock(&akl_cache_lock);
    /* First the modules the message names. When it names no SO at all, every module of the
     * device, as the device's message format is not ours to rely on (a needless retirement costs
     * one bootstrap that finds the file identical); when it names another SO, none. */
    bool names_an_so = message && strstr(message, ".so");
    for (int pass = 0; pass < (names_an_so ? 1 : 2) && retired == 0; pass++) {
        for (size_t b = 0; b < AKL_CACHE_BUCKETS; b++) {
            akl_cache_entry_t **link = &akl_cache_buckets[b];
            while (*link) {
                if (!akl_cache_is_missing(*link, device, message, pass == 0)) {
                    link = &(*link)->next;
                    continue;
                }
                akl_cache_retire(link);
                retired++;
            }
        }
    }
    pthread_mutex_unlock(&akl_cache_lock);
    return retired;
}
