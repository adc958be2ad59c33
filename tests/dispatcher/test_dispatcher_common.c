/* Helpers shared by the dispatcher tests (see test_dispatcher_common.h). */
#define _GNU_SOURCE
#include "test_dispatcher_common.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#if defined(AKL_DISPATCHER_TEST_XXH_INLINE)
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

void disp_t_open(disp_t_lib_t *lib)
{
    lib->handle = dlopen(AKL_DISPATCHER_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib->handle == NULL)
        fail_msg("dlopen %s: %s", AKL_DISPATCHER_PATH, dlerror());
    lib->init = (disp_t_entry_fn)dlsym(lib->handle, "DynTileFwkBackendKernelServerInit");
    lib->dyn = (disp_t_entry_fn)dlsym(lib->handle, "DynTileFwkBackendKernelServer");
    lib->static_fn = (disp_t_entry_fn)dlsym(lib->handle, "StaticTileFwkBackendKernelServer");
    assert_non_null(lib->init);
    assert_non_null(lib->dyn);
    assert_non_null(lib->static_fn);
}

void disp_t_close(disp_t_lib_t *lib)
{
    if (lib->handle != NULL)
        dlclose(lib->handle);
    memset(lib, 0, sizeof *lib);
}

disp_t_lib_t disp_lib;

int disp_t_group_setup(void **state)
{
    (void)state;
    disp_t_make_root();
    disp_t_open(&disp_lib);
    return 0;
}

int disp_t_group_teardown(void **state)
{
    (void)state;
    disp_t_close(&disp_lib);
    disp_t_remove_root();
    return 0;
}

uint64_t disp_t_fingerprint(const void *data, size_t len)
{
    return (uint64_t)XXH3_64bits(data, len);
}

void disp_t_name(char *out, size_t cap, const char *prefix, uint64_t fp, uint64_t device_id)
{
    snprintf(out, cap, "%s%016llx_%llu.so", prefix, (unsigned long long)fp,
             (unsigned long long)device_id);
}

void disp_t_request(disp_t_request_t *req, const void *bytes, size_t len, uint64_t device_id)
{
    memset(req, 0, sizeof *req);
    req->kargs.cfgdata = (uint64_t)(uintptr_t)&req->dargs;
    /* The dispatcher's own bytes are the extend-kernels loader's business; any non-zero will do. */
    req->dargs.aicpu_so_bin = (uint64_t)(uintptr_t)bytes;
    req->dargs.aicpu_so_len = len;
    req->dargs.device_id = device_id;
    req->dargs.inner_so_bin = (uint64_t)(uintptr_t)bytes;
    req->dargs.inner_so_len = len;
    req->dargs.magic = AKL_BOOT_MAGIC;
    req->dargs.version = AKL_BOOT_VERSION;
    req->dargs.expected_fingerprint = disp_t_fingerprint(bytes, len);
    req->dargs.ack_addr = (uint64_t)(uintptr_t)&req->ack;
    disp_t_name(req->dargs.target_name, sizeof req->dargs.target_name, "akl_inner_",
                req->dargs.expected_fingerprint, device_id);
}

void disp_t_set_name(disp_t_request_t *req, const char *name)
{
    assert_true(strlen(name) < sizeof req->dargs.target_name);
    memset(req->dargs.target_name, 0, sizeof req->dargs.target_name);
    memcpy(req->dargs.target_name, name, strlen(name));
}

int disp_t_run(const disp_t_lib_t *lib, disp_t_request_t *req)
{
    memset(&req->ack, 0, sizeof req->ack);
    return lib->init(&req->kargs);
}

static void disp_t_mkdir_p(const char *path)
{
    if (t_make_dirs(path) != 0)
        fail_msg("mkdir -p %s: %s", path, strerror(errno));
}

void disp_t_make_root(void)
{
    const char *root = t_sim_root();
    if (root[0] == '\0')
        fail_msg("AKL_SIM_ROOT is not set (ctest sets it per test)");
    disp_t_mkdir_p(root);
}

void disp_t_remove_root(void)
{
    assert_int_equal(t_rmtree(t_sim_root()), 0);
}

void disp_t_join(char *out, size_t cap, const char *dir, const char *file)
{
    snprintf(out, cap, "%s/%s", dir, file);
}

void disp_t_use_dir(const char *sub, char *out, size_t cap)
{
    disp_t_join(out, cap, t_sim_root(), sub);
    assert_int_equal(t_rmtree(out), 0);
    disp_t_mkdir_p(out);
    assert_int_equal(setenv("ASCEND_AICPU_KERNEL_PATH", out, 1), 0);
}

static int disp_t_count(const char *dir, bool temps_only)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!temps_only || (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.") != NULL))
            count++;
    }
    closedir(d);
    return count;
}

int disp_t_count_entries(const char *dir)
{
    return disp_t_count(dir, false);
}

int disp_t_count_temps(const char *dir)
{
    return disp_t_count(dir, true);
}

bool disp_t_file_equals(const char *path, const void *bytes, size_t len)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
        return false;
    size_t got = 0;
    void *data = t_read_file(path, &got);
    bool same = data != NULL && got == len && memcmp(data, bytes, len) == 0;
    free(data);
    return same;
}

unsigned char *disp_t_pattern(size_t len, uint32_t seed)
{
    unsigned char *p = malloc(len);
    assert_non_null(p);
    uint32_t x = seed * 2654435761u + 1u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}
