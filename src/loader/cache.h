/* The process cache of loaded modules, keyed by (fingerprint, device). The cache does no device
 * work itself: a miss runs the caller's bootstrap callback, so the cache can be tested alone. */
#ifndef LDR_CACHE_H
#define LDR_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module_types.h"

/* Fills *module (device, fingerprint and size are already set) by bootstrapping; returns 0 or an
 * error code with the thread's message set. Runs with no cache lock held. */
typedef int (*ldr_cache_boot_fn)(void *ctx, akl_module_t *module);

/* Returns the module for (fingerprint, device), bootstrapping it with boot(ctx, ...) when absent.
 * Concurrent calls for one key run one bootstrap; the others wait for it and get its module or its
 * error (code and message). A failure is not cached. A key present with another size is a
 * fingerprint collision: AKL_EFINGERPRINT. *hit tells whether no bootstrap ran in this call. */
int ldr_cache_load(uint64_t fingerprint, int32_t device, size_t size, ldr_cache_boot_fn boot,
                   void *ctx, akl_module_t **module, bool *hit);
/* ldr_cache_load for libakl's own modules (the collector, gc.c): the same cache, but left out of
 * akl_cache_stats, whose counts are the user's loads. (fingerprint, device) decides which entry, so
 * the first load of a key decides whether it is counted. */
int ldr_cache_load_uncounted(uint64_t fingerprint, int32_t device, size_t size,
                             ldr_cache_boot_fn boot, void *ctx, akl_module_t **module, bool *hit);

/* The module loaded for (fingerprint, device), or NULL when it is absent or still loading: a look
 * that never bootstraps and counts nothing. */
akl_module_t *ldr_cache_ready(uint64_t fingerprint, int32_t device);

/* How many threads wait for the bootstrap of (fingerprint, device); 0 when none or absent. For
 * tests that need to know the waiters are there before letting a bootstrap finish. */
unsigned ldr_cache_waiting(uint64_t fingerprint, int32_t device);

/* Frees what a ready module owns, before the cache frees the module itself. */
typedef void (*ldr_cache_release_fn)(akl_module_t *module);

/* Removes module from the cache and frees it, calling release(module) first when release is not
 * NULL (or, when loads waiting for its bootstrap have not taken it yet, retires it for them, and
 * their own unload frees it). 0, or AKL_EINVAL when module is not a loaded module; a handle is
 * recognised by its address alone and never dereferenced. */
int ldr_cache_unload(const akl_module_t *module, ldr_cache_release_fn release);

/* Retires the ready modules of device that message (the runtime's text for a synchronize that
 * failed because the device could not open an SO) names by basename, or every module of device
 * when it names no ".so" at all (none when it names only other SOs): the next load of their bytes
 * bootstraps again and republishes the file. Handles already given out stay valid. Returns how
 * many were retired. */
size_t ldr_cache_retire_missing(int32_t device, const char *message);

#endif /* LDR_CACHE_H */
