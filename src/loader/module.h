/* What a loaded module is: the device, the bytes' identity and the device file it was published
 * as. A module holds no device memory and lives, owned by the process cache, until
 * akl_module_unload or exit. */
#ifndef AKL_LOADER_MODULE_H
#define AKL_LOADER_MODULE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "exports.h"

/* The custom route's registration (custom.c); NULL for the extend route. */
struct akl_custom_binary;

/* A resolved kernel (akl_module_get_kernel): its module and its checked name, followed in name[]
 * by the module's basename, as a launch blob carries them: "kernel\0basename\0". */
struct akl_kernel {
    struct akl_kernel *next; /* the module's list */
    const akl_module_t *module;
    size_t name_length;
    char name[];
};

struct akl_module {
    int32_t device;
    uint64_t fingerprint;
    size_t size;
    akl_boot_outcome_t outcome;
    double bootstrap_seconds;
    akl_route_t route; /* AKL_ROUTE_EXTEND or AKL_ROUTE_CUSTOM */
    struct akl_custom_binary *custom;
    size_t basename_length; /* strlen(basename), so a launch need not measure it */
    char basename[AKL_SO_NAME_MAX + 1];
    char device_path[AKL_ACK_PATH_MAX];
    const akl_exports_t *exports; /* NULL: unknown (no readable .dynsym), launches unchecked */
    char *source;                 /* the first load's path or "<memory>", for messages */
    struct akl_kernel *_Atomic kernels; /* resolved kernels, freed with the module */
};

/* Frees what a ready module owns (its export table and source name), for the cache's unload. */
void akl_module_release(akl_module_t *module);
/* Frees the module's resolved kernels (launch.c). */
void akl_module_free_kernels(akl_module_t *module);

/* Called by a synchronize that failed with code: when the device says it could not open an SO
 * (507018 with device error code 11002 in the runtime's recent message), the modules of the
 * thread's current device that the message names are retired from the process cache, so that
 * the next load of their bytes publishes the file again. */
void akl_module_note_sync_failure(int code);

#endif /* AKL_LOADER_MODULE_H */
