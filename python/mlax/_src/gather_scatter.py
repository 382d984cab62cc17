"""lax.gather and the lax.scatter family (the mlax.gather / mlax.scatter ops),
with JAX's dimension-number types and out-of-bounds modes."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple, Sequence

import numpy as np

from mlax._src import dtypes, lax, mlir
from mlax._src.core import ArrayLike, Primitive, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m

_type = lax._type


class GatherDimensionNumbers(NamedTuple):
    """As JAX's lax.GatherDimensionNumbers (the index vector is the last
    dimension of the indices)."""

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """As JAX's lax.ScatterDimensionNumbers."""

    update_window_dims: tuple[int, ...]
    inserted_window_dims: tuple[int, ...]
    scatter_dims_to_operand_dims: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    scatter_indices_batching_dims: tuple[int, ...] = ()


class GatherScatterMode(enum.Enum):
    """Out-of-bounds behaviour (JAX's names). CLIP and PROMISE_IN_BOUNDS
    clamp indices into range; FILL_OR_DROP fills gathers (NaN, or the
    extreme integer) and drops scatter windows that leave the array."""

    CLIP = enum.auto()
    FILL_OR_DROP = enum.auto()
    PROMISE_IN_BOUNDS = enum.auto()

    @staticmethod
    def from_any(s: "str | GatherScatterMode | None") -> "GatherScatterMode":
        if isinstance(s, GatherScatterMode):
            return s
        if s is None or s in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        if s == "clip":
            return GatherScatterMode.CLIP
        if s == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ValueError(
            f"Unknown gather mode {s!r}: use 'clip', 'fill', 'drop' or 'promise_in_bounds'"
        )


def _i64(v: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))


def _tuple(v) -> tuple[int, ...]:
    return tuple(int(d) for d in v)


# --------------------------------------------------------------------------
# gather
# --------------------------------------------------------------------------


def _gather_shape(
    operand_shape, indices_shape, dnums: GatherDimensionNumbers, slice_sizes
) -> tuple[int, ...]:
    """JAX's shape rule (errors name the op and the offending numbers)."""
    rank = len(operand_shape)
    if len(indices_shape) == 0:
        raise TypeError("gather: start_indices must have at least one dimension (the index vector)")
    ivs = indices_shape[-1]
    if len(dnums.start_index_map) != ivs:
        raise TypeError(
            f"gather: start_index_map {dnums.start_index_map} must have one "
            f"entry per index vector element; the last dimension of "
            f"start_indices has size {ivs}"
        )
    if len(slice_sizes) != rank:
        raise TypeError(
            f"gather: slice_sizes {tuple(slice_sizes)} must have one entry "
            f"per operand dimension (operand shape {tuple(operand_shape)})"
        )
    for i, s in enumerate(slice_sizes):
        if not 0 <= s <= operand_shape[i]:
            raise TypeError(
                f"gather: slice size {s} of dimension {i} does not fit the "
                f"operand shape {tuple(operand_shape)}"
            )
    for d in dnums.collapsed_slice_dims + dnums.operand_batching_dims:
        if not 0 <= d < rank:
            raise TypeError(f"gather: dimension {d} is out of range for operand rank {rank}")
        if slice_sizes[d] > 1:
            raise TypeError(
                f"gather: collapsed or batching dimension {d} must have slice "
                f"size 0 or 1, got {slice_sizes[d]}"
            )
    offset_sizes = [
        slice_sizes[i]
        for i in range(rank)
        if i not in dnums.collapsed_slice_dims and i not in dnums.operand_batching_dims
    ]
    if len(offset_sizes) != len(dnums.offset_dims):
        raise TypeError(
            f"gather: offset_dims {dnums.offset_dims} must have {len(offset_sizes)} entries"
        )
    batch = list(indices_shape[:-1])
    out_rank = len(offset_sizes) + len(batch)
    shape, o, k = [], 0, 0
    for i in range(out_rank):
        if i in dnums.offset_dims:
            shape.append(offset_sizes[o])
            o += 1
        else:
            shape.append(batch[k])
            k += 1
    return tuple(shape)


def _gather_emit(values, avals, *, dnums, slice_sizes, indices_are_sorted):
    shape = _gather_shape(avals[0].shape, avals[1].shape, dnums, slice_sizes)
    return m.GatherOp(
        _type(shape, avals[0].dtype),
        values[0],
        values[1],
        mlir.i64_array(dnums.offset_dims),
        mlir.i64_array(dnums.collapsed_slice_dims),
        mlir.i64_array(dnums.operand_batching_dims),
        mlir.i64_array(dnums.start_indices_batching_dims),
        mlir.i64_array(dnums.start_index_map),
        _i64(len(avals[1].shape) - 1),
        mlir.i64_array(slice_sizes),
        indices_are_sorted=ir.BoolAttr.get(bool(indices_are_sorted)),
    ).result


