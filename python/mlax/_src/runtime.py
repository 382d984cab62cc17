"""PJRT through jaxlib: the only module that touches jaxlib (and jax's private
backend discovery). Everything it uses is private to jaxlib/jax, so both are
pinned to one exact version; `test_runtime_smoke` covers this module alone.

GPU/TPU: jax's backend discovery loads any installed PJRT plugin
(jax-cuda12-plugin, ...); MLAX_PLATFORM_NAME / mlax.config picks one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import threading
import time
from typing import Any, Sequence

# jaxlib's C++ expects jax's Python hooks to be installed first, so import jax
# (its backend machinery only; mlax never uses jax's transformations).
import jax  # noqa: F401
import numpy as np
from jax._src import config as _jax_config
from jax._src import core as _jax_core
from jax._src import xla_bridge as _xb
from jax._src.lib import xla_client as _xc
from jaxlib import _jax

from mlax._src.config import config

Buffer = Any  # a device-resident jaxlib array
Device = _jax.Device  # a PJRT device (jax.Device)


def platform_name() -> str | None:
    """The platform asked for: mlax_platform_name, else the first of
    mlax_platforms ("cuda,cpu"), else None (jax's choice)."""
    name = config.read("mlax_platform_name")
    if not name:
        name = (config.read("mlax_platforms") or "").split(",")[0].strip()
    return name or None


@functools.lru_cache(maxsize=None)
def _init_lapack() -> None:
    """Loads the LAPACK routines behind jaxlib's lapack_*_ffi targets (the
    targets are registered with XLA when jax is imported; the routines are
    scipy's, bound on first use)."""
    from jaxlib import lapack

    lapack._lapack.initialize()


def backend(platform: str | None = None):
    """The PJRT client for `platform` (default: the configured one)."""
    return _backend(platform or platform_name())


@functools.lru_cache(maxsize=None)
def _backend(platform: str | None):
    return _xb.get_backend(platform)


def default_device():
    """mlax_default_device when set (a device, or a platform name), else
    the configured backend's first device."""
    dev = config.read("mlax_default_device")
    if dev is None:
        return _first_device(platform_name())
    if isinstance(dev, str):
        return _first_device(dev)
    return dev


@functools.lru_cache(maxsize=None)
def _first_device(platform: str | None):
    return _backend(platform).local_devices()[0]


@functools.lru_cache(maxsize=None)
def _sharding(device):
    return jax.sharding.SingleDeviceSharding(device)


# Exceptions raised by Python host callbacks, by the callback key of the
# program that called them (callbacks run on XLA's threads, not the caller's).
callback_errors: dict[str, list[BaseException]] = {}


class Executable:
    """A compiled StableHLO module bound to one device."""

    __slots__ = ("_exe", "device", "num_outputs", "callback_key", "kept")

    def __init__(self, exe, device, num_outputs: int, callback_key: bytes | None = None):
        self._exe = exe
        self.device = device
        self.num_outputs = num_outputs
        self.callback_key = callback_key
        # Which of the program's arguments the executable takes (None: all);
        # unused ones were dropped before XLA (core._prune_unused_arguments).
        self.kept: tuple[bool, ...] | None = None

    def execute(self, buffers: Sequence[Buffer]) -> list[Buffer]:
        if self.kept is not None:  # (a deleted unused input is no error, as in jax)
            buffers = [b for b, k in zip(buffers, self.kept, strict=True) if k]
        try:
            results = self._exe.execute_sharded(buffers)
        except Exception:
            for b in buffers:
                if b.is_deleted():  # donated to an earlier call, or deleted
                    raise RuntimeError(
                        f"Array has been deleted with shape={b.dtype}{list(b.shape)}."
                    ) from None
            # A Python host callback failed: raise its own exception.
            errors = callback_errors.get(self.callback_key)
            error = errors.pop() if errors else None
            if error is not None:
                raise error.with_traceback(error.__traceback__) from None
            raise
        return [x[0] for x in results.disassemble_into_single_device_arrays()]

    def cost_analysis(self) -> dict[str, float]:
        """XLA's cost estimates (flops, bytes accessed, ...)."""
        return dict(self._exe.cost_analysis())

    def memory_analysis(self):
        """XLA's memory statistics (argument/output/temp sizes in bytes)."""
        return self._exe.get_compiled_memory_stats()

    def hlo_text(self) -> str:
        """The optimized HLO XLA compiled."""
        return self._exe.hlo_modules()[0].to_string()


# Counts of XLA compilations and of executables loaded from the disk cache
# (tests and benchmarks read them).
compile_stats = {"xla": 0, "disk_hits": 0}
_stats_lock = threading.Lock()


def _count(name: str) -> None:
    with _stats_lock:
        compile_stats[name] += 1


def _cache_path(directory: str, stablehlo: str, device) -> str:
    import jaxlib

    key = "\0".join(
        [jaxlib.__version__, device.platform, device.device_kind, str(device.id), stablehlo]
    )
    return os.path.join(directory, hashlib.sha256(key.encode()).hexdigest() + ".pjrt")


def _load_cached(path: str, device, options):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return backend().deserialize_executable(data, _xc.DeviceList((device,)), options)
    except Exception:  # absent, or written by an incompatible build: compile
        return None


def _store_cached(path: str, exe) -> None:
    # Written to a private file, then renamed: a reader never sees half a
    # file and concurrent writers (same content) simply replace each other.
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        data = exe.serialize()
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pjrt")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except Exception:  # a read-only or full disk only costs the cache
        pass


def compile(
    stablehlo: str,
    num_outputs: int,
    device=None,
    host_callbacks: Sequence[Any] = (),
    callback_key: bytes | None = None,
    timings: dict | None = None,
) -> Executable:
    """Compiles StableHLO text for `device` (default: the first device).
    `host_callbacks[i]` serves the python callback custom calls of index i;
    their exceptions are filed under `callback_key` in `callback_errors`.
    With mlax_compilation_cache_dir set, executables (without host
    callbacks) are loaded from and saved to that directory. `timings` gets
    "xla" (seconds) and "disk_cache" (whether it was loaded)."""
    start = time.perf_counter()
    device = device or default_device()
    if "lapack_" in stablehlo:
        _init_lapack()
    options = _xc.CompileOptions()
    build = options.executable_build_options
    build.device_assignment = _xc.DeviceAssignment.create(np.array([[device.id]]))
    build.num_replicas = 1
    build.num_partitions = 1
    if not host_callbacks:
        cache_dir = config.read("mlax_compilation_cache_dir")
        path = _cache_path(cache_dir, stablehlo, device) if cache_dir else None
        exe = _load_cached(path, device, options) if path else None
        if timings is not None:
            timings["disk_cache"] = exe is not None
        if exe is not None:
            _count("disk_hits")
        else:
            _count("xla")
            exe = backend().compile_and_load(stablehlo, _xc.DeviceList((device,)), options)
            if path:
                _store_cached(path, exe)
        if timings is not None:
            timings["xla"] = time.perf_counter() - start
        return Executable(exe, device, num_outputs)
    # The overload taking host callbacks wants a module of jaxlib's MLIR
    # (PJRT glue: the module is only parsed there, nothing is traced).
    from jax._src.interpreters import mlir as _jax_mlir
    from jax._src.lib.mlir import ir as _jax_ir

    _count("xla")
    with _jax_mlir.make_ir_context():
        module = _jax_ir.Module.parse(stablehlo)
        exe = backend().compile_and_load(
            module,
            executable_devices=_xc.DeviceList((device,)),
            compile_options=options,
            host_callbacks=list(host_callbacks),
        )
    if timings is not None:
        timings["xla"] = time.perf_counter() - start
        timings["disk_cache"] = False
    return Executable(exe, device, num_outputs, callback_key)


# --- Several devices: XLA's SPMD partitioner ---------------------------------
# A program over a mesh of N devices is compiled once for N partitions (the
# mesh's devices in row-major order); its arguments and results are jaxlib
# arrays that span those devices. Shardings cross this module as jaxlib
# objects; `mlax._src.sharding_impl` turns them into mlax's own classes.


def jax_named_sharding(devices: np.ndarray, axis_names: tuple, spec: tuple):
    """jaxlib's sharding for an mlax NamedSharding (mesh devices, names and
    a spec of None / name / tuple of names per dimension)."""
    return _jax_named(tuple(d.id for d in devices.flat), devices.shape, axis_names, spec)


@functools.lru_cache(maxsize=1024)
def _jax_named(ids, shape, axis_names, spec):
    by_id = {d.id: d for d in backend().devices()}
    devices = np.array([by_id[i] for i in ids], dtype=object).reshape(shape)
    mesh = jax.sharding.Mesh(devices, axis_names)
    return jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(*spec))


