/* The exported-kernel set of a loaded module: an open-addressing hash table over the names of its
 * exported functions, built once per bootstrap (never on a cache hit) and read without locks by
 * every launch. The suggestions for a missing kernel are computed on the failure path only. */
#include "exports.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "elf_check.h"
#include "errors.h"

#define AKL_SUGGESTIONS 3

struct akl_exports {
    size_t count;
    size_t capacity; /* of names */
    char **names;
    size_t *lengths;
    uint64_t *hashes;
    uint32_t *slots; /* index + 1 into names, 0 empty; a power of two of them */
    size_t slot_mask;
};

/* Eight bytes per step (a multiply and a shift each): a launch hashes its kernel name once, so
 * this is most of what the check costs per launch. Not a cryptographic hash; the table compares
 * names in full. */
static uint64_t akl_name_hash(const char *name, size_t length)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t hash = length * k;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, name, 8);
        hash = (hash ^ word) * k;
        hash ^= hash >> 29;
        name += 8;
        length -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < length; i++)
        tail |= (uint64_t)(unsigned char)name[i] << (8 * i);
    hash = (hash ^ tail) * k;
    return hash ^ (hash >> 32);
}

int akl_exports_add_name(akl_exports_t *e, const char *name)
{
    if (e->count == e->capacity) {
        size_t capacity = e->capacity ? 2 * e->capacity : 64;
        char **names = realloc(e->names, capacity * sizeof *names);
        if (names)
            e->names = names;
        size_t *lengths = names ? realloc(e->lengths, capacity * sizeof *lengths) : NULL;
        if (lengths)
            e->lengths = lengths;
        uint64_t *hashes = lengths ? realloc(e->hashes, capacity * sizeof *hashes) : NULL;
        if (!hashes)
            return -2;
        e->hashes = hashes;
        e->capacity = capacity;
    }
    size_t length = strlen(name);
    char *copy = malloc(length + 1);
    if (!copy)
        return -2;
    memcpy(copy, name, length + 1);
    e->names[e->count] = copy;
    e->lengths[e->count] = length;
    e->hashes[e->count] = akl_name_hash(name, length);
    e->count++;
    return 0;
}

typedef struct akl_exports_filter {
    akl_exports_t *set;
    bool (*keep)(const GElf_Sym *sym);
} akl_exports_filter_t;

static int akl_exports_add(void *ctx, const char *name, const GElf_Sym *sym)
{
    akl_exports_filter_t *filter = ctx;
    return filter->keep(sym) ? akl_exports_add_name(filter->set, name) : 0;
}

int akl_exports_add_from(akl_exports_t *e, const void *data, size_t size,
                         bool (*keep)(const GElf_Sym *sym))
{
    akl_exports_filter_t filter = {.set = e, .keep = keep};
    return akl_elf_each_dynsym(data, size, akl_exports_add, &filter);
}

akl_exports_t *akl_exports_new(void)
{
    return calloc(1, sizeof(akl_exports_t));
}

int akl_exports_finish(akl_exports_t *e)
{
    if (e->count > UINT32_MAX - 1)
        return -1;
    size_t slots = 16;
    while (slots < 2 * e->count)
        slots *= 2;
    free(e->slots);
    e->slots = calloc(slots, sizeof *e->slots);
    if (!e->slots)
        return -2;
    e->slot_mask = slots - 1;
    for (size_t i = 0; i < e->count; i++) {
        size_t at = (size_t)e->hashes[i] & e->slot_mask;
        while (e->slots[at] != 0)
            at = (at + 1) & e->slot_mask;
        e->slots[at] = (uint32_t)(i + 1);
    }
    return 0;
}

int akl_exports_build(const void *data, size_t size, akl_exports_t **out)
{
    *out = NULL;
    akl_exports_t *e = akl_exports_new();
    if (!e)
        return akl_fail(AKL_ENOMEM, "cannot allocate the module's export table");
    int rc = akl_exports_add_from(e, data, size, akl_is_exported_function);
    if (rc == 0)
        rc = akl_exports_finish(e);
    if (rc == -1) { /* no readable .dynsym: leave launches unchecked */
        akl_exports_free(e);
        return 0;
    }
    if (rc != 0) {
        akl_exports_free(e);
        return akl_fail(AKL_ENOMEM, "cannot allocate the module's export table");
    }
    *out = e;
    return 0;
}

void akl_exports_free(akl_exports_t *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->count; i++)
        free(e->names[i]);
    free(e->names);
    free(e->lengths);
    free(e->hashes);
    free(e->slots);
    free(e);
}

bool akl_exports_has(const akl_exports_t *e, const char *name, size_t length)
{
    uint64_t hash = akl_name_hash(name, length);
    for (size_t at = (size_t)hash & e->slot_mask; e->slots[at] != 0; at = (at + 1) & e->slot_mask) {
        size_t i = e->slots[at] - 1;
        if (e->hashes[i] == hash && e->lengths[i] == length &&
            memcmp(e->names[i], name, length) == 0)
            return true;
    }
    return false;
}

