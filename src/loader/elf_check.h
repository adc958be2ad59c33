/* Validation of a runtime SO before upload, without device work: the checks every load does and
 * akl_check_file/akl_check_data expose. Never crashes on any input. */
#ifndef AKL_LOADER_ELF_CHECK_H
#define AKL_LOADER_ELF_CHECK_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct akl_elf_rules {
    uint16_t machine;           /* e_machine the target device runs */
    size_t max_size;            /* larger inputs are AKL_ETOOBIG */
    const char *const *kernels; /* NULL or a NULL-terminated list that must be exported */
} akl_elf_rules_t;

/* Checks size bytes at data (named `what` in messages: the file path, or "<memory>"). Returns 0
 * or AKL_ENOTELF, AKL_ETRUNCATED, AKL_ECLASS, AKL_EMACHINE, AKL_ENOTSO, AKL_ENOSYM, AKL_ENAME (a
 * requested kernel name is ill-formed), AKL_ETOOBIG, with the message set. */
int akl_elf_validate(const void *data, size_t size, const char *what, const akl_elf_rules_t *rules);
/* True for a symbol the device's dlsym finds as a kernel: a defined function, global or weak, of
 * default or protected visibility. The one rule of akl_check, opts->kernels and akl_launch. */
bool akl_is_exported_function(const GElf_Sym *sym);

/* Calls fn for every named symbol of .dynsym of an SO akl_elf_validate accepted; stops at the
 * first non-zero return and returns it. -1 when the SO has no readable .dynsym (e.g. section
 * headers stripped). */
typedef int (*akl_dynsym_fn)(void *ctx, const char *name, const GElf_Sym *sym);
int akl_elf_each_dynsym(const void *data, size_t size, akl_dynsym_fn fn, void *ctx);

/* "x86-64", "AArch64", ... or "machine <n>" into buf. */
const char *akl_elf_machine_name(uint16_t machine, char *buf, size_t cap);

#endif /* AKL_LOADER_ELF_CHECK_H */
