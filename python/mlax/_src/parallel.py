"""with_sharding_constraint and the collectives of shard_map bodies
(lax.psum, pmean, pmax, pmin, all_gather, psum_scatter, ppermute,
all_to_all, axis_index): each one op of the dialect, its rules in C++
(dialect/rules/ShardingRules.cpp)."""

from __future__ import annotations

import math
import threading
from typing import Any, Sequence

import numpy as np

from mlax._src import core, sharding_impl, tree_util
from mlax._src import lax as _lax
from mlax._src.core import Primitive
from mlax._src.mlir import i64_array, tensor_type
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m

# --- with_sharding_constraint -------------------------------------------------


def _constraint_emit(values, avals, *, sharding):
    ndim = len(avals[0].shape)
    return m.ShardingConstraintOp(
        values[0],
        sharding_impl.mesh_attr(sharding.mesh),
        sharding_impl.spec_attr(sharding, ndim),
        unspecified_dims=i64_array(sharding_impl.unspecified_dims(sharding, ndim)),
    ).result


_constraint_p = Primitive("sharding_constraint", _constraint_emit, weak="first")


def with_sharding_constraint(x: Any, shardings: Any) -> Any:
    """Lays out the arrays of pytree `x` as `shardings` (a Sharding, a
    PartitionSpec under `with mesh:`, or a tree prefix of them) says.
    Outside jit the arrays are moved now (as device_put)."""
    leaves, tree = tree_util.tree_flatten(x)
    flat = sharding_impl.flatten_shardings(shardings, x, "with_sharding_constraint's shardings")
    out = []
    for leaf, s in zip(leaves, flat):
        if s is None or isinstance(s, sharding_impl.SingleDeviceSharding):
            out.append(leaf)
            continue
        if not isinstance(s, sharding_impl.NamedSharding):
            raise TypeError(f"with_sharding_constraint needs a NamedSharding, got {s!r}")
        aval = core.aval_of(leaf)
        s.check_shape(aval.shape, "the arguments of with_sharding_constraint")
        if _axis_env():
            raise ValueError(
                "with_sharding_constraint inside shard_map: the values there are "
                "per-device blocks (use the collectives)"
            )
        if core.current_trace() is None:
            from mlax._src import api

            out.append(api.device_put(leaf, s))
            continue
        core.note_mesh(s.mesh)
        out.append(_constraint_p.bind(leaf, sharding=s))
    return tree_util.tree_unflatten(tree, out)


# --- The axis environment of shard_map bodies ---------------------------------


class _AxisEnv(threading.local):
    def __init__(self):
        self.stack: list[sharding_impl.Mesh] = []


_env = _AxisEnv()


def _axis_env() -> list:
    return _env.stack


class axis_env:
    """Makes `mesh`'s axis names usable by the collectives (shard_map's
    body is traced inside)."""

    def __init__(self, mesh: sharding_impl.Mesh):
        self.mesh = mesh

    def __enter__(self):
        _env.stack.append(self.mesh)

    def __exit__(self, *exc):
        _env.stack.pop()


def _resolve(axis_name: Any, what: str) -> tuple[sharding_impl.Mesh, list[int]]:
    names = axis_name if isinstance(axis_name, (tuple, list)) else (axis_name,)
    if not _env.stack:
        raise NameError(f"unbound axis name: {names[0]} ({what} outside shard_map)")
    mesh = _env.stack[-1]
    axes = []
    for n in names:
        if n not in mesh.axis_names:
            raise NameError(f"unbound axis name: {n} (the mesh has axes {mesh.axis_names})")
        axes.append(mesh.axis_names.index(n))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{what}: axis names repeated in {tuple(names)}")
    return mesh, axes


def _size(mesh: sharding_impl.Mesh, axes: Sequence[int]) -> int:
    return math.prod(mesh.axis_sizes[a] for a in axes)


# --- Collectives ----------------------------------------------------------------

_KINDS = {"sum": 0, "max": 1, "min": 2}


def _all_reduce_emit(values, avals, *, mesh, axes, kind):
    return m.AllReduceOp(
        values[0],
        i64_array(mesh.axis_sizes),
        i64_array(axes),
        ir.IntegerAttr.get(ir.IntegerType.get_signless(32), _KINDS[kind]),
    ).result


_all_reduce_p = Primitive("all_reduce", _all_reduce_emit, weak="first")


