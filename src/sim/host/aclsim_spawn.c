/* Starting and stopping a device's aicpu scheduler process, and the memory it shares with us.
 *
 * Device memory is a memfd (MAP_NORESERVE, so untouched memory costs nothing). This process
 * reserves an address range PROT_NONE and the scheduler maps the memfd at exactly that address,
 * so device addresses are the scheduler's and dereferencing one here faults, as on hardware; we
 * reach the memory through a second mapping. The scheduler is found beside this library
 * (<dir of libaclsim.so>/akl/akl-aicpu-scheduler, or $AKL_SIM_SCHEDULER) and started with
 * posix_spawn (never a bare fork in a possibly multithreaded host). It watches the control
 * socket: EOF means we are gone, however we died. A device of another architecture
 * (AKL_SIM_ARCH=aarch64) takes its files from akl/aarch64/ and runs its scheduler under qemu-user,
 * which runs the guest in its own process: the pid and pidfd we hold are the scheduler's, and its
 * exit status (a signal's too) is the guest's. */
#define _GNU_SOURCE
#include "aclsim_spawn.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_arch.h"
#include "sim_paths.h"
#include "aclsim_error.h"
#include "aclsim_proc.h"
#include "aclsim_state.h"
#include "aclsim_table.h"
#include "sim_held.h"

extern char **environ;

#define ACLSIM_SCHEDULER_FILE "akl-aicpu-scheduler"
/* Generous: a sanitizer build of the scheduler starts slowly and it may fsync files. */
#define ACLSIM_START_TIMEOUT_MS 60000
#define ACLSIM_STOP_TIMEOUT_MS 5000
#define ACLSIM_SPAWN_ATTEMPTS 8

static aclError aclsim_spawn_fail(aclsim_device_t *dev, const char *fmt, const char *detail)
{
    return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR, "aclrtSetDevice(%d): %s%s", (int)dev->id,
                       fmt, detail);
}

static aclError aclsim_mem_mb(aclsim_device_t *dev, size_t *mb)
{
    const char *text = getenv("AKL_SIM_DEVICE_MEM_MB");
    *mb = ACLSIM_DEFAULT_MEM_MB;
    if (!text || !*text)
        return ACL_SUCCESS;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < 1 || v > ACLSIM_MAX_MEM_MB)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID,
                           "aclrtSetDevice(%d): AKL_SIM_DEVICE_MEM_MB='%s' is not a number of "
                           "megabytes in 1..%d",
                           (int)dev->id, text, ACLSIM_MAX_MEM_MB);
    *mb = (size_t)v;
    return ACL_SUCCESS;
}

/* $env (when env is not NULL), else <directory of libaclsim.so>/akl/<file>, or
 * akl/<arch>/<file> for a device whose architecture is not the host's. */
static int aclsim_private_path(const char *env, const sim_arch_t *arch, const char *file, char *out,
                               size_t cap)
{
    const char *override = env ? getenv(env) : NULL;
    if (override && *override) {
        int n = snprintf(out, cap, "%s", override);
        return n > 0 && (size_t)n < cap ? 0 : -1;
    }
    Dl_info info;
    char self[PATH_MAX];
    if (!dladdr((void *)aclsim_private_path, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, self))
        return -1;
    int n = snprintf(out, cap, "%s/akl/%s%s%s", dirname(self), arch->foreign ? arch->name : "",
                     arch->foreign ? "/" : "", file);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Sizing a memfd counts against RLIMIT_FSIZE, and going past it raises SIGXFSZ, which would kill
 * the host: a limit below the device memory is refused with a message instead. */
static aclError aclsim_check_file_size_limit(aclsim_device_t *dev, size_t bytes)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        (uint64_t)limit.rlim_cur >= (uint64_t)bytes)
        return ACL_SUCCESS;
    return aclsim_fail(
        ACL_ERROR_RT_MEMORY_ALLOCATION,
        "aclrtSetDevice(%d): the simulated device memory (%zu bytes, shared through a "
        "memfd) is larger than this process's file-size limit (RLIMIT_FSIZE %llu "
        "bytes): raise the limit or lower AKL_SIM_DEVICE_MEM_MB",
        (int)dev->id, bytes, (unsigned long long)limit.rlim_cur);
}

