/* An SO's dynamic symbols through libelf: finding .dynsym, walking it, and the one rule for a
 * symbol the device's dlsym finds as a kernel. Shared by the validator (elf_check.c), the export
 * table (exports.c) and the unresolved-symbol list (unresolved.c); reads only images the validator
 * has bounds-checked. */
#include "dynsym.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdint.h>

bool ldr_is_exported_function(const GElf_Sym *sym)
{
    unsigned bind = GELF_ST_BIND(sym->st_info);
    unsigned visibility = GELF_ST_VISIBILITY(sym->st_other);
    return sym->st_shndx != SHN_UNDEF && GELF_ST_TYPE(sym->st_info) == STT_FUNC &&
           (bind == STB_GLOBAL || bind == STB_WEAK) &&
           (visibility == STV_DEFAULT || visibility == STV_PROTECTED);
}

Elf_Scn *ldr_dynsym_find(Elf *elf, GElf_Shdr *shdr)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        if (gelf_getshdr(scn, shdr) && shdr->sh_type == SHT_DYNSYM)
            return scn;
    }
    return NULL;
}

static pthread_once_t ldr_libelf_once = PTHREAD_ONCE_INIT;

static void ldr_libelf_init(void)
{
    elf_version(EV_CURRENT);
}

void ldr_libelf_ready(void)
{
    pthread_once(&ldr_libelf_once, ldr_libelf_init);
}

int ldr_dynsym_each(const void *data, size_t size, ldr_dynsym_fn fn, void *ctx)
{
    ldr_libelf_ready();
    Elf *elf = elf_memory((char *)(uintptr_t)data, size);
    if (!elf)
        return -1;
    GElf_Shdr shdr;
    Elf_Scn *dynsym = ldr_dynsym_find(elf, &shdr);
    Elf_Data *symbols = dynsym ? elf_getdata(dynsym, NULL) : NULL;
    if (!symbols || shdr.sh_entsize == 0) {
        elf_end(elf);
        return -1;
    }
    uint64_t count = shdr.sh_size / shdr.sh_entsize;
    int rc = 0;
    for (uint64_t i = 1; i < count && i <= INT32_MAX && rc == 0; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(symbols, (int)i, &sym))
            break;
        const char *name = elf_strptr(elf, shdr.sh_link, sym.st_name);
        if (name && name[0])
            rc = fn(ctx, name, &sym);
    }
    elf_end(elf);
    return rc;
}
