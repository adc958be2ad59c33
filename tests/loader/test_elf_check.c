/* Unit tests of the ELF validator against real shared objects the build makes and files crafted
 * from them: not an ELF, truncated at every point, 32-bit, wrong machine, wrong byte order, not a
 * shared object, missing or non-exported kernels, too big, unreadable, malformed tables, and
 * random corruption (must never crash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akl/akl.h"
#include "elf_check.h"
#include "exports.h"
#include "file_io.h"
#include "test_support.h"

typedef struct elf_fixture {
    unsigned char *so; /* libldrk_basic.so */
    size_t so_size;
    uint16_t machine; /* the host's, which the test kernels are built for */
    char dir[4096];   /* scratch directory under the test's root */
} elf_fixture_t;

static int setup(void **state)
{
    elf_fixture_t *f = calloc(1, sizeof *f);
    char path[4096];
    f->so = t_read_file(t_kernel_path("libldrk_basic.so", path, sizeof path), &f->so_size);
    if (!f->so)
        return -1;
    memcpy(&f->machine, f->so + offsetof(Elf64_Ehdr, e_machine), sizeof f->machine);
    snprintf(f->dir, sizeof f->dir, "%s/elf", t_sim_root());
    if (t_make_dirs(f->dir) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    elf_fixture_t *f = *state;
    t_rmtree(t_sim_root());
    free(f->so);
    free(f);
    return 0;
}

static int validate(const elf_fixture_t *f, const void *data, size_t size,
                    const char *const *kernels)
{
    ldr_elf_rules_t rules = {.machine = f->machine, .max_size = 1u << 30, .kernels = kernels};
    return ldr_elf_validate(data, size, "test.so", &rules);
}

static unsigned char *copy_so(const elf_fixture_t *f)
{
    unsigned char *copy = malloc(f->so_size);
    memcpy(copy, f->so, f->so_size);
    return copy;
}

static Elf64_Ehdr *header_of(unsigned char *bytes)
{
    return (Elf64_Ehdr *)bytes;
}

/* The program header of the dynamic segment in a copy of the SO. */
static Elf64_Phdr *dynamic_segment_of(unsigned char *bytes)
{
    Elf64_Ehdr *h = header_of(bytes);
    for (unsigned i = 0; i < h->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(bytes + h->e_phoff + i * sizeof(Elf64_Phdr));
        if (ph->p_type == PT_DYNAMIC)
            return ph;
    }
    fail_msg("the test SO has no PT_DYNAMIC segment");
    return NULL;
}

static void test_real_so_passes(void **state)
{
    elf_fixture_t *f = *state;
    const char *kernels[] = {"ldrk_store", "ldrk_version", "ldrk_spin", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, NULL), 0);
    assert_int_equal(validate(f, f->so, f->so_size, kernels), 0);
}

static void test_not_elf(void **state)
{
    elf_fixture_t *f = *state;
    const char *text = "#!/bin/sh\necho not an elf\n";
    assert_int_equal(validate(f, text, strlen(text), NULL), AKL_ENOTELF);
    assert_non_null(strstr(akl_last_error(), "test.so"));
    assert_non_null(strstr(akl_last_error(), "not an ELF"));
    assert_int_equal(validate(f, "", 0, NULL), AKL_ENOTELF);
    assert_int_equal(validate(f, NULL, 0, NULL), AKL_ENOTELF);
    assert_int_equal(validate(f, NULL, 10, NULL), AKL_EINVAL);
}

static void test_truncated_everywhere(void **state)
{
    elf_fixture_t *f = *state;
    /* The section header table is at the end, so every proper prefix is incomplete. */
    for (size_t length = 1; length < f->so_size; length += length < 256 ? 1 : 61) {
        int rc = validate(f, f->so, length, NULL);
        if (rc != AKL_ETRUNCATED)
            fail_msg("prefix of %zu bytes gave %d (%s)", length, rc, akl_last_error());
    }
    assert_int_equal(validate(f, f->so, f->so_size - 1, NULL), AKL_ETRUNCATED);
    assert_non_null(strstr(akl_last_error(), "truncated"));
    assert_int_equal(validate(f, f->so, 3, NULL), AKL_ETRUNCATED);
    assert_int_equal(validate(f, f->so, 40, NULL), AKL_ETRUNCATED);
}

