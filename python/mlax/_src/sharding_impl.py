"""Device meshes and shardings (JAX's `jax.sharding` API, mlax's own classes).

A `NamedSharding(mesh, spec)` lays an array out over a `Mesh`: dimension d
is split over the mesh axes `spec[d]` names, and replicated over the others.
In the IR a sharding is the mesh's axis sizes and, per dimension, the indices
of those axes (`mesh = array<i64>`, `spec = [array<i64>...]`); the program's
devices are the mesh's, in row-major order (docs/sharding.md).
"""

from __future__ import annotations

import collections
import math
import threading
from typing import Any, Sequence

import numpy as np

from mlax._src import mlir, runtime
from mlax.mlir import ir


class _Unconstrained:
    def __repr__(self) -> str:
        return "UNCONSTRAINED"


UNCONSTRAINED = _Unconstrained()


class PartitionSpec(tuple):
    """Per dimension: None (not split), a mesh axis name, or a tuple of
    names (split over their product, major first). Trailing dimensions
    left out are not split."""

    UNCONSTRAINED = UNCONSTRAINED

    def __new__(cls, *partitions: Any) -> "PartitionSpec":
        for p in partitions:
            ok = p is None or p is UNCONSTRAINED or isinstance(p, str)
            ok = ok or (isinstance(p, (tuple, list)) and all(isinstance(a, str) for a in p))
            if not ok:
                raise TypeError(
                    "PartitionSpec entries must be None, a mesh axis name or a tuple of "
                    f"names, got {p!r}"
                )
        norm = tuple(tuple(p) if isinstance(p, list) else p for p in partitions)
        return super().__new__(cls, norm)

    def __repr__(self) -> str:
        return "PartitionSpec(" + ", ".join(repr(p) for p in self) + ")"

    def __reduce__(self):
        return (PartitionSpec, tuple(self))

    def _axes(self) -> list[str]:
        out: list[str] = []
        for p in self:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, tuple):
                out.extend(p)
        return out


P = PartitionSpec


class Mesh:
    """Devices arranged in an n-dimensional array with named axes."""

    def __init__(self, devices: Any, axis_names: str | Sequence[str], *, axis_types: Any = None):
        devs = np.array(devices, dtype=object)
        if isinstance(axis_names, str):
            axis_names = (axis_names,)
        axis_names = tuple(axis_names)
        if devs.ndim != len(axis_names):
            raise ValueError(
                f"Mesh requires the ndim of its first argument (`devices`) to equal "
                f"the length of its second argument (`axis_names`), but got "
                f"devices.ndim == {devs.ndim} and len(axis_names) == {len(axis_names)}."
            )
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"Mesh axis names must be unique, got {axis_names}")
        ids = [d.id for d in devs.flat]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Mesh devices must be distinct, got device ids {ids}")
        self.devices = devs
        self.axis_names = axis_names
        self._key = (tuple(ids), devs.shape, axis_names)

    @property
    def shape(self) -> "collections.OrderedDict[str, int]":
        return collections.OrderedDict(zip(self.axis_names, self.devices.shape))

    @property
    def axis_sizes(self) -> tuple[int, ...]:
        return tuple(self.devices.shape)

    @property
    def size(self) -> int:
        return int(self.devices.size)

    @property
    def device_ids(self) -> np.ndarray:
        return np.vectorize(lambda d: d.id, otypes=[int])(self.devices)

    @property
    def empty(self) -> bool:
        return self.devices.size == 0

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Mesh) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        axes = ", ".join(f"'{n}': {s}" for n, s in self.shape.items())
        return f"Mesh({axes})"

    def __enter__(self) -> "Mesh":
        _mesh_stack.stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _mesh_stack.stack.pop()

    def axis_index(self, name: str) -> int:
        try:
            return self.axis_names.index(name)
        except ValueError:
            raise ValueError(
                f"Resource axis: {name} of the partition spec is not found in mesh: "
                f"{tuple(self.axis_names)}."
            ) from None


class _MeshStack(threading.local):
    def __init__(self):
        self.stack: list[Mesh] = []


_mesh_stack = _MeshStack()


