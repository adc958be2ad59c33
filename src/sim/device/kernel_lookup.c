/* How the simulated AICPU scheduler finds a kernel: CANN's MultiSoManager / SingleSoManager
 * (AICPU and AICPU_CUSTOM types) and AIKernelsLibAiCpuKFC (KFC type), with their name rules,
 * search directories, realpath containment check, caches and error codes. */
#define _GNU_SOURCE
#include "kernel_lookup.h"

#include "msgbuf.h"
#include "so_name.h"
#include "sim_paths.h"
#include "sim_strmap.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOOKUP_RETR_SO "libretr_kernels.so"
#define LOOKUP_HCCL_SO "libhccl_operator_call.so"
#define LOOKUP_BUILTIN_SO "libbuiltin_kernels.so"
#define LOOKUP_KERNELS_ROOT_SUBDIR "usr/lib64/aicpu_kernels"
#define LOOKUP_LIB64_SUBDIR "usr/lib64"
#define LOOKUP_SUCCESS 0U

/* The caches are read without any lock on the per-task path (sim_strmap's lookups are
 * lock-free); the fill locks only serialize filling them, where CANN takes its rwlocks' write
 * side. */

/* One opened SO (CANN's SingleSoManager): its handle and its symbols, cached by kernel name. */
typedef struct lookup_so {
    void *handle;
    pthread_mutex_t fill_lock;
    sim_strmap_t symbols;
} lookup_so_t;

/* CANN's MultiSoManager: opened SOs keyed by the basename as passed, kept for the lookup's life. */
typedef struct lookup_so_cache {
    pthread_mutex_t fill_lock;
    sim_strmap_t by_name;
} lookup_so_cache_t;

/* Directory strings end in '/', as CANN's do, because CheckSoFile compares them as prefixes. */
struct sim_lookup {
    int32_t device_id;
    uint32_t host_pid;
    char *default_dir;  /* the preinstall directory (ASCEND_AICPU_KERNEL_PATH) */
    char *kernels_root; /* <chip>/usr/lib64/aicpu_kernels/ */
    char *lib64_dir;    /* <chip>/usr/lib64/ */
    char *extend_dir;   /* <chip>/usr/lib64/aicpu_kernels/0/aicpu_extend_syskernels/ */
    char *cust_dir;     /* <chip>/home/CustAiCpuUser/cust_aicpu_<device>_0_<host pid>/ */
    lookup_so_cache_t aicpu_sos;
    /* In CANN custom kernels run in their own scheduler process (aicpu_custom_scheduler), so
     * their SOs never share a cache with the inner ones. */
    lookup_so_cache_t cust_sos;
    lookup_so_cache_t kfc_sos; /* in CANN the KFC library owns a second SO manager */
    pthread_mutex_t kfc_fill_lock;
    sim_strmap_t kfc_kernels; /* kernel name -> address: the first resolution wins */
};

_Static_assert(sizeof(sim_kernel_fn) == sizeof(void *), "kernel addresses fit in void *");

static sim_kernel_fn lookup_as_kernel(void *addr)
{
    sim_kernel_fn fn;
    memcpy(&fn, &addr, sizeof fn);
    return fn;
}

/* ---- small helpers ---------------------------------------------------------------------- */

static char *lookup_dir_string(const char *base, const char *subdir)
{
    size_t len = strlen(base);
    while (len > 1 && base[len - 1] == '/')
        len--;
    const char *sep = base[len - 1] == '/' ? "" : "/";
    char *out = NULL;
    int n = subdir ? asprintf(&out, "%.*s%s%s/", (int)len, base, sep, subdir)
                   : asprintf(&out, "%.*s%s", (int)len, base, sep);
    return n < 0 ? NULL : out;
}

/* CANN copies names with strncpy_s into 101- and 201-byte buffers, so a longer name is cut to
 * its first 100 / 200 characters and the cut name is what gets looked up. */
static const char *lookup_cut_name(const char *name, size_t max, char *buf)
{
    size_t len = strnlen(name, max + 1);
    if (len <= max)
        return name;
    memcpy(buf, name, max);
    buf[max] = '\0';
    return buf;
}

