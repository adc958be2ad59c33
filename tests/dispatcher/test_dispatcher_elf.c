/* The built akl_dispatcher.so as a file: on a device nothing of ours is installed, so its only
 * DT_NEEDED may be libc, it may export exactly the three entry points, and its one optional
 * dependency (CANN's DlogRecord) must be a weak reference. Checked by parsing the ELF file. */
#define _GNU_SOURCE
#include "test_dispatcher_common.h"

#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

typedef struct disp_elf {
    unsigned char *data;
    size_t size;
    const Elf64_Ehdr *eh;
} disp_elf_t;

static void disp_elf_load(disp_elf_t *elf)
{
    elf->data = t_read_file(AKL_DISPATCHER_PATH, &elf->size);
    if (elf->data == NULL)
        fail_msg("cannot read %s", AKL_DISPATCHER_PATH);
    assert_true(elf->size >= sizeof(Elf64_Ehdr));
    elf->eh = (const Elf64_Ehdr *)elf->data;
    assert_memory_equal(elf->eh->e_ident, ELFMAG, SELFMAG);
    assert_int_equal(elf->eh->e_ident[EI_CLASS], ELFCLASS64);
    assert_int_equal(elf->eh->e_type, ET_DYN);
}

/* A range of the file, checked to lie inside it. */
static const void *disp_elf_at(const disp_elf_t *elf, uint64_t off, uint64_t len)
{
    if (off > elf->size || len > elf->size - off)
        fail_msg("ELF range %llu+%llu outside the %zu-byte file", (unsigned long long)off,
                 (unsigned long long)len, elf->size);
    return elf->data + off;
}

static const Elf64_Phdr *disp_elf_phdr(const disp_elf_t *elf, int i)
{
    return disp_elf_at(elf, elf->eh->e_phoff + (uint64_t)i * elf->eh->e_phentsize,
                       sizeof(Elf64_Phdr));
}

/* File offset of a virtual address, through the PT_LOAD segment holding it. */
static uint64_t disp_elf_vaddr_to_off(const disp_elf_t *elf, uint64_t vaddr)
{
    for (int i = 0; i < elf->eh->e_phnum; i++) {
        const Elf64_Phdr *ph = disp_elf_phdr(elf, i);
        if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr && vaddr < ph->p_vaddr + ph->p_filesz)
            return vaddr - ph->p_vaddr + ph->p_offset;
    }
    fail_msg("address 0x%llx is in no PT_LOAD segment", (unsigned long long)vaddr);
    return 0;
}

static const Elf64_Phdr *disp_elf_dynamic(const disp_elf_t *elf)
{
    for (int i = 0; i < elf->eh->e_phnum; i++)
        if (disp_elf_phdr(elf, i)->p_type == PT_DYNAMIC)
            return disp_elf_phdr(elf, i);
    fail_msg("no PT_DYNAMIC in %s", AKL_DISPATCHER_PATH);
    return NULL;
}

static void test_only_needed_entry_is_libc(void **state)
{
    (void)state;
    disp_elf_t elf;
    disp_elf_load(&elf);
    const Elf64_Phdr *dyn_ph = disp_elf_dynamic(&elf);
    const Elf64_Dyn *dyn = disp_elf_at(&elf, dyn_ph->p_offset, dyn_ph->p_filesz);
    size_t count = dyn_ph->p_filesz / sizeof(Elf64_Dyn);
    uint64_t strtab = 0, strsz = 0;
    for (size_t i = 0; i < count && dyn[i].d_tag != DT_NULL; i++) {
        if (dyn[i].d_tag == DT_STRTAB)
            strtab = dyn[i].d_un.d_ptr;
        if (dyn[i].d_tag == DT_STRSZ)
            strsz = dyn[i].d_un.d_val;
    }
    assert_true(strtab != 0 && strsz != 0);
    const char *strings = disp_elf_at(&elf, disp_elf_vaddr_to_off(&elf, strtab), strsz);
    int needed = 0;
    for (size_t i = 0; i < count && dyn[i].d_tag != DT_NULL; i++) {
        if (dyn[i].d_tag != DT_NEEDED)
            continue;
        assert_true(dyn[i].d_un.d_val < strsz);
        const char *lib = strings + dyn[i].d_un.d_val;
        if (strncmp(lib, "libc.so", 7) != 0)
            fail_msg("akl_dispatcher.so needs %s; only libc is allowed", lib);
        needed++;
    }
    assert_int_equal(needed, 1);
    free(elf.data);
}

