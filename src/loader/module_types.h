/* What a loaded module is (the device, the bytes' identity and the device file it was published
 * as), and what a load asks of a route. Types only, shared by the load (module.c), the cache and
 * both routes (bootstrap.c, custom.c), so that none of them includes another for a type. A module
 * holds no device memory and lives, owned by the process cache, until akl_module_unload or exit. */
#ifndef LDR_MODULE_TYPES_H
#define LDR_MODULE_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "exports.h"
#include "runtime.h"

/* The custom route's registration (custom.c); NULL for the extend route. */
struct ldr_custom_binary;

/* A resolved kernel (akl_module_get_kernel, and akl_launch's cache): everything a launch needs
 * that does not change from one launch to the next, so that a launch is the argument checks, the
 * device check, a copy of the payload and names and one runtime call. name[] holds the checked
 * name followed by the module's basename, as a launch blob carries them: "kernel\0basename\0". */
struct akl_kernel {
    struct akl_kernel *next; /* the module's list */
    const akl_module_t *module;
    const ldr_runtime_t *rt; /* the resolved runtime (a static table: lives as long as libakl) */
    const struct ldr_launch_identity *identity; /* for the first-failure note; NULL: copy names */
    int32_t device;
    bool custom;                       /* the module's route is AKL_ROUTE_CUSTOM */
    _Atomic(rtFuncHandle) custom_func; /* custom route: the registered function, once known */
    size_t name_length;
    size_t names_size; /* name_length + 1 + the basename's length + 1 */
    char name[];
};

struct akl_module {
    int32_t device;
    uint64_t fingerprint;
    size_t size;
    akl_boot_outcome_t outcome;
    double bootstrap_seconds;
    akl_route_t route; /* AKL_ROUTE_EXTEND or AKL_ROUTE_CUSTOM */
    struct ldr_custom_binary *custom;
    size_t basename_length; /* strlen(basename), so a launch need not measure it */
    char basename[AKL_SO_NAME_MAX + 1];
    char device_path[AKL_ACK_PATH_MAX];
    const ldr_exports_t *exports; /* NULL: unknown (no readable .dynsym), launches unchecked */
    char *source;                 /* the first load's path or "<memory>", for messages */
    struct akl_kernel *_Atomic kernels; /* resolved kernels, freed with the module */
    /* The kernel akl_launch resolved last, so that launching one name again and again checks it
     * with one compare of its bytes instead of validating it and probing the exports. */
    const struct akl_kernel *_Atomic last_kernel;
};

/* Device work a load queues on the bootstrap's stream right behind the bootstrap's launch, so that
 * the bootstrap's one synchronize answers both: the AKL_DEVICE_CACHE_MAX bound request (gc.c).
 * The bootstrap calls queue after its launch succeeded (the record at ack_addr is the dispatcher's
 * acknowledgement, complete before anything queued behind it runs) and, when queue set queued,
 * stores its synchronize's result in sync_rc. */
typedef struct ldr_boot_follow ldr_boot_follow_t;
struct ldr_boot_request;
struct ldr_boot_follow {
    void (*queue)(ldr_boot_follow_t *self, const struct ldr_boot_request *req, uint64_t ack_addr);
    bool queued;
    aclError sync_rc;
};

typedef struct ldr_boot_request {
    const ldr_runtime_t *rt; /* the resolved runtime the load already holds */
    const void *data;        /* the runtime SO's bytes */
    size_t size;
    uint64_t fingerprint; /* akl_fingerprint(data, size) */
    int32_t device;
    const char *basename; /* the name the device publishes it as */
    const char *what;     /* the file path or "<memory>", for messages */
    akl_stream_t stream;
    int32_t timeout_ms; /* -1: forever */
    bool probe;         /* only check the preinstall directory is writable (data/size unused) */
    akl_route_t route;  /* as asked (module_load.c decides what auto does) */
    ldr_boot_follow_t *follow; /* NULL, or work to queue behind the bootstrap (not for a probe) */
} ldr_boot_request_t;

#endif /* LDR_MODULE_TYPES_H */
