# Finds a C compiler for the AICPU (aarch64, plain armv8-a): shared by this project's build
# (cmake/aarch64.cmake) and the installed package's akl_add_aicpu_kernel (cmake/aklKernel.cmake).
#
# akl_find_aicpu_compiler(<out_var>) sets <out_var> to the compiler's path, or to "" when none is
# found. Search order (the first that exists wins):
#   1. $ENV{AKL_AICPU_CC}, then the cache variable AKL_AICPU_CC (a path or a name on PATH);
#   2. CANN's HCC, aarch64-target-linux-gnu-gcc, at $ASCEND_HOME_PATH/toolkit/toolchain/hcc/bin
#      (before CANN 8.5) and $ASCEND_HOME_PATH/tools/hcc/bin (from 8.5);
#   3. Debian's cross compiler aarch64-linux-gnu-gcc (package gcc-aarch64-linux-gnu).
# A compiler named explicitly (1.) that does not exist is a configure error, not a silent fallback.
set(AKL_AICPU_CC "" CACHE STRING "C compiler for the AICPU (aarch64) device build; empty: search")

function(akl_find_aicpu_compiler out)
  set(explicit "$ENV{AKL_AICPU_CC}")
  if(NOT explicit)
    set(explicit "${AKL_AICPU_CC}")
  endif()
  if(explicit)
    if(IS_ABSOLUTE "${explicit}")
      set(found "${explicit}")
    else()
      find_program(found NAMES "${explicit}" NO_CACHE)
    endif()
    if(NOT found OR NOT EXISTS "${found}")
      message(FATAL_ERROR "akl: AKL_AICPU_CC='${explicit}' is not an existing compiler")
    endif()
    set(${out} "${found}" PARENT_SCOPE)
    return()
  endif()
  set(hcc_dirs "")
  if(DEFINED ENV{ASCEND_HOME_PATH} AND NOT "$ENV{ASCEND_HOME_PATH}" STREQUAL "")
    set(hcc_dirs "$ENV{ASCEND_HOME_PATH}/toolkit/toolchain/hcc/bin"
                 "$ENV{ASCEND_HOME_PATH}/tools/hcc/bin")
  endif()
  foreach(dir ${hcc_dirs})
    if(EXISTS "${dir}/aarch64-target-linux-gnu-gcc")
      set(${out} "${dir}/aarch64-target-linux-gnu-gcc" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  find_program(found NAMES aarch64-linux-gnu-gcc NO_CACHE)
  if(found)
    set(${out} "${found}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()