static aclError aclsim_make_regions(aclsim_device_t *dev, int *arena_fd, int *ctl_fd)
{
    size_t mb;
    aclError rc = aclsim_mem_mb(dev, &mb);
    if (rc != ACL_SUCCESS)
        return rc;
    dev->mem_size = mb << 20;
    dev->arena_size = dev->mem_size + sched_args_region_size();
    size_t ctl_size = sched_ctl_size();
    rc = aclsim_check_file_size_limit(dev, dev->arena_size > ctl_size ? dev->arena_size : ctl_size);
    if (rc != ACL_SUCCESS)
        return rc;
    *arena_fd = memfd_create("akl-sim-device-memory", MFD_CLOEXEC);
    *ctl_fd = memfd_create("akl-sim-control", MFD_CLOEXEC);
    if (*arena_fd < 0 || *ctl_fd < 0 || ftruncate(*arena_fd, (off_t)dev->arena_size) != 0 ||
        ftruncate(*ctl_fd, (off_t)ctl_size) != 0)
        return aclsim_spawn_fail(dev, "cannot create the shared memory: ", strerror(errno));
    void *reserved =
        mmap(NULL, dev->arena_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *host = mmap(NULL, dev->arena_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                      *arena_fd, 0);
    void *ctl =
        mmap(NULL, ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, *ctl_fd, 0);
    dev->dev_base = reserved == MAP_FAILED ? NULL : reserved;
    dev->host_base = host == MAP_FAILED ? NULL : host;
    dev->ctl = ctl == MAP_FAILED ? NULL : ctl;
    if (!dev->dev_base || !dev->host_base || !dev->ctl)
        return aclsim_spawn_fail(dev, "cannot map the shared memory: ", strerror(errno));
    dev->ctl->magic = SCHED_SHM_MAGIC;
    dev->ctl->version = SCHED_SHM_VERSION;
    dev->ctl->max_streams = SCHED_MAX_STREAMS;
    return ACL_SUCCESS;
}

/* Inherited descriptors go to fixed numbers in two steps (first above every source, then down),
 * so that no dup2 overwrites a source that a later one still needs. Only stdin/stdout/stderr and
 * these three stay open in the scheduler. */
static void aclsim_spawn_fds(posix_spawn_file_actions_t *fa, const int src[3])
{
    int top = SCHED_FD_CTL;
    for (int i = 0; i < 3; i++)
        top = src[i] > top ? src[i] : top;
    for (int i = 0; i < 3; i++)
        posix_spawn_file_actions_adddup2(fa, src[i], top + 1 + i);
    for (int i = 0; i < 3; i++)
        posix_spawn_file_actions_adddup2(fa, top + 1 + i, SCHED_FD_SOCK + i);
    /* Nothing else of the host's (pipes, sockets) stays open in the device process. */
    posix_spawn_file_actions_addclosefrom_np(fa, SCHED_FD_CTL + 1);
}

/* A device of another architecture runs its scheduler under qemu-user. qemu is multi-threaded from
 * its start, so it cannot enter the namespace that gives device code the device's paths: the
 * native scheduler runs first as a stage that does, then execs the emulator (same process):
 *   <native scheduler> --ns-exec=<device> <qemu> [-L <sysroot>] <scheduler> <args...> */
typedef struct aclsim_emulated {
    sim_emulator_t emu;
    char stage[PATH_MAX];
    char ns_arg[32];
} aclsim_emulated_t;

static aclError aclsim_spawn_emulated(aclsim_device_t *dev, const sim_arch_t *arch,
                                      aclsim_emulated_t *e, char **argv, int *argc)
{
    char err[512];
    if (sim_arch_emulator(arch, &e->emu, CMN_MSG_ARRAY(err)) != 0)
        return aclsim_spawn_fail(dev, err, "");
    sim_arch_t host = sim_arch_host();
    if (aclsim_private_path(NULL, &host, ACLSIM_SCHEDULER_FILE, e->stage, sizeof e->stage) != 0 ||
        access(e->stage, X_OK) != 0)
        return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR,
                           "aclrtSetDevice(%d): the native aicpu scheduler '%s', which starts the "
                           "%s one, is not executable: %s",
                           (int)dev->id, e->stage, arch->name, strerror(errno));
    snprintf(e->ns_arg, sizeof e->ns_arg, "--ns-exec=%d", (int)dev->phys);
    argv[(*argc)++] = e->stage;
    argv[(*argc)++] = e->ns_arg;
    argv[(*argc)++] = e->emu.qemu;
    if (e->emu.sysroot[0]) {
        argv[(*argc)++] = "-L";
        argv[(*argc)++] = e->emu.sysroot;
    }
    return ACL_SUCCESS;
}

