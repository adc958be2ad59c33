/* Internal pieces of akl_sim_rts: message helpers, the JSON descriptor parser, file reading and
 * the handle table. */
#ifndef AKL_SIM_RTS_INTERNAL_H
#define AKL_SIM_RTS_INTERNAL_H

#include "sim_rts.h"

#include <stdarg.h>

/* ---- rts_text.c: messages and names ---- */

/* Replaces the message (msg may be NULL or cap 0) and returns rc, so a check reads
 * `return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, cap, "...", ...);`. */
rtError_t rts_fail(rtError_t rc, char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Empties the message. */
void rts_msg_clear(char *msg, size_t cap);

/* A printable, bounded copy of an untrusted name for messages: control bytes become '?', and a
 * long name is cut with "...". */
#define RTS_SHOW_MAX 64
typedef struct rts_shown {
    char text[RTS_SHOW_MAX + 4];
} rts_shown_t;
rts_shown_t rts_show(const char *name);

/* path with the extension of its last component replaced by ext (".json", ".so"); a last
 * component without an extension gets ext appended. Returns 0, or -1 if it does not fit. */
int rts_replace_extension(const char *path, const char *ext, char *out, size_t cap);
/* The last component of path. */
const char *rts_basename(const char *path);
/* strdup that tolerates NULL (returns NULL). */
char *rts_strdup(const char *text);

/* ---- rts_descriptor.c: JSON op descriptors ---- */

typedef struct rts_entry {
    char *op_type;
    char *function_name;
    char *kernel_so;
    uint32_t kernel_type;
} rts_entry_t;

typedef struct rts_descriptor {
    rts_entry_t *entries;
    size_t count;
} rts_descriptor_t;

/* Parses a descriptor (name is used in messages). Every problem is 107000 with a message that
 * names the descriptor and, where there is one, the op and field. */
rtError_t rts_descriptor_parse(const void *data, size_t size, const char *name,
                               rts_descriptor_t *out, char *msg, size_t cap);
void rts_descriptor_free(rts_descriptor_t *desc);

/* Reads a whole regular file of at most limit bytes into a malloc'd buffer. what names the file's
 * role in messages ("descriptor", "CPU kernel SO"). 107000 for a missing, unreadable, non-regular
 * or oversized file; 207001 when memory runs out. */
rtError_t rts_read_file(const char *path, size_t limit, const char *what, void **data, size_t *size,
                        char *msg, size_t cap);

/* ---- rts_handles.c: a map from handle values to objects ---- */

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

#endif /* AKL_SIM_RTS_INTERNAL_H */
