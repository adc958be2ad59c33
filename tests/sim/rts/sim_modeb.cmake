# Mode B end to end (tests/${CMAKE_CURRENT_LIST_DIR}/test_modeb.c): a host program in CANN's Mode B pattern,
# built only against the CANN-compatible headers (with CANN's own include root for
# runtime/rts/rts_kernel.h) and libaclsim, and its kernels (tests/kernels/modebk_*): one build
# preinstalled for cpuKernelMode 0, one brought along for modes 1 and 2.
akl_test_kernel(modebk_ops SOURCES kernels/modebk_ops.c)
target_compile_definitions(kernel_modebk_ops PRIVATE MODEBK_VARIANT=1)
akl_test_kernel(modebk_cust SOURCES kernels/modebk_ops.c)
target_compile_definitions(kernel_modebk_cust PRIVATE MODEBK_VARIANT=2)

akl_add_test(modeb SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_modeb.c
  LIBS aclsim
  DEPENDS akl_aicpu_scheduler aicpu_extend_kernels kernel_modebk_ops kernel_modebk_cust
  LABELS sim TIMEOUT 180)
target_include_directories(test_modeb PRIVATE ${PROJECT_SOURCE_DIR}/include/runtime
  ${CMAKE_CURRENT_SOURCE_DIR}/kernels)

# libaclsim exports exactly the CANN API it declares, Mode B included, and aclsimGetDeviceMachine
# (json-c and our own code stay hidden).
if(NOT AKL_SANITIZE AND CMAKE_NM)
  add_test(NAME sim_aclsim_exports COMMAND sh -c
    "got=$(\"$0\" -D --defined-only \"$1\" | awk '$2 == \"T\" {print $3}' | LC_ALL=C sort | tr '\\n' ' '); echo \"exported: $got\"; test \"$got\" = 'aclFinalize aclGetRecentErrMsg aclInit aclrtBinaryGetFunction aclrtBinaryLoadFromData aclrtBinaryLoadFromFile aclrtBinaryUnLoad aclrtCreateEvent aclrtCreateEventExWithFlag aclrtCreateStream aclrtDestroyEvent aclrtDestroyStream aclrtEventElapsedTime aclrtEventGetTimestamp aclrtFree aclrtGetDevice aclrtGetDeviceCount aclrtGetMemInfo aclrtGetSocName aclrtGetVersion aclrtKernelArgsAppend aclrtKernelArgsFinalize aclrtKernelArgsInit aclrtLaunchKernelWithConfig aclrtMalloc aclrtMemcpy aclrtMemcpyAsync aclrtMemset aclrtQueryEventStatus aclrtRecordEvent aclrtRegisterCpuFunc aclrtResetDevice aclrtResetDeviceForce aclrtSetDevice aclrtSetOpExecuteTimeOut aclrtSetOpExecuteTimeOutV2 aclrtSetOpExecuteTimeOutWithMs aclrtSetStreamFailureMode aclrtStreamWaitEvent aclrtSynchronizeDevice aclrtSynchronizeDeviceWithTimeout aclrtSynchronizeEvent aclrtSynchronizeStream aclrtSynchronizeStreamWithTimeout aclsimGetDeviceMachine rtAicpuKernelLaunchExWithArgs rtDeviceReset rtFree rtGetAiCpuCount rtKernelLaunchWithHandleV2 rtMalloc rtMemcpy rtRegisterAllKernel rtSetDevice rtStreamCreate rtStreamDestroy rtStreamQuery rtStreamSynchronize rtsBinaryLoadFromData rtsBinaryLoadFromFile rtsBinaryUnload rtsFuncGetByName rtsLaunchCpuKernel rtsRegisterCpuFunc '"
    ${CMAKE_NM} $<TARGET_FILE:aclsim>)
  set_tests_properties(sim_aclsim_exports PROPERTIES LABELS sim TIMEOUT 60)
endif()
