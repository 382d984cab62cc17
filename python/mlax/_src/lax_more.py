"""More of jax.lax, composed from mlax's lax primitives: inverse
trigonometric functions, arg reductions, shape and slicing helpers, n-way
select, approximate top-k (exact, as JAX's CPU path), batch_matmul and
convolution patches. Argument checks raise the exception types JAX raises."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, DTypeLike, Tracer, aval_of, canonicalize_shape

_ARRAYS = (Array, Tracer)


def _arr(x):
    return x if isinstance(x, _ARRAYS) else _n.asarray(x)


def _canonical_axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis + ndim if axis < 0 else axis


def _const(x, value):
    a = aval_of(x)
    return lax.broadcast_in_dim(np.array(value, a.dtype), a.shape, ())


def _check_inexact(name: str, x) -> None:
    dt = aval_of(x).dtype
    if not (dtypes.is_float(dt) or dtypes.is_complex(dt)):
        raise TypeError(
            f"{name} does not accept dtype {dt.name}. Accepted dtypes are subtypes "
            "of floating, complexfloating."
        )


# --------------------------------------------------------------------------
# Elementwise
# --------------------------------------------------------------------------


def _i_times(z):
    return lax.complex(lax.neg(lax.imag(z)), lax.real(z))


def _minus_i_times(z):
    return lax.complex(lax.imag(z), lax.neg(lax.real(z)))


def _is_complex(x) -> bool:
    return dtypes.is_complex(aval_of(x).dtype)


def _asinh(x):
    if _is_complex(x):
        return lax.log(lax.add(x, lax.sqrt(lax.add(lax.mul(x, x), _const(x, 1)))))
    one = _const(x, 1)
    neg = lax.lt(x, _const(x, 0))
    a = lax.select(neg, lax.neg(x), x)  # |x|, with derivative 1 at 0
    big = lax.gt(a, _const(x, float(np.sqrt(np.finfo(aval_of(x).dtype).max)) / 2))
    safe = lax.select(big, one, a)
    # log1p(a + a^2 / (1 + sqrt(1 + a^2))), accurate near 0; log(2a) when large
    sq = lax.mul(safe, safe)
    small = lax.log1p(lax.add(safe, lax.div(sq, lax.add(one, lax.sqrt(lax.add(one, sq))))))
    large = lax.add(lax.log(lax.select(big, a, one)), _const(x, np.log(2)))
    out = lax.select(big, large, small)
    return lax.select(neg, lax.neg(out), out)


def _atanh(x):
    return lax.mul(_const(x, 0.5), lax.sub(lax.log1p(x), lax.log1p(lax.neg(x))))


def _asin(x):
    if _is_complex(x):
        return _minus_i_times(_asinh(_i_times(x)))
    one = _const(x, 1)
    return lax.atan2(x, lax.sqrt(lax.mul(lax.sub(one, x), lax.add(one, x))))


def _acos(x):
    if _is_complex(x):
        return lax.sub(_const(x, np.pi / 2), _asin(x))
    one = _const(x, 1)
    # 2 atan2(sqrt(1 - x^2), 1 + x); pi at x == -1
    out = lax.mul(
        _const(x, 2),
        lax.atan2(lax.sqrt(lax.mul(lax.sub(one, x), lax.add(one, x))), lax.add(one, x)),
    )
    return lax.select(lax.eq(x, _const(x, -1)), _const(x, np.pi), out)


def _atan(x):
    if _is_complex(x):
        return _minus_i_times(_atanh(_i_times(x)))
    return lax.atan2(x, _const(x, 1))


def _acosh(x):
    one = _const(x, 1)
    if _is_complex(x):
        return lax.log(lax.add(x, lax.mul(lax.sqrt(lax.add(x, one)), lax.sqrt(lax.sub(x, one)))))
    big = lax.gt(x, _const(x, float(np.sqrt(np.finfo(aval_of(x).dtype).max)) / 2))
    safe = lax.select(big, one, x)
    xm1 = lax.sub(safe, one)
    # log1p(y + sqrt(y (y + 2))) with y = x - 1; log(2x) when large; NaN below 1
    small = lax.log1p(lax.add(xm1, lax.sqrt(lax.mul(xm1, lax.add(xm1, _const(x, 2))))))
    large = lax.add(lax.log(lax.select(big, x, one)), _const(x, np.log(2)))
    return lax.select(lax.lt(x, one), _const(x, np.nan), lax.select(big, large, small))


def _exp2(x):
    return lax.exp(lax.mul(_const(x, np.log(2)), x))


def _elementwise(name: str, impl: Callable, doc: str):
    def f(x: ArrayLike) -> Array:
        x = _arr(x)
        _check_inexact(name, x)
        return impl(x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


asin = _elementwise("asin", _asin, "Elementwise arc sine (real or complex).")
acos = _elementwise("acos", _acos, "Elementwise arc cosine (real or complex).")
atan = _elementwise("atan", _atan, "Elementwise arc tangent (real or complex).")
asinh = _elementwise("asinh", _asinh, "Elementwise inverse hyperbolic sine.")
acosh = _elementwise("acosh", _acosh, "Elementwise inverse hyperbolic cosine.")
atanh = _elementwise("atanh", _atanh, "Elementwise inverse hyperbolic tangent.")
_exp2_impl = _elementwise("exp2", _exp2, "")


def exp2(x: ArrayLike, *, accuracy: Any = None) -> Array:
    """Elementwise 2 ** x for a floating or complex x (`accuracy` is ignored)."""
    return _exp2_impl(x)


def reciprocal(x: ArrayLike) -> Array:
    """Elementwise 1 / x (integer_pow with exponent -1)."""
    return lax.integer_pow(x, -1)


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def _argminmax(name: str, operand, axis, index_dtype, is_max: bool):
    index_dtype = dtypes.canonicalize_dtype(index_dtype)
    if not dtypes.is_integer(index_dtype):
        raise TypeError(f"index_dtype must be an integer type, but got {index_dtype.name}")
    x = _arr(operand)
    a = aval_of(x)
    axis = operator.index(axis)
    if not 0 <= axis < a.ndim:
        raise ValueError(f"Invalid axis {axis} for operand shape {a.shape}")
    if dtypes.is_complex(a.dtype):
        raise TypeError(
            f"{name} does not accept dtype {a.dtype.name}. Accepted dtypes are "
            "subtypes of integer, floating, bool."
        )
    n = a.shape[axis]
    if n == 0:
        raise ValueError(
            f"argmin and argmax require non-empty reduced dimension. "
            f"operand.shape={a.shape} axis={axis}"
        )
    best = (lax.reduce_max if is_max else lax.reduce_min)(x, (axis,))
    kept = tuple(d for d in range(a.ndim) if d != axis)
    hit = lax.eq(x, lax.broadcast_in_dim(best, a.shape, kept))
    if dtypes.is_float(a.dtype):  # the first NaN wins, as in JAX
        hit = lax.bitwise_or(hit, lax.ne(x, x))
    idx = lax.broadcasted_iota(np.int32, a.shape, axis)
    miss = lax.broadcast_in_dim(np.int32(n), a.shape, ())
    out = lax.reduce_min(lax.select(hit, idx, miss), (axis,))
    return lax.convert_element_type(out, index_dtype)


def argmax(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
    """The index of the largest element along `axis` (the first one on ties;
    NaN counts as largest)."""
    return _argminmax("argmax", operand, axis, index_dtype, True)


def argmin(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
    """The index of the smallest element along `axis` (the first one on ties;
    NaN counts as smallest)."""
    return _argminmax("argmin", operand, axis, index_dtype, False)


def reduce_xor(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Bitwise XOR of the elements over `axes` (boolean or integer operand)."""
    from mlax._src.reducers import reduce

    x = _arr(operand)
    dt = aval_of(x).dtype
    if not (dtypes.is_bool(dt) or dtypes.is_integer(dt)):
        raise TypeError(f"logical reduction requires operand dtype bool or int, got {dt.name}.")
    return reduce(x, np.array(0, dt), lax.bitwise_xor, tuple(axes))


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


