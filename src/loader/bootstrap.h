/* The bootstrap: one KFC launch that uploads the dispatcher and a runtime SO to a device, which
 * publishes the SO under its basename and acknowledges what it did. */
#ifndef AKL_LOADER_BOOTSTRAP_H
#define AKL_LOADER_BOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "module.h"
#include "runtime.h"

typedef struct akl_boot_request {
    const akl_runtime_t *rt; /* the resolved runtime the load already holds */
    const void *data;        /* the runtime SO's bytes */
    size_t size;
    uint64_t fingerprint; /* akl_fingerprint(data, size) */
    int32_t device;
    const char *basename; /* the name the device publishes it as */
    const char *what;     /* the file path or "<memory>", for messages */
    akl_stream_t stream;
    int32_t timeout_ms; /* -1: forever */
    bool probe;         /* only check the preinstall directory is writable (data/size unused) */
    akl_route_t route;  /* as asked (module.c decides what auto does) */
    /* A gc request (gc.c) instead of a publish: basename is the prefix, data/size unused. */
    const akl_gc_options_t *gc;
    akl_gc_result_t *gc_result; /* filled from the device's table on success */
} akl_boot_request_t;

/* Bootstraps req on its device by the extend route, which the caller has checked is the thread's
 * current one. On success fills module's outcome, basename, device path, route and timing (a probe
 * fills nothing); returns 0 or an error code (loader's or CANN's) with the thread's message set:
 * AKL_ENOEXTEND, AKL_ENOPREINSTALL and AKL_EBOOTSKIPPED are the diagnosed causes auto falls back
 * on. Holds no device memory afterwards, except
 * after a synchronize timeout (see bootstrap.c). */
int akl_bootstrap(const akl_boot_request_t *req, akl_module_t *module);

#endif /* AKL_LOADER_BOOTSTRAP_H */
