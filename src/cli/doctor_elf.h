/* What `akl doctor SO` adds to libakl's verdict (akl_unresolved_symbols_file: machine, class,
 * type, size, and undefined symbols nothing on the device provides): the libraries it names
 * (DT_NEEDED) that a device may not have, and how many functions it exports, read with libelf. */
#ifndef AKL_CLI_DOCTOR_ELF_H
#define AKL_CLI_DOCTOR_ELF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct doctor_elf {
    size_t exported;     /* defined, default-visibility functions: kernel candidates */
    size_t needed_count; /* DT_NEEDED entries */
    char foreign[512];   /* DT_NEEDED libraries not known to be on a device, ", "-separated */
    size_t foreign_count;
    char
        unresolved[512]; /* unversioned undefined symbols no device scheduler is known to provide */
    size_t unresolved_count;
} doctor_elf_t;

/* Reads path. Returns 0, or -1 with the cause in err. */
int doctor_elf_inspect(const char *path, doctor_elf_t *out, char *err, size_t cap);

#endif /* AKL_CLI_DOCTOR_ELF_H */
