/* akl_route_name / akl_route_parse / akl_device_route and the per-device route memory: the route
 * that first worked on a device is used by every later auto load on it in this process, so a
 * process does not pay for a failing extend attempt per SO, and one process never mixes routes on
 * a device by accident. */
#include "route.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* Devices beyond this are not remembered: every auto load on them decides afresh. CANN's device
 * ids are small (a host has at most a few dozen), the simulator's at most 1024. */
#define LDR_ROUTE_DEVICES 1024

/* Global state the issue asks for ("remembered per device for the process"): one byte per device,
 * written once (compare-and-swap from AKL_ROUTE_AUTO), read lock-free. */
static _Atomic unsigned char ldr_route_memory[LDR_ROUTE_DEVICES];

const char *akl_route_name(akl_route_t route)
{
    return route == AKL_ROUTE_AUTO     ? "auto"
           : route == AKL_ROUTE_EXTEND ? "extend"
           : route == AKL_ROUTE_CUSTOM ? "custom"
                                       : "unknown";
}

int akl_route_parse(const char *text, akl_route_t *route)
{
    if (!route)
        return ldr_fail(AKL_EINVAL, "akl_route_parse: route is NULL");
    static const akl_route_t all[] = {AKL_ROUTE_AUTO, AKL_ROUTE_EXTEND, AKL_ROUTE_CUSTOM};
    for (size_t i = 0; text && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(text, akl_route_name(all[i])) == 0) {
            *route = all[i];
            return 0;
        }
    }
    return ldr_fail(AKL_EINVAL, "route \"%s\" is not one of auto, extend, custom",
                    text ? text : "(null)");
}

int ldr_route_from_env(akl_route_t *route)
{
    const char *text = getenv("AKL_ROUTE");
    *route = AKL_ROUTE_AUTO;
    if (!text || !text[0])
        return 0;
    if (akl_route_parse(text, route) != 0)
        return ldr_fail(AKL_EINVAL, "$AKL_ROUTE=\"%s\" is not one of auto, extend, custom", text);
    return 0;
}

akl_route_t ldr_route_remembered(int32_t device)
{
    if (device < 0 || device >= LDR_ROUTE_DEVICES)
        return AKL_ROUTE_AUTO;
    return (akl_route_t)atomic_load(&ldr_route_memory[device]);
}

void ldr_route_remember(int32_t device, akl_route_t route)
{
    if (device < 0 || device >= LDR_ROUTE_DEVICES || route == AKL_ROUTE_AUTO)
        return;
    /* custom, once it worked, stays: it is what auto falls back to when extend cannot work. */
    unsigned char seen = atomic_load(&ldr_route_memory[device]);
    while (seen != AKL_ROUTE_CUSTOM && seen != (unsigned char)route &&
           !atomic_compare_exchange_weak(&ldr_route_memory[device], &seen, (unsigned char)route))
        ;
}

bool ldr_route_extend_cause_is_diagnosed(int code)
{
    return code == AKL_ENOEXTEND || code == AKL_ENOPREINSTALL || code == AKL_EBOOTSKIPPED;
}

int akl_device_route(int32_t device, akl_route_t *route)
{
    if (!route)
        return ldr_fail(AKL_EINVAL, "akl_device_route: route is NULL");
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_device_route: device %" PRId32 " is negative", device);
    *route = ldr_route_remembered(device);
    return 0;
}
