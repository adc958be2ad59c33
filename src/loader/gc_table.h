/* The host side of the collector's wire format (collector_abi.h, docs/protocol.md section 16): the
 * kernel's arguments, the result table's size and its reading back, and the AKL_DEVICE_CACHE_MAX
 * bound. Used by gc.c, which loads and launches the collector; kept apart from it so that the byte
 * work can be tested alone. */
#ifndef LDR_GC_TABLE_H
#define LDR_GC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "collector_abi.h"
#include "runtime.h"

/* Entries of the device table akl_device_gc reserves (128 bytes each). */
#define LDR_GC_TABLE_CAP 4096u

/* Bytes of a table of cap entries: its header and the entries. */
size_t ldr_gc_table_bytes(uint32_t cap);

/* The collector's arguments for collecting prefix by opts' rule into a table of cap entries at
 * table_addr. */
void ldr_gc_fill_args(const char *prefix, const akl_gc_options_t *opts, uint64_t table_addr,
                      uint32_t cap, akl_collect_args_t *args);

/* The bound AKL_DEVICE_CACHE_MAX asks for: its byte count (digits, optional K, M or G), the
 * default AKL_DEFAULT_DEVICE_CACHE_MAX when unset or empty, 0 for no bound; a bad value is warned
 * about and the default used. */
uint64_t ldr_device_cache_max(void);

/* Checks the table's header (read back into head): written by a collector of this version, and
 * without a failure. Returns 0, or AKL_EVERSION, AKL_ENOPREINSTALL or AKL_EBOOTFAILED with a
 * message that begins with what and names origin (the collector's file). */
int ldr_gc_check_head(const akl_gc_table_t *head, const char *what, const char *origin);

/* Copies the table's counts and its entries (count of them, at device address entries) into
 * result (allocating result->files). Returns 0 or an error. */
int ldr_gc_read_entries(const ldr_runtime_t *rt, const akl_gc_table_t *head, const void *entries,
                        akl_gc_result_t *result);

#endif /* LDR_GC_TABLE_H */
