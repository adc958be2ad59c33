# akl_add_aicpu_kernel: builds an AICPU kernel SO for the device, from a project that uses the
# installed akl package (find_package(akl) includes this file). See docs/kernels.md.
#
#   akl_add_aicpu_kernel(<name> <source>... [OUTPUT_DIRECTORY <dir>]
#                        [INCLUDE_DIRECTORIES <dir>...] [COMPILE_DEFINITIONS <def>...]
#                        [COMPILE_OPTIONS <option>...])
#
# builds lib<name>.so (in OUTPUT_DIRECTORY, default the current binary directory) as a target
# <name> built by default, whose property AKL_KERNEL_FILE is the SO's path and AKL_KERNEL_ARCH
# its architecture. The SO is what a device loads: -fPIC -shared, -march=armv8-a, hidden
# visibility (kernels defined with AKL_KERNEL from <akl/akl_kernel.h> stay exported), C++ with
# _GLIBCXX_USE_CXX11_ABI=1, akl's include directory on the path.
#
# Architecture: aarch64, with the AICPU compiler found as cmake/aicpu_compiler.cmake says
# (AKL_AICPU_CC, CANN's HCC, aarch64-linux-gnu-gcc); with -DAKL_KERNEL_HOST=ON the host's, with
# the project's own compilers, for the simulator's default native device. On an aarch64 host both
# are the same.
include(${CMAKE_CURRENT_LIST_DIR}/aicpu_compiler.cmake)
option(AKL_KERNEL_HOST "akl_add_aicpu_kernel builds for the host's architecture (native simulator)"
  OFF)

set(AKL_KERNEL_C_FLAGS -fPIC -march=armv8-a -fvisibility=hidden -O2)
set(AKL_KERNEL_CXX_FLAGS ${AKL_KERNEL_C_FLAGS} -fvisibility-inlines-hidden
  -D_GLIBCXX_USE_CXX11_ABI=1)

function(_akl_kernel_is_cxx out)
  set(${out} FALSE PARENT_SCOPE)
  foreach(src ${ARGN})
    if(src MATCHES "\\.(cc|cpp|cxx|C|c\\+\\+)$")
      set(${out} TRUE PARENT_SCOPE)
    endif()
  endforeach()
endfunction()

# The host's architecture: an ordinary MODULE library of this project.
function(_akl_kernel_host name dir sources)
  add_library(${name} MODULE ${sources})
  set_target_properties(${name} PROPERTIES PREFIX lib OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${dir} C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON POSITION_INDEPENDENT_CODE ON
    AKL_KERNEL_FILE ${dir}/lib${name}.so AKL_KERNEL_ARCH ${CMAKE_SYSTEM_PROCESSOR})
  target_include_directories(${name} PRIVATE ${akl_INCLUDE_DIR} ${K_INCLUDE_DIRECTORIES})
  target_compile_definitions(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:_GLIBCXX_USE_CXX11_ABI=1>
    ${K_COMPILE_DEFINITIONS})
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    target_compile_options(${name} PRIVATE -march=armv8-a)
  endif()
  target_compile_options(${name} PRIVATE ${K_COMPILE_OPTIONS})
endfunction()

# aarch64 with the AICPU compiler: one compile command per source (with its header dependencies),
# then one link, as custom commands.
function(_akl_kernel_aicpu name dir sources)
  akl_find_aicpu_compiler(cc)
  if(NOT cc)
    message(FATAL_ERROR "akl_add_aicpu_kernel(${name}): no aarch64 (AICPU) compiler: set "
      "AKL_AICPU_CC, or ASCEND_HOME_PATH for CANN's HCC, or install the Debian package "
      "gcc-aarch64-linux-gnu; or configure with -DAKL_KERNEL_HOST=ON to build for the host")
  endif()
  string(REGEX REPLACE "gcc$" "g++" cxx "${cc}")
  _akl_kernel_is_cxx(is_cxx ${sources})
  if(is_cxx AND (cxx STREQUAL cc OR NOT EXISTS "${cxx}"))
    message(FATAL_ERROR "akl_add_aicpu_kernel(${name}): C++ sources need the C++ compiler beside "
      "${cc} (Debian: g++-aarch64-linux-gnu)")
  endif()
  execute_process(COMMAND ${cc} -mno-outline-atomics -E -x c /dev/null
    RESULT_VARIABLE no_outline OUTPUT_QUIET ERROR_QUIET)
  set(extra "")
  if(no_outline EQUAL 0)
    list(APPEND extra -mno-outline-atomics) # pure armv8-a: no run-time LSE selection
  endif()
  set(incs -I${akl_INCLUDE_DIR})
  foreach(i ${K_INCLUDE_DIRECTORIES})
    get_filename_component(i "${i}" ABSOLUTE)
    list(APPEND incs -I${i})
  endforeach()
  set(defs "")
  foreach(d ${K_COMPILE_DEFINITIONS})
    list(APPEND defs -D${d})
  endforeach()
  set(objects "")
  foreach(src ${sources})
    get_filename_component(abs "${src}" ABSOLUTE)
    get_filename_component(base "${src}" NAME)
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.aicpu/${base}.o)
    _akl_kernel_is_cxx(src_cxx ${abs})
    if(src_cxx)
      set(compiler ${cxx})
      set(flags ${AKL_KERNEL_CXX_FLAGS})
    else()
      set(compiler ${cc})
      set(flags ${AKL_KERNEL_C_FLAGS})
    endif()
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/${name}.aicpu
      COMMAND ${compiler} ${flags} ${extra} ${incs} ${defs} ${K_COMPILE_OPTIONS}
              -MD -MF ${obj}.d -c ${abs} -o ${obj}
      DEPENDS ${abs} DEPFILE ${obj}.d
      COMMENT "Building AICPU (aarch64) object ${base}.o" VERBATIM COMMAND_EXPAND_LISTS)
    list(APPEND objects ${obj})
  endforeach()
  set(linker ${cc})
  if(is_cxx)
    set(linker ${cxx})
  endif()
  set(so ${dir}/lib${name}.so)
  add_custom_command(OUTPUT ${so}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${linker} -shared -fPIC -march=armv8-a -o ${so} ${objects}
    DEPENDS ${objects}
    COMMENT "Linking AICPU (aarch64) kernel SO lib${name}.so" VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${so})
  set_target_properties(${name} PROPERTIES AKL_KERNEL_FILE ${so} AKL_KERNEL_ARCH aarch64)
endfunction()

function(akl_add_aicpu_kernel name)
  cmake_parse_arguments(K "" "OUTPUT_DIRECTORY"
    "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;COMPILE_OPTIONS" ${ARGN})
  set(sources ${K_UNPARSED_ARGUMENTS} ${K_SOURCES})
  if(NOT sources)
    message(FATAL_ERROR "akl_add_aicpu_kernel(${name}): no sources")
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  if(K_OUTPUT_DIRECTORY)
    get_filename_component(dir "${K_OUTPUT_DIRECTORY}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  if(AKL_KERNEL_HOST OR CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    _akl_kernel_host(${name} ${dir} "${sources}")
  else()
    _akl_kernel_aicpu(${name} ${dir} "${sources}")
  endif()
endfunction()
