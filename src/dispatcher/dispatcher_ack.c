/* The acknowledgement record: the dispatcher's only channel back to the host, which reads it after
 * the synchronize. It is built in local memory and copied out once, magic last. */
#define _GNU_SOURCE
#include "dispatcher_ack.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dispatcher_ack_init(akl_bootstrap_ack_t *ack)
{
    memset(ack, 0, sizeof *ack);
    ack->version = AKL_BOOT_VERSION;
}

/* Paths longer than the record's field are cut; the record must stay NUL-terminated. */
static void dispatcher_ack_set_path(akl_bootstrap_ack_t *ack, const char *path)
{
    snprintf(ack->path, sizeof ack->path, "%s", path != NULL ? path : "");
}

void dispatcher_ack_succeed(akl_bootstrap_ack_t *ack, akl_ack_status_t status, uint64_t bytes,
                            const char *path, const char *detail_fmt, ...)
{
    ack->status = (int32_t)status;
    ack->err = 0;
    ack->stage = AKL_STAGE_NONE;
    ack->bytes = bytes;
    dispatcher_ack_set_path(ack, path);
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(ack->detail, sizeof ack->detail, detail_fmt, ap);
    va_end(ap);
}

void dispatcher_ack_fail(akl_bootstrap_ack_t *ack, akl_ack_stage_t stage, int err, const char *path,
                         const char *detail_fmt, ...)
{
    ack->status = AKL_ACK_FAILED;
    ack->err = err;
    ack->stage = (uint32_t)stage;
    dispatcher_ack_set_path(ack, path);
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(ack->detail, sizeof ack->detail, detail_fmt, ap);
    va_end(ap);
}

void dispatcher_ack_clear(akl_bootstrap_ack_t *dst)
{
    __atomic_store_n(&dst->magic, 0, __ATOMIC_RELEASE);
}

void dispatcher_ack_store(akl_bootstrap_ack_t *dst, const akl_bootstrap_ack_t *ack)
{
    size_t head = sizeof ack->magic;
    memcpy((char *)dst + head, (const char *)ack + head, sizeof *ack - head);
    /* The release store orders the record before its magic: a reader that sees the magic sees
     * the whole record. */
    __atomic_store_n(&dst->magic, AKL_ACK_MAGIC, __ATOMIC_RELEASE);
}

const char *dispatcher_errstr(int err, char *buf, size_t cap)
{
    /* GNU strerror_r may return a static string instead of filling buf. */
    const char *text = strerror_r(err, buf, cap);
    if (text != buf)
        snprintf(buf, cap, "%s", text);
    return buf;
}
