/* The simulated device's aicpu scheduler process (one per host process and device), started by
 * libaclsim's aclrtSetDevice. It maps device memory at the address the host reserved for it,
 * prepares the chip's filesystem (and an empty custom-kernel directory for its host process),
 * starts the device-side CANN services (DlogRecord, halGetDeviceInfo) with the device log file,
 * exports ASCEND_AICPU_KERNEL_PATH, preloads the extend kernels, starts its stream threads, worker
 * pool and watchdog, then serves the host's control socket. It exits when told to, and at once
 * when the socket reports that the host is gone, removing its host's custom-kernel directory
 * either way.
 *
 * Usage (by libaclsim only): akl-aicpu-scheduler --device=N --host-pid=P --dev-base=0xADDR
 *   --arena-size=BYTES --extend=PATH, with the control socket, the arena memfd and the control
 *   memfd inherited as descriptors 3, 4 and 5. */
#define _GNU_SOURCE
#include "sched_install.h"
#include "sched_crash.h"
#include "sched_ns.h"
#include "sched_state.h"
#include "sched_stream.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services_setup.h"
#include "msgbuf.h"
#include "sim_paths.h"

#define SCHED_COMM "akl-aicpu-sched"

typedef struct sched_args {
    int32_t device;
    pid_t host_pid;
    uintptr_t dev_base;
    size_t arena_size;
    const char *extend;
} sched_args_t;

static bool sched_parse_u64(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static int sched_parse_args(int argc, char **argv, sched_args_t *a, cmn_msg_t *err)
{
    uint64_t device = UINT64_MAX, pid = 0, base = 0, size = 0;
    a->extend = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool ok = true;
        if (strncmp(arg, "--device=", 9) == 0)
            ok = sched_parse_u64(arg + 9, &device);
        else if (strncmp(arg, "--host-pid=", 11) == 0)
            ok = sched_parse_u64(arg + 11, &pid);
        else if (strncmp(arg, "--dev-base=", 11) == 0)
            ok = sched_parse_u64(arg + 11, &base);
        else if (strncmp(arg, "--arena-size=", 13) == 0)
            ok = sched_parse_u64(arg + 13, &size);
        else if (strncmp(arg, "--extend=", 9) == 0)
            a->extend = arg + 9;
        else
            ok = false;
        if (!ok) {
            cmn_msg_set(err, "bad argument '%s'", arg);
            return -1;
        }
    }
    if (device > INT32_MAX || pid == 0 || pid > INT32_MAX || base == 0 || size == 0 || !a->extend) {
        cmn_msg_set(err, "missing or invalid --device, --host-pid, --dev-base, --arena-size or "
                         "--extend");
        return -1;
    }
    a->device = (int32_t)device;
    a->host_pid = (pid_t)pid;
    a->dev_base = (uintptr_t)base;
    a->arena_size = (size_t)size;
    return 0;
}

/* The AICPU user cores of a die (docs/cann-facts.md §5.4): the worker threads that run a task's
 * blocks. */
static int sched_aicpu_threads(cmn_msg_t *err)
{
    const char *text = getenv("AKL_SIM_AICPU_THREADS");
    uint32_t n;
    if (!sim_aicpu_cores_parse(text, &n)) {
        cmn_msg_set(err, "AKL_SIM_AICPU_THREADS='%s' is not a number in 1..%d", text,
                    SIM_SERVICES_MAX_AICPU_CORES);
        return -1;
    }
    return (int)n;
}

/* Device memory at exactly the host's reserved address, so device pointers are ours. */
static int sched_map_memory(sched_state_t *st, const sched_args_t *a, cmn_msg_t *err)
{
    void *want = (void *)a->dev_base;
    void *got = mmap(want, a->arena_size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, SCHED_FD_ARENA, 0);
    if (got == MAP_FAILED || got != want) {
        st->address_taken = got != MAP_FAILED || errno == EEXIST;
        cmn_msg_set(err, "cannot map %zu bytes of device memory at %p: %s", a->arena_size, want,
                    got == MAP_FAILED ? strerror(errno) : "address taken");
        if (got != MAP_FAILED)
            munmap(got, a->arena_size);
        return -1;
    }
    st->arena = got;
    st->arena_size = a->arena_size;
    st->ctl_size = sched_ctl_size();
    struct stat sb;
    if (fstat(SCHED_FD_CTL, &sb) != 0 || (size_t)sb.st_size != st->ctl_size) {
        cmn_msg_set(err, "control region has the wrong size (host and scheduler builds differ?)");
        return -1;
    }
    void *ctl = mmap(NULL, st->ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                     SCHED_FD_CTL, 0);
    if (ctl == MAP_FAILED) {
        cmn_msg_set(err, "cannot map the control region: %s", strerror(errno));
        return -1;
    }
    st->ctl = ctl;
    if (st->ctl->magic != SCHED_SHM_MAGIC || st->ctl->version != SCHED_SHM_VERSION) {
        cmn_msg_set(err, "control region has the wrong version (host and scheduler differ)");
        return -1;
    }
    close(SCHED_FD_ARENA);
    close(SCHED_FD_CTL);
    return 0;
}

