/* Crash reporting for the aicpu scheduler. A kernel that crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT) ends only this process, as on a device: an async-signal-safe handler records "kernel X
 * in SO Y block B crashed with signal N" as the stream's error and as the device's death reason,
 * wakes every host waiter, then lets the signal kill the process (with its default action, so the
 * exit status still names the signal). The handler runs on a per-thread alternate stack, so a
 * kernel that overflows its own stack is reported like any other crash. Also the parent-death
 * backstop: PR_SET_PDEATHSIG delivers SIGHUP when the spawning host *thread* exits, so the handler
 * exits only if the host process itself is gone. */
#define _GNU_SOURCE
#include "sched_crash.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "acl/error_codes/rt_error_codes.h"
#include "sched_block.h"
#include "msgbuf.h"

/* Room for the handler's frames, sanitizer interceptors included. */
#define SCHED_ALTSTACK_BYTES (128U * 1024U)

/* What a report needs: the device, its host and its control region. */
typedef struct sched_crash_site {
    int32_t device;
    pid_t host_pid;
    sched_ctl_t *ctl;
} sched_crash_site_t;

/* The one piece of global state: a signal handler has no other way to find the shared region. */
static sched_crash_site_t sched_crash_site;

typedef struct sched_text {
    char *buf;
    size_t len;
    size_t cap;
} sched_text_t;

static void sched_text_str(sched_text_t *t, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max && t->len + 1 < t->cap; i++)
        t->buf[t->len++] = s[i];
    t->buf[t->len] = 0;
}

static void sched_text_u32(sched_text_t *t, uint32_t v)
{
    char digits[11];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && t->len + 1 < t->cap)
        t->buf[t->len++] = digits[--n];
    t->buf[t->len] = 0;
}

static const char *sched_signal_name(int sig)
{
    static const char *const names[] = {[SIGSEGV] = "SIGSEGV",
                                        [SIGBUS] = "SIGBUS",
                                        [SIGILL] = "SIGILL",
                                        [SIGFPE] = "SIGFPE",
                                        [SIGABRT] = "SIGABRT"};
    const char *name = sig > 0 && sig < (int)(sizeof names / sizeof names[0]) ? names[sig] : NULL;
    return name ? name : "signal";
}

static void sched_crash_describe(sched_text_t *t, const sched_crash_site_t *site, int sig)
{
    uint32_t block = 0;
    const sched_task_ctx_t *ctx = sched_block_current(&block);
    sched_text_str(t, "device ", 16);
    sched_text_u32(t, (uint32_t)site->device);
    if (ctx) {
        sched_text_str(t, " stream ", 16);
        sched_text_u32(t, ctx->stream_slot);
        sched_text_str(t, ": kernel '", 16);
        sched_text_str(t, ctx->kernel, SIM_KERNEL_NAME_MAX);
        sched_text_str(t, "' in SO '", 16);
        sched_text_str(t, ctx->so ? ctx->so : "(null)", SIM_SO_NAME_MAX);
        sched_text_str(t, "' block ", 16);
        sched_text_u32(t, block);
        sched_text_str(t, " crashed", 16);
    } else {
        sched_text_str(t, ": the aicpu scheduler crashed outside any kernel", 64);
    }
    sched_text_str(t, " with signal ", 16);
    sched_text_u32(t, (uint32_t)sig);
    sched_text_str(t, " (", 4);
    sched_text_str(t, sched_signal_name(sig), 16);
    sched_text_str(t, "); the aicpu scheduler died, call aclrtResetDevice", 64);
}

/* Ends the process with sig's default action, now. */
static void sched_die_by(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void sched_crash_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)info;
    (void)uctx;
    /* Several blocks may crash at once: the first thread reports, the others wait for the process
     * to end, so that the report is complete before anything kills us. */
    static _Atomic pid_t reporter;
    pid_t self = (pid_t)syscall(SYS_gettid);
    pid_t none = 0;
    if (!atomic_compare_exchange_strong(&reporter, &none, self)) {
        if (none == self)
            sched_die_by(sig); /* crashed while reporting */
        for (;;)
            pause();
    }
    const sched_crash_site_t *site = &sched_crash_site;
    if (site->ctl) {
        char buf[SCHED_MSG_MAX];
        sched_text_t text = {buf, 0, sizeof buf};
        buf[0] = 0;
        sched_crash_describe(&text, site, sig);
        uint32_t block = 0;
        const sched_task_ctx_t *ctx = sched_block_current(&block);
        if (ctx)
            sched_record_error(&site->ctl->streams[ctx->stream_slot], ACL_ERROR_RT_AICPU_EXCEPTION,
                               0, buf);
        sched_mark_dead(site->ctl, ACL_ERROR_RT_DRV_INTERNAL_ERROR, buf);
    }
    sched_die_by(sig);
}

static void sched_parent_death_handler(int sig)
{
    (void)sig;
    if (sched_crash_site.ctl && getppid() != sched_crash_site.host_pid)
        _exit(0);
}

int sched_crash_install(int32_t device, pid_t host_pid, sched_ctl_t *ctl, cmn_msg_t *err)
{
    sched_crash_site = (sched_crash_site_t){.device = device, .host_pid = host_pid, .ctl = ctl};
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sched_crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        if (sigaction(fatal[i], &sa, NULL) != 0) {
            cmn_msg_set(err, "cannot install the handler for signal %d: %m", fatal[i]);
            return -1;
        }
    }
    struct sigaction hup;
    memset(&hup, 0, sizeof hup);
    hup.sa_handler = sched_parent_death_handler;
    hup.sa_flags = SA_RESTART;
    sigemptyset(&hup.sa_mask);
    if (sigaction(SIGHUP, &hup, NULL) != 0 || prctl(PR_SET_PDEATHSIG, SIGHUP) != 0) {
        cmn_msg_set(err, "cannot set the parent-death signal: %m");
        return -1;
    }
    /* The host may have died before prctl took effect. */
    if (getppid() != host_pid) {
        cmn_msg_set(err, "host process %d is gone", (int)host_pid);
        return -1;
    }
    return 0;
}

void sched_crash_thread_enter(sched_altstack_t *alt)
{
    alt->mem = malloc(SCHED_ALTSTACK_BYTES);
    stack_t ours = {.ss_sp = alt->mem, .ss_size = SCHED_ALTSTACK_BYTES, .ss_flags = 0};
    if (alt->mem && sigaltstack(&ours, &alt->previous) != 0) {
        free(alt->mem);
        alt->mem = NULL;
    }
}

void sched_crash_thread_leave(sched_altstack_t *alt)
{
    if (!alt->mem)
        return;
    sigaltstack(&alt->previous, NULL);
    free(alt->mem);
    alt->mem = NULL;
}
