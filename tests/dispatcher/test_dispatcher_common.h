/* Helpers shared by the dispatcher tests: loading akl_dispatcher.so in-process, building bootstrap
 * requests in host memory, and inspecting the preinstall directory the tests point it at. */
#ifndef AKL_TEST_DISPATCHER_COMMON_H
#define AKL_TEST_DISPATCHER_COMMON_H

#include "bootstrap_abi.h"
#include "test_sched_answers.h" /* what the dispatcher asks the scheduler in this program */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*disp_t_entry_fn)(void *args);

typedef struct disp_t_lib {
    void *handle;
    disp_t_entry_fn init;      /* DynTileFwkBackendKernelServerInit */
    disp_t_entry_fn dyn;       /* DynTileFwkBackendKernelServer */
    disp_t_entry_fn static_fn; /* StaticTileFwkBackendKernelServer */
} disp_t_lib_t;

/* One bootstrap as the host lays it out, with the device addresses as plain pointers. */
typedef struct disp_t_request {
    akl_device_kernel_args_t kargs;
    akl_device_args_t dargs;
    akl_bootstrap_ack_t ack;
} disp_t_request_t;

/* dlopens AKL_DISPATCHER_PATH and looks up the three exports (cmocka-asserts they exist). */
void disp_t_open(disp_t_lib_t *lib);
void disp_t_close(disp_t_lib_t *lib);

/* The dispatcher a test program's group works with, loaded by disp_t_group_setup. */
extern disp_t_lib_t disp_lib;
/* cmocka group fixtures: make $AKL_SIM_ROOT and open disp_lib; close it and remove the root. */
int disp_t_group_setup(void **state);
int disp_t_group_teardown(void **state);

/* The reference fingerprint: XXH3_64bits from a build independent of the dispatcher's. */
uint64_t disp_t_fingerprint(const void *data, size_t len);

/* "<prefix><16 hex fp>_<device>.so" */
void disp_t_name(char *out, size_t cap, const char *prefix, uint64_t fp, uint64_t device_id);

/* A correct request publishing bytes as akl_inner_<fp>_<device_id>.so; ack zeroed. The request
 * points into itself, so it must not be copied after this. */
void disp_t_request(disp_t_request_t *req, const void *bytes, size_t len, uint64_t device_id);
/* Sets target_name (must fit the field with its NUL). */
void disp_t_set_name(disp_t_request_t *req, const char *name);
/* Zeroes the ack and calls Init on the request. Returns Init's result. */
int disp_t_run(const disp_t_lib_t *lib, disp_t_request_t *req);

/* Creates $AKL_SIM_ROOT (mkdir -p). */
void disp_t_make_root(void);
/* Removes $AKL_SIM_ROOT and everything in it. */
void disp_t_remove_root(void);
/* Makes an empty directory $AKL_SIM_ROOT/<sub> (removing an earlier one), points
 * ASCEND_AICPU_KERNEL_PATH at it and returns its path in out. */
void disp_t_use_dir(const char *sub, char *out, size_t cap);
/* "<dir>/<file>" */
void disp_t_join(char *out, size_t cap, const char *dir, const char *file);

/* Entries of dir (without . and ..), and those among them that look like a temporary (".*.tmp.*").
 */
int disp_t_count_entries(const char *dir);
int disp_t_count_temps(const char *dir);
/* True when path is a regular file holding exactly bytes[0..len). */
bool disp_t_file_equals(const char *path, const void *bytes, size_t len);
/* len deterministic pseudo-random bytes (malloc'd, caller frees). */
unsigned char *disp_t_pattern(size_t len, uint32_t seed);

#endif /* AKL_TEST_DISPATCHER_COMMON_H */
