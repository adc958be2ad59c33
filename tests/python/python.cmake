# The Python package's tests (tests/python/, pytest): ctest runs pytest with a Python that can
# import it (Debian's /usr/bin/python3 with python3-pytest first, then python3 on PATH). The
# tests install the build into a temporary prefix and import akl from there. Not registered in
# sanitizer builds: an instrumented libakl cannot be loaded into an uninstrumented Python.
if(AKL_SANITIZE)
  return()
endif()
if(NOT AKL_PYTHON_PYTEST)
  find_program(AKL_PYTHON_ON_PATH NAMES python3)
  foreach(candidate /usr/bin/python3 ${AKL_PYTHON_ON_PATH})
    if(EXISTS "${candidate}")
      execute_process(COMMAND ${candidate} -c "import pytest" RESULT_VARIABLE no_pytest
        OUTPUT_QUIET ERROR_QUIET)
      if(no_pytest EQUAL 0)
        set(AKL_PYTHON_PYTEST ${candidate} CACHE FILEPATH "Python that runs the pytest tests")
        break()
      endif()
    endif()
  endforeach()
endif()
if(NOT AKL_PYTHON_PYTEST)
  message(STATUS "akl: no Python with pytest found (Debian: python3-pytest); the Python tests "
    "are not registered")
  return()
endif()

# Everything the run makes goes under ${AKL_TEST_ROOTS}/python, which conftest.py removes at the end.
set(AKL_PYTHON_TEST_WORK ${AKL_TEST_ROOTS}/python)
add_test(NAME python
  COMMAND ${AKL_PYTHON_PYTEST} -m pytest -q -p no:cacheprovider
    --basetemp=${AKL_PYTHON_TEST_WORK}/tmp ${CMAKE_CURRENT_SOURCE_DIR}/python)
set_tests_properties(python PROPERTIES TIMEOUT 600 LABELS "python;integration"
  ENVIRONMENT "AKL_TEST_WORK=${AKL_PYTHON_TEST_WORK};AKL_SIM_ROOT=${AKL_PYTHON_TEST_WORK}/sim;AKL_LOG=;PYTHONDONTWRITEBYTECODE=1;AKL_TEST_BUILD_DIR=${PROJECT_BINARY_DIR};AKL_TEST_CMAKE=${CMAKE_COMMAND};AKL_TEST_PYTHON_DIR=${AKL_PYTHON_INSTALL_DIR};AKL_TEST_LIBDIR=${CMAKE_INSTALL_LIBDIR}")
