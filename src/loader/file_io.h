/* Reading a runtime SO from disk into memory, with the loader's error codes. */
#ifndef LDR_FILE_IO_H
#define LDR_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the regular file at path into a malloc'd buffer (*data, caller frees). Files larger than
 * max_size are refused before reading (AKL_ETOOBIG). Returns 0, AKL_EINVAL, AKL_EIO (with
 * strerror), AKL_ETOOBIG or AKL_ENOMEM. */
int ldr_read_file(const char *path, size_t max_size, void **data, size_t *size);

/* ldr_read_file, but a large file that only the caller (or root) can write is mapped read-only
 * instead of copied (*mapped true). Release with ldr_unmap_file. */
int ldr_map_file(const char *path, size_t max_size, void **data, size_t *size, bool *mapped);
void ldr_unmap_file(void *data, size_t size, bool mapped);

#endif /* LDR_FILE_IO_H */