static const char *lookup_dlerror_text(void)
{
    const char *text = dlerror();
    return text ? text : "unknown dynamic loader error";
}

/* ---- the mapping limit ------------------------------------------------------------------- */

/* Linux allows a process vm.max_map_count memory mappings (65530 by default) and each loaded SO
 * takes about five, so a scheduler that has loaded about 13,000 distinct SOs cannot map another:
 * dlopen then fails with ENOMEM ("failed to map segment from shared object: Cannot allocate
 * memory"), which says nothing of the cause. The note below does, with the numbers. */
#define LOOKUP_MAPS_PER_SO 5
/* dlopen unmaps what it mapped before failing, so at the limit a few mappings are free again. */
#define LOOKUP_MAPS_MARGIN 32
#define LOOKUP_MAX_MAP_COUNT_FILE "/proc/sys/vm/max_map_count"
#define LOOKUP_TRIED_MAX 2048

/* Lines of /proc/self/maps, one per mapping; -1 when it cannot be read. No stdio and no heap: at
 * the limit, a buffer allocation could itself need a mapping. */
static long lookup_count_maps(void)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char chunk[4096];
    long lines = 0;
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
        for (ssize_t i = 0; i < n; i++)
            lines += chunk[i] == '\n';
    close(fd);
    return n < 0 ? -1 : lines;
}