def sharding_parts(sharding) -> tuple:
    """("named", devices ndarray, axis names, spec) for a jaxlib named
    sharding, ("single", device) for one device, else ("devices", list)."""
    if isinstance(sharding, jax.sharding.NamedSharding):
        spec = tuple(sharding.spec)
        return ("named", sharding.mesh.devices, tuple(sharding.mesh.axis_names), spec)
    if isinstance(sharding, jax.sharding.SingleDeviceSharding):
        return ("single", next(iter(sharding.device_set)))
    return ("devices", sorted(sharding.device_set, key=lambda d: d.id))


def device_put_sharded(x: np.ndarray, sharding) -> Buffer:
    """Copies a host array onto the devices of jaxlib sharding `sharding`,
    each device receiving its block."""
    x = np.asarray(x)
    index_map = sharding.addressable_devices_indices_map(x.shape)
    devices = list(index_map)
    shards = [np.ascontiguousarray(x[index_map[d]]) for d in devices]
    aval = _jax_aval(x.shape, x.dtype)
    if x.dtype.itemsize == 8 or x.dtype == np.complex128:
        with _jax_config.enable_x64(True):
            return _jax.batched_device_put(aval, sharding, shards, devices, True)
    return _jax.batched_device_put(aval, sharding, shards, devices, True)


