/* Run-time resolution of the ACL/RT entry points (never a build flag), so that one libakl binary
 * drives real CANN or the simulator. AKL_RUNTIME selects: auto (default: CANN when its libraries
 * load, else libaclsim.so beside libakl), sim, cann, or a path to one library exporting every
 * needed symbol. The table is the design's "resolved runtime table": filled once, then
 * read-only. */
#define _GNU_SOURCE
#include "runtime.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "akl/akl.h"
#include "cann_version.h"
#include "errors.h"
#include "log.h"

#define LDR_SIM_LIBRARY "libaclsim.so"
#define LDR_TRIED_MAX 3000

typedef struct ldr_symbol_slot {
    const char *symbol;
    size_t offset;
    bool from_rt_library; /* CANN: rt* lives in libruntime.so, acl* in libacl_rt/libascendcl */
    bool optional;        /* absent from older releases: its slot stays NULL */
} ldr_symbol_slot_t;

#define LDR_SLOT_(sym, field, rt)                                                                  \
    {                                                                                              \
#sym, offsetof(ldr_runtime_t, field), rt, false                                            \
    }
/* The custom route's calls (rts_kernel.h) arrived after CANN 8.1.RC1: without them only the extend
 * route works. */
#define LDR_OPTIONAL_SLOT_(sym, field)                                                             \
    {                                                                                              \
#sym, offsetof(ldr_runtime_t, field), true, true                                           \
    }
static const ldr_symbol_slot_t ldr_symbol_slots[] = {
    LDR_SLOT_(aclInit, acl_init, false),
    LDR_SLOT_(aclrtGetDeviceCount, get_device_count, false),
    LDR_SLOT_(aclrtSetDevice, set_device, false),
    LDR_SLOT_(aclrtGetDevice, get_device, false),
    LDR_SLOT_(aclrtResetDevice, reset_device, false),
    LDR_SLOT_(aclrtMalloc, malloc, false),
    LDR_SLOT_(aclrtFree, free, false),
    LDR_SLOT_(aclrtMemcpy, memcpy, false),
    LDR_SLOT_(aclrtGetMemInfo, get_mem_info, false),
    LDR_SLOT_(aclrtCreateStream, create_stream, false),
    LDR_SLOT_(aclrtDestroyStream, destroy_stream, false),
    LDR_SLOT_(aclrtSynchronizeStream, synchronize_stream, false),
    LDR_SLOT_(aclrtSynchronizeStreamWithTimeout, synchronize_stream_with_timeout, false),
    LDR_SLOT_(aclGetRecentErrMsg, get_recent_err_msg, false),
    LDR_SLOT_(rtAicpuKernelLaunchExWithArgs, aicpu_launch, true),
    LDR_OPTIONAL_SLOT_(rtsBinaryLoadFromData, binary_load_data),
    LDR_OPTIONAL_SLOT_(rtsRegisterCpuFunc, register_cpu_func),
    LDR_OPTIONAL_SLOT_(rtsLaunchCpuKernel, launch_cpu_kernel),
    LDR_OPTIONAL_SLOT_(rtsBinaryUnload, binary_unload),
};
#undef LDR_SLOT_

/* Global state the design names: the table, filled once under pthread_once, then published. */
static pthread_once_t ldr_runtime_once = PTHREAD_ONCE_INIT;
static ldr_runtime_t ldr_runtime_table;
static int ldr_runtime_status;
static char ldr_runtime_failure[LDR_ERROR_MESSAGE_MAX];
static const ldr_runtime_t *_Atomic ldr_runtime_published;

/* What was tried, for the message when nothing resolves. */
typedef struct ldr_tried {
    char text[LDR_TRIED_MAX];
    size_t used;
} ldr_tried_t;

