/* akl_route_name / akl_route_parse / akl_device_route and the per-device route memory: the route
 * that first worked on a device is used by every later auto load on it in this process, so a
 * process does not pay for a failing extend attempt per SO, and one process never mixes routes on
 * a device by accident. */
#include "route.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "custom.h"
#include "errors.h"
#include "options.h"
#include "runtime.h"

/* Devices beyond this are not remembered: every auto load on them decides afresh. CANN's device
 * ids are small (a host has at most a few dozen), the simulator's at most 1024. */
#define AKL_ROUTE_DEVICES 1024

/* Global state the issue asks for ("remembered per device for the process"): one byte per device,
 * written once (compare-and-swap from AKL_ROUTE_AUTO), read lock-free. */
static _Atomic unsigned char akl_route_memory[AKL_ROUTE_DEVICES];

const char *akl_route_name(akl_route_t route)
{
    switch (route) {
    case AKL_ROUTE_AUTO:
        return "auto";
    case AKL_ROUTE_EXTEND:
        return "extend";
    case AKL_ROUTE_CUSTOM:
        return "custom";
    }
    return "unknown";
}

int akl_route_parse(const char *text, akl_route_t *route)
{
    if (!route)
        return akl_fail(AKL_EINVAL, "akl_route_parse: route is NULL");
    static const akl_route_t all[] = {AKL_ROUTE_AUTO, AKL_ROUTE_EXTEND, AKL_ROUTE_CUSTOM};
    for (size_t i = 0; text && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(text, akl_route_name(all[i])) == 0) {
            *route = all[i];
            return 0;
        }
    }
    return akl_fail(AKL_EINVAL, "route \"%s\" is not one of auto, extend, custom",
                    text ? text : "(null)");
}

int akl_route_from_env(akl_route_t *route)
{
    const char *text = getenv("AKL_ROUTE");
    *route = AKL_ROUTE_AUTO;
    if (!text || !text[0])
        return 0;
    if (akl_route_parse(text, route) != 0)
        return akl_fail(AKL_EINVAL, "$AKL_ROUTE=\"%s\" is not one of auto, extend, custom", text);
    return 0;
}

akl_route_t akl_route_remembered(int32_t device)
{
    if (device < 0 || device >= AKL_ROUTE_DEVICES)
        return AKL_ROUTE_AUTO;
    return (akl_route_t)atomic_load(&akl_route_memory[device]);
}

void akl_route_remember(int32_t device, akl_route_t route)
{
    if (device < 0 || device >= AKL_ROUTE_DEVICES || route == AKL_ROUTE_AUTO)
        return;
    /* custom, once it worked, stays: it is what auto falls back to when extend cannot work. */
    unsigned char seen = atomic_load(&akl_route_memory[device]);
    while (seen != AKL_ROUTE_CUSTOM && seen != (unsigned char)route &&
           !atomic_compare_exchange_weak(&akl_route_memory[device], &seen, (unsigned char)route))
        ;
}

bool akl_route_extend_cause_is_diagnosed(int code)
{
    return code == AKL_ENOEXTEND || code == AKL_ENOPREINSTALL || code == AKL_EBOOTSKIPPED;
}

int akl_device_route(int32_t device, akl_route_t *route)
{
    if (!route)
        return akl_fail(AKL_EINVAL, "akl_device_route: route is NULL");
    if (device < 0)
        return akl_fail(AKL_EDEVICE, "akl_device_route: device %" PRId32 " is negative", device);
    *route = akl_route_remembered(device);
    return 0;
}

static int akl_probe_extend(const akl_runtime_t *rt, int32_t device)
{
    akl_boot_request_t req = {.rt = rt,
                              .device = device,
                              .basename = "",
                              .what = "the extend-route probe",
                              .timeout_ms = AKL_DEFAULT_BOOT_TIMEOUT_MS,
                              .probe = true,
                              .route = AKL_ROUTE_EXTEND};
    akl_module_t scratch;
    memset(&scratch, 0, sizeof scratch);
    return akl_bootstrap(&req, &scratch);
}

static int akl_probe_route(const akl_runtime_t *rt, int32_t device, akl_route_t route,
                           akl_route_t *taken)
{
    if (route == AKL_ROUTE_AUTO && akl_route_remembered(device) == AKL_ROUTE_CUSTOM)
        route = AKL_ROUTE_CUSTOM;
    if (route != AKL_ROUTE_CUSTOM) {
        int rc = akl_probe_extend(rt, device);
        if (rc == 0 || route == AKL_ROUTE_EXTEND || !akl_route_extend_cause_is_diagnosed(rc)) {
            *taken = rc == 0 ? AKL_ROUTE_EXTEND : AKL_ROUTE_AUTO;
            return rc;
        }
    }
    int rc = akl_custom_probe(rt, device, NULL, AKL_DEFAULT_BOOT_TIMEOUT_MS);
    *taken = rc == 0 ? AKL_ROUTE_CUSTOM : AKL_ROUTE_AUTO;
    return rc;
}

int akl_route_probe(int32_t device, akl_route_t route, akl_route_t *taken)
{
    akl_route_t ignored;
    taken = taken ? taken : &ignored;
    *taken = AKL_ROUTE_AUTO;
    const akl_runtime_t *rt;
    int rc = akl_runtime_get(&rt);
    if (rc != 0)
        return rc;
    if (device < 0)
        return akl_fail(AKL_EDEVICE, "akl_route_probe: device %" PRId32 " is negative", device);
    if (route != AKL_ROUTE_AUTO && route != AKL_ROUTE_EXTEND && route != AKL_ROUTE_CUSTOM)
        return akl_fail(AKL_EINVAL,
                        "akl_route_probe: route %d is not AKL_ROUTE_AUTO, _EXTEND or "
                        "_CUSTOM",
                        (int)route);
    char why[64];
    if (!akl_runtime_device_is_current(rt, device, why, sizeof why))
        return akl_fail(AKL_EDEVICE,
                        "akl_route_probe: device %" PRId32 " is not set in this thread; call "
                        "akl_device_open(%" PRId32 ") (%s)",
                        device, device, why);
    return akl_probe_route(rt, device, route, taken);
}
