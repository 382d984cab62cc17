"""mlax.numpy's array manipulation beyond the basics: flip, rot90, roll,
take_along_axis, append/insert/delete, block and the stacks, index
(un)raveling, kron, cross and diff."""

from __future__ import annotations

import builtins
import operator
from typing import Sequence

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, DTypeLike, concrete_value


def _arr(x):
    return _n.asarray(x) if not _n._is_array(x) else x


def flip(m: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    m = _arr(m)
    axes = _n._reduction_axes(m, axis)
    return lax.rev(m, axes) if axes else m


def fliplr(m: ArrayLike) -> Array:
    m = _arr(m)
    if m.ndim < 2:
        raise ValueError("fliplr requires an array of at least 2 dimensions")
    return flip(m, 1)


def flipud(m: ArrayLike) -> Array:
    m = _arr(m)
    if m.ndim < 1:
        raise ValueError("flipud requires an array of at least 1 dimension")
    return flip(m, 0)


def rot90(m: ArrayLike, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Array:
    m = _arr(m)
    if m.ndim < 2:
        raise ValueError(
            "rot90 requires its first argument to have ndim at least two, but got first "
            f"argument of shape {m.shape}, which has ndim {m.ndim}"
        )
    ax1, ax2 = (_n._canonical_axis(a, m.ndim) for a in axes)
    if ax1 == ax2:
        raise ValueError("Axes must be different")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, ax1), ax2)
    perm = list(range(m.ndim))
    perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
    if k == 1:
        return _n.transpose(flip(m, ax2), perm)
    return flip(_n.transpose(m, perm), ax2)


def _roll_one(a, shift, axis):
    n = a.shape[axis]
    if n == 0:
        return a
    if isinstance(shift, (int, np.integer)):
        s = int(shift) % n
        if s == 0:
            return a
        lo = _slice_axis(a, n - s, n, axis)
        hi = _slice_axis(a, 0, n - s, axis)
        return lax.concatenate([lo, hi], axis)
    # A traced shift: one dynamic slice of [a, a].
    shift = _n.astype(shift, np.int32)
    i = lax.rem(shift, _n.full((), n, np.int32))
    i = _n.where(lax.lt(i, _n.zeros_like(i)), lax.add(i, _n.full((), n, np.int32)), i)
    aa = lax.concatenate([a, a], axis)
    start = [_n.zeros((), np.int32)] * a.ndim
    start[axis] = lax.sub(_n.full((), n, np.int32), i)
    return lax.dynamic_slice(aa, start, a.shape)


def _slice_axis(a, lo, hi, axis):
    start = [0] * a.ndim
    limit = list(a.shape)
    start[axis], limit[axis] = lo, hi
    return lax.slice(a, start, limit)


def roll(
    a: ArrayLike, shift: ArrayLike | Sequence[int], axis: int | Sequence[int] | None = None
) -> Array:
    a = _arr(a)
    if axis is None:
        return _n.reshape(roll(_n.ravel(a), shift, 0), a.shape)
    cv = concrete_value(shift) if _n._is_array(shift) else np.asarray(shift)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if cv is not None:
        shifts = np.broadcast_to(
            np.asarray(cv, np.int64), np.broadcast_shapes(np.shape(cv), (len(axes),))
        )
        if len(axes) < len(shifts):
            axes = np.broadcast_to(np.asarray(axes), shifts.shape)
        shifts = [int(s) for s in shifts]
    else:
        shift = _arr(shift)
        if shift.ndim == 0:
            shifts = [shift] * len(axes)
        else:
            shifts = [shift[i] for i in range(shift.shape[0])]
    if len(shifts) != len(axes):
        raise ValueError("roll: shift and axis must have the same length")
    for s, ax in zip(shifts, axes):
        a = _roll_one(a, s, _n._canonical_axis(int(ax), a.ndim))
    return a


