# Checks that one of akl's device objects is fit for a device, on the built file (the tests
# aarch64_dispatcher and aarch64_collector; with HOST=ON, dispatcher_size and collector_size for
# the host-architecture copies the simulator runs): needs libc.so.6 (libdl.so.2 at most), no symbol
# version newer than GLIBC_2.17, exports exactly EXPORTS (default: the dispatcher's three entry
# points), at most 16 KB; and, unless HOST, AArch64, plain armv8-a (no LSE atomics or SVE) and
# loadable with 4 KB and 64 KB pages (every PT_LOAD aligned to 64 KB, offset and address congruent
# modulo 64 KB).
# Usage: cmake -DFILE=<so> -DREADELF=<readelf> [-DOBJDUMP=<aarch64 objdump>] [-DHOST=ON]
#              [-DEXPORTS=a;b] -P ...
set(failures "")
macro(akl_check ok message)
  if(NOT ${ok})
    list(APPEND failures "${message}")
  endif()
endmacro()

function(akl_run out)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

file(SIZE "${FILE}" size)
message(STATUS "size: ${size} bytes")
if(size GREATER 16384)
  list(APPEND failures "size ${size} bytes is more than 16384")
endif()

if(NOT HOST)
  akl_run(header ${READELF} -hW "${FILE}")
  string(REGEX MATCH "Machine: +AArch64" is_aarch64 "${header}")
  akl_check(is_aarch64 "not an AArch64 file")
endif()

akl_run(dynamic ${READELF} -dW "${FILE}")
string(REGEX MATCHALL "Shared library: \\[[^]]+\\]" needed "${dynamic}")
message(STATUS "needed: ${needed}")
foreach(lib ${needed})
  if(NOT lib MATCHES "\\[(libc\\.so\\.6|libdl\\.so\\.2)\\]")
    list(APPEND failures "needs ${lib}")
  endif()
endforeach()

akl_run(versions ${READELF} -VW "${FILE}")
string(REGEX MATCHALL "GLIBC_[0-9.]+" glibc "${versions}")
list(REMOVE_DUPLICATES glibc)
message(STATUS "symbol versions: ${glibc}")
foreach(v ${glibc})
  string(REPLACE "GLIBC_" "" number "${v}")
  if(number VERSION_GREATER 2.17)
    list(APPEND failures "needs ${v} (newer than GLIBC_2.17)")
  endif()
endforeach()

akl_run(symbols ${READELF} --dyn-syms -W "${FILE}")
set(exports "")
string(REPLACE "\n" ";" lines "${symbols}")
foreach(line ${lines})
  # Num: Value Size Type Bind Vis Ndx Name: defined global or weak functions and objects
  if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +(FUNC|OBJECT) +(GLOBAL|WEAK) +DEFAULT +[0-9]+ +([^ @]+)")
    list(APPEND exports "${CMAKE_MATCH_3}")
  endif()
endforeach()
list(SORT exports)
message(STATUS "exports: ${exports}")
set(want DynTileFwkBackendKernelServer DynTileFwkBackendKernelServerInit
  StaticTileFwkBackendKernelServer)
if(EXPORTS)
  set(want ${EXPORTS})
  list(SORT want)
endif()
if(NOT "${exports}" STREQUAL "${want}")
  list(APPEND failures "exports '${exports}', not exactly '${want}'")
endif()

if(NOT HOST)
  akl_run(segments ${READELF} -lW "${FILE}")
  string(REGEX MATCHALL "LOAD +0x[0-9a-f]+ +0x[0-9a-f]+ +0x[0-9a-f]+ +0x[0-9a-f]+ +0x[0-9a-f]+ +[RWE ]+ +0x[0-9a-f]+"
    loads "${segments}")
  list(LENGTH loads nloads)
  akl_check(nloads "no PT_LOAD segment found")
  foreach(load ${loads})
    string(REGEX MATCHALL "0x[0-9a-f]+" f "${load}")
    list(GET f 0 offset)
    list(GET f 1 vaddr)
    list(GET f 5 align)
    math(EXPR drift "(${vaddr} - ${offset}) % 65536")
    math(EXPR align "${align}")
    if(align LESS 65536 OR NOT drift EQUAL 0)
      list(APPEND failures "segment at offset ${offset} vaddr ${vaddr} align ${align} cannot be mapped with 64 KB pages")
    endif()
  endforeach()
endif()

# Instructions beyond armv8-a: LSE atomics (v8.1) and SVE.
if(HOST)
  # the host's own instruction set
elseif(OBJDUMP)
  akl_run(code ${OBJDUMP} -d --no-show-raw-insn "${FILE}")
  string(REGEX MATCHALL "\t(cas|casp|swp|ld(add|clr|eor|set|smax|smin|umax|umin))[alhb]*\t[^\n]*"
    lse "${code}")
  string(REGEX MATCHALL "\t[a-z0-9.]+\t[^\n]*\\bz[0-9]+\\.[bhsdq]" sve "${code}")
  if(lse OR sve)
    list(APPEND failures "instructions beyond armv8-a: ${lse} ${sve}")
  endif()
else()
  message(STATUS "no aarch64 objdump: the instruction check is skipped")
endif()

if(failures)
  string(REPLACE ";" "\n  " text "${failures}")
  message(FATAL_ERROR "${FILE} is not fit for a device:\n  ${text}")
endif()
message(STATUS "${FILE}: fit for a device")
