/* The loader's one load path (module_load.c), used by the public loads (module.c) and by libakl's
 * own (the collector, gc.c), so that both go through the same checks, cache and routes. */
#ifndef LDR_MODULE_LOAD_H
#define LDR_MODULE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "options.h"
#include "runtime.h"

/* Validates the size bytes at data (what names them in messages), and returns the module of
 * (fingerprint, device) from the process cache, bootstrapping it by opts->route on a miss. device
 * must be the calling thread's current one (checked: AKL_EDEVICE). *bootstrapped says whether this
 * call ran the bootstrap that made the module (false on a cache hit or a failure). Returns 0 or the
 * load's error (akl_module_load_data's). */
int ldr_load_bytes(int32_t device, const void *data, size_t size, const char *what,
                   const ldr_options_t *opts, const ldr_runtime_t *rt, akl_module_t **out,
                   bool *bootstrapped);

#endif /* LDR_MODULE_LOAD_H */
