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
 * Retired entries: a module whose device file has gone (ldr_cache_retire_missing) or that is
 * unloaded while loads that waited for its bootstrap have not yet picked it up leaves the table,
 * so the next load of its bytes bootstraps again, but moves to a retired list instead of being
 * freed: handles other threads hold stay valid until they are unloaded themselves. */
#include "cache.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "errors.h"

#define LDR_CACHE_BUCKETS 256

typedef enum ldr_cache_state {
    LDR_CACHE_LOADING,
    LDR_CACHE_READY,
    LDR_CACHE_FAILED,
} ldr_cache_state_t;

typedef struct ldr_cache_entry {
    struct ldr_cache_entry *next;
    ldr_cache_state_t state;
    unsigned waiters;
    int error;     /* FAILED: the bootstrap's code */
    char *message; /* FAILED: the bootstrap's message, for the waiters */
    pthread_cond_t done;
    bool uncounted; /* libakl's own module (the collector): not in akl_cache_stats */
    akl_module_t module;
} ldr_cache_entry_t;

static pthread_mutex_t ldr_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static ldr_cache_entry_t *ldr_cache_buckets[LDR_CACHE_BUCKETS];
static ldr_cache_entry_t *ldr_cache_retired;
static akl_cache_stats_t ldr_cache_counters;

/* The functions below that say "lock held" start with this: a held mutex cannot be taken again.
 * Checked in builds without NDEBUG (the sanitizer builds, see CMakeLists.txt); compiled out in
 * release builds. */
#define LDR_CACHE_ASSERT_LOCKED() assert(pthread_mutex_trylock(&ldr_cache_lock) == EBUSY)

static ldr_cache_entry_t **ldr_cache_bucket(uint64_t fingerprint, int32_t device)
{
    uint64_t mixed = fingerprint ^ ((uint64_t)(uint32_t)device * 0x9e3779b97f4a7c15ULL);
    return &ldr_cache_buckets[(mixed >> 32 ^ mixed) % LDR_CACHE_BUCKETS];
}

/* Lock held. */
static ldr_cache_entry_t *ldr_cache_find(uint64_t fingerprint, int32_t device)
{
    LDR_CACHE_ASSERT_LOCKED();
    for (ldr_cache_entry_t *e = *ldr_cache_bucket(fingerprint, device); e; e = e->next) {
        if (e->module.fingerprint == fingerprint && e->module.device == device)
            return e;
    }
    return NULL;
}

/* Lock held. */
static void ldr_cache_unlink(ldr_cache_entry_t *entry)
{
    LDR_CACHE_ASSERT_LOCKED();
    ldr_cache_entry_t **link = ldr_cache_bucket(entry->module.fingerprint, entry->module.device);
    while (*link && *link != entry)
        link = &(*link)->next;
    if (*link)
        *link = entry->next;
}

static void ldr_cache_entry_free(ldr_cache_entry_t *entry)
{
    pthread_cond_destroy(&entry->done);
    free(entry->message);
    free(entry);
}

static int ldr_cache_collision(const ldr_cache_entry_t *entry, size_t size)
{
    return ldr_fail(AKL_EFINGERPRINT,
                    "fingerprint collision on device %d: fingerprint %016llx is already loaded "
                    "for %zu bytes, and these bytes are %zu; refusing to publish different bytes "
                    "under one name",
                    (int)entry->module.device, (unsigned long long)entry->module.fingerprint,
                    entry->module.size, size);
}

/* Lock held; returns unlocked. */
static int ldr_cache_hit(ldr_cache_entry_t *entry, akl_module_t **module, bool *hit)
{
    LDR_CACHE_ASSERT_LOCKED();
    if (!entry->uncounted) {
        ldr_cache_counters.loads++;
        ldr_cache_counters.hits++;
    }
    pthread_mutex_unlock(&ldr_cache_lock);
    *module = &entry->module;
    *hit = true;
    return 0;
}