def take_along_axis(
    arr: ArrayLike,
    indices: ArrayLike,
    axis: int | None = -1,
    mode: str | None = None,
    fill_value=None,
) -> Array:
    """arr's elements at `indices` along `axis`; the other axes broadcast."""
    from mlax._src.indexing import getitem

    a, idx = _arr(arr), _arr(indices)
    if not (dtypes.is_integer(idx.dtype)):
        raise TypeError(f"take_along_axis indices must be of integer type, got {idx.dtype}")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(
                f"take_along_axis indices must be 1D if axis=None, got shape {idx.shape}"
            )
        a, axis = _n.ravel(a), 0
    if a.ndim != idx.ndim:
        raise ValueError(
            f"indices and arr must have the same number of dimensions; {idx.ndim} vs. {a.ndim}"
        )
    axis = _n._canonical_axis(axis, a.ndim)
    arr_shape = list(a.shape)
    arr_shape[axis] = 1
    out_shape = _n._broadcast_shapes(tuple(idx.shape), tuple(arr_shape))
    if a.shape[axis] == 0:
        return _n.zeros(out_shape, a.dtype)
    a_shape = list(out_shape)
    a_shape[axis] = a.shape[axis]
    a = _n.broadcast_to(a, tuple(a_shape))
    idx = _n.broadcast_to(idx, out_shape)
    key = tuple(
        idx if i == axis else lax.broadcasted_iota(np.int32, out_shape, i) for i in range(a.ndim)
    )
    return getitem(a, key, mode="fill" if mode is None else mode, fill_value=fill_value)


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    if axis is None:
        return _n.concatenate([_n.ravel(arr), _n.ravel(values)], 0)
    return _n.concatenate([arr, values], axis)


def delete(
    arr: ArrayLike,
    obj: ArrayLike | slice,
    axis: int | None = None,
    *,
    assume_unique_indices: bool = False,
) -> Array:
    """arr without the entries `obj` (static: an int, slice, int or bool array)."""
    a = _arr(arr)
    if axis is None:
        a, axis = _n.ravel(a), 0
    axis = _n._canonical_axis(axis, a.ndim)
    n = a.shape[axis]
    pre = (builtins.slice(None),) * axis
    if isinstance(obj, (int, np.integer)):
        i = _n._canonical_axis(obj, n)
        return _n.concatenate(
            [a[pre + (builtins.slice(0, i),)], a[pre + (builtins.slice(i + 1, None),)]], axis
        )
    if isinstance(obj, builtins.slice):
        obj = np.arange(n)[obj]
    cv = concrete_value(obj) if _n._is_array(obj) else np.asarray(obj)
    if cv is None:
        raise NotImplementedError(
            "jnp.delete with traced indices is not supported by mlax (needs sort)"
        )
    cv = np.asarray(cv)
    if np.issubdtype(cv.dtype, np.integer):
        mask = np.ones(n, dtype=bool)
        mask[cv] = False
    elif cv.dtype == bool:
        if cv.shape != (n,):
            raise ValueError(
                "np.delete(arr, obj): for boolean indices, obj must be one-dimensional "
                "with length matching specified axis."
            )
        mask = ~cv
    else:
        raise ValueError(f"np.delete(arr, obj): got obj.dtype={cv.dtype}; must be integer or bool.")
    keep = np.nonzero(mask)[0]
    return a[pre + (keep,)] if keep.size else _slice_axis(a, 0, 0, axis)


