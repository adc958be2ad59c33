/* The collector's rule (docs/protocol.md section 16), apart from how it is reached: list the
 * published files of one prefix in a directory, then decide and remove, oldest first. */
#ifndef AKL_COLLECTOR_RULE_H
#define AKL_COLLECTOR_RULE_H

#include "collector_abi.h"

#include <stddef.h>
#include <stdint.h>

/* The published files of the prefix found in one directory (malloc'd; oldest first once
 * decided). */
typedef struct collector_list {
    akl_gc_entry_t *v;
    size_t n, cap;
} collector_list_t;

typedef struct collector_sum {
    uint64_t removed_files, removed_bytes, kept_files, kept_bytes, in_use_files;
} collector_sum_t;

/* What one collection asks: the args' rule. */
typedef struct collector_rule {
    uint64_t keep, max_bytes, min_age_s;
    uint32_t flags; /* AKL_GC_FLAG_* */
} collector_rule_t;

/* Every regular file of dirfd named "<prefix><16 hex>_<device>.so" for exactly prefix (never a
 * temporary, a link or another prefix's file), appended to list. Returns 0 or an errno. */
int collector_scan(int dirfd, const char *prefix, collector_list_t *list);

/* Sorts list oldest first and applies rule: each candidate past the keep newest, oldest first,
 * until the bound (if any) is met, is removed unless it is too young or a live scheduler holds it.
 * Fills each entry's state and the sums. */
void collector_decide(int dirfd, collector_list_t *list, const collector_rule_t *rule,
                      collector_sum_t *sum);

void collector_list_free(collector_list_t *list);

#endif /* AKL_COLLECTOR_RULE_H */