/* Called with the lock held on an entry another thread is bootstrapping; returns unlocked. */
static int ldr_cache_wait(ldr_cache_entry_t *entry, akl_module_t **module, bool *hit)
{
    LDR_CACHE_ASSERT_LOCKED();
    entry->waiters++;
    while (entry->state == LDR_CACHE_LOADING)
        pthread_cond_wait(&entry->done, &ldr_cache_lock);
    entry->waiters--;
    if (entry->state == LDR_CACHE_READY)
        return ldr_cache_hit(entry, module, hit);
    int code = entry->error;
    char message[LDR_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s",
             entry->message ? entry->message : akl_strerror(entry->error));
    bool last = entry->waiters == 0;
    pthread_mutex_unlock(&ldr_cache_lock);
    if (last)
        ldr_cache_entry_free(entry);
    *hit = false;
    return ldr_fail_copy(code, message);
}

/* Called with the lock held after a failed bootstrap; returns unlocked. */
static void ldr_cache_publish_failure(ldr_cache_entry_t *entry, int code)
{
    LDR_CACHE_ASSERT_LOCKED();
    ldr_cache_counters.failures += !entry->uncounted;
    entry->state = LDR_CACHE_FAILED;
    entry->error = code;
    entry->message = strdup(akl_last_error());
    ldr_cache_unlink(entry);
    pthread_cond_broadcast(&entry->done);
    bool last = entry->waiters == 0;
    pthread_mutex_unlock(&ldr_cache_lock);
    if (last)
        ldr_cache_entry_free(entry);
}

static int ldr_cache_bootstrap(ldr_cache_entry_t *entry, ldr_cache_boot_fn boot, void *ctx,
                               akl_module_t **module)
{
    int rc = boot(ctx, &entry->module);
    pthread_mutex_lock(&ldr_cache_lock);
    if (rc != 0) {
        ldr_cache_publish_failure(entry, rc);
        return rc;
    }
    entry->state = LDR_CACHE_READY;
    ldr_cache_counters.loads += !entry->uncounted;
    pthread_cond_broadcast(&entry->done);
    pthread_mutex_unlock(&ldr_cache_lock);
    *module = &entry->module;
    return 0;
}

static int ldr_cache_load_counted(uint64_t fingerprint, int32_t device, size_t size,
                                  ldr_cache_boot_fn boot, void *ctx, akl_module_t **module,
                                  bool *hit, bool counted)
{
    *hit = false;
    pthread_mutex_lock(&ldr_cache_lock);
    ldr_cache_entry_t *entry = ldr_cache_find(fingerprint, device);
    if (entry && entry->module.size != size) {
        pthread_mutex_unlock(&ldr_cache_lock);
        return ldr_cache_collision(entry, size);
    }
    if (entry && entry->state == LDR_CACHE_READY)
        return ldr_cache_hit(entry, module, hit);
    if (entry)
        return ldr_cache_wait(entry, module, hit);
    entry = calloc(1, sizeof *entry);
    if (!entry) {
        pthread_mutex_unlock(&ldr_cache_lock);
        return ldr_fail(AKL_ENOMEM, "cannot allocate a cache entry");
    }
    pthread_cond_init(&entry->done, NULL);
    entry->state = LDR_CACHE_LOADING;
    entry->module.fingerprint = fingerprint;
    entry->module.device = device;
    entry->module.size = size;
    entry->uncounted = !counted;
    ldr_cache_entry_t **bucket = ldr_cache_bucket(fingerprint, device);
    entry->next = *bucket;
    *bucket = entry;
    ldr_cache_counters.bootstraps += counted;
    pthread_mutex_unlock(&ldr_cache_lock);
    return ldr_cache_bootstrap(entry, boot, ctx, module);
}

int ldr_cache_load(uint64_t fingerprint, int32_t device, size_t size, ldr_cache_boot_fn boot,
                   void *ctx, akl_module_t **module, bool *hit)
{
    return ldr_cache_load_counted(fingerprint, device, size, boot, ctx, module, hit, true);
}

int ldr_cache_load_uncounted(uint64_t fingerprint, int32_t device, size_t size,
                             ldr_cache_boot_fn boot, void *ctx, akl_module_t **module, bool *hit)
{
    return ldr_cache_load_counted(fingerprint, device, size, boot, ctx, module, hit, false);
}

akl_module_t *ldr_cache_ready(uint64_t fingerprint, int32_t device)
{
    pthread_mutex_lock(&ldr_cache_lock);
    ldr_cache_entry_t *entry = ldr_cache_find(fingerprint, device);
    akl_module_t *module = entry && entry->state == LDR_CACHE_READY ? &entry->module : NULL;
    pthread_mutex_unlock(&ldr_cache_lock);
    return module;
}