static aclError aclsim_spawn_process(aclsim_device_t *dev, int child_sock, int arena_fd, int ctl_fd)
{
    char sched_path[PATH_MAX], extend_path[PATH_MAX], why[512];
    sim_arch_t arch;
    if (sim_arch_get(&arch, CMN_MSG_ARRAY(why)) != 0)
        return aclsim_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtSetDevice(%d): %s", (int)dev->id, why);
    if (aclsim_private_path("AKL_SIM_SCHEDULER", &arch, ACLSIM_SCHEDULER_FILE, sched_path,
                            sizeof sched_path) != 0 ||
        aclsim_private_path("AKL_SIM_EXTEND_KERNELS", &arch, SIM_EXTEND_KERNELS_NAME, extend_path,
                            sizeof extend_path) != 0)
        return aclsim_spawn_fail(dev, "cannot locate the simulator's private directory", "");
    if (access(sched_path, X_OK) != 0)
        return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR,
                           "aclrtSetDevice(%d): %s aicpu scheduler '%s' is not executable: %s (set "
                           "AKL_SIM_SCHEDULER%s)",
                           (int)dev->id, arch.name, sched_path, strerror(errno),
                           arch.foreign ? ", or build akl with an aarch64 compiler" : "");
    aclsim_emulated_t emulated;
    char *argv[16];
    int argc = 0;
    if (arch.foreign) {
        aclError rc = aclsim_spawn_emulated(dev, &arch, &emulated, argv, &argc);
        if (rc != ACL_SUCCESS)
            return rc;
    }
    char a_dev[32], a_pid[32], a_base[48], a_size[48], a_ext[PATH_MAX + 16];
    snprintf(a_dev, sizeof a_dev, "--device=%d", (int)dev->phys); /* files and chip */
    snprintf(a_pid, sizeof a_pid, "--host-pid=%d", (int)getpid());
    snprintf(a_base, sizeof a_base, "--dev-base=%#lx", (unsigned long)(uintptr_t)dev->dev_base);
    snprintf(a_size, sizeof a_size, "--arena-size=%zu", dev->arena_size);
    snprintf(a_ext, sizeof a_ext, "--extend=%s", extend_path);
    char *sched_args[] = {sched_path, a_dev, a_pid, a_base, a_size, a_ext, NULL};
    for (size_t i = 0; i < sizeof sched_args / sizeof sched_args[0]; i++)
        argv[argc++] = sched_args[i];

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    int src[3] = {child_sock, arena_fd, ctl_fd};
    aclsim_spawn_fds(&fa, src);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (err != 0)
        return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR,
                           "aclrtSetDevice(%d): cannot start '%s': %s", (int)dev->id, argv[0],
                           strerror(err));
    dev->pid = pid;
    return aclsim_proc_watch(dev);
}

/* A scheduler's READY may carry a note (the device's own paths are unavailable); it is the same for
 * every scheduler of the process, so it is said once. The flag is the whole state "once" needs. */
static void aclsim_note_once(const sched_msg_t *msg)
{
    static atomic_bool said;
    if (msg->text[0] && !atomic_exchange(&said, true))
        fprintf(stderr, "akl simulator: %.*s\n", (int)sizeof msg->text, msg->text);
}

/* Waits for the scheduler's first message. *retry is set when it could not map device memory at
 * the reserved address, which another reservation may fix. */
static aclError aclsim_wait_ready(aclsim_device_t *dev, bool *retry)
{
    uint64_t deadline = cmn_now_ns() + (uint64_t)ACLSIM_START_TIMEOUT_MS * 1000000ULL;
    *retry = false;
    for (;;) {
        uint64_t now = cmn_now_ns();
        if (now >= deadline)
            return aclsim_spawn_fail(dev, "the aicpu scheduler did not start in time", "");
        struct pollfd pfd = {.fd = dev->sock, .events = POLLIN};
        int n = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
        if (n < 0 && errno != EINTR)
            return aclsim_spawn_fail(dev, "poll failed: ", strerror(errno));
        if (n <= 0)
            continue;
        sched_msg_t msg;
        ssize_t got = recv(dev->sock, &msg, sizeof msg, 0);
        if (got < 0 && errno == EINTR)
            continue; /* a signal for the host, not the end of the scheduler */
        if (got == (ssize_t)sizeof msg && msg.op == SCHED_OP_READY) {
            msg.text[sizeof msg.text - 1] = 0;
            aclsim_note_once(&msg);
            return ACL_SUCCESS;
        }
        if (got == (ssize_t)sizeof msg && msg.op == SCHED_OP_FAILED) {
            msg.text[sizeof msg.text - 1] = 0;
            *retry = msg.code == SCHED_FAIL_ADDRESS_TAKEN;
            return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR, "aclrtSetDevice(%d): %s",
                               (int)dev->id, msg.text);
        }
        if (got <= 0) {
            aclsim_device_check_alive(dev);
            return aclsim_spawn_fail(
                dev, "the aicpu scheduler died while starting: ", dev->ctl->dead_msg);
        }
    }
}

