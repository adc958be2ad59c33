/* Validation of a runtime SO before upload, without device work: the checks every load does and
 * akl_check_file/akl_check_data expose. Never crashes on any input. */
#ifndef LDR_ELF_CHECK_H
#define LDR_ELF_CHECK_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ldr_elf_rules {
    uint16_t machine;           /* e_machine the target device runs */
    size_t max_size;            /* larger inputs are AKL_ETOOBIG */
    const char *const *kernels; /* NULL or a NULL-terminated list that must be exported */
} ldr_elf_rules_t;

/* Checks size bytes at data (named `what` in messages: the file path, or "<memory>"). Returns 0
 * or AKL_ENOTELF, AKL_ETRUNCATED, AKL_ECLASS, AKL_EMACHINE, AKL_ENOTSO, AKL_ENOSYM, AKL_ENAME (a
 * requested kernel name is ill-formed), AKL_ETOOBIG, with the message set. */
int ldr_elf_validate(const void *data, size_t size, const char *what, const ldr_elf_rules_t *rules);

/* "x86-64", "AArch64", ... or "machine <n>" into buf. */
const char *ldr_elf_machine_name(uint16_t machine, char *buf, size_t cap);

#endif /* LDR_ELF_CHECK_H */
