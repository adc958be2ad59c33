/* `akl doctor SO`: the libraries the SO names. A device SO runs inside the AICPU scheduler, which
 * already links libc, libstdc++, libc_sec, the device log, libascend_hal, libaicpu_sharder and
 * libdl (reference section 5.3): a library outside that set must be on the device too. Undefined
 * symbols are libakl's to judge (akl_unresolved_symbols_file), not this file's. */
#include "doctor_elf.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Libraries a device's scheduler process has loaded or its glibc provides (the x86-64 loader is
 * the simulator's on an x86-64 host; an SO for the wrong machine is refused before this). */
static const char *const doctor_device_libraries[] = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "ld-linux-aarch64.so.1",
    "ld-linux-x86-64.so.2",
    "libc_sec.so",
    "libascend_hal.so",
    "libaicpu_sharder.so",
};

static bool doctor_in(const char *name, const char *const *set, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, set[i]) == 0)
            return true;
    return false;
}

static void doctor_list_add(char *list, size_t cap, size_t *count, const char *name)
{
    size_t used = strlen(list);
    if (used + strlen(name) + 6 < cap)
        snprintf(list + used, cap - used, "%s%s", used ? ", " : "", name);
    else if (used + 5 < cap && strcmp(list + used - 3, "...") != 0)
        snprintf(list + used, cap - used, ", ...");
    (*count)++;
}

static void doctor_read_needed(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, doctor_elf_t *out)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
    for (size_t i = 0; data && i < count; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
            continue;
        const char *name = elf_strptr(elf, shdr->sh_link, dyn.d_un.d_val);
        if (!name)
            continue;
        out->needed_count++;
        if (!doctor_in(name, doctor_device_libraries,
                       sizeof doctor_device_libraries / sizeof doctor_device_libraries[0]))
            doctor_list_add(out->foreign, sizeof out->foreign, &out->foreign_count, name);
    }
}

/* Defined, default-visibility functions: the kernel candidates. */
static void doctor_count_exports(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, doctor_elf_t *out)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
    for (size_t i = 1; data && i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
            continue;
        const char *name = elf_strptr(elf, shdr->sh_link, sym.st_name);
        if (name && name[0] && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
            GELF_ST_BIND(sym.st_info) != STB_LOCAL &&
            GELF_ST_VISIBILITY(sym.st_other) == STV_DEFAULT)
            out->exported++;
    }
}

int doctor_elf_inspect(const char *path, doctor_elf_t *out, char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    if (elf_version(EV_CURRENT) == EV_NONE) {
        snprintf(err, cap, "libelf: %s", elf_errmsg(-1));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, cap, "%s: cannot open", path);
        return -1;
    }
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (!elf) {
        snprintf(err, cap, "%s: %s", path, elf_errmsg(-1));
        close(fd);
        return -1;
    }
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr))
            continue;
        if (shdr.sh_type == SHT_DYNAMIC)
            doctor_read_needed(elf, scn, &shdr, out);
        else if (shdr.sh_type == SHT_DYNSYM)
            doctor_count_exports(elf, scn, &shdr, out);
    }
    elf_end(elf);
    close(fd);
    return 0;
}
