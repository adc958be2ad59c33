# Tests of the examples (examples/): hello and vector_add end to end, the multi-process
# concurrency test with vector_add as its workload.
akl_add_test(examples
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_examples.c
  LIBS akl_test_cli_spawn
  DEPENDS akl_hello_example akl_vector_add_example aclsim
  LABELS examples integration
  TIMEOUT 300)

akl_add_test(examples_concurrency
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_examples_concurrency.c
  LIBS akl_test_vector_add
  DEPENDS akl_vector_add_example aclsim
  LABELS examples integration concurrency
  TIMEOUT 900)
