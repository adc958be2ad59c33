/* The JSON writer shared by the akl CLI, akl-bench and the examples (see json_text.h): json-c
 * builds and prints the tree; this file adds the byte-to-UTF-8 rule every string goes through. */
#include "json_text.h"

#include <json-c/json.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- bytes to UTF-8 -------------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence starting at p (Unicode table 3-7), or 0 when the
 * byte at p does not start one. left >= 1 is how many bytes remain. */
static size_t json_text_sequence_length(const unsigned char *p, size_t left)
{
    unsigned char lead = p[0];
    if (lead < 0x80)
        return 1;
    size_t length;
    unsigned char second_min = 0x80, second_max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            second_min = 0xa0; /* overlong below */
        else if (lead == 0xed)
            second_max = 0x9f; /* surrogates above */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            second_min = 0x90; /* overlong below */
        else if (lead == 0xf4)
            second_max = 0x8f; /* beyond U+10FFFF above */
    } else {
        return 0; /* a continuation byte, an overlong lead (C0, C1) or F5..FF */
    }
    if (left < length || p[1] < second_min || p[1] > second_max)
        return 0;
    for (size_t i = 2; i < length; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return length;
}

bool akl_json_text_is_utf8(const char *text, size_t size)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < size;) {
        size_t n = json_text_sequence_length(p + i, size - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

char *akl_json_text_utf8(const char *bytes, size_t size)
{
    /* Each replaced byte grows to three. */
    if (size > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(3 * size + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)bytes;
    size_t o = 0;
    for (size_t i = 0; i < size;) {
        size_t n = json_text_sequence_length(p + i, size - i);
        if (n == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = 0;
    return out;
}

/* ---- building a document --------------------------------------------------------------------- */

/* Adds value (NULL stands for null) to the innermost open container, under key in an object.
 * Takes ownership of value. */
static void json_add(akl_json_t *json, const char *key, json_object *value)
{
    json_object *container = json->stack[json->depth];
    int rc = -1;
    if (!json->failed && container) {
        if (json_object_is_type(container, json_type_array))
            rc = json_object_array_add(container, value);
        else if (key)
            rc = json_object_object_add(container, key, value);
    }
    if (rc != 0) {
        json_object_put(value);
        json->failed = true;
    }
}

/* json_add of a freshly made value: a NULL from json-c here means it ran out of memory. */
static void json_add_new(akl_json_t *json, const char *key, json_object *value)
{
    if (!value) {
        json->failed = true;
        return;
    }
    json_add(json, key, value);
}

static void json_open(akl_json_t *json, const char *key, json_object *container)
{
    if (!container || json->depth + 1 >= AKL_JSON_MAX_DEPTH) {
        json_object_put(container);
        json->failed = true;
        return;
    }
    json_add(json, key, json_object_get(container));
    json->stack[++json->depth] = container;
}

static void json_close(akl_json_t *json)
{
    if (json->depth == 0) {
        json->failed = true;
        return;
    }
    json_object_put(json->stack[json->depth]);
    json->stack[json->depth--] = NULL;
}

void akl_json_begin(akl_json_t *json, FILE *out)
{
    memset(json, 0, sizeof *json);
    json->out = out;
    json->stack[0] = json_object_new_object();
    json->failed = json->stack[0] == NULL;
}

int akl_json_end(akl_json_t *json)
{
    while (json->depth > 0)
        json_close(json);
    int rc = -1;
    if (!json->failed) {
        const char *text = json_object_to_json_string_ext(
            json->stack[0], JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text && fputs(text, json->out) >= 0 && fputc('\n', json->out) != EOF)
            rc = 0;
    }
    if (fflush(json->out) != 0)
        rc = -1;
    json_object_put(json->stack[0]);
    json->stack[0] = NULL;
    return rc;
}

void akl_json_object_begin(akl_json_t *json, const char *key)
{
    json_open(json, key, json_object_new_object());
}

void akl_json_object_end(akl_json_t *json)
{
    json_close(json);
}

void akl_json_array_begin(akl_json_t *json, const char *key)
{
    json_open(json, key, json_object_new_array());
}

void akl_json_array_end(akl_json_t *json)
{
    json_close(json);
}

/* "<key>_hex": the exact bytes of a value that had to be changed to be valid UTF-8. */
static void json_add_hex_sibling(akl_json_t *json, const char *key, const char *value)
{
    static const char digits[] = "0123456789abcdef";
    size_t size = strlen(value), key_len = strlen(key);
    char *hex = malloc(2 * size + 1);
    char *hex_key = malloc(key_len + sizeof "_hex");
    if (hex && hex_key) {
        for (size_t i = 0; i < size; i++) {
            hex[2 * i] = digits[(unsigned char)value[i] >> 4];
            hex[2 * i + 1] = digits[(unsigned char)value[i] & 15];
        }
        hex[2 * size] = 0;
        memcpy(hex_key, key, key_len);
        memcpy(hex_key + key_len, "_hex", sizeof "_hex");
        json_add_new(json, hex_key, json_object_new_string(hex));
    } else {
        json->failed = true;
    }
    free(hex);
    free(hex_key);
}

void akl_json_string(akl_json_t *json, const char *key, const char *value)
{
    if (!value) {
        json_add(json, key, NULL);
        return;
    }
    size_t size = strlen(value);
    if (size > INT_MAX) {
        json->failed = true;
        return;
    }
    if (akl_json_text_is_utf8(value, size)) {
        json_add_new(json, key, json_object_new_string_len(value, (int)size));
        return;
    }
    char *text = akl_json_text_utf8(value, size);
    json_add_new(json, key, text ? json_object_new_string(text) : NULL);
    free(text);
    if (key)
        json_add_hex_sibling(json, key, value);
}

void akl_json_int(akl_json_t *json, const char *key, int64_t value)
{
    json_add_new(json, key, json_object_new_int64(value));
}

void akl_json_uint(akl_json_t *json, const char *key, uint64_t value)
{
    json_add_new(json, key, json_object_new_uint64(value));
}

void akl_json_double(akl_json_t *json, const char *key, double value)
{
    if (!isfinite(value)) {
        json_add(json, key, NULL);
        return;
    }
    char text[32];
    snprintf(text, sizeof text, "%.9g", value);
    json_add_new(json, key, json_object_new_double_s(value, text));
}

void akl_json_bool(akl_json_t *json, const char *key, bool value)
{
    json_add_new(json, key, json_object_new_boolean(value));
}
