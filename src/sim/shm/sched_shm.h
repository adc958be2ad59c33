/* The transport between libaclsim (host) and the aicpu scheduler process (device): the layout of
 * the shared control region, the task descriptors, the control-socket messages and the futex
 * helpers both sides use.
 *
 * Two memfds are shared. The control region (sched_ctl_t) holds, per stream, an SPSC ring of task
 * descriptors with its counters and first-error record; each side maps it wherever it likes and
 * uses offsets only. The device arena holds device memory followed by one argument ring per
 * stream; the scheduler maps it at the address the host reserved (so device addresses are the
 * scheduler's addresses) and the host maps it a second time elsewhere for its own access.
 *
 * Counters are 32-bit and wrap; compare them with sched_seq_before(). Every word that is waited on
 * across the two processes is a non-private futex. */
#ifndef AKL_SIM_SCHED_SHM_H
#define AKL_SIM_SCHED_SHM_H

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h" /* cmn_now_ns: the one monotonic clock */

#define SCHED_SHM_MAGIC 0x4d48534c4b41ULL /* "AKLSHM" */
#define SCHED_SHM_VERSION 4U

/* Streams per device, the default stream (slot 0) included. */
#define SCHED_MAX_STREAMS 256
/* Task descriptors per stream ring (a power of two). */
#define SCHED_RING_TASKS 1024U
/* Bytes of argument ring per stream, in the arena after device memory. Blobs larger than
 * SCHED_ARGS_INLINE_MAX take a temporary device allocation instead. */
#define SCHED_ARGS_RING_BYTES (256U * 1024U)
#define SCHED_ARGS_INLINE_MAX (64U * 1024U)
#define SCHED_ARGS_ALIGN 64U
#define SCHED_MSG_MAX 512
/* soNameAddrOffset meaning "no SO name" (CANN tests == 0xFFFFFFFF). */
#define SCHED_NO_NAME 0xFFFFFFFFU

/* How long either side spins on a shared word before it sleeps on the futex; a side whose peer last
 * ran on its own CPU does not spin at all (sched_spin_is_futile). */
#define SCHED_SPIN_NS 50000ULL
/* sched_this_cpu() when the CPU cannot be known. */
#define SCHED_CPU_UNKNOWN UINT32_MAX

/* Host threads per stream whose wait the stream thread can tell apart; more are woken at every
 * task, as if they waited for the next one. */
#define SCHED_WAIT_SLOTS 7
#define SCHED_WAIT_ARMED (UINT64_C(1) << 32)

/* File descriptors the scheduler inherits (fixed numbers, set up by posix_spawn). */
#define SCHED_FD_SOCK 3
#define SCHED_FD_ARENA 4
#define SCHED_FD_CTL 5

/* Exit status of a scheduler stopped by its watchdog (AICPU op timeout). */
#define SCHED_EXIT_TIMEOUT 17

typedef struct sched_task {
    uint64_t args_dev;     /* device address of the blob holding the names */
    uint32_t args_size;    /* bytes */
    uint32_t kernel_type;  /* KERNEL_TYPE_AICPU, _AICPU_CUSTOM or _AICPU_KFC */
    uint32_t num_blocks;   /* 1..0xFFFF */
    uint32_t so_off;       /* SO name offset in the blob, or SCHED_NO_NAME */
    uint32_t kernel_off;   /* kernel name offset in the blob */
    uint32_t timeout_ms;   /* 0: not timed */
    uint32_t names_shared; /* 1: the blob is caller-owned device memory, copy names first */
    uint32_t reserved0;
    /* What the kernel receives: args_dev for rtAicpuKernelLaunchExWithArgs; the argument copy plus
     * cpuParamHeadOffset for rtsLaunchCpuKernel (whose registered names may sit elsewhere). */
    uint64_t param_dev;
    uint32_t reserved[4];
} sched_task_t;
_Static_assert(sizeof(sched_task_t) == 64, "one task descriptor per cache line");

/* First-error record states (err_state). */
enum {
    SCHED_ERR_NONE = 0,
    SCHED_ERR_READY = 1,   /* fields valid, not yet reported to the host */
    SCHED_ERR_WRITING = 2, /* claimed by a writer on the device */
};

