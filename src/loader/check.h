/* The validation a load does, without a load: the rules a caller's options ask for, and reading
 * and validating a file by them (akl_check_*, akl_unresolved_symbols_*). */
#ifndef LDR_CHECK_H
#define LDR_CHECK_H

#include <stddef.h>

#include "akl/akl.h"
#include "elf_check.h"

/* The rules for opts (may be NULL): the resolved runtime's machine, the size limit and the
 * kernels asked for. Returns 0 or the runtime's or the options' error, with the message set. */
int ldr_check_rules(const akl_load_options_t *opts, ldr_elf_rules_t *rules);
/* Reads the file at path and validates it by rules. 0 with *data (the caller frees it) and *size
 * set; else the error with the message set and *data NULL. */
int ldr_check_read_file(const char *path, const ldr_elf_rules_t *rules, void **data, size_t *size);

#endif /* LDR_CHECK_H */
