/* Messages and names for akl_sim_rts: bounded error messages, printable copies of untrusted names,
 * and CANN's same-name-other-extension path convention. */
#include "rts_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rtError_t rts_fail(rtError_t rc, cmn_msg_t *msg, const char *fmt, ...)
{
    cmn_msg_clear(msg);
    va_list ap;
    va_start(ap, fmt);
    cmn_msg_vadd(msg, fmt, ap);
    va_end(ap);
    return rc;
}

rts_shown_t rts_show(const char *name)
{
    rts_shown_t shown;
    size_t i = 0;
    for (; name && name[i] && i < RTS_SHOW_MAX; i++) {
        unsigned char c = (unsigned char)name[i];
        shown.text[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (name && name[i]) {
        memcpy(shown.text + i, "...", 3);
        i += 3;
    }
    shown.text[i] = '\0';
    return shown;
}

const char *rts_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int rts_replace_extension(const char *path, const char *ext, char *out, size_t cap)
{
    const char *base = rts_basename(path);
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
    size_t ext_len = strlen(ext);
    if (stem + ext_len + 1 > cap)
        return -1;
    memcpy(out, path, stem);
    memcpy(out + stem, ext, ext_len + 1);
    return 0;
}

char *rts_strdup(const char *text)
{
    return text ? strdup(text) : NULL;
}
