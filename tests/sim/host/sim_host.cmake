# Tests of the simulator core: libaclsim.so and the aicpu scheduler (tests/sim/host/test_sim_*),
# with their kernels (tests/kernels/simk_*). Each test installs libsimk_basic.so into the
# preinstall directory of its own AKL_SIM_ROOT and removes that root when it ends.
akl_test_kernel(simk_basic SOURCES kernels/simk_basic.c)

set(AKL_SIM_CORE_TEST_DEPS akl_aicpu_scheduler aicpu_extend_kernels kernel_simk_basic)
foreach(name api launch failures procs threads)
  set(_labels sim)
  if(name STREQUAL "threads")
    list(APPEND _labels concurrency)
  endif()
  akl_add_test(sim_${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_${name}.c ${CMAKE_CURRENT_SOURCE_DIR}/sim/test_sim_util.c
    LIBS aclsim akl_sim_device
    LABELS ${_labels}
    DEPENDS ${AKL_SIM_CORE_TEST_DEPS}
    TIMEOUT 120)
  target_include_directories(test_sim_${name} PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/sim ${CMAKE_CURRENT_SOURCE_DIR}/kernels)
endforeach()

# The same failures with pidfd_open unavailable, as on Linux < 5.3 or under valgrind: libaclsim
# must notice a dead or stuck scheduler through its waitid fallback.
add_test(NAME sim_failures_no_pidfd COMMAND test_sim_failures)
set_tests_properties(sim_failures_no_pidfd PROPERTIES TIMEOUT 120 LABELS sim ENVIRONMENT
  "AKL_SIM_ROOT=${AKL_TEST_ROOTS}/sim_failures_no_pidfd;AKL_LOG=;AKL_SIM_NO_PIDFD=1")

# The simulator through the akl CLI: a stopped scheduler under `akl run`, and `akl run` under
# valgrind (skipped, saying so, where valgrind is not installed or the build is sanitized).
akl_add_test(sim_cli
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_cli.c
  LIBS akl_test_cli_spawn
  DEPENDS akl_cli hello_kernel aclsim ${AKL_SIM_CORE_TEST_DEPS}
  LABELS sim integration
  TIMEOUT 300)
if(AKL_SANITIZE)
  target_compile_definitions(test_sim_cli PRIVATE AKL_TEST_SANITIZED=1)
else()
  target_compile_definitions(test_sim_cli PRIVATE AKL_TEST_SANITIZED=0)
endif()
