/* akl_sim_rts's handle table (rts_handles.c): a map from handle values to objects. */
#ifndef AKL_SIM_RTS_HANDLES_H
#define AKL_SIM_RTS_HANDLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct rts_map {
    uint64_t *keys; /* 0: empty slot */
    void **values;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} rts_map_t;

/* Inserts key (non-zero, not present). Returns 0, or -1 when memory runs out. */
int rts_map_put(rts_map_t *map, uint64_t key, void *value);
void *rts_map_get(const rts_map_t *map, uint64_t key);
void rts_map_del(rts_map_t *map, uint64_t key);

#endif /* AKL_SIM_RTS_HANDLES_H */
