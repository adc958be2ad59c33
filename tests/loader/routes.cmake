# Tests of the two load routes (extend and custom, issue 12): every simulated install variant,
# AKL_ROUTE, the route probe, both routes at scale, and protocol-version mismatches in both
# directions.

# An older dispatcher for the version tests: the same sources speaking bootstrap protocol 1.
akl_dispatcher_library(akl_dispatcher_v1 MODULE BOOT_VERSION 1)
set_target_properties(akl_dispatcher_v1 PROPERTIES OUTPUT_NAME akl_dispatcher_v1
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)

akl_add_test(routes
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_routes.c ${CMAKE_CURRENT_LIST_DIR}/test_latch_util.c
  LIBS akl akl_test_cli_spawn aclsim
  DEPENDS akl_vector_add_example akl_hello_example aclsim akl_dispatcher akl_dispatcher_v1
    kernel_ldrk_basic
  LABELS integration routes
  TIMEOUT 600)
target_include_directories(test_routes PRIVATE ${PROJECT_SOURCE_DIR}/examples/vector_add
  ${PROJECT_SOURCE_DIR}/src/dispatcher ${PROJECT_SOURCE_DIR}/src/common)
target_compile_definitions(test_routes PRIVATE
  AKL_DISPATCHER_PATH="$<TARGET_FILE:akl_dispatcher>"
  AKL_DISPATCHER_V1_PATH="$<TARGET_FILE:akl_dispatcher_v1>")

akl_add_test(routes_concurrency
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_routes_concurrency.c
  LIBS akl_test_vector_add
  DEPENDS akl_vector_add_example aclsim
  LABELS integration routes concurrency
  TIMEOUT 900)
