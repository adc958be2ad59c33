/* A string-keyed hash map with lock-free lookups (separate chaining, FNV-1a) for the kernel
 * lookup caches. See sim_strmap.h for the concurrency rules. */
#include "sim_strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIM_STRMAP_INITIAL_BUCKETS 16U

typedef struct sim_strmap_node sim_strmap_node_t;

/* Immutable once published: new nodes are only ever prepended to a chain. */
struct sim_strmap_node {
    sim_strmap_node_t *next;
    uint64_t hash;
    void *value;
    char key[];
};

struct sim_strmap_table {
    sim_strmap_table_t *retired; /* the smaller table this one replaced, freed at destroy */
    size_t bucket_count;         /* a power of two */
    sim_strmap_node_t *buckets[];
};

static uint64_t strmap_hash(const char *key)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

void sim_strmap_init(sim_strmap_t *map)
{
    map->table = NULL;
    map->size = 0;
}

static void strmap_free_nodes(sim_strmap_table_t *table, void (*free_value)(void *value))
{
    for (size_t i = 0; i < table->bucket_count; i++) {
        sim_strmap_node_t *node = table->buckets[i];
        while (node) {
            sim_strmap_node_t *next = node->next;
            if (free_value)
                free_value(node->value);
            free(node);
            node = next;
        }
    }
}

void sim_strmap_destroy(sim_strmap_t *map, void (*free_value)(void *value))
{
    sim_strmap_table_t *table = map->table;
    /* Values are shared by the copies in retired tables: free them with the current table only. */
    void (*free_fn)(void *value) = free_value;
    while (table) {
        sim_strmap_table_t *retired = table->retired;
        strmap_free_nodes(table, free_fn);
        free(table);
        free_fn = NULL;
        table = retired;
    }
    sim_strmap_init(map);
}

void *sim_strmap_find(const sim_strmap_t *map, const char *key)
{
    const sim_strmap_table_t *table = __atomic_load_n(&map->table, __ATOMIC_ACQUIRE);
    if (!table)
        return NULL;
    uint64_t hash = strmap_hash(key);
    const sim_strmap_node_t *node =
        __atomic_load_n(&table->buckets[hash & (table->bucket_count - 1)], __ATOMIC_ACQUIRE);
    for (; node; node = node->next) {
        if (node->hash == hash && strcmp(node->key, key) == 0)
            return node->value;
    }
    return NULL;
}

static sim_strmap_node_t *strmap_node_new(const char *key, uint64_t hash, void *value)
{
    size_t key_len = strlen(key);
    sim_strmap_node_t *node = malloc(sizeof *node + key_len + 1);
    if (!node)
        return NULL;
    node->next = NULL;
    node->hash = hash;
    node->value = value;
    memcpy(node->key, key, key_len + 1);
    return node;
}

/* Before the table is published, so plain stores are enough. */
static void strmap_link_unpublished(sim_strmap_table_t *table, sim_strmap_node_t *node)
{
    size_t slot = node->hash & (table->bucket_count - 1);
    node->next = table->buckets[slot];
    table->buckets[slot] = node;
}

/* A larger table holding copies of every node; the caller publishes it. */
static sim_strmap_table_t *strmap_table_grown(const sim_strmap_table_t *old)
{
    size_t count = old ? old->bucket_count * 2 : SIM_STRMAP_INITIAL_BUCKETS;
    sim_strmap_table_t *table = calloc(1, sizeof *table + count * sizeof table->buckets[0]);
    if (!table)
        return NULL;
    table->bucket_count = count;
    for (size_t i = 0; old && i < old->bucket_count; i++) {
        for (const sim_strmap_node_t *node = old->buckets[i]; node; node = node->next) {
            sim_strmap_node_t *copy = strmap_node_new(node->key, node->hash, node->value);
            if (!copy) {
                strmap_free_nodes(table, NULL);
                free(table);
                return NULL;
            }
            strmap_link_unpublished(table, copy);
        }
    }
    return table;
}

/* Keeps the load factor at most 1 so that chains stay short. */
static int strmap_grow_if_full(sim_strmap_t *map)
{
    sim_strmap_table_t *old = map->table;
    if (old && map->size < old->bucket_count)
        return 0;
    sim_strmap_table_t *table = strmap_table_grown(old);
    if (!table)
        return -1;
    table->retired = old;
    __atomic_store_n(&map->table, table, __ATOMIC_RELEASE);
    return 0;
}

int sim_strmap_insert(sim_strmap_t *map, const char *key, void *value)
{
    uint64_t hash = strmap_hash(key);
    sim_strmap_node_t *node = strmap_node_new(key, hash, value);
    if (!node || strmap_grow_if_full(map) != 0) {
        free(node);
        return -1;
    }
    sim_strmap_table_t *table = map->table;
    size_t slot = hash & (table->bucket_count - 1);
    node->next = table->buckets[slot];
    __atomic_store_n(&table->buckets[slot], node, __ATOMIC_RELEASE);
    map->size++;
    return 0;
}
