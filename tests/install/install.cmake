# The install test: the installed tree used by a consumer project (this directory's
# CMakeLists.txt) built with pkg-config and with find_package(akl).
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
    bash ${CMAKE_CURRENT_SOURCE_DIR}/install/test_install.sh
    ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_BINDIR}
    ${CMAKE_INSTALL_INCLUDEDIR} ${AKL_TEST_ROOTS}/install)
set_tests_properties(install PROPERTIES TIMEOUT 600 LABELS "install;integration"
  ENVIRONMENT "AKL_SIM_ROOT=${AKL_TEST_ROOTS}/install/sim;AKL_LOG=")
