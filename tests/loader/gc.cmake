# Issue 15 point 3: akl gc and AKL_DEVICE_CACHE_MAX on the simulator, through the collector
# (akl_collector.so) that libakl loads on the device; a collector that is missing or built for
# another machine is refused naming the file. Also on the aarch64 device (tests/aarch64.cmake).
if(TARGET aclsim AND TARGET akl_dispatcher AND TARGET akl_collector AND TARGET akl_aicpu_scheduler
   AND TARGET akl_cli)
  pkg_check_modules(AKL_GC_JSONC REQUIRED IMPORTED_TARGET json-c)
  akl_add_test(device_gc
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device_gc.c
      ${CMAKE_CURRENT_LIST_DIR}/test_faults_util.c
    LIBS akl akl_test_cli_spawn PkgConfig::AKL_GC_JSONC
    LABELS integration cli
    DEPENDS kernel_faultk_basic aclsim akl_dispatcher akl_collector akl_aicpu_scheduler
      aicpu_extend_kernels akl_cli)
  target_include_directories(test_device_gc PRIVATE
    ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/kernels ${PROJECT_SOURCE_DIR}/src/common)
endif()

akl_add_test(loader_cache_max SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cache_max.c
  LIBS akl_internal)
