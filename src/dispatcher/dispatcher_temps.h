/* Temporary files of the atomic publish: their names and the cleanup of those a dead writer left.
 *
 * A temporary of target <name> is ".<name>.tmp.<pid>.<tid>.<nonce>": pid and tid in decimal (no
 * leading zeros), nonce exactly 16 lowercase hex digits. pid.tid makes it unique among live
 * writers; the nonce avoids a leftover of an earlier writer that had the same pid and tid. Anything
 * not of exactly this form is not ours and is never removed. */
#ifndef AKL_DISPATCHER_TEMPS_H
#define AKL_DISPATCHER_TEMPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A temporary is stale when its writer is gone, or when it is older than this. */
#define DISPATCHER_TEMP_MAX_AGE_S 600

/* Formats a fresh temporary name for name into out. attempt varies the nonce for retries after
 * EEXIST. Returns 0, or -1 if it does not fit. */
int dispatcher_temp_name(char *out, size_t cap, const char *name, unsigned attempt);

/* True when entry is exactly a temporary of name (the form above); sets *pid to its writer's. */
bool dispatcher_temp_of(const char *entry, const char *name, long long *pid);

/* A published name is at most this long (AKL_SO_NAME_MAX). */
#define DISPATCHER_PUBLISHED_MAX 100

/* The length of the prefix of a published name "<prefix><16 lowercase hex>_<decimal>.so", or
 * SIZE_MAX when name is not of that form. */
size_t dispatcher_name_prefix_len(const char *name);

/* True when entry is exactly a temporary (the form above) of some published name
 * "<prefix><16 lowercase hex>_<decimal>.so" whose prefix is prefix[0..prefix_len); sets *pid. */
bool dispatcher_temp_of_prefix(const char *entry, const char *prefix, size_t prefix_len,
                               long long *pid);

/* True when the temporary entry (relative to dirfd, or a path with AT_FDCWD), written by pid, is
 * stale: pid is no longer alive (gone, or a zombie: /proc/<pid>/stat), or the file is older than
 * DISPATCHER_TEMP_MAX_AGE_S. `akl sim clean` applies the same rule, so a file the dispatcher would
 * keep is never removed by it. */
bool dispatcher_temp_stale(int dirfd, const char *entry, long long pid);

/* Removes, in the directory dirfd, the stale temporaries of every published name with name's
 * prefix (of name alone if name is not of the published form). One readdir pass over the directory
 * per call: the same pass that earlier looked for name's own temporaries, so the wider sweep costs
 * nothing more. Returns how many it removed. */
uint64_t dispatcher_temps_clean(int dirfd, const char *name);

/* dispatcher_temps_clean, but at most once per directory (dir: its path) per process (the first
 * publish into it): a scan costs O(files in the directory), which must not be paid by every load. A
 * writer killed later leaves its temporary until the next scheduler process publishes there (it is
 * never served). Returns how many it removed (0 when the directory was swept already). */
uint64_t dispatcher_temps_clean_once(int dirfd, const char *dir, const char *name);

#endif /* AKL_DISPATCHER_TEMPS_H */