def current_mesh() -> Mesh | None:
    """The mesh of the innermost `with mesh:` block (None outside)."""
    return _mesh_stack.stack[-1] if _mesh_stack.stack else None


def make_mesh(
    axis_shapes: Sequence[int], axis_names: Sequence[str], *, devices=None, axis_types=None
) -> Mesh:
    """A mesh of the first prod(axis_shapes) devices, in id order."""
    axis_shapes = tuple(int(s) for s in axis_shapes)
    if len(axis_shapes) != len(tuple(axis_names)):
        raise ValueError(
            f"Length of axis_shapes {axis_shapes} must equal length of axis_names {tuple(axis_names)}"
        )
    devs = (
        list(devices)
        if devices is not None
        else sorted(runtime.backend().devices(), key=lambda d: d.id)
    )
    n = math.prod(axis_shapes)
    if n > len(devs):
        raise ValueError(
            f"Number of devices {len(devs)} must be >= the product of mesh_shape {axis_shapes}"
        )
    return Mesh(np.array(devs[:n], dtype=object).reshape(axis_shapes), tuple(axis_names))


class Sharding:
    """How an array is laid out over devices."""

    @property
    def device_set(self) -> set:
        raise NotImplementedError

    @property
    def num_devices(self) -> int:
        return len(self.device_set)

    def shard_shape(self, global_shape: Sequence[int]) -> tuple[int, ...]:
        return tuple(global_shape)


class SingleDeviceSharding(Sharding):
    def __init__(self, device: Any, *, memory_kind: str | None = None):
        self._device = device
        self.memory_kind = memory_kind

    @property
    def device_set(self) -> set:
        return {self._device}

    @property
    def is_fully_replicated(self) -> bool:
        return True

    @property
    def is_fully_addressable(self) -> bool:
        return True

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict:
        return {self._device: (slice(None),) * len(global_shape)}

    addressable_devices_indices_map = devices_indices_map

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SingleDeviceSharding) and other._device == self._device

    def __hash__(self) -> int:
        return hash(("single", self._device.id))

    def __repr__(self) -> str:
        return f"SingleDeviceSharding(device={self._device!r})"