static void test_segment_past_end(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    Elf64_Ehdr *h = header_of(copy);
    dynamic_segment_of(copy)->p_offset = f->so_size - 8;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ETRUNCATED);
    assert_non_null(strstr(akl_last_error(), "dynamic section"));
    memcpy(copy, f->so, f->so_size);
    Elf64_Phdr *first = (Elf64_Phdr *)(copy + h->e_phoff);
    first->p_filesz = UINT64_MAX; /* offset + size overflows */
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ETRUNCATED);
    memcpy(copy, f->so, f->so_size);
    h->e_phoff = UINT64_MAX - 10;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ETRUNCATED);
    memcpy(copy, f->so, f->so_size);
    h->e_shnum = 0xffff;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ETRUNCATED);
    free(copy);
}

static void test_32_bit_and_bad_class(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    copy[EI_CLASS] = ELFCLASS32;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ECLASS);
    assert_non_null(strstr(akl_last_error(), "32-bit"));
    copy[EI_CLASS] = 7;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ECLASS);
    /* A small genuine 32-bit header: class is decided before the 64-bit header size. */
    Elf32_Ehdr h32 = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_DYN,
        .e_machine = EM_386,
        .e_ehsize = sizeof(Elf32_Ehdr)};
    assert_int_equal(validate(f, &h32, sizeof h32, NULL), AKL_ECLASS);
    free(copy);
}

static void test_wrong_machine(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    uint16_t other = f->machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
    header_of(copy)->e_machine = other;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_EMACHINE);
    char have[32], want[32];
    assert_non_null(strstr(akl_last_error(), ldr_elf_machine_name(other, have, sizeof have)));
    assert_non_null(strstr(akl_last_error(), ldr_elf_machine_name(f->machine, want, sizeof want)));
    /* The real file for a device of the other machine (a real Ascend device is AArch64). */
    ldr_elf_rules_t rules = {.machine = other, .max_size = 1u << 30};
    assert_int_equal(ldr_elf_validate(f->so, f->so_size, "x.so", &rules), AKL_EMACHINE);
    header_of(copy)->e_machine = 0x4242;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_EMACHINE);
    assert_non_null(strstr(akl_last_error(), "machine 16962"));
    memcpy(copy, f->so, f->so_size);
    copy[EI_DATA] = copy[EI_DATA] == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_EMACHINE);
    assert_non_null(strstr(akl_last_error(), "byte order"));
    free(copy);
}

static void test_not_a_shared_object(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    const uint16_t types[] = {ET_EXEC, ET_REL, ET_CORE, ET_NONE};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        header_of(copy)->e_type = types[i];
        assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ENOTSO);
        assert_non_null(strstr(akl_last_error(), "not a shared object"));
    }
    free(copy);
    /* This test program is an executable (ET_EXEC, or ET_DYN marked DF_1_PIE). */
    size_t size;
    void *self = t_read_file("/proc/self/exe", &size);
    assert_non_null(self);
    assert_int_equal(validate(f, self, size, NULL), AKL_ENOTSO);
    free(self);
}

static void test_no_dynamic_section(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    dynamic_segment_of(copy)->p_type = PT_NOTE;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ENOTSO);
    assert_non_null(strstr(akl_last_error(), "no dynamic section"));
    free(copy);
}

