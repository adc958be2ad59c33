# Unit tests of src/common, one program per source file (tests/common/test_<file>.c).
function(akl_common_test name)
  akl_add_test(common_${name} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${name}.c
    LIBS akl_common ${ARGN} LABELS unit)
endfunction()

akl_common_test(msgbuf)
akl_common_test(so_name)
akl_common_test(clock)
akl_common_test(fd_io)
akl_common_test(temps)
akl_common_test(publish)
# src/common/host/json_text.c (host only: json-c).
akl_add_test(json_text SOURCES ${CMAKE_CURRENT_LIST_DIR}/host/test_json_text.c LIBS akl_json_text
  LABELS unit)