class NamedSharding(Sharding):
    """`spec` over `mesh`."""

    def __init__(
        self, mesh: Mesh, spec: PartitionSpec | None = None, *, memory_kind: str | None = None
    ):
        if not isinstance(mesh, Mesh):
            raise TypeError(
                f"NamedSharding expects an mlax.sharding.Mesh, got {type(mesh).__name__}"
            )
        if spec is None:
            spec = PartitionSpec()
        if not isinstance(spec, PartitionSpec):
            if isinstance(spec, (tuple, list)):
                spec = PartitionSpec(*spec)
            else:
                raise TypeError(f"NamedSharding spec must be a PartitionSpec, got {spec!r}")
        seen: set[str] = set()
        for a in spec._axes():
            mesh.axis_index(a)
            if a in seen:
                raise ValueError(
                    f"A single NamedSharding spec specification can map every mesh axis to "
                    f"at most one positional dimension, but {spec} has duplicate entries for `{a}`"
                )
            seen.add(a)
        self.mesh = mesh
        self.spec = spec
        self.memory_kind = memory_kind

    @property
    def device_set(self) -> set:
        return set(self.mesh.devices.flat)

    @property
    def is_fully_replicated(self) -> bool:
        return all(self.mesh.shape[a] == 1 for a in self.spec._axes())

    @property
    def is_fully_addressable(self) -> bool:
        return True

    def _shards(self, dim_spec: Any) -> int:
        if dim_spec is None or dim_spec is UNCONSTRAINED:
            return 1
        names = (dim_spec,) if isinstance(dim_spec, str) else dim_spec
        return math.prod(self.mesh.shape[n] for n in names)

    def check_shape(self, shape: Sequence[int], what: str = "array") -> None:
        """ValueError unless `shape` can be laid out by this sharding."""
        if len(self.spec) > len(shape):
            raise ValueError(
                f"One of {what} was given the sharding of {self}, which implies that it "
                f"has a rank of at least {len(self.spec)}, but it is {len(shape)}"
            )
        for d, p in enumerate(self.spec):
            n = self._shards(p)
            if shape[d] % n:
                raise ValueError(
                    f"One of {what} was given the sharding of {self}, which implies that "
                    f"the global size of its dimension {d} should be divisible by {n}, "
                    f"but it is equal to {shape[d]} (full shape: {tuple(shape)})"
                )

    def shard_shape(self, global_shape: Sequence[int]) -> tuple[int, ...]:
        self.check_shape(global_shape)
        spec = list(self.spec) + [None] * (len(global_shape) - len(self.spec))
        return tuple(s // self._shards(p) for s, p in zip(global_shape, spec))

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict:
        return dict(self._jax().devices_indices_map(tuple(global_shape)))

    addressable_devices_indices_map = devices_indices_map

    def _jax(self):
        spec = tuple(None if p is UNCONSTRAINED else p for p in self.spec)
        return runtime.jax_named_sharding(self.mesh.devices, self.mesh.axis_names, spec)

    def with_spec(self, spec: Any) -> "NamedSharding":
        return NamedSharding(
            self.mesh, spec if isinstance(spec, PartitionSpec) else PartitionSpec(*spec)
        )

    def _normalized(self, ndim: int) -> tuple:
        spec = tuple(self.spec) + (None,) * (ndim - len(self.spec))
        return tuple((p,) if isinstance(p, str) else p for p in spec)

    def is_equivalent_to(self, other: Any, ndim: int) -> bool:
        if not isinstance(other, NamedSharding):
            return (
                self.is_fully_replicated
                and getattr(other, "is_fully_replicated", False)
                and (self.device_set == other.device_set)
            )
        if self.mesh.devices.size != other.mesh.devices.size:
            return False
        return self.mesh._key[0] == other.mesh._key[0] and _positions(self, ndim) == _positions(
            other, ndim
        )

    def __eq__(self, other: Any) -> bool:
        return (
            isinstance(other, NamedSharding)
            and self.mesh == other.mesh
            and _trimmed(self.spec) == _trimmed(other.spec)
        )

    def __hash__(self) -> int:
        return hash((self.mesh, _trimmed(self.spec)))

    def __repr__(self) -> str:
        return f"NamedSharding(mesh={self.mesh!r}, spec={self.spec!r})"


def _trimmed(spec: tuple) -> tuple:
    spec = list(spec)
    while spec and spec[-1] is None:
        spec.pop()
    return tuple((p,) if isinstance(p, str) else p for p in spec)


def _positions(s: NamedSharding, ndim: int) -> tuple:
    """The device blocks of each dimension (for equivalence of shardings
    over differently named meshes)."""
    return tuple(
        tuple(s.mesh.axis_sizes[s.mesh.axis_index(a)] for a in (p or ()))
        for p in s._normalized(ndim)
    )


# --- IR attributes -----------------------------------------------------------


def spec_attr(sharding: NamedSharding, ndim: int) -> ir.ArrayAttr:
    """Per dimension, the indices of the mesh axes splitting it."""
    mesh = sharding.mesh
    entries = []
    for p in sharding._normalized(ndim):
        axes = [] if p is None or p is UNCONSTRAINED else [mesh.axis_index(a) for a in p]
        entries.append(mlir.i64_array(axes))
    return ir.ArrayAttr.get(entries, mlir.context())


def mesh_attr(mesh: Mesh) -> ir.DenseI64ArrayAttr:
    return mlir.i64_array(mesh.axis_sizes)


def unspecified_dims(sharding: NamedSharding, ndim: int) -> list[int]:
    return [d for d, p in enumerate(sharding.spec) if p is UNCONSTRAINED and d < ndim]


def function_attr(sharding: NamedSharding, ndim: int) -> ir.DictAttr:
    """`{mesh, spec}`: the `mlax.sharding` attribute of a function argument
    or result (export writes XLA's sharding string)."""
    return ir.DictAttr.get(
        {"mesh": mesh_attr(sharding.mesh), "spec": spec_attr(sharding, ndim)}, mlir.context()
    )


# --- jaxlib shardings <-> mlax -----------------------------------------------

_from_jax_cache: dict = {}


def from_jax(sharding: Any) -> Sharding:
    """mlax's sharding for the jaxlib sharding of a buffer."""
    key = id(sharding)
    hit = _from_jax_cache.get(key)
    if hit is not None and hit[0] is sharding:
        return hit[1]
    parts = runtime.sharding_parts(sharding)
    if parts[0] == "named":
        _, devices, names, spec = parts
        out: Sharding = NamedSharding(Mesh(devices, names), PartitionSpec(*spec))
    elif parts[0] == "single":
        out = SingleDeviceSharding(parts[1])
    else:
        out = _OpaqueSharding(sharding)
    if len(_from_jax_cache) > 4096:
        _from_jax_cache.clear()
    _from_jax_cache[key] = (sharding, out)
    return out


class _OpaqueSharding(Sharding):
    """A layout XLA chose that no mesh of the program expresses."""

    def __init__(self, jax_sharding: Any):
        self._s = jax_sharding

    @property
    def device_set(self) -> set:
        return set(self._s.device_set)

    @property
    def is_fully_replicated(self) -> bool:
        return bool(self._s.is_fully_replicated)

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict:
        return dict(self._s.devices_indices_map(tuple(global_shape)))

    def __repr__(self) -> str:
        return f"GSPMDSharding({self._s!r})"


def to_jax(sharding: Sharding) -> Any:
    if isinstance(sharding, NamedSharding):
        return sharding._jax()
    if isinstance(sharding, SingleDeviceSharding):
        return runtime._sharding(sharding._device)
    if isinstance(sharding, _OpaqueSharding):
        return sharding._s
    raise TypeError(f"not an mlax sharding: {sharding!r}")


class Shard:
    """The block of an Array one device holds."""

    __slots__ = ("device", "index", "data", "replica_id")

    def __init__(self, device: Any, index: tuple, data: Any, replica_id: int = 0):
        self.device = device
        self.index = index
        self.data = data
        self.replica_id = replica_id

    def __repr__(self) -> str:
        return f"Shard(device={self.device!r}, index={self.index}, data={self.data!r})"


def check_sharding(sharding: Any, what: str) -> Sharding | None:
    """`sharding` as an mlax Sharding (None stays None); TypeError for
    anything else (a bare PartitionSpec needs `with mesh:`)."""
    if sharding is None or isinstance(sharding, Sharding):
        return sharding
    if isinstance(sharding, PartitionSpec):
        mesh = current_mesh()
        if mesh is None:
            raise ValueError(
                f"{what}: a PartitionSpec {sharding} needs a mesh: pass "
                "NamedSharding(mesh, spec), or call inside `with mesh:`"
            )
        return NamedSharding(mesh, sharding)
    raise TypeError(
        f"{what} must be an mlax.sharding.Sharding (NamedSharding, SingleDeviceSharding) "
        f"or None, got {type(sharding).__name__}: {sharding!r}"
    )


def flatten_shardings(prefix: Any, tree: Any, what: str) -> list:
    """Shardings of each leaf of `tree` from `prefix`, a tree prefix of it
    whose leaves are shardings (or PartitionSpecs under `with mesh:`) or
    None."""
    return flatten_prefix(
        prefix,
        tree,
        what,
        lambda x: x is None or isinstance(x, (Sharding, PartitionSpec)),
        lambda p: check_sharding(p, what),
    )


def flatten_prefix(prefix: Any, tree: Any, what: str, is_leaf, convert) -> list:
    """`convert(leaf)` of the leaf of `prefix` (a tree prefix of `tree`)
    above each leaf of `tree`."""
    from mlax._src import tree_util

    out: list = []

    def rec(p, t):
        if is_leaf(p) or not isinstance(p, (tuple, list, dict)):
            c = convert(p)
            out.extend([c] * tree_util.tree_structure(t).num_leaves)
            return
        if isinstance(p, (tuple, list)) and isinstance(t, (tuple, list)) and len(p) == len(t):
            for pi, ti in zip(p, t):
                rec(pi, ti)
            return
        if isinstance(p, dict) and isinstance(t, dict) and set(p) == set(t):
            for k in sorted(t):
                rec(p[k], t[k])
            return
        raise ValueError(
            f"{what} must be a tree prefix of the corresponding value; got {prefix!r} "
            f"for a value of structure {tree_util.tree_structure(tree)}"
        )

    rec(prefix, tree)
    return out
