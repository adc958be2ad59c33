# Tests of the examples (examples/): hello and vector_add end to end, the multi-process
# concurrency test with vector_add as its workload, and the installed tree used by a consumer
# project built with pkg-config and with find_package(akl).
# akl_test_cli_spawn (the process-running helpers) comes from tests/cli.cmake, included first.
akl_add_test(examples
  SOURCES integration/test_examples.c
  LIBS akl_test_cli_spawn
  DEPENDS akl_hello_example akl_vector_add_example aclsim
  LABELS examples integration
  TIMEOUT 300)

akl_add_test(examples_concurrency
  SOURCES integration/test_examples_concurrency.c
  LIBS akl_test_cli_spawn
  DEPENDS akl_vector_add_example aclsim
  LABELS examples integration concurrency
  TIMEOUT 900)

# Installs the build tree into a temporary prefix and builds tests/install/ against it both ways.
set(_install_aarch64 0)
if(AKL_AARCH64_DEVICE AND AKL_QEMU_AARCH64 AND NOT AKL_SANITIZE)
  set(_install_aarch64 1) # the consumer's kernel is built and run for the aarch64 device
endif()
add_test(NAME install
  COMMAND ${CMAKE_COMMAND} -E env
    "AKL_TEST_SANITIZE=${AKL_SANITIZE}" "AKL_TEST_AARCH64=${_install_aarch64}"
    "AKL_TEST_CC=${CMAKE_C_COMPILER}"
    "AKL_TEST_CMAKE=${CMAKE_COMMAND}"
    bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_install.sh
    ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_BINDIR}
    ${CMAKE_INSTALL_INCLUDEDIR} ${AKL_TEST_ROOTS}/install)
set_tests_properties(install PROPERTIES TIMEOUT 600 LABELS "install;integration"
  ENVIRONMENT "AKL_SIM_ROOT=${AKL_TEST_ROOTS}/install/sim;AKL_LOG=")
