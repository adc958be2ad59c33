/* What the loader learns from a failed synchronize about the SOs it published. */
#ifndef LDR_SYNC_FAILURE_H
#define LDR_SYNC_FAILURE_H

/* Called by a synchronize that failed with code: when the device says it could not open an SO
 * (507018 with device error code 11002 in the runtime's recent message), the modules of the
 * thread's current device that the message names are retired from the process cache, so that
 * the next load of their bytes publishes the file again. */
void ldr_sync_failure_note(int code);

#endif /* LDR_SYNC_FAILURE_H */
