# Tests of akl_dispatcher.so, run in-process: the test dlopens the built dispatcher and calls its
# exports with bootstrap structs in host memory (in-process, a device address is just a pointer).
find_library(AKL_DISPATCHER_TEST_XXHASH xxhash)

akl_test_kernel(dispk_probe SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/dispk_probe.c)

# akl_dispatcher_test(<name> SOURCES <files...> [LABELS <labels...>])
function(akl_dispatcher_test name)
  cmake_parse_arguments(D "" "" "SOURCES;LABELS" ${ARGN})
  akl_add_test(${name} SOURCES ${D_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher_common.c
    LABELS ${D_LABELS} DEPENDS akl_dispatcher kernel_dispk_probe)
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src/dispatcher ${PROJECT_SOURCE_DIR}/src/common
    ${CMAKE_CURRENT_LIST_DIR} ${XXHASH_INCLUDE_DIR})
  target_compile_definitions(test_${name} PRIVATE
    AKL_DISPATCHER_PATH="$<TARGET_FILE:akl_dispatcher>"
    AKL_DISPATCHER_PROBE_KERNEL="$<TARGET_FILE:kernel_dispk_probe>")
  target_link_libraries(test_${name} PRIVATE ${CMAKE_DL_LIBS} akl_test_sched_answers)
  # The dispatcher asks the scheduler for its run mode and vf id (akl_test_sched_answers defines
  # them): the program must export them for the dlopened dispatcher to bind to.
  set_target_properties(test_${name} PROPERTIES ENABLE_EXPORTS ON)
  # The reference fingerprint comes from Debian's separately built libxxhash where available, so
  # that the dispatcher's compiled-in XXH3 is checked against an independent build.
  if(AKL_DISPATCHER_TEST_XXHASH)
    target_link_libraries(test_${name} PRIVATE ${AKL_DISPATCHER_TEST_XXHASH})
  else()
    target_compile_definitions(test_${name} PRIVATE AKL_DISPATCHER_TEST_XXH_INLINE=1)
  endif()
endfunction()

akl_dispatcher_test(dispatcher SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher.c)
akl_dispatcher_test(dispatcher_elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher_elf.c)
akl_dispatcher_test(dispatcher_concurrency
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher_concurrency.c LABELS concurrency)
akl_dispatcher_test(dispatcher_hold SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher_hold.c)
