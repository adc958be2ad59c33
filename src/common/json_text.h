/* The JSON writer shared by the akl CLI, akl-bench and the examples: a document is built as a
 * json-c tree, one member at a time, and printed compactly as one line. Every string goes through
 * akl_json_text_utf8 first, so the output is valid UTF-8 JSON whatever bytes a file name holds:
 * each byte that is not part of a well-formed UTF-8 sequence becomes U+FFFD, and a member whose
 * value had to be changed gets a sibling "<key>_hex" holding the exact bytes in lowercase hex. */
#ifndef AKL_JSON_TEXT_H
#define AKL_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* True when the size bytes at text are well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
bool akl_json_text_is_utf8(const char *text, size_t size);

/* A malloc'd NUL-terminated copy of the size bytes at bytes in which every byte that is not part
 * of a well-formed UTF-8 sequence is replaced by U+FFFD (EF BF BD). NULL when out of memory. */
char *akl_json_text_utf8(const char *bytes, size_t size);

#define AKL_JSON_MAX_DEPTH 16

/* One document under construction. Keys are NULL inside arrays. */
typedef struct akl_json {
    FILE *out;
    struct json_object *stack[AKL_JSON_MAX_DEPTH]; /* stack[0] is the document */
    int depth;
    bool failed; /* an allocation failed: akl_json_end prints nothing and returns -1 */
} akl_json_t;

void akl_json_begin(akl_json_t *json, FILE *out);
/* Prints the document and a newline to out and flushes it. Returns 0, or -1 if the document could
 * not be built or written. */
int akl_json_end(akl_json_t *json);
void akl_json_object_begin(akl_json_t *json, const char *key);
void akl_json_object_end(akl_json_t *json);
void akl_json_array_begin(akl_json_t *json, const char *key);
void akl_json_array_end(akl_json_t *json);
/* value NULL is written as null. */
void akl_json_string(akl_json_t *json, const char *key, const char *value);
void akl_json_int(akl_json_t *json, const char *key, int64_t value);
void akl_json_uint(akl_json_t *json, const char *key, uint64_t value);
/* At most 9 significant digits; NaN and infinities (which JSON cannot spell) are written null. */
void akl_json_double(akl_json_t *json, const char *key, double value);
void akl_json_bool(akl_json_t *json, const char *key, bool value);

#endif /* AKL_JSON_TEXT_H */
