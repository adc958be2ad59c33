# Tests of the akl command line tool (src/cli), which run build/bin/akl as a separate program.
add_library(akl_test_cli_spawn STATIC integration/test_cli_spawn.c)
target_include_directories(akl_test_cli_spawn PUBLIC integration)
target_link_libraries(akl_test_cli_spawn PUBLIC akl_test_support PRIVATE akl_json_text)
akl_target_defaults(akl_test_cli_spawn)

akl_add_test(cli
  SOURCES integration/test_cli.c
  LIBS akl akl_test_cli_spawn
  DEPENDS akl_cli akl_bench hello_kernel aclsim kernel_ldrk_unresolved
  LABELS cli integration
  TIMEOUT 300)
