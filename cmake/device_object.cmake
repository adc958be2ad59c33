# akl_device_object(<target>): makes <target>, a MODULE library, one of akl's device objects (the
# dispatcher, the collector): built for the device's loader to dlopen, self-contained (libc only:
# nothing else of ours exists on a device), never instrumented, and small (the dispatcher travels to
# the device on every first bootstrap; the collector once per device process). The one place that
# says how such an object is compiled and linked, so every device object is built alike.
# binutils before 2.31 (CANN's HCC may ship one) has no -z noseparate-code, and needs none: it did
# not separate code.
include(CheckLinkerFlag)
check_linker_flag(C "-Wl,-z,noseparate-code" AKL_LD_NOSEPARATE_CODE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  check_linker_flag(C "-Wl,--fix-cortex-a53-843419=adr" AKL_LD_FIX_843419_ADR)
endif()
function(akl_device_object target)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    # It depends on nothing of ours, so it needs no RUNPATH (and no space reserved for one).
    SKIP_BUILD_RPATH ON
    INSTALL_RPATH "")
  # Size:
  # - -Os after the build type's -O2 wins; unused sections are collected; symbols stripped (-s).
  # - -z noseparate-code: the default x86-64 layout pads code into its own pages (~8 KB alone).
  # - -nostartfiles: no crt objects; device objects have no constructors, destructors or atexit.
  # - -fno-plt with -z now: eager binding; no PLT to carry.
  # - -fno-asynchronous-unwind-tables -fno-unwind-tables: no .eh_frame (~1.4 KB; aarch64 GCC
  #   emits unwind tables unless told both). Cost: a backtrace stops at a device
  #   object's frame, and a thread cancelled inside one could not unwind (nothing cancels AICPU
  #   worker threads; C code here throws nothing).
  # - -fno-ident: no .comment section naming the compiler (~100 bytes with its section header).
  # (AKL_DEVICE_C_FLAGS, set in the top-level CMakeLists.txt, also drops any instrumentation.)
  target_compile_options(${target} PRIVATE ${AKL_DEVICE_C_FLAGS} -fno-ident)
  target_link_libraries(${target} PRIVATE akl_common_device akl_device_libc)
  target_link_options(${target} PRIVATE
    -nostartfiles -Wl,--gc-sections -Wl,--as-needed -Wl,-z,defs -Wl,-z,now -Wl,-z,relro
    -Wl,--build-id=none $<$<BOOL:${AKL_LD_NOSEPARATE_CODE}>:-Wl,-z,noseparate-code> -s
    # fstat/fstatat through src/common/device_libc.c (the object's own and src/common's calls):
    # no symbol version newer than GLIBC_2.17; futimens there too, one import fewer.
    -Wl,--wrap=fstat -Wl,--wrap=fstatat -Wl,--wrap=futimens)
  # RELRO: ld aligns the end of the RELRO region to a page, padding the file up to it. On aarch64
  # (the AICPU: plain armv8-a, loadable on kernels with 4 KB and with 64 KB pages, so segments are
  # aligned to 64 KB: -z max-page-size=65536, also ld's aarch64 default) that pads the dispatcher
  # from ~15 KB to ~65 KB; on x86-64 (4 KB pages; the simulator's copy) from ~14.5 KB to 17.5 KB.
  # Both are over the 16 KB a device object may take (tests/aarch64/check_dispatcher.cmake), so
  # device objects are linked -z norelro (after -z relro above: the last one wins). Cost: their GOT
  # and dynamic section (~0.6 KB) stay writable after relocation, in a process that dlopens user SOs
  # RTLD_GLOBAL anyway. (-march=armv8-a is in AKL_DEVICE_C_FLAGS, for src/common's device copy too.)
  target_link_options(${target} PRIVATE -Wl,-z,norelro)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    target_link_options(${target} PRIVATE -Wl,-z,max-page-size=65536)
    # Cortex-A53 erratum 843419: GCC links aarch64 with the linker's fix, whose default ("full")
    # puts its stubs in a 4 KB-aligned section when an ADRP lands at the end of a page: the file
    # grows by 4 KB on the chance of the code's layout. "adr" rewrites such an ADRP into an ADR
    # instead, which reaches everything in an object this small (within 1 MB): same fix, no stubs.
    if(AKL_LD_FIX_843419_ADR)
      target_link_options(${target} PRIVATE -Wl,--fix-cortex-a53-843419=adr)
    endif()
  endif()
  # Link-time optimisation where the compiler supports it (cross-file inlining and dead code,
  # src/common's device copy included): about 1.7 KB less for the aarch64 dispatcher. The code is
  # generated at link time: with the same size options as the compile.
  if(AKL_DEVICE_IPO)
    set_target_properties(${target} PROPERTIES INTERPROCEDURAL_OPTIMIZATION ON)
    target_link_options(${target} PRIVATE ${AKL_DEVICE_C_FLAGS} -fno-ident)
  endif()
  akl_target_warnings(${target})
  # Its size is watched: printed after each build.
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DFILE=$<TARGET_FILE:${target}>
            -P ${PROJECT_SOURCE_DIR}/src/dispatcher/print_size.cmake
    VERBATIM)
endfunction()