static void test_kernels_that_are_not_exported(void **state)
{
    elf_fixture_t *f = *state;
    const char *missing[] = {"ldrk_store", "no_such_kernel", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, missing), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "no_such_kernel"));
    assert_non_null(strstr(akl_last_error(), "test.so"));
    const char *typo[] = {"ldrk_stroe", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, typo), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "; nearest exported names: \"ldrk_store\""));
    const char *hidden[] = {"ldrk_hidden", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, hidden), AKL_ENOSYM);
    const char *data[] = {"ldrk_data_object", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, data), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "not a function"));
    const char *undefined[] = {"AicpuGetBlockIdx", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, undefined), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "undefined"));
    const char *ill_formed[] = {"bad name", NULL};
    assert_int_equal(validate(f, f->so, f->so_size, ill_formed), AKL_ENAME);
    const char *empty[] = {NULL};
    assert_int_equal(validate(f, f->so, f->so_size, empty), 0);
}

/* The export table akl_launch consults: exported functions only, and the suggestions. */
static void test_export_table_and_suggestions(void **state)
{
    elf_fixture_t *f = *state;
    ldr_exports_t *exports = NULL;
    assert_int_equal(ldr_exports_build(f->so, f->so_size, &exports), 0);
    assert_non_null(exports);
    assert_true(ldr_exports_has(exports, "ldrk_store", strlen("ldrk_store")));
    assert_false(ldr_exports_has(exports, "ldrk_stor", strlen("ldrk_stor")));
    assert_false(ldr_exports_has(exports, "ldrk_hidden", strlen("ldrk_hidden")));
    assert_false(ldr_exports_has(exports, "ldrk_data_object", strlen("ldrk_data_object")));
    assert_false(ldr_exports_has(exports, "AicpuGetBlockIdx", strlen("AicpuGetBlockIdx")));
    char hint[1024];
    ldr_exports_suggest(exports, "ldrk_stroe", hint, sizeof hint);
    assert_non_null(strstr(hint, "; nearest exported names: \"ldrk_store\""));
    assert_int_equal(strstr(hint, ", ") != NULL, 1); /* up to three names */
    ldr_exports_free(exports);
    /* Section headers stripped: no table, launches stay unchecked. */
    unsigned char *copy = copy_so(f);
    Elf64_Ehdr *h = (Elf64_Ehdr *)copy;
    h->e_shoff = 0;
    h->e_shnum = 0;
    h->e_shstrndx = 0;
    exports = (ldr_exports_t *)1;
    assert_int_equal(ldr_exports_build(copy, f->so_size, &exports), 0);
    assert_null(exports);
    free(copy);
}

static void test_demangled_function_names(void **state)
{
    (void)state;
    static const struct {
        const char *mangled;
        const char *name; /* NULL: not parsed */
    } cases[] = {
        {"_Z6kernelPv", "kernel"},
        {"_ZN2ns6kernelEPv", "kernel"},
        {"_ZN2ns5inner6kernelEv", "kernel"},
        {"_ZNK3Foo3getEv", "get"},
        {"_Z", NULL},
        {"_Z99short", NULL},
        {"_ZN2ns", NULL},
        {"_ZSt4cout", NULL},
        {"kernel", NULL},
        {"_Z0x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = NULL;
        size_t length = 0;
        bool parsed = ldr_demangled_function(cases[i].mangled, &name, &length);
        assert_int_equal(parsed, cases[i].name != NULL);
        if (parsed) {
            assert_int_equal(length, strlen(cases[i].name));
            assert_memory_equal(name, cases[i].name, length);
        }
    }
}

static void test_stripped_section_headers(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    header_of(copy)->e_shoff = 0;
    header_of(copy)->e_shnum = 0;
    assert_int_equal(validate(f, copy, f->so_size, NULL), 0);
    const char *kernels[] = {"ldrk_store", NULL};
    assert_int_equal(validate(f, copy, f->so_size, kernels), AKL_ENOSYM);
    assert_non_null(strstr(akl_last_error(), "no .dynsym"));
    memcpy(copy, f->so, f->so_size);
    header_of(copy)->e_shoff = 0;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ENOTELF);
    memcpy(copy, f->so, f->so_size);
    header_of(copy)->e_shentsize = 12;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ENOTELF);
    memcpy(copy, f->so, f->so_size);
    header_of(copy)->e_phentsize = 12;
    assert_int_equal(validate(f, copy, f->so_size, NULL), AKL_ENOTELF);
    free(copy);
}

