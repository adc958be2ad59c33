/* A synchronize that failed because the device could not open a published SO (its file was
 * removed behind the process's back): the modules the runtime's message names are retired from
 * the process cache, so that the next load of their bytes publishes the file again. */
#define _GNU_SOURCE /* strcasestr */
#include "sync_failure.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "acl/acl.h"
#include "cache.h"
#include "log.h"
#include "runtime.h"

/* The device error code for "cannot open the SO" (CANN's AE_OPEN_SO_FAILED). */
#define LDR_DEVICE_OPEN_SO_FAILED "11002"

/* True when text reports device error code 11002: "errcode 11002" (the simulator) or
 * "errcode:11002" (CANN's host log), case-insensitively, not followed by another digit. */
static bool ldr_message_says_so_missing(const char *text)
{
    static const char key[] = "errcode";
    for (const char *at = text; (at = strcasestr(at, key)) != NULL;) {
        at += sizeof key - 1;
        while (*at == ' ' || *at == ':' || *at == '=')
            at++;
        size_t n = sizeof LDR_DEVICE_OPEN_SO_FAILED - 1;
        if (strncmp(at, LDR_DEVICE_OPEN_SO_FAILED, n) == 0 && !isdigit((unsigned char)at[n]))
            return true;
    }
    return false;
}

void ldr_sync_failure_note(int code)
{
    const ldr_runtime_t *rt = ldr_runtime_ready();
    if (code != ACL_ERROR_RT_AICPU_EXCEPTION || !rt)
        return;
    const char *recent = ldr_runtime_recent_message();
    int32_t device = -1;
    if (!recent || !ldr_message_says_so_missing(recent) || rt->get_device(&device) != ACL_SUCCESS)
        return;
    size_t retired = ldr_cache_retire_missing(device, recent);
    if (retired > 0)
        ldr_log(LDR_LOG_INFO,
                "device %" PRId32 " could not open a published SO (errcode 11002): %zu module(s) "
                "retired from the process cache, the next load publishes again",
                device, retired);
}
