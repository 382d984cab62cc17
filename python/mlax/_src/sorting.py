"""Sorting (the mlax.sort op) and what is built on it: lax.sort /
sort_key_val, jnp.sort / argsort / lexsort / partition, quantiles and
medians, unique and histogram, with JAX's semantics."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

import numpy as np

from mlax._src import core, dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, Primitive, Tracer, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m


def _sort_emit(values, avals, *, dimension, is_stable, num_keys):
    op = m.SortOp(
        [v.type for v in values],
        values,
        ir.IntegerAttr.get(ir.IntegerType.get_signless(64), dimension),
        ir.IntegerAttr.get(ir.IntegerType.get_signless(64), num_keys),
        stable=is_stable,
    )
    return list(op.results)


_sort_p = Primitive("sort", _sort_emit, multiple_results=True, weak="none")


def _canonical_axis(axis: int, ndim: int, what: str = "dimension") -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what} {axis} is out of bounds for array of rank {ndim}")
    return axis % ndim


def sort(
    operand: ArrayLike | Sequence[ArrayLike],
    dimension: int = -1,
    is_stable: bool = True,
    num_keys: int = 1,
):
    """Sorts along `dimension` (lax.sort): one array, or a sequence sorted
    by the lexicographic order of its first `num_keys` arrays (the rest are
    permuted alike). Floats: -0.0 ties 0.0, NaNs last."""
    single = not isinstance(operand, (list, tuple))
    ops = [operand] if single else list(operand)
    if not ops:
        raise TypeError("Sort requires at least one operand")
    if single and num_keys != 1:
        raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
    if not 1 <= num_keys <= len(ops):
        raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(ops)}")
    ops = [_n.asarray(x) if not isinstance(x, (Array, Tracer)) else x for x in ops]
    shapes = [aval_of(x).shape for x in ops]
    if builtins.any(s != shapes[0] for s in shapes):
        raise TypeError(
            f"Arguments to sort must have equal shapes, got: {' '.join(map(str, shapes))}"
        )
    if not shapes[0]:
        raise ValueError("sort of a 0-d array: there is no dimension to sort along")
    dim = _canonical_axis(dimension, len(shapes[0]))
    out = _sort_p.bind(*ops, dimension=dim, is_stable=bool(is_stable), num_keys=int(num_keys))
    return out[0] if single else tuple(out)


def sort_key_val(keys: ArrayLike, values: ArrayLike, dimension: int = -1, is_stable: bool = True):
    """(sorted keys, values permuted alike)."""
    return sort((keys, values), dimension, is_stable, num_keys=1)


# --- jnp ------------------------------------------------------------------


def _flat_axis(a, axis):
    a = _n.asarray(a)
    if axis is None:
        return _n.ravel(a), 0
    return a, _canonical_axis(axis, aval_of(a).ndim, "axis")


def _check_kind(fname: str, kind, order) -> None:
    if kind is not None:
        raise TypeError(
            f"'kind' argument to {fname} is not supported. Use stable=True or "
            "stable=False to specify sort stability."
        )
    if order is not None:
        raise TypeError(f"'order' argument to {fname} is not supported.")


def jnp_sort(
    a: ArrayLike,
    axis: int | None = -1,
    *,
    kind: None = None,
    order: None = None,
    stable: bool = True,
    descending: bool = False,
) -> Array:
    """numpy.sort (axis=None flattens); descending reverses the result."""
    _check_kind("sort", kind, order)
    arr, dim = _flat_axis(a, axis)
    out = sort(arr, dimension=dim, is_stable=stable)
    return _lax.rev(out, (dim,)) if descending else out


def _index_dtype(n: int, dtype) -> np.dtype:
    if dtype is not None:
        return dtypes.canonicalize_dtype(dtype)
    return dtypes.default_int_dtype()


def argsort(
    a: ArrayLike,
    axis: int | None = -1,
    *,
    kind: None = None,
    order: None = None,
    stable: bool = True,
    descending: bool = False,
    dtype: Any = None,
) -> Array:
    """Indices that sort `a` (stable by default; descending keeps ties in
    their original order when stable, as JAX's)."""
    _check_kind("argsort", kind, order)
    arr, dim = _flat_axis(a, axis)
    shape = aval_of(arr).shape
    iota = _lax.broadcasted_iota(_index_dtype(shape[dim], dtype), shape, dim)
    if descending and stable:
        arr, iota = _lax.rev(arr, (dim,)), _lax.rev(iota, (dim,))
    _, idx = sort_key_val(arr, iota, dimension=dim, is_stable=stable)
    return _lax.rev(idx, (dim,)) if descending else idx


def lexsort(keys: Sequence[ArrayLike], axis: int = -1) -> Array:
    """Indices sorting by the last key first (numpy.lexsort)."""
    keys = [_n.asarray(k) for k in keys]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    shapes = {aval_of(k).shape for k in keys}
    if len(shapes) > 1:
        raise ValueError("all keys need to be the same shape")
    shape = aval_of(keys[0]).shape
    if not shape:
        return _n.asarray(np.int32(0))
    dim = _canonical_axis(axis, len(shape), "axis")
    iota = _lax.broadcasted_iota(dtypes.default_int_dtype(), shape, dim)
    return sort((*keys[::-1], iota), dimension=dim, num_keys=len(keys))[-1]


def _last_axis(a, axis):
    arr = _n.asarray(a)
    nd = aval_of(arr).ndim
    if nd == 0:
        raise ValueError("partition of a 0-d array")
    dim = _canonical_axis(axis, nd, "axis")
    return _n.swapaxes(arr, dim, -1), dim


def _kth(kth, n):
    kth = operator.index(kth)
    if not -n <= kth < n:
        raise ValueError(f"kth(={kth}) out of bounds ({n})")
    return kth % n


def partition(a: ArrayLike, kth: int, axis: int = -1) -> Array:
    """JAX's partition: the kth+1 smallest values in ascending order, then
    the others in descending order (numpy leaves both parts unordered)."""
    arr, dim = _last_axis(a, axis)
    if dtypes.is_complex(aval_of(arr).dtype):
        raise NotImplementedError("jnp.partition for complex dtype is not implemented.")
    n = aval_of(arr).shape[-1]
    k = _kth(kth, n)
    srt = sort(arr, dimension=-1)
    out = _n.concatenate(
        [srt[..., : k + 1], _lax.rev(srt[..., k + 1 :], (aval_of(arr).ndim - 1,))], axis=-1
    )
    return _n.swapaxes(out, -1, dim)


def argpartition(a: ArrayLike, kth: int, axis: int = -1) -> Array:
    """JAX's argpartition: indices of the kth+1 smallest (ties by index),
    then the other indices in increasing order."""
    arr, dim = _last_axis(a, axis)
    if dtypes.is_complex(aval_of(arr).dtype):
        raise NotImplementedError("jnp.argpartition for complex dtype is not implemented.")
    n = aval_of(arr).shape[-1]
    k = _kth(kth, n)
    order = argsort(arr, axis=-1)
    rank = argsort(order, axis=-1)  # the inverse permutation
    rest = argsort((rank <= k).astype(np.int32), axis=-1)  # non-bottom first, by index
    out = _n.concatenate([order[..., : k + 1], rest[..., : n - k - 1]], axis=-1)
    return _n.swapaxes(out, -1, dim)


# --- quantiles --------------------------------------------------------------


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _to_last(a, axis, keepdims):
    """a with the reduced axes flattened into the last one, and the shape
    the result gets (without q's dimensions)."""
    nd = aval_of(a).ndim
    if axis is None:
        out_shape = (1,) * nd if keepdims else ()
        return _n.reshape(a, (-1,)), out_shape
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(_canonical_axis(x, nd, "axis") for x in axes)
    if len(set(axes)) != len(axes):
        raise ValueError("repeated axis")
    keep = [d for d in range(nd) if d not in axes]
    shape = aval_of(a).shape
    moved = _lax.transpose(a, tuple(keep) + axes)
    flat = _n.reshape(moved, tuple(shape[d] for d in keep) + (-1,))
    out_shape = (
        tuple(1 if d in axes else shape[d] for d in range(nd))
        if keepdims
        else tuple(shape[d] for d in keep)
    )
    return flat, out_shape


def _quantile(a, q, axis, method, keepdims, squash_nans, fname):
    if method not in _METHODS:
        raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', or 'nearest'")
    a = _n.asarray(a)
    if dtypes.is_complex(aval_of(a).dtype):
        raise ValueError(
            f"{fname} does not support complex input, as the operation is poorly defined."
        )
    a = _inexact(a)
    q = _n.asarray(q)
    if aval_of(q).ndim > 1:
        raise ValueError(f"q must be have rank <= 1, got shape {aval_of(q).shape}")
    q = _n.astype(q, aval_of(a).dtype) if not dtypes.is_inexact(aval_of(q).dtype) else q
    q, a = _n._promote_dtypes(q, a)
    flat, out_shape = _to_last(a, axis, keepdims)
    if squash_nans:
        flat = _n.where(_n.isnan(flat), np.nan, flat)  # every NaN sorts last
    srt = sort(flat, dimension=-1)
    n = aval_of(srt).shape[-1]
    dt = aval_of(srt).dtype
    if squash_nans:
        counts = _n.sum(~_n.isnan(srt), axis=-1, keepdims=True).astype(dt)
    else:
        counts = _n.full(aval_of(srt).shape[:-1] + (1,), n, dt)
    qs = _n.reshape(q, (-1,))  # (nq,)
    # positions (..., nq)
    pos = qs * (counts - 1)
    low = _n.floor(pos)
    high = _n.ceil(pos)
    high_w = pos - low
    low_w = 1 - high_w
    top = _n.maximum(counts - 1, 0)
    low_i = _n.clip(low, 0, top).astype(np.int32)
    high_i = _n.clip(high, 0, top).astype(np.int32)
    from mlax._src.numpy_manip import take_along_axis

    lo = take_along_axis(srt, low_i, axis=-1)
    hi = take_along_axis(srt, high_i, axis=-1)
    if method == "linear":
        res = lo * low_w + hi * high_w
    elif method == "lower":
        res = lo
    elif method == "higher":
        res = hi
    elif method == "nearest":
        res = _n.where(high_w <= 0.5, lo, hi)
    else:
        res = (lo + hi) * 0.5
    if not squash_nans:
        res = _n.where(_n.any(_n.isnan(flat), axis=-1, keepdims=True), np.nan, res)
    # (..., nq) -> q's dims first, then the kept dims
    nq = aval_of(qs).shape[0]
    res = _n.moveaxis(res, -1, 0)
    res = _n.reshape(res, (nq,) + tuple(out_shape))
    if aval_of(q).ndim == 0:
        res = _n.reshape(res, tuple(out_shape))
    return res


def _inexact(a):
    dt = aval_of(a).dtype
    return a if dtypes.is_inexact(dt) else _n.astype(a, dtypes.default_float_dtype())


def _no_out(fname, out, overwrite_input):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{fname} is not supported.")


def quantile(
    a: ArrayLike,
    q: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: ArrayLike | None = None,
) -> Array:
    """The q-th quantiles (q in [0, 1]) along axis; NaN where the data has
    a NaN (nanquantile skips them)."""
    _no_out("quantile", out, overwrite_input)
    if weights is not None:
        raise NotImplementedError("quantile(weights=) is not supported by mlax yet")
    return _quantile(a, q, axis, method, keepdims, False, "quantile")


def nanquantile(
    a: ArrayLike,
    q: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: ArrayLike | None = None,
) -> Array:
    _no_out("nanquantile", out, overwrite_input)
    if weights is not None:
        raise NotImplementedError("nanquantile(weights=) is not supported by mlax yet")
    return _quantile(a, q, axis, method, keepdims, True, "nanquantile")


def percentile(
    a: ArrayLike,
    q: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: ArrayLike | None = None,
) -> Array:
    """quantile with q in percent."""
    q = _n.true_divide(_n.asarray(q), 100.0)
    return quantile(a, q, axis, out, overwrite_input, method, keepdims, weights=weights)


def nanpercentile(
    a: ArrayLike,
    q: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: ArrayLike | None = None,
) -> Array:
    q = _n.true_divide(_n.asarray(q), 100.0)
    return nanquantile(a, q, axis, out, overwrite_input, method, keepdims, weights=weights)


def median(
    a: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Array:
    """The middle value (mean of the two middle ones) along axis."""
    return quantile(a, 0.5, axis=axis, out=out, keepdims=keepdims, method="midpoint")


def nanmedian(
    a: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
    out: None = None,
    overwrite_input: bool = False,
    keepdims: bool = False,
) -> Array:
    return nanquantile(a, 0.5, axis=axis, out=out, keepdims=keepdims, method="midpoint")


# --- unique, histogram --------------------------------------------------------


def unique(
    ar: ArrayLike,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    *,
    equal_nan: bool = True,
    size: int | None = None,
    fill_value: ArrayLike | None = None,
    sorted: bool = True,
):
    """The sorted unique values of the flattened array (numpy.unique); with
    `size`, exactly that many (padded with fill_value, default the
    smallest value), which is what makes it traceable inside jit."""
    if axis is not None:
        raise NotImplementedError("unique(axis=) is not supported by mlax yet")
    if not sorted:
        raise NotImplementedError("unique(sorted=False) is not supported")
    arr = _n.ravel(_n.asarray(ar))
    n = aval_of(arr).shape[0]
    idx_dt = dtypes.default_int_dtype()
    if not n:  # as jax: `size` fill values, but empty index and count arrays
        if size and fill_value is None:
            raise ValueError(
                "jnp.unique: for zero-sized input with nonzero size argument, "
                "fill_value must be specified"
            )
        dt = aval_of(arr).dtype
        k = 0 if size is None else operator.index(size)
        outs = [_n.full((k,), fill_value if k else 0, dt)]
        if return_index:
            outs.append(_n.zeros((0,), idx_dt))
        if return_inverse:
            outs.append(_n.zeros(aval_of(_n.asarray(ar)).shape, idx_dt))
        if return_counts:
            outs.append(_n.zeros((0,), idx_dt))
        return outs[0] if len(outs) == 1 else tuple(outs)
    perm = argsort(arr)
    srt = _n.take(arr, perm)
    if n:
        prev = srt[:-1]
        nxt = srt[1:]
        differs = nxt != prev
        if equal_nan and dtypes.is_inexact(aval_of(arr).dtype):
            differs = differs & ~(_n.isnan(nxt) & _n.isnan(prev))
        mask = _n.concatenate([_n.ones((1,), bool), differs])
    else:
        mask = _n.zeros((0,), bool)
    if size is None:
        count = core.concrete_value(_n.sum(mask))
        if count is None:
            raise core.ConcretizationTypeError(
                "Abstract tracer value encountered where a concrete value is expected: "
                "the size of jnp.unique's result depends on the values. Pass size= "
                "(and fill_value=) to use unique inside jit or a transformation."
            )
        size = int(count)
    size = operator.index(size)
    buf = builtins.max(size, 1)  # (a scatter into an empty buffer is not supported)
    group = _n.cumsum(mask.astype(idx_dt)) - 1  # group of each sorted element
    slot = _n.where(mask, group, size)  # the first of each group writes its value
    if fill_value is None:
        fill = srt[0] if n else _n.zeros((), aval_of(arr).dtype)
    else:
        fill = _n.asarray(fill_value, dtype=aval_of(arr).dtype)
    values = _n.full((buf,), fill, aval_of(arr).dtype).at[slot].set(srt, mode="drop")
    outs = [values[:size]]
    if return_index:
        first = perm[0].astype(idx_dt)  # jax pads the indices with that of the smallest value
        index = _n.full((buf,), first, idx_dt).at[slot].set(perm.astype(idx_dt), mode="drop")
        outs.append(index[:size])
    if return_inverse:
        inv = _n.zeros((n,), idx_dt).at[perm].set(group)
        outs.append(_n.reshape(inv, aval_of(_n.asarray(ar)).shape))
    if return_counts:
        outs.append(_n.zeros((buf,), idx_dt).at[group].add(1, mode="drop")[:size])
    return outs[0] if len(outs) == 1 else tuple(outs)


def histogram_bin_edges(
    a: ArrayLike, bins: ArrayLike = 10, range: Sequence[ArrayLike] | None = None, weights=None
) -> Array:
    """The bin edges numpy.histogram uses."""
    if isinstance(bins, str):
        raise NotImplementedError("string values for `bins` not implemented.")
    arr = _inexact(_n.ravel(_n.asarray(a)))
    if np.ndim(bins) == 1 or isinstance(bins, (Array, Tracer)):
        return _n.asarray(bins, dtype=aval_of(arr).dtype)
    bins = operator.index(bins)
    if range is None:
        lo, hi = _n.min(arr), _n.max(arr)
    else:
        lo, hi = _n.asarray(range[0], aval_of(arr).dtype), _n.asarray(range[1], aval_of(arr).dtype)
    lo, hi = _n.where(lo == hi, lo - 0.5, lo), _n.where(lo == hi, hi + 0.5, hi)
    return _n.linspace(lo, hi, bins + 1, dtype=aval_of(arr).dtype)


def histogram(
    a: ArrayLike,
    bins: ArrayLike = 10,
    range: Sequence[ArrayLike] | None = None,
    weights: ArrayLike | None = None,
    density: bool | None = None,
) -> tuple[Array, Array]:
    """(counts, bin_edges) as numpy.histogram (the last bin includes its
    right edge)."""
    from mlax._src.numpy_statistics import searchsorted

    arr = _inexact(_n.ravel(_n.asarray(a)))
    if weights is not None and aval_of(_n.asarray(weights)).shape != aval_of(_n.asarray(a)).shape:
        raise ValueError("weights should have the same shape as a.")
    edges = histogram_bin_edges(arr, bins, range)
    w = _n.ones_like(arr) if weights is None else _n.ravel(_n.asarray(weights))
    idx = searchsorted(edges, arr, side="right")
    nb = aval_of(edges).shape[0]
    idx = _n.where(arr == edges[-1], nb - 1, idx)
    counts = _n.zeros((nb + 1,), aval_of(w).dtype).at[idx].add(w)[1:-1]
    if density:
        widths = edges[1:] - edges[:-1]
        counts = counts / widths / _n.sum(counts)
    return counts, edges


# --- top_k ----------------------------------------------------------------


def _top_k_emit(values, avals, *, k):
    from mlax._src.mlir import tensor_type

    (aval,) = avals
    shape = aval.shape[:-1] + (k,)
    op = m.TopKOp(
        tensor_type(shape, aval.dtype),
        tensor_type(shape, np.dtype(np.int32)),
        values[0],
        ir.IntegerAttr.get(ir.IntegerType.get_signless(64), k),
    )
    return [op.values, op.indices]


_top_k_p = Primitive("top_k", _top_k_emit, multiple_results=True, weak="none")


def top_k(operand: ArrayLike, k: int):
    """(values, indices): the k largest entries along the last axis,
    descending, and their int32 positions (lax.top_k)."""
    x = operand if isinstance(operand, (Array, Tracer)) else _n.asarray(operand)
    aval = aval_of(x)
    k = operator.index(k)
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if not aval.shape:
        raise TypeError("top_k operand must have >= 1 dimension, got ()")
    if aval.shape[-1] < k:
        raise TypeError(
            f"k argument to top_k must be no larger than minor dimension; {k} vs {aval.shape}"
        )
    if dtypes.is_bool(aval.dtype):
        raise TypeError("top_k does not accept boolean operands")
    values, indices = _top_k_p.bind(x, k=k)
    return values, indices