/* The services every kernel may call from its first line on, so they start before any preload. */
static int sched_start_services(const sched_state_t *st, int threads, cmn_msg_t *err)
{
    char log_path[SIM_PATH_MAX], why[SCHED_MSG_MAX];
    if (sim_services_log_path(st->device, log_path, sizeof log_path) != 0) {
        cmn_msg_set(err, "the device log path does not fit in %d bytes", SIM_PATH_MAX);
        return -1;
    }
    if (sim_services_start(st->device, log_path, (uint32_t)threads, CMN_MSG_ARRAY(why)) != 0) {
        cmn_msg_set(err, "cannot start the device services: %s", why);
        return -1;
    }
    return 0;
}

/* AKL_SIM_EXTEND_PACKAGE=absent: an earlier scheduler's copy goes too, so the chip's files say what
 * the device has. */
static void sched_remove_extend_package(const char *extend_dir)
{
    char path[SIM_PATH_MAX + sizeof SIM_EXTEND_KERNELS_NAME + 1];
    snprintf(path, sizeof path, "%s/%s", extend_dir, SIM_EXTEND_KERNELS_NAME);
    unlink(path);
}

/* The chip's filesystem, ASCEND_AICPU_KERNEL_PATH and the kernel lookup with its preloads. A
 * custom-kernel directory left by an earlier host process with our host's pid is emptied: its
 * SOs were never published to us. */
static int sched_prepare_device(sched_state_t *st, const sched_args_t *a, int threads,
                                cmn_msg_t *err)
{
    char preinstall[SIM_PATH_MAX], extend_dir[SIM_PATH_MAX], chip_root[SIM_PATH_MAX];
    sched_install_t install;
    if (sched_install_read(&install, err) != 0)
        return -1;
    if (sim_fs_prepare(a->device, install.extend_package ? a->extend : NULL, err) != 0)
        return -1;
    sim_cust_remove(a->device, (uint32_t)a->host_pid);
    if (sched_start_services(st, threads, err) != 0)
        return -1;
    if (sim_preinstall_dir(a->device, preinstall, sizeof preinstall) != 0 ||
        sim_extend_dir(a->device, extend_dir, sizeof extend_dir) != 0 ||
        sim_chip_root(a->device, chip_root, sizeof chip_root) != 0) {
        cmn_msg_set(err, "the device's directories do not fit in %d bytes", SIM_PATH_MAX);
        return -1;
    }
    if (sched_install_apply_preinstall(&install, preinstall, err) != 0)
        return -1;
    if (!install.extend_package)
        sched_remove_extend_package(extend_dir);
    /* After the log is open (its path may lie below a directory the namespace covers) and the
     * install variant is applied (a read-only preinstall mount is carried into the device's
     * paths), while still single-threaded: no worker is started yet. */
    sched_ns_enter(a->device, CMN_MSG_ARRAY(st->ns_note));
    if (setenv("ASCEND_AICPU_KERNEL_PATH", preinstall, 1) != 0) {
        cmn_msg_set(err, "cannot set ASCEND_AICPU_KERNEL_PATH: %s", strerror(errno));
        return -1;
    }
    st->lookup = sim_lookup_create(a->device, chip_root, preinstall, (uint32_t)a->host_pid);
    if (!st->lookup) {
        cmn_msg_set(err, "out of memory creating the kernel lookup");
        return -1;
    }
    char msg[SCHED_MSG_MAX];
    if (install.extend_package &&
        sim_lookup_preload_extend(st->lookup, extend_dir, CMN_MSG_ARRAY(msg)) != 0) {
        cmn_msg_set(err, "cannot preload %s from %s: %s", SIM_EXTEND_KERNELS_NAME, extend_dir, msg);
        return -1;
    }
    return 0;
}

