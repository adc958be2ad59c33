/* A string-keyed hash map for the kernel lookup caches (SO by basename, symbol by name), built for
 * the per-task path: lookups take no lock and write no shared memory, so concurrent launches do
 * not contend.
 *
 * Rules: sim_strmap_find may run at any time, from any thread, also during an insert;
 * sim_strmap_insert calls must be serialized by the caller (one writer at a time). Entries are
 * never removed or changed before destroy, which is what makes lock-free reading safe: a node,
 * once published, stays valid and immutable. Growing copies the nodes into a larger table and
 * keeps the old table until destroy, for readers still walking it. Keys are copied; values are
 * opaque pointers owned by the caller. */
#ifndef AKL_SIM_STRMAP_H
#define AKL_SIM_STRMAP_H

#include <stddef.h>

typedef struct sim_strmap_table sim_strmap_table_t;

typedef struct sim_strmap {
    sim_strmap_table_t *table; /* published with release, read with acquire */
    size_t size;               /* writer only */
} sim_strmap_t;

void sim_strmap_init(sim_strmap_t *map);
/* Calls free_value(value) once for every entry (if free_value is not NULL), then frees the map.
 * No reader may be running. */
void sim_strmap_destroy(sim_strmap_t *map, void (*free_value)(void *value));
/* The value stored under key, or NULL. Lock-free. */
void *sim_strmap_find(const sim_strmap_t *map, const char *key);
/* Stores value under key, which must not be present yet. Returns 0, or -1 on out of memory (the
 * map is then unchanged). Writers must be serialized. */
int sim_strmap_insert(sim_strmap_t *map, const char *key, void *value);

#endif /* AKL_SIM_STRMAP_H */