_gather_p = Primitive("gather", _gather_emit, weak="first")


def _fill_value(dtype, fill_value):
    if fill_value is not None:
        return np.asarray(fill_value, dtype)
    if dtypes.is_float(dtype) or dtypes.is_complex(dtype):
        return np.asarray(np.nan, dtype)
    if dtypes.is_bool(dtype):
        return np.asarray(True)
    info = np.iinfo(dtype)
    return np.asarray(info.max if dtypes.is_unsigned(dtype) else info.min, dtype)


def _index_dtype_cast(indices):
    a = aval_of(indices)
    if not dtypes.is_integer(a.dtype):
        raise TypeError(f"gather/scatter indices must be integers, got {a.dtype.name}")
    return indices


def _in_bounds(indices, operand_shape, dims, window_sizes):
    """Per index vector: every start index s satisfies 0 <= s <= dim - window."""
    a = aval_of(indices)
    upper = np.array([operand_shape[d] - window_sizes[d] for d in dims], a.dtype)
    upper = lax.broadcast_in_dim(upper, a.shape, (a.ndim - 1,))
    zero = lax.broadcast_in_dim(np.zeros((), a.dtype), a.shape, ())
    ok = lax.bitwise_and(lax.ge(indices, zero), lax.le(indices, upper))
    return lax.reduce_and(ok, (a.ndim - 1,))


def gather(
    operand: ArrayLike,
    start_indices: ArrayLike,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: Sequence[int],
    *,
    unique_indices: bool = False,
    indices_are_sorted: bool = False,
    mode: Any = None,
    fill_value: Any = None,
):
    """JAX's lax.gather API: slices of `slice_sizes` at the index vectors (the last
    dimension of `start_indices`)."""
    dnums = GatherDimensionNumbers(*(_tuple(f) for f in dimension_numbers))
    slice_sizes = _tuple(slice_sizes)
    start_indices = _index_dtype_cast(start_indices)
    oa, ia = aval_of(operand), aval_of(start_indices)
    out_shape = _gather_shape(oa.shape, ia.shape, dnums, slice_sizes)
    parsed = (
        GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else GatherScatterMode.from_any(mode)
    )
    if parsed == GatherScatterMode.CLIP:
        # Clamped explicitly (XLA clamps too), so that the transpose sends
        # cotangents to the elements that were read.
        start_indices = _clamp_indices(start_indices, oa.shape, dnums.start_index_map, slice_sizes)
    out = _gather_p.bind(
        operand,
        start_indices,
        dnums=dnums,
        slice_sizes=slice_sizes,
        indices_are_sorted=indices_are_sorted,
    )
    if parsed != GatherScatterMode.FILL_OR_DROP:
        return out
    # Fill: index vectors whose slice leaves the operand give fill_value.
    ok = _in_bounds(start_indices, oa.shape, dnums.start_index_map, slice_sizes)
    batch_dims = [i for i in range(len(out_shape)) if i not in dnums.offset_dims]
    ok = lax.broadcast_in_dim(ok, out_shape, batch_dims)
    fill = lax.broadcast_in_dim(_fill_value(oa.dtype, fill_value), out_shape, ())
    return lax.select(ok, out, fill)


def _clamp_indices(indices, operand_shape, dims, window_sizes):
    a = aval_of(indices)
    upper = np.array([operand_shape[d] - window_sizes[d] for d in dims], a.dtype)
    return lax.clamp(
        lax.broadcast_in_dim(np.zeros((), a.dtype), a.shape, ()),
        indices,
        lax.broadcast_in_dim(upper, a.shape, (a.ndim - 1,)),
    )


# --------------------------------------------------------------------------
# scatter
# --------------------------------------------------------------------------

_COMBINERS = {"set": None, "add": m.AddOp, "mul": m.MulOp, "min": m.MinOp, "max": m.MaxOp}


def _scatter_emit(values, avals, *, dnums, combiner, indices_are_sorted, unique_indices):
    a = avals[0]
    op = m.ScatterOp(
        _type(a.shape, a.dtype),
        values[0],
        values[1],
        values[2],
        mlir.i64_array(dnums.update_window_dims),
        mlir.i64_array(dnums.inserted_window_dims),
        mlir.i64_array(dnums.operand_batching_dims),
        mlir.i64_array(dnums.scatter_indices_batching_dims),
        mlir.i64_array(dnums.scatter_dims_to_operand_dims),
        _i64(len(avals[1].shape) - 1),
        indices_are_sorted=ir.BoolAttr.get(bool(indices_are_sorted)),
        unique_indices=ir.BoolAttr.get(bool(unique_indices)),
    )
    scalar = _type((), a.dtype)
    block = op.update_computation.blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        cls = _COMBINERS[combiner]
        v = (
            block.arguments[1]
            if cls is None
            else cls(block.arguments[0], block.arguments[1]).result
        )
        m.ReturnOp([v])
    return op.result