def assemble_shards(shape: tuple, dtype: np.dtype, sharding, shards: Sequence, devices) -> Buffer:
    """A global array over jaxlib sharding `sharding` from host blocks, one per
    device in `devices` (each already the block that device holds)."""
    aval = _jax_aval(tuple(shape), np.dtype(dtype))
    blocks = [np.ascontiguousarray(b) for b in shards]
    if np.dtype(dtype).itemsize == 8 or np.dtype(dtype) == np.complex128:
        with _jax_config.enable_x64(True):
            return _jax.batched_device_put(aval, sharding, blocks, list(devices), True)
    return _jax.batched_device_put(aval, sharding, blocks, list(devices), True)


def assemble_buffers(shape: tuple, sharding, buffers: Sequence[Buffer]) -> Buffer:
    """A global array over jaxlib sharding `sharding` from single-device
    buffers (jax's own assembly, with its checks of shapes and devices)."""
    return jax.make_array_from_single_device_arrays(tuple(shape), sharding, list(buffers))


def num_devices(buffer: Buffer) -> int:
    return len(buffer.sharding.device_set)


class SpmdExecutable(Executable):
    """A program partitioned over several devices. Arguments whose layout
    differs from the one XLA chose are moved first (as jax reshards
    uncommitted arguments); results span the devices with the shardings XLA
    gave them (named over the program's mesh where they can be)."""

    __slots__ = ("devices", "in_shardings", "out_shardings")

    def __init__(self, exe, devices, mesh_names, num_outputs: int):
        super().__init__(exe, devices[0], num_outputs)
        from jax._src import sharding_impls as _si

        self.devices = devices
        mesh = jax.sharding.Mesh(
            np.array(devices, dtype=object).reshape(mesh_names[1]), mesh_names[0]
        )

        def named(op):
            gs = _si.GSPMDSharding(tuple(devices), op)
            try:
                return _si._gspmd_to_named_sharding_via_mesh(gs, mesh)
            except Exception:  # not expressible over the mesh: keep XLA's
                return gs

        self.in_shardings = [named(o) for o in exe.get_parameter_shardings()]
        self.out_shardings = [named(o) for o in exe.get_output_shardings()]

    def _place(self, buffer: Buffer, sharding) -> Buffer:
        current = buffer.sharding
        if current is sharding or current == sharding:
            return buffer
        if current.is_equivalent_to(sharding, len(buffer.shape)):
            return buffer
        if buffer.is_deleted():
            raise RuntimeError(
                f"Array has been deleted with shape={buffer.dtype}{list(buffer.shape)}."
            )
        return device_put_sharded(np.asarray(buffer), sharding)

    def execute(self, buffers: Sequence[Buffer]) -> list[Buffer]:
        from jax._src import array as _array

        args = [self._place(b, s) for b, s in zip(buffers, self.in_shardings)]
        results = self._exe.execute_sharded(args)
        outs = results.disassemble_into_single_device_arrays()
        arrays = []
        for parts, sharding in zip(outs, self.out_shardings):
            shape = tuple(parts[0].shape)
            global_shape = _global_shape(shape, sharding, len(parts))
            arrays.append(
                _array.ArrayImpl(
                    _jax_aval(global_shape, parts[0].dtype), sharding, parts, committed=True
                )
            )
        return arrays


