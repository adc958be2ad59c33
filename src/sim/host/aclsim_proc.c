/* Watching a device's aicpu scheduler process: has it exited (and how), waiting a bounded time for
 * it to exit, killing and reaping it.
 *
 * A pidfd (Linux 5.3+) is used where the kernel offers one: it cannot name a recycled pid. Where
 * pidfd_open is missing (older kernels, seccomp filters, valgrind) the fallback asks waitid with
 * WNOHANG | WNOWAIT, which works on any kernel libaclsim runs on (3.10+): the scheduler is our
 * child, so until we reap it its pid stays reserved for it, and WNOWAIT leaves the zombie for the
 * final reap. No SIGCHLD handler is installed, so nothing is taken from the application's own
 * child handling. $AKL_SIM_NO_PIDFD=1 forces the fallback (a test knob). */
#define _GNU_SOURCE
#include "aclsim_proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aclsim_error.h"
#include "aclsim_state.h"

/* How often the fallback looks at the process while waiting for it to exit. */
#define ACLSIM_PROC_POLL_NS 5000000L

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static bool aclsim_proc_pidfd_disabled(void)
{
    const char *knob = getenv("AKL_SIM_NO_PIDFD");
    return knob && strcmp(knob, "1") == 0;
}

aclError aclsim_proc_watch(aclsim_device_t *dev)
{
    dev->pidfd = -1;
    if (aclsim_proc_pidfd_disabled())
        return ACL_SUCCESS;
    int fd = (int)syscall(SYS_pidfd_open, dev->pid, 0);
    if (fd >= 0) {
        dev->pidfd = fd;
        return ACL_SUCCESS;
    }
    /* Missing (ENOSYS), filtered (EPERM) or not understood (EINVAL): fall back. Anything else is a
     * real failure to report, e.g. out of descriptors. */
    if (errno == ENOSYS || errno == EPERM || errno == EINVAL)
        return ACL_SUCCESS;
    return aclsim_fail(ACL_ERROR_RT_DRV_INTERNAL_ERROR, "aclrtSetDevice(%d): pidfd_open failed: %s",
                       (int)dev->id, strerror(errno));
}

bool aclsim_proc_exited(aclsim_device_t *dev, siginfo_t *info)
{
    memset(info, 0, sizeof *info);
    pid_t pid = dev->pid; /* read once: a concurrent reset sets it to 0 */
    if (pid <= 0)
        return true;
    if (dev->pidfd >= 0) {
        struct pollfd pfd = {.fd = dev->pidfd, .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            return false;
        waitid(P_PID, (id_t)pid, info, WEXITED | WNOHANG | WNOWAIT);
        return true;
    }
    if (waitid(P_PID, (id_t)pid, info, WEXITED | WNOHANG | WNOWAIT) == 0)
        return info->si_pid != 0;
    /* ECHILD: someone else reaped it (SIGCHLD ignored, or a waitpid(-1)): it is gone. */
    return errno != EINTR;
}

bool aclsim_proc_wait_exit(aclsim_device_t *dev, int timeout_ms)
{
    uint64_t deadline = cmn_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
    siginfo_t info;
    for (;;) {
        if (aclsim_proc_exited(dev, &info))
            return true;
        uint64_t now = cmn_now_ns();
        if (now >= deadline)
            return false;
        if (dev->pidfd >= 0) {
            struct pollfd pfd = {.fd = dev->pidfd, .events = POLLIN};
            poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
        } else {
            struct timespec nap = {0, ACLSIM_PROC_POLL_NS};
            nanosleep(&nap, NULL);
        }
    }
}

void aclsim_proc_kill(aclsim_device_t *dev)
{
    /* Read once: kill(0, ...) would signal our whole process group. */
    pid_t pid = dev->pid;
    if (pid <= 0)
        return;
    if (dev->pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, dev->pidfd, SIGKILL, NULL, 0);
        return;
    }
    /* Until it is reaped the pid is still our child's, so kill() cannot hit a stranger; once
     * someone else reaped it (waitid says so) it must not be signalled any more. */
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0)
        kill(pid, SIGKILL);
}

void aclsim_proc_reap(aclsim_device_t *dev)
{
    pid_t pid = dev->pid;
    int status;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}
