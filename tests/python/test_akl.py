"""The Python package end to end on the simulated device, from an installed prefix: loads from a
path and from bytes, device memory filled by the vector_add kernels and read back, a failing kernel
raising akl.Error 507018, unload and reload, a deleted device file republished, the buffer
protocol, streams, check/fingerprint, errors, and the local device of a cluster launcher."""

import array
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

VADD_MAGIC = 0x44444156
VADD_VERSION = 1
VADD_READY = 0x59444552
AKL_EINVAL, AKL_EDEVICE, AKL_EIO, AKL_ENOTELF, AKL_ENOSYM = -1001, -1005, -1003, -1011, -1016
AICPU_EXCEPTION = 507018
README = Path(__file__).resolve().parents[2] / "README.md"


def vadd_args(n, a, b, c, status, magic=VADD_MAGIC):
    return struct.pack("<IIQQQQQ", magic, VADD_VERSION, n, a, b, c, status)


def run_vector_add(dev, mod, n=1000, blocks=4):
    """c = a + b over n floats with vadd_init then vadd_exec; returns (c, status bytes)."""
    a = array.array("f", (float(i) for i in range(n)))
    b = array.array("f", (0.5 * i for i in range(n)))
    size = n * a.itemsize
    with dev.alloc(size) as da, dev.alloc(size) as db, dev.alloc(size) as dc, dev.alloc(16) as st:
        da.write(a)
        db.write(memoryview(b))
        dc.write(bytearray(size))
        st.write(bytes(16))
        args = vadd_args(n, da.address, db.address, dc.address, st.address)
        mod.launch("vadd_init", args)
        mod.launch("vadd_exec", args, blocks=blocks)
        dev.synchronize(60000)
        c = array.array("f")
        c.frombytes(dc.read())
        return c, st.read()


def test_installed_package_finds_its_own_libakl(akl, prefix):
    assert Path(akl.__file__).resolve().is_relative_to(prefix.resolve())
    lib = Path(akl.library_path())
    assert lib.resolve().is_relative_to(prefix.resolve()), lib
    assert lib.name == "libakl.so.0"
    assert akl.runtime_name().startswith(f"sim:{prefix.resolve()}/"), akl.runtime_name()