static void ldr_tried_add(ldr_tried_t *tried, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ldr_tried_add(ldr_tried_t *tried, const char *fmt, ...)
{
    if (tried->used >= sizeof tried->text - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tried->text + tried->used, sizeof tried->text - tried->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        tried->used += (size_t)n;
    if (tried->used > sizeof tried->text - 1)
        tried->used = sizeof tried->text - 1;
}

static void *ldr_open_library(const char *path, int mode, ldr_tried_t *tried)
{
    void *handle = dlopen(path, RTLD_NOW | mode);
    if (!handle) {
        const char *why = dlerror();
        ldr_tried_add(tried, "\n  %s: %s", path, why ? why : "dlopen failed");
    }
    return handle;
}

/* Fills every slot from acl_handle (and rt_handle for rt* symbols). Returns false and notes the
 * missing symbols when one is absent. */
static bool ldr_resolve_symbols(ldr_runtime_t *table, void *acl_handle, void *rt_handle,
                                const char *what, ldr_tried_t *tried)
{
    bool complete = true;
    for (size_t i = 0; i < sizeof ldr_symbol_slots / sizeof ldr_symbol_slots[0]; i++) {
        const ldr_symbol_slot_t *slot = &ldr_symbol_slots[i];
        void *symbol = dlsym(slot->from_rt_library ? rt_handle : acl_handle, slot->symbol);
        if (!symbol && slot->optional)
            continue;
        if (!symbol) {
            ldr_tried_add(tried, "\n  %s: missing symbol %s", what, slot->symbol);
            complete = false;
            continue;
        }
        memcpy((char *)table + slot->offset, &symbol, sizeof symbol);
    }
    return complete;
}

/* "<kind>:<canonical path of the library that provides symbol>", so that a library found
 * through "$ORIGIN/../lib" is named as the file it is. */
static void ldr_name_runtime(ldr_runtime_t *table, const char *kind, void *symbol)
{
    Dl_info info;
    char canonical[4096];
    const char *file = "?";
    if (symbol && dladdr(symbol, &info) && info.dli_fname)
        file = realpath(info.dli_fname, canonical) ? canonical : info.dli_fname;
    snprintf(table->name, sizeof table->name, "%s:%s", kind, file);
}

/* A library that did not make a complete runtime must not stay loaded: CANN's are opened
 * RTLD_GLOBAL, and their symbols would then interpose on the simulator that auto falls back to. */
static void ldr_close_library(void *handle)
{
    if (handle)
        dlclose(handle);
}

/* Where a CANN install keeps libacl_rt.so and libruntime.so, under $ASCEND_HOME_PATH: lib64 (a
 * link into the toolkit in 8.x installs), the toolkit's own <arch>-linux/lib64, and the runtime
 * package's lib64. "%s" is the host's architecture. */
static const char *const ldr_cann_library_dirs[] = {"lib64", "%s-linux/lib64", "runtime/lib64"};

#define LDR_CANN_SET_ENV_HINT                                                                      \
    "source CANN's set_env.sh first (`. /usr/local/Ascend/ascend-toolkit/set_env.sh`, or "         \
    "`. /usr/local/Ascend/cann/set_env.sh` from CANN 8.5), which sets LD_LIBRARY_PATH and "        \
    "ASCEND_HOME_PATH"

typedef struct ldr_cann_handles {
    void *acl;
    void *rt;
} ldr_cann_handles_t;

static void ldr_cann_close(ldr_cann_handles_t *handles)
{
    ldr_close_library(handles->rt);
    ldr_close_library(handles->acl);
    handles->rt = handles->acl = NULL;
}

static bool ldr_owned_and_private(const struct stat *st)
{
    return (st->st_uid == 0 || st->st_uid == geteuid()) && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* A library from a directory someone else could have prepared is not loaded: the file (links
 * followed) and its directory must be root's or ours, and writable by no one else. */
static bool ldr_cann_library_trusted(const char *path, ldr_tried_t *tried)
{
    char canonical[PATH_MAX];
    struct stat st, dir_st;
    if (!realpath(path, canonical) || stat(canonical, &st) != 0) {
        ldr_tried_add(tried, "\n  %s: %s", path, strerror(errno));
        return false;
    }
    char *slash = strrchr(canonical, '/');
    if (slash)
        *slash = 0;
    bool dir_ok = slash && stat(canonical[0] ? canonical : "/", &dir_st) == 0 &&
                  ldr_owned_and_private(&dir_st);
    if (!S_ISREG(st.st_mode) || !ldr_owned_and_private(&st) || !dir_ok) {
        ldr_tried_add(tried,
                      "\n  %s: not loaded: it or its directory is not owned by root or by this "
                      "user, or is writable by others",
                      path);
        return false;
    }
    return true;
}

/* Opens name from dir (NULL: the dynamic loader's search path, LD_LIBRARY_PATH included). */
static void *ldr_cann_open(const char *dir, const char *name, ldr_tried_t *tried)
{
    if (!dir)
        /* CANN's own libraries expect to be linked normally, so their symbols go global. */
        return ldr_open_library(name, RTLD_GLOBAL, tried);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        ldr_tried_add(tried, "\n  %s/%s: path too long", dir, name);
        return NULL;
    }
    if (!ldr_cann_library_trusted(path, tried))
        return NULL;
    return ldr_open_library(path, RTLD_GLOBAL, tried);
}

static bool ldr_try_cann_in(ldr_runtime_t *table, const char *dir, ldr_cann_handles_t *handles,
                            ldr_tried_t *tried)
{
    handles->acl = ldr_cann_open(dir, "libacl_rt.so", tried);
    if (!handles->acl)
        handles->acl = ldr_cann_open(dir, "libascendcl.so", tried);
    handles->rt = ldr_cann_open(dir, "libruntime.so", tried);
    if (!handles->acl || !handles->rt ||
        !ldr_resolve_symbols(table, handles->acl, handles->rt, "CANN", tried)) {
        ldr_cann_close(handles);
        return false;
    }
    return true;
}

/* The loader's search path first (what set_env.sh sets up), then $ASCEND_HOME_PATH's layouts. */
static bool ldr_find_cann(ldr_runtime_t *table, ldr_cann_handles_t *handles, ldr_tried_t *tried)
{
    if (ldr_try_cann_in(table, NULL, handles, tried))
        return true;
    const char *home = getenv("ASCEND_HOME_PATH");
    if (!home || !home[0]) {
        ldr_tried_add(tried, "\n  $ASCEND_HOME_PATH: not set");
        return false;
    }
    struct utsname host;
    const char *arch = uname(&host) == 0 ? host.machine : "aarch64";
    for (size_t i = 0; i < sizeof ldr_cann_library_dirs / sizeof ldr_cann_library_dirs[0]; i++) {
        char relative[128];
        char dir[4096];
        snprintf(relative, sizeof relative, ldr_cann_library_dirs[i], arch);
        if (snprintf(dir, sizeof dir, "%s/%s", home, relative) >= (int)sizeof dir)
            continue;
        if (ldr_try_cann_in(table, dir, handles, tried))
            return true;
    }
    return false;
}

/* The directory of the library that provides symbol, canonical, into dir. */
static bool ldr_library_dir(void *symbol, char *dir, size_t cap)
{
    Dl_info info;
    char canonical[PATH_MAX];
    if (!symbol || !dladdr(symbol, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, canonical))
        return false;
    char *slash = strrchr(canonical, '/');
    if (!slash)
        return false;
    *slash = 0;
    return snprintf(dir, cap, "%s", canonical) < (int)cap;
}

/* dir without its last component ("" for "/" or a bare name). */
static void ldr_parent_dir(const char *dir, char *parent, size_t cap)
{
    const char *slash = strrchr(dir, '/');
    size_t length = slash ? (size_t)(slash - dir) : 0;
    snprintf(parent, cap, "%.*s", (int)(length < cap ? length : cap - 1), dir);
}

/* Reads the installed release (cann_version.h says where, in what order: first around the
 * libruntime.so actually loaded, then under $ASCEND_HOME_PATH) and refuses one older than
 * AKL_CANN_MIN_VERSION. A release no file records is let through with a warning. */
static int ldr_check_cann_version(ldr_runtime_t *table)
{
    char lib_dir[PATH_MAX] = "";
    char parent[PATH_MAX] = "";
    char grandparent[PATH_MAX] = "";
    if (ldr_library_dir((void *)table->aicpu_launch, lib_dir, sizeof lib_dir)) {
        ldr_parent_dir(lib_dir, parent, sizeof parent);
        ldr_parent_dir(parent, grandparent, sizeof grandparent);
    }
    const char *roots[] = {parent, grandparent, getenv("ASCEND_HOME_PATH")};
    char source[PATH_MAX + 128];
    if (!ldr_cann_version_find(roots, sizeof roots / sizeof roots[0], table->version,
                               sizeof table->version, source, sizeof source)) {
        table->version[0] = 0;
        ldr_log(LDR_LOG_WARN,
                "the CANN release of %s is unknown (no ascend_toolkit_install.info, "
                "runtime/version.info or version.cfg beside it or under $ASCEND_HOME_PATH); akl "
                "needs %s or later",
                lib_dir[0] ? lib_dir : "the runtime", AKL_CANN_MIN_VERSION);
        return 0;
    }
    ldr_cann_version_t installed, minimum;
    if (!ldr_cann_version_parse(AKL_CANN_MIN_VERSION, &minimum) ||
        !ldr_cann_version_parse(table->version, &installed))
        return ldr_fail(AKL_ERUNTIME, "CANN version %s (%s) cannot be parsed", table->version,
                        source);
    if (ldr_cann_version_compare(&installed, &minimum) < 0)
        return ldr_fail(AKL_ERUNTIME,
                        "CANN %s (read from %s) is older than %s, the oldest release whose AICPU "
                        "launch ABI akl matches (the 48-byte rtAicpuArgsEx_t and the KFC kernel "
                        "type); install CANN %s or later, or set AKL_RUNTIME=sim",
                        table->version, source, AKL_CANN_MIN_VERSION, AKL_CANN_MIN_VERSION);
    ldr_log(LDR_LOG_INFO, "CANN %s (read from %s)", table->version, source);
    return 0;
}

/* 1 when CANN was found and is recent enough, 0 when it was not found (tried says why), or a
 * negative code, with the message set, when it was found but cannot be used. */
static int ldr_try_cann(ldr_runtime_t *table, ldr_tried_t *tried)
{
    ldr_cann_handles_t handles = {NULL, NULL};
    if (!ldr_find_cann(table, &handles, tried))
        return 0;
    int rc = ldr_check_cann_version(table);
    if (rc != 0) {
        ldr_cann_close(&handles);
        return rc;
    }
    table->machine = EM_AARCH64;
    ldr_name_runtime(table, "cann", (void *)table->acl_init);
    return 1;
}

/* The machine libakl itself was built for: read from libakl's own ELF header. */
static uint16_t ldr_host_machine(void)
{
    Dl_info info;
    if (dladdr((void *)akl_init, &info) && info.dli_fbase)
        return ((const Elf64_Ehdr *)info.dli_fbase)->e_machine;
    return EM_NONE;
}

/* The simulator says which machine its device runs (AKL_SIM_ARCH); a stand-in library that does
 * not runs kernels on this host. */
static uint16_t ldr_sim_machine(void *handle)
{
    uint16_t (*query)(void);
    void *symbol = dlsym(handle, "aclsimGetDeviceMachine");
    memcpy(&query, &symbol, sizeof query);
    return query ? query() : ldr_host_machine();
}

static bool ldr_try_single_library(ldr_runtime_t *table, const char *path, ldr_tried_t *tried)
{
    void *handle = ldr_open_library(path, RTLD_LOCAL, tried);
    if (!handle)
        return false;
    if (!ldr_resolve_symbols(table, handle, handle, path, tried)) {
        ldr_close_library(handle);
        return false;
    }
    table->machine = ldr_sim_machine(handle);
    ldr_name_runtime(table, "sim", (void *)table->acl_init);
    return true;
}

static bool ldr_try_sim(ldr_runtime_t *table, ldr_tried_t *tried)
{
    Dl_info info;
    if (!dladdr((void *)akl_init, &info) || !info.dli_fname) {
        ldr_tried_add(tried, "\n  %s: cannot locate libakl itself (dladdr failed)",
                      LDR_SIM_LIBRARY);
        return false;
    }
    char path[4096];
    const char *slash = strrchr(info.dli_fname, '/');
    int dir_len = slash ? (int)(slash - info.dli_fname) : 1;
    const char *dir = slash ? info.dli_fname : ".";
    if (snprintf(path, sizeof path, "%.*s/%s", dir_len, dir, LDR_SIM_LIBRARY) >= (int)sizeof path) {
        ldr_tried_add(tried, "\n  %s: directory of libakl too long", LDR_SIM_LIBRARY);
        return false;
    }
    return ldr_try_single_library(table, path, tried);
}

static int ldr_resolve(ldr_runtime_t *table)
{
    const char *choice = getenv("AKL_RUNTIME");
    if (!choice || !choice[0])
        choice = "auto";
    ldr_tried_t tried = {.used = 0};
    bool ok;
    bool cann_wanted = strcmp(choice, "auto") == 0 || strcmp(choice, "cann") == 0;
    if (cann_wanted) {
        /* A CANN that is there but too old is an error, never a reason to fall back. */
        int cann = ldr_try_cann(table, &tried);
        if (cann < 0)
            return cann;
        ok = cann == 1 || (strcmp(choice, "auto") == 0 && ldr_try_sim(table, &tried));
    } else if (strcmp(choice, "sim") == 0) {
        ok = ldr_try_sim(table, &tried);
    } else {
        ok = ldr_try_single_library(table, choice, &tried);
    }
    if (!ok)
        return ldr_fail(AKL_ERUNTIME,
                        "no ACL/RT runtime could be resolved (AKL_RUNTIME=%s)%s%s; tried:%s",
                        choice, cann_wanted ? "; to use CANN, " : "",
                        cann_wanted ? LDR_CANN_SET_ENV_HINT : "", tried.text);
    ldr_log(LDR_LOG_INFO, "runtime resolved: %s (AKL_RUNTIME=%s)", table->name, choice);
    return 0;
}

static int ldr_call_acl_init(const ldr_runtime_t *table)
{
    aclError rc = table->acl_init(NULL);
    /* Another component of the process may have initialised ACL already: that is fine. */
    if (rc == ACL_SUCCESS || rc == ACL_ERROR_REPEAT_INITIALIZE)
        return 0;
    /* Not ldr_fail_cann: the table is not published yet, so it could not ask for the message. */
    const char *recent = table->get_recent_err_msg();
    return ldr_fail(rc, "aclInit(NULL) failed in %s: %s (%d): %s%s%s", table->name, akl_errname(rc),
                    rc, akl_strerror(rc), recent && recent[0] ? "; runtime says: " : "",
                    recent ? recent : "");
}

static void ldr_runtime_initialise(void)
{
    int rc = ldr_resolve(&ldr_runtime_table);
    if (rc == 0)
        rc = ldr_call_acl_init(&ldr_runtime_table);
    ldr_runtime_status = rc;
    if (rc != 0) {
        snprintf(ldr_runtime_failure, sizeof ldr_runtime_failure, "%s", akl_last_error());
        return;
    }
    ldr_runtime_published = &ldr_runtime_table;
}

int ldr_runtime_get(const ldr_runtime_t **rt)
{
    const ldr_runtime_t *ready = ldr_runtime_published;
    if (!ready) {
        pthread_once(&ldr_runtime_once, ldr_runtime_initialise);
        if (ldr_runtime_status != 0)
            return ldr_fail_copy(ldr_runtime_status, ldr_runtime_failure);
        ready = ldr_runtime_published;
    }
    if (rt)
        *rt = ready;
    return 0;
}

const ldr_runtime_t *ldr_runtime_ready(void)
{
    return ldr_runtime_published;
}

bool ldr_runtime_device_is_current(const ldr_runtime_t *rt, int32_t device, char *why, size_t cap)
{
    int32_t current = -1;
    aclError rc = rt->get_device(&current);
    if (rc == ACL_SUCCESS && current == device)
        return true;
    if (rc != ACL_SUCCESS)
        snprintf(why, cap, "aclrtGetDevice returned %d", rc);
    else
        snprintf(why, cap, "the thread's current device is %d", (int)current);
    return false;
}

int ldr_runtime_require_device(const ldr_runtime_t *rt, int32_t device, const char *doing_fmt, ...)
{
    char why[64], doing[LDR_ERROR_MESSAGE_MAX / 2];
    if (ldr_runtime_device_is_current(rt, device, why, sizeof why))
        return 0;
    va_list ap;
    va_start(ap, doing_fmt);
    vsnprintf(doing, sizeof doing, doing_fmt, ap);
    va_end(ap);
    return ldr_fail(AKL_EDEVICE,
                    "%s: device %" PRId32
                    " is not set in this thread; call akl_device_open(%" PRId32 ") (%s)",
                    doing, device, device, why);
}

const char *ldr_runtime_recent_message(void)
{
    const ldr_runtime_t *rt = ldr_runtime_published;
    return rt ? rt->get_recent_err_msg() : NULL;
}

int akl_init(void)
{
    return ldr_runtime_get(NULL);
}

const char *akl_runtime_name(void)
{
    const ldr_runtime_t *rt = ldr_runtime_published;
    return rt ? rt->name : NULL;
}

const char *akl_device_arch(void)
{
    const ldr_runtime_t *rt = ldr_runtime_published;
    if (!rt)
        return NULL;
    switch (rt->machine) {
    case EM_AARCH64:
        return "aarch64";
    case EM_X86_64:
        return "x86_64";
    default:
        return "unknown";
    }
}

const char *akl_runtime_version(void)
{
    const ldr_runtime_t *rt = ldr_runtime_published;
    return rt && rt->version[0] ? rt->version : NULL;
}