def expand_dims(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Inserts size-1 dimensions at `dimensions` (positions in the result)."""
    x = _arr(array)
    dimensions = tuple(dimensions)
    if len(set(dimensions)) != len(dimensions):
        raise ValueError(f"repeated axis in lax.expand_dims: {dimensions}")
    shape = aval_of(x).shape
    ndim_out = len(shape) + len(dimensions)
    dims = [_canonical_axis(d, ndim_out) for d in dimensions]
    if len(set(dims)) != len(dims):
        raise ValueError(f"repeated axis in lax.expand_dims: {dims}")
    out_shape = list(shape)
    for d in sorted(dims):
        out_shape.insert(d, 1)
    kept = [i for i in range(ndim_out) if i not in set(dims)]
    return lax.broadcast_in_dim(x, tuple(out_shape), kept)


def squeeze(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Removes the size-1 dimensions `dimensions`."""
    x = _arr(array)
    shape = aval_of(x).shape
    dims = sorted({_canonical_axis(d, len(shape)) for d in dimensions})
    if any(shape[d] != 1 for d in dims):
        raise ValueError(
            "cannot select an axis to squeeze out which has size not equal to one, "
            f"got shape={shape} and dimensions={tuple(dimensions)}"
        )
    return lax.reshape(x, tuple(s for i, s in enumerate(shape) if i not in dims))


def _fill(shape, fill_value, dtype, weak_type):
    if isinstance(fill_value, _ARRAYS):
        v = lax._convert_element_type(fill_value, dtype, weak_type)
    else:
        v = np.asarray(fill_value)
        if dtypes.is_complex(v.dtype) and not dtypes.is_complex(dtype):
            v = lax._convert_element_type(_n.asarray(v), dtype, weak_type)
        else:
            v = _n.asarray(v.astype(dtype))
            if weak_type:
                v = lax._convert_element_type(v, dtype, True)
    return lax.broadcast_in_dim(v, shape, ())


def full(
    shape: Sequence[int], fill_value: ArrayLike, dtype: DTypeLike | None = None, *, sharding=None
) -> Array:
    """An array of `shape` filled with the scalar `fill_value` (cast to
    `dtype` when given; `sharding` is ignored)."""
    shape = canonicalize_shape(shape)
    if np.shape(fill_value) if not isinstance(fill_value, _ARRAYS) else aval_of(fill_value).shape:
        raise TypeError(
            "full must be called with scalar fill_value, got fill_value.shape "
            f"{np.shape(fill_value) if not isinstance(fill_value, _ARRAYS) else fill_value.shape}."
        )
    if dtype is None:
        a = aval_of(fill_value)
        return _fill(shape, fill_value, a.dtype, a.weak_type)
    return _fill(shape, fill_value, dtypes.canonicalize_dtype(dtype), False)


def full_like(
    x: Any,
    fill_value: ArrayLike,
    dtype: DTypeLike | None = None,
    shape: Sequence[int] | None = None,
    sharding=None,
) -> Array:
    """An array like `x` (its shape and dtype unless given) filled with `fill_value`."""
    a = aval_of(x) if not hasattr(x, "shape") or isinstance(x, _ARRAYS) else None
    x_shape = a.shape if a is not None else tuple(x.shape)
    x_dtype = a.dtype if a is not None else dtypes.canonicalize_dtype(x.dtype)
    x_weak = a.weak_type if a is not None else False
    fill_shape = x_shape if shape is None else canonicalize_shape(shape)
    weak = dtype is None and x_weak
    dt = x_dtype if dtype is None else dtypes.canonicalize_dtype(dtype)
    return full(fill_shape, _fill((), fill_value, dt, weak))


def empty(shape: Sequence[int], dtype: DTypeLike, *, out_sharding=None) -> Array:
    """An array of `shape` and `dtype` (zeros; its contents are unspecified)."""
    return full(shape, 0, dtype)


def collapse(operand: ArrayLike, start_dimension: int, stop_dimension: int | None = None) -> Array:
    """Merges dimensions [start_dimension, stop_dimension) into one (row-major)."""
    x = _arr(operand)
    shape = aval_of(x).shape
    lo, hi, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
    if hi < lo:
        raise ValueError(
            f"Invalid dimension range passed to collapse: {shape}[{start_dimension}:{stop_dimension}]"
        )
    return lax.reshape(x, shape[:lo] + (math.prod(shape[lo:hi]),) + shape[hi:])


def broadcast_to_rank(x: ArrayLike, rank: int) -> Array:
    """Adds leading size-1 dimensions to give `x` rank `rank`."""
    x = _arr(x)
    nd = aval_of(x).ndim
    if nd >= rank:
        return x
    return lax.broadcast(x, (1,) * (rank - nd))


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The shape NumPy broadcasting gives `shapes` (ValueError when incompatible)."""
    shapes = [tuple(operator.index(d) for d in s) for s in shapes]
    if not shapes:
        return ()
    nd = builtins.max(len(s) for s in shapes)
    padded = [(1,) * (nd - len(s)) + s for s in shapes]
    out = []
    for sizes in zip(*padded):
        big = {s for s in sizes if s != 1}
        if len(big) > 1:
            raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}")
        out.append(big.pop() if big else 1)
    return tuple(out)


def broadcast_like(arr: ArrayLike, like_arr: ArrayLike) -> Array:
    """`arr` broadcast (NumPy style) to the shape of `like_arr`."""
    x = _arr(arr)
    shape = aval_of(like_arr).shape
    return _n.broadcast_to(x, shape)


def tile(operand: ArrayLike, reps: Sequence[int]) -> Array:
    """Repeats `operand` reps[i] times along dimension i."""
    x = _arr(operand)
    shape = aval_of(x).shape
    reps = tuple(operator.index(r) for r in reps)
    if len(reps) != len(shape):
        raise TypeError(
            "reps length must be equal to the ndim of x, got "
            f"len(reps)={len(reps)} and x.ndim={len(shape)}."
        )
    if any(r < 0 for r in reps):
        raise ValueError(f"reps must be nonnegative, got {reps}")
    big = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    y = lax.broadcast_in_dim(x, big, tuple(range(1, 2 * len(shape), 2)))
    return lax.reshape(y, tuple(r * s for r, s in zip(reps, shape)))


def split(operand: ArrayLike, sizes: Sequence[int], axis: int = 0) -> list[Array]:
    """Pieces of `operand` along `axis` of the given sizes (which sum to its size)."""
    x = _arr(operand)
    shape = aval_of(x).shape
    axis = _canonical_axis(axis, len(shape))
    sizes = [operator.index(s) for s in sizes]
    if any(s < 0 for s in sizes):
        raise ValueError(f"Sizes passed to split must be nonnegative, got {sizes}")
    if sum(sizes) != shape[axis]:
        raise ValueError(
            f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the "
            f"operand shape {list(shape)}"
        )
    out, start = [], 0
    for s in sizes:
        out.append(slice_in_dim(x, start, start + s, axis=axis))
        start += s
    return out


def stack(operands: Sequence[ArrayLike], axis: int = 0) -> Array:
    """Joins same-shape arrays along a new dimension `axis`."""
    arrays = [_arr(o) for o in operands]
    if not arrays:
        raise IndexError("list index out of range")
    shapes = [aval_of(a).shape for a in arrays]
    if len(set(shapes)) > 1:
        raise ValueError(
            f"All input arrays must have the same shape. Got {', '.join(map(str, shapes))}."
        )
    axis = _canonical_axis(axis, len(shapes[0]) + 1)
    return lax.concatenate([expand_dims(a, (axis,)) for a in arrays], axis)


def unstack(x: ArrayLike, axis: int = 0) -> tuple[Array, ...]:
    """The slices of `x` along `axis`, as a tuple."""
    x = _arr(x)
    shape = aval_of(x).shape
    axis = _canonical_axis(axis, len(shape))
    return tuple(index_in_dim(x, i, axis, keepdims=False) for i in range(shape[axis]))


def dtype(x: Any) -> np.dtype:
    """The canonical dtype of a value, array, dtype or type name (JAX's lax.dtype)."""
    if isinstance(x, _ARRAYS):
        return aval_of(x).dtype
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return aval_of(x).dtype
    if hasattr(x, "dtype") and not isinstance(x, type):
        return dtypes.canonicalize_dtype(x.dtype)
    if isinstance(x, (str, np.dtype, type)):
        try:
            return dtypes.canonicalize_dtype(np.dtype(x))
        except TypeError:
            pass
    raise TypeError(f"Cannot determine dtype of {x}")


# --------------------------------------------------------------------------
# Slicing helpers
# --------------------------------------------------------------------------


def slice_in_dim(
    operand: ArrayLike,
    start_index: int | None,
    limit_index: int | None,
    stride: int = 1,
    axis: int = 0,
) -> Array:
    """lax.slice along one axis (negative indices count from the end)."""
    x = _arr(operand)
    shape = aval_of(x).shape
    axis = operator.index(axis)
    n = shape[axis]
    start = 0 if start_index is None else operator.index(start_index)
    limit = n if limit_index is None else operator.index(limit_index)
    start = start + n if start < 0 else start
    limit = limit + n if limit < 0 else limit
    starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, operator.index(stride)
    return lax.slice(x, starts, limits, strides)


def index_in_dim(operand: ArrayLike, index: int, axis: int = 0, keepdims: bool = True) -> Array:
    """operand[..., index, ...] along `axis` for a static index."""
    x = _arr(operand)
    index, axis = operator.index(index), operator.index(axis)
    n = aval_of(x).shape[axis]
    wrapped = index + n if index < 0 else index
    if not 0 <= wrapped < n:
        raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
    out = slice_in_dim(x, wrapped, wrapped + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def _start(index, allow_negative: bool):
    if allow_negative:
        return index
    if isinstance(index, (int, np.integer)):
        return builtins.max(int(index), 0)
    index = _arr(index)
    return lax.max(index, np.zeros((), aval_of(index).dtype))


def dynamic_slice_in_dim(
    operand: ArrayLike,
    start_index: ArrayLike,
    slice_size: int,
    axis: int = 0,
    *,
    allow_negative_indices: bool = True,
) -> Array:
    """lax.dynamic_slice along one axis."""
    x = _arr(operand)
    shape = aval_of(x).shape
    axis = operator.index(axis)
    starts = [np.int32(0)] * len(shape)
    starts[axis] = _start(start_index, allow_negative_indices)
    sizes = list(shape)
    sizes[axis] = operator.index(slice_size)
    return lax.dynamic_slice(x, starts, sizes)


def dynamic_index_in_dim(
    operand: ArrayLike,
    index: ArrayLike,
    axis: int = 0,
    keepdims: bool = True,
    *,
    allow_negative_indices: bool = True,
) -> Array:
    """operand[..., index, ...] along `axis` for a run-time index."""
    out = dynamic_slice_in_dim(
        operand, index, 1, axis, allow_negative_indices=allow_negative_indices
    )
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(
    operand: ArrayLike,
    update: ArrayLike,
    start_index: ArrayLike,
    axis: int,
    *,
    allow_negative_indices: bool = True,
) -> Array:
    """lax.dynamic_update_slice at a run-time start along one axis."""
    x = _arr(operand)
    axis = operator.index(axis)
    starts = [np.int32(0)] * aval_of(x).ndim
    starts[axis] = _start(start_index, allow_negative_indices)
    return lax.dynamic_update_slice(x, _arr(update), starts)


def dynamic_update_index_in_dim(
    operand: ArrayLike,
    update: ArrayLike,
    index: ArrayLike,
    axis: int,
    *,
    allow_negative_indices: bool = True,
) -> Array:
    """Writes `update` (with or without the size-1 `axis`) at `index` along `axis`."""
    x, u = _arr(operand), _arr(update)
    axis = operator.index(axis)
    if aval_of(u).ndim == aval_of(x).ndim - 1:
        u = expand_dims(u, (axis,))
    return dynamic_update_slice_in_dim(
        x, u, index, axis, allow_negative_indices=allow_negative_indices
    )


def index_take(src: ArrayLike, idxs: Sequence[ArrayLike], axes: Sequence[int]) -> Array:
    """src indexed by the integer arrays `idxs` along `axes` (indices wrap
    modulo the axis sizes); the other dimensions follow as slices."""
    from mlax._src.gather_scatter import GatherDimensionNumbers, gather

    x = _arr(src)
    shape = aval_of(x).shape
    axes = tuple(operator.index(a) for a in axes)
    cols = [expand_dims(_arr(i), (1,)) for i in idxs]
    indices = lax.concatenate(cols, 1)
    ia = aval_of(indices)
    sizes = np.array([shape[a] for a in axes], ia.dtype)
    bound = lax.broadcast_in_dim(sizes, ia.shape, (ia.ndim - 1,))
    indices = lax.rem(lax.add(lax.rem(indices, bound), bound), bound)  # a floor modulo
    slice_sizes = list(shape)
    for a in axes:
        slice_sizes[a] = 1
    dnums = GatherDimensionNumbers(
        offset_dims=tuple(range(1, len(shape) - ia.shape[1] + 1)),
        collapsed_slice_dims=axes,
        start_index_map=axes,
    )
    return gather(x, indices, dimension_numbers=dnums, slice_sizes=tuple(slice_sizes))


def scatter_sub(
    operand: ArrayLike,
    scatter_indices: ArrayLike,
    updates: ArrayLike,
    dimension_numbers: Any,
    *,
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
    mode: Any = None,
) -> Array:
    """Scatter where updates are subtracted from the operand elements."""
    from mlax._src.gather_scatter import scatter_add

    x, u = _arr(operand), _arr(updates)
    if aval_of(u).dtype != aval_of(x).dtype and aval_of(u).weak_type:
        u = lax.convert_element_type(u, aval_of(x).dtype)
    if dtypes.is_bool(aval_of(u).dtype):
        raise TypeError("scatter_sub does not accept boolean updates")
    return scatter_add(
        x,
        scatter_indices,
        lax.neg(u),
        dimension_numbers,
        indices_are_sorted=indices_are_sorted,
        unique_indices=unique_indices,
        mode=mode,
    )


def scatter_apply(
    operand: ArrayLike,
    scatter_indices: ArrayLike,
    func: Callable,
    dimension_numbers: Any,
    *,
    update_shape: Sequence[int] = (),
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
    mode: Any = None,
) -> Array:
    """Replaces the scattered-to elements x of `operand` by func(x), applied
    once per time an element is hit (as JAX, not differentiable)."""
    from mlax._src.batching import vmap
    from mlax._src.gather_scatter import scatter_add

    x = _arr(operand)
    a = aval_of(x)
    ones = lax.broadcast_in_dim(np.int32(1), canonicalize_shape(update_shape), ())
    counts = scatter_add(
        lax.broadcast_in_dim(np.int32(0), a.shape, ()),
        scatter_indices,
        ones,
        dimension_numbers,
        indices_are_sorted=indices_are_sorted,
        unique_indices=unique_indices,
        mode=mode,
    )
    size = math.prod(a.shape)
    flat_counts = lax.reshape(counts, (size,))
    f = vmap(lambda v: lax.convert_element_type(func(v), a.dtype))

    def body(carry):
        k, y = carry
        fy = lax.reshape(f(lax.reshape(y, (size,))), a.shape)
        hit = lax.reshape(lax.gt(flat_counts, lax.broadcast_in_dim(k, (size,), ())), a.shape)
        return lax.add(k, np.int32(1)), lax.select(hit, fy, y)

    if size == 0:
        return x
    top = lax.reduce_max(flat_counts, (0,))
    return lax.while_loop(lambda c: lax.lt(c[0], top), body, (np.int32(0), x))[1]


def select_n(which: ArrayLike, *cases: ArrayLike) -> Array:
    """cases[which] elementwise: `which` is boolean (one or two cases) or
    integer in [0, len(cases)), a scalar or of the cases' shape."""
    if len(cases) == 0:
        raise ValueError("select_n() must have at least one case")
    w = _arr(which)
    cs = [_arr(c) for c in cases]
    wa = aval_of(w)
    if not (dtypes.is_bool(wa.dtype) or dtypes.is_integer(wa.dtype)):
        raise TypeError(f"select `which` must be boolean or integer type, got {wa.dtype.name}.")
    avals = [aval_of(c) for c in cs]
    if len({a.shape for a in avals}) > 1:
        raise TypeError(
            "select cases must have the same shapes, got "
            f"[{', '.join(str(a.shape) for a in avals)}]."
        )
    if len({a.dtype for a in avals}) > 1:
        raise TypeError(
            "lax.select requires arguments to have the same dtypes, got "
            f"{', '.join(a.dtype.name for a in avals)}."
        )
    if dtypes.is_bool(wa.dtype) and len(cs) > 2:
        raise TypeError("select with boolean `which` cannot have > 2 cases.")
    if wa.shape and wa.shape != avals[0].shape:
        raise TypeError(
            "select `which` must be scalar or have the same shape as cases, got "
            f"`which` shape {wa.shape} but case shape {avals[0].shape}."
        )
    if len(cs) == 1:
        return cs[0]
    if dtypes.is_bool(wa.dtype):
        return lax.select(w, cs[1], cs[0])

    def tree(lo, hi):  # cases[lo:hi]
        if hi - lo == 1:
            return cs[lo]
        mid = (lo + hi) // 2
        pred = lax.lt(w, lax.broadcast_in_dim(np.array(mid, wa.dtype), wa.shape, ()))
        return lax.select(pred, tree(lo, mid), tree(mid, hi))

    return tree(0, len(cs))


# --------------------------------------------------------------------------
# Approximate top-k (exact), matrix products, convolution patches
# --------------------------------------------------------------------------


def _approx_k(operand, k, reduction_dimension, aggregate_to_topk, is_max):
    x = _arr(operand)
    a = aval_of(x)
    k = operator.index(k)
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    if not a.shape:
        raise TypeError(f"approx_top_k operand must have >= 1 dimension, got {a.shape}")
    dim = _canonical_axis(reduction_dimension, a.ndim)
    n = a.shape[dim]
    if n < k:
        raise ValueError(f"k must be smaller than the size of reduction_dim {n}, got {k}")
    if not dtypes.is_float(a.dtype):
        raise ValueError("operand must be a floating type")
    if not aggregate_to_topk:
        # JAX's CPU fallback returns the whole sorted dimension when it is
        # within one TPU tile; larger sizes depend on XLA's output-size rule.
        if n > (1024 if a.ndim == 1 else 128):
            raise NotImplementedError(
                "approx_max_k/approx_min_k with aggregate_to_topk=False on a "
                f"reduction dimension of size {n} > {1024 if a.ndim == 1 else 128}"
            )
        k = n
    perm = [d for d in range(a.ndim) if d != dim] + [dim]
    inv = list(np.argsort(perm))
    y = lax.transpose(x, perm)
    from mlax._src.sorting import top_k

    vals, idx = top_k(y if is_max else lax.neg(y), k)
    if not is_max:
        vals = lax.neg(vals)
    return [lax.transpose(vals, inv), lax.transpose(idx, inv)]


def approx_max_k(
    operand: ArrayLike,
    k: int,
    reduction_dimension: int = -1,
    recall_target: float = 0.95,
    reduction_input_size_override: int = -1,
    aggregate_to_topk: bool = True,
):
    """[values, indices] of the k largest entries along `reduction_dimension`
    (exact, as JAX's CPU path; recall_target and the size override are unused)."""
    return _approx_k(operand, k, reduction_dimension, aggregate_to_topk, True)


def approx_min_k(
    operand: ArrayLike,
    k: int,
    reduction_dimension: int = -1,
    recall_target: float = 0.95,
    reduction_input_size_override: int = -1,
    aggregate_to_topk: bool = True,
):
    """[values, indices] of the k smallest entries along `reduction_dimension`
    (exact, as JAX's CPU path)."""
    return _approx_k(operand, k, reduction_dimension, aggregate_to_topk, False)


def batch_matmul(lhs: ArrayLike, rhs: ArrayLike, precision: Any = None) -> Array:
    """Matrix products over the leading (batch) dimensions of equal-rank operands."""
    x, y = _arr(lhs), _arr(rhs)
    nx, ny = aval_of(x).ndim, aval_of(y).ndim
    if builtins.min(nx, ny) < 2:
        raise ValueError(f"Arguments to batch_matmul must be at least 2D, got {nx}, {ny}")
    if nx != ny:
        raise ValueError(f"Arguments to batch_matmul must have same ndim, got {nx}, {ny}")
    batch = tuple(range(nx - 2))
    return lax.dot_general(x, y, (((nx - 1,), (ny - 2,)), (batch, batch)), precision=precision)


def conv_general_dilated_patches(
    lhs: ArrayLike,
    filter_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: Any,
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """The patches conv_general_dilated sees, flattened into the output
    feature dimension (ordered input channel major, then the filter's
    spatial dimensions in rhs_spec order), via a grouped convolution with
    one-hot kernels."""
    from mlax._src.convolution import conv_dimension_numbers, conv_general_dilated

    x = _arr(lhs)
    a = aval_of(x)
    filter_shape = tuple(operator.index(s) for s in filter_shape)
    dn = conv_dimension_numbers(a.shape, (1, 1) + filter_shape, dimension_numbers)
    lhs_spec, rhs_spec, _ = dn
    spatial = math.prod(filter_shape)
    channels = a.shape[lhs_spec[1]]
    eye = np.eye(spatial, dtype=a.dtype)
    kernel = np.broadcast_to(eye, (channels, spatial, spatial)).reshape(
        (channels * spatial, 1) + filter_shape
    )
    kernel = np.moveaxis(kernel, (0, 1), (rhs_spec[0], rhs_spec[1]))
    return conv_general_dilated(
        x,
        np.ascontiguousarray(kernel),
        window_strides,
        padding,
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        dimension_numbers=dn,
        feature_group_count=channels,
        precision=None if precision is None else (precision, lax.Precision.DEFAULT),
        preferred_element_type=preferred_element_type,
    )
