/* The scheduler's stream threads: one per stream, each consuming its stream's ring of task
 * descriptors in order. A thread spins briefly on its ring after each task (so back-to-back
 * launches cost no system call), then sleeps on the stream's doorbell futex. Each task's kernel
 * is resolved once, its blocks run here (one block) or over the worker pool, and its failure, if
 * any, is recorded as the stream's first error for the host's synchronize. */
#define _GNU_SOURCE
#include "sched_stream.h"

#include <stdio.h>
#include <string.h>

#include "acl/error_codes/rt_error_codes.h"
#include "runtime/rt.h"
#include "sched_crash.h"
#include "msgbuf.h"

/* Names of a task whose blob is caller-owned device memory are copied first, since a kernel may
 * rewrite that memory; they are cut to this size. */
#define SCHED_NAME_COPY_MAX 512

typedef struct sched_names {
    char kernel[SCHED_NAME_COPY_MAX];
    char so[SCHED_NAME_COPY_MAX];
} sched_names_t;

/* Names up to these lengths are remembered by sched_resolve_aicpu (CANN cuts SO names at 100 and
 * kernel names at 200, so longer ones are rare; they are simply looked up every time). */
#define SCHED_NAME_SO_MAX 128
#define SCHED_NAME_KERNEL_MAX 256

static const char *sched_devcode_name(uint32_t devcode)
{
    switch (devcode) {
    case SIM_AE_BAD_PARAM:
        return " (AE_BAD_PARAM)";
    case SIM_AE_OPEN_SO_FAILED:
        return " (AE_OPEN_SO_FAILED)";
    case SIM_AE_GET_KERNEL_NAME_FAILED:
        return " (AE_GET_KERNEL_NAME_FAILED)";
    case SIM_AE_INNER_ERROR:
        return " (AE_INNER)";
    default:
        return "";
    }
}

static const char *sched_type_name(uint32_t type)
{
    return type == KERNEL_TYPE_AICPU_KFC      ? "KFC"
           : type == KERNEL_TYPE_AICPU_CUSTOM ? "AICPU_CUSTOM"
                                              : "AICPU";
}

/* The AICPU kernel this stream thread resolved last, by its names' bytes (issue 14: hashing the
 * names byte by byte in the lookup's maps was about half of a task's instructions). The lookup
 * keeps an SO and its symbols for its whole life once resolved, so the names alone identify the
 * answer, and only successes are kept. Thread-local: each stream thread keeps its own. */
typedef struct sched_last_resolved {
    sim_kernel_fn fn;
    size_t so_len, kernel_len;
    char so[SCHED_NAME_SO_MAX];
    char kernel[SCHED_NAME_KERNEL_MAX];
} sched_last_resolved_t;

static __thread sched_last_resolved_t sched_last;

static bool sched_last_matches(const sched_task_ctx_t *ctx, size_t so_len, size_t kernel_len)
{
    return sched_last.fn && so_len == sched_last.so_len && kernel_len == sched_last.kernel_len &&
           memcmp(ctx->kernel, sched_last.kernel, kernel_len) == 0 &&
           memcmp(ctx->so, sched_last.so, so_len) == 0;
}

static uint32_t sched_resolve_aicpu(sched_state_t *st, const sched_task_ctx_t *ctx,
                                    sim_kernel_fn *fn, cmn_msg_t *detail)
{
    size_t so_len = ctx->so ? strnlen(ctx->so, sizeof sched_last.so) : sizeof sched_last.so;
    size_t kernel_len = strnlen(ctx->kernel, sizeof sched_last.kernel);
    bool cacheable = so_len < sizeof sched_last.so && kernel_len < sizeof sched_last.kernel;
    if (cacheable && sched_last_matches(ctx, so_len, kernel_len)) {
        *fn = sched_last.fn;
        return 0;
    }
    uint32_t devcode = sim_lookup_aicpu(st->lookup, ctx->so, ctx->kernel, fn, detail);
    if (devcode == 0 && *fn && cacheable) {
        sched_last.fn = *fn;
        sched_last.so_len = so_len;
        sched_last.kernel_len = kernel_len;
        memcpy(sched_last.so, ctx->so, so_len);
        memcpy(sched_last.kernel, ctx->kernel, kernel_len);
    }
    return devcode;
}

/* The kernel lookup of the task's type (CANN's ae_kernel_lib_manager: AICPU and AICPU_CUSTOM share
 * one library, which takes the custom directory for the custom type). */
static uint32_t sched_resolve(sched_state_t *st, const sched_task_ctx_t *ctx, sim_kernel_fn *fn,
                              cmn_msg_t *detail)
{
    switch (ctx->kernel_type) {
    case KERNEL_TYPE_AICPU_KFC:
        return sim_lookup_kfc(st->lookup, ctx->so, ctx->kernel, fn, detail);
    case KERNEL_TYPE_AICPU_CUSTOM:
        return sim_lookup_custom(st->lookup, ctx->so, ctx->kernel, fn, detail);
    default:
        return sched_resolve_aicpu(st, ctx, fn, detail);
    }
}