def insert(
    arr: ArrayLike, obj: ArrayLike | slice, values: ArrayLike, axis: int | None = None
) -> Array:
    """values inserted before the indices `obj` (static indices) along axis."""
    a = _arr(arr)
    if axis is None:
        a, axis = _n.ravel(a), 0
    axis = _n._canonical_axis(axis, a.ndim)
    n = a.shape[axis]
    if isinstance(obj, builtins.slice):
        idx = np.arange(*obj.indices(n))
    else:
        cv = concrete_value(obj) if _n._is_array(obj) else np.asarray(obj)
        if cv is None:
            raise NotImplementedError(
                "jnp.insert with traced indices is not supported by mlax (needs sort)"
            )
        idx = np.asarray(cv)
    if idx.ndim > 1:
        raise ValueError(
            f"jnp.insert(): obj must be a slice, a one-dimensional array, or a scalar; got {obj}"
        )
    if not np.issubdtype(idx.dtype, np.integer):
        if idx.size == 0:
            idx = idx.astype(int)
        else:
            raise ValueError(f"jnp.insert(): index array must be integer typed; got {obj}")
    v = _n.array(values, dtype=a.dtype, ndmin=a.ndim)
    scalar_index = idx.ndim == 0
    if idx.size == 1:
        if scalar_index:
            v = _n.moveaxis(v, 0, axis)
        idx = np.full(v.shape[axis], idx.ravel()[0])
    n_insert = np.broadcast_shapes(idx.shape, (v.shape[axis],))[0]
    out_shape = list(a.shape)
    out_shape[axis] += n_insert
    v = _n.broadcast_to(v, tuple(out_shape[:axis] + [n_insert] + out_shape[axis + 1 :]))
    idx = np.broadcast_to(idx, (n_insert,))
    idx = np.clip(np.where(idx < 0, idx + n, idx), 0, n)
    order = np.argsort(idx, kind="stable")
    values_ind = idx.copy()
    values_ind[order] += np.arange(n_insert)
    mask = np.ones(n + n_insert, bool)
    mask[values_ind] = False
    arr_ind = np.nonzero(mask)[0]
    out = _n.zeros(tuple(out_shape), a.dtype)
    pre = (builtins.slice(None),) * axis
    if n_insert:
        out = out.at[pre + (values_ind,)].set(v)
    if n:
        out = out.at[pre + (arr_ind,)].set(a)
    return out


def _atleast_nd(x, n):
    return _n.reshape(x, (1,) * (n - x.ndim) + x.shape) if x.ndim < n else x


def _block(xs):
    if isinstance(xs, tuple):
        raise ValueError(f"jax.numpy.block does not allow tuples, got {xs}")
    if isinstance(xs, list):
        if not xs:
            raise ValueError("jax.numpy.block does not allow empty list arguments")
        parts, depths = zip(*[_block(x) for x in xs])
        if builtins.any(d != depths[0] for d in depths[1:]):
            raise ValueError("Mismatched list depths in jax.numpy.block")
        rank = builtins.max(depths[0], builtins.max(p.ndim for p in parts))
        parts = [_atleast_nd(p, rank) for p in parts]
        return _n.concatenate(parts, axis=-depths[0]), depths[0] + 1
    return _arr(xs), 1


def block(arrays) -> Array:
    """An array assembled from nested lists of blocks."""
    return _block(arrays)[0]


def dstack(tup, dtype: DTypeLike | None = None) -> Array:
    from mlax._src.numpy_array_creation import atleast_3d

    arrays = [atleast_3d(x) for x in tup]
    out = _n.concatenate(arrays, axis=2)
    return out if dtype is None else _n.astype(out, dtype)


def column_stack(tup) -> Array:
    arrays = [_arr(x) for x in tup]
    arrays = [_n.reshape(x, (-1, 1)) if x.ndim < 2 else x for x in arrays]
    return _n.concatenate(arrays, axis=1)


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    if not shapes:
        return ()
    shapes = [(operator.index(s),) if np.ndim(s) == 0 else tuple(s) for s in shapes]
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}") from None


def unravel_index(indices: ArrayLike, shape) -> tuple[Array, ...]:
    idx = _arr(indices)
    shape = tuple(operator.index(s) for s in ((shape,) if np.ndim(shape) == 0 else shape))
    if not dtypes.is_integer(idx.dtype):
        raise TypeError(f"only int indices permitted, got {idx.dtype}")
    if not shape and idx.ndim == 0:
        return ()
    size = int(np.prod(shape, dtype=np.int64))
    idx = _n.clip(idx, -size, size - 1)
    idx = _n.where(lax.lt(idx, _n.zeros_like(idx)), _n.add(idx, size), idx)
    out = []
    for s in reversed(shape):
        out.append(_n.remainder(idx, s))
        idx = _n.floor_divide(idx, s)
    return tuple(reversed(out))