static aclError aclsim_spawn_once(aclsim_device_t *dev, bool *retry)
{
    int arena_fd = -1, ctl_fd = -1, socks[2] = {-1, -1};
    dev->pid = 0;
    dev->pidfd = -1;
    dev->sock = -1;
    *retry = false;
    aclError rc = aclsim_make_regions(dev, &arena_fd, &ctl_fd);
    if (rc == ACL_SUCCESS && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) != 0)
        rc = aclsim_spawn_fail(dev, "socketpair failed: ", strerror(errno));
    if (rc == ACL_SUCCESS) {
        dev->sock = socks[0];
        rc = aclsim_spawn_process(dev, socks[1], arena_fd, ctl_fd);
    }
    if (socks[1] >= 0)
        close(socks[1]);
    if (arena_fd >= 0)
        close(arena_fd);
    if (ctl_fd >= 0)
        close(ctl_fd);
    if (rc == ACL_SUCCESS)
        rc = aclsim_wait_ready(dev, retry);
    return rc;
}

/* The new process's own mappings (libraries, sanitizer regions) land at random addresses and can
 * cover the range reserved here; then another reservation is tried, keeping the failed ones until
 * the end so that the kernel does not hand the same range out again. */
aclError aclsim_spawn_start(aclsim_device_t *dev)
{
    void *failed[ACLSIM_SPAWN_ATTEMPTS];
    size_t failed_size = 0;
    int nfailed = 0;
    aclError rc;
    for (;;) {
        bool retry;
        rc = aclsim_spawn_once(dev, &retry);
        if (rc == ACL_SUCCESS)
            break;
        aclsim_spawn_halt(dev, false);
        if (retry && nfailed + 1 < ACLSIM_SPAWN_ATTEMPTS && dev->dev_base) {
            failed[nfailed++] = dev->dev_base;
            failed_size = dev->arena_size;
            dev->dev_base = NULL; /* stays reserved until we are done */
            aclsim_spawn_unmap(dev);
            continue;
        }
        aclsim_spawn_unmap(dev);
        break;
    }
    for (int i = 0; i < nfailed; i++)
        munmap(failed[i], failed_size);
    return rc;
}

void aclsim_spawn_halt(aclsim_device_t *dev, bool graceful)
{
    if (dev->pid <= 0)
        return;
    bool gone = false;
    if (graceful && dev->sock >= 0) {
        sched_msg_t msg;
        memset(&msg, 0, sizeof msg);
        msg.op = SCHED_OP_SHUTDOWN;
        pthread_mutex_lock(&dev->sock_lock);
        bool sent = send(dev->sock, &msg, sizeof msg, MSG_NOSIGNAL) == (ssize_t)sizeof msg;
        pthread_mutex_unlock(&dev->sock_lock);
        gone = sent && aclsim_proc_wait_exit(dev, ACLSIM_STOP_TIMEOUT_MS);
    }
    /* SIGKILL also ends a stopped process, so this wait cannot hang on one. */
    if (!gone)
        aclsim_proc_kill(dev);
    aclsim_proc_reap(dev);
    if (dev->ctl) {
        char text[SCHED_MSG_MAX];
        snprintf(text, sizeof text, "device %d was reset while in use", (int)dev->id);
        sched_mark_dead(dev->ctl, ACL_ERROR_RT_DRV_INTERNAL_ERROR, text);
    }
    dev->pid = 0;
}

void aclsim_spawn_unmap(aclsim_device_t *dev)
{
    assert(sim_rwlock_write_held(&dev->rw));
    if (dev->sock >= 0)
        close(dev->sock);
    if (dev->pidfd >= 0)
        close(dev->pidfd);
    dev->sock = dev->pidfd = -1;
    if (dev->host_base)
        munmap(dev->host_base, dev->arena_size);
    if (dev->dev_base)
        munmap(dev->dev_base, dev->arena_size);
    if (dev->ctl)
        munmap(dev->ctl, sched_ctl_size());
    dev->host_base = dev->dev_base = NULL;
    dev->ctl = NULL;
}

aclError aclsim_spawn_request(aclsim_device_t *dev, uint32_t op, uint32_t slot)
{
    sched_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.op = op;
    msg.slot = slot;
    pthread_mutex_lock(&dev->sock_lock);
    ssize_t n = send(dev->sock, &msg, sizeof msg, MSG_NOSIGNAL);
    if (n == (ssize_t)sizeof msg) {
        do {
            n = recv(dev->sock, &msg, sizeof msg, 0);
        } while (n < 0 && errno == EINTR);
    }
    pthread_mutex_unlock(&dev->sock_lock);
    if (n != (ssize_t)sizeof msg) {
        aclsim_device_check_alive(dev);
        return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR,
                           "device %d: the aicpu scheduler does not answer: %s", (int)dev->id,
                           aclsim_device_dead(dev) ? dev->ctl->dead_msg : "connection lost");
    }
    if (msg.op != SCHED_OP_ACK || msg.code != 0) {
        msg.text[sizeof msg.text - 1] = 0;
        return aclsim_fail(ACL_ERROR_RT_NO_STREAM_RESOURCE,
                           "device %d: the aicpu scheduler refused: %s", (int)dev->id, msg.text);
    }
    return ACL_SUCCESS;
}
