"""akl for Python: load and launch custom AICPU kernels on Ascend NPUs (or akl's simulated device).

Pure Python over libakl with ctypes: nothing to compile for each Python. The package finds the
libakl it was installed with by itself; AKL_LIBRARY=<path of libakl.so.0> overrides it.

    import akl
    with akl.Device(0) as dev:
        mod = dev.load("libmy_runtime.so")
        with dev.alloc(4096) as buf:
            mod.launch("my_kernel", args=buf.address.to_bytes(8, "little"), blocks=8)
            dev.synchronize()
            data = buf.read()

Every failure of libakl raises akl.Error with .code (akl's negative code or CANN's positive one),
.name and .message (libakl's detailed message). Wrong argument types raise TypeError. See
docs/python.md.
"""

import ctypes
import dataclasses
import os
import threading
import weakref

from . import _lib
from ._lib import library_path

__all__ = [
    "Device",
    "DeviceBuffer",
    "Error",
    "Module",
    "ModuleInfo",
    "Stream",
    "cache_stats",
    "check",
    "device_count",
    "fingerprint",
    "library_path",
    "local_device",
    "runtime_name",
]

__version__ = "0.1.0"

_c = _lib.lib


class Error(Exception):
    """A failure reported by libakl (or a misuse the package catches before calling it).

    code: akl's own code (negative, e.g. -1001 AKL_EINVAL) or CANN's (positive, e.g. 507018);
    name: the code's name ("AKL_EINVAL", "ACL_ERROR_RT_AICPU_EXCEPTION");
    message: the detailed message naming the file, device, kernel and cause."""

    def __init__(self, code, message):
        self.code = code
        self.name = _c.akl_errname(code).decode()
        self.message = message
        super().__init__(f"{self.name} ({code}): {message}")


def _raise(code):
    message = _c.akl_last_error().decode(errors="replace")
    raise Error(code, message or _c.akl_strerror(code).decode())


def _check(code):
    if code != 0:
        _raise(code)


def _invalid(message):
    """An AKL_EINVAL for a misuse the package itself catches (bounds, use after free)."""
    return Error(_lib.AKL_EINVAL, message)


def _bytes_of(data, what):
    """(object ctypes can pass as a pointer, size) for any C-contiguous buffer: bytes, bytearray,
    memoryview, array.array, a numpy array. Writable buffers are passed without a copy."""
    if isinstance(data, bytes):
        return data, len(data)
    if isinstance(data, str):
        raise TypeError(f"{what}: expected a bytes-like object, got str")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{what}: expected a bytes-like object, got {type(data).__name__}") from None
    if not view.c_contiguous:
        raise TypeError(f"{what}: the buffer is not C-contiguous")
    size = view.nbytes
    if size == 0:
        return b"", 0
    if view.readonly:
        return view.tobytes(), size
    return (ctypes.c_char * size).from_buffer(view.cast("B")), size


def _encode(text, what):
    if text is None:
        return None
    if isinstance(text, bytes):
        return text
    if isinstance(text, (str, os.PathLike)):
        return os.fsencode(text)
    raise TypeError(f"{what}: expected str, bytes or a path, got {type(text).__name__}")


# ---- Library-wide functions -------------------------------------------------------------------


def runtime_name():
    """The runtime in use ("sim:<path>" or "cann:<path>"), resolving it first."""
    _check(_c.akl_init())
    return _c.akl_runtime_name().decode()


def device_count():
    """How many devices the runtime has."""
    count = ctypes.c_uint32()
    _check(_c.akl_device_count(ctypes.byref(count)))
    return count.value


def local_device():
    """The device of this process's local rank under mpirun, torchrun or srun (LOCAL_RANK,
    OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID or SLURM_LOCALID, the first set, within
    ASCEND_RT_VISIBLE_DEVICES), as akl_local_device() decides."""
    device = ctypes.c_int32()
    _check(_c.akl_local_device(ctypes.byref(device)))
    return device.value