def ravel_multi_index(
    multi_index: Sequence[ArrayLike],
    dims: Sequence[int],
    mode: str = "raise",
    order: str = "C",
    *,
    dtype: DTypeLike | None = None,
) -> Array:
    from mlax._src.numpy_info import result_type

    if len(multi_index) != len(dims):
        raise ValueError(f"len(multi_index)={len(multi_index)} != len(dims)={len(dims)}")
    dims = tuple(operator.index(d) for d in dims)
    idx = [_arr(i) for i in multi_index]
    dtype = result_type(int, *idx) if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_integer(dtype):
        raise ValueError(f"dtype={dtype!r} is not an integer type.")
    for i in idx:
        if not dtypes.is_integer(i.dtype):
            raise TypeError("only int indices permitted")
    if mode == "raise":
        for i, d in zip(idx, dims):
            v = concrete_value(i)
            if v is None:
                from mlax._src.core import ConcretizationTypeError

                raise ConcretizationTypeError(
                    "The error occurred because ravel_multi_index was jit-compiled with "
                    "mode='raise'. Use mode='wrap' or mode='clip' instead."
                )
            if np.any((np.asarray(v) < 0) | (np.asarray(v) >= d)):
                raise ValueError("invalid entry in coordinates array")
    elif mode == "clip":
        idx = [_n.clip(i, 0, d - 1) for i, d in zip(idx, dims)]
    elif mode == "wrap":
        idx = [_n.remainder(i, d) for i, d in zip(idx, dims)]
    elif mode != "ignore":
        raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', 'clip', or 'ignore'.")
    if order == "F":
        strides = np.cumprod((1,) + dims[:-1])
    elif order == "C":
        strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
    else:
        raise ValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
    out = _n.zeros((), dtype)
    for i, s in zip(idx, strides):
        out = _n.add(out, _n.multiply(_n.astype(i, dtype), int(s)))
    return out


def kron(a: ArrayLike, b: ArrayLike) -> Array:
    a, b = _n._promote_dtypes(_arr(a), _arr(b))
    if a.ndim < b.ndim:
        a = _atleast_nd(a, b.ndim)
    elif b.ndim < a.ndim:
        b = _atleast_nd(b, a.ndim)
    nd = a.ndim
    a2 = _n.reshape(a, tuple(x for s in a.shape for x in (s, 1)))
    b2 = _n.reshape(b, tuple(x for s in b.shape for x in (1, s)))
    return _n.reshape(
        _n.multiply(a2, b2), tuple(int(x) * int(y) for x, y in zip(a.shape, b.shape)) if nd else ()
    )


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _n.moveaxis(_arr(a), axisa, -1)
    b = _n.moveaxis(_arr(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("Dimension must be either 2 or 3 for cross product")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _n.subtract(_n.multiply(a[..., 0], b[..., 1]), _n.multiply(a[..., 1], b[..., 0]))
    a0, a1 = a[..., 0], a[..., 1]
    a2 = a[..., 2] if a.shape[-1] == 3 else _n.zeros_like(a0)
    b0, b1 = b[..., 0], b[..., 1]
    b2 = b[..., 2] if b.shape[-1] == 3 else _n.zeros_like(b0)
    m, s = _n.multiply, _n.subtract
    c = _n.stack(
        _n.broadcast_arrays(
            s(m(a1, b2), m(a2, b1)), s(m(a2, b0), m(a0, b2)), s(m(a0, b1), m(a1, b0))
        )
    )
    return _n.moveaxis(c, 0, axisc)


def diff(
    a: ArrayLike,
    n: int = 1,
    axis: int = -1,
    prepend: ArrayLike | None = None,
    append: ArrayLike | None = None,
) -> Array:
    arr = _arr(a)
    n, axis = operator.index(n), operator.index(axis)
    if n == 0:
        return arr
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    if arr.ndim == 0:
        raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
    nd = arr.ndim
    axis = _n._canonical_axis(axis, nd)
    combined = []
    for which, extra in (("pre", prepend), ("arr", arr), ("app", append)):
        if which == "arr":
            combined.append(arr)
            continue
        if extra is None:
            continue
        extra = _arr(extra)
        if extra.ndim == 0:
            shape = list(arr.shape)
            shape[axis] = 1
            extra = _n.broadcast_to(extra, tuple(shape))
        combined.append(extra)
    if len(combined) > 1:
        arr = _n.concatenate(combined, axis)
    hi = (builtins.slice(None),) * axis + (builtins.slice(1, None),)
    lo = (builtins.slice(None),) * axis + (builtins.slice(None, -1),)
    op = _n.not_equal if arr.dtype == np.bool_ else _n.subtract
    for _ in range(n):
        arr = op(arr[hi], arr[lo])
    return arr
