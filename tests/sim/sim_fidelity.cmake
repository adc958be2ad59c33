# Tests of the simulator's fidelity to hardware (issue 13, docs/simulator.md "Fidelity"): device
# ids and cores inside the scheduler, a die's core count, ASCEND_RT_VISIBLE_DEVICES, device logs
# on stdout. No AKL_SIM_AICPU_THREADS: the default pool is what is tested.
akl_test_kernel(fidk_kernels SOURCES kernels/fidk_kernels.c)
akl_add_test(sim_fidelity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_fidelity.c ${CMAKE_CURRENT_LIST_DIR}/test_sim_util.c
    ${CMAKE_CURRENT_LIST_DIR}/test_svck_util.c
  LIBS aclsim akl_sim_device
  DEPENDS akl_aicpu_scheduler aicpu_extend_kernels kernel_svck_services kernel_fidk_kernels
    kernel_simk_basic
  LABELS sim TIMEOUT 180)
target_include_directories(test_sim_fidelity PRIVATE ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_CURRENT_SOURCE_DIR}/kernels ${PROJECT_SOURCE_DIR}/src/sim/services)

# A host program written against CANN's headers only, using the raw rt* calls.
akl_add_test(sim_rt
  SOURCES sim/host/test_aclsim_rt.c
  LIBS aclsim akl_sim_device
  DEPENDS akl_aicpu_scheduler aicpu_extend_kernels kernel_svck_services
  LABELS sim TIMEOUT 120)
target_include_directories(test_sim_rt PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/kernels)

# The same tests as an unprivileged user (uid 65534), where the scheduler needs a user namespace
# for its mount namespace. Needs root to switch users (skipped otherwise) and a build tree that
# user can read.
find_program(AKL_SETPRIV setpriv)
if(AKL_SETPRIV)
  add_test(NAME sim_fidelity_unprivileged COMMAND sh -c
    "[ \"$(id -u)\" = 0 ] || { echo 'not root: cannot switch to uid 65534'; exit 77; }; \"$0\" --reuid 65534 --regid 65534 --clear-groups test -x \"$1\" || { echo 'uid 65534 cannot run the build tree'; exit 77; }; r=$(mktemp -d /tmp/akl-fidt-XXXXXX) && chown 65534:65534 \"$r\" && \"$0\" --reuid 65534 --regid 65534 --clear-groups env HOME=\"$r\" AKL_SIM_ROOT=\"$r/root\" ASCEND_PROCESS_LOG_PATH=\"$r/log\" \"$1\"; rc=$?; rm -rf \"$r\"; exit $rc"
    ${AKL_SETPRIV} $<TARGET_FILE:test_sim_fidelity>)
  set_tests_properties(sim_fidelity_unprivileged PROPERTIES LABELS sim TIMEOUT 180
    SKIP_RETURN_CODE 77)
endif()

# The native first stage for a scheduler run under an emulator (qemu-user cannot enter namespaces
# itself): `akl-aicpu-scheduler --ns-exec=<device> <program>...` runs program at the device's
# paths. A file the program writes to /var/tmp lands in chip 0's var/tmp, not the host's.
add_test(NAME sim_ns_exec COMMAND sh -c
  "r=$(mktemp -d /tmp/akl-nsx-XXXXXX) || exit 1; n=$(basename \"$r\"); AKL_SIM_ROOT=\"$r/root\" ASCEND_PROCESS_LOG_PATH=\"$r/log\" \"$0\" --ns-exec=0 /bin/sh -c \"test -d /usr/lib64/aicpu_kernels/0/aicpu_kernels_device && test \\\"\\$AKL_SIM_NS_ENTERED\\\" = 1 && echo x > /var/tmp/$n\"; rc=$?; test $rc = 0 && test -f \"$r/root/chip0/var/tmp/$n\" && ! test -e \"/var/tmp/$n\" && ! test -e /usr/lib64/aicpu_kernels; ok=$?; rm -rf \"$r\" \"/var/tmp/$n\"; echo \"stage rc=$rc check=$ok\"; exit $ok"
  $<TARGET_FILE:akl_aicpu_scheduler>)
set_tests_properties(sim_ns_exec PROPERTIES LABELS sim TIMEOUT 60)
# A stage that cannot (here: a root below /var/tmp, which a bind would hide) passes why in
# AKL_SIM_NS_NOTE, for the scheduler to report, and does not claim the namespace.
add_test(NAME sim_ns_exec_note COMMAND sh -c
  "r=$(mktemp -d /var/tmp/akl-nsx-XXXXXX) || exit 1; AKL_SIM_ROOT=\"$r/root\" ASCEND_PROCESS_LOG_PATH=\"$r/log\" \"$0\" --ns-exec=0 /bin/sh -c 'echo \"note: $AKL_SIM_NS_NOTE\"; test -z \"$AKL_SIM_NS_ENTERED\" && case \"$AKL_SIM_NS_NOTE\" in *\"lies below /var/tmp\"*) exit 0;; *) exit 1;; esac'; rc=$?; rm -rf \"$r\"; exit $rc"
  $<TARGET_FILE:akl_aicpu_scheduler>)
set_tests_properties(sim_ns_exec_note PROPERTIES LABELS sim TIMEOUT 60)