typedef struct sched_stream_shm {
    /* Producer (host) side. */
    _Alignas(64) _Atomic uint32_t tail; /* tasks published */
    _Atomic uint32_t producer_cpu;      /* the CPU of the host's last wake-up or wait */
    _Atomic uint32_t consumer_sleeping; /* 1 while the stream thread sleeps on doorbell */
    _Atomic uint32_t doorbell;          /* futex word the stream thread sleeps on */
    /* aclrtSetStreamFailureMode: 1 (ACL_STOP_ON_FAILURE) skips the tasks that follow a failed one
     * until a synchronize reports the failure. */
    _Atomic uint32_t stop_on_failure;
    /* Consumer (scheduler) side. */
    _Alignas(64) _Atomic uint32_t completed; /* tasks finished; futex word for host waiters */
    _Atomic uint32_t waiters;                /* host threads sleeping on completed */
    _Atomic uint32_t consumer_cpu;           /* the CPU the stream thread last woke up on */
    _Atomic uint32_t untargeted; /* of the waiters, those without a wait_target slot */
    /* The task running now: its number (stored last) and when its timeout expires (0: not
     * timed). The host enforces the timeout itself when the scheduler cannot (it is stopped). */
    _Atomic uint32_t running_seq;
    _Atomic uint64_t running_deadline_ns;
    /* What each sleeping host waiter waits for: SCHED_WAIT_ARMED | the task count it needs, or 0
     * (free). The stream thread wakes the waiters only when one of them is due. */
    _Alignas(64) _Atomic uint64_t wait_target[SCHED_WAIT_SLOTS];
    /* The stream's first unreported error. */
    _Alignas(64) _Atomic uint32_t err_state;
    int32_t err_code;     /* ACL code the synchronize returns (507018, 507017) */
    uint32_t err_devcode; /* device error code (11002, the kernel's value, ...) */
    char err_msg[SCHED_MSG_MAX];
    _Alignas(64) sched_task_t ring[SCHED_RING_TASKS];
} sched_stream_shm_t;

typedef struct sched_ctl {
    uint64_t magic;
    uint32_t version;
    uint32_t max_streams;
    /* Set once when the device dies (crash, timeout); the host also sets it when it finds the
     * scheduler gone. dead_msg is valid once dead is set. */
    _Alignas(64) _Atomic uint32_t dead;
    _Atomic uint32_t dead_claim;
    int32_t dead_code;
    char dead_msg[SCHED_MSG_MAX];
    sched_stream_shm_t streams[SCHED_MAX_STREAMS];
} sched_ctl_t;

/* Control-socket messages (SOCK_SEQPACKET, one struct per message). */
enum {
    SCHED_OP_READY = 1,        /* scheduler -> host: serving */
    SCHED_OP_FAILED = 2,       /* scheduler -> host: startup failed, text says why */
    SCHED_OP_STREAM_START = 3, /* host -> scheduler: start the thread of stream slot */
    SCHED_OP_STREAM_STOP = 4,  /* host -> scheduler: stop and join it */
    SCHED_OP_ACK = 5,          /* scheduler -> host: code 0 or an error with text */
    SCHED_OP_SHUTDOWN = 6,     /* host -> scheduler: stop everything and exit */
};

/* SCHED_OP_FAILED code: the reserved device address is taken in the new process (its own
 * libraries landed there); the host retries with another reservation. */
#define SCHED_FAIL_ADDRESS_TAKEN 1

typedef struct sched_msg {
    uint32_t op;
    uint32_t slot;
    int32_t code;
    uint32_t reserved;
    char text[SCHED_MSG_MAX];
} sched_msg_t;

static inline size_t sched_ctl_size(void)
{
    size_t page = 4096;
    return (sizeof(sched_ctl_t) + page - 1) / page * page;
}

static inline size_t sched_args_region_size(void)
{
    return (size_t)SCHED_MAX_STREAMS * SCHED_ARGS_RING_BYTES;
}

/* True when counter a is before b (wrap-around safe). */
static inline bool sched_seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline void sched_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* A host thread about to sleep until completed reaches target says so, before it counts itself in
 * waiters. Returns its slot, or -1 when all are taken (it is then woken at every task). */
static inline int sched_wait_announce(sched_stream_shm_t *shm, uint32_t target)
{
    for (int i = 0; i < SCHED_WAIT_SLOTS; i++) {
        uint64_t free_slot = 0;
        if (atomic_compare_exchange_strong(&shm->wait_target[i], &free_slot,
                                           SCHED_WAIT_ARMED | target))
            return i;
    }
    atomic_fetch_add(&shm->untargeted, 1);
    return -1;
}

