/* akl's device objects embedded in libakl at build time with .incbin, so that nothing needs to be
 * installed beside the library: the dispatcher (the build passes its paths as
 * AKL_DISPATCHER_EMBED_PATH for the host's architecture and AKL_DISPATCHER_AARCH64_EMBED_PATH for
 * the AICPU's), which a bootstrap uploads, and the collector (AKL_COLLECTOR_EMBED_PATH,
 * AKL_COLLECTOR_AARCH64_EMBED_PATH), which akl gc loads as a runtime SO. The one built for the
 * device's machine is used. $AKL_DISPATCHER=<path> and $AKL_COLLECTOR=<path> override them, e.g. to
 * try one under development, and must be built for the device's machine. */
#include "dispatcher_blob.h"

#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akl/akl.h"
#include "elf_check.h"
#include "errors.h"
#include "file_io.h"

/* Far above the ~15 KB a dispatcher needs; only guards against pointing at the wrong file. */
#define LDR_DISPATCHER_MAX_SIZE (64u << 20)

#if defined(__x86_64__)
#define LDR_HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define LDR_HOST_MACHINE EM_AARCH64
#else
#define LDR_HOST_MACHINE EM_NONE
#endif

/* One embedded dispatcher: the bytes between two hidden symbols of .rodata. */
#define LDR_DISPATCHER_INCBIN(name, path)                                                          \
    __asm__(".pushsection .rodata." #name ",\"a\",%progbits\n"                                     \
            ".balign 64\n"                                                                         \
            ".globl " #name "_begin\n"                                                             \
            ".hidden " #name "_begin\n" #name "_begin:\n"                                          \
            ".incbin \"" path "\"\n"                                                               \
            ".globl " #name "_end\n"                                                               \
            ".hidden " #name "_end\n" #name "_end:\n"                                              \
            ".popsection\n");                                                                      \
    extern const unsigned char name##_begin[] __attribute__((visibility("hidden")));               \
    extern const unsigned char name##_end[] __attribute__((visibility("hidden")))

/* The host's build, and the aarch64 (AICPU) build when the host is not aarch64 itself; each
 * LDR_EMBED_* is the begin and end of its copy, or two NULLs where the build embeds none. */
#ifdef AKL_DISPATCHER_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_dispatcher_blob, AKL_DISPATCHER_EMBED_PATH);
#define LDR_EMBED_DISPATCHER ldr_dispatcher_blob_begin, ldr_dispatcher_blob_end
#else
#define LDR_EMBED_DISPATCHER NULL, NULL
#endif
#ifdef AKL_DISPATCHER_AARCH64_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_dispatcher_aarch64_blob, AKL_DISPATCHER_AARCH64_EMBED_PATH);
#define LDR_EMBED_DISPATCHER_AARCH64                                                               \
    ldr_dispatcher_aarch64_blob_begin, ldr_dispatcher_aarch64_blob_end
#else
#define LDR_EMBED_DISPATCHER_AARCH64 NULL, NULL
#endif
#ifdef AKL_COLLECTOR_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_collector_blob, AKL_COLLECTOR_EMBED_PATH);
#define LDR_EMBED_COLLECTOR ldr_collector_blob_begin, ldr_collector_blob_end
#else
#define LDR_EMBED_COLLECTOR NULL, NULL
#endif
#ifdef AKL_COLLECTOR_AARCH64_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_collector_aarch64_blob, AKL_COLLECTOR_AARCH64_EMBED_PATH);
#define LDR_EMBED_COLLECTOR_AARCH64 ldr_collector_aarch64_blob_begin, ldr_collector_aarch64_blob_end
#else
#define LDR_EMBED_COLLECTOR_AARCH64 NULL, NULL
#endif

/* One kind of embedded device object: its override variable, its file name and its copies. */
typedef struct ldr_device_object {
    const char *env;  /* "AKL_DISPATCHER" */
    const char *what; /* "dispatcher", for messages */
    const char *file; /* "akl_dispatcher.so" */
    const unsigned char *host_begin, *host_end, *aarch64_begin, *aarch64_end;
} ldr_device_object_t;

