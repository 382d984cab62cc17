"""NumPy indexing with JAX's semantics: `x[idx]` (integers, slices, None,
Ellipsis, integer arrays, static boolean masks) and the functional updates
`x.at[idx].set/add/subtract/multiply/divide/min/max/get`.

Basic indices become slice/reshape ops; integer arrays one gather (JAX's
placement: the broadcast index dimensions replace adjacent advanced indices,
else go first). An update indexes an iota of element positions the same way
and scatters into the flattened array, so every index form `x[idx]` accepts
works for updates too, with the same shapes."""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from mlax._src import dtypes, lax
from mlax._src.core import Array, ArrayLike, Tracer, aval_of, concrete_value
from mlax._src.gather_scatter import (
    GatherDimensionNumbers,
    GatherScatterMode,
    ScatterDimensionNumbers,
    _fill_value,
    _scatter,
    gather,
)


class NonConcreteBooleanIndexError(IndexError):
    """A boolean mask whose value is only known at run time (JAX's error)."""


def _is_int(i) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _is_array(i) -> bool:
    return isinstance(i, (Array, Tracer, np.ndarray))


def _expand_index(x_ndim: int, idx, x_shape: tuple | None = None) -> list:
    """The index as a list with Ellipsis expanded and boolean masks turned
    into integer arrays (one per mask dimension)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    pos = 0  # the array dimension the next index applies to (None: after ...)
    for k, i in enumerate(idx):
        if i is Ellipsis:
            pos = None
        elif (
            i is not None
            and pos is not None
            and not (_is_array(i) and dtypes.is_bool(aval_of(i).dtype))
        ):
            pos += 1
        if isinstance(i, list):
            raise TypeError(
                "Using a non-tuple sequence for multidimensional indexing is "
                "not allowed; use `arr[array(seq)]` instead of `arr[seq]`."
            )
        if isinstance(i, (bool, np.bool_)):
            raise TypeError(
                "mlax does not support boolean scalar indices; use "
                "mlax.numpy.where or expand_dims instead"
            )
        if _is_array(i) and dtypes.is_bool(aval_of(i).dtype):
            value = concrete_value(i) if isinstance(i, Tracer) else np.asarray(i)
            if value is None:
                raise NonConcreteBooleanIndexError(
                    "Array boolean indices must be concrete; got "
                    f"{aval_of(i).str_short()}. Under jit, use mlax.numpy.where instead "
                    "of boolean indexing."
                )
            if value.ndim == 0:
                raise TypeError("mlax does not support 0-d boolean array indices")
            if x_shape is not None and pos is not None:
                want = tuple(x_shape[pos : pos + value.ndim])
                if want != value.shape:
                    raise IndexError(
                        f"boolean index did not match shape of indexed array in index {k}: "
                        f"got {value.shape}, expected {list(want)}"
                    )
                pos += value.ndim
            out.extend(np.nonzero(value))
            continue
        if _is_array(i) and not dtypes.is_integer(aval_of(i).dtype):
            raise TypeError(
                f"Indexer must have integer or boolean type, got indexer with "
                f"type {aval_of(i).dtype.name}"
            )
        if not (
            i is None
            or i is Ellipsis
            or _is_int(i)
            or isinstance(i, builtins.slice)
            or _is_array(i)
        ):
            raise TypeError(
                f"Indexer of type {type(i).__name__} is not supported: use "
                "integers, slices, None, ..., or integer/boolean arrays"
            )
        out.append(i)
    n_real = builtins.sum(1 for i in out if i is not None and i is not Ellipsis)
    if builtins.sum(1 for i in out if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_real > x_ndim:
        raise IndexError(
            f"too many indices for array: array is {x_ndim}-dimensional, but {n_real} were indexed"
        )
    if Ellipsis in [i for i in out if not _is_array(i)]:
        k = [j for j, i in enumerate(out) if not _is_array(i) and i is Ellipsis][0]
        out[k : k + 1] = [builtins.slice(None)] * (x_ndim - n_real)
    else:
        out.extend([builtins.slice(None)] * (x_ndim - n_real))
    return out


def _basic(x, entries: list, static_oob_ok: bool = False):
    """Slices, static integers and None (no arrays)."""
    a = aval_of(x)
    start, limit, strides, out_shape, rev_dims = [], [], [], [], []
    dim = 0
    for i in entries:
        if i is None:
            out_shape.append(1)
            continue
        size = a.shape[dim]
        if _is_int(i):
            j = int(i)
            if not -size <= j < size:
                raise IndexError(f"index {j} is out of bounds for axis {dim} with size {size}")
            j %= size
            start.append(j)
            limit.append(j + 1)
            strides.append(1)
        else:
            s, e, st = i.indices(size)
            n = len(range(s, e, st))
            if st > 0:
                start.append(s)
                limit.append(builtins.max(e, s))
                strides.append(st)
            else:
                # Reverse the dimension, then slice forward.
                rs = size - 1 - s
                rev_dims.append(dim)
                start.append(rs)
                limit.append(rs + (n - 1) * (-st) + 1 if n else rs)
                strides.append(-st)
            out_shape.append(n)
        dim += 1
    if rev_dims:
        x = lax.rev(x, rev_dims)
    x = lax.slice(x, start, limit, strides)
    return lax.reshape(x, tuple(out_shape))


def _index_dtype(arrays) -> np.dtype:
    if (
        any(aval_of(a).dtype == np.int64 for a in arrays)
        and dtypes.canonicalize_dtype(np.int64) == np.int64
    ):
        return np.dtype(np.int64)
    return np.dtype(np.int32)


class _Gather(NamedTuple):
    """An advanced index as one gather from `operand` (x after its slices)."""

    operand: Any
    indices: Any  # (broadcast index shape..., k), normalized
    dnums: GatherDimensionNumbers
    slice_sizes: tuple[int, ...]
    in_bounds: Any  # broadcast index shape, bool (only if fill)
    batch_at: int  # where the index dimensions land in the result
    direct: bool  # operand is x itself (only full slices, no None)


def _plan(x, idx, fill: bool):
    """(entries, None) for a basic index, else (None, _Gather)."""
    from mlax._src import numpy_impl as jnp

    a = aval_of(x)
    entries = _expand_index(a.ndim, idx, a.shape)
    if fill:
        # Out-of-range static integers fill (or drop) instead of raising.
        dim, checked = 0, []
        for i in entries:
            if _is_int(i) and not -a.shape[dim] <= i < a.shape[dim]:
                i = np.asarray(i)
            checked.append(i)
            dim += i is not None
        entries = checked
    if not any(_is_array(i) for i in entries):
        return entries, None
    direct = all(
        i is not None and (not isinstance(i, builtins.slice) or i == builtins.slice(None))
        for i in entries
    )
    # None becomes a size-1 dimension indexed by a full slice.
    if any(i is None for i in entries):
        new_shape, k = [], 0
        for i in entries:
            if i is None:
                new_shape.append(1)
            else:
                new_shape.append(a.shape[k])
                k += 1
        x = lax.reshape(x, tuple(new_shape))
        entries = [builtins.slice(None) if i is None else i for i in entries]
    # Slices first (they keep their dimensions), then one gather.
    y = (
        x
        if direct
        else _basic(
            x, [i if isinstance(i, builtins.slice) else builtins.slice(None) for i in entries]
        )
    )
    ya = aval_of(y)
    adv = [k for k, i in enumerate(entries) if not isinstance(i, builtins.slice)]
    arrays = [jnp.asarray(entries[k]) for k in adv]
    idx_dtype = _index_dtype(arrays)
    arrays = jnp.broadcast_arrays(*[lax.convert_element_type(v, idx_dtype) for v in arrays])
    nb = aval_of(arrays[0]).ndim
    ok, normalized = None, []
    for k, v in zip(adv, arrays):
        size = jnp.full_like(v, np.asarray(ya.shape[k], idx_dtype))
        v = jnp.where(lax.lt(v, jnp.zeros_like(v)), lax.add(v, size), v)
        if fill:
            inb = lax.bitwise_and(lax.ge(v, jnp.zeros_like(v)), lax.lt(v, size))
            ok = inb if ok is None else lax.bitwise_and(ok, inb)
        normalized.append(v)
    rest = [d for d in range(ya.ndim) if d not in adv]
    if adv == list(range(adv[0], adv[0] + len(adv))):
        # Adjacent advanced indices: their dimensions replace them in place.
        batch_at = len([d for d in rest if d < adv[0]])
    else:
        batch_at = 0
    offset_dims = tuple(range(batch_at)) + tuple(
        batch_at + nb + j for j in range(len(rest) - batch_at)
    )
    dnums = GatherDimensionNumbers(
        offset_dims=offset_dims, collapsed_slice_dims=tuple(adv), start_index_map=tuple(adv)
    )
    slice_sizes = tuple(1 if d in adv else ya.shape[d] for d in range(ya.ndim))
    return None, _Gather(
        y, jnp.stack(normalized, axis=-1), dnums, slice_sizes, ok, batch_at, direct
    )


def getitem(x: ArrayLike, idx, mode: Any = None, fill_value: Any = None):
    """x[idx] with JAX's semantics; `mode`/`fill_value` as in x.at[idx].get."""
    parsed = None if mode is None else GatherScatterMode.from_any(mode)
    fill = parsed == GatherScatterMode.FILL_OR_DROP
    entries, g = _plan(x, idx, fill)
    if g is None:
        return _basic(x, entries)
    out = gather(
        g.operand,
        g.indices,
        g.dnums,
        g.slice_sizes,
        mode="clip" if parsed == GatherScatterMode.CLIP else None,
    )
    if fill:
        out_shape = aval_of(out).shape
        nb = aval_of(g.in_bounds).ndim
        ok = lax.broadcast_in_dim(g.in_bounds, out_shape, tuple(range(g.batch_at, g.batch_at + nb)))
        out = lax.select(
            ok,
            out,
            lax.broadcast_in_dim(_fill_value(aval_of(g.operand).dtype, fill_value), out_shape, ()),
        )
    return out


