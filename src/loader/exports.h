/* The kernels a loaded module exports, read once from its .dynsym when it is first loaded, so that
 * akl_launch refuses a kernel the SO does not export at the launch itself (AKL_ENOSYM) with a
 * message that suggests what was meant, at the cost of one hash and one probe per launch. */
#ifndef LDR_EXPORTS_H
#define LDR_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include <gelf.h>

typedef struct ldr_exports ldr_exports_t;

/* Reads the exported functions of an SO ldr_elf_validate accepted. Returns 0 with *out set, or
 * with *out NULL when the SO has no readable .dynsym (launches are then not checked: the device
 * reports a missing kernel at the synchronize, as before); AKL_ENOMEM with the message set. */
int ldr_exports_build(const void *data, size_t size, ldr_exports_t **out);
void ldr_exports_free(ldr_exports_t *exports);

/* The same set for other names (e.g. what the device's libraries define): new, add names or an
 * ELF image's .dynsym symbols that keep() accepts, then finish before any lookup. The adders
 * return 0, -1 (no readable .dynsym, or too many names) or -2 (out of memory); nothing is
 * logged. */
ldr_exports_t *ldr_exports_new(void);
int ldr_exports_add_name(ldr_exports_t *exports, const char *name);
int ldr_exports_add_from(ldr_exports_t *exports, const void *data, size_t size,
                         bool (*keep)(const GElf_Sym *sym));
int ldr_exports_finish(ldr_exports_t *exports);

/* Whether name (length bytes, NUL-terminated) is exported. */
bool ldr_exports_has(const ldr_exports_t *exports, const char *name, size_t length);

/* Why kernel is missing, for the message: up to three exported names nearest to it by edit
 * distance, and the C++ function named kernel if the SO exports one mangled (declare it
 * extern "C"). Writes "" when there is nothing to suggest. */
void ldr_exports_suggest(const ldr_exports_t *exports, const char *kernel, char *buf, size_t cap);

/* For tests: the length and name of _Z-mangled symbol's function when it is a plain
 * (_Z<len><name>...) or nested (_ZN<len><ns>...<len><name>E...) name; false otherwise. */
bool ldr_demangled_function(const char *mangled, const char **name, size_t *length);

#endif /* LDR_EXPORTS_H */
