/* The ELF validator: is this a complete 64-bit shared object for the target machine, within the
 * size limit, exporting the requested kernels? Header, program and section tables are
 * bounds-checked by hand (overflow-safe) before libelf reads the dynamic symbols, so a hostile or
 * truncated input gets a defined error and never a crash. */
#include "elf_check.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "akl/akl.h"
#include "errors.h"
#include "dynsym.h"
#include "exports.h"
#include "names.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LDR_NATIVE_ELFDATA ELFDATA2LSB
#else
#define LDR_NATIVE_ELFDATA ELFDATA2MSB
#endif

typedef struct ldr_elf_input {
    const unsigned char *bytes;
    size_t size;
    const char *what;
    Elf64_Ehdr ehdr;
} ldr_elf_input_t;

const char *ldr_elf_machine_name(uint16_t machine, char *buf, size_t cap)
{
    switch (machine) {
    case EM_X86_64:
        return "x86-64 (EM_X86_64)";
    case EM_AARCH64:
        return "AArch64 (EM_AARCH64)";
    case EM_386:
        return "i386 (EM_386)";
    case EM_ARM:
        return "ARM (EM_ARM)";
    case EM_RISCV:
        return "RISC-V (EM_RISCV)";
    case EM_PPC64:
        return "PowerPC64 (EM_PPC64)";
    case EM_S390:
        return "s390 (EM_S390)";
    default:
        snprintf(buf, cap, "machine %u", (unsigned)machine);
        return buf;
    }
}

/* end = offset + count * entry, false when it overflows or passes size. */
static bool ldr_range_fits(uint64_t offset, uint64_t count, uint64_t entry, size_t size,
                           uint64_t *end)
{
    uint64_t length;
    if (__builtin_mul_overflow(count, entry, &length) ||
        __builtin_add_overflow(offset, length, end))
        return false;
    return *end <= size;
}

static int ldr_check_ident(const ldr_elf_input_t *in)
{
    static const unsigned char magic[SELFMAG] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3};
    size_t present = in->size < SELFMAG ? in->size : SELFMAG;
    if (present == 0 || memcmp(in->bytes, magic, present) != 0)
        return ldr_fail(AKL_ENOTELF, "%s: not an ELF file (%zu bytes, no \\177ELF magic)", in->what,
                        in->size);
    if (present < SELFMAG)
        return ldr_fail(AKL_ETRUNCATED, "%s: truncated ELF file: %zu bytes, not even the magic",
                        in->what, in->size);
    if (in->size < EI_NIDENT)
        return ldr_fail(AKL_ETRUNCATED, "%s: truncated ELF file: %zu bytes, e_ident needs %d",
                        in->what, in->size, EI_NIDENT);
    unsigned char elf_class = in->bytes[EI_CLASS];
    if (elf_class == ELFCLASS32)
        return ldr_fail(AKL_ECLASS, "%s: a 32-bit ELF file (ELFCLASS32); the device loads 64-bit",
                        in->what);
    if (elf_class != ELFCLASS64)
        return ldr_fail(AKL_ECLASS, "%s: invalid ELF class %u; the device loads ELFCLASS64",
                        in->what, elf_class);
    if (in->bytes[EI_DATA] != LDR_NATIVE_ELFDATA)
        return ldr_fail(AKL_EMACHINE, "%s: ELF byte order %u does not match the device's (%u)",
                        in->what, in->bytes[EI_DATA], LDR_NATIVE_ELFDATA);
    if (in->size < sizeof(Elf64_Ehdr))
        return ldr_fail(AKL_ETRUNCATED, "%s: truncated ELF file: %zu bytes, the header needs %zu",
                        in->what, in->size, sizeof(Elf64_Ehdr));
    return 0;
}

static const char *ldr_elf_type_name(uint16_t type)
{
    static const char *const names[] = {[ET_NONE] = "an ELF file of no type (ET_NONE)",
                                        [ET_REL] = "a relocatable object file (ET_REL)",
                                        [ET_EXEC] = "an executable (ET_EXEC)",
                                        [ET_CORE] = "a core dump (ET_CORE)"};
    const char *name = type < sizeof names / sizeof names[0] ? names[type] : NULL;
    return name ? name : "an ELF file of unknown type";
}

static int ldr_check_header(const ldr_elf_input_t *in, const ldr_elf_rules_t *rules)
{
    const Elf64_Ehdr *h = &in->ehdr;
    if (h->e_machine != rules->machine) {
        char have[32], want[32];
        return ldr_fail(AKL_EMACHINE, "%s: built for %s, but the target device runs %s", in->what,
                        ldr_elf_machine_name(h->e_machine, have, sizeof have),
                        ldr_elf_machine_name(rules->machine, want, sizeof want));
    }
    if (h->e_type != ET_DYN)
        return ldr_fail(AKL_ENOTSO, "%s: %s, not a shared object (ET_DYN); build it with -shared",
                        in->what, ldr_elf_type_name(h->e_type));
    return 0;
}

