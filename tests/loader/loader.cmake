# The loader's (libakl's) tests. Units need no simulator: they use the internals (akl_internal) or
# a fake runtime library (AKL_RUNTIME=<libldrk_fake_runtime.so>). Integration tests run on the
# simulator and need aclsim and akl_dispatcher.

# Test kernels (device-side runtime SOs), and the fake runtime.
akl_test_kernel(ldrk_basic SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_basic.c)
akl_test_kernel(ldrk_basic_v2 SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_basic.c)
target_compile_definitions(kernel_ldrk_basic_v2 PRIVATE LDRK_VERSION=2)
akl_test_kernel(ldrk_other SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_other.c)
akl_test_kernel(ldrk_unresolved SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_unresolved.c)
target_link_libraries(kernel_ldrk_unresolved PRIVATE m)
akl_test_kernel(ldrk_fake_runtime SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_fake_runtime.c)
# A directory holding libacl_rt.so alone: a CANN install without libruntime.so.
akl_test_kernel(ldrk_partial_cann SONAME libacl_rt.so
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/ldrk_partial_cann.c)
set_target_properties(kernel_ldrk_partial_cann PROPERTIES
  LIBRARY_OUTPUT_DIRECTORY ${AKL_TEST_KERNEL_DIR}/partial_cann)
set(LDR_KERNELS kernel_ldrk_basic kernel_ldrk_basic_v2 kernel_ldrk_other kernel_ldrk_unresolved
  kernel_ldrk_fake_runtime
  kernel_ldrk_partial_cann)

# Unit tests of the internals.
akl_add_test(loader_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_errors.c
  LIBS akl_internal)
akl_add_test(loader_log SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_log.c
  LIBS akl_internal)
akl_add_test(loader_names SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_names.c
  LIBS akl_internal)
akl_add_test(loader_cann_version SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/test_cann_version.c LIBS akl_internal)
akl_add_test(loader_fingerprint SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fingerprint.c
  LIBS akl_internal)
target_include_directories(test_loader_fingerprint PRIVATE ${XXHASH_INCLUDE_DIR})
akl_add_test(loader_elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_elf_check.c
  LIBS akl_internal DEPENDS ${LDR_KERNELS})
akl_add_test(loader_cache SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cache.c
  LIBS akl_internal)
akl_add_test(loader_cache_threads SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/test_cache_threads.c LIBS akl_internal
  LABELS concurrency)

if(TARGET akl_dispatcher)
  akl_add_test(loader_dispatcher SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_dispatcher_blob.c
    LIBS akl_internal DEPENDS ${LDR_KERNELS} akl_dispatcher akl_collector)
  if(AKL_AARCH64_DEVICE)
    target_compile_definitions(test_loader_dispatcher PRIVATE
      AKL_TEST_AARCH64_DISPATCHER="${AKL_AARCH64_OUTPUT_DIR}/akl_dispatcher.so"
      AKL_TEST_AARCH64_COLLECTOR="${AKL_AARCH64_OUTPUT_DIR}/akl_collector.so")
  endif()
endif()

# Unit tests of the public library against the fake runtime.
akl_add_test(loader_runtime SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_runtime.c
  LIBS akl DEPENDS ${LDR_KERNELS})
akl_add_test(loader_fake_device SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_loader_fake_device.c
  LIBS akl DEPENDS ${LDR_KERNELS})

# Integration tests on the simulator.
if(TARGET aclsim AND TARGET akl_dispatcher)
  akl_add_test(loader_sim SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_loader_sim.c
    ${CMAKE_CURRENT_LIST_DIR}/test_latch_util.c
    LIBS akl DEPENDS ${LDR_KERNELS} aclsim akl_dispatcher kernel_lookk_disp_a kernel_lookk_disp_b
    TIMEOUT 600)
  akl_add_test(loader_sim_threads SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/test_loader_sim_threads.c
    LIBS akl DEPENDS ${LDR_KERNELS} aclsim akl_dispatcher LABELS concurrency)
else()
  message(WARNING "akl: aclsim or akl_dispatcher missing; the loader's integration tests are off")
endif()
