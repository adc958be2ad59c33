# The benchmark's CI smoke run (issue 5): runs akl-bench --quick and checks its JSON and plots.
if(TARGET akl_bench)
  pkg_check_modules(JSONC REQUIRED IMPORTED_TARGET json-c)
  akl_add_test(bench_smoke SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bench_smoke.c LIBS PkgConfig::JSONC
    DEPENDS akl_bench LABELS bench TIMEOUT 300)
endif()
