/* An SO's dynamic symbols (.dynsym) through libelf, for images ldr_elf_validate accepted. */
#ifndef LDR_DYNSYM_H
#define LDR_DYNSYM_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>

/* Initialises libelf once per process (thread-safe); every libelf user calls it first. */
void ldr_libelf_ready(void);
/* The .dynsym section of elf with its header in *shdr, or NULL. */
Elf_Scn *ldr_dynsym_find(Elf *elf, GElf_Shdr *shdr);
/* True for a symbol the device's dlsym finds as a kernel: a defined function, global or weak, of
 * default or protected visibility. The one rule of ldr_check, opts->kernels and akl_launch. */
bool ldr_is_exported_function(const GElf_Sym *sym);

/* Calls fn for every named symbol of .dynsym of an SO ldr_elf_validate accepted; stops at the
 * first non-zero return and returns it. -1 when the SO has no readable .dynsym (e.g. section
 * headers stripped). */
typedef int (*ldr_dynsym_fn)(void *ctx, const char *name, const GElf_Sym *sym);
int ldr_dynsym_each(const void *data, size_t size, ldr_dynsym_fn fn, void *ctx);

#endif /* LDR_DYNSYM_H */
