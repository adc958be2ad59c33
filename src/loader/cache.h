/* The process cache of loaded modules, keyed by (fingerprint, device). The cache does no device
 * work itself: a miss runs the caller's bootstrap callback, so the cache can be tested alone. */
#ifndef AKL_LOADER_CACHE_H
#define AKL_LOADER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"

/* Fills *module (device, fingerprint and size are already set) by bootstrapping; returns 0 or an
 * error code with the thread's message set. Runs with no cache lock held. */
typedef int (*akl_cache_boot_fn)(void *ctx, akl_module_t *module);

/* Returns the module for (fingerprint, device), bootstrapping it with boot(ctx, ...) when absent.
 * Concurrent calls for one key run one bootstrap; the others wait for it and get its module or its
 * error (code and message). A failure is not cached. A key present with another size is a
 * fingerprint collision: AKL_EFINGERPRINT. *hit tells whether no bootstrap ran in this call. */
int akl_cache_load(uint64_t fingerprint, int32_t device, size_t size, akl_cache_boot_fn boot,
                   void *ctx, akl_module_t **module, bool *hit);

/* How many threads wait for the bootstrap of (fingerprint, device); 0 when none or absent. For
 * tests that need to know the waiters are there before letting a bootstrap finish. */
unsigned akl_cache_waiting(uint64_t fingerprint, int32_t device);

/* Removes module from the cache and frees it (or, when loads waiting for its bootstrap have not
 * taken it yet, retires it for them). 0, or AKL_EINVAL when module is not a loaded module; a
 * handle is recognised by its address alone and never dereferenced. */
int akl_cache_unload(const akl_module_t *module);

/* Retires the ready modules of device that message (the runtime's text for a synchronize that
 * failed because the device could not open an SO) names by basename, or every module of device
 * when it names no ".so" at all (none when it names only other SOs): the next load of their bytes
 * bootstraps again and republishes the file. Handles already given out stay valid. Returns how
 * many were retired. */
size_t akl_cache_retire_missing(int32_t device, const char *message);

#endif /* AKL_LOADER_CACHE_H */