def fingerprint(data):
    """XXH3-64 of the bytes (any bytes-like object): the identity a device file is named by."""
    pointer, size = _bytes_of(data, "akl.fingerprint")
    return _c.akl_fingerprint(pointer, size)


def check(path_or_bytes, kernels=None):
    """Validates a runtime SO exactly as a load does (ELF, 64-bit, the device's machine, a shared
    object, within the size limit, exporting every name in kernels) without any device work.
    Raises akl.Error on the first problem."""
    opts, _keep = _load_options(None, kernels, None)
    if isinstance(path_or_bytes, (str, os.PathLike)):
        _check(_c.akl_check_file(_encode(path_or_bytes, "akl.check"), ctypes.byref(opts)))
    else:
        pointer, size = _bytes_of(path_or_bytes, "akl.check")
        _check(_c.akl_check_data(pointer, size, ctypes.byref(opts)))


def cache_stats():
    """The process cache's counters: a dict of loads, hits, bootstraps and failures."""
    stats = _lib.CacheStats()
    _c.akl_cache_stats(ctypes.byref(stats))
    return {name: getattr(stats, name) for name, _ in stats._fields_}


def _load_options(prefix, kernels, route):
    """akl_load_options_t for these arguments, and the objects it points into (keep them alive)."""
    opts = _lib.LoadOptions()
    opts.size = ctypes.sizeof(_lib.LoadOptions)
    keep = []
    if prefix is not None:
        opts.prefix = _encode(prefix, "prefix")
    if kernels is not None:
        if isinstance(kernels, (str, bytes)):
            kernels = [kernels]
        names = [_encode(k, "kernels") for k in kernels]
        array = (ctypes.c_char_p * (len(names) + 1))(*names, None)
        keep.append(array)
        opts.kernels = ctypes.cast(array, ctypes.POINTER(ctypes.c_char_p))
    if route is not None:
        _set_route(opts, route)
    return opts, keep


def _set_route(opts, route):
    if not isinstance(route, str):
        raise TypeError(f"route: expected 'auto', 'extend' or 'custom', got {type(route).__name__}")
    if not _lib.HAS_ROUTE:
        # Before routes existed every load took the extend route.
        if route not in ("auto", "extend"):
            raise _invalid(f"route '{route}': this libakl ({library_path()}) has only the extend route")
        return
    value = ctypes.c_int()
    _check(_c.akl_route_parse(route.encode(), ctypes.byref(value)))
    opts.route = value.value


# ---- Modules ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ModuleInfo:
    """What a load gave: the device file's name and path, what the bootstrap did on the device
    (outcome: "wrote", "identical", "replaced", ...), the route it took, and whether this load was
    answered from the process cache with no device work (cached)."""

    basename: str
    fingerprint: int
    device: int
    device_path: str
    size: int
    outcome: str
    route: str
    cached: bool
    bootstrap_seconds: float


# Every Module object per libakl handle: loads of the same bytes on one device share a handle,
# and unloading one must make all of their objects refuse further use (a freed handle is never
# passed to libakl). Guarded by _modules_lock; loads hold it too, so that the cache counters
# read around a load tell whether that load was a hit.
_modules_lock = threading.Lock()
_modules_by_handle = {}


