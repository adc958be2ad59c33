# Issue 15 point 3: akl gc and AKL_DEVICE_CACHE_MAX on the simulator, through the device's
# dispatcher; and a dispatcher from before the collector (built with AKL_DISPATCHER_NO_GC) refusing
# a gc request clearly.
if(TARGET aclsim AND TARGET akl_dispatcher AND TARGET akl_aicpu_scheduler AND TARGET akl_cli)
  file(GLOB AKL_GC_DISPATCHER_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/dispatcher/*.c)
  add_library(akl_dispatcher_nogc MODULE ${AKL_GC_DISPATCHER_SOURCES})
  target_include_directories(akl_dispatcher_nogc PRIVATE ${PROJECT_SOURCE_DIR}/src/dispatcher
    ${XXHASH_INCLUDE_DIR})
  target_compile_definitions(akl_dispatcher_nogc PRIVATE AKL_DISPATCHER_NO_GC=1)
  target_compile_options(akl_dispatcher_nogc PRIVATE -fno-sanitize=all)
  if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
    target_compile_options(akl_dispatcher_nogc PRIVATE -fno-sanitize=fuzzer-no-link)
  endif()
  set_target_properties(akl_dispatcher_nogc PROPERTIES PREFIX "" OUTPUT_NAME akl_dispatcher_nogc
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests C_VISIBILITY_PRESET hidden)

  pkg_check_modules(AKL_GC_JSONC REQUIRED IMPORTED_TARGET json-c)
  akl_add_test(device_gc
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/integration/test_device_gc.c
      ${CMAKE_CURRENT_LIST_DIR}/integration/test_faults_util.c
    LIBS akl akl_test_cli_spawn PkgConfig::AKL_GC_JSONC
    LABELS integration cli
    DEPENDS kernel_faultk_basic aclsim akl_dispatcher akl_dispatcher_nogc akl_aicpu_scheduler
      aicpu_extend_kernels akl_cli)
  target_include_directories(test_device_gc PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/integration ${CMAKE_CURRENT_LIST_DIR}/kernels)
  target_compile_definitions(test_device_gc PRIVATE
    AKL_DISPATCHER_NOGC_PATH="$<TARGET_FILE:akl_dispatcher_nogc>")
endif()

akl_dispatcher_test(dispatcher_gc SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_dispatcher_gc.c)
akl_add_test(loader_cache_max SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_loader_cache_max.c
  LIBS akl_internal)