static int sched_start(sched_state_t *st, const sched_args_t *a, cmn_msg_t *err)
{
    st->device = a->device;
    st->host_pid = a->host_pid;
    st->sock = SCHED_FD_SOCK;
    if (sched_map_memory(st, a, err) != 0 ||
        sched_crash_install(st->device, st->host_pid, st->ctl, err) != 0)
        return -1;
    int threads = sched_aicpu_threads(err);
    if (threads < 0 || sched_prepare_device(st, a, threads, err) != 0 ||
        sched_pool_start(&st->pool, threads, err) != 0)
        return -1;
    if (sched_watchdog_start(&st->watchdog, st->device, st->ctl, err) != 0 ||
        sched_stream_start(st, 0, err) != 0)
        return -1;
    return 0;
}

static void sched_send(int sock, uint32_t op, uint32_t slot, int32_t code, const char *text)
{
    sched_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.op = op;
    msg.slot = slot;
    msg.code = code;
    sched_copy_text(msg.text, sizeof msg.text, text);
    send(sock, &msg, sizeof msg, MSG_NOSIGNAL);
}

/* Serves control messages until told to shut down. The host's death closes the socket: then
 * nothing is waited for, whatever kernels still run. */
static void sched_serve(sched_state_t *st)
{
    for (;;) {
        sched_msg_t msg;
        ssize_t n = recv(st->sock, &msg, sizeof msg, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sim_cust_remove(st->device, (uint32_t)st->host_pid);
            _exit(0);
        }
        if ((size_t)n != sizeof msg)
            continue;
        char text[SCHED_MSG_MAX] = "";
        switch (msg.op) {
        case SCHED_OP_STREAM_START:
            sched_send(st->sock, SCHED_OP_ACK, msg.slot,
                       sched_stream_start(st, msg.slot, CMN_MSG_ARRAY(text)) ? -1 : 0, text);
            break;
        case SCHED_OP_STREAM_STOP:
            if (msg.slot < SCHED_MAX_STREAMS && msg.slot != 0)
                sched_stream_stop(st, msg.slot);
            sched_send(st->sock, SCHED_OP_ACK, msg.slot, 0, "");
            break;
        case SCHED_OP_SHUTDOWN:
            return;
        default:
            sched_send(st->sock, SCHED_OP_ACK, msg.slot, -1, "unknown request");
            break;
        }
    }
}

static void sched_shutdown(sched_state_t *st)
{
    sched_stream_stop_all(st);
    sched_watchdog_stop(&st->watchdog);
    if (st->pool.threads)
        sched_pool_stop(&st->pool);
    if (st->lookup)
        sim_lookup_destroy(st->lookup);
    sim_services_fini();
    if (st->host_pid > 0)
        sim_cust_remove(st->device, (uint32_t)st->host_pid);
    if (st->ctl)
        munmap(st->ctl, st->ctl_size);
    if (st->arena)
        munmap(st->arena, st->arena_size);
}

int main(int argc, char **argv)
{
    uint64_t ns_device;
    if (argc >= 3 && strncmp(argv[1], "--ns-exec=", 10) == 0 &&
        sched_parse_u64(argv[1] + 10, &ns_device) && ns_device <= INT32_MAX)
        return sched_ns_exec((int32_t)ns_device, argv + 2);
    prctl(PR_SET_NAME, SCHED_COMM);
    /* A file-size limit must fail the write (EFBIG, reported by whoever wrote), not kill the
     * device: the dispatcher then says which publish hit the limit. */
    signal(SIGXFSZ, SIG_IGN);
    static sched_state_t state;
    sched_args_t args = {.device = -1};
    char why[SCHED_MSG_MAX] = "";
    cmn_msg_t err = cmn_msg_start(why, sizeof why);
    if (sched_parse_args(argc, argv, &args, &err) != 0 || sched_start(&state, &args, &err) != 0) {
        char text[SCHED_MSG_MAX + 64];
        snprintf(text, sizeof text, "aicpu scheduler of device %d failed to start: %s", args.device,
                 why);
        sched_send(SCHED_FD_SOCK, SCHED_OP_FAILED, 0,
                   state.address_taken ? SCHED_FAIL_ADDRESS_TAKEN : -1, text);
        sched_shutdown(&state);
        return 1;
    }
    sched_send(state.sock, SCHED_OP_READY, 0, 0, state.ns_note);
    sched_serve(&state);
    sched_shutdown(&state);
    return 0;
}
