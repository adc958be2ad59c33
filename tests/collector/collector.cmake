# Tests of akl_collector.so, run in-process: the test dlopens the built collector and calls its
# kernel with the arguments and the result table in host memory (in-process, a device address is
# just a pointer). The collector's path on the simulator and on the aarch64 device:
# tests/loader/gc.cmake (device_gc).
akl_add_test(collector SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_collector.c
  LIBS akl_test_support DEPENDS akl_collector)
target_include_directories(test_collector PRIVATE ${PROJECT_SOURCE_DIR}/src/common
  ${PROJECT_SOURCE_DIR}/src/collector)
target_compile_definitions(test_collector PRIVATE
  AKL_COLLECTOR_PATH="$<TARGET_FILE:akl_collector>")
target_link_libraries(test_collector PRIVATE ${CMAKE_DL_LIBS} akl_test_sched_answers)
# The collector asks the scheduler for its run mode and vf id (akl_test_sched_answers): the program
# must export them for the dlopened collector to bind to.
set_target_properties(test_collector PROPERTIES ENABLE_EXPORTS ON)

# Both device objects stay small and libc-only on the host's architecture too (the aarch64 copies:
# tests/aarch64.cmake).
find_program(AKL_HOST_READELF NAMES readelf)
if(AKL_HOST_READELF)
  add_test(NAME dispatcher_size COMMAND ${CMAKE_COMMAND}
    -DFILE=$<TARGET_FILE:akl_dispatcher> -DREADELF=${AKL_HOST_READELF} -DHOST=ON
    -P ${PROJECT_SOURCE_DIR}/tests/aarch64/check_dispatcher.cmake)
  add_test(NAME collector_size COMMAND ${CMAKE_COMMAND}
    -DFILE=$<TARGET_FILE:akl_collector> -DREADELF=${AKL_HOST_READELF} -DHOST=ON
    -DEXPORTS=akl_collect -P ${PROJECT_SOURCE_DIR}/tests/aarch64/check_dispatcher.cmake)
  set_tests_properties(dispatcher_size collector_size PROPERTIES LABELS "dispatcher" TIMEOUT 60)
endif()
