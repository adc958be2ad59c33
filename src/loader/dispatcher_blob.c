/* The dispatcher SOs embedded in libakl at build time with .incbin (the build passes their paths as
 * AKL_DISPATCHER_EMBED_PATH for the host's architecture and AKL_DISPATCHER_AARCH64_EMBED_PATH for
 * the AICPU's), so that a bootstrap needs no file installed beside the library; a bootstrap
 * uploads the one built for the device's machine. $AKL_DISPATCHER=<path> overrides it, e.g. to try
 * a dispatcher under development, and must be built for the device's machine. */
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

/* The host's build, and the aarch64 (AICPU) build when the host is not aarch64 itself. */
#ifdef AKL_DISPATCHER_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_dispatcher_blob, AKL_DISPATCHER_EMBED_PATH);
#endif
#ifdef AKL_DISPATCHER_AARCH64_EMBED_PATH
LDR_DISPATCHER_INCBIN(ldr_dispatcher_aarch64_blob, AKL_DISPATCHER_AARCH64_EMBED_PATH);
#endif

static const char *ldr_dispatcher_machine_name(uint16_t machine, char *buf, size_t cap)
{
    return ldr_elf_machine_name(machine, buf, cap);
}

static int ldr_dispatcher_embedded(uint16_t machine, ldr_dispatcher_bytes_t *out)
{
    out->owned = false;
    out->origin = "embedded";
    out->data = NULL;
    out->size = 0;
#ifdef AKL_DISPATCHER_EMBED_PATH
    if (machine == LDR_HOST_MACHINE) {
        out->data = ldr_dispatcher_blob_begin;
        out->size = (size_t)(ldr_dispatcher_blob_end - ldr_dispatcher_blob_begin);
    }
#endif
#ifdef AKL_DISPATCHER_AARCH64_EMBED_PATH
    if (machine == EM_AARCH64) {
        out->data = ldr_dispatcher_aarch64_blob_begin;
        out->size = (size_t)(ldr_dispatcher_aarch64_blob_end - ldr_dispatcher_aarch64_blob_begin);
    }
#endif
    if (out->size > 0)
        return 0;
    char name[32];
    return ldr_fail(AKL_EIO,
                    "libakl was built without an embedded dispatcher for %s devices (an aarch64 "
                    "one needs an aarch64 compiler at build time) and $AKL_DISPATCHER is not set; "
                    "point it at an akl_dispatcher.so built for the device",
                    ldr_dispatcher_machine_name(machine, name, sizeof name));
}

/* An override built for another machine than the device's would only fail on the device. */
static int ldr_dispatcher_check_machine(const char *path, const unsigned char *data, size_t size,
                                        uint16_t machine)
{
    uint16_t have;
    if (size < sizeof(Elf64_Ehdr) || memcmp(data, ELFMAG, SELFMAG) != 0)
        return ldr_fail(AKL_ENOTELF, "$AKL_DISPATCHER=%s is not an ELF file", path);
    memcpy(&have, data + offsetof(Elf64_Ehdr, e_machine), sizeof have);
    if (have == machine)
        return 0;
    char want_name[32], have_name[32];
    return ldr_fail(AKL_EMACHINE, "$AKL_DISPATCHER=%s is built for %s, but the device runs %s",
                    path, ldr_dispatcher_machine_name(have, have_name, sizeof have_name),
                    ldr_dispatcher_machine_name(machine, want_name, sizeof want_name));
}

int ldr_dispatcher_get(uint16_t machine, ldr_dispatcher_bytes_t *out)
{
    const char *path = getenv("AKL_DISPATCHER");
    if (!path || !path[0])
        return ldr_dispatcher_embedded(machine, out);
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
    rc = ldr_dispatcher_check_machine(path, data, size, machine);
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

void ldr_dispatcher_release(ldr_dispatcher_bytes_t *bytes)
{
    if (bytes->owned)
        free((void *)bytes->data);
    bytes->data = NULL;
    bytes->owned = false;
}