/* vm.max_map_count, or -1 when it cannot be read. */
static long lookup_max_map_count(void)
{
    int fd = open(LOOKUP_MAX_MAP_COUNT_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char text[32];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    char *end;
    long value = strtol(text, &end, 10);
    return end == text || value <= 0 ? -1 : value;
}

/* Whether the dynamic loader's text is one of a failing mmap or mprotect. glibc says "failed to
 * map segment from shared object" (without the errno) when mmap fails, for ENOMEM as for EPERM
 * on a noexec mount: the mapping count tells them apart. */
static bool lookup_dlerror_is_mapping(const char *dl_text)
{
    return strstr(dl_text, "failed to map segment") || strstr(dl_text, "cannot map zero-fill") ||
           strstr(dl_text, "cannot change memory protections") || strstr(dl_text, strerror(ENOMEM));
}

/* When the dynamic loader failed to map, says whether the mapping limit is the cause, naming
 * vm.max_map_count and its value; says nothing when it is not and the text is not ENOMEM. */
static void lookup_add_map_limit_note(const char *dl_text, cmn_msg_t *msg)
{
    if (!lookup_dlerror_is_mapping(dl_text))
        return;
    long maps = lookup_count_maps(), limit = lookup_max_map_count();
    if (limit > 0 && maps >= 0 && maps + LOOKUP_MAPS_MARGIN >= limit) {
        cmn_msg_add(msg,
                    ": the scheduler process has reached its limit of memory mappings (%ld in use, "
                    "vm.max_map_count = %ld; each SO takes about %d, so about %ld distinct SOs fit "
                    "in one scheduler): reset the device to start a fresh scheduler, or raise the "
                    "limit (sysctl -w vm.max_map_count=%ld)",
                    maps, limit, LOOKUP_MAPS_PER_SO, limit / LOOKUP_MAPS_PER_SO, 2 * limit);
        return;
    }
    if (strstr(dl_text, strerror(ENOMEM)))
        cmn_msg_add(msg, ": out of memory (%ld memory mappings in use, vm.max_map_count = %ld)",
                    maps, limit);
}

/* ---- opened SOs --------------------------------------------------------------------------- */

static lookup_so_t *lookup_so_new(void *handle)
{
    lookup_so_t *so = calloc(1, sizeof *so);
    if (!so)
        return NULL;
    if (pthread_mutex_init(&so->fill_lock, NULL) != 0) {
        free(so);
        return NULL;
    }
    so->handle = handle;
    sim_strmap_init(&so->symbols);
    return so;
}

static void lookup_so_free(void *value)
{
    lookup_so_t *so = value;
    sim_strmap_destroy(&so->symbols, NULL);
    pthread_mutex_destroy(&so->fill_lock);
    if (so->handle)
        dlclose(so->handle);
    free(so);
}

/* CANN's CheckSoFile: the file's realpath must start with the directory tried, so a symlink
 * that leads outside it is refused. Unlike CANN we resolve the directory itself too, because a
 * simulator root may sit below a symlink (CANN's /usr/lib64 never does). */
static bool lookup_so_file_inside(const char *dir, const char *file, char *real, cmn_msg_t *msg)
{
    if (strlen(file) >= PATH_MAX) {
        cmn_msg_add(msg, "; tried %s: path too long", file);
        return false;
    }
    if (!realpath(file, real)) {
        cmn_msg_add(msg, "; tried %s: %s", file, strerror(errno));
        return false;
    }
    char guard[PATH_MAX + 1];
    if (!realpath(dir, guard)) {
        cmn_msg_add(msg, "; tried %s: directory %s: %s", file, dir, strerror(errno));
        return false;
    }
    size_t guard_len = strlen(guard);
    if (guard[guard_len - 1] != '/') {
        guard[guard_len++] = '/';
        guard[guard_len] = '\0';
    }
    if (strncmp(real, guard, guard_len) != 0) {
        cmn_msg_add(msg, "; tried %s: resolves to %s, outside %s (refused)", file, real, guard);
        return false;
    }
    return true;
}

/* CANN's SingleSoManager::Init for one directory: check, then dlopen the realpath. */
static void *lookup_open_in_dir(const char *dir, const char *name, cmn_msg_t *msg)
{
    char file[PATH_MAX + 1], real[PATH_MAX];
    if ((size_t)snprintf(file, sizeof file, "%s%s", dir, name) >= sizeof file) {
        cmn_msg_add(msg, "; tried %s%s: path too long", dir, name);
        return NULL;
    }
    if (!lookup_so_file_inside(dir, file, real, msg))
        return NULL;
    dlerror();
    void *handle = dlopen(real, RTLD_LAZY | RTLD_GLOBAL);
    if (!handle)
        cmn_msg_add(msg, "; tried %s: %s", file, lookup_dlerror_text());
    return handle;
}

/* CANN's GetInnerSoPath for a physical device (process mode): two library names have fixed
 * homes, everything else lives in the preinstall directory. */
static const char *lookup_inner_so_dir(const sim_lookup_t *lookup, const char *name)
{
    if (strcmp(name, LOOKUP_RETR_SO) == 0)
        return lookup->kernels_root;
    if (strcmp(name, LOOKUP_HCCL_SO) == 0 || strcmp(name, LOOKUP_BUILTIN_SO) == 0)
        return lookup->lib64_dir;
    return lookup->default_dir;
}

/* CANN's CreateSingleSoMgr: the inner directory, then (a) <chip>/usr/lib64/aicpu_kernels/<name>,
 * then (b) <inner dir>/<hostPid>_<deviceId>/<name>. */
static void *lookup_open_so(const sim_lookup_t *lookup, const char *name, cmn_msg_t *msg)
{
    const char *dir = lookup_inner_so_dir(lookup, name);
    void *handle = lookup_open_in_dir(dir, name, msg);
    if (handle || strcmp(dir, lookup->kernels_root) == 0)
        return handle;
    handle = lookup_open_in_dir(lookup->kernels_root, name, msg);
    if (handle)
        return handle;
    char pid_dir[PATH_MAX + 1];
    if ((size_t)snprintf(pid_dir, sizeof pid_dir, "%s%u_%d/", dir, (unsigned)lookup->host_pid,
                         (int)lookup->device_id) >= sizeof pid_dir) {
        cmn_msg_add(msg, "; tried %s%u_%d/%s: path too long", dir, (unsigned)lookup->host_pid,
                    (int)lookup->device_id, name);
        return NULL;
    }
    return lookup_open_in_dir(pid_dir, name, msg);
}

/* Opens and caches under the cache's fill lock (CANN: its write lock), so that two tasks naming
 * the same new SO open it once. */
static uint32_t lookup_so_cache_open(const sim_lookup_t *lookup, lookup_so_cache_t *cache,
                                     const char *only_dir, const char *name, lookup_so_t **out,
                                     cmn_msg_t *msg)
{
    uint32_t rc = LOOKUP_SUCCESS;
    pthread_mutex_lock(&cache->fill_lock);
    lookup_so_t *so = sim_strmap_find(&cache->by_name, name);
    if (!so) {
        void *handle =
            only_dir ? lookup_open_in_dir(only_dir, name, msg) : lookup_open_so(lookup, name, msg);
        so = handle ? lookup_so_new(handle) : NULL;
        if (so && sim_strmap_insert(&cache->by_name, name, so) != 0) {
            lookup_so_free(so);
            so = NULL;
            cmn_msg_add(msg, "; out of memory caching it");
            rc = SIM_AE_INNER_ERROR;
        } else if (!so && handle) {
            dlclose(handle);
            cmn_msg_add(msg, "; out of memory");
            rc = SIM_AE_INNER_ERROR;
        } else if (!so) {
            rc = SIM_AE_OPEN_SO_FAILED;
        }
    }
    pthread_mutex_unlock(&cache->fill_lock);
    *out = so;
    return rc;
}

/* CANN's MultiSoManager::LoadSo. kind and kernel only serve the message; only_dir (the custom
 * directory) replaces the inner search order when not NULL. */
static uint32_t lookup_load_so(const sim_lookup_t *lookup, lookup_so_cache_t *cache,
                               const char *only_dir, const char *kind, const char *name,
                               const char *kernel, lookup_so_t **out, cmn_msg_t *msg)
{
    if (!*name) {
        cmn_msg_add(msg, "%s kernel '%s': the SO name is empty", kind, kernel);
        return SIM_AE_BAD_PARAM;
    }
    *out = sim_strmap_find(&cache->by_name, name);
    if (*out)
        return LOOKUP_SUCCESS;
    if (cmn_so_name_bad_char(name, strlen(name)) != strlen(name)) {
        cmn_msg_add(msg,
                    "%s kernel '%s': SO name '%s' is not a basename of [A-Za-z0-9._-] characters",
                    kind, kernel, name);
        return SIM_AE_BAD_PARAM;
    }
    /* The directories tried go to their own buffer, so that a note on the cause can come first:
     * the host's copy of the message is cut at 512 bytes. Earlier directories may fail before
     * one works; then none of it is said. */
    char tried_text[LOOKUP_TRIED_MAX];
    cmn_msg_t tried = cmn_msg_start(tried_text, sizeof tried_text);
    uint32_t rc = lookup_so_cache_open(lookup, cache, only_dir, name, out, &tried);
    if (rc == LOOKUP_SUCCESS)
        return rc;
    cmn_msg_add(msg, "%s kernel '%s': cannot open SO '%s'", kind, kernel, name);
    lookup_add_map_limit_note(tried_text, msg);
    cmn_msg_add(msg, "%s", tried_text);
    return rc;
}

/* CANN's SingleSoManager::GetApi: dlsym once per (SO, kernel name), then from the cache. */
static uint32_t lookup_so_symbol(lookup_so_t *so, const char *kind, const char *so_name,
                                 const char *kernel, void **addr, cmn_msg_t *msg)
{
    *addr = sim_strmap_find(&so->symbols, kernel);
    if (*addr)
        return LOOKUP_SUCCESS;
    uint32_t rc = LOOKUP_SUCCESS;
    pthread_mutex_lock(&so->fill_lock);
    *addr = sim_strmap_find(&so->symbols, kernel);
    if (!*addr) {
        dlerror();
        *addr = dlsym(so->handle, kernel);
        if (!*addr) {
            cmn_msg_add(msg, "%s kernel '%s' not found in SO '%s': %s", kind, kernel, so_name,
                        lookup_dlerror_text());
            rc = SIM_AE_GET_KERNEL_NAME_FAILED;
        } else if (sim_strmap_insert(&so->symbols, kernel, *addr) != 0) {
            cmn_msg_add(msg, "%s kernel '%s' in SO '%s': out of memory caching it", kind, kernel,
                        so_name);
            *addr = NULL;
            rc = SIM_AE_INNER_ERROR;
        }
    }
    pthread_mutex_unlock(&so->fill_lock);
    return rc;
}

/* ---- the lookup object ------------------------------------------------------------------ */

static int lookup_so_cache_init(lookup_so_cache_t *cache)
{
    sim_strmap_init(&cache->by_name);
    return pthread_mutex_init(&cache->fill_lock, NULL) == 0 ? 0 : -1;
}

static void lookup_so_cache_destroy(lookup_so_cache_t *cache)
{
    sim_strmap_destroy(&cache->by_name, lookup_so_free);
    pthread_mutex_destroy(&cache->fill_lock);
}

static int lookup_init_dirs(sim_lookup_t *lookup, const char *chip_root, const char *preinstall_dir)
{
    char cust[PATH_MAX];
    if (snprintf(cust, sizeof cust, "%s/cust_aicpu_%d_0_%u", SIM_CUST_SUBDIR,
                 (int)lookup->device_id, (unsigned)lookup->host_pid) >= (int)sizeof cust)
        return -1;
    lookup->cust_dir = lookup_dir_string(chip_root, cust);
    bool preinstall_given = preinstall_dir && *preinstall_dir;
    lookup->default_dir = preinstall_given ? lookup_dir_string(preinstall_dir, NULL)
                                           : lookup_dir_string(chip_root, SIM_PREINSTALL_SUBDIR);
    lookup->kernels_root = lookup_dir_string(chip_root, LOOKUP_KERNELS_ROOT_SUBDIR);
    lookup->lib64_dir = lookup_dir_string(chip_root, LOOKUP_LIB64_SUBDIR);
    lookup->extend_dir = lookup_dir_string(chip_root, SIM_EXTEND_SUBDIR);
    return lookup->default_dir && lookup->kernels_root && lookup->lib64_dir && lookup->extend_dir &&
                   lookup->cust_dir
               ? 0
               : -1;
}

static void lookup_free_dirs(sim_lookup_t *lookup)
{
    free(lookup->default_dir);
    free(lookup->kernels_root);
    free(lookup->lib64_dir);
    free(lookup->extend_dir);
    free(lookup->cust_dir);
}

sim_lookup_t *sim_lookup_create(int32_t device_id, const char *chip_root,
                                const char *preinstall_dir, uint32_t host_pid)
{
    if (!chip_root || !*chip_root)
        return NULL;
    sim_lookup_t *lookup = calloc(1, sizeof *lookup);
    if (!lookup)
        return NULL;
    lookup->device_id = device_id;
    lookup->host_pid = host_pid;
    sim_strmap_init(&lookup->kfc_kernels);
    bool dirs_ok = lookup_init_dirs(lookup, chip_root, preinstall_dir) == 0;
    bool aicpu_ok = dirs_ok && lookup_so_cache_init(&lookup->aicpu_sos) == 0;
    bool kfc_ok = aicpu_ok && lookup_so_cache_init(&lookup->kfc_sos) == 0;
    bool cust_ok = kfc_ok && lookup_so_cache_init(&lookup->cust_sos) == 0;
    bool lock_ok = cust_ok && pthread_mutex_init(&lookup->kfc_fill_lock, NULL) == 0;
    if (lock_ok)
        return lookup;
    if (cust_ok)
        lookup_so_cache_destroy(&lookup->cust_sos);
    if (kfc_ok)
        lookup_so_cache_destroy(&lookup->kfc_sos);
    if (aicpu_ok)
        lookup_so_cache_destroy(&lookup->aicpu_sos);
    lookup_free_dirs(lookup);
    free(lookup);
    return NULL;
}

void sim_lookup_destroy(sim_lookup_t *lookup)
{
    if (!lookup)
        return;
    sim_strmap_destroy(&lookup->kfc_kernels, NULL);
    pthread_mutex_destroy(&lookup->kfc_fill_lock);
    lookup_so_cache_destroy(&lookup->cust_sos);
    lookup_so_cache_destroy(&lookup->kfc_sos);
    lookup_so_cache_destroy(&lookup->aicpu_sos);
    lookup_free_dirs(lookup);
    free(lookup);
}

/* CANN preloads this library as an AICPU-type SO (LoadExtendKernelSo), so it also sits in the
 * AICPU SO cache under its basename, and RTLD_GLOBAL makes its kernels visible to the KFC
 * global-symbol fallback. */
uint32_t sim_lookup_preload_extend(sim_lookup_t *lookup, const char *extend_dir, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!lookup) {
        cmn_msg_add(msg, "preload of %s: no lookup state", SIM_EXTEND_KERNELS_NAME);
        return SIM_AE_BAD_PARAM;
    }
    char *dir = extend_dir && *extend_dir ? lookup_dir_string(extend_dir, NULL) : NULL;
    const char *use_dir = dir ? dir : lookup->extend_dir;
    uint32_t rc = LOOKUP_SUCCESS;
    pthread_mutex_lock(&lookup->aicpu_sos.fill_lock);
    if (!sim_strmap_find(&lookup->aicpu_sos.by_name, SIM_EXTEND_KERNELS_NAME)) {
        char path[PATH_MAX + 1];
        snprintf(path, sizeof path, "%s%s", use_dir, SIM_EXTEND_KERNELS_NAME);
        dlerror();
        void *handle = dlopen(path, RTLD_LAZY | RTLD_GLOBAL);
        lookup_so_t *so = handle ? lookup_so_new(handle) : NULL;
        if (!handle) {
            const char *dl_text = lookup_dlerror_text();
            cmn_msg_add(msg, "cannot preload %s", path);
            lookup_add_map_limit_note(dl_text, msg);
            cmn_msg_add(msg, ": %s", dl_text);
            rc = SIM_AE_OPEN_SO_FAILED;
        } else if (!so || sim_strmap_insert(&lookup->aicpu_sos.by_name, SIM_EXTEND_KERNELS_NAME,
                                            so) != 0) {
            cmn_msg_add(msg, "cannot preload %s: out of memory", path);
            if (so)
                lookup_so_free(so);
            else
                dlclose(handle);
            rc = SIM_AE_OPEN_SO_FAILED;
        }
    }
    pthread_mutex_unlock(&lookup->aicpu_sos.fill_lock);
    free(dir);
    return rc;
}

