/* Publishing the runtime SO's bytes under their final name in the preinstall directory. */
#ifndef AKL_DISPATCHER_PUBLISH_H
#define AKL_DISPATCHER_PUBLISH_H

#include "bootstrap_abi.h"

#include <stdbool.h>
#include <stddef.h>

/* Makes <dir>/<name> hold exactly bytes[0..len): nothing is written when a byte-identical regular
 * file is there (IDENTICAL); otherwise a temporary file in dir is written, fsynced and renamed onto
 * the name, then dir is fsynced (WROTE when the name was absent, REPLACED when it held something
 * else). Stale temporaries of name are removed first. Fills status, err, stage, bytes, path,
 * detail and temps_removed of ack; on failure no temporary is left and the name is untouched. */
void dispatcher_publish(const char *dir, const char *name, const void *bytes, size_t len,
                        akl_bootstrap_ack_t *ack);

/* AKL_BOOT_FLAG_PROBE: creates a temporary of name in dir, writes one byte, removes it; nothing is
 * published. PROBED with path = dir, or FAILED at DIR, CREATE or WRITE. */
void dispatcher_probe(const char *dir, const char *name, akl_bootstrap_ack_t *ack);

/* flock(fd, op) (LOCK_SH or LOCK_EX) tried without blocking up to tries times 1 ms apart, so that
 * a lock held forever cannot hang a bootstrap. Returns whether the lock is held. */
bool dispatcher_flock_retry(int fd, int op, int tries);

#endif /* AKL_DISPATCHER_PUBLISH_H */
