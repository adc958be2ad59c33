/* libaclsim's internal state and the interfaces between its parts: errors (aclsim_error.c), the
 * per-process device table and scheduler processes (aclsim_device.c, aclsim_spawn.c), device
 * memory (aclsim_mem.c), streams and waiting (aclsim_stream.c), the launch (aclsim_blob.c,
 * aclsim_launch.c), Mode B (aclsim_rts.c) and the custom-kernel SOs it sends to devices
 * (aclsim_cust.c). */
#ifndef AKL_SIM_ACLSIM_INTERNAL_H
#define AKL_SIM_ACLSIM_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "acl/acl.h"
#include "runtime/rt.h"
#include "sched_shm.h"

/* sim_paths.h allows at most 1024 devices. */
#define ACLSIM_MAX_DEVICES 1024
#define ACLSIM_DEFAULT_MEM_MB 1024
#define ACLSIM_MAX_MEM_MB (64 * 1024)
#define ACLSIM_MSG_MAX 1024
/* aclrtGetSocName: an a2 (910B) die, whose AICPU layout the simulator models. */
#define ACLSIM_SOC_NAME "Ascend910B1"
/* How often a waiter checks that the scheduler process is still alive. */
#define ACLSIM_LIVENESS_NS 50000000ULL
/* How long after a timed task's deadline the host stops waiting for the scheduler's own watchdog
 * and times the task out itself (docs/simulator.md, Failures). */
#define ACLSIM_TIMEOUT_GRACE_NS 2000000000ULL
/* aicpu-sd's "task execute timeout" errcode, as the scheduler's watchdog reports it. */
#define ACLSIM_DEVCODE_TIMEOUT 21007U

/* A temporary device allocation holding a large argument blob until its task completes. */
typedef struct aclsim_big_args {
    uint32_t done_at; /* the task is complete once completed reaches this */
    size_t offset;    /* allocation offset in device memory */
} aclsim_big_args_t;

typedef struct aclsim_stream {
    pthread_mutex_t lock;   /* serialises producers: the ring is single-producer */
    _Atomic uint32_t users; /* threads between aclsim_stream_resolve and aclsim_stream_put */
    uint32_t slot;
    uint16_t gen;
    sched_stream_shm_t *shm;
    uint32_t tail;                         /* tasks published (the producer's copy of shm->tail) */
    uint64_t args_pos;                     /* bytes ever allocated from the argument ring */
    char *args_host;                       /* the argument ring, host view */
    uint64_t args_dev;                     /* the argument ring, device address */
    uint64_t args_start[SCHED_RING_TASKS]; /* args_pos before each task's blob, by ring index */
    aclsim_big_args_t *big;
    size_t nbig, capbig;
} aclsim_stream_t;

/* One live allocation: [offset, offset + size) of device memory is taken, of which the caller
 * asked for (and may access) the first `requested` bytes. */
typedef struct aclsim_alloc {
    size_t offset;
    size_t size;
    size_t requested;
} aclsim_alloc_t;

/* One CPU kernel SO sent to a device's custom-kernel directory (Mode B, cpuKernelMode 1 or 2). */
typedef struct aclsim_cust_so {
    char name[101];       /* the device's SO-name limit is 100 */
    uint64_t fingerprint; /* XXH3-64 of the bytes */
    size_t size;
    bool on_disk;    /* the file is there; cleared once the last binary using it is unloaded */
    uint64_t *users; /* handles of the loaded binaries that launched from it on this device */
    size_t nusers, capusers;
} aclsim_cust_so_t;

typedef struct aclsim_device {
    int32_t id;   /* logical: what the application passes (an index in the visible list) */
    int32_t phys; /* physical: names the scheduler's files and picks its chip */
    /* Readers: every call that uses the device. Writer: start, teardown, stream create/destroy. */
    pthread_rwlock_t rw;
    pthread_mutex_t sock_lock;  /* one request/reply on the control socket at a time */
    pthread_mutex_t alloc_lock; /* the allocator */
    int refs;                   /* aclrtSetDevice calls not yet reset (under the table lock) */
    _Atomic bool up;
    pid_t pid;
    int pidfd;
    int sock;
    char *dev_base;    /* reserved PROT_NONE in this process: device addresses */
    char *host_base;   /* the same memory, mapped for this process */
    size_t mem_size;   /* allocatable device memory */
    size_t arena_size; /* mem_size + argument rings */
    sched_ctl_t *ctl;
    aclsim_alloc_t *allocs; /* sorted by offset */
    size_t nallocs, capallocs;
    size_t used;
    /* The live streams, published with release once complete. Creating and destroying a stream
     * need only the read lock plus streams_lock, so neither waits for another thread's
     * synchronize: a destroy unlinks the stream, then waits for its users to drain. */
    aclsim_stream_t *_Atomic streams[SCHED_MAX_STREAMS];
    /* Every stream struct made in a slot, reused by the slot's next stream and freed only at
     * teardown (under the write lock), so a thread holding a stale pointer never touches freed
     * memory. */
    aclsim_stream_t *stream_mem[SCHED_MAX_STREAMS];
    uint16_t gens[SCHED_MAX_STREAMS];
    pthread_mutex_t streams_lock; /* serialises stream creation and destruction */
    /* Every SO name sent to this scheduler's custom directory, kept until the device is reset
     * (the scheduler caches SOs by name for its whole life). Guarded by cust_lock. */
    pthread_mutex_t cust_lock;
    aclsim_cust_so_t *cust;
    size_t ncust, capcust;
} aclsim_device_t;