# --------------------------------------------------------------------------
# x.at[idx]
# --------------------------------------------------------------------------


def _update(
    x,
    idx,
    values,
    combiner: str,
    *,
    mode=None,
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
):
    from mlax._src import numpy_impl as jnp

    x = jnp.asarray(x)
    a = aval_of(x)
    values = jnp.asarray(values)
    if dtypes.is_bool(a.dtype) and combiner in ("add", "mul"):
        raise TypeError(
            f"x.at[idx].{'add' if combiner == 'add' else 'multiply'}() does not accept dtype bool: "
            "x must be of an integer, floating or complex dtype"
        )
    va = aval_of(values)
    if va.dtype != a.dtype:
        wide, _ = dtypes.result_type((a.dtype, a.weak_type), (va.dtype, va.weak_type))
        if combiner != "set" and wide != a.dtype:
            # JAX combines in the promoted dtype and converts the result
            # back: int x.at[0].mul(2.7) is int(x[0] * 2.7).
            out = _update(
                lax.convert_element_type(x, wide),
                idx,
                values,
                combiner,
                mode=mode,
                indices_are_sorted=indices_are_sorted,
                unique_indices=unique_indices,
            )
            return lax._convert_element_type(out, a.dtype, weak_type=a.weak_type)
        values = lax.convert_element_type(values, a.dtype)
    parsed = GatherScatterMode.from_any(mode)
    name = f"at[].{combiner}"
    entries, g = _plan(x, idx, fill=False)
    if g is None:
        out = _window_update(x, entries, values, combiner, parsed == GatherScatterMode.CLIP)
        if out is not None:
            return out
    if g is not None and g.direct:
        # Integer arrays and full slices only: one windowed scatter into x
        # (the gather's inverse); out-of-range windows are dropped.
        from mlax._src.gather_scatter import _gather_shape

        view_shape = _gather_shape(a.shape, aval_of(g.indices).shape, g.dnums, g.slice_sizes)
        values = _broadcast_values(values, view_shape)
        dnums = ScatterDimensionNumbers(
            g.dnums.offset_dims, g.dnums.collapsed_slice_dims, g.dnums.start_index_map
        )
        return _scatter(
            name,
            combiner,
            x,
            g.indices,
            values,
            dnums,
            indices_are_sorted,
            unique_indices,
            "clip" if parsed == GatherScatterMode.CLIP else "drop",
        )
    # Any other index: index an iota of element positions the same way and
    # scatter into the flattened array; dropped windows get position `size`.
    size = math.prod(a.shape)
    pos_dtype = np.int32 if size < 2**31 else np.int64
    positions = (
        lax.reshape(lax.iota(pos_dtype, builtins.max(size, 1)), a.shape)
        if size
        else lax.reshape(lax.iota(pos_dtype, 1)[:0], a.shape)
    )
    view = getitem(
        positions,
        idx,
        mode="fill" if parsed == GatherScatterMode.FILL_OR_DROP else "clip",
        fill_value=size,
    )
    view_shape = aval_of(view).shape
    values = _broadcast_values(values, view_shape)
    n = math.prod(view_shape)
    flat = _scatter(
        name,
        combiner,
        lax.reshape(x, (size,)),
        lax.reshape(view, (n, 1)),
        lax.reshape(values, (n,)),
        ScatterDimensionNumbers((), (0,), (0,)),
        indices_are_sorted,
        unique_indices,
        "drop",
    )
    return lax.reshape(flat, a.shape)


