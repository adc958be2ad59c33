# Cluster launchers (issue 15 point 4): Open MPI's mpirun starts 4 and 8 ranks that each take their
# device with --device local. Skipped (exit 77) where mpirun is not installed; scripts/deps.sh
# installs openmpi-bin.
add_test(NAME mpirun
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_mpirun.sh ${PROJECT_BINARY_DIR}
    ${AKL_TEST_ROOTS}/mpirun)
set_tests_properties(mpirun PROPERTIES TIMEOUT 600 LABELS "cluster;integration"
  SKIP_RETURN_CODE 77 ENVIRONMENT "AKL_LOG=")