def test_readme_example_runs_with_only_pythonpath(pythonpath, examples, tmp_path):
    """The README's Python example, as written, in a process that has PYTHONPATH and nothing else
    of akl's (the example's SO path is the build tree's; here it is the installed one)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README.md has no ```python example"
    code = blocks[0].replace("build/lib/akl/examples/", f"{examples}/")
    assert len(blocks[0].strip().splitlines()) <= 10
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": pythonpath,
           "AKL_SIM_ROOT": str(tmp_path / "sim")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HELLO" in done.stdout, done.stdout


def test_akl_library_overrides_the_recorded_path(akl, pythonpath, tmp_path):
    code = "import akl; print(akl.library_path()); print(akl.runtime_name())"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": pythonpath,
           "AKL_SIM_ROOT": str(tmp_path / "sim"), "AKL_LIBRARY": akl.library_path()}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == akl.library_path()
    env["AKL_LIBRARY"] = str(tmp_path / "no-libakl.so.0")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert f"ImportError: akl: cannot load libakl from {tmp_path}/no-libakl.so.0" in done.stderr


def test_load_from_path_and_from_bytes_is_one_module(akl, dev, examples):
    path = examples / "libakl_vector_add.so"
    by_path = dev.load(path, kernels=["vadd_init", "vadd_exec"])
    data = path.read_bytes()
    by_bytes = dev.load(data)
    assert by_bytes == by_path
    assert by_bytes.handle == by_path.handle
    info = by_bytes.info
    assert info.cached is True
    assert info.fingerprint == akl.fingerprint(data) == by_path.info.fingerprint
    assert info.size == len(data)
    assert info.device == 0
    assert info.basename == f"akl_inner_{info.fingerprint:016x}_0.so"
    assert os.path.isfile(info.device_path) and info.device_path.endswith(info.basename)
    assert info.outcome in ("wrote", "identical", "replaced")
    assert info.route in ("extend", "custom")


def test_vector_add_fills_device_memory_and_reads_it_back(dev, examples):
    mod = dev.load(str(examples / "libakl_vector_add.so"))
    n = 1000
    c, status = run_vector_add(dev, mod, n=n, blocks=4)
    assert list(c) == [i + 0.5 * i for i in range(n)]
    ready, blocks_done, elements_done = struct.unpack("<IIQ", status)
    assert (ready, blocks_done, elements_done) == (VADD_READY, 4, n)


def test_failing_kernel_raises_akl_error_507018(akl, dev, examples):
    mod = dev.load(str(examples / "libakl_vector_add.so"))
    with dev.alloc(16) as st:
        mod.launch("vadd_init", vadd_args(1, 8, 8, 8, st.address, magic=0xBAD))
        with pytest.raises(akl.Error) as caught:
            dev.synchronize(60000)
    err = caught.value
    assert err.code == AICPU_EXCEPTION
    assert err.name == "ACL_ERROR_RT_AICPU_EXCEPTION"
    assert "vadd_init" in err.message and "1001" in err.message, err.message
    assert str(err).startswith("ACL_ERROR_RT_AICPU_EXCEPTION (507018): ")
    # Reported once; the device keeps working.
    c, _ = run_vector_add(dev, mod, n=64, blocks=2)
    assert c[63] == 63 * 1.5


def test_unload_and_reload(akl, dev, examples):
    path = examples / "libakl_hello.so"
    mod = dev.load(path)
    other = dev.load(path.read_bytes())  # the same module
    before = akl.cache_stats()
    mod.unload()
    for gone in (mod, other):
        with pytest.raises(akl.Error) as caught:
            gone.launch("akl_hello", bytes(16))
        assert caught.value.code == AKL_EINVAL
        assert "unloaded" in caught.value.message
    again = dev.load(path)
    info = again.info
    assert info.cached is False
    assert info.outcome == "identical"  # the device file stayed
    assert akl.cache_stats()["bootstraps"] == before["bootstraps"] + 1
    with dev.alloc(16) as out:
        again.launch("akl_hello", struct.pack("<QQ", out.address, 7))
        dev.synchronize(60000)
        assert out.read() == b"HELLO\0\0\0" + struct.pack("<Q", 7)


def test_deleted_device_file_is_republished(akl, dev, examples):
    data = (examples / "libakl_hello.so").read_bytes() + b"\0" * 64  # bytes of its own
    mod = dev.load(data)
    os.unlink(mod.info.device_path)
    with dev.alloc(16) as out:
        mod.launch("akl_hello", struct.pack("<QQ", out.address, 1))
        with pytest.raises(akl.Error) as caught:
            dev.synchronize(60000)
        assert caught.value.code == AICPU_EXCEPTION
        assert "11002" in caught.value.message
        again = dev.load(data)
        assert again.info.outcome == "wrote" and os.path.isfile(again.info.device_path)
        again.launch("akl_hello", struct.pack("<QQ", out.address, 2))
        dev.synchronize(60000)
        assert out.read(8, 8) == struct.pack("<Q", 2)


def test_device_buffer_takes_any_buffer(akl, dev):
    with dev.alloc(64) as buf:
        assert isinstance(buf.address, int) and buf.size == 64
        buf.write(bytes(range(64)))
        buf.write(bytearray(b"\xff" * 4), offset=4)
        buf.write(memoryview(b"abcdefgh")[2:6], offset=8)
        buf.write(array.array("I", [0x01020304]), offset=60)
        got = buf.read()
        assert isinstance(got, bytes) and len(got) == 64
        assert got[:12] == bytes(range(4)) + b"\xff" * 4 + b"cdef"
        assert got[60:] == struct.pack("<I", 0x01020304)
        assert buf.read(4, offset=8) == b"cdef"
        with pytest.raises(akl.Error) as caught:
            buf.write(bytes(8), offset=60)
        assert caught.value.code == AKL_EINVAL and "do not fit the 64-byte buffer" in str(caught.value)
        with pytest.raises(akl.Error):
            buf.read(65)
        with pytest.raises(TypeError):
            buf.write("text")
    with pytest.raises(akl.Error) as caught:
        buf.read()
    assert "freed" in caught.value.message
    buf.free()  # again: nothing


def test_device_buffer_takes_numpy_arrays(dev):
    np = pytest.importorskip("numpy")
    with dev.alloc(32) as buf:
        values = np.arange(8, dtype=np.float32)
        buf.write(values)
        assert np.frombuffer(buf.read(), dtype=np.float32).tolist() == values.tolist()


def test_streams(akl, dev, examples):
    mod = dev.load(examples / "libakl_hello.so")
    with dev.stream() as s, dev.alloc(16) as out:
        mod.launch("akl_hello", struct.pack("<QQ", out.address, 9), stream=s)
        s.synchronize()
        assert out.read(8, 8) == struct.pack("<Q", 9)
    with pytest.raises(akl.Error):
        s.synchronize()


def test_check_and_fingerprint(akl, examples):
    path = examples / "libakl_hello.so"
    akl.check(path)
    akl.check(str(path), kernels=["akl_hello"])
    akl.check(path.read_bytes())
    with pytest.raises(akl.Error) as caught:
        akl.check(b"not an ELF file")
    assert caught.value.code == AKL_ENOTELF
    with pytest.raises(akl.Error) as caught:
        akl.check(path, kernels=["no_such_kernel"])
    assert caught.value.code == AKL_ENOSYM and "no_such_kernel" in caught.value.message
    assert akl.fingerprint(b"") == akl.fingerprint(bytearray())
    assert akl.fingerprint(path.read_bytes()) == akl.fingerprint(memoryview(path.read_bytes()))


def test_failures_name_the_cause(akl, dev, examples, tmp_path):
    missing = tmp_path / "missing.so"
    with pytest.raises(akl.Error) as caught:
        dev.load(missing)
    assert caught.value.code == AKL_EIO and str(missing) in caught.value.message
    mod = dev.load(examples / "libakl_hello.so")
    with pytest.raises(akl.Error) as caught:
        mod.launch("akl_hello", bytes(16), blocks=0)
    assert caught.value.code == AKL_EINVAL and "blocks" in caught.value.message
    with pytest.raises(akl.Error) as caught:
        dev.load(examples / "libakl_hello.so", route="sideways")
    assert caught.value.code == AKL_EINVAL
    with pytest.raises(akl.Error) as caught:
        akl.Device(-1)
    assert caught.value.code == AKL_EDEVICE


def test_local_device(akl, monkeypatch):
    for name in ("LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID",
                 "ASCEND_RT_VISIBLE_DEVICES"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(akl.Error) as caught:
        akl.local_device()
    assert caught.value.code == AKL_EDEVICE and "OMPI_COMM_WORLD_LOCAL_RANK" in caught.value.message
    monkeypatch.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "3")
    assert akl.local_device() == 3
