/* The installed CANN release: parsing and ordering its version strings ("8.1.RC1", "8.0.0",
 * "9.0.0-beta.1", "8.0.RC2.alpha003") and finding the one an install records, so that
 * AKL_RUNTIME=cann refuses a release older than the ABI libakl matches (AKL_CANN_MIN_VERSION). */
#ifndef AKL_LOADER_CANN_VERSION_H
#define AKL_LOADER_CANN_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#define AKL_CANN_VERSION_MAX 64

/* A release in the order CANN publishes them: within one major.minor, RC1 < RC2 < ... < 0 (GA) <
 * 1 < ...; a pre-release suffix (alpha, beta) sorts before the same release without one. */
typedef struct akl_cann_version {
    unsigned major;
    unsigned minor;
    bool candidate;  /* "RC<number>" rather than a numbered release */
    unsigned number; /* the RC's number or the patch level */
    bool final;      /* false for an alpha/beta pre-release */
    char pre_label[16];
    unsigned pre_number;
} akl_cann_version_t;

/* Parses text (surrounding blanks allowed). Returns false if it is not a CANN release string. */
bool akl_cann_version_parse(const char *text, akl_cann_version_t *out);
/* <0, 0 or >0 as a is older than, the same as, or newer than b. */
int akl_cann_version_compare(const akl_cann_version_t *a, const akl_cann_version_t *b);

/* Looks for the release an install records, in each root in order (NULL roots are skipped) and in
 * each root in this order: ascend_toolkit_install.info ("version="),
 * <arch>-linux/ascend_toolkit_install.info, runtime/version.info ("version_dir="), version.info,
 * version.cfg ("runtime_running_version=[<component>:<release>]"). A file is read only if it is a
 * regular file owned by root or by this user and not writable by others. On success copies the
 * release into version and the file into source and returns true. */
bool akl_cann_version_find(const char *const *roots, size_t root_count, char *version,
                           size_t version_cap, char *source, size_t source_cap);

#endif /* AKL_LOADER_CANN_VERSION_H */
