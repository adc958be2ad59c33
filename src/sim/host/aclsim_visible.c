/* Device selection: ASCEND_RT_VISIBLE_DEVICES limits a process to some of the node's devices and
 * renumbers them 0..n-1 (docs/cann-facts.md §5.6). The ids an application passes are logical (indices in
 * that list); the physical id behind one names the scheduler's files and picks its chip.
 *
 * Parsed as CANN's Runtime::GetVisibleDevices does (hicann/runtime
 * src/runtime/core/src/runtime.cc): the text is cut at the first character that is neither a digit
 * nor a single comma; ids are taken up to the first one that is not below the device count; an id
 * below the one before it, or a repeated one, makes the whole list invalid, as does a list with no
 * id: then every call that needs a device fails with ACL_ERROR_RT_NO_DEVICE (207004). The variable
 * is read at each call, so set it before the first aclrtSetDevice; CANN reads it once. */
#include "aclsim_visible.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_paths.h"
#include "aclsim_error.h"
#include "aclsim_state.h"

typedef struct aclsim_visible {
    int32_t count;                    /* logical devices; 0 with a message when invalid */
    int32_t phys[ACLSIM_MAX_DEVICES]; /* physical id of each logical one */
    char why[128];                    /* why the list is invalid */
} aclsim_visible_t;

/* The next id of list at *at (digits up to a comma or the end); false at the end of what CANN
 * reads. A value too large for an int32_t reads as INT32_MAX (outside every device count). */
static bool aclsim_visible_next(const char **at, int32_t *id)
{
    const char *p = *at;
    if (!isdigit((unsigned char)*p))
        return false;
    long long v = 0;
    while (isdigit((unsigned char)*p)) {
        if (v <= INT32_MAX)
            v = v * 10 + (*p - '0');
        p++;
    }
    *id = v > INT32_MAX ? INT32_MAX : (int32_t)v;
    *at = *p == ',' ? p + 1 : p; /* a second comma, or any other character, ends the list next */
    return true;
}

static void aclsim_visible_parse(const char *list, int32_t physical, aclsim_visible_t *v)
{
    v->count = 0;
    v->why[0] = '\0';
    const char *at = list;
    int32_t id;
    while (v->count < physical && v->count < ACLSIM_MAX_DEVICES && aclsim_visible_next(&at, &id)) {
        if (id >= physical)
            break; /* "1,3,8" with 8 devices reads as 1,3 */
        if (v->count > 0 && id <= v->phys[v->count - 1]) {
            snprintf(v->why, sizeof v->why, "id %d %s", (int)id,
                     id == v->phys[v->count - 1] ? "is repeated" : "is not in ascending order");
            v->count = 0;
            return;
        }
        v->phys[v->count++] = id;
    }
    if (v->count == 0 && !v->why[0])
        snprintf(v->why, sizeof v->why, "no valid device id in [0, %d)", (int)physical);
}

/* The visible devices now: every physical one when the variable is unset. */
static void aclsim_visible_get(aclsim_visible_t *v)
{
    int32_t physical = sim_device_count();
    const char *list = getenv("ASCEND_RT_VISIBLE_DEVICES");
    if (!list) {
        v->count = physical < ACLSIM_MAX_DEVICES ? physical : ACLSIM_MAX_DEVICES;
        for (int32_t i = 0; i < v->count; i++)
            v->phys[i] = i;
        return;
    }
    aclsim_visible_parse(list, physical, v);
}

aclError aclsim_visible_count(const char *call, int32_t *count)
{
    aclsim_visible_t v;
    aclsim_visible_get(&v);
    if (v.count == 0)
        return aclsim_fail(
            ACL_ERROR_RT_NO_DEVICE,
            "%s: ASCEND_RT_VISIBLE_DEVICES='%s' is invalid: %s (ids must be "
            "ascending, without repeats, below the %d devices of AKL_SIM_DEVICE_COUNT)",
            call, getenv("ASCEND_RT_VISIBLE_DEVICES"), v.why, sim_device_count());
    *count = v.count;
    return ACL_SUCCESS;
}

aclError aclsim_visible_physical(const char *call, int32_t logical, int32_t *physical)
{
    aclsim_visible_t v;
    aclsim_visible_get(&v);
    int32_t count;
    aclError rc = aclsim_visible_count(call, &count);
    if (rc != ACL_SUCCESS)
        return rc;
    if (logical < 0 || logical >= v.count) {
        const char *list = getenv("ASCEND_RT_VISIBLE_DEVICES");
        if (!list)
            return aclsim_fail(ACL_ERROR_RT_INVALID_DEVICEID,
                               "%s: invalid device id %d (the simulator has %d devices, "
                               "AKL_SIM_DEVICE_COUNT)",
                               call, (int)logical, (int)v.count);
        return aclsim_fail(ACL_ERROR_RT_INVALID_DEVICEID,
                           "%s: invalid device id %d (%d devices are visible: "
                           "ASCEND_RT_VISIBLE_DEVICES='%s')",
                           call, (int)logical, (int)v.count, list);
    }
    *physical = v.phys[logical];
    return ACL_SUCCESS;
}
