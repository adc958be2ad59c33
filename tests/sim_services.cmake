# Tests of the device-side CANN services (src/sim/services): DlogRecord/CheckLogLevel and
# halGetDeviceInfo, in-process, plus the test kernel that calls them (also used by the
# scheduler-level integration test once the scheduler exports the services).

# Until src/sim/CMakeLists.txt adds the directory itself.
if(NOT TARGET akl_sim_services)
  add_subdirectory(${PROJECT_SOURCE_DIR}/src/sim/services ${PROJECT_BINARY_DIR}/src/sim/services)
endif()

akl_test_kernel(svck_services SOURCES kernels/svck_services.c)

# ENABLE_EXPORTS: the test program stands in for the scheduler, exporting the services to the
# kernel it dlopens.
akl_add_test(device_services SOURCES unit/test_device_services.c
  LIBS akl_sim_services ${CMAKE_DL_LIBS}
  DEPENDS kernel_svck_services LABELS concurrency TIMEOUT 120)
set_target_properties(test_device_services PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(test_device_services PRIVATE ${PROJECT_SOURCE_DIR}/tests/kernels)
