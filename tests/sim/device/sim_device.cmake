# Tests of the simulated device's device-side pieces (src/sim/device): filesystem layout, kernel
# lookup and the simulator's libaicpu_extend_kernels.so. In-process; no scheduler needed.

# Two builds of one kernel file that answer differently, to tell copies apart.
akl_test_kernel(lookk_v1 SOURCES kernels/lookk_basic.c)
target_compile_definitions(kernel_lookk_v1 PRIVATE LOOKK_VALUE=1)
akl_test_kernel(lookk_v2 SOURCES kernels/lookk_basic.c)
target_compile_definitions(kernel_lookk_v2 PRIVATE LOOKK_VALUE=2)

# Fake dispatchers: two complete builds and one that lacks StaticTileFwkBackendKernelServer.
akl_test_kernel(lookk_disp_a SOURCES kernels/lookk_fake_dispatcher.c)
target_compile_definitions(kernel_lookk_disp_a PRIVATE LOOKK_DISPATCHER_ID=1)
akl_test_kernel(lookk_disp_b SOURCES kernels/lookk_fake_dispatcher.c)
target_compile_definitions(kernel_lookk_disp_b PRIVATE LOOKK_DISPATCHER_ID=2)
akl_test_kernel(lookk_disp_noexport SOURCES kernels/lookk_fake_dispatcher.c)
target_compile_definitions(kernel_lookk_disp_noexport PRIVATE LOOKK_DISPATCHER_ID=3
  LOOKK_OMIT_STATIC=1)
foreach(_disp lookk_disp_a lookk_disp_b lookk_disp_noexport)
  target_include_directories(kernel_${_disp} PRIVATE ${PROJECT_SOURCE_DIR}/src/dispatcher ${PROJECT_SOURCE_DIR}/src/common)
endforeach()

set(_sim_extend_lib "$<TARGET_FILE:aicpu_extend_kernels>")

akl_add_test(sim_paths SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_paths.c LIBS akl_sim_device
  DEPENDS aicpu_extend_kernels LABELS concurrency TIMEOUT 120)
target_compile_definitions(test_sim_paths PRIVATE SIM_TEST_EXTEND_LIB="${_sim_extend_lib}")

akl_add_test(kernel_lookup SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kernel_lookup.c LIBS akl_sim_device
  DEPENDS aicpu_extend_kernels kernel_lookk_v1 kernel_lookk_v2 LABELS concurrency TIMEOUT 120)
target_compile_definitions(test_kernel_lookup PRIVATE SIM_TEST_EXTEND_LIB="${_sim_extend_lib}")

akl_add_test(extend_kernels SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_extend_kernels.c LIBS ${CMAKE_DL_LIBS}
  DEPENDS aicpu_extend_kernels kernel_lookk_disp_a kernel_lookk_disp_b kernel_lookk_disp_noexport
  LABELS concurrency TIMEOUT 120)
target_include_directories(test_extend_kernels PRIVATE ${PROJECT_SOURCE_DIR}/src/dispatcher ${PROJECT_SOURCE_DIR}/src/common
  ${PROJECT_SOURCE_DIR}/tests/kernels)
target_compile_definitions(test_extend_kernels PRIVATE SIM_TEST_EXTEND_LIB="${_sim_extend_lib}")
