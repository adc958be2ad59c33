# Issue 15's loader features: module unload and the republish of a deleted device file (on the
# simulator), the local device of a cluster launcher's rank, and the log level from CANN's
# ASCEND_GLOBAL_LOG_LEVEL.
akl_add_test(loader_local_device SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_local_device.c
  LIBS akl)
akl_add_test(loader_log_ascend SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_log_ascend.c
  LIBS akl_internal)

if(TARGET aclsim AND TARGET akl_dispatcher AND TARGET akl_aicpu_scheduler)
  akl_add_test(module_lifecycle
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_module_lifecycle.c
      ${CMAKE_CURRENT_LIST_DIR}/test_faults_util.c
    LIBS akl
    LABELS integration
    DEPENDS kernel_faultk_basic aclsim akl_dispatcher akl_aicpu_scheduler aicpu_extend_kernels)
  target_include_directories(test_module_lifecycle PRIVATE
    ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/kernels)
endif()
