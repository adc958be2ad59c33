/* The loader's failure report for a code the runtime (CANN or the simulator) returned. */
#ifndef AKL_LOADER_CANN_FAIL_H
#define AKL_LOADER_CANN_FAIL_H

#include <stdint.h>

/* As akl_fail for a CANN code returned by the runtime: appends the code's name and text and the
 * runtime's own aclGetRecentErrMsg() when it has one. */
int akl_fail_cann(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As akl_fail_cann, the message starting with akl_load_prefix(what, device). */
int akl_fail_load_cann(int code, const char *what, int32_t device, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A diagnosed failure of a load: akl's own code, with the CANN code that led to it (0: none) and
 * the runtime's words (recent, may be NULL, as fetched when the CANN call failed). When code is
 * cann_code the failure is undiagnosed and noted as the device's (see device_failure.h). */
int akl_fail_load_cause(int code, int cann_code, const char *recent, const char *what,
                        int32_t device, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif /* AKL_LOADER_CANN_FAIL_H */