_scatter_p = Primitive("scatter", _scatter_emit, weak="first")


def _check_scatter(name, oa, ia, ua, dnums):
    if ua.dtype != oa.dtype:
        raise TypeError(
            f"{name}: updates dtype {ua.dtype.name} differs from the operand's {oa.dtype.name}"
        )
    if len(ia.shape) == 0:
        raise TypeError(f"{name}: scatter_indices must have at least one dimension")
    if len(dnums.scatter_dims_to_operand_dims) != ia.shape[-1]:
        raise TypeError(
            f"{name}: scatter_dims_to_operand_dims "
            f"{dnums.scatter_dims_to_operand_dims} must have one entry per index "
            f"vector element ({ia.shape[-1]})"
        )
    update_batch = [s for i, s in enumerate(ua.shape) if i not in dnums.update_window_dims]
    if tuple(update_batch) != tuple(ia.shape[:-1]):
        raise TypeError(
            f"{name}: updates shape {ua.shape} does not match the indices: its "
            f"scatter dimensions {tuple(update_batch)} must equal "
            f"{tuple(ia.shape[:-1])}"
        )
    for field in ("inserted_window_dims", "operand_batching_dims"):
        for d in getattr(dnums, field):
            if not 0 <= d < len(oa.shape):
                raise TypeError(
                    f"Invalid {field} set in scatter op; valid range is "
                    f"[0, {len(oa.shape)}); got: {d}."
                )
    for d in dnums.scatter_dims_to_operand_dims:
        if not 0 <= d < len(oa.shape):
            raise TypeError(
                f"Invalid scatter_dims_to_operand_dims set in scatter op; valid "
                f"range is [0, {len(oa.shape)}); got: {d}."
            )
    for d in dnums.update_window_dims:
        if not 0 <= d < len(ua.shape):
            raise TypeError(
                f"Invalid update_window_dims set in scatter op; valid range is "
                f"[0, {len(ua.shape)}); got: {d}."
            )
    if len(dnums.update_window_dims) + len(dnums.inserted_window_dims) + len(
        dnums.operand_batching_dims
    ) != len(oa.shape):
        raise TypeError(
            f"{name}: update_window_dims, inserted_window_dims and "
            f"operand_batching_dims must cover the {len(oa.shape)} operand "
            "dimensions"
        )


def _window_sizes(oa, ua, dnums) -> list[int]:
    sizes, pos = [], 0
    for i in range(len(oa.shape)):
        if i in dnums.inserted_window_dims or i in dnums.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(ua.shape[dnums.update_window_dims[pos]])
            pos += 1
    return sizes


def _scatter(
    name,
    combiner,
    operand,
    scatter_indices,
    updates,
    dimension_numbers,
    indices_are_sorted,
    unique_indices,
    mode,
):
    dnums = ScatterDimensionNumbers(*(_tuple(f) for f in dimension_numbers))
    scatter_indices = _index_dtype_cast(scatter_indices)
    oa, ia, ua = aval_of(operand), aval_of(scatter_indices), aval_of(updates)
    if ua.dtype != oa.dtype and ua.weak_type:
        updates = lax.convert_element_type(updates, oa.dtype)
        ua = aval_of(updates)
    _check_scatter(name, oa, ia, ua, dnums)
    if GatherScatterMode.from_any(mode) == GatherScatterMode.CLIP:
        scatter_indices = _clamp_indices(
            scatter_indices,
            oa.shape,
            dnums.scatter_dims_to_operand_dims,
            _window_sizes(oa, ua, dnums),
        )
    return _scatter_p.bind(
        operand,
        scatter_indices,
        updates,
        dnums=dnums,
        combiner=combiner,
        indices_are_sorted=indices_are_sorted,
        unique_indices=unique_indices,
    )


def _scatter_api(name: str, combiner: str, doc: str):
    def f(
        operand,
        scatter_indices,
        updates,
        dimension_numbers: ScatterDimensionNumbers,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: Any = None,
    ):
        return _scatter(
            name,
            combiner,
            operand,
            scatter_indices,
            updates,
            dimension_numbers,
            indices_are_sorted,
            unique_indices,
            mode,
        )

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


scatter = _scatter_api(
    "scatter",
    "set",
    "JAX's lax.scatter: update windows replace operand "
    "elements (with duplicate indices one of them wins).",
)
scatter_add = _scatter_api("scatter_add", "add", "JAX's lax.scatter_add.")
scatter_mul = _scatter_api("scatter_mul", "mul", "JAX's lax.scatter_mul.")
scatter_min = _scatter_api("scatter_min", "min", "JAX's lax.scatter_min.")
scatter_max = _scatter_api("scatter_max", "max", "JAX's lax.scatter_max.")
