/* akl_dispatcher.so's entry points. libaicpu_extend_kernels.so dlopens this object on the device
 * and calls DynTileFwkBackendKernelServerInit with the bootstrap launch's args; Init verifies what
 * the host sent (layout, name, fingerprint), publishes the runtime SO into the preinstall directory
 * and reports the outcome in the host's acknowledgement record. */
#include "dispatcher.h"

#include "bootstrap_abi.h"
#include "dispatcher_ack.h"
#include "dispatcher_args.h"
#include "dispatcher_hash.h"
#include "dispatcher_log.h"
#include "dispatcher_name.h"
#include "dispatcher_publish.h"
#include "preinstall_dir.h"

#include <limits.h>
#include <stdint.h>

/* Init's non-zero results: the KFC path passes 1000..1099 through to the host unchanged, so the
 * stage survives even where the record cannot be read. */
#define DISPATCHER_RC_BASE 1000
#define DISPATCHER_PUBLISH_HOLD_ATTEMPTS 3

/* After a publish: answers as if the bytes had been hashed before anything else, as they were until
 * the hash moved into the publish's pass. A publish never reports bytes that do not hash to what
 * the host expected identical, nor renames them into place; but it may have failed at another step
 * first, and those bytes fail at FINGERPRINT whatever else failed. */
static void dispatcher_answer_as_hashed_first(dispatcher_source_t *src, akl_bootstrap_ack_t *ack)
{
    if (ack->status == AKL_ACK_FAILED && ack->stage != AKL_STAGE_FINGERPRINT &&
        !dispatcher_source_verified(src))
        dispatcher_source_refuse(src, ack);
    ack->fingerprint = dispatcher_source_fingerprint(src);
}

static void dispatcher_bootstrap(const akl_device_args_t *dargs, akl_bootstrap_ack_t *ack)
{
    if (!dispatcher_args_valid(dargs, ack))
        return;
    char why[AKL_ACK_DETAIL_MAX];
    if (!dispatcher_name_well_formed(dargs->target_name, sizeof dargs->target_name, why,
                                     sizeof why)) {
        dispatcher_ack_fail(ack, AKL_STAGE_NAME, 0, "", "%s", why);
        return;
    }
    char dir[PATH_MAX];
    int err = cmn_preinstall_dir(dir, sizeof dir, why, sizeof why);
    if (err != 0) {
        dispatcher_ack_fail(ack, AKL_STAGE_DIR, err, "", "%s", why);
        return;
    }
    if ((dargs->flags & AKL_BOOT_FLAG_PROBE) != 0) {
        dispatcher_probe(dir, dargs->target_name, ack);
        return;
    }
    /* The bytes are hashed in the pass that compares or writes them (dispatcher_hash.h), so the
     * name is checked against the fingerprint the host expected; the checks still answer in the
     * order they always did: bytes that do not hash to it fail at FINGERPRINT, whatever else
     * failed after (dispatcher_answer_as_hashed_first). */
    dispatcher_source_t src;
    dispatcher_source_init(&src, (const void *)(uintptr_t)dargs->inner_so_bin,
                           (size_t)dargs->inner_so_len, dargs->expected_fingerprint);
    if (!dispatcher_name_carries(dargs->target_name, dargs->expected_fingerprint, dargs->device_id,
                                 why, sizeof why)) {
        ack->fingerprint = dispatcher_source_fingerprint(&src);
        if (!dispatcher_source_verified(&src))
            dispatcher_source_refuse(&src, ack);
        else
            dispatcher_ack_fail(ack, AKL_STAGE_NAME, 0, "", "%s", why);
        return;
    }
    /* Held (the collector's "in use") once published; a collector that removed it first makes us
     * publish again. */
    for (int attempt = 0; attempt < DISPATCHER_PUBLISH_HOLD_ATTEMPTS; attempt++)
        if (dispatcher_publish(dir, dargs->target_name, &src, ack))
            break;
    dispatcher_answer_as_hashed_first(&src, ack);
}

static const char *dispatcher_status_word(int32_t status)
{
    return status == AKL_ACK_WROTE       ? "wrote"
           : status == AKL_ACK_IDENTICAL ? "identical"
           : status == AKL_ACK_REPLACED  ? "replaced"
           : status == AKL_ACK_PROBED    ? "probed"
                                         : "failed";
}

static void dispatcher_log_outcome(const akl_bootstrap_ack_t *ack)
{
    if (ack->status == AKL_ACK_FAILED)
        dispatcher_log(DISPATCHER_LOG_ERROR, "bootstrap failed at stage %u (errno %d)%s%s: %s",
                       ack->stage, ack->err, ack->path[0] != '\0' ? " at " : "", ack->path,
                       ack->detail);
    else
        dispatcher_log(DISPATCHER_LOG_INFO,
                       "bootstrap %s %s: %s (fingerprint %016llx, %llu temporaries swept)",
                       dispatcher_status_word(ack->status), ack->path, ack->detail,
                       (unsigned long long)ack->fingerprint,
                       (unsigned long long)ack->temps_removed);
}

int DynTileFwkBackendKernelServerInit(void *args)
{
    const akl_device_args_t *dargs = NULL;
    akl_bootstrap_ack_t *host_ack = NULL;
    char why[AKL_ACK_DETAIL_MAX + 64];
    const char *missing = dispatcher_args_locate(args, &dargs, &host_ack, why, sizeof why);
    if (missing != NULL) {
        dispatcher_log(DISPATCHER_LOG_ERROR, "Init(%p): %s; nothing done, nothing reported", args,
                       missing);
        return DISPATCHER_RC_BASE + AKL_STAGE_ARGS;
    }
    dispatcher_ack_clear(host_ack);
    akl_bootstrap_ack_t ack;
    dispatcher_ack_init(&ack);
    dispatcher_bootstrap(dargs, &ack);
    dispatcher_ack_store(host_ack, &ack);
    dispatcher_log_outcome(&ack);
    return ack.status == AKL_ACK_FAILED ? DISPATCHER_RC_BASE + (int)ack.stage : 0;
}

/* The backend's other entry points: akl's dispatcher has nothing for them to do. */
static int dispatcher_idle(const char *entry, void *args)
{
    dispatcher_log(DISPATCHER_LOG_INFO, "%s(%p): nothing to do", entry, args);
    return 0;
}

int DynTileFwkBackendKernelServer(void *args)
{
    return dispatcher_idle("DynTileFwkBackendKernelServer", args);
}

int StaticTileFwkBackendKernelServer(void *args)
{
    return dispatcher_idle("StaticTileFwkBackendKernelServer", args);
}
