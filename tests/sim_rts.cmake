# Tests of the Mode B registration logic (src/sim/rts): descriptor parsing, load options, the
# handle registry and the launch checks. In-process; no device.

# Until src/sim/CMakeLists.txt adds the directory itself.
if(NOT TARGET akl_sim_rts)
  add_subdirectory(${PROJECT_SOURCE_DIR}/src/sim/rts ${PROJECT_BINARY_DIR}/src/sim/rts)
endif()

akl_add_test(rts_descriptor SOURCES unit/test_rts_descriptor.c LIBS akl_sim_rts
  LABELS concurrency TIMEOUT 120)
