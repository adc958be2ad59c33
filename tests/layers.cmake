# The structure check (docs/architecture.md, "Layers"): no include cycles, no upward or sideways
# include, no source compiled by path outside its directory, internal names marked. Reads the
# source tree only, so it runs in every build mode.
find_program(AKL_LAYERS_PYTHON NAMES python3)
if(AKL_LAYERS_PYTHON)
  add_test(NAME layers
    COMMAND ${AKL_LAYERS_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/check_layers.py ${PROJECT_SOURCE_DIR})
  set_tests_properties(layers PROPERTIES LABELS "layers")
else()
  message(WARNING "akl: no python3, the layers test is not registered")
endif()
