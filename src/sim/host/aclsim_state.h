/* libaclsim's state: the per-process device table (aclsim_state, defined in aclsim_table.c), a
 * device, its streams, allocations and custom-kernel SOs. Declares no function: each part has a
 * header of its own (aclsim_table.h, aclsim_spawn.h, aclsim_proc.h, aclsim_mem.h, aclsim_stream.h,
 * aclsim_launch.h, aclsim_cust.h, aclsim_visible.h, aclsim_error.h), all above this one. */
#ifndef AKL_SIM_ACLSIM_STATE_H
#define AKL_SIM_ACLSIM_STATE_H

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

#endif /* AKL_SIM_ACLSIM_STATE_H */
