/* The bound on the device's directory after a load that published (AKL_DEVICE_CACHE_MAX;
 * docs/protocol.md section 16), applied by the collector that akl_device_gc also uses (gc.c). */
#ifndef LDR_GC_H
#define LDR_GC_H

#include "akl/akl.h"
#include "options.h"
#include "runtime.h"

/* After a load whose bootstrap wrote or replaced module's file by the extend route: collects
 * module's prefix (opts->prefix) down to $AKL_DEVICE_CACHE_MAX (keep 0, no minimum age; the file
 * just published is held by its scheduler, so it stays). Never fails the load: a failure is a
 * warning, once per device, saying why; under the one-upload latch the collector cannot be loaded
 * in this process and is not tried again on that device. The thread's error message is kept. */
void ldr_gc_bound_after_publish(const ldr_runtime_t *rt, const akl_module_t *module,
                                const ldr_options_t *opts);

#endif /* LDR_GC_H */
