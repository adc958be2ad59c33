/* The bound on the device's directory after a load that published (AKL_DEVICE_CACHE_MAX;
 * docs/protocol.md section 16), applied by the collector that akl_device_gc also uses (gc.c). */
#ifndef LDR_GC_H
#define LDR_GC_H

#include "akl/akl.h"
#include "collector_abi.h"
#include "module_types.h"
#include "options.h"
#include "runtime.h"

/* One collection: where, by which rule, and what the device answered. Private to gc.c; declared
 * here so that a load can keep its bound request (ldr_gc_bound_t) on its stack. */
typedef struct ldr_gc_run {
    const ldr_runtime_t *rt;
    int32_t device;
    const char *prefix;
    const akl_gc_options_t *rule;
    akl_stream_t stream;
    int32_t timeout_ms;    /* -1: forever, else > 0 */
    uint32_t cap;          /* table entries to reserve (0: the counts only) */
    char what[160];        /* "collecting prefix "p" on device d" */
    char origin[160];      /* the collector's file, for messages */
    void *table;           /* the device buffer */
    const char *published; /* a bound request: the file whose publish asked for it */
    uint64_t published_size;
    akl_gc_table_t head;
} ldr_gc_run_t;

/* A load's bound request. When this process already loaded the collector on the device, it goes
 * behind the bootstrap on the bootstrap's stream (follow, given to the load as opts->follow): the
 * collector applies it only if that bootstrap wrote or replaced the file, and the bootstrap's one
 * synchronize answers both. Otherwise it runs after the load, as a collection of its own. */
typedef struct ldr_gc_bound {
    ldr_boot_follow_t follow;
    akl_gc_options_t rule;
    ldr_gc_run_t run;
} ldr_gc_bound_t;

/* Prepares b for a load with opts; b->follow.queue stays NULL when there is no bound
 * ($AKL_DEVICE_CACHE_MAX=0), and the load then passes no follow. */
void ldr_gc_bound_init(ldr_gc_bound_t *b, const ldr_runtime_t *rt, const ldr_options_t *opts);

/* After the load: module is the loaded module when the load bootstrapped it, else NULL. When the
 * bootstrap wrote or replaced module's file by the extend route, the prefix (opts->prefix) is
 * collected down to $AKL_DEVICE_CACHE_MAX (keep 0, no minimum age; the file just published is held
 * by its scheduler, so it stays). Never fails the load: a failure is a warning, once per device,
 * saying why; under the one-upload latch the collector cannot be loaded in this process and is not
 * tried again on that device. The thread's error message is kept. Frees the device buffer (unless
 * the bootstrap's synchronize timed out: the queued task may still write it). */
void ldr_gc_bound_finish(ldr_gc_bound_t *b, const akl_module_t *module);

#endif /* LDR_GC_H */
