/* A small open-addressing map from 64-bit handle values to objects (linear probing, deletion by
 * backward shift), so that any value a caller passes as a handle is checked by lookup and never
 * dereferenced. */
#include "rts_handles.h"

#include <stdlib.h>

#define RTS_MAP_MIN_CAP 16

static size_t rts_map_slot(uint64_t key, size_t cap)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 17) & (cap - 1);
}

static void rts_map_insert_slot(uint64_t *keys, void **values, size_t cap, uint64_t key,
                                void *value)
{
    size_t i = rts_map_slot(key, cap);
    while (keys[i] != 0)
        i = (i + 1) & (cap - 1);
    keys[i] = key;
    values[i] = value;
}

static int rts_map_grow(rts_map_t *map)
{
    size_t cap = map->cap ? map->cap * 2 : RTS_MAP_MIN_CAP;
    uint64_t *keys = calloc(cap, sizeof *keys);
    void **values = calloc(cap, sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return -1;
    }
    for (size_t i = 0; i < map->cap; i++) {
        if (map->keys[i] != 0)
            rts_map_insert_slot(keys, values, cap, map->keys[i], map->values[i]);
    }
    free(map->keys);
    free(map->values);
    map->keys = keys;
    map->values = values;
    map->cap = cap;
    return 0;
}

int rts_map_put(rts_map_t *map, uint64_t key, void *value)
{
    /* Keep the load at most 1/2 so probes stay short. */
    if ((map->count + 1) * 2 > map->cap && rts_map_grow(map) != 0)
        return -1;
    rts_map_insert_slot(map->keys, map->values, map->cap, key, value);
    map->count++;
    return 0;
}

static size_t rts_map_find(const rts_map_t *map, uint64_t key)
{
    if (map->cap == 0 || key == 0)
        return SIZE_MAX;
    for (size_t i = rts_map_slot(key, map->cap);; i = (i + 1) & (map->cap - 1)) {
        if (map->keys[i] == key)
            return i;
        if (map->keys[i] == 0)
            return SIZE_MAX;
    }
}

void *rts_map_get(const rts_map_t *map, uint64_t key)
{
    size_t i = rts_map_find(map, key);
    return i == SIZE_MAX ? NULL : map->values[i];
}

/* True if home lies cyclically in (hole, probe]: the entry at probe may not move into hole. */
static int rts_map_between(size_t hole, size_t home, size_t probe)
{
    return hole <= probe ? (hole < home && home <= probe) : (hole < home || home <= probe);
}

void rts_map_del(rts_map_t *map, uint64_t key)
{
    size_t hole = rts_map_find(map, key);
    if (hole == SIZE_MAX)
        return;
    size_t mask = map->cap - 1;
    for (size_t probe = (hole + 1) & mask; map->keys[probe] != 0; probe = (probe + 1) & mask) {
        size_t home = rts_map_slot(map->keys[probe], map->cap);
        if (rts_map_between(hole, home, probe))
            continue;
        map->keys[hole] = map->keys[probe];
        map->values[hole] = map->values[probe];
        hole = probe;
    }
    map->keys[hole] = 0;
    map->values[hole] = NULL;
    map->count--;
}