class Module:
    """A runtime SO loaded on a device (Device.load). Launch its kernels with launch()."""

    def __init__(self, device, handle, cached):
        self._device = device
        self._handle = handle
        self._cached = cached

    @property
    def handle(self):
        """libakl's akl_module_t pointer (an int); loads of the same bytes share it."""
        return self._live_handle("handle")

    @property
    def device(self):
        return self._device

    def _live_handle(self, what):
        if self._handle is None:
            raise _invalid(f"Module.{what}: the module was unloaded")
        return self._handle

    @property
    def info(self):
        """A ModuleInfo (akl_module_info) of this module."""
        raw = _lib.ModuleInfo()
        _check(_c.akl_module_info(self._live_handle("info"), ctypes.byref(raw)))
        route = _c.akl_route_name(raw.route).decode() if _lib.HAS_ROUTE else "extend"
        return ModuleInfo(
            basename=raw.basename.decode(),
            fingerprint=raw.fingerprint,
            device=raw.device,
            device_path=os.fsdecode(raw.device_path),
            size=raw.size,
            outcome=_c.akl_boot_outcome_name(raw.outcome).decode(),
            route=route,
            cached=self._cached,
            bootstrap_seconds=raw.bootstrap_seconds,
        )

    def launch(self, kernel, args=b"", blocks=1, stream=None, timeout=0):
        """Launches `uint32_t kernel(void *args)` on `blocks` AICPU blocks with a copy of args (any
        bytes-like object), on stream (a Stream, or None for the default stream). timeout: a
        per-task AICPU timeout in seconds (0: the device's). Device-side failures (missing
        symbol, kernel error) raise at the next synchronize, as akl.Error 507018."""
        handle = self._live_handle("launch")
        pointer, size = _bytes_of(args, "Module.launch args")
        _check(
            _c.akl_launch(
                handle,
                _encode(kernel, "kernel"),
                pointer,
                size,
                blocks,
                _stream_handle(stream),
                timeout,
            )
        )

    def unload(self):
        """Removes the module from the process cache (akl_module_unload): the next load of its
        bytes bootstraps again. Every Module object of the same handle becomes unusable. The
        device file stays (other processes may use it)."""
        with _modules_lock:
            handle = self._live_handle("unload")
            _check(_c.akl_module_unload(handle))
            for ref in _modules_by_handle.pop(handle, []):
                module = ref()
                if module is not None:
                    module._handle = None
            self._handle = None

    def __eq__(self, other):
        if not isinstance(other, Module) or self._handle is None:
            return False
        return other._handle == self._handle

    def __hash__(self):
        return hash(self._handle)

    def __repr__(self):
        state = "unloaded" if self._handle is None else hex(self._handle)
        return f"<akl.Module {state} on device {self._device}>"


def _stream_handle(stream):
    if stream is None:
        return None
    if isinstance(stream, Stream):
        return stream._live_handle("use")
    raise TypeError(f"stream: expected akl.Stream or None, got {type(stream).__name__}")


# ---- Devices, memory, streams ------------------------------------------------------------------


class DeviceBuffer:
    """Device memory (Device.alloc). .address is the device address (an int) to put in a kernel's
    arguments. Freed by free(), by leaving a `with` block, or when its device is closed."""

    def __init__(self, device, address, size):
        self._device = device
        self._address = address
        self.size = size

    @property
    def address(self):
        if self._address is None:
            raise _invalid(f"DeviceBuffer.address: the {self.size}-byte buffer was freed")
        return self._address

    def _range(self, what, offset, size):
        address = self._address
        if address is None:
            raise _invalid(f"DeviceBuffer.{what}: the {self.size}-byte buffer was freed")
        if offset < 0 or size < 0 or offset + size > self.size:
            raise _invalid(
                f"DeviceBuffer.{what}: {size} bytes at offset {offset} do not fit the "
                f"{self.size}-byte buffer at device address {address:#x}"
            )
        return address + offset

    def write(self, data, offset=0):
        """Copies data (any bytes-like object: bytes, bytearray, memoryview, array.array, a numpy
        array) to the buffer at offset."""
        pointer, size = _bytes_of(data, "DeviceBuffer.write")
        target = self._range("write", offset, size)
        if size:
            _check(_c.akl_memcpy_to_device(target, pointer, size))

    def read(self, size=None, offset=0):
        """size bytes (default: to the end) from offset, as bytes."""
        if size is None:
            size = self.size - offset
        source = self._range("read", offset, size)
        out = ctypes.create_string_buffer(size)
        if size:
            _check(_c.akl_memcpy_from_device(out, source, size))
        return out.raw

    def free(self):
        """Frees the device memory; later calls do nothing."""
        if self._address is None:
            return
        address, self._address = self._address, None
        _check(_c.akl_mem_free(address))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()

    def __repr__(self):
        where = "freed" if self._address is None else hex(self._address)
        return f"<akl.DeviceBuffer {self.size} bytes at {where} on device {self._device}>"


