/* What a loaded module is: the device, the bytes' identity and the device file it was published
 * as. A module holds no device memory and lives, owned by the process cache, until exit. */
#ifndef AKL_LOADER_MODULE_H
#define AKL_LOADER_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "exports.h"

struct akl_module {
    int32_t device;
    uint64_t fingerprint;
    size_t size;
    akl_boot_outcome_t outcome;
    double bootstrap_seconds;
    size_t basename_length; /* strlen(basename), so a launch need not measure it */
    char basename[AKL_SO_NAME_MAX + 1];
    char device_path[AKL_ACK_PATH_MAX];
    const akl_exports_t *exports; /* NULL: unknown (no readable .dynsym), launches unchecked */
    char *source;                 /* the first load's path or "<memory>", for messages */
};

#endif /* AKL_LOADER_MODULE_H */