/* The AICPU and AICPU_CUSTOM path: name checks, the SO (from cache, else opened), the symbol. */
static uint32_t lookup_so_kernel(sim_lookup_t *lookup, lookup_so_cache_t *cache,
                                 const char *only_dir, const char *kind, const char *so_name,
                                 const char *kernel_name, sim_kernel_fn *fn, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!lookup || !fn) {
        cmn_msg_add(msg, "%s kernel lookup: no lookup state or result pointer", kind);
        return SIM_AE_BAD_PARAM;
    }
    if (!so_name || !kernel_name) {
        cmn_msg_add(msg, "%s kernel '%.*s' (SO '%.*s'): the %s name pointer is NULL", kind,
                    SIM_KERNEL_NAME_MAX, kernel_name ? kernel_name : "(null)", SIM_SO_NAME_MAX,
                    so_name ? so_name : "(null)", so_name ? "kernel" : "SO");
        return SIM_AE_BAD_PARAM;
    }
    char so_buf[SIM_SO_NAME_MAX + 1], kernel_buf[SIM_KERNEL_NAME_MAX + 1];
    const char *so = lookup_cut_name(so_name, SIM_SO_NAME_MAX, so_buf);
    const char *kernel = lookup_cut_name(kernel_name, SIM_KERNEL_NAME_MAX, kernel_buf);
    lookup_so_t *entry = NULL;
    uint32_t rc = lookup_load_so(lookup, cache, only_dir, kind, so, kernel, &entry, msg);
    void *addr = NULL;
    if (rc == LOOKUP_SUCCESS)
        rc = lookup_so_symbol(entry, kind, so, kernel, &addr, msg);
    if (rc == LOOKUP_SUCCESS)
        *fn = lookup_as_kernel(addr);
    return rc;
}

