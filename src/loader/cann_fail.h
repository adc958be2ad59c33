/* The loader's failure report for a code the runtime (CANN or the simulator) returned. */
#ifndef AKL_LOADER_CANN_FAIL_H
#define AKL_LOADER_CANN_FAIL_H

/* As akl_fail for a CANN code returned by the runtime: appends the code's name and text and the
 * runtime's own aclGetRecentErrMsg() when it has one. */
int akl_fail_cann(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* AKL_LOADER_CANN_FAIL_H */
