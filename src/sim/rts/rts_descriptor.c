/* The JSON op descriptor of Mode B registration, parsed with json-c: a top-level object whose keys
 * are op types, each with an "opInfo" object holding the strings functionName, kernelSo,
 * opKernelLib and userDefined ("True"/"False"). opKernelLib picks the kernel type as CANN's
 * SetCpuKernelAttr does (hicann/runtime src/runtime/core/src/kernel/program_common.cc).
 *
 * CANN (json_parse.cc) skips entries it cannot use and defaults missing fields; the simulator
 * refuses the whole descriptor instead, naming the op and the field, so a mistake shows at load
 * time rather than as a failed launch. A key that appears twice in one object keeps its last
 * value, as with CANN's parser (nlohmann::json) and json-c. */
#include "rts_descriptor.h"
#include "rts_limits.h"
#include "rts_text.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RTS_JSON_DEPTH 32

typedef struct rts_kernel_lib {
    const char *name;
    uint32_t type;
    uint32_t type_if_user_defined;
} rts_kernel_lib_t;

static const rts_kernel_lib_t rts_kernel_libs[] = {
    {"AICPUKernel", KERNEL_TYPE_AICPU, KERNEL_TYPE_AICPU_CUSTOM},
    {"CUSTAICPUKernel", KERNEL_TYPE_AICPU_CUSTOM, KERNEL_TYPE_AICPU_CUSTOM},
    {"KFCKernel", KERNEL_TYPE_AICPU_KFC, KERNEL_TYPE_AICPU_KFC},
    {"CUSTKFCKernel", KERNEL_TYPE_CUSTOM_KFC, KERNEL_TYPE_CUSTOM_KFC},
    {"TFKernel", KERNEL_TYPE_FWK, KERNEL_TYPE_FWK},
};

static const char *rts_json_kind(const json_object *obj)
{
    switch (json_object_get_type(obj)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
    case json_type_int:
        return "a number";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    default:
        return "a string";
    }
}

/* ---- the text ---- */

static rtError_t rts_check_text(const char *data, size_t size, const char *name, cmn_msg_t *msg)
{
    if (size == 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the descriptor is empty", name);
    if (size > SIM_RTS_DESCRIPTOR_MAX)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "%s: the descriptor is %zu bytes, more than the %zu-byte limit", name, size,
                        SIM_RTS_DESCRIPTOR_MAX);
    const char *nul = memchr(data, '\0', size);
    if (nul)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "%s: not JSON text: byte %zu is a NUL character", name,
                        (size_t)(nul - data));
    return ACL_RT_SUCCESS;
}

static bool rts_only_space(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            return false;
    }
    return true;
}

/* json-c's strict mode still takes single-quoted strings and raw control characters inside strings,
 * which JSON (and CANN's parser) refuse; this lexical pass refuses them first. */
static rtError_t rts_check_lexical(const char *data, size_t size, const char *name, cmn_msg_t *msg)
{
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)data[i];
        if (!in_string) {
            if (c == '\'')
                return rts_fail(
                    ACL_ERROR_RT_PARAM_INVALID, msg,
                    "%s: not valid JSON at byte %zu: single-quoted strings are not JSON", name, i);
            in_string = c == '"';
        } else if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = true;
        } else if (c == '"') {
            in_string = false;
        } else if (c < 0x20) {
            return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                            "%s: not valid JSON at byte %zu: control character 0x%02x inside a "
                            "string",
                            name, i, c);
        }
    }
    return ACL_RT_SUCCESS;
}

/* NaN and Infinity, which json-c accepts, are not JSON numbers. */
static bool rts_has_non_finite(json_object *obj, int depth)
{
    if (depth > RTS_JSON_DEPTH)
        return false;
    switch (json_object_get_type(obj)) {
    case json_type_double: {
        return !isfinite(json_object_get_double(obj));
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(obj); i++) {
            if (rts_has_non_finite(json_object_array_get_idx(obj, i), depth + 1))
                return true;
        }
        return false;
    case json_type_object: {
        json_object_object_foreach(obj, key, value)
        {
            (void)key;
            if (rts_has_non_finite(value, depth + 1))
                return true;
        }
        return false;
    }
    default:
        return false;
    }
}

/* json-c cannot tell that a bare top-level number or literal has ended until it sees one more
 * character; a value still open after that is a truncated document. */
static json_object *rts_finish_value(json_tokener *tok)
{
    return json_tokener_parse_ex(tok, " ", 1);
}