def _global_shape(shard_shape: tuple, sharding, n: int) -> tuple:
    """The global shape of a result whose blocks have `shard_shape`."""
    hlo = sharding._to_xla_hlo_sharding(len(shard_shape))
    if hlo.is_replicated() or not shard_shape:
        return shard_shape
    tiles = hlo.tile_assignment_dimensions()
    return tuple(s * t for s, t in zip(shard_shape, tiles))


def compile_spmd(
    stablehlo: str,
    num_outputs: int,
    devices: Sequence[Any],
    mesh_names: tuple,
    propagate_inputs: Sequence[bool],
    propagate_outputs: Sequence[bool],
    timings: dict | None = None,
) -> SpmdExecutable:
    """Compiles a program over `devices` (its N partitions, in mesh order;
    `mesh_names` = (axis names, mesh shape)) with XLA's SPMD partitioner.
    Inputs / outputs flagged in `propagate_*` take the sharding XLA's
    propagation picks."""
    start = time.perf_counter()
    if "lapack_" in stablehlo:
        _init_lapack()
    options = _xc.CompileOptions()
    build = options.executable_build_options
    build.device_assignment = _xc.DeviceAssignment.create(np.array([[d.id for d in devices]]))
    build.num_replicas = 1
    build.num_partitions = len(devices)
    build.use_spmd_partitioning = True
    build.use_shardy_partitioner = False
    build.allow_spmd_sharding_propagation_to_parameters = list(propagate_inputs) or [False]
    build.allow_spmd_sharding_propagation_to_output = list(propagate_outputs) or [False]
    _count("xla")
    exe = backend().compile_and_load(stablehlo, _xc.DeviceList(tuple(devices)), options)
    if timings is not None:
        timings["xla"] = time.perf_counter() - start
        timings["disk_cache"] = False
    return SpmdExecutable(exe, tuple(devices), mesh_names, num_outputs)


def python_callback_target() -> str | None:
    """The custom-call target of XLA's Python callbacks on this platform."""
    platform = backend().platform
    if platform == "cpu":
        return "xla_ffi_python_cpu_callback"
    if platform in ("cuda", "rocm", "gpu"):
        return "xla_ffi_python_gpu_callback"
    return None


@functools.lru_cache(maxsize=4096)
def _jax_aval(shape: tuple[int, ...], dtype: np.dtype):
    return _jax_core.ShapedArray(shape, dtype)


def to_device(x: np.ndarray, device=None) -> Buffer:
    """Copies a host array (already of a supported dtype) to `device`."""
    device = device or default_device()
    x = np.asarray(x)
    if x.dtype.itemsize == 8 or x.dtype == np.complex128:
        # jaxlib narrows 64-bit host data unless jax's own x64 flag is on;
        # mlax's flag (which may be set at any time) decides instead.
        with _jax_config.enable_x64(True):
            return _jax.batched_device_put(
                _jax_aval(x.shape, x.dtype), _sharding(device), [x], [device], True
            )
    return _jax.batched_device_put(
        _jax_aval(x.shape, x.dtype), _sharding(device), [x], [device], True
    )


def to_host(buffer: Buffer) -> np.ndarray:
    return np.asarray(buffer)


def block_until_ready(buffer: Buffer) -> None:
    buffer.block_until_ready()


def is_buffer(x: Any) -> bool:
    return isinstance(x, _jax.ArrayImpl)


# --- C++ dispatch of cached jitted calls ------------------------------------
# jaxlib's C++ `pjit` object computes a call's signature (pytree structure,
# shapes, dtypes, weak types, shardings, static-argument hashes), looks it up
# and executes without Python; on a miss it calls back into mlax, which
# traces/compiles with its own machinery and hands back the executable. The
# pytrees are flattened with mlax's own registries (not jax's): mlax's
# registrations are mirrored into them, and an mlax Array is a node whose
# one child is its buffer (its aval, with mlax's weak type, is the aux data).
# Arguments are flattened with `dispatch_registry`, where an Array is a
# dataclass node (read in C++, no Python call per argument); the outputs'
# pytree comes from `output_registry`, where it is a Python node (wrapping a
# result is cheaper than the dataclass node's keyword construction).

dispatch_registry = _jax.pytree.PyTreeRegistry()
output_registry = _jax.pytree.PyTreeRegistry()


def register_dispatch_node(nodetype: type, flatten, unflatten) -> None:
    dispatch_registry.register_node(nodetype, flatten, unflatten)
    output_registry.register_node(nodetype, flatten, unflatten)