/* Points ctx at the task's names (copied first when the blob is shared device memory). */
static void sched_task_names(const sched_task_t *t, sched_names_t *copy, sched_task_ctx_t *ctx)
{
    const char *base = (const char *)(uintptr_t)t->args_dev;
    const char *kernel = base + t->kernel_off;
    const char *so = t->so_off == SCHED_NO_NAME ? NULL : base + t->so_off;
    if (t->names_shared) {
        size_t kmax = t->args_size - t->kernel_off;
        size_t klen = strnlen(kernel, kmax < sizeof copy->kernel ? kmax : sizeof copy->kernel - 1);
        memcpy(copy->kernel, kernel, klen);
        copy->kernel[klen] = 0;
        kernel = copy->kernel;
        if (so) {
            size_t smax = t->args_size - t->so_off;
            size_t slen = strnlen(so, smax < sizeof copy->so ? smax : sizeof copy->so - 1);
            memcpy(copy->so, so, slen);
            copy->so[slen] = 0;
            so = copy->so;
        }
    }
    ctx->kernel = kernel;
    ctx->so = so;
}

static void sched_report_lookup_failure(sched_stream_t *s, const sched_task_ctx_t *ctx,
                                        uint32_t devcode, const char *detail)
{
    char text[SCHED_MSG_MAX];
    snprintf(text, sizeof text,
             "device %d stream %u: %s task failed: kernel '%s' in SO '%s' could not be resolved: "
             "device errcode %u%s: %s",
             ctx->device, s->slot, sched_type_name(ctx->kernel_type), ctx->kernel,
             ctx->so ? ctx->so : "(null)", devcode, sched_devcode_name(devcode), detail);
    sched_record_error(s->shm, ACL_ERROR_RT_AICPU_EXCEPTION, devcode, text);
}

static void sched_report_kernel_failure(sched_stream_t *s, const sched_task_ctx_t *ctx,
                                        uint32_t block, uint32_t value, uint32_t devcode)
{
    char text[SCHED_MSG_MAX];
    snprintf(text, sizeof text,
             "device %d stream %u: %s task failed: kernel '%s' in SO '%s' block %u of %u "
             "returned %u: device errcode %u",
             ctx->device, s->slot, sched_type_name(ctx->kernel_type), ctx->kernel,
             ctx->so ? ctx->so : "(null)", block, ctx->num_blocks, value, devcode);
    sched_record_error(s->shm, ACL_ERROR_RT_AICPU_EXCEPTION, devcode, text);
}

static void sched_run_blocks(sched_stream_t *s, sim_kernel_fn fn, void *args,
                             const sched_task_ctx_t *ctx)
{
    if (ctx->num_blocks == 1) {
        uint32_t value = sched_block_run(fn, args, ctx, 0);
        uint32_t devcode = sched_block_map_result(ctx->kernel_type, value);
        if (devcode)
            sched_report_kernel_failure(s, ctx, 0, value, devcode);
        return;
    }
    sched_job_t job = {.fn = fn, .args = args, .ctx = ctx, .num_blocks = ctx->num_blocks};
    sched_pool_run(&s->state->pool, &job);
    if (atomic_load_explicit(&job.failed, memory_order_acquire) == 1)
        sched_report_kernel_failure(s, ctx, job.failed_block, job.failed_value, job.failed_devcode);
}

/* Tells the host which task runs and until when it may, so that a scheduler that cannot time
 * the task itself (a kernel stopped it) is still timed out by the host. */
static void sched_publish_running(sched_stream_t *s, uint32_t seq, uint32_t timeout_ms)
{
    uint64_t deadline = timeout_ms ? cmn_now_ns() + (uint64_t)timeout_ms * 1000000ULL : 0;
    atomic_store_explicit(&s->shm->running_deadline_ns, deadline, memory_order_relaxed);
    atomic_store_explicit(&s->shm->running_seq, seq, memory_order_release);
}

