/* Logging for the device side: CANN's DlogRecord when the process has it, else stderr on
 * request. */
#ifndef AKL_DISPATCHER_LOG_H
#define AKL_DISPATCHER_LOG_H

/* CANN's log levels (toolchain/log_types.h: DLOG_INFO, DLOG_ERROR). */
#define DISPATCHER_LOG_INFO 1
#define DISPATCHER_LOG_ERROR 3

void dispatcher_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* AKL_DISPATCHER_LOG_H */
