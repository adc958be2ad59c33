# Tests of the Mode B registration logic (src/sim/rts): descriptor parsing, load options, the
# handle registry and the launch checks. In-process; no device.

akl_add_test(rts_descriptor SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rts_descriptor.c LIBS akl_sim_rts
  LABELS concurrency TIMEOUT 120)