uint32_t sim_lookup_aicpu(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                          sim_kernel_fn *fn, cmn_msg_t *msg)
{
    return lookup_so_kernel(lookup, lookup ? &lookup->aicpu_sos : NULL, NULL, "AICPU", so_name,
                            kernel_name, fn, msg);
}

uint32_t sim_lookup_custom(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                           sim_kernel_fn *fn, cmn_msg_t *msg)
{
    return lookup_so_kernel(lookup, lookup ? &lookup->cust_sos : NULL,
                            lookup ? lookup->cust_dir : NULL, "AICPU_CUSTOM", so_name, kernel_name,
                            fn, msg);
}

/* AIKernelsLibAiCpuKFC::GetApiBySoname: the named SO through the KFC library's own SO manager
 * (same directory rules), then the global symbols; both failing is 11006. */
static uint32_t lookup_kfc_resolve(sim_lookup_t *lookup, const char *so_name, const char *kernel,
                                   void **addr, cmn_msg_t *msg)
{
    size_t so_len = so_name ? strnlen(so_name, SIM_SO_NAME_MAX + 1) : 0;
    if (so_len > SIM_SO_NAME_MAX) {
        cmn_msg_add(msg, "KFC kernel '%s': SO name '%.*s...' is longer than %d characters", kernel,
                    SIM_SO_NAME_MAX, so_name, SIM_SO_NAME_MAX);
    } else if (so_len > 0) {
        lookup_so_t *entry = NULL;
        uint32_t rc =
            lookup_load_so(lookup, &lookup->kfc_sos, NULL, "KFC", so_name, kernel, &entry, msg);
        if (rc == LOOKUP_SUCCESS)
            rc = lookup_so_symbol(entry, "KFC", so_name, kernel, addr, msg);
        if (rc == LOOKUP_SUCCESS)
            return LOOKUP_SUCCESS;
    } else {
        cmn_msg_add(msg, "KFC kernel '%s': no SO name", kernel);
    }
    dlerror();
    *addr = dlsym(RTLD_DEFAULT, kernel);
    if (*addr) {
        cmn_msg_clear(msg);
        return LOOKUP_SUCCESS;
    }
    cmn_msg_add(msg, "; not found among the global symbols either: %s", lookup_dlerror_text());
    return SIM_AE_INNER_ERROR;
}

