/* The kernels a loaded module exports, read once from its .dynsym when it is first loaded, so that
 * akl_launch refuses a kernel the SO does not export at the launch itself (AKL_ENOSYM) with a
 * message that suggests what was meant, at the cost of one hash and one probe per launch. */
#ifndef AKL_LOADER_EXPORTS_H
#define AKL_LOADER_EXPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include <gelf.h>

typedef struct akl_exports akl_exports_t;

/* Reads the exported functions of an SO akl_elf_validate accepted. Returns 0 with *out set, or
 * with *out NULL when the SO has no readable .dynsym (launches are then not checked: the device
 * reports a missing kernel at the synchronize, as before); AKL_ENOMEM with the message set. */
int akl_exports_build(const void *data, size_t size, akl_exports_t **out);
void akl_exports_free(akl_exports_t *exports);

/* The same set for other names (e.g. what the device's libraries define): new, add names or an
 * ELF image's .dynsym symbols that keep() accepts, then finish before any lookup. The adders
 * return 0, -1 (no readable .dynsym, or too many names) or -2 (out of memory); nothing is logged.
 */
akl_exports_t *akl_exports_new(void);
int akl_exports_add_name(akl_exports_t *exports, const char *name);
int akl_exports_add_from(akl_exports_t *exports, const void *data, size_t size,
                         bool (*keep)(const GElf_Sym *sym));
int akl_exports_finish(akl_exports_t *exports);

/* Whether name (length bytes, NUL-terminated) is exported. */
bool akl_exports_has(const akl_exports_t *exports, const char *name, size_t length);

/* Why kernel is missing, for the message: up to three exported names nearest to it by edit
 * distance, and the C++ function named kernel if the SO exports one mangled (declare it
 * extern "C"). Writes "" when there is nothing to suggest. */
void akl_exports_suggest(const akl_exports_t *exports, const char *kernel, char *buf, size_t cap);

/* For tests: the length and name of _Z-mangled symbol's function when it is a plain
 * (_Z<len><name>...) or nested (_ZN<len><ns>...<len><name>E...) name; false otherwise. */
bool akl_demangled_function(const char *mangled, const char **name, size_t *length);

#endif /* AKL_LOADER_EXPORTS_H */