static rtError_t rts_parse_json(const char *data, size_t size, const char *name, json_object **root,
                                cmn_msg_t *msg)
{
    json_tokener *tok = json_tokener_new_ex(RTS_JSON_DEPTH);
    if (!tok)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", name);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, data, (int)size);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!obj && err == json_tokener_continue) {
        obj = rts_finish_value(tok);
        err = json_tokener_get_error(tok);
    }
    rtError_t rc = ACL_RT_SUCCESS;
    if (!obj && err == json_tokener_success) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: the top level is null, not an object mapping op types to their opInfo",
                      name);
    } else if (!obj && err == json_tokener_continue) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: truncated: the JSON text ends after %zu bytes inside an unfinished "
                      "value",
                      name, size);
    } else if (!obj) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: not valid JSON at byte %zu: %s", name,
                      end, json_tokener_error_desc(err));
    } else if (end < size && !rts_only_space(data + end, size - end)) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: unexpected data after the JSON value at byte %zu", name, end);
        json_object_put(obj);
        obj = NULL;
    } else if (rts_has_non_finite(obj, 0)) {
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: not valid JSON: NaN and Infinity are not JSON numbers", name);
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    *root = obj;
    return rc;
}

/* ---- one op ---- */

typedef struct rts_op_ctx {
    const char *name; /* the descriptor, for messages */
    rts_shown_t op;   /* the op type, printable */
    cmn_msg_t *msg;
} rts_op_ctx_t;

/* opInfo.<field> as a string of 1..max bytes without NUL characters. */
static rtError_t rts_string_field(const rts_op_ctx_t *c, json_object *info, const char *field,
                                  size_t max, const char **out)
{
    json_object *value = NULL;
    if (!json_object_object_get_ex(info, field, &value))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg, "%s: op '%s': opInfo.%s missing",
                        c->name, c->op.text, field);
    if (!json_object_is_type(value, json_type_string))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': opInfo.%s is %s, not a string", c->name, c->op.text, field,
                        rts_json_kind(value));
    const char *text = json_object_get_string(value);
    size_t len = (size_t)json_object_get_string_len(value);
    if (len == 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg, "%s: op '%s': opInfo.%s is empty",
                        c->name, c->op.text, field);
    if (strlen(text) != len)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': opInfo.%s contains a NUL character", c->name, c->op.text,
                        field);
    if (len > max)
        return rts_fail(
            ACL_ERROR_RT_PARAM_INVALID, c->msg,
            "%s: op '%s': opInfo.%s is %zu bytes, longer than the device's limit of %zu", c->name,
            c->op.text, field, len, max);
    *out = text;
    return ACL_RT_SUCCESS;
}

static rtError_t rts_kernel_type(const rts_op_ctx_t *c, const char *lib, const char *user_defined,
                                 uint32_t *type)
{
    bool user;
    if (strcmp(user_defined, "True") == 0)
        user = true;
    else if (strcmp(user_defined, "False") == 0)
        user = false;
    else
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': opInfo.userDefined is '%s', neither \"True\" nor \"False\"",
                        c->name, c->op.text, rts_show(user_defined).text);
    for (size_t i = 0; i < sizeof rts_kernel_libs / sizeof rts_kernel_libs[0]; i++) {
        if (strcmp(lib, rts_kernel_libs[i].name) == 0) {
            *type = user ? rts_kernel_libs[i].type_if_user_defined : rts_kernel_libs[i].type;
            return ACL_RT_SUCCESS;
        }
    }
    return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                    "%s: op '%s': opInfo.opKernelLib '%s' is unknown (expected AICPUKernel, "
                    "CUSTAICPUKernel, KFCKernel, CUSTKFCKernel or TFKernel)",
                    c->name, c->op.text, rts_show(lib).text);
}

static rtError_t rts_check_op_type(const rts_op_ctx_t *c, const char *key)
{
    size_t len = strlen(key);
    if (len == 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: an op type (a top-level key) is empty", c->name);
    if (len > SIM_RTS_OP_TYPE_MAX)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': the op type is %zu bytes, longer than %d", c->name,
                        c->op.text, len, SIM_RTS_OP_TYPE_MAX);
    return ACL_RT_SUCCESS;
}

