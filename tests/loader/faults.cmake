# The catalogue of bad inputs and faults (docs/errors.md) and the fault-injection tests: the
# scheduler killed at random points of a publish, writes that fail (RLIMIT_FSIZE, a missing or
# read-only preinstall directory), and a scheduler that dies with work in flight on several streams.
# All run libakl on the simulator; their kernels are tests/kernels/faultk_*.c. The `stress` target
# (cmake --build <dir> --target stress) runs the publish fault injection with 5000 trials instead
# of CI's 200.

akl_test_kernel(faultk_basic SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/kernels/faultk_basic.c)

if(NOT (TARGET aclsim AND TARGET akl_dispatcher AND TARGET akl_aicpu_scheduler))
  message(WARNING "akl: the simulator or the dispatcher is missing; the fault tests are off")
  return()
endif()

set(FAULTS_DEPS kernel_faultk_basic kernel_ldrk_basic aclsim akl_dispatcher akl_aicpu_scheduler
  aicpu_extend_kernels)
set(FAULTS_UTIL ${CMAKE_CURRENT_LIST_DIR}/test_faults_util.c)

# faults_add(<name> <labels>): tests/loader/test_<name>.c as test <name>.
function(faults_add name labels)
  akl_add_test(${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${name}.c ${FAULTS_UTIL}
    LIBS akl akl_test_expect_error
    LABELS ${labels}
    DEPENDS ${FAULTS_DEPS})
  target_include_directories(test_${name} PRIVATE
    ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/kernels)
endfunction()

faults_add(errors_catalogue "errors")
# Bugs found with the catalogue; those still open (docs/errors.md, "Known gaps") fail until fixed.
faults_add(errors_regressions "errors;concurrency")
faults_add(faults_publish "faults")
faults_add(faults_storage "faults")
faults_add(faults_streams "faults;concurrency")
# The first failure of a device named when the cascade comes (issue 12 point 5).
faults_add(first_failure "faults")

# The long run of the publish fault injection, outside CI: cmake --build <dir> --target stress
add_custom_target(stress
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${AKL_TEST_ROOTS}/stress
  COMMAND ${CMAKE_COMMAND} -E env AKL_FAULT_TRIALS=5000 AKL_SIM_ROOT=${AKL_TEST_ROOTS}/stress
    AKL_LOG= $<TARGET_FILE:test_faults_publish>
  DEPENDS test_faults_publish ${FAULTS_DEPS}
  COMMENT "publish fault injection, 5000 trials"
  USES_TERMINAL)
