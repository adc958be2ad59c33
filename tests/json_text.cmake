# Tests of the shared JSON writer (src/common/json_text.c): the byte-to-UTF-8 rule and documents.
akl_add_test(json_text SOURCES unit/test_json_text.c LIBS akl_json_text LABELS unit)
