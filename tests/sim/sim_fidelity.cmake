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
  SOURCES sim/host/test_aclsim_rt.c ${CMAKE_CURRENT_LIST_DIR}/test_sim_util.c
    ${CMAKE_CURRENT_LIST_DIR}/test_svck_util.c
  LIBS aclsim akl_sim_device
  DEPENDS akl_aicpu_scheduler aicpu_extend_kernels kernel_svck_services
  LABELS sim TIMEOUT 120)
target_include_directories(test_sim_rt PRIVATE ${CMAKE_CURRENT_LIST_DIR}
  ${CMAKE_CURRENT_SOURCE_DIR}/kernels)

# The same tests as an unprivileged user (uid 65534), where the scheduler needs a user namespace
# for its mount namespace. Needs root to switch users (skipped otherwise). The user runs copies of
# the program, libaclsim, the scheduler and the kernels in a world-readable fixture of the test's
# own (run_unprivileged.sh), as the build tree may be 0700 (a checkout into a mktemp -d directory,
# or umask 077).
find_program(AKL_SETPRIV setpriv)
if(AKL_SETPRIV)
  add_test(NAME sim_fidelity_unprivileged COMMAND bash
    ${CMAKE_CURRENT_LIST_DIR}/run_unprivileged.sh ${AKL_SETPRIV} $<TARGET_FILE:test_sim_fidelity>
    $<TARGET_FILE:aclsim> $<TARGET_FILE_DIR:akl_aicpu_scheduler> ${AKL_TEST_KERNEL_DIR})
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
# AKL_SIM_PREINSTALL=readonly: the stage makes the preinstall directory read-only before it binds
# the device's paths (an emulated scheduler cannot), so a write at the device's path fails with
# EROFS, /var/tmp stays writable, and the host's view of the chip's directory stays writable.
add_test(NAME sim_ns_exec_readonly COMMAND sh -c
  "r=$(mktemp -d /tmp/akl-nsx-XXXXXX) || exit 1; n=$(basename \"$r\"); p=usr/lib64/aicpu_kernels/0/aicpu_kernels_device; AKL_SIM_PREINSTALL=readonly AKL_SIM_ROOT=\"$r/root\" ASCEND_PROCESS_LOG_PATH=\"$r/log\" \"$0\" --ns-exec=0 /bin/sh -c \"test -z \\\"\\$AKL_SIM_NS_READONLY_ERROR\\\" && test -d /$p && (echo x > /$p/ro) 2>&1 | grep 'Read-only file system' && echo x > /var/tmp/$n\"; rc=$?; test $rc = 0 && test -f \"$r/root/chip0/var/tmp/$n\" && ! test -e \"$r/root/chip0/$p/ro\" && touch \"$r/root/chip0/$p/host-view\"; ok=$?; rm -rf \"$r\" \"/var/tmp/$n\"; echo \"stage rc=$rc check=$ok\"; exit $ok"
  $<TARGET_FILE:akl_aicpu_scheduler>)
set_tests_properties(sim_ns_exec_readonly PROPERTIES LABELS sim TIMEOUT 60)
# AKL_SIM_PREINSTALL=readonly where no namespace can be made (a user namespace of the test's own,
# its limits 0): the device fails to start, saying why (docs/errors.md 12.11). aarch64.cmake adds
# the same on the aarch64 device, where the refusal comes from the --ns-exec stage.
add_test(NAME sim_preinstall_readonly_refused COMMAND bash
  ${CMAKE_CURRENT_LIST_DIR}/run_without_namespaces.sh $<TARGET_FILE:akl_hello_example>)
set_tests_properties(sim_preinstall_readonly_refused PROPERTIES LABELS sim TIMEOUT 60
  SKIP_RETURN_CODE 77)
# A stage that cannot (here: a root below /var/tmp, which a bind would hide) passes why in
# AKL_SIM_NS_NOTE, for the scheduler to report, and does not claim the namespace.
add_test(NAME sim_ns_exec_note COMMAND sh -c
  "r=$(mktemp -d /var/tmp/akl-nsx-XXXXXX) || exit 1; AKL_SIM_ROOT=\"$r/root\" ASCEND_PROCESS_LOG_PATH=\"$r/log\" \"$0\" --ns-exec=0 /bin/sh -c 'echo \"note: $AKL_SIM_NS_NOTE\"; test -z \"$AKL_SIM_NS_ENTERED\" && case \"$AKL_SIM_NS_NOTE\" in *\"lies below /var/tmp\"*) exit 0;; *) exit 1;; esac'; rc=$?; rm -rf \"$r\"; exit $rc"
  $<TARGET_FILE:akl_aicpu_scheduler>)
set_tests_properties(sim_ns_exec_note PROPERTIES LABELS sim TIMEOUT 60)
