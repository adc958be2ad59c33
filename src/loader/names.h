/* Names the loader creates or accepts: device basenames and kernel names, with the device's
 * limits and character sets. */
#ifndef LDR_NAMES_H
#define LDR_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The prefix a load uses: opts_prefix when given, else $AKL_PREFIX when set and non-empty, else
 * AKL_DEFAULT_PREFIX. */
const char *ldr_effective_prefix(const char *opts_prefix);
/* 0 when name is a kernel name the device accepts (1..200 characters, a C identifier), else
 * AKL_EINVAL (NULL) or AKL_ENAME, with the message naming it and the cause. */
int ldr_check_kernel_name(const char *name);
/* The same test without a message, for the launch hot path. */
bool ldr_kernel_name_ok(const char *name, size_t *length);

#endif /* LDR_NAMES_H */