def _reduce(x: Any, axis_name: Any, kind: str, what: str, axis_index_groups: Any) -> Any:
    if axis_index_groups is not None:
        raise NotImplementedError(f"{what}(axis_index_groups=) is not supported")
    mesh, axes = _resolve(axis_name, what)
    if not axes:
        return x

    def one(leaf):
        if kind == "sum" and core.aval_of(leaf).dtype == np.bool_:
            raise TypeError(f"{what} of a boolean array: convert it to an integer type first")
        return _all_reduce_p.bind(leaf, mesh=mesh, axes=tuple(axes), kind=kind)

    return tree_util.tree_map(one, x)


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum of pytree `x` over the devices along `axis_name` (a mesh
    axis name or a tuple of names) inside shard_map."""
    return _reduce(x, axis_name, "sum", "psum", axis_index_groups)


def pmax(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    return _reduce(x, axis_name, "max", "pmax", axis_index_groups)


def pmin(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    return _reduce(x, axis_name, "min", "pmin", axis_index_groups)


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    mesh, axes = _resolve(axis_name, "pmean")
    n = _size(mesh, axes)
    return tree_util.tree_map(
        lambda v: v / n, psum(x, axis_name, axis_index_groups=axis_index_groups)
    )


def axis_size(axis_name: Any) -> int:
    """The number of devices along `axis_name`."""
    mesh, axes = _resolve(axis_name, "axis_size")
    return _size(mesh, axes)


def _axis_index_emit(values, avals, *, mesh, axes):
    return m.AxisIndexOp(
        tensor_type((), np.dtype(np.int32)), i64_array(mesh.axis_sizes), i64_array(axes)
    ).result


_axis_index_p = Primitive("axis_index", _axis_index_emit, weak="none")


def axis_index(axis_name: Any) -> Any:
    """This device's index along `axis_name` (an int32 scalar)."""
    mesh, axes = _resolve(axis_name, "axis_index")
    return _axis_index_p.bind(mesh=mesh, axes=tuple(axes))


def _gather_emit(values, avals, *, mesh, axes, dim):
    aval = avals[0]
    shape = list(aval.shape)
    shape[dim] *= _size(mesh, axes)
    return m.AllGatherOp(
        tensor_type(tuple(shape), aval.dtype),
        values[0],
        i64_array(mesh.axis_sizes),
        i64_array(axes),
        dim,
    ).result


_all_gather_p = Primitive("all_gather", _gather_emit, weak="first")


def _check_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of bounds for an array of rank {ndim}")
    return axis % ndim


def all_gather(
    x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0, tiled: bool = False
) -> Any:
    """The values of every device along `axis_name`, stacked along a new
    `axis` (or concatenated along `axis` when `tiled`)."""
    if axis_index_groups is not None:
        raise NotImplementedError("all_gather(axis_index_groups=) is not supported")
    mesh, axes = _resolve(axis_name, "all_gather")

    def one(leaf):
        leaf = core.to_array(leaf) if not isinstance(leaf, (core.Tracer, core.Array)) else leaf
        ndim = len(core.aval_of(leaf).shape)
        if tiled:
            d = _check_axis(axis, max(ndim, 1), "all_gather")
            if ndim == 0:
                raise ValueError("all_gather(tiled=True) needs an array of rank >= 1")
        else:
            d = _check_axis(axis, ndim + 1, "all_gather")
            shape = list(core.aval_of(leaf).shape)
            shape.insert(d, 1)
            leaf = _lax.reshape(leaf, shape)
        return _all_gather_p.bind(leaf, mesh=mesh, axes=tuple(axes), dim=d)

    return tree_util.tree_map(one, x)


def _scatter_emit(values, avals, *, mesh, axes, dim):
    aval = avals[0]
    shape = list(aval.shape)
    shape[dim] //= _size(mesh, axes)
    return m.ReduceScatterOp(
        tensor_type(tuple(shape), aval.dtype),
        values[0],
        i64_array(mesh.axis_sizes),
        i64_array(axes),
        dim,
    ).result


_reduce_scatter_p = Primitive("reduce_scatter", _scatter_emit, weak="first")