def register_dispatch_array(nodetype: type, flatten, unflatten) -> None:
    """An Array type: a dataclass node over `_buffer` (aux `aval`) for
    arguments; `flatten`/`unflatten` for outputs."""
    dispatch_registry.register_dataclass_node(nodetype, ["_buffer"], ["aval"])
    output_registry.register_node(nodetype, flatten, unflatten)


# What makes a replayed call valid besides its arguments, as part of every
# C++ dispatcher's key: `dispatch_global` changes with each config.update,
# `dispatch_thread` is this thread's (its config overrides, whether it is
# tracing) when it has any. Each cache_miss decides from the same state
# whether its call may be replayed, so an entry is only found in the state
# it was made in. (jaxlib includes these in jax's own jit keys as well: two
# small-integer comparisons.)
dispatch_global = _jax.config.Config("mlax_dispatch_global", 0, include_in_jit_key=True)
dispatch_thread = _jax.config.Config("mlax_dispatch_thread", 0, include_in_jit_key=True)
config_unset = _jax.config.unset  # a thread-local value meaning "use the global one"


def _shard_arg(x, sharding, layout):
    # Values the C++ cannot transfer itself (it handles numpy and scalars).
    return to_device(np.asarray(x), next(iter(sharding.device_set)))


def fast_jit(
    name: str,
    fun,
    cache_miss,
    static_argnums: Sequence[int],
    static_argnames: Sequence[str],
    donate_argnums: Sequence[int] = (),
    donate_argnames: Sequence[str] = (),
    capacity: int = 4096,
):
    """A C++ dispatcher: `cache_miss(*args, **kwargs)` returns (outputs,
    fastpath_data(...) or None, False); `fun` runs when jax's own
    disable_jit is on."""
    from jax._src.interpreters import pxla

    key = pxla.JitGlobalCppCacheKeys(
        donate_argnums=tuple(donate_argnums) or None,
        donate_argnames=tuple(donate_argnames) or None,
    )
    # A cache per dispatcher: entries never mix between mlax functions.
    cache = _jax.PjitFunctionCache(capacity=capacity)
    return _jax.pjit(
        name,
        fun,
        cache_miss,
        list(static_argnums),
        list(static_argnames),
        key,
        dispatch_registry,
        _shard_arg,
        cache,
    )


def replayable_signature(signed: Any) -> bool:
    """Whether a dispatcher may replay calls signed from these arguments.
    DispatchFunction passes a non-weakly-typed mlax Array as its buffer, so
    a buffer leaf must mean what such an Array means: a weakly typed jaxlib
    array (one the user passed, or an Array's weak buffer) is not, and its
    calls stay on the Python path."""
    leaves = dispatch_registry.flatten(signed)[0]
    return not any(is_buffer(x) and x.weak_type for x in leaves)


def is_deleted_input_error(e: Exception) -> bool:
    """Whether the C++ dispatcher refused a deleted (donated) input."""
    return "deleted or donated" in str(e)


def fastpath_data(executable: Executable, num_args: int, out: Any):
    """What the C++ dispatcher replays for later calls of this signature:
    the executable, its argument/result placement and the outputs' pytree
    (whose aux data holds mlax's avals). None when it cannot be replayed."""
    from jax._src.interpreters import pxla

    if (
        executable.callback_key is not None
        or jax.config.jax_enable_x64
        or isinstance(executable, SpmdExecutable)
    ):
        return None  # host callbacks raise through mlax; x64 canonicalizes
    leaves, treedef = output_registry.flatten(out)
    if len(leaves) != executable.num_outputs or not all(is_buffer(x) for x in leaves):
        return None
    shd = _sharding(executable.device)
    kept = list(executable.kept) if executable.kept is not None else [True] * num_args
    return pxla.MeshExecutableFastpathData(
        executable._exe,
        treedef,
        [shd] * sum(kept),  # shardings and layouts of the kept arguments
        [shd] * len(leaves),
        [_jax_aval(tuple(x.shape), x.dtype) for x in leaves],
        [x._committed for x in leaves],
        kept,
        [None] * sum(kept),
        [],
    )


def from_dlpack(x: Any, device=None) -> Buffer:
    """A device buffer sharing the memory of a DLPack producer (numpy,
    torch, jax arrays) when the device allows it (CPU), else a copy."""
    import jax.dlpack as _dlpack

    return _dlpack.from_dlpack(x, device=device)
