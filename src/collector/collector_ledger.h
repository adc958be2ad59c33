/* The collector's per-prefix ledger (docs/protocol.md section 16): the prefix's total bytes and
 * files as of the last full scan plus what bound requests added since, so that a bound request
 * below the bound costs O(1) instead of a scan of the whole directory. */
#ifndef AKL_COLLECTOR_LEDGER_H
#define AKL_COLLECTOR_LEDGER_H

#include "collector_abi.h"

#include <stdbool.h>
#include <stdint.h>

/* The guard against a ledger that under-counts (files published without a bound request): a full
 * scan anyway after this many bound requests answered from it, or when its last full scan is
 * older than this many seconds. */
#define COLLECTOR_LEDGER_EVERY 64
#define COLLECTOR_LEDGER_MAX_AGE_S 60

typedef struct collector_ledger {
    int fd;       /* the ledger, locked exclusively; -1: none usable */
    bool valid;   /* rec holds a well-formed record */
    bool refused; /* a file is there that is not ours to use */
    akl_gc_ledger_t rec;
} collector_ledger_t;

/* Opens (creating it if absent and create: a bound request; another collection only rewrites an
 * existing one) and locks the ledger of prefix in dirfd and reads it. Anything but a regular file
 * of this user with one link, or a lock not had within a second, leaves fd -1. */
void collector_ledger_open(int dirfd, const char *prefix, bool create, collector_ledger_t *l);

/* A bound request for a published file of size bytes: true (and the ledger written) when the
 * ledger is valid, fresh and the total with size is still at most bound; false: scan. */
bool collector_ledger_add(collector_ledger_t *l, uint64_t size, uint64_t bound);

/* After a full scan: the true totals. */
void collector_ledger_record(collector_ledger_t *l, uint64_t bytes, uint64_t files);

/* Unlocks and closes. */
void collector_ledger_close(collector_ledger_t *l);

#endif /* AKL_COLLECTOR_LEDGER_H */