static rtError_t rts_parse_op(const rts_op_ctx_t *c, const char *key, json_object *value,
                              rts_entry_t *entry)
{
    rtError_t rc = rts_check_op_type(c, key);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    if (!json_object_is_type(value, json_type_object))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': the entry is %s, not an object", c->name, c->op.text,
                        rts_json_kind(value));
    json_object *info = NULL;
    if (!json_object_object_get_ex(value, "opInfo", &info))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg, "%s: op '%s': opInfo missing", c->name,
                        c->op.text);
    if (!json_object_is_type(info, json_type_object))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, c->msg,
                        "%s: op '%s': opInfo is %s, not an object", c->name, c->op.text,
                        rts_json_kind(info));
    const char *func = NULL, *so = NULL, *lib = NULL, *user = NULL;
    if ((rc = rts_string_field(c, info, "functionName", SIM_RTS_FUNC_NAME_MAX, &func)) ||
        (rc = rts_string_field(c, info, "kernelSo", SIM_RTS_SO_NAME_MAX, &so)) ||
        (rc = rts_string_field(c, info, "opKernelLib", SIZE_MAX, &lib)) ||
        (rc = rts_string_field(c, info, "userDefined", SIZE_MAX, &user)) ||
        (rc = rts_kernel_type(c, lib, user, &entry->kernel_type)))
        return rc;
    entry->op_type = strdup(key);
    entry->function_name = strdup(func);
    entry->kernel_so = strdup(so);
    if (!entry->op_type || !entry->function_name || !entry->kernel_so)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, c->msg, "%s: out of memory", c->name);
    return ACL_RT_SUCCESS;
}

/* ---- the whole descriptor ---- */

static rtError_t rts_parse_ops(json_object *root, const char *name, rts_descriptor_t *out,
                               cmn_msg_t *msg)
{
    if (!json_object_is_type(root, json_type_object))
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                        "%s: the top level is %s, not an object mapping op types to their opInfo",
                        name, rts_json_kind(root));
    size_t count = (size_t)json_object_object_length(root);
    out->entries = count ? calloc(count, sizeof *out->entries) : NULL;
    if (count && !out->entries)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg, "%s: out of memory", name);
    json_object_object_foreach(root, key, value)
    {
        rts_op_ctx_t c = {name, rts_show(key), msg};
        rtError_t rc = rts_parse_op(&c, key, value, &out->entries[out->count++]);
        if (rc != ACL_RT_SUCCESS)
            return rc;
    }
    return ACL_RT_SUCCESS;
}

rtError_t rts_descriptor_parse(const void *data, size_t size, const char *name,
                               rts_descriptor_t *out, cmn_msg_t *msg)
{
    *out = (rts_descriptor_t){0};
    cmn_msg_clear(msg);
    if (!data && size > 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: descriptor data is NULL", name);
    rtError_t rc = rts_check_text(data, size, name, msg);
    if (rc == ACL_RT_SUCCESS)
        rc = rts_check_lexical(data, size, name, msg);
    if (rc != ACL_RT_SUCCESS)
        return rc;
    json_object *root = NULL;
    rc = rts_parse_json(data, size, name, &root, msg);
    if (rc == ACL_RT_SUCCESS)
        rc = rts_parse_ops(root, name, out, msg);
    json_object_put(root);
    if (rc != ACL_RT_SUCCESS)
        rts_descriptor_free(out);
    return rc;
}

void rts_descriptor_free(rts_descriptor_t *desc)
{
    for (size_t i = 0; i < desc->count; i++) {
        free(desc->entries[i].op_type);
        free(desc->entries[i].function_name);
        free(desc->entries[i].kernel_so);
    }
    free(desc->entries);
    *desc = (rts_descriptor_t){0};
}

/* ---- files ---- */

static rtError_t rts_read_fd(int fd, const char *path, const char *what, size_t size, void **data,
                             cmn_msg_t *msg)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return rts_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, msg,
                        "%s: out of memory reading the %s (%zu bytes)", path, what, size);
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : 0;
            free(buf);
            return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: cannot read the %s: %s", path,
                            what, e ? strerror(e) : "it shrank while being read");
        }
        done += (size_t)n;
    }
    *data = buf;
    return ACL_RT_SUCCESS;
}

rtError_t rts_read_file(const char *path, size_t limit, const char *what, void **data, size_t *size,
                        cmn_msg_t *msg)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: cannot open the %s: %s", path, what,
                        strerror(errno));
    struct stat st;
    rtError_t rc = ACL_RT_SUCCESS;
    if (fstat(fd, &st) != 0)
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: cannot stat the %s: %s", path, what,
                      strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg, "%s: the %s is not a regular file", path,
                      what);
    else if ((uint64_t)st.st_size > limit)
        rc = rts_fail(ACL_ERROR_RT_PARAM_INVALID, msg,
                      "%s: the %s is %lld bytes, more than the %zu-byte limit", path, what,
                      (long long)st.st_size, limit);
    else
        rc = rts_read_fd(fd, path, what, (size_t)st.st_size, data, msg);
    if (rc == ACL_RT_SUCCESS)
        *size = (size_t)st.st_size;
    close(fd);
    return rc;
}
