/* The loader's failure report for a code the runtime (CANN or the simulator) returned. */
#ifndef LDR_CANN_FAIL_H
#define LDR_CANN_FAIL_H

#include <stdint.h>

/* As ldr_fail for a CANN code returned by the runtime: appends the code's name and text and the
 * runtime's own aclGetRecentErrMsg() when it has one. */
int ldr_fail_cann(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As ldr_fail_cann, the message starting with ldr_load_prefix(what, device). */
int ldr_fail_load_cann(int code, const char *what, int32_t device, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A diagnosed failure of a load: akl's own code, with the CANN code that led to it (0: none) and
 * the runtime's words (recent, may be NULL, as fetched when the CANN call failed). When code is
 * cann_code the failure is undiagnosed and noted as the device's (see device_failure.h). */
int ldr_fail_load_cause(int code, int cann_code, const char *recent, const char *what,
                        int32_t device, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif /* LDR_CANN_FAIL_H */
