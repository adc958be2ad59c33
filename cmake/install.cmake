# Package rules for `cmake --install`: the public headers (akl.h, and the simulator's
# CANN-compatible headers under include/aclsim/ so they never clash with a real CANN install),
# pkg-config files (akl.pc, aclsim.pc) and the CMake package (find_package(akl): akl::akl and
# akl::aclsim). The components install their own binaries: libakl and libaclsim with
# EXPORT aklTargets, the device-side files into ${AKL_INSTALL_PRIVATE_DIR}.
# Included at the end of the top-level CMakeLists.txt.
include(CMakePackageConfigHelpers)

set(AKL_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/akl)
set(AKL_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/include/akl/akl.h ${PROJECT_SOURCE_DIR}/include/akl/akl_kernel.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/akl)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/acl ${PROJECT_SOURCE_DIR}/include/runtime
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/aclsim
  FILES_MATCHING PATTERN "*.h")

# pkg-config files locate the prefix from their own place (${pcfiledir}), so an install moved or
# made with `cmake --install --prefix P` is right without reconfiguring.
function(akl_relative_or_absolute out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${AKL_PKGCONFIG_DIR}")
  set(AKL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH AKL_PC_TO_PREFIX /${AKL_PKGCONFIG_DIR} /)
  string(REGEX REPLACE "/$" "" AKL_PC_TO_PREFIX "${AKL_PC_TO_PREFIX}")
  set(AKL_PC_PREFIX "\${pcfiledir}/${AKL_PC_TO_PREFIX}")
endif()
akl_relative_or_absolute(AKL_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
akl_relative_or_absolute(AKL_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
foreach(pc akl aclsim)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${AKL_PKGCONFIG_DIR})
endforeach()

# The CMake package. Only exported targets go into aklTargets.cmake; if a component has not added
# its library to the export set yet, the package still installs with what there is.
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/aklConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/aklConfig.cmake
  INSTALL_DESTINATION ${AKL_CMAKE_PACKAGE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR AKL_INSTALL_PRIVATE_DIR)
# 0.x releases may break their API at each minor version.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/aklConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/aklConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/aklConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/aklKernel.cmake ${CMAKE_CURRENT_LIST_DIR}/aicpu_compiler.cmake
  ${CMAKE_CURRENT_LIST_DIR}/aarch64-toolchain.cmake
  DESTINATION ${AKL_CMAKE_PACKAGE_DIR})
install(EXPORT aklTargets NAMESPACE akl:: FILE aklTargets.cmake
  DESTINATION ${AKL_CMAKE_PACKAGE_DIR})