# The combiners a window update applies to x's window itself.
_WINDOW_COMBINERS = {"add": lax.add, "mul": lax.mul, "min": lax.min, "max": lax.max}


def _window_update(x, entries: list, values, combiner: str, clip: bool = False):
    """x.at[idx] when idx is static integers in range, unit-step slices and
    None: the indexed elements are one window of x, written with
    dynamic_update_slice (combined with x's window first for add, mul, min
    and max): two ops where the general path needs an iota, a gather and a
    scatter. Integers out of range are clamped with `clip` (mode="clip");
    otherwise the general path drops them, as JAX does. None for any other
    index."""
    a = aval_of(x)
    if combiner != "set" and (combiner not in _WINDOW_COMBINERS or dtypes.is_bool(a.dtype)):
        return None
    starts, sizes, view_shape = [], [], []
    dim = 0
    for i in entries:
        if i is None:
            view_shape.append(1)
            continue
        size = a.shape[dim]
        if _is_int(i):
            j = int(i)
            if not -size <= j < size:
                if not clip or size == 0:
                    return None
                j = builtins.min(builtins.max(j + size if j < 0 else j, 0), size - 1)
            starts.append(j % size)
            sizes.append(1)
        else:
            s, e, step = i.indices(size)
            if step != 1:
                return None
            n = builtins.max(e - s, 0)
            starts.append(s if n else 0)
            sizes.append(n)
            view_shape.append(n)
        dim += 1
    values = _broadcast_values(values, tuple(view_shape))
    if 0 in sizes:
        return x  # nothing is indexed
    update = lax.reshape(values, tuple(sizes))
    if combiner != "set":
        limits = [s + n for s, n in zip(starts, sizes)]
        update = _WINDOW_COMBINERS[combiner](lax.slice(x, starts, limits), update)
    return lax.dynamic_update_slice(x, update, starts)