static const Elf64_Shdr *disp_elf_section(const disp_elf_t *elf, int i)
{
    return disp_elf_at(elf, elf->eh->e_shoff + (uint64_t)i * elf->eh->e_shentsize,
                       sizeof(Elf64_Shdr));
}

static void test_exports_exactly_the_entry_points(void **state)
{
    (void)state;
    disp_elf_t elf;
    disp_elf_load(&elf);
    const Elf64_Shdr *dynsym = NULL;
    for (int i = 0; i < elf.eh->e_shnum; i++)
        if (disp_elf_section(&elf, i)->sh_type == SHT_DYNSYM)
            dynsym = disp_elf_section(&elf, i);
    assert_non_null(dynsym);
    const Elf64_Shdr *strsec = disp_elf_section(&elf, (int)dynsym->sh_link);
    const char *strings = disp_elf_at(&elf, strsec->sh_offset, strsec->sh_size);
    const Elf64_Sym *syms = disp_elf_at(&elf, dynsym->sh_offset, dynsym->sh_size);
    size_t count = dynsym->sh_size / sizeof(Elf64_Sym);
    static const char *const wanted[] = {"StaticTileFwkBackendKernelServer",
                                         "DynTileFwkBackendKernelServerInit",
                                         "DynTileFwkBackendKernelServer"};
    int found = 0;
    bool dlog_weak = false;
    int aicpu_weak =
        0; /* aicpu::GetAicpuRunMode and aicpu::GetUniqueVfId, asked for the directory */
    for (size_t i = 1; i < count; i++) {
        const char *name = strings + syms[i].st_name;
        int bind = ELF64_ST_BIND(syms[i].st_info);
        if (syms[i].st_shndx == SHN_UNDEF) {
            if (strcmp(name, "DlogRecord") == 0)
                dlog_weak = bind == STB_WEAK;
            if (strcmp(name, "_ZN5aicpu15GetAicpuRunModeERj") == 0 ||
                strcmp(name, "_ZN5aicpu13GetUniqueVfIdEv") == 0)
                aicpu_weak += bind == STB_WEAK;
            continue;
        }
        if (bind != STB_GLOBAL && bind != STB_WEAK)
            continue;
        bool is_wanted = false;
        for (size_t w = 0; w < 3; w++)
            is_wanted = is_wanted || strcmp(name, wanted[w]) == 0;
        if (!is_wanted)
            fail_msg("akl_dispatcher.so exports %s; only the three entry points may be exported",
                     name);
        assert_int_equal(ELF64_ST_TYPE(syms[i].st_info), STT_FUNC);
        found++;
    }
    assert_int_equal(found, 3);
    assert_true(dlog_weak);
    assert_int_equal(aicpu_weak, 2);
    free(elf.data);
}

static void test_entry_points_resolve_at_run_time(void **state)
{
    (void)state;
    disp_t_lib_t lib;
    disp_t_open(&lib);
    assert_int_equal(lib.dyn(NULL), 0);
    assert_int_equal(lib.static_fn(NULL), 0);
    disp_t_close(&lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_needed_entry_is_libc),
        cmocka_unit_test(test_exports_exactly_the_entry_points),
        cmocka_unit_test(test_entry_points_resolve_at_run_time),
    };
    return t_run_group_tests_name("dispatcher_elf", tests, NULL, NULL);
}