static inline void sched_wait_retire(sched_stream_shm_t *shm, int slot)
{
    if (slot >= 0)
        atomic_store(&shm->wait_target[slot], 0);
    else
        atomic_fetch_sub(&shm->untargeted, 1);
}

/* After completed became done: is a sleeping waiter due? Waking one that is not would only send
 * it back to sleep, at the cost of two context switches per task of a long queue. */
static inline bool sched_waiter_due(sched_stream_shm_t *shm, uint32_t done)
{
    if (atomic_load(&shm->waiters) == 0)
        return false;
    if (atomic_load(&shm->untargeted) != 0)
        return true;
    for (int i = 0; i < SCHED_WAIT_SLOTS; i++) {
        uint64_t w = atomic_load(&shm->wait_target[i]);
        if ((w & SCHED_WAIT_ARMED) && !sched_seq_before(done, (uint32_t)w))
            return true;
    }
    return false;
}

/* The CPU the calling thread runs on now (it may move at any time), or SCHED_CPU_UNKNOWN. */
uint32_t sched_this_cpu(void);

/* Records where this side runs, for the peer's sched_spin_is_futile. */
static inline void sched_note_cpu(_Atomic uint32_t *mine)
{
    atomic_store_explicit(mine, sched_this_cpu(), memory_order_relaxed);
}

/* Spinning for a peer only helps while the peer runs on another CPU. A peer that last ran on the
 * CPU we spin on is most likely waiting for it (woken or preempted there: kernels that pack tasks
 * onto few CPUs do this to a scheduler and its host even when another CPU is idle), and our spin
 * only delays it by the whole spin. A wrong guess costs one futex wake-up, never correctness. */
static inline bool sched_spin_is_futile(const _Atomic uint32_t *peer_cpu)
{
    uint32_t me = sched_this_cpu();
    return me != SCHED_CPU_UNKNOWN && atomic_load_explicit(peer_cpu, memory_order_relaxed) == me;
}

/* Cross-process futex wait on a shared word: returns when *word != expected, on a wake, or after
 * timeout_ns (0: no timeout). Spurious returns are fine: callers re-check their condition. */
static inline void sched_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000ULL);
        ts.tv_nsec = (long)(timeout_ns % 1000000000ULL);
        tsp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, tsp, NULL, 0);
}

static inline void sched_futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Copies a NUL-terminated text into dst (always terminated, cut to cap). Async-signal-safe. */
static inline void sched_copy_text(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* Records the stream's first unreported error; a later one is dropped until the host has taken
 * it. Returns true if this error was recorded. Async-signal-safe. */
static inline bool sched_record_error(sched_stream_shm_t *shm, int32_t code, uint32_t devcode,
                                      const char *text)
{
    uint32_t expected = SCHED_ERR_NONE;
    if (!atomic_compare_exchange_strong(&shm->err_state, &expected, SCHED_ERR_WRITING))
        return false;
    shm->err_code = code;
    shm->err_devcode = devcode;
    sched_copy_text(shm->err_msg, sizeof shm->err_msg, text);
    atomic_store_explicit(&shm->err_state, SCHED_ERR_READY, memory_order_release);
    return true;
}

/* Wakes every host thread waiting on any stream of the device. Async-signal-safe. */
static inline void sched_wake_all(sched_ctl_t *ctl)
{
    for (uint32_t i = 0; i < SCHED_MAX_STREAMS; i++)
        sched_futex_wake(&ctl->streams[i].completed);
}

/* Marks the device dead with the code later calls return and the reason; the first caller's
 * reason wins. Wakes all waiters. Async-signal-safe. */
static inline void sched_mark_dead(sched_ctl_t *ctl, int32_t code, const char *text)
{
    uint32_t expected = 0;
    if (atomic_compare_exchange_strong(&ctl->dead_claim, &expected, 1)) {
        ctl->dead_code = code;
        sched_copy_text(ctl->dead_msg, sizeof ctl->dead_msg, text);
        atomic_store_explicit(&ctl->dead, 1, memory_order_release);
    }
    sched_wake_all(ctl);
}

#endif /* AKL_SIM_SCHED_SHM_H */
