/* akl_sim_rts's JSON op descriptors (rts_descriptor.c): the parser and the bounded file read the
 * registry loads them with. */
#ifndef AKL_SIM_RTS_DESCRIPTOR_H
#define AKL_SIM_RTS_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"
#include "runtime/runtime/rts/rts_kernel.h"

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
                               rts_descriptor_t *out, cmn_msg_t *msg);
void rts_descriptor_free(rts_descriptor_t *desc);

/* Reads a whole regular file of at most limit bytes into a malloc'd buffer. what names the file's
 * role in messages ("descriptor", "CPU kernel SO"). 107000 for a missing, unreadable, non-regular
 * or oversized file; 207001 when memory runs out. */
rtError_t rts_read_file(const char *path, size_t limit, const char *what, void **data, size_t *size,
                        cmn_msg_t *msg);

#endif /* AKL_SIM_RTS_DESCRIPTOR_H */
