# The device-only configure (AKL_DEVICE_ONLY=ON), run by cmake/aarch64.cmake with the aarch64
# toolchain: only what runs on the device, into AKL_DEVICE_OUTPUT_DIR, from the same CMakeLists as
# the native build. Kernels come from the native build's manifest (AKL_DEVICE_MANIFEST). Needs only
# the C library, libdl and pthread of the target (json-c and libelf are host-side only).
if(NOT AKL_DEVICE_OUTPUT_DIR OR NOT AKL_DEVICE_MANIFEST OR NOT XXHASH_INCLUDE_DIR)
  message(FATAL_ERROR "AKL_DEVICE_ONLY needs AKL_DEVICE_OUTPUT_DIR, AKL_DEVICE_MANIFEST and "
                      "XXHASH_INCLUDE_DIR")
endif()
find_package(Threads REQUIRED)
set(AKL_PRIVATE_OUTPUT_DIR ${AKL_DEVICE_OUTPUT_DIR})

# Pure armv8-a: GCC >= 10 would otherwise call libgcc's outline atomics helpers, which pick LSE
# instructions at run time (HCC's GCC 7.3 has no such option, and needs none).
include(CheckCCompilerFlag)
check_c_compiler_flag(-mno-outline-atomics AKL_HAVE_NO_OUTLINE_ATOMICS)
if(AKL_HAVE_NO_OUTLINE_ATOMICS)
  add_compile_options(-mno-outline-atomics)
endif()

add_subdirectory(src/common)
add_subdirectory(src/dispatcher)
add_subdirectory(src/collector)
add_subdirectory(src/sim/shm)
add_subdirectory(src/sim/device)
add_subdirectory(src/sim/services)
add_subdirectory(src/sim/scheduler)

# akl_device_kernel(<target> PREFIX p OUTPUT_NAME n VISIBILITY v DIR d SOURCES ... DEFINITIONS ... INCLUDES ...)
function(akl_device_kernel target)
  cmake_parse_arguments(K "" "PREFIX;OUTPUT_NAME;DIR;VISIBILITY" "SOURCES;DEFINITIONS;INCLUDES" ${ARGN})
  add_library(${target} MODULE ${K_SOURCES})
  set_target_properties(${target} PROPERTIES PREFIX "${K_PREFIX}" OUTPUT_NAME ${K_OUTPUT_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${K_DIR})
  if(K_VISIBILITY)
    set_target_properties(${target} PROPERTIES C_VISIBILITY_PRESET ${K_VISIBILITY})
  endif()
  target_compile_definitions(${target} PRIVATE ${K_DEFINITIONS})
  target_include_directories(${target} PRIVATE ${K_INCLUDES})
  akl_target_warnings(${target})
endfunction()
include(${AKL_DEVICE_MANIFEST})
