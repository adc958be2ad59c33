# Tests of the device-side CANN services (src/sim/services): DlogRecord/CheckLogLevel and
# halGetDeviceInfo in-process (unit), inside the real aicpu scheduler (integration), and what the
# scheduler exports to the kernels it loads.
akl_test_kernel(svck_services SOURCES kernels/svck_services.c)

# ENABLE_EXPORTS: the test program stands in for the scheduler, exporting the services to the
# kernel it dlopens.
akl_add_test(device_services SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device_services.c
  LIBS akl_sim_services ${CMAKE_DL_LIBS}
  DEPENDS kernel_svck_services LABELS concurrency TIMEOUT 120)
set_target_properties(test_device_services PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(test_device_services PRIVATE ${PROJECT_SOURCE_DIR}/tests/kernels)

# The kernel in a real scheduler, whose worker count and log level come from the environment.
akl_add_test(sim_services
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_services.c sim/test_sim_util.c
    sim/test_svck_util.c
  LIBS aclsim akl_sim_device
  DEPENDS akl_aicpu_scheduler aicpu_extend_kernels kernel_svck_services kernel_simk_basic
  LABELS sim TIMEOUT 120)
target_include_directories(test_sim_services PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/sim
  ${CMAKE_CURRENT_SOURCE_DIR}/kernels ${PROJECT_SOURCE_DIR}/src/sim/services)
set_property(TEST sim_services APPEND PROPERTY ENVIRONMENT
  "AKL_SIM_AICPU_THREADS=3;ASCEND_GLOBAL_LOG_LEVEL=1")

# The scheduler's dynamic symbol table holds exactly the CANN names kernels resolve from it (the two
# _ZN5aicpu ones are aicpu::GetUniqueVfId and aicpu::GetAicpuRunMode, which the dispatcher asks)
# (besides the C runtime's _start). Sanitizer runtimes add their own, so only plain builds check.
if(NOT AKL_SANITIZE AND CMAKE_NM)
  add_test(NAME sim_scheduler_exports COMMAND sh -c
    "got=$(\"$0\" -D --defined-only \"$1\" | awk '$2 == \"T\" && $3 != \"_start\" {print $3}' | LC_ALL=C sort | tr '\\n' ' '); echo \"exported: $got\"; test \"$got\" = 'AicpuGetBlockIdx AicpuGetBlockNum CheckLogLevel DlogRecord _ZN5aicpu13GetUniqueVfIdEv _ZN5aicpu15GetAicpuRunModeERj halGetDeviceInfo '"
    ${CMAKE_NM} $<TARGET_FILE:akl_aicpu_scheduler>)
  set_tests_properties(sim_scheduler_exports PROPERTIES LABELS sim TIMEOUT 60)
endif()
