# Tests of the akl command line tool (src/cli), which run build/bin/akl as a separate program.

akl_add_test(cli
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli.c
  LIBS akl akl_test_cli_spawn
  DEPENDS akl_cli akl_bench hello_kernel aclsim kernel_ldrk_unresolved
  LABELS cli integration
  TIMEOUT 300)

# `akl doctor` in each simulated install; its --json is parsed with json-c.
pkg_check_modules(CLI_DOCTOR_JSONC REQUIRED IMPORTED_TARGET json-c)
akl_add_test(cli_doctor
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cmd_doctor.c
  LIBS akl akl_test_cli_spawn PkgConfig::CLI_DOCTOR_JSONC
  DEPENDS akl_cli hello_kernel aclsim akl_dispatcher akl_aicpu_scheduler aicpu_extend_kernels
  LABELS cli integration
  TIMEOUT 300)
