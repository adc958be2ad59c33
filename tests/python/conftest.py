"""Fixtures of the Python package's tests: `cmake --install` of the build tree into a temporary
prefix (as tests/install/test_install.sh does), then `import akl` from that prefix's
lib/python3/dist-packages, which is what PYTHONPATH would give; nothing else points at the
library (no LD_LIBRARY_PATH, no AKL_LIBRARY). ctest passes the build's layout in AKL_TEST_*."""

import os
import subprocess
import sys

import shutil

import pytest


def pytest_configure(config):
    """--basetemp's parent must exist."""
    work = os.environ.get("AKL_TEST_WORK")
    if work:
        os.makedirs(work, exist_ok=True)


def pytest_sessionfinish(session, exitstatus):
    """Leaves nothing behind: ctest's AKL_TEST_WORK holds the simulator root and pytest's
    temporary directories (--basetemp) of this run."""
    work = os.environ.get("AKL_TEST_WORK")
    if work:
        shutil.rmtree(work, ignore_errors=True)


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run these tests through ctest (test 'python')", 2)
    return value


@pytest.fixture(scope="session")
def prefix(tmp_path_factory):
    """The install prefix, made once per session."""
    where = tmp_path_factory.mktemp("prefix")
    build = _env("AKL_TEST_BUILD_DIR")
    done = subprocess.run(
        [_env("AKL_TEST_CMAKE"), "--install", build, "--prefix", str(where)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    return where


@pytest.fixture(scope="session")
def pythonpath(prefix):
    return str(prefix / _env("AKL_TEST_PYTHON_DIR"))


@pytest.fixture(scope="session")
def akl(pythonpath):
    for name in ("LD_LIBRARY_PATH", "AKL_LIBRARY"):
        os.environ.pop(name, None)
    sys.path.insert(0, pythonpath)
    import akl as module

    return module


@pytest.fixture(scope="session")
def examples(prefix):
    """The installed example runtime SOs' directory."""
    return prefix / _env("AKL_TEST_LIBDIR") / "akl" / "examples"


@pytest.fixture
def dev(akl):
    """Device 0, opened for the test's thread and reset after it."""
    with akl.Device(0) as device:
        yield device
