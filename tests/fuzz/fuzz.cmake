# Fuzz targets (issue 4). In every build, a replay driver runs each target over its seed corpus
# and every saved crash (tests/fuzz/regressions/<target>/), so fixed crashes stay fixed. With
# -DAKL_FUZZ=ON and clang, libFuzzer builds of the same targets run bounded in CI (label "fuzz")
# and for as long as you like from the fuzz-long target.
option(AKL_FUZZ "Build libFuzzer targets (needs clang)" OFF)
set(AKL_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs under ctest")
set(AKL_FUZZ_LONG_SECONDS 600 CACHE STRING "Seconds each fuzz target runs under 'fuzz-long'")
set(AKL_FUZZ_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz)

# The dispatcher's code for the fuzz targets, from the dispatcher's own function: once as host code
# (the replay driver), once instrumented for libFuzzer.
akl_dispatcher_library(akl_dispatcher_host STATIC)
if(AKL_FUZZ)
  akl_dispatcher_library(akl_dispatcher_fuzz STATIC
    OPTIONS -fsanitize=fuzzer-no-link,address,undefined -g)
endif()
# Likewise the simulator's Mode B registry and launch-argument half (their own CMake functions).
if(AKL_FUZZ)
  akl_sim_rts_library(akl_sim_rts_fuzz OPTIONS -fsanitize=fuzzer-no-link,address,undefined -g)
  akl_sim_launch_library(akl_sim_launch_fuzz OPTIONS -fsanitize=fuzzer-no-link,address,undefined -g)
endif()

function(akl_fuzz_sources name out)
  if(name STREQUAL "elf_check")
    set(${out} ${AKL_FUZZ_DIR}/fuzz_elf_check.c PARENT_SCOPE)
  elseif(name STREQUAL "dispatcher_args")
    set(${out} ${AKL_FUZZ_DIR}/fuzz_dispatcher_args.c PARENT_SCOPE)
  elseif(name STREQUAL "rts_descriptor")
    set(${out} ${AKL_FUZZ_DIR}/fuzz_rts_descriptor.c PARENT_SCOPE)
  elseif(name STREQUAL "launch_args")
    set(${out} ${AKL_FUZZ_DIR}/fuzz_launch_args.c PARENT_SCOPE)
  endif()
endfunction()

function(akl_fuzz_setup target name)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include
    ${PROJECT_SOURCE_DIR}/src/dispatcher ${PROJECT_SOURCE_DIR}/src/common ${XXHASH_INCLUDE_DIR})
  target_link_libraries(${target} PRIVATE akl_common)
  if(name STREQUAL "elf_check")
    target_link_libraries(${target} PRIVATE akl)
  elseif(name STREQUAL "dispatcher_args" AND target MATCHES "^fuzz_replay_")
    target_link_libraries(${target} PRIVATE akl_dispatcher_host akl_test_sched_answers)
  elseif(name STREQUAL "dispatcher_args")
    target_link_libraries(${target} PRIVATE akl_dispatcher_fuzz akl_test_sched_answers)
  elseif(name STREQUAL "rts_descriptor" AND target MATCHES "^fuzz_replay_")
    target_link_libraries(${target} PRIVATE akl_sim_rts)
  elseif(name STREQUAL "rts_descriptor")
    target_link_libraries(${target} PRIVATE akl_sim_rts_fuzz)
  elseif(name STREQUAL "launch_args" AND target MATCHES "^fuzz_replay_")
    target_link_libraries(${target} PRIVATE akl_sim_launch)
  elseif(name STREQUAL "launch_args")
    target_link_libraries(${target} PRIVATE akl_sim_launch_fuzz)
  endif()
endfunction()

set(AKL_FUZZ_TARGETS elf_check dispatcher_args rts_descriptor launch_args)
if(NOT TARGET akl)
  list(REMOVE_ITEM AKL_FUZZ_TARGETS elf_check)
endif()

foreach(name ${AKL_FUZZ_TARGETS})
  akl_fuzz_sources(${name} sources)
  add_executable(fuzz_replay_${name} ${AKL_FUZZ_DIR}/replay_main.c ${sources})
  akl_fuzz_setup(fuzz_replay_${name} ${name})
  akl_target_defaults(fuzz_replay_${name})
  set_target_properties(fuzz_replay_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  add_test(NAME fuzz_replay_${name} COMMAND fuzz_replay_${name}
    ${AKL_FUZZ_DIR}/corpus/${name} ${AKL_FUZZ_DIR}/regressions/${name})
  set_tests_properties(fuzz_replay_${name} PROPERTIES TIMEOUT 120 LABELS "fuzz-replay"
    ENVIRONMENT "AKL_RUNTIME=sim")

  if(AKL_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "AKL_FUZZ needs clang: configure with CC=clang")
    endif()
    add_executable(fuzz_${name} ${sources})
    akl_fuzz_setup(fuzz_${name} ${name})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined -g)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
    set(work ${PROJECT_BINARY_DIR}/fuzz/${name})
    add_test(NAME fuzz_${name}
      COMMAND ${CMAKE_COMMAND} -E env AKL_RUNTIME=sim
        sh -c "mkdir -p '${work}/corpus' && exec \"$0\" -max_total_time=${AKL_FUZZ_SECONDS} -rss_limit_mb=2048 -timeout=10 -artifact_prefix='${work}/' '${work}/corpus' '${AKL_FUZZ_DIR}/corpus/${name}'"
        $<TARGET_FILE:fuzz_${name}>)
    set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 300 LABELS "fuzz")
    list(APPEND fuzz_executables fuzz_${name})
    list(APPEND long_commands COMMAND ${CMAKE_COMMAND} -E make_directory ${work}/corpus
      COMMAND ${CMAKE_COMMAND} -E env AKL_RUNTIME=sim $<TARGET_FILE:fuzz_${name}>
        -max_total_time=${AKL_FUZZ_LONG_SECONDS} -artifact_prefix=${work}/ ${work}/corpus
        ${AKL_FUZZ_DIR}/corpus/${name})
  endif()
endforeach()

if(AKL_FUZZ)
  # What a fuzzing run needs, and only that (scripts/test.sh builds this in its fuzz mode); the
  # ELF validator resolves the runtime, so the simulator's library comes along.
  add_custom_target(fuzz-targets DEPENDS ${fuzz_executables} aclsim)
  add_custom_target(fuzz-long ${long_commands} USES_TERMINAL
    COMMENT "Fuzzing each target for ${AKL_FUZZ_LONG_SECONDS} s; crashes land in ${PROJECT_BINARY_DIR}/fuzz/<target>/")
endif()