static void test_too_big(void **state)
{
    elf_fixture_t *f = *state;
    ldr_elf_rules_t rules = {.machine = f->machine, .max_size = f->so_size - 1};
    assert_int_equal(ldr_elf_validate(f->so, f->so_size, "big.so", &rules), AKL_ETOOBIG);
    assert_non_null(strstr(akl_last_error(), "big.so"));
    rules.max_size = f->so_size;
    assert_int_equal(ldr_elf_validate(f->so, f->so_size, "big.so", &rules), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/big.so", f->dir);
    assert_int_equal(t_write_file(path, f->so, f->so_size), 0);
    void *data = NULL;
    size_t size = 0;
    assert_int_equal(ldr_read_file(path, f->so_size - 1, &data, &size), AKL_ETOOBIG);
    assert_null(data);
    assert_int_equal(ldr_read_file(path, f->so_size, &data, &size), 0);
    assert_int_equal(size, f->so_size);
    assert_memory_equal(data, f->so, size);
    free(data);
}

static void test_unreadable_files(void **state)
{
    elf_fixture_t *f = *state;
    void *data = NULL;
    size_t size = 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/absent.so", f->dir);
    assert_int_equal(ldr_read_file(path, 1u << 20, &data, &size), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), path));
    assert_non_null(strstr(akl_last_error(), "No such file"));
    assert_int_equal(ldr_read_file(f->dir, 1u << 20, &data, &size), AKL_EIO);
    assert_non_null(strstr(akl_last_error(), "not a regular file"));
    snprintf(path, sizeof path, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(ldr_read_file(path, 1u << 20, &data, &size), AKL_EIO);
    assert_int_equal(ldr_read_file(NULL, 1u << 20, &data, &size), AKL_EINVAL);
    assert_int_equal(ldr_read_file("", 1u << 20, &data, &size), AKL_EINVAL);
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/noperm.so", f->dir);
        assert_int_equal(t_write_file(path, f->so, f->so_size), 0);
        chmod(path, 0);
        assert_int_equal(ldr_read_file(path, 1u << 20, &data, &size), AKL_EIO);
        assert_non_null(strstr(akl_last_error(), "Permission denied"));
    }
    assert_null(data);
}

/* Deterministic corruption of the real SO: any answer is fine, a crash is not (and the sanitizer
 * builds check every read stays in bounds). */
static void test_random_corruption_never_crashes(void **state)
{
    elf_fixture_t *f = *state;
    unsigned char *copy = copy_so(f);
    uint64_t seed = 0x243f6a8885a308d3ULL;
    const char *kernels[] = {"ldrk_store", "ldrk_version", NULL};
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(copy, f->so, f->so_size);
        int flips = 1 + trial % 8;
        for (int i = 0; i < flips; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* Half the flips hit the header and tables, where the validator's reads start. */
            size_t limit = (seed >> 63) ? 256 : f->so_size;
            copy[(seed >> 16) % limit] = (unsigned char)(seed >> 40);
        }
        int rc = validate(f, copy, f->so_size, kernels);
        assert_true(rc == 0 || (rc <= AKL_ENOTELF && rc >= AKL_ETOOBIG) || rc == AKL_ENAME);
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_so_passes),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_segment_past_end),
        cmocka_unit_test(test_32_bit_and_bad_class),
        cmocka_unit_test(test_wrong_machine),
        cmocka_unit_test(test_not_a_shared_object),
        cmocka_unit_test(test_no_dynamic_section),
        cmocka_unit_test(test_kernels_that_are_not_exported),
        cmocka_unit_test(test_export_table_and_suggestions),
        cmocka_unit_test(test_demangled_function_names),
        cmocka_unit_test(test_stripped_section_headers),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_unreadable_files),
        cmocka_unit_test(test_random_corruption_never_crashes),
    };
    return t_run_group_tests(tests, setup, teardown);
}
