# Unit tests of the aicpu scheduler's parts, in-process (tests/sim/scheduler/test_<file>.c): they
# link akl_sched_core, the scheduler without its main(). akl_sim_services is linked as the
# executable links it (an OBJECT library's objects do not pass through another one).
function(akl_sched_test name)
  cmake_parse_arguments(S "" "" "LABELS" ${ARGN})
  akl_add_test(${name} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${name}.c
    LIBS akl_sched_core akl_sim_services LABELS unit sim ${S_LABELS} TIMEOUT 120)
  # Kernels resolved by name (KFC's global-symbol fallback) are functions of the test program.
  set_target_properties(test_${name} PROPERTIES ENABLE_EXPORTS ON)
endfunction()

akl_sched_test(sched_pool LABELS concurrency)
akl_sched_test(sched_watchdog LABELS concurrency)
akl_sched_test(sched_stream LABELS concurrency)