uint32_t sim_lookup_kfc(sim_lookup_t *lookup, const char *so_name, const char *kernel_name,
                        sim_kernel_fn *fn, cmn_msg_t *msg)
{
    cmn_msg_clear(msg);
    if (!lookup || !fn) {
        cmn_msg_add(msg, "KFC kernel lookup: no lookup state or result pointer");
        return SIM_AE_BAD_PARAM;
    }
    if (!kernel_name) {
        cmn_msg_add(msg, "KFC kernel (SO '%.*s'): the kernel name pointer is NULL", SIM_SO_NAME_MAX,
                    so_name ? so_name : "(null)");
        return SIM_AE_BAD_PARAM;
    }
    if (strnlen(kernel_name, SIM_KERNEL_NAME_MAX + 1) > SIM_KERNEL_NAME_MAX) {
        cmn_msg_add(msg, "KFC kernel '%.*s...' (SO '%.*s'): name longer than %d characters",
                    SIM_KERNEL_NAME_MAX, kernel_name, SIM_SO_NAME_MAX, so_name ? so_name : "(null)",
                    SIM_KERNEL_NAME_MAX);
        return SIM_AE_INNER_ERROR;
    }
    void *addr = sim_strmap_find(&lookup->kfc_kernels, kernel_name);
    uint32_t rc = LOOKUP_SUCCESS;
    if (!addr) {
        pthread_mutex_lock(&lookup->kfc_fill_lock);
        addr = sim_strmap_find(&lookup->kfc_kernels, kernel_name);
        if (!addr) {
            rc = lookup_kfc_resolve(lookup, so_name, kernel_name, &addr, msg);
            /* Out of memory only leaves it uncached: the next launch resolves it again. */
            if (rc == LOOKUP_SUCCESS)
                (void)sim_strmap_insert(&lookup->kfc_kernels, kernel_name, addr);
        }
        pthread_mutex_unlock(&lookup->kfc_fill_lock);
    }
    if (rc == LOOKUP_SUCCESS)
        *fn = lookup_as_kernel(addr);
    return rc;
}
