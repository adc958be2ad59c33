/* The simulated device's architecture and its emulator (see sim_arch.h). */
#define _GNU_SOURCE
#include "sim_arch.h"

#include "msgbuf.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SIM_ARCH_HOST_NAME "x86_64"
#define SIM_ARCH_HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define SIM_ARCH_HOST_NAME "aarch64"
#define SIM_ARCH_HOST_MACHINE EM_AARCH64
#else
#error "the simulator supports x86-64 and aarch64 hosts"
#endif

sim_arch_t sim_arch_host(void)
{
    sim_arch_t host = {.name = SIM_ARCH_HOST_NAME, .machine = SIM_ARCH_HOST_MACHINE};
    return host;
}

int sim_arch_get(sim_arch_t *out, cmn_msg_t *err)
{
    const char *text = getenv("AKL_SIM_ARCH");
    *out = sim_arch_host();
    if (!text || !*text || strcmp(text, "host") == 0 || strcmp(text, SIM_ARCH_HOST_NAME) == 0)
        return 0;
    if (strcmp(text, "aarch64") == 0) {
        out->name = "aarch64";
        out->machine = EM_AARCH64;
        out->foreign = true;
        return 0;
    }
    cmn_msg_set(
        err,
        "AKL_SIM_ARCH='%.64s' is not a device architecture: use aarch64 or " SIM_ARCH_HOST_NAME
        " (the host's, the default)",
        text);
    return -1;
}

/* An executable regular file named by an absolute or relative path, or found on $PATH. */
static bool sim_arch_find_program(const char *name, char *out, size_t cap)
{
    if (strchr(name, '/')) {
        snprintf(out, cap, "%s", name);
        return access(out, X_OK) == 0;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        int n = snprintf(out, cap, "%.*s/%s", (int)len, len ? path : ".", name);
        if (n > 0 && (size_t)n < cap && access(out, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

static int sim_arch_find_qemu(const sim_arch_t *arch, sim_emulator_t *out, cmn_msg_t *err)
{
    const char *env = getenv("AKL_SIM_QEMU");
    if (env && *env) {
        if (sim_arch_find_program(env, out->qemu, sizeof out->qemu))
            return 0;
        cmn_msg_set(err, "AKL_SIM_QEMU='%s' is not an executable program", env);
        return -1;
    }
    char name[64];
    snprintf(name, sizeof name, "qemu-%s", arch->name);
    if (sim_arch_find_program(name, out->qemu, sizeof out->qemu))
        return 0;
    snprintf(name, sizeof name, "qemu-%s-static", arch->name);
    if (sim_arch_find_program(name, out->qemu, sizeof out->qemu))
        return 0;
    cmn_msg_set(err,
                "the simulated device is %s (AKL_SIM_ARCH), which runs under qemu-user, but "
                "neither qemu-%s nor qemu-%s-static is on PATH: install the Debian package "
                "qemu-user (or set AKL_SIM_QEMU)",
                arch->name, arch->name, arch->name);
    return -1;
}

static bool sim_arch_has_loader(const char *root, const char *arch)
{
    char path[SIM_ARCH_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/lib/ld-linux-%s.so.1", root, arch);
    return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

static int sim_arch_find_sysroot(const sim_arch_t *arch, sim_emulator_t *out, cmn_msg_t *err)
{
    const char *env = getenv("AKL_SIM_SYSROOT");
    if (env && *env) {
        if (sim_arch_has_loader(env, arch->name)) {
            snprintf(out->sysroot, sizeof out->sysroot, "%s", env);
            return 0;
        }
        cmn_msg_set(err, "AKL_SIM_SYSROOT='%s' has no lib/ld-linux-%s.so.1", env, arch->name);
        return -1;
    }
    char debian[SIM_ARCH_PATH_MAX];
    snprintf(debian, sizeof debian, "/usr/%s-linux-gnu", arch->name);
    if (sim_arch_has_loader(debian, arch->name)) {
        snprintf(out->sysroot, sizeof out->sysroot, "%s", debian);
        return 0;
    }
    if (sim_arch_has_loader("", arch->name)) {
        out->sysroot[0] = 0;
        return 0;
    }
    cmn_msg_set(err,
                "the simulated device is %s (AKL_SIM_ARCH), but no %s C library was found at %s: "
                "install the Debian package libc6-arm64-cross (it comes with gcc-%s-linux-gnu), "
                "or set AKL_SIM_SYSROOT",
                arch->name, arch->name, debian, arch->name);
    return -1;
}

int sim_arch_emulator(const sim_arch_t *arch, sim_emulator_t *out, cmn_msg_t *err)
{
    memset(out, 0, sizeof *out);
    if (sim_arch_find_qemu(arch, out, err) != 0)
        return -1;
    return sim_arch_find_sysroot(arch, out, err);
}
