/* The simulated device's architecture (AKL_SIM_ARCH) and, for a device that is not the host's,
 * the user-mode emulator that runs its scheduler (qemu-user) and the C library it runs on.
 *
 * The host's architecture is the default (fast). AKL_SIM_ARCH=aarch64 on another host makes every
 * device-side object aarch64: the scheduler runs as `qemu-aarch64 -L <sysroot> <scheduler>`, and
 * the device-side files come from the aarch64/ subdirectory of the native ones
 * (<libdir>/akl/aarch64/). Shared by libaclsim and the akl CLI. */
#ifndef AKL_SIM_ARCH_H
#define AKL_SIM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "msgbuf.h"

#define SIM_ARCH_PATH_MAX 4096

typedef struct sim_arch {
    const char *name; /* "x86_64", "aarch64", ...: as `uname -m` prints it */
    uint16_t machine; /* its ELF e_machine */
    bool foreign;     /* not the host's: emulated, files from the <name>/ subdirectory */
} sim_arch_t;

/* The host's architecture (the one this code was built for). */
sim_arch_t sim_arch_host(void);

/* The device's architecture from $AKL_SIM_ARCH: unset, empty or "host" is the host's; otherwise
 * the host's name or "aarch64". Returns 0, or -1 with a message naming the value in err. */
int sim_arch_get(sim_arch_t *out, cmn_msg_t *err);

typedef struct sim_emulator {
    char qemu[SIM_ARCH_PATH_MAX];    /* the emulator binary */
    char sysroot[SIM_ARCH_PATH_MAX]; /* its -L prefix; empty when the host has the libraries */
} sim_emulator_t;

/* Finds the emulator of a foreign arch: $AKL_SIM_QEMU, else qemu-<name> or qemu-<name>-static on
 * PATH; and its sysroot: $AKL_SIM_SYSROOT, else /usr/<name>-linux-gnu (Debian's cross libc), else
 * none when the host itself has /lib/ld-linux-<name>.so.1. Returns 0, or -1 with a message that
 * names what is missing and the Debian package that provides it. */
int sim_arch_emulator(const sim_arch_t *arch, sim_emulator_t *out, cmn_msg_t *err);

#endif /* AKL_SIM_ARCH_H */
