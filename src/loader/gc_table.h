/* The host side of the device directory's collector (docs/protocol.md section 16), as the bootstrap
 * uses it (gc_table.c): akl_device_gc's request, the table it reads back, and the
 * AKL_DEVICE_CACHE_MAX bound every publish carries. */
#ifndef LDR_GC_TABLE_H
#define LDR_GC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "akl/akl.h"
#include "bootstrap_abi.h"
#include "runtime.h"

/* Entries of the device table a gc request reserves (128 bytes each). */
#define LDR_GC_TABLE_CAP 4096u

/* Bytes of the table: its header and LDR_GC_TABLE_CAP entries. */
size_t ldr_gc_table_bytes(void);

/* A gc request's DeviceArgs fields (272..311), its table at table_addr. */
void ldr_gc_fill_args(const akl_gc_options_t *opts, uint64_t table_addr, akl_device_args_t *args);

/* A publish's bound: AKL_GC_FLAG_BOUND with $AKL_DEVICE_CACHE_MAX (default
 * AKL_DEFAULT_DEVICE_CACHE_MAX; 0: no bound; a bad value is warned about and the default used). */
void ldr_gc_fill_publish_bound(akl_device_args_t *args);

/* The bound AKL_DEVICE_CACHE_MAX asks for (0: none). */
uint64_t ldr_device_cache_max(void);

/* Copies the device's table back into result (allocating result->files). Returns 0 or an error. */
int ldr_gc_read_table(const ldr_runtime_t *rt, const void *table, const akl_bootstrap_ack_t *ack,
                      akl_gc_result_t *result);

#endif /* LDR_GC_TABLE_H */
