/* The simulated devices' filesystem layout and configuration from the environment.
 *
 * Shared by the scheduler (which prepares and uses a chip's directories), libaclsim and the akl CLI
 * (`akl sim ls|clean`). A simulated chip k has one root directory shared by its dies:
 *   <root>/chip<k>/usr/lib64/aicpu_kernels/0/aicpu_kernels_device/   (the preinstall directory)
 *   <root>/chip<k>/usr/lib64/aicpu_kernels/0/aicpu_extend_syskernels/
 *   <root>/chip<k>/home/CustAiCpuUser/cust_aicpu_<d>_0_<host pid>/  (custom kernels, per host
 *                                                                     process and device)
 * and device d belongs to chip d / dies_per_chip. */
#ifndef AKL_SIM_PATHS_H
#define AKL_SIM_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include "msgbuf.h"

#define SIM_PATH_MAX 4096
#define SIM_DEFAULT_DEVICE_COUNT 8
#define SIM_DEFAULT_DIES_PER_CHIP 2
#define SIM_PREINSTALL_SUBDIR "usr/lib64/aicpu_kernels/0/aicpu_kernels_device"
#define SIM_EXTEND_SUBDIR "usr/lib64/aicpu_kernels/0/aicpu_extend_syskernels"
#define SIM_EXTEND_KERNELS_NAME "libaicpu_extend_kernels.so"
#define SIM_CUST_SUBDIR "home/CustAiCpuUser"

/* $AKL_SIM_DEVICE_COUNT (1..1024), default 8. */
int sim_device_count(void);
/* $AKL_SIM_DIES_PER_CHIP (1..16), default 2. */
int sim_dies_per_chip(void);
/* The simulator's root: $AKL_SIM_ROOT, else $XDG_CACHE_HOME/akl-sim, else $HOME/.cache/akl-sim,
 * else /tmp/akl-sim-<uid>. Returns 0, or -1 if it does not fit in cap. */
int sim_root(char *out, size_t cap);
/* <root>/chip<device / dies_per_chip>. Returns 0, or -1 (bad device id or too long). */
int sim_chip_root(int32_t device, char *out, size_t cap);
/* The chip's preinstall / extend-syskernels directory. Returns 0 or -1. */
int sim_preinstall_dir(int32_t device, char *out, size_t cap);
int sim_extend_dir(int32_t device, char *out, size_t cap);
/* Creates the chip's directories (mode 0700, like mkdir -p; the root's missing parents too) and
 * refuses a tree another user could change: every directory from the root down must be owned by
 * the effective user, not writable by group or others and not a symbolic link (checked with an
 * openat walk that never follows a link). Then installs extend_kernels_src as
 * <extend dir>/libaicpu_extend_kernels.so unless a byte-identical copy is there (atomically:
 * temporary file, fsync, rename). Safe to run from several processes at once. Returns 0, or -1
 * with a message naming the path and cause in err. extend_kernels_src NULL: directories only.
 * Temporaries abandoned by a killed installer are removed by the one staleness rule of
 * src/common/temps.h (the writer is gone, or the file is over ten minutes old). */
int sim_fs_prepare(int32_t device, const char *extend_kernels_src, cmn_msg_t *err);

/* The custom-kernel directory of one host process on one device, where KERNEL_TYPE_AICPU_CUSTOM
 * kernels are looked up: <chip root>/home/CustAiCpuUser/cust_aicpu_<device>_0_<host_pid>, after
 * CANN's GetCustSoPath (cust_aicpu_<deviceId>_<vfId>_<hostPid>, vfId 0 on a physical device).
 * Returns 0, or -1 (bad device id or too long). */
int sim_cust_dir(int32_t device, uint32_t host_pid, char *out, size_t cap);
/* Writes data as <custom dir>/<name> atomically (a temporary file in the same directory, then
 * rename), creating the directory and checking the tree down to it as sim_fs_prepare does. name
 * must be a basename of [A-Za-z0-9._-], at most 100 characters. Not fsynced: the directory lives
 * only as long as its host process. Returns 0, or -1 with a message naming the path and cause in
 * err. */
int sim_cust_publish(int32_t device, uint32_t host_pid, const char *name, const void *data,
                     size_t size, cmn_msg_t *err);
/* Removes <custom dir>/<name>; a missing file is fine. Returns 0 or -1. */
int sim_cust_unpublish(int32_t device, uint32_t host_pid, const char *name);
/* Removes the custom directory with everything in it; a missing directory is fine. Returns 0 or
 * -1. */
int sim_cust_remove(int32_t device, uint32_t host_pid);

#endif /* AKL_SIM_PATHS_H */
