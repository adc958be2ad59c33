# Toolchain file for the AICPU: aarch64 Linux, plain armv8-a (no LSE, SVE or v8.2 features, as CANN
# builds device code). The compiler comes from -DAKL_AICPU_CC=<path> (cmake/aicpu_compiler.cmake
# finds it). Used by this project's device build (cmake/aarch64.cmake) and by
# akl_add_aicpu_kernel's users alike.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
# Test projects configured inside this run (check_ipo_supported's) get no cache variables: the
# compiler reaches them through this process's environment.
if(NOT AKL_AICPU_CC AND DEFINED ENV{AKL_TOOLCHAIN_AICPU_CC})
  set(AKL_AICPU_CC "$ENV{AKL_TOOLCHAIN_AICPU_CC}")
endif()
if(NOT AKL_AICPU_CC)
  message(FATAL_ERROR "aarch64-toolchain.cmake: set AKL_AICPU_CC to the AICPU C compiler")
endif()
set(ENV{AKL_TOOLCHAIN_AICPU_CC} "${AKL_AICPU_CC}")
set(CMAKE_C_COMPILER "${AKL_AICPU_CC}")
# The C++ compiler beside it (gcc -> g++), for C++ kernels.
string(REGEX REPLACE "gcc$" "g++" _akl_aicpu_cxx "${AKL_AICPU_CC}")
if(EXISTS "${_akl_aicpu_cxx}" AND NOT _akl_aicpu_cxx STREQUAL AKL_AICPU_CC)
  set(CMAKE_CXX_COMPILER "${_akl_aicpu_cxx}")
endif()
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
# try_compile projects see the compiler too.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES AKL_AICPU_CC)
