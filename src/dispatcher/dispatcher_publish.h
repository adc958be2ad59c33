/* Publishing the runtime SO's bytes under their final name in the preinstall directory. */
#ifndef AKL_DISPATCHER_PUBLISH_H
#define AKL_DISPATCHER_PUBLISH_H

#include "bootstrap_abi.h"
#include "dispatcher_hash.h"

#include <stdbool.h>
#include <stddef.h>

/* Makes <dir>/<name> hold exactly the source's bytes: nothing is written when a byte-identical
 * regular file is there (IDENTICAL); otherwise a temporary file in dir is written, fsynced and
 * renamed onto the name, then dir is fsynced (WROTE when the name was absent, REPLACED when it held
 * something else). The source is hashed in the compare's and the write's pass; bytes that do not
 * hash to what the host expected are refused (FAILED at FINGERPRINT) before anything is reported
 * identical or renamed. A failure at another step may leave the source not wholly hashed (the
 * caller finishes it). Stale temporaries of name are removed first. Fills status, err, stage,
 * bytes, path, detail and temps_removed of ack; on failure no temporary is left and the name is
 * untouched. The file published or found identical is then held (dispatcher_hold.h): a file written
 * here from before its rename, an identical one through the descriptor it was compared through.
 * Returns false only when the name vanished or changed before it was held (a collector removed
 * it): the caller publishes again. */
bool dispatcher_publish(const char *dir, const char *name, dispatcher_source_t *src,
                        akl_bootstrap_ack_t *ack);

/* AKL_BOOT_FLAG_PROBE: creates a temporary of name in dir, writes one byte, removes it; nothing is
 * published. PROBED with path = dir, or FAILED at DIR, CREATE or WRITE. */
void dispatcher_probe(const char *dir, const char *name, akl_bootstrap_ack_t *ack);

#endif /* AKL_DISPATCHER_PUBLISH_H */