static int ldr_check_program_headers(const ldr_elf_input_t *in, const Elf64_Phdr **dynamic_out,
                                     Elf64_Phdr *dynamic_copy)
{
    const Elf64_Ehdr *h = &in->ehdr;
    *dynamic_out = NULL;
    if (h->e_phnum == 0)
        return 0;
    if (h->e_phentsize != sizeof(Elf64_Phdr))
        return ldr_fail(AKL_ENOTELF, "%s: malformed ELF file: program header entry size %u",
                        in->what, (unsigned)h->e_phentsize);
    uint64_t end;
    if (!ldr_range_fits(h->e_phoff, h->e_phnum, sizeof(Elf64_Phdr), in->size, &end))
        return ldr_fail(AKL_ETRUNCATED,
                        "%s: truncated ELF file: %u program headers at offset %llu pass the end "
                        "of the file (%zu bytes)",
                        in->what, (unsigned)h->e_phnum, (unsigned long long)h->e_phoff, in->size);
    for (unsigned i = 0; i < h->e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, in->bytes + h->e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
        if (!ldr_range_fits(ph.p_offset, 1, ph.p_filesz, in->size, &end))
            return ldr_fail(AKL_ETRUNCATED,
                            "%s: truncated ELF file: segment %u (type 0x%x%s) ends at byte %llu, "
                            "past the end of the file (%zu bytes)",
                            in->what, i, (unsigned)ph.p_type,
                            ph.p_type == PT_DYNAMIC ? ", the dynamic section" : "",
                            (unsigned long long)(ph.p_offset + ph.p_filesz), in->size);
        if (ph.p_type == PT_DYNAMIC && !*dynamic_out) {
            *dynamic_copy = ph;
            *dynamic_out = dynamic_copy;
        }
    }
    return 0;
}

/* glibc refuses to dlopen a position-independent executable (DF_1_PIE), which is ET_DYN too. */
static int ldr_check_dynamic(const ldr_elf_input_t *in, const Elf64_Phdr *dynamic)
{
    if (!dynamic)
        return ldr_fail(AKL_ENOTSO, "%s: has no dynamic section, so it cannot be dlopened",
                        in->what);
    uint64_t count = dynamic->p_filesz / sizeof(Elf64_Dyn);
    for (uint64_t i = 0; i < count; i++) {
        Elf64_Dyn dyn;
        memcpy(&dyn, in->bytes + dynamic->p_offset + i * sizeof dyn, sizeof dyn);
        if (dyn.d_tag == DT_NULL)
            break;
        if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
            return ldr_fail(AKL_ENOTSO,
                            "%s: a position-independent executable (DF_1_PIE), not a shared "
                            "object; build it with -shared",
                            in->what);
    }
    return 0;
}

/* Checks the section header table's bounds; *count is its entry count (extended numbering). */
static int ldr_check_section_table(const ldr_elf_input_t *in, uint64_t *count)
{
    const Elf64_Ehdr *h = &in->ehdr;
    *count = 0;
    if (h->e_shoff == 0 && h->e_shnum != 0)
        return ldr_fail(AKL_ENOTELF, "%s: malformed ELF file: %u sections but no section table",
                        in->what, (unsigned)h->e_shnum);
    if (h->e_shoff == 0)
        return 0;
    if (h->e_shentsize != sizeof(Elf64_Shdr))
        return ldr_fail(AKL_ENOTELF, "%s: malformed ELF file: section header entry size %u",
                        in->what, (unsigned)h->e_shentsize);
    uint64_t end;
    if (!ldr_range_fits(h->e_shoff, 1, sizeof(Elf64_Shdr), in->size, &end))
        return ldr_fail(AKL_ETRUNCATED,
                        "%s: truncated ELF file: section headers at offset %llu pass the end of "
                        "the file (%zu bytes)",
                        in->what, (unsigned long long)h->e_shoff, in->size);
    Elf64_Shdr first;
    memcpy(&first, in->bytes + h->e_shoff, sizeof first);
    *count = h->e_shnum != 0 ? h->e_shnum : first.sh_size;
    if (!ldr_range_fits(h->e_shoff, *count, sizeof(Elf64_Shdr), in->size, &end))
        return ldr_fail(AKL_ETRUNCATED,
                        "%s: truncated ELF file: %llu section headers at offset %llu pass the end "
                        "of the file (%zu bytes)",
                        in->what, (unsigned long long)*count, (unsigned long long)h->e_shoff,
                        in->size);
    return 0;
}