static void sched_run_task(sched_stream_t *s, const sched_task_t *t, uint32_t seq)
{
    /* ACL_STOP_ON_FAILURE: an unreported failure stops the stream's later tasks (they complete
     * without running). */
    if (atomic_load(&s->shm->stop_on_failure) && atomic_load(&s->shm->err_state) != SCHED_ERR_NONE)
        return;
    sched_state_t *st = s->state;
    sched_names_t copy;
    sched_task_ctx_t ctx = {.device = st->device,
                            .stream_slot = s->slot,
                            .kernel_type = t->kernel_type,
                            .num_blocks = t->num_blocks};
    sched_task_names(t, &copy, &ctx);
    /* CANN's aicpu-sd monitor does not time KFC tasks. */
    bool timed = t->timeout_ms != 0 && t->kernel_type != KERNEL_TYPE_AICPU_KFC;
    sched_publish_running(s, seq, timed ? t->timeout_ms : 0);
    if (timed)
        sched_watchdog_arm(&st->watchdog, s->slot, &ctx, t->timeout_ms);

    sim_kernel_fn fn = NULL;
    char detail[SCHED_MSG_MAX];
    detail[0] = 0;
    uint32_t devcode = sched_resolve(st, &ctx, &fn, CMN_MSG_ARRAY(detail));
    if (devcode == 0 && fn == NULL)
        devcode = SIM_AE_INNER_ERROR;
    if (devcode)
        sched_report_lookup_failure(s, &ctx, devcode, detail);
    else
        sched_run_blocks(s, fn, (void *)(uintptr_t)t->param_dev, &ctx);

    if (timed)
        sched_watchdog_disarm(&st->watchdog, s->slot);
}

/* Waits until the ring holds task number head; false when the stream is being stopped. */
static bool sched_wait_for_task(sched_stream_t *s, uint32_t head)
{
    sched_stream_shm_t *shm = s->shm;
    uint64_t spin_until = cmn_now_ns() + SCHED_SPIN_NS;
    for (uint32_t i = 0;; i++) {
        if (atomic_load_explicit(&s->stop, memory_order_relaxed))
            return false;
        if (atomic_load_explicit(&shm->tail, memory_order_acquire) != head)
            return true;
        if ((i & 63) == 63 &&
            (cmn_now_ns() >= spin_until || sched_spin_is_futile(&shm->producer_cpu)))
            break;
        sched_cpu_relax();
    }
    for (;;) {
        uint32_t bell = atomic_load(&shm->doorbell);
        /* Dekker with the producer: it stores tail then loads consumer_sleeping. */
        atomic_store(&shm->consumer_sleeping, 1);
        bool have = atomic_load(&shm->tail) != head;
        bool stop = atomic_load(&s->stop) != 0;
        if (have || stop) {
            atomic_store(&shm->consumer_sleeping, 0);
            return !stop;
        }
        sched_futex_wait(&shm->doorbell, bell, 0);
        atomic_store(&shm->consumer_sleeping, 0);
        /* Only after a sleep, not at every task (asking for the CPU costs several ns): the thread
         * runs where it was woken until it sleeps again, as far as a host's spin can tell. */
        sched_note_cpu(&shm->consumer_cpu);
    }
}

static void *sched_stream_main(void *arg)
{
    sched_stream_t *s = arg;
    sched_stream_shm_t *shm = s->shm;
    sched_altstack_t alt;
    sched_crash_thread_enter(&alt);
    uint32_t head = atomic_load(&shm->completed);
    while (sched_wait_for_task(s, head)) {
        sched_task_t task = shm->ring[head % SCHED_RING_TASKS];
        sched_run_task(s, &task, head);
        head++;
        /* Dekker with a waiter: it announces itself, then loads completed. */
        atomic_store(&shm->completed, head);
        if (sched_waiter_due(shm, head))
            sched_futex_wake(&shm->completed);
    }
    sched_crash_thread_leave(&alt);
    return NULL;
}

int sched_stream_start(sched_state_t *st, uint32_t slot, cmn_msg_t *err)
{
    if (slot >= SCHED_MAX_STREAMS) {
        cmn_msg_set(err, "stream slot %u out of range", slot);
        return -1;
    }
    sched_stream_t *s = &st->streams[slot];
    if (s->running) {
        cmn_msg_set(err, "stream slot %u is already running", slot);
        return -1;
    }
    s->state = st;
    s->slot = slot;
    s->shm = &st->ctl->streams[slot];
    atomic_store(&s->stop, 0);
    int rc = pthread_create(&s->thread, NULL, sched_stream_main, s);
    if (rc != 0) {
        cmn_msg_set(err, "cannot start the thread of stream %u: %s", slot, strerror(rc));
        return -1;
    }
    s->running = true;
    return 0;
}

void sched_stream_stop(sched_state_t *st, uint32_t slot)
{
    sched_stream_t *s = &st->streams[slot];
    if (!s->running)
        return;
    atomic_store(&s->stop, 1);
    atomic_fetch_add(&s->shm->doorbell, 1);
    sched_futex_wake(&s->shm->doorbell);
    pthread_join(s->thread, NULL);
    s->running = false;
}

void sched_stream_stop_all(sched_state_t *st)
{
    for (uint32_t slot = 0; slot < SCHED_MAX_STREAMS; slot++)
        sched_stream_stop(st, slot);
}