/* The per-process device state the design names: the device table, guarded by lock. */
typedef struct aclsim_state {
    pthread_mutex_t lock;
    bool initialized;
    _Atomic uint64_t op_timeout_ms; /* aclrtSetOpExecuteTimeOut[WithMs]; 0: none */
    aclsim_device_t *_Atomic devices[ACLSIM_MAX_DEVICES];
} aclsim_state_t;

extern aclsim_state_t aclsim_state;

/* Not CANN's: the ELF e_machine of the simulated device (AKL_SIM_ARCH; default the host's), or 0
 * (EM_NONE) when AKL_SIM_ARCH is invalid. libakl asks it (by dlsym) to pick the dispatcher it
 * uploads and the machine it checks runtime SOs against. */
__attribute__((visibility("default"))) uint16_t aclsimGetDeviceMachine(void);

/* aclsim_error.c: the calling thread's message for aclGetRecentErrMsg. */
__attribute__((format(printf, 2, 3))) aclError aclsim_fail(aclError code, const char *fmt, ...);
void aclsim_set_msg(const char *text);

/* aclsim_visible.c: ASCEND_RT_VISIBLE_DEVICES. The number of visible devices, or 207004 with a
 * message when the list is invalid. */
aclError aclsim_visible_count(const char *call, int32_t *count);
/* The physical device behind logical id: 0, 107001 (not visible) or 207004 (invalid list). */
aclError aclsim_visible_physical(const char *call, int32_t logical, int32_t *physical);

/* aclsim_device.c */
int32_t aclsim_current_id(void);
void aclsim_set_current_id(int32_t id);
/* Read-locks device id if it is up; returns 0, or 107002 (not set) / 507899 (dead) with a
 * message. On success the caller must aclsim_device_release(). */
aclError aclsim_device_acquire(int32_t id, aclsim_device_t **out);
/* aclsim_device_acquire on the calling thread's current device (107002 if it has none). */
aclError aclsim_device_acquire_current(aclsim_device_t **out);
/* As above, but a dead device is acquired too (for synchronizes, which report the task's own
 * error before the device's death). */
aclError aclsim_device_acquire_any(int32_t id, aclsim_device_t **out);
aclError aclsim_device_acquire_current_any(aclsim_device_t **out);
void aclsim_device_release(aclsim_device_t *dev);
bool aclsim_device_dead(aclsim_device_t *dev);
/* 507899 with the device's death reason. */
aclError aclsim_device_dead_error(aclsim_device_t *dev);
/* Marks the device dead if its scheduler process has exited (a system call: call it rarely). */
void aclsim_device_check_alive(aclsim_device_t *dev);

/* aclsim_spawn.c: the scheduler process and the shared regions. */
aclError aclsim_spawn_start(aclsim_device_t *dev);
/* Ends the scheduler process (gracefully when asked, by SIGKILL if it does not go in time), reaps
 * it and marks the device dead so that every waiter lets go. Idempotent. */
void aclsim_spawn_halt(aclsim_device_t *dev, bool graceful);
/* Closes the descriptors and unmaps the shared regions of a halted device (write lock held). */
void aclsim_spawn_unmap(aclsim_device_t *dev);
/* Sends one control request and waits for its acknowledgement. */
aclError aclsim_spawn_request(aclsim_device_t *dev, uint32_t op, uint32_t slot);

/* aclsim_proc.c: watching the scheduler process (a pidfd where the kernel has pidfd_open, else
 * waitid polling). */
/* Starts watching dev->pid: 0, or 507899 with a message. */
aclError aclsim_proc_watch(aclsim_device_t *dev);
/* True once the scheduler has exited (info: how, when still known); never blocks. */
bool aclsim_proc_exited(aclsim_device_t *dev, siginfo_t *info);
/* Waits up to timeout_ms for the scheduler to exit; true if it did. */
bool aclsim_proc_wait_exit(aclsim_device_t *dev, int timeout_ms);
/* SIGKILLs the scheduler (a stopped one too) unless it is gone. */
void aclsim_proc_kill(aclsim_device_t *dev);
/* Reaps the scheduler; returns at once if someone else already did. */
void aclsim_proc_reap(aclsim_device_t *dev);

/* aclsim_mem.c (callers hold the device's read lock) */
aclError aclsim_mem_alloc(aclsim_device_t *dev, size_t size, size_t *offset);
aclError aclsim_mem_free(aclsim_device_t *dev, size_t offset);
/* True if [ptr, ptr+len) lies inside one live allocation of dev. */
bool aclsim_mem_range_ok(aclsim_device_t *dev, uintptr_t ptr, size_t len);
void aclsim_mem_reset(aclsim_device_t *dev);
/* Makes room for one more element in a growing array (*items, *cap elements of elem_size, count
 * in use), doubling from first_cap. False on out of memory, with the array untouched. */