class Stream:
    """A runtime stream (Device.stream): launches on one stream run in order."""

    def __init__(self, device, handle):
        self._device = device
        self._handle = handle

    def _live_handle(self, what):
        if self._handle is None:
            raise _invalid(f"Stream.{what}: the stream was destroyed")
        return self._handle

    def synchronize(self, timeout_ms=-1):
        """Waits for the stream's work (-1: forever); a device failure raises akl.Error."""
        _check(_c.akl_stream_sync(self._live_handle("synchronize"), timeout_ms))

    def destroy(self):
        """Destroys the stream; later calls do nothing."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        _check(_c.akl_stream_destroy(handle))

    close = destroy

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()


class Device:
    """Opens device n for the calling thread (akl_device_open); loads, launches, memory and
    streams then work on it from this thread. close() (or leaving a `with` block) resets it,
    which frees its memory and streams."""

    def __init__(self, n):
        if not isinstance(n, int):
            raise TypeError(f"Device: expected an int device id, got {type(n).__name__}")
        _check(_c.akl_device_open(n))
        self.id = n
        self._open = True
        self._children = weakref.WeakSet()

    def _require_open(self, what):
        if not self._open:
            raise _invalid(f"Device.{what}: device {self.id} was closed")

    def load(self, path_or_bytes, prefix=None, kernels=None, route=None):
        """Loads a runtime SO from a path (str, bytes path or os.PathLike) or from its bytes (any
        other bytes-like object) and returns a Module. The first load of given bytes on the
        device in the process bootstraps them; later loads are answered from the process cache.
        prefix: the device file name prefix; kernels: names the SO must export; route: 'auto',
        'extend' or 'custom'."""
        self._require_open("load")
        opts, keep = _load_options(prefix, kernels, route)
        handle = ctypes.c_void_p()
        with _modules_lock:
            hits = cache_stats()["hits"]
            if isinstance(path_or_bytes, (str, os.PathLike)):
                path = _encode(path_or_bytes, "Device.load")
                rc = _c.akl_module_load_file(self.id, path, ctypes.byref(opts), ctypes.byref(handle))
            else:
                pointer, size = _bytes_of(path_or_bytes, "Device.load")
                rc = _c.akl_module_load_data(
                    self.id, pointer, size, ctypes.byref(opts), ctypes.byref(handle)
                )
            if rc != 0:
                _raise(rc)
            module = Module(self.id, handle.value, cache_stats()["hits"] > hits)
            _modules_by_handle.setdefault(handle.value, []).append(weakref.ref(module))
        del keep
        return module

    def alloc(self, size):
        """size bytes of device memory, as a DeviceBuffer."""
        self._require_open("alloc")
        if not isinstance(size, int) or size < 0:
            raise TypeError(f"Device.alloc: expected a byte count, got {size!r}")
        address = ctypes.c_void_p()
        _check(_c.akl_mem_alloc(ctypes.byref(address), size))
        buffer = DeviceBuffer(self.id, address.value, size)
        self._children.add(buffer)
        return buffer

    def stream(self):
        """A new Stream on this device."""
        self._require_open("stream")
        handle = ctypes.c_void_p()
        _check(_c.akl_stream_create(ctypes.byref(handle)))
        stream = Stream(self.id, handle.value)
        self._children.add(stream)
        return stream

    def synchronize(self, timeout_ms=-1):
        """Waits for the default stream's work (-1: forever); a device failure raises akl.Error."""
        self._require_open("synchronize")
        _check(_c.akl_stream_sync(None, timeout_ms))

    def close(self):
        """Resets the device (akl_device_close); its buffers and streams go with it."""
        if not self._open:
            return
        self._open = False
        for child in list(self._children):
            # The reset frees them on the device; never free them twice.
            if isinstance(child, DeviceBuffer):
                child._address = None
            else:
                child._handle = None
        _check(_c.akl_device_close(self.id))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<akl.Device {self.id}{'' if self._open else ' closed'}>"