def _broadcast_values(values, shape):
    from mlax._src import numpy_impl as jnp

    try:
        return jnp.broadcast_to(values, shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"Incompatible shapes for broadcasting: values of shape "
            f"{aval_of(values).shape} cannot be broadcast to the indexed shape "
            f"{tuple(shape)}"
        ) from None


class _IndexUpdateRef:
    """x.at[idx]: functional updates (JAX's _IndexUpdateRef)."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(
        self,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: Any = None,
        fill_value: Any = None,
    ):
        """x[idx] (out-of-bounds indices: mode 'fill' gives fill_value)."""
        return getitem(self.array, self.index, mode=mode, fill_value=fill_value)

    def set(self, values, **kw):
        """x with x[idx] = values."""
        return _update(self.array, self.index, values, "set", **kw)

    def add(self, values, **kw):
        """x with x[idx] += values (repeated indices accumulate)."""
        return _update(self.array, self.index, values, "add", **kw)

    def subtract(self, values, **kw):
        """x with x[idx] -= values."""
        from mlax._src import numpy_impl as jnp

        return _update(self.array, self.index, jnp.negative(values), "add", **kw)

    def multiply(self, values, **kw):
        """x with x[idx] *= values."""
        return _update(self.array, self.index, values, "mul", **kw)

    mul = multiply

    def divide(self, values, **kw):
        """x with x[idx] /= values."""
        from mlax._src import numpy_impl as jnp

        x = self.array
        if not (dtypes.is_float(aval_of(x).dtype) or dtypes.is_complex(aval_of(x).dtype)):
            raise TypeError(
                "x.at[idx].divide() requires a floating-point or complex x, got "
                f"{aval_of(x).dtype.name}"
            )
        return _update(x, self.index, jnp.divide(1, values), "mul", **kw)

    def min(self, values, **kw):
        """x with x[idx] = minimum(x[idx], values)."""
        return _update(self.array, self.index, values, "min", **kw)

    def max(self, values, **kw):
        """x with x[idx] = maximum(x[idx], values)."""
        return _update(self.array, self.index, values, "max", **kw)

    def power(self, values, **kw):
        """x with x[idx] **= values (repeated indices multiply exponents)."""
        from mlax._src import numpy_impl as jnp

        x = self.array
        exponents = _update(jnp.ones_like(x), self.index, values, "mul", **kw)
        return jnp.power(x, exponents)

    def apply(self, func, **kw):
        """x with func applied to x[idx]; an index repeated k times has func
        applied k times (JAX's scatter_apply). func must be elementwise."""
        from mlax._src import numpy_impl as jnp

        x = self.array
        counts = _update(
            jnp.zeros(aval_of(x).shape, np.int32), self.index, np.int32(1), "add", **kw
        )
        once = jnp.where(counts > 0, func(x), x)

        def body(carry):
            i, y = carry
            return i + 1, jnp.where(counts > i, func(y), y)

        _, out = lax.while_loop(lambda c: c[0] < jnp.max(counts), body, (np.int32(1), once))
        return out


class _IndexUpdateHelper:
    """The `.at` property of arrays."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"_IndexUpdateHelper({self.array!r})"
