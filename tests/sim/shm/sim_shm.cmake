# Tests of the shared-memory transport between libaclsim and the scheduler (src/sim/shm): the
# helpers both halves use on the control region.
akl_add_test(sched_shm SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_shm.c LIBS akl_sim_shm
  LABELS unit sim TIMEOUT 120)
