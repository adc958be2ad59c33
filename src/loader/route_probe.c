/* akl_route_probe: a real round trip on a device by the route a load would take, without an SO of
 * the caller's (the extend route's probe checks the preinstall directory is writable; the custom
 * route's uploads akl's dispatcher and runs one of its no-op kernels). */
#include <inttypes.h>
#include <string.h>

#include "akl/akl.h"
#include "bootstrap.h"
#include "custom.h"
#include "errors.h"
#include "options.h"
#include "route.h"
#include "runtime.h"

static int ldr_probe_extend(const ldr_runtime_t *rt, int32_t device)
{
    ldr_boot_request_t req = {.rt = rt,
                              .device = device,
                              .basename = "",
                              .what = "the extend-route probe",
                              .timeout_ms = LDR_DEFAULT_BOOT_TIMEOUT_MS,
                              .probe = true,
                              .route = AKL_ROUTE_EXTEND};
    akl_module_t scratch;
    memset(&scratch, 0, sizeof scratch);
    return ldr_bootstrap(&req, &scratch);
}

static int ldr_probe_route(const ldr_runtime_t *rt, int32_t device, akl_route_t route,
                           akl_route_t *taken)
{
    if (route == AKL_ROUTE_AUTO && ldr_route_remembered(device) == AKL_ROUTE_CUSTOM)
        route = AKL_ROUTE_CUSTOM;
    if (route != AKL_ROUTE_CUSTOM) {
        int rc = ldr_probe_extend(rt, device);
        if (rc == 0 || route == AKL_ROUTE_EXTEND || !ldr_route_extend_cause_is_diagnosed(rc)) {
            *taken = rc == 0 ? AKL_ROUTE_EXTEND : AKL_ROUTE_AUTO;
            return rc;
        }
    }
    int rc = ldr_custom_probe(rt, device, NULL, LDR_DEFAULT_BOOT_TIMEOUT_MS);
    *taken = rc == 0 ? AKL_ROUTE_CUSTOM : AKL_ROUTE_AUTO;
    return rc;
}

int akl_route_probe(int32_t device, akl_route_t route, akl_route_t *taken)
{
    akl_route_t ignored;
    taken = taken ? taken : &ignored;
    *taken = AKL_ROUTE_AUTO;
    const ldr_runtime_t *rt;
    int rc = ldr_runtime_get(&rt);
    if (rc != 0)
        return rc;
    if (device < 0)
        return ldr_fail(AKL_EDEVICE, "akl_route_probe: device %" PRId32 " is negative", device);
    if (route != AKL_ROUTE_AUTO && route != AKL_ROUTE_EXTEND && route != AKL_ROUTE_CUSTOM)
        return ldr_fail(AKL_EINVAL,
                        "akl_route_probe: route %d is not AKL_ROUTE_AUTO, _EXTEND or "
                        "_CUSTOM",
                        (int)route);
    rc = ldr_runtime_require_device(rt, device, "akl_route_probe");
    return rc != 0 ? rc : ldr_probe_route(rt, device, route, taken);
}