def psum_scatter(
    x: Any,
    axis_name: Any,
    *,
    scatter_dimension: int = 0,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """psum, then each device keeps its block of `scatter_dimension` (of
    size 1 and dropped unless `tiled`)."""
    if axis_index_groups is not None:
        raise NotImplementedError("psum_scatter(axis_index_groups=) is not supported")
    mesh, axes = _resolve(axis_name, "psum_scatter")
    n = _size(mesh, axes)

    def one(leaf):
        shape = list(core.aval_of(leaf).shape)
        d = _check_axis(scatter_dimension, len(shape), "psum_scatter")
        if tiled and shape[d] % n:
            raise ValueError(
                f"psum_scatter: dimension {d} of size {shape[d]} is not divisible by the "
                f"{n} devices of axis {axis_name!r}"
            )
        if not tiled and shape[d] != n:
            raise ValueError(
                f"psum_scatter: dimension {d} must have size {n} (the size of axis "
                f"{axis_name!r}) when tiled=False, got {shape[d]}"
            )
        out = _reduce_scatter_p.bind(leaf, mesh=mesh, axes=tuple(axes), dim=d)
        if not tiled:
            out = _lax.reshape(out, shape[:d] + shape[d + 1 :])
        return out

    return tree_util.tree_map(one, x)


def _permute_emit(values, avals, *, mesh, axes, pairs):
    return m.CollectivePermuteOp(
        values[0],
        i64_array(mesh.axis_sizes),
        i64_array(axes),
        i64_array([v for p in pairs for v in p]),
    ).result


_permute_p = Primitive("collective_permute", _permute_emit, weak="first")


def ppermute(x: Any, axis_name: Any, perm: Sequence[tuple[int, int]]) -> Any:
    """Sends device i's value to device j for each (i, j) of `perm`
    (indices along `axis_name`); devices no pair targets get zeros."""
    mesh, axes = _resolve(axis_name, "ppermute")
    n = _size(mesh, axes)
    pairs = tuple((int(a), int(b)) for a, b in perm)
    srcs, dsts = [a for a, _ in pairs], [b for _, b in pairs]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"ppermute sources and destinations must be unique, got perm={list(perm)}")
    for v in srcs + dsts:
        if not 0 <= v < n:
            raise ValueError(
                f"ppermute: device index {v} out of range for axis {axis_name!r} of size {n}"
            )
    return tree_util.tree_map(
        lambda leaf: _permute_p.bind(leaf, mesh=mesh, axes=tuple(axes), pairs=pairs), x
    )


def _all_to_all_emit(values, avals, *, mesh, axes, split, concat):
    aval = avals[0]
    n = _size(mesh, axes)
    shape = list(aval.shape)
    shape[split] //= n
    shape[concat] *= n
    return m.AllToAllOp(
        tensor_type(tuple(shape), aval.dtype),
        values[0],
        i64_array(mesh.axis_sizes),
        i64_array(axes),
        split,
        concat,
    ).result


_all_to_all_p = Primitive("all_to_all", _all_to_all_emit, weak="first")


def all_to_all(
    x: Any,
    axis_name: Any,
    split_axis: int,
    concat_axis: int,
    *,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """Block j of `split_axis` goes to device j along `axis_name`; the
    received blocks are stacked along `concat_axis` (concatenated when
    `tiled`)."""
    if axis_index_groups is not None:
        raise NotImplementedError("all_to_all(axis_index_groups=) is not supported")
    mesh, axes = _resolve(axis_name, "all_to_all")
    n = _size(mesh, axes)

    def one(leaf):
        shape = list(core.aval_of(leaf).shape)
        s = _check_axis(split_axis, len(shape), "all_to_all")
        c = _check_axis(concat_axis, len(shape), "all_to_all")
        if shape[s] % n:
            raise ValueError(
                f"all_to_all: split_axis {s} of size {shape[s]} is not divisible by the "
                f"{n} devices of axis {axis_name!r}"
            )
        if tiled:
            return _all_to_all_p.bind(leaf, mesh=mesh, axes=tuple(axes), split=s, concat=c)
        if shape[s] != n:
            raise ValueError(
                f"all_to_all: split_axis {s} must have size {n} (the size of axis "
                f"{axis_name!r}) when tiled=False, got {shape[s]}"
            )
        # Untiled: split_axis (of size n) is removed and the n received
        # blocks are stacked at concat_axis (a position in that result).
        if s == c:
            return _all_to_all_p.bind(leaf, mesh=mesh, axes=tuple(axes), split=s, concat=c)
        if s < c:
            c += 1
        expanded = shape[:c] + [1] + shape[c:]
        if s > c:
            s += 1
        out = _all_to_all_p.bind(
            _lax.reshape(leaf, expanded), mesh=mesh, axes=tuple(axes), split=s, concat=c
        )
        final = list(core.aval_of(out).shape)
        del final[s]
        return _lax.reshape(out, final)

    return tree_util.tree_map(one, x)