static inline bool aclsim_grow(void *items, size_t *cap, size_t count, size_t elem_size,
                               size_t first_cap)
{
    if (count < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : first_cap;
    void *old; /* items points at a T *, read and written as bytes to respect aliasing rules */
    memcpy(&old, items, sizeof old);
    void *grown = realloc(old, want * elem_size);
    if (!grown)
        return false;
    memcpy(items, &grown, sizeof grown);
    *cap = want;
    return true;
}

static inline bool aclsim_is_device_addr(const aclsim_device_t *dev, uintptr_t p)
{
    return p >= (uintptr_t)dev->dev_base && p - (uintptr_t)dev->dev_base < dev->arena_size;
}
static inline void *aclsim_host_view(const aclsim_device_t *dev, uintptr_t dev_addr)
{
    return dev->host_base + (dev_addr - (uintptr_t)dev->dev_base);
}

/* aclsim_launch.c (callers hold the device's read lock) */
struct aclsim_blob_req;
typedef struct aclsim_launch {
    uint32_t type;
    uint32_t num_blocks;
    uint32_t timeout_ms; /* 0: not timed */
    const struct aclsim_blob_req *blob;
} aclsim_launch_t;
/* Places the task's blob in device memory and publishes the task on stream s. */
aclError aclsim_launch_enqueue(aclsim_device_t *dev, aclsim_stream_t *s, const aclsim_launch_t *l);
/* The stream a launch names (NULL: the default one); 107003 if it belongs to another device. */
aclError aclsim_launch_stream(aclsim_device_t *dev, rtStream_t stm, const char *call,
                              aclsim_stream_t **s);
/* aclrtSetOpExecuteTimeOut[WithMs] in milliseconds (0: none). */
uint32_t aclsim_launch_global_timeout_ms(void);

/* aclsim_cust.c */
/* Makes sure the CPU SO of Mode B binary bin is in dev's custom-kernel directory (read lock held):
 * written on the first launch of the binary on the device, then found in the table. Refuses, with
 * 107000, different bytes under a name this scheduler may already have loaded. */
aclError aclsim_cust_ensure(aclsim_device_t *dev, void *bin);
/* Binary bin was unloaded: it stops using its SO on every device; an SO no binary uses any more
 * is removed from the directory. */
void aclsim_cust_forget(void *bin);
/* Forgets the device's SOs and removes its custom-kernel directory (write lock held, scheduler
 * stopped). remove_files false: only the table (a forked child's copy of its parent's). */
void aclsim_cust_reset(aclsim_device_t *dev, bool remove_files);

/* aclsim_stream.c (callers hold the device's read lock unless said otherwise) */
/* Resolves a handle (NULL: the default stream) of device dev; 107000 for an unknown handle. */
/* Resolves a handle (NULL: the default stream) to a live stream of dev and takes a use of it,
 * which the caller gives back with aclsim_stream_put. */
aclError aclsim_stream_resolve(aclsim_device_t *dev, aclrtStream handle, aclsim_stream_t **out);
void aclsim_stream_put(aclsim_stream_t *s);
/* The live stream in slot with a use taken, or NULL. */
aclsim_stream_t *aclsim_stream_get_slot(aclsim_device_t *dev, uint32_t slot);
/* The device a stream handle belongs to (-1 if it is not a stream handle). */
int32_t aclsim_stream_handle_device(aclrtStream handle);
/* Waits for every task published so far; timeout_ms -1: forever. */
aclError aclsim_stream_sync(aclsim_device_t *dev, aclsim_stream_t *s, int32_t timeout_ms);
/* Waits until s->shm->completed reaches target (0), the device dies (1) or deadline_ns passes
 * (2; deadline 0: none). */
int aclsim_stream_wait(aclsim_device_t *dev, aclsim_stream_t *s, uint32_t target,
                       uint64_t deadline_ns);
/* Frees the temporary argument allocations of completed tasks (caller holds s->lock). */
void aclsim_stream_reclaim(aclsim_device_t *dev, aclsim_stream_t *s);
/* Creates stream slot (0: the default stream) under the device's write lock, or its read lock
 * plus streams_lock. */
aclError aclsim_stream_create_slot(aclsim_device_t *dev, uint32_t slot, aclsim_stream_t **out);
/* The number of tasks published on stream so far (takes the locks itself). */
aclError aclsim_stream_mark(aclrtStream stream, const char *call, uint32_t *tail);
/* Whether stream has completed target tasks (waiting for it when wait is set). A destroyed stream
 * or reset device counts as complete. Takes the locks itself. */
aclError aclsim_stream_reached(aclrtStream stream, uint32_t target, bool wait, bool *done);
/* Frees every stream of a stopped device (write lock held). */
void aclsim_stream_free_all(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_INTERNAL_H */