/* ---- suggestions (failure path only) ---- */

static bool akl_parse_length(const char **p, size_t *length)
{
    size_t value = 0;
    if (**p < '1' || **p > '9')
        return false;
    while (**p >= '0' && **p <= '9') {
        if (value > 100000)
            return false;
        value = value * 10 + (size_t)(**p - '0');
        (*p)++;
    }
    *length = value;
    return true;
}

bool akl_demangled_function(const char *mangled, const char **name, size_t *length)
{
    if (strncmp(mangled, "_Z", 2) != 0)
        return false;
    const char *p = mangled + 2;
    bool nested = *p == 'N';
    if (nested) {
        p++;
        while (*p == 'K' || *p == 'V' || *p == 'r')
            p++;
    }
    for (;;) {
        size_t id_length;
        if (!akl_parse_length(&p, &id_length) || strnlen(p, id_length) < id_length)
            return false;
        const char *id = p;
        p += id_length;
        if (!nested || *p == 'E') {
            *name = id;
            *length = id_length;
            return true;
        }
    }
}

/* Levenshtein distance of a and b, or a value above limit as soon as it must exceed it. */
static size_t akl_edit_distance(const char *a, size_t a_len, const char *b, size_t b_len,
                                size_t limit)
{
    size_t gap = a_len > b_len ? a_len - b_len : b_len - a_len;
    if (gap > limit || b_len > AKL_KERNEL_NAME_MAX)
        return limit + 1;
    size_t rows[2][AKL_KERNEL_NAME_MAX + 1];
    size_t *prev = rows[0], *cur = rows[1];
    for (size_t j = 0; j <= b_len; j++)
        prev[j] = j;
    for (size_t i = 1; i <= a_len; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= b_len; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
            if (best < row_min)
                row_min = best;
        }
        if (row_min > limit)
            return limit + 1;
        size_t *swap = prev;
        prev = cur;
        cur = swap;
    }
    return prev[b_len];
}

typedef struct akl_nearest {
    size_t count;
    size_t index[AKL_SUGGESTIONS];
    size_t distance[AKL_SUGGESTIONS];
} akl_nearest_t;

/* Keeps the best three, ordered by distance; ties keep the symbol table's order. */
static void akl_nearest_offer(akl_nearest_t *n, size_t index, size_t distance)
{
    if (n->count == AKL_SUGGESTIONS && distance >= n->distance[AKL_SUGGESTIONS - 1])
        return;
    size_t at = n->count < AKL_SUGGESTIONS ? n->count++ : AKL_SUGGESTIONS - 1;
    while (at > 0 && n->distance[at - 1] > distance) {
        n->index[at] = n->index[at - 1];
        n->distance[at] = n->distance[at - 1];
        at--;
    }
    n->index[at] = index;
    n->distance[at] = distance;
}

static void akl_nearest_find(const akl_exports_t *e, const char *kernel, akl_nearest_t *n)
{
    size_t kernel_len = strlen(kernel);
    n->count = 0;
    for (size_t i = 0; i < e->count; i++) {
        size_t limit = n->count < AKL_SUGGESTIONS ? SIZE_MAX - 1 : n->distance[n->count - 1] - 1;
        if (n->count == AKL_SUGGESTIONS && n->distance[n->count - 1] == 0)
            break;
        size_t d = akl_edit_distance(e->names[i], e->lengths[i], kernel, kernel_len, limit);
        if (d <= limit)
            akl_nearest_offer(n, i, d);
    }
}

/* The exported C++ function named kernel, if any. */
static const char *akl_mangled_match(const akl_exports_t *e, const char *kernel)
{
    size_t kernel_len = strlen(kernel);
    for (size_t i = 0; i < e->count; i++) {
        const char *name;
        size_t length;
        if (akl_demangled_function(e->names[i], &name, &length) && length == kernel_len &&
            memcmp(name, kernel, length) == 0)
            return e->names[i];
    }
    return NULL;
}

void akl_exports_suggest(const akl_exports_t *e, const char *kernel, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    const char *mangled = akl_mangled_match(e, kernel);
    if (mangled)
        used += (size_t)snprintf(buf, cap,
                                 "; it exports \"%s\", a C++ function named %s: declare it "
                                 "extern \"C\" so that the device finds it by that name",
                                 mangled, kernel);
    if (e->count == 0) {
        if (used < cap)
            snprintf(buf + used, cap - used, "; it exports no functions");
        return;
    }
    akl_nearest_t nearest;
    akl_nearest_find(e, kernel, &nearest);
    for (size_t k = 0; k < nearest.count && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s\"%s\"",
                                 k == 0 ? "; nearest exported names: " : ", ",
                                 e->names[nearest.index[k]]);
}
