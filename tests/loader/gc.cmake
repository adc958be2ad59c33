# Issue 15 point 3: akl gc and AKL_DEVICE_CACHE_MAX on the simulator, through the device's
# dispatcher; and a dispatcher from before the collector (built with AKL_DISPATCHER_NO_GC) refusing
# a gc request clearly.
if(TARGET aclsim AND TARGET akl_dispatcher AND TARGET akl_aicpu_scheduler AND TARGET akl_cli)
  akl_dispatcher_library(akl_dispatcher_nogc MODULE NO_GC)
  set_target_properties(akl_dispatcher_nogc PROPERTIES OUTPUT_NAME akl_dispatcher_nogc
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)

  pkg_check_modules(AKL_GC_JSONC REQUIRED IMPORTED_TARGET json-c)
  akl_add_test(device_gc
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device_gc.c
      ${CMAKE_CURRENT_LIST_DIR}/test_faults_util.c
    LIBS akl akl_test_cli_spawn PkgConfig::AKL_GC_JSONC
    LABELS integration cli
    DEPENDS kernel_faultk_basic aclsim akl_dispatcher akl_dispatcher_nogc akl_aicpu_scheduler
      aicpu_extend_kernels akl_cli)
  target_include_directories(test_device_gc PRIVATE
    ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/kernels)
  target_compile_definitions(test_device_gc PRIVATE
    AKL_DISPATCHER_NOGC_PATH="$<TARGET_FILE:akl_dispatcher_nogc>")
endif()

akl_add_test(loader_cache_max SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cache_max.c
  LIBS akl_internal)