static int ldr_check_sections(const ldr_elf_input_t *in, uint64_t count)
{
    for (uint64_t i = 1; i < count; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, in->bytes + in->ehdr.e_shoff + i * sizeof sh, sizeof sh);
        if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
            continue;
        uint64_t end;
        if (!ldr_range_fits(sh.sh_offset, 1, sh.sh_size, in->size, &end))
            return ldr_fail(AKL_ETRUNCATED,
                            "%s: truncated ELF file: section %llu (type 0x%x) ends at byte %llu, "
                            "past the end of the file (%zu bytes)",
                            in->what, (unsigned long long)i, (unsigned)sh.sh_type,
                            (unsigned long long)(sh.sh_offset + sh.sh_size), in->size);
    }
    return 0;
}

/* Why kernel is not usable: NULL when it is exported as a defined, visible function. */
static const char *ldr_find_kernel(Elf *elf, Elf_Scn *dynsym, const GElf_Shdr *shdr,
                                   const char *kernel)
{
    Elf_Data *data = elf_getdata(dynsym, NULL);
    if (!data || shdr->sh_entsize == 0)
        return "its .dynsym section is unreadable";
    const char *why = "it is not in .dynsym";
    uint64_t count = shdr->sh_size / shdr->sh_entsize;
    for (uint64_t i = 0; i < count && i <= INT32_MAX; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym))
            break;
        const char *name = elf_strptr(elf, shdr->sh_link, sym.st_name);
        if (!name || strcmp(name, kernel) != 0)
            continue;
        if (ldr_is_exported_function(&sym))
            return NULL;
        why = sym.st_shndx == SHN_UNDEF ? "it is only referenced (undefined), not defined"
                                        : "it is not a function with default or protected "
                                          "visibility";
    }
    return why;
}

/* The same suggestions a launch gives (nearest names, extern "C"); failure path only. */
static void ldr_check_hint(const ldr_elf_input_t *in, const char *kernel, char *hint, size_t cap)
{
    ldr_exports_t *exports = ldr_exports_new();
    if (exports &&
        ldr_exports_add_from(exports, in->bytes, in->size, ldr_is_exported_function) == 0)
        ldr_exports_suggest(exports, kernel, hint, cap);
    ldr_exports_free(exports);
}

static int ldr_check_kernels(const ldr_elf_input_t *in, const char *const *kernels)
{
    ldr_libelf_ready();
    /* elf_memory takes a non-const image; it only reads a native-order, bounds-checked file. */
    Elf *elf = elf_memory((char *)(uintptr_t)in->bytes, in->size);
    if (!elf)
        return ldr_fail(AKL_ENOTELF, "%s: libelf cannot read it: %s", in->what, elf_errmsg(-1));
    GElf_Shdr shdr;
    Elf_Scn *dynsym = ldr_dynsym_find(elf, &shdr);
    int rc = 0;
    for (size_t k = 0; kernels[k] && rc == 0; k++) {
        const char *why = dynsym ? ldr_find_kernel(elf, dynsym, &shdr, kernels[k])
                                 : "the file has no .dynsym section";
        if (why) {
            char hint[1024] = "";
            ldr_check_hint(in, kernels[k], hint, sizeof hint);
            rc = ldr_fail(AKL_ENOSYM, "%s: kernel \"%s\" is not exported: %s%s", in->what,
                          kernels[k], why, hint);
        }
    }
    elf_end(elf);
    return rc;
}

static int ldr_check_kernel_names(const char *const *kernels)
{
    for (size_t k = 0; kernels[k]; k++) {
        int rc = ldr_check_kernel_name(kernels[k]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int ldr_elf_validate(const void *data, size_t size, const char *what, const ldr_elf_rules_t *rules)
{
    if (!what)
        what = "<memory>";
    if (!data && size > 0)
        return ldr_fail(AKL_EINVAL, "%s: data is NULL but size is %zu", what, size);
    if (size > rules->max_size)
        return ldr_fail(AKL_ETOOBIG, "%s: %zu bytes is larger than the limit of %zu bytes", what,
                        size, rules->max_size);
    if (rules->kernels) {
        int rc = ldr_check_kernel_names(rules->kernels);
        if (rc != 0)
            return rc;
    }
    ldr_elf_input_t in = {.bytes = data, .size = size, .what = what};
    int rc = ldr_check_ident(&in);
    if (rc != 0)
        return rc;
    memcpy(&in.ehdr, in.bytes, sizeof in.ehdr);
    const Elf64_Phdr *dynamic;
    Elf64_Phdr dynamic_copy;
    uint64_t sections;
    if ((rc = ldr_check_header(&in, rules)) != 0 ||
        (rc = ldr_check_program_headers(&in, &dynamic, &dynamic_copy)) != 0 ||
        (rc = ldr_check_section_table(&in, &sections)) != 0 ||
        (rc = ldr_check_sections(&in, sections)) != 0 ||
        (rc = ldr_check_dynamic(&in, dynamic)) != 0)
        return rc;
    if (rules->kernels && rules->kernels[0])
        return ldr_check_kernels(&in, rules->kernels);
    return 0;
}
