/* Small helpers the example host programs share: finding an example's runtime SO beside the
 * installed (or built) tree, parsing numbers, timing and naming akl results. */
#ifndef AKL_EXAMPLE_SUPPORT_H
#define AKL_EXAMPLE_SUPPORT_H

#include <akl/akl.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h" /* cmn_now_seconds: the one monotonic clock */

/* The path of an example runtime SO named file: override when given, else
 * <directory of this executable>/<bin-to-libdir>/akl/examples/<file> (the installed layout, also
 * the build tree's), else the build tree's examples directory. Returns 0, or -1 with the places
 * tried in err. */
int example_find_so(const char *file, const char *override_path, char *out, size_t cap, char *err,
                    size_t err_cap);

/* Strict decimal parsing of an option value into [min, max]; prints "<prog>: <option>: ..." to
 * stderr and returns -1 when it is not one. */
int example_parse_u64(const char *prog, const char *option, const char *text, uint64_t min,
                      uint64_t max, uint64_t *out);

/* "wrote", "identical", "replaced", or "cached" when the load did no device work. */
const char *example_outcome_name(akl_boot_outcome_t outcome, bool cached);

/* Formats "<AKL name> (<code>): <message>" for a failed akl call into buf. */
const char *example_akl_error(int code, char *buf, size_t cap);

#endif /* AKL_EXAMPLE_SUPPORT_H */