void akl_cache_stats(akl_cache_stats_t *stats)
{
    if (!stats)
        return;
    pthread_mutex_lock(&ldr_cache_lock);
    *stats = ldr_cache_counters;
    pthread_mutex_unlock(&ldr_cache_lock);
}

unsigned ldr_cache_waiting(uint64_t fingerprint, int32_t device)
{
    pthread_mutex_lock(&ldr_cache_lock);
    ldr_cache_entry_t *entry = ldr_cache_find(fingerprint, device);
    unsigned waiters = entry ? entry->waiters : 0;
    pthread_mutex_unlock(&ldr_cache_lock);
    return waiters;
}

/* Finds the entry a handle belongs to, comparing addresses only: a stale handle (already
 * unloaded) is never dereferenced. Sets *link to the pointer that links it. Lock held. */
static ldr_cache_entry_t *ldr_cache_find_handle(const akl_module_t *module,
                                                ldr_cache_entry_t ***link)
{
    LDR_CACHE_ASSERT_LOCKED();
    for (size_t b = 0; b <= LDR_CACHE_BUCKETS; b++) {
        ldr_cache_entry_t **l = b < LDR_CACHE_BUCKETS ? &ldr_cache_buckets[b] : &ldr_cache_retired;
        for (; *l; l = &(*l)->next) {
            if (&(*l)->module == module && (*l)->state == LDR_CACHE_READY) {
                *link = l;
                return *l;
            }
        }
    }
    return NULL;
}

int ldr_cache_unload(const akl_module_t *module, ldr_cache_release_fn release)
{
    pthread_mutex_lock(&ldr_cache_lock);
    ldr_cache_entry_t **link;
    ldr_cache_entry_t *entry = ldr_cache_find_handle(module, &link);
    if (!entry) {
        pthread_mutex_unlock(&ldr_cache_lock);
        return ldr_fail(AKL_EINVAL,
                        "akl_module_unload: %p is not a loaded module (never loaded, or already "
                        "unloaded)",
                        (const void *)module);
    }
    *link = entry->next;
    /* Loads that waited for this module's bootstrap may not have taken their handle yet: they
     * get it, valid, from the retired list, and their own unload frees it. */
    if (entry->waiters > 0) {
        entry->next = ldr_cache_retired;
        ldr_cache_retired = entry;
        entry = NULL;
    }
    pthread_mutex_unlock(&ldr_cache_lock);
    if (entry) {
        if (release)
            release(&entry->module);
        ldr_cache_entry_free(entry);
    }
    return 0;
}

/* Moves the entry *link points to from its bucket to the retired list. Lock held. */
static void ldr_cache_retire(ldr_cache_entry_t **link)
{
    LDR_CACHE_ASSERT_LOCKED();
    ldr_cache_entry_t *entry = *link;
    *link = entry->next;
    entry->next = ldr_cache_retired;
    ldr_cache_retired = entry;
}

static bool ldr_cache_is_missing(const ldr_cache_entry_t *entry, int32_t device,
                                 const char *message, bool named_only)
{
    return entry->state == LDR_CACHE_READY && entry->module.device == device &&
           (!named_only || (message && strstr(message, entry->module.basename)));
}

size_t ldr_cache_retire_missing(int32_t device, const char *message)
{
    size_t retired = 0;
    pthread_mutex_lock(&ldr_cache_lock);
    /* First the modules the message names. When it names no SO at all, every module of the
     * device, as the device's message format is not ours to rely on (a needless retirement costs
     * one bootstrap that finds the file identical); when it names another SO, none. */
    bool names_an_so = message && strstr(message, ".so");
    for (int pass = 0; pass < (names_an_so ? 1 : 2) && retired == 0; pass++) {
        for (size_t b = 0; b < LDR_CACHE_BUCKETS; b++) {
            ldr_cache_entry_t **link = &ldr_cache_buckets[b];
            while (*link) {
                if (!ldr_cache_is_missing(*link, device, message, pass == 0)) {
                    link = &(*link)->next;
                    continue;
                }
                ldr_cache_retire(link);
                retired++;
            }
        }
    }
    pthread_mutex_unlock(&ldr_cache_lock);
    return retired;
}
