/* libaclsim's internal state and the interfaces between its parts: errors (aclsim_error.c), the
 * per-process device table and scheduler processes (aclsim_device.c, aclsim_spawn.c), device
 * memory (aclsim_mem.c), streams and waiting (aclsim_stream.c) and the launch (aclsim_launch.c). */
#ifndef AKL_SIM_ACLSIM_INTERNAL_H
#define AKL_SIM_ACLSIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acl/acl.h"
#include "runtime/rt.h"
#include "sched_shm.h"

/* sim_paths.h allows at most 1024 devices. */
#define ACLSIM_MAX_DEVICES 1024
#define ACLSIM_DEFAULT_MEM_MB 1024
#define ACLSIM_MAX_MEM_MB (64 * 1024)
#define ACLSIM_MSG_MAX 1024
/* How often a waiter checks that the scheduler process is still alive. */
#define ACLSIM_LIVENESS_NS 50000000ULL

/* A temporary device allocation holding a large argument blob until its task completes. */
typedef struct aclsim_big_args {
    uint32_t done_at; /* the task is complete once completed reaches this */
    size_t offset;    /* allocation offset in device memory */
} aclsim_big_args_t;

typedef struct aclsim_stream {
    pthread_mutex_t lock; /* serialises producers: the ring is single-producer */
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

typedef struct aclsim_device {
    int32_t id;
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
    aclsim_stream_t *streams[SCHED_MAX_STREAMS];
    uint16_t gens[SCHED_MAX_STREAMS];
} aclsim_device_t;

/* The per-process device state the design names: the device table, guarded by lock. */
typedef struct aclsim_state {
    pthread_mutex_t lock;
    bool initialized;
    _Atomic uint64_t op_timeout_ms; /* aclrtSetOpExecuteTimeOut[WithMs]; 0: none */
    aclsim_device_t *_Atomic devices[ACLSIM_MAX_DEVICES];
} aclsim_state_t;

extern aclsim_state_t aclsim_state;

/* aclsim_error.c: the calling thread's message for aclGetRecentErrMsg. */
__attribute__((format(printf, 2, 3))) aclError aclsim_fail(aclError code, const char *fmt, ...);
void aclsim_set_msg(const char *text);

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

/* aclsim_mem.c (callers hold the device's read lock) */
aclError aclsim_mem_alloc(aclsim_device_t *dev, size_t size, size_t *offset);
aclError aclsim_mem_free(aclsim_device_t *dev, size_t offset);
/* True if [ptr, ptr+len) lies inside one live allocation of dev. */
bool aclsim_mem_range_ok(aclsim_device_t *dev, uintptr_t ptr, size_t len);
void aclsim_mem_reset(aclsim_device_t *dev);
static inline bool aclsim_is_device_addr(const aclsim_device_t *dev, uintptr_t p)
{
    return p >= (uintptr_t)dev->dev_base && p - (uintptr_t)dev->dev_base < dev->arena_size;
}
static inline void *aclsim_host_view(const aclsim_device_t *dev, uintptr_t dev_addr)
{
    return dev->host_base + (dev_addr - (uintptr_t)dev->dev_base);
}

/* aclsim_stream.c (callers hold the device's read lock unless said otherwise) */
/* Resolves a handle (NULL: the default stream) of device dev; 107000 for an unknown handle. */
aclError aclsim_stream_resolve(aclsim_device_t *dev, aclrtStream handle, aclsim_stream_t **out);
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
/* Creates stream slot (0: the default stream) under the device's write lock. */
aclError aclsim_stream_create_slot(aclsim_device_t *dev, uint32_t slot, aclsim_stream_t **out);
/* Frees every stream of a stopped device (write lock held). */
void aclsim_stream_free_all(aclsim_device_t *dev);

#endif /* AKL_SIM_ACLSIM_INTERNAL_H */
