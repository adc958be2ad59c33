/* The dispatcher SO embedded in libakl at build time with .incbin (the build passes its path as
 * AKL_DISPATCHER_EMBED_PATH), so that a bootstrap needs no file installed beside the library.
 * $AKL_DISPATCHER=<path> overrides it, e.g. to try a dispatcher under development. */
#include "dispatcher_blob.h"

#include <stdio.h>
#include <stdlib.h>

#include "akl/akl.h"
#include "errors.h"
#include "file_io.h"

/* Far above the ~15 KB a dispatcher needs; only guards against pointing at the wrong file. */
#define LDR_DISPATCHER_MAX_SIZE (64u << 20)

#ifdef AKL_DISPATCHER_EMBED_PATH
__asm__(".pushsection .rodata.akl_dispatcher,\"a\",%progbits\n"
        ".balign 64\n"
        ".globl ldr_dispatcher_blob_begin\n"
        ".hidden ldr_dispatcher_blob_begin\n"
        "ldr_dispatcher_blob_begin:\n"
        ".incbin \"" AKL_DISPATCHER_EMBED_PATH "\"\n"
        ".globl ldr_dispatcher_blob_end\n"
        ".hidden ldr_dispatcher_blob_end\n"
        "ldr_dispatcher_blob_end:\n"
        ".popsection\n");
extern const unsigned char ldr_dispatcher_blob_begin[] __attribute__((visibility("hidden")));
extern const unsigned char ldr_dispatcher_blob_end[] __attribute__((visibility("hidden")));
#endif

static int ldr_dispatcher_embedded(ldr_dispatcher_bytes_t *out)
{
    out->owned = false;
    out->origin = "embedded";
#ifdef AKL_DISPATCHER_EMBED_PATH
    out->data = ldr_dispatcher_blob_begin;
    out->size = (size_t)(ldr_dispatcher_blob_end - ldr_dispatcher_blob_begin);
    if (out->size > 0)
        return 0;
#endif
    return ldr_fail(AKL_EIO, "libakl was built without an embedded dispatcher and "
                             "$AKL_DISPATCHER is not set; point it at akl_dispatcher.so");
}

int ldr_dispatcher_get(ldr_dispatcher_bytes_t *out)
{
    const char *path = getenv("AKL_DISPATCHER");
    if (!path || !path[0])
        return ldr_dispatcher_embedded(out);
    void *data = NULL;
    size_t size = 0;
    int rc = ldr_read_file(path, LDR_DISPATCHER_MAX_SIZE, &data, &size);
    if (rc != 0) {
        char cause[LDR_ERROR_MESSAGE_MAX];
        snprintf(cause, sizeof cause, "dispatcher from $AKL_DISPATCHER: %s", akl_last_error());
        return ldr_fail_copy(rc, cause);
    }
    if (size == 0) {
        free(data);
        return ldr_fail(AKL_EIO, "$AKL_DISPATCHER=%s is an empty file", path);
    }
    out->data = data;
    out->size = size;
    out->owned = true;
    out->origin = path;
    return 0;
}

void ldr_dispatcher_release(ldr_dispatcher_bytes_t *bytes)
{
    if (bytes->owned)
        free((void *)bytes->data);
    bytes->data = NULL;
    bytes->owned = false;
}
