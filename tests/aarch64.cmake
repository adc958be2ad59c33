# Tests of the aarch64 (AICPU) device side. The AICPU compiler search (always), then, when the
# aarch64 side is built (cmake/aarch64.cmake):
# - aarch64_dispatcher, aarch64_collector: the aarch64 dispatcher and collector are fit for a
#   device (checked on the files);
# - device_machine and aarch64_device_machine: a runtime SO built for another machine than the
#   device's is refused before any device work, on the native and on the aarch64 device;
# - aarch64_sim_preinstall_readonly_refused: AKL_SIM_PREINSTALL=readonly where no namespace can be
#   made fails the aarch64 device's start as it fails the native one's (the --ns-exec stage's
#   refusal, passed to the scheduler);
# - the label aarch64: the loader, simulator, examples and concurrency integration tests again,
#   on an aarch64 simulated device (AKL_SIM_ARCH=aarch64: the scheduler and every device-side object
#   aarch64, under qemu-user). Plain builds only: under a sanitizer only the host side would be
#   instrumented, and qemu makes those runs slow.
add_test(NAME aicpu_compiler_search COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
  -DWORK=${AKL_TEST_ROOTS}/aicpu_compiler_search -P ${CMAKE_CURRENT_LIST_DIR}/aarch64/find_compiler.cmake)
add_test(NAME aicpu_compiler_missing COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
  -DMISSING=ON -P ${CMAKE_CURRENT_LIST_DIR}/aarch64/find_compiler.cmake)
set_tests_properties(aicpu_compiler_search aicpu_compiler_missing PROPERTIES LABELS build TIMEOUT 60)
set_tests_properties(aicpu_compiler_missing PROPERTIES
  PASS_REGULAR_EXPRESSION "AKL_AICPU_CC='/nonexistent/aarch64-gcc' is not an existing compiler")

if(NOT AKL_AARCH64_DEVICE)
  return()
endif()

string(REGEX REPLACE "gcc$" "" _aarch64_prefix "${AKL_AICPU_COMPILER}")
find_program(AKL_AARCH64_READELF NAMES ${_aarch64_prefix}readelf readelf)
find_program(AKL_AARCH64_OBJDUMP NAMES ${_aarch64_prefix}objdump)
add_test(NAME aarch64_dispatcher COMMAND ${CMAKE_COMMAND}
  -DFILE=${AKL_AARCH64_OUTPUT_DIR}/akl_dispatcher.so
  -DREADELF=${AKL_AARCH64_READELF} -DOBJDUMP=${AKL_AARCH64_OBJDUMP}
  -P ${CMAKE_CURRENT_LIST_DIR}/aarch64/check_dispatcher.cmake)
add_test(NAME aarch64_collector COMMAND ${CMAKE_COMMAND}
  -DFILE=${AKL_AARCH64_OUTPUT_DIR}/akl_collector.so -DEXPORTS=akl_collect
  -DREADELF=${AKL_AARCH64_READELF} -DOBJDUMP=${AKL_AARCH64_OBJDUMP}
  -P ${CMAKE_CURRENT_LIST_DIR}/aarch64/check_dispatcher.cmake)
set_tests_properties(aarch64_dispatcher aarch64_collector PROPERTIES LABELS "dispatcher;aarch64"
  TIMEOUT 60)

akl_add_test(device_machine SOURCES loader/test_device_machine.c LIBS akl akl_test_cli_spawn
  DEPENDS aclsim akl_cli kernel_ldrk_basic hello_kernel LABELS integration TIMEOUT 300)

if(AKL_SANITIZE)
  return()
endif()
find_program(AKL_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(NOT AKL_QEMU_AARCH64)
  message(NOTICE "akl: qemu-aarch64 not found (Debian package qemu-user): the aarch64 device "
                 "tests are skipped")
  return()
endif()

add_test(NAME aarch64_sim_preinstall_readonly_refused COMMAND bash
  ${CMAKE_CURRENT_LIST_DIR}/sim/run_without_namespaces.sh $<TARGET_FILE:akl_hello_example>)
set_tests_properties(aarch64_sim_preinstall_readonly_refused PROPERTIES LABELS "sim;aarch64"
  TIMEOUT 60 SKIP_RETURN_CODE 77 ENVIRONMENT AKL_SIM_ARCH=aarch64)

# aarch64_<test> runs the program of each test below on the aarch64 device, with the test's
# environment, its own simulator root and log root, and three times its timeout.
# <test>[=<program>]: the program is test_<test> unless named. Not here yet: routes, whose
# protocol-version cases upload dispatchers the tests build for the host only. sim_fidelity runs
# here too: its read-only preinstall case holds because the native --ns-exec stage makes every
# mount the scheduler would make itself (qemu-user cannot enter a namespace).
set(AKL_AARCH64_TESTS device_machine loader_sim loader_sim_threads sim_api sim_launch sim_failures
  sim_failures_no_pidfd=sim_failures sim_procs sim_threads sim_services modeb examples
  examples_concurrency faults_publish faults_storage faults_streams errors_regressions
  routes_concurrency module_lifecycle first_failure sim_rt sim_fidelity device_gc)
function(akl_add_aarch64_tests)
  foreach(entry ${AKL_AARCH64_TESTS})
    string(REPLACE "=" ";" parts "${entry}")
    list(GET parts 0 name)
    list(GET parts -1 program)
    if(NOT TARGET test_${program} OR NOT TEST ${name})
      continue()
    endif()
    get_test_property(${name} TIMEOUT timeout)
    get_test_property(${name} LABELS labels)
    get_test_property(${name} ENVIRONMENT env)
    list(FILTER env EXCLUDE REGEX "^(AKL_SIM_ROOT|ASCEND_PROCESS_LOG_PATH)=")
    math(EXPR timeout "${timeout} * 3")
    add_test(NAME aarch64_${name} COMMAND test_${program})
    set_tests_properties(aarch64_${name} PROPERTIES TIMEOUT ${timeout}
      LABELS "${labels};aarch64"
      ENVIRONMENT "${env};AKL_SIM_ARCH=aarch64;AKL_SIM_ROOT=${AKL_TEST_ROOTS}/aarch64_${name};ASCEND_PROCESS_LOG_PATH=${AKL_TEST_ROOTS}/aarch64_${name}/log")
  endforeach()
endfunction()
cmake_language(DEFER CALL akl_add_aarch64_tests)