static const ldr_device_object_t ldr_dispatcher_object = {"AKL_DISPATCHER", "dispatcher",
                                                          "akl_dispatcher.so", LDR_EMBED_DISPATCHER,
                                                          LDR_EMBED_DISPATCHER_AARCH64};

static const ldr_device_object_t ldr_collector_object = {"AKL_COLLECTOR", "collector",
                                                         "akl_collector.so", LDR_EMBED_COLLECTOR,
                                                         LDR_EMBED_COLLECTOR_AARCH64};

static const char *ldr_dispatcher_machine_name(uint16_t machine, char *buf, size_t cap)
{
    return ldr_elf_machine_name(machine, buf, cap);
}

static int ldr_object_embedded(const ldr_device_object_t *obj, uint16_t machine,
                               ldr_dispatcher_bytes_t *out)
{
    out->owned = false;
    out->origin = "embedded";
    out->data = NULL;
    out->size = 0;
    if (machine == LDR_HOST_MACHINE && obj->host_begin) {
        out->data = obj->host_begin;
        out->size = (size_t)(obj->host_end - obj->host_begin);
    } else if (machine == EM_AARCH64 && obj->aarch64_begin) {
        out->data = obj->aarch64_begin;
        out->size = (size_t)(obj->aarch64_end - obj->aarch64_begin);
    }
    if (out->size > 0)
        return 0;
    char name[32];
    return ldr_fail(AKL_EIO,
                    "libakl was built without an embedded %s for %s devices (an aarch64 one needs "
                    "an aarch64 compiler at build time) and $%s is not set; point it at an %s "
                    "built for the device",
                    obj->what, ldr_dispatcher_machine_name(machine, name, sizeof name), obj->env,
                    obj->file);
}

/* An override built for another machine than the device's would only fail on the device. */
static int ldr_object_check_machine(const ldr_device_object_t *obj, const char *path,
                                    const unsigned char *data, size_t size, uint16_t machine)
{
    uint16_t have;
    if (size < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0)
        return ldr_fail(AKL_ENOTELF, "$%s=%s is not an ELF file", obj->env, path);
    memcpy(&have, data + offsetof(Elf64_Ehdr, e_machine), sizeof have);
    if (have == machine)
        return 0;
    char want_name[32], have_name[32];
    return ldr_fail(AKL_EMACHINE, "$%s=%s is built for %s, but the device runs %s", obj->env, path,
                    ldr_dispatcher_machine_name(have, have_name, sizeof have_name),
                    ldr_dispatcher_machine_name(machine, want_name, sizeof want_name));
}

static int ldr_object_get(const ldr_device_object_t *obj, uint16_t machine,
                          ldr_dispatcher_bytes_t *out)
{
    const char *path = getenv(obj->env);
    if (!path || !path[0])
        return ldr_object_embedded(obj, machine, out);
    void *data = NULL;
    size_t size = 0;
    int rc = ldr_read_file(path, LDR_DISPATCHER_MAX_SIZE, &data, &size);
    if (rc != 0) {
        char cause[LDR_ERROR_MESSAGE_MAX];
        snprintf(cause, sizeof cause, "%s from $%s: %s", obj->what, obj->env, akl_last_error());
        return ldr_fail_copy(rc, cause);
    }
    if (size == 0) {
        free(data);
        return ldr_fail(AKL_EIO, "$%s=%s is an empty file", obj->env, path);
    }
    rc = ldr_object_check_machine(obj, path, data, size, machine);
    if (rc != 0) {
        free(data);
        return rc;
    }
    out->data = data;
    out->size = size;
    out->owned = true;
    out->origin = path;
    return 0;
}

int ldr_dispatcher_get(uint16_t machine, ldr_dispatcher_bytes_t *out)
{
    return ldr_object_get(&ldr_dispatcher_object, machine, out);
}

int ldr_collector_get(uint16_t machine, ldr_dispatcher_bytes_t *out)
{
    return ldr_object_get(&ldr_collector_object, machine, out);
}

void ldr_dispatcher_release(ldr_dispatcher_bytes_t *bytes)
{
    if (bytes->owned)
        free((void *)bytes->data);
    bytes->data = NULL;
    bytes->owned = false;
}
