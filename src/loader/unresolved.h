/* The undefined symbols of a runtime SO that nothing on the device is known to provide (see
 * unresolved.c for how "provided" is approximated on the host). */
#ifndef AKL_LOADER_UNRESOLVED_H
#define AKL_LOADER_UNRESOLVED_H

#include <stddef.h>

/* Lists them for an SO akl_elf_validate accepted (what names it in messages): *names is one
 * malloc'd block, a NULL-terminated array followed by the strings; *count their number. Returns 0
 * or AKL_ENOMEM with the message set. */
int akl_unresolved_list(const void *data, size_t size, const char *what, char ***names,
                        size_t *count);

#endif /* AKL_LOADER_UNRESOLVED_H */
