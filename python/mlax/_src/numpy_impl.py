"""mlax.numpy: NumPy's API with JAX's semantics (dtype promotion with weak
types, 32-bit defaults, immutable arrays), built on mlax.lax."""

from __future__ import annotations

import builtins
import math
import operator
import sys
from typing import Any, Sequence

import numpy as np

from mlax._src import core, dtypes, lax
from mlax._src.core import (
    Array,
    ArrayLike,
    DTypeLike,
    Shape,
    ShapedArray,
    Tracer,
    aval_of,
    concrete_to_numpy,
    current_trace,
)
from mlax._src.eager_jit import eager_jit


def _is_array(x) -> bool:
    return isinstance(x, (Array, Tracer))


# --------------------------------------------------------------------------
# Creation
# --------------------------------------------------------------------------


def asarray(a: ArrayLike, dtype: DTypeLike | None = None, copy: bool = None) -> Array:
    """Converts a to an mlax array (nested lists and tuples included)."""
    if _is_array(a):
        return astype(a, dtype) if dtype is not None else a
    if isinstance(a, (list, tuple)):
        leaves = [x for x in _flatten_list(a)]
        if builtins.any(isinstance(x, Tracer) for x in leaves):
            return (
                stack([asarray(x) for x in a])
                if dtype is None
                else astype(stack([asarray(x) for x in a]), dtype)
            )
        a = (
            np.asarray([np.asarray(x) if isinstance(x, Array) else x for x in a])
            if builtins.any(isinstance(x, Array) for x in leaves)
            else np.asarray(a)
        )
    if dtype is not None:
        arr, _ = concrete_to_numpy(np.asarray(a), dtypes.canonicalize_dtype(dtype))
        return _const(arr, False)
    if dtypes.is_python_scalar(a):
        arr, aval = concrete_to_numpy(a)
        return _const(arr, aval.weak_type)
    arr, aval = concrete_to_numpy(a)
    return _const(arr, False)


def _flatten_list(a):
    for x in a:
        if isinstance(x, (list, tuple)):
            yield from _flatten_list(x)
        else:
            yield x


def _const(arr: np.ndarray, weak: bool):
    from mlax._src import core

    trace = current_trace()
    if trace is None or core._state.compile_time_eval:
        from mlax._src import runtime

        return Array(runtime.to_device(arr), weak)
    # Inside a trace a constant is an op; carry the weak bit along.
    value, aval = trace.to_value(arr)
    return Tracer(trace, value, ShapedArray(aval.shape, aval.dtype, weak))


def array(
    object: ArrayLike, dtype: DTypeLike | None = None, copy: bool = True, ndmin: int = 0
) -> Array:
    out = asarray(object, dtype=dtype)
    if ndmin > out.ndim:
        out = reshape(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def _shape_tuple(shape) -> tuple[int, ...]:
    return core.canonicalize_shape(shape)


def full(shape: Shape, fill_value: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    shape = _shape_tuple(shape)
    if dtype is None:
        fill = asarray(fill_value)
    else:
        fill = asarray(fill_value, dtype=dtype)
    fs = aval_of(fill).shape
    if len(fs) > len(shape) or builtins.any(
        f not in (1, t) for f, t in zip(fs, shape[len(shape) - len(fs) :])
    ):
        raise ValueError(
            f"Incompatible types for broadcasting: fill_value of shape {fs} "
            f"and requested shape {shape}"
        )
    return lax.broadcast_in_dim(fill, shape, tuple(range(len(shape) - fill.ndim, len(shape))))


def zeros(shape: Shape, dtype: DTypeLike | None = None) -> Array:
    return full(shape, 0, dtype or dtypes.default_float_dtype())


def ones(shape: Shape, dtype: DTypeLike | None = None) -> Array:
    return full(shape, 1, dtype or dtypes.default_float_dtype())


def zeros_like(a: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    return full(aval_of(a).shape, 0, dtype or aval_of(a).dtype)


def ones_like(a: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    return full(aval_of(a).shape, 1, dtype or aval_of(a).dtype)


def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    return full(aval_of(a).shape, fill_value, dtype or aval_of(a).dtype)


def arange(
    start: ArrayLike, stop: ArrayLike = None, step=None, dtype: DTypeLike | None = None
) -> Array:
    if stop is None and step is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if dtype is None:
        dtype = (
            dtypes.default_float_dtype()
            if builtins.any(isinstance(v, float) for v in (start, stop, step))
            else dtypes.default_int_dtype()
        )
    return asarray(np.arange(start, stop, step), dtype=dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = None) -> Array:
    M = N if M is None else M
    if N < 0 or M < 0:
        raise ValueError(f"negative dimensions are not allowed, got {N} and {M}")
    rows = lax.broadcasted_iota(np.int32, (N, M), 0)
    cols = lax.broadcasted_iota(np.int32, (N, M), 1)
    return astype(lax.eq(add(rows, np.int32(k)), cols), dtype or dtypes.default_float_dtype())


def astype(x: ArrayLike, dtype: DTypeLike | None) -> Array:
    return lax.convert_element_type(x, dtype)


# --------------------------------------------------------------------------
# Promotion and broadcasting
# --------------------------------------------------------------------------


def _promote_dtypes(*xs):
    avals = [aval_of(x) for x in xs]
    dtype, weak = dtypes.result_type(*[(a.dtype, a.weak_type) for a in avals])
    out = []
    for x, a in zip(xs, avals):
        if a.dtype != dtype or a.weak_type != weak:
            x = lax._convert_element_type(x, dtype, weak_type=weak)
        out.append(x)
    return out


def _broadcast_to_shape(x, shape):
    a = aval_of(x)
    if a.shape == shape:
        return x
    nlead = len(shape) - a.ndim
    # Squeeze size-1 dims that broadcast, then broadcast_in_dim.
    return lax.broadcast_in_dim(x, shape, tuple(range(nlead, len(shape))))


def _broadcast_shapes(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        msg = "Incompatible shapes for broadcasting: " + ", ".join(str(s) for s in shapes)
        # JAX: arrays of one rank fail in the lax op (TypeError), of
        # different ranks in broadcast_shapes (ValueError).
        raise (TypeError if len({len(s) for s in shapes}) == 1 else ValueError)(msg) from None


def _check_rank_promotion(shapes) -> None:
    """mlax_numpy_rank_promotion: 'warn' or 'raise' when non-scalar operands
    of different ranks are broadcast (JAX's rule and messages)."""
    from mlax._src.config import config

    mode = config.read("mlax_numpy_rank_promotion")
    if mode == "allow" or len({len(s) for s in shapes if s}) < 2:
        return
    import warnings

    shown = " ".join(str(tuple(s)) for s in shapes)
    if mode == "warn":
        warnings.warn(
            f"Following NumPy automatic rank promotion on shapes {shown}. Set the "
            "mlax_numpy_rank_promotion config option to 'allow' to disable this warning.",
            stacklevel=3,
        )
    else:
        raise ValueError(
            f"Operands could not be broadcast together on shapes {shown} and with the "
            "config option mlax_numpy_rank_promotion='raise'."
        )


def _promote_and_broadcast(*xs):
    first = xs[0]
    if isinstance(first, (Array, Tracer)):
        # Operands of one aval (the common case) need neither step.
        a = first.aval
        if builtins.all(isinstance(x, (Array, Tracer)) and x.aval == a for x in xs[1:]):
            return list(xs)
    xs = _promote_dtypes(*xs)
    shapes = [aval_of(x).shape for x in xs]
    _check_rank_promotion(shapes)
    shape = _broadcast_shapes(*shapes)
    return [_broadcast_to_shape(x, shape) for x in xs]


def broadcast_to(x: ArrayLike, shape: Shape) -> Array:
    shape = _shape_tuple(shape)
    a = aval_of(x)
    try:
        ok = _broadcast_shapes(a.shape, shape) == shape
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"Incompatible shapes for broadcasting: cannot broadcast shape {a.shape} to {shape}"
        )
    return _broadcast_to_shape(x, shape)


def broadcast_arrays(*args) -> list[Array]:
    """The arguments broadcast to their common shape (dtypes unchanged)."""
    arrays = [asarray(a) if not _is_array(a) else a for a in args]
    shape = _broadcast_shapes(*[aval_of(a).shape for a in arrays])
    return [_broadcast_to_shape(a, shape) for a in arrays]


def _binary_op(lax_fn, name):
    def f(x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _promote_and_broadcast(x, y)
        return lax_fn(x, y)

    f.__name__ = f.__qualname__ = name
    return eager_jit(f)


add = _binary_op(lax.add, "add")
subtract = _binary_op(lax.sub, "subtract")
multiply = _binary_op(lax.mul, "multiply")
maximum = _binary_op(lax.max, "maximum")
minimum = _binary_op(lax.min, "minimum")
bitwise_and = _binary_op(lax.bitwise_and, "bitwise_and")
bitwise_or = _binary_op(lax.bitwise_or, "bitwise_or")
bitwise_xor = _binary_op(lax.bitwise_xor, "bitwise_xor")
equal = _binary_op(lax.eq, "equal")
not_equal = _binary_op(lax.ne, "not_equal")


def _lexicographic(lax_fn):
    """An order comparison that compares complex numbers by real part, then
    imaginary part, as JAX's numpy does (lax's comparisons reject them)."""

    def cmp(x, y):
        if dtypes.is_complex(aval_of(x).dtype):
            xr, yr = lax.real(x), lax.real(y)
            return lax.select(lax.eq(xr, yr), lax_fn(lax.imag(x), lax.imag(y)), lax_fn(xr, yr))
        return lax_fn(x, y)

    return cmp


less = _binary_op(_lexicographic(lax.lt), "less")
less_equal = _binary_op(_lexicographic(lax.le), "less_equal")
greater = _binary_op(_lexicographic(lax.gt), "greater")
greater_equal = _binary_op(_lexicographic(lax.ge), "greater_equal")
arctan2 = _binary_op(lax.atan2, "arctan2")


def _to_inexact(x):
    a = aval_of(x)
    if dtypes.is_float(a.dtype) or dtypes.is_complex(a.dtype):
        return x
    return lax.convert_element_type(x, dtypes.default_float_dtype())


def true_divide(x: ArrayLike, y: ArrayLike) -> Array:
    x, y = _promote_and_broadcast(x, y)
    x, y = _to_inexact(x), _to_inexact(y)
    x, y = _promote_dtypes(x, y)
    return lax.div(x, y)


divide = true_divide


def floor_divide(x: ArrayLike, y: ArrayLike) -> Array:
    x, y = _promote_and_broadcast(x, y)
    dt = aval_of(x).dtype
    if dtypes.is_integer(dt):
        # Round toward -inf (JAX's formula, which also fixes what integer
        # division by zero gives: 7 // 0 == -2, as in JAX).
        q = lax.div(x, y)
        if dtypes.is_unsigned(dt):
            return q
        fix = lax.bitwise_and(
            lax.ne(lax.sign(x), lax.sign(y)), lax.ne(lax.rem(x, y), zeros_like(x))
        )
        return lax.select(fix, lax.sub(q, ones_like(q)), q)
    if dtypes.is_complex(dt):
        raise TypeError("floor_divide does not support complex-valued inputs")
    return lax.floor(lax.div(x, y))


def remainder(x: ArrayLike, y: ArrayLike) -> Array:
    x, y = _promote_and_broadcast(x, y)
    dt = aval_of(x).dtype
    if dtypes.is_complex(dt):
        raise TypeError("remainder does not support complex-valued inputs")
    if dtypes.is_integer(dt):
        # x % 0 == 0 for integers, as in JAX (XLA's rem would return x).
        y = lax.select(lax.eq(y, zeros_like(y)), ones_like(y), y)
    r = lax.rem(x, y)
    if dtypes.is_unsigned(aval_of(x).dtype):
        return r
    zero = zeros_like(r)
    fix = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))
    return lax.select(fix, lax.add(r, y), r)


mod = remainder


def power(x: ArrayLike, y: ArrayLike) -> Array:
    if isinstance(y, int) and not isinstance(y, bool) and _is_array(x):
        # A static integer exponent: integer_pow, as jnp.power does.
        (x,) = _promote_dtypes(x)
        if y >= 0 or dtypes.is_float(x.dtype) or dtypes.is_complex(x.dtype):
            return lax.integer_pow(x, y)
    x, y = _promote_and_broadcast(x, y)
    return lax.pow(x, y)


def _unary_op(lax_fn, name, inexact=False):
    def f(x: ArrayLike) -> Array:
        x = asarray(x) if not _is_array(x) else x
        if inexact:
            x = _to_inexact(x)
        return lax_fn(x)

    f.__name__ = f.__qualname__ = name
    return eager_jit(f)


negative = _unary_op(lax.neg, "negative")
sign = _unary_op(lax.sign, "sign")
invert = bitwise_not = _unary_op(lax.bitwise_not, "invert")
exp = _unary_op(lax.exp, "exp", True)
expm1 = _unary_op(lax.expm1, "expm1", True)
log = _unary_op(lax.log, "log", True)
log1p = _unary_op(lax.log1p, "log1p", True)
sqrt = _unary_op(lax.sqrt, "sqrt", True)
square = _unary_op(lax.square, "square")
cbrt = _unary_op(lax.cbrt, "cbrt", True)
sin = _unary_op(lax.sin, "sin", True)
cos = _unary_op(lax.cos, "cos", True)
tan = _unary_op(lax.tan, "tan", True)
tanh = _unary_op(lax.tanh, "tanh", True)
sinh = _unary_op(lax.sinh, "sinh", True)
cosh = _unary_op(lax.cosh, "cosh", True)
floor = _unary_op(lax.floor, "floor", True)
ceil = _unary_op(lax.ceil, "ceil", True)


def isfinite(x: ArrayLike) -> Array:
    """Elementwise finiteness (of both parts for complex; True for integers)."""
    x = asarray(x) if not _is_array(x) else x
    dt = aval_of(x).dtype
    if dtypes.is_complex(dt):
        return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
    if not dtypes.is_float(dt):
        return full(aval_of(x).shape, True, np.bool_)
    return lax.is_finite(x)


def abs(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    a = aval_of(x)
    if dtypes.is_unsigned(a.dtype) or dtypes.is_bool(a.dtype):
        return x
    return lax.abs(x)


absolute = abs


def nonzero(
    a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike = None
) -> tuple[Array, ...]:
    """Indices of the nonzero elements, one int32 array per dimension. Inside
    transformations `size` must be given: the first `size` indices, padded
    with `fill_value` (default 0; a scalar or one per dimension)."""
    from mlax._src.core import ConcretizationTypeError, concrete_value

    a = asarray(a) if not _is_array(a) else a
    shape = aval_of(a).shape
    if not shape:
        raise ValueError(
            "Calling nonzero on 0d arrays is not allowed. Use "
            "jnp.atleast_1d(scalar).nonzero() instead."
        )
    if size is None:
        value = concrete_value(a)
        if value is None:
            raise ConcretizationTypeError(
                "The size argument of jnp.nonzero must be statically specified to use "
                "jnp.nonzero within JAX transformations."
            )
        size = int(np.count_nonzero(value))
    import operator

    size = operator.index(size)
    mask = not_equal(ravel(a), 0) if aval_of(a).dtype != np.bool_ else ravel(a)
    n = math.prod(shape)
    # The k-th nonzero element goes to slot k; the rest are dropped.
    slot = subtract(cumsum(astype(mask, np.int32)), 1)
    slot = where(mask, slot, size)
    flat = full((size,), -1, np.int32).at[slot].set(arange(n, dtype=np.int32), mode="drop")
    found = not_equal(flat, -1)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else [fill_value] * len(shape)
    if len(fills) != len(shape):
        raise ValueError(
            f"fill_value must be a scalar or a tuple of length {len(shape)}; got {fill_value}"
        )
    out, stride = [], n
    for dim, fill in zip(shape, fills):
        stride //= dim
        coord = lax.rem(
            lax.div(flat, full((size,), stride, np.int32)), full((size,), dim, np.int32)
        )
        out.append(where(found, coord, 0 if fill is None else fill).astype(np.int32))
    return tuple(out)


def flatnonzero(a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike = None) -> Array:
    return nonzero(ravel(asarray(a)), size=size, fill_value=fill_value)[0]


def argwhere(a: ArrayLike, *, size: int | None = None, fill_value: ArrayLike = None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    if not aval_of(a).shape:
        a = reshape(a, (1,))
        return stack(nonzero(a, size=size, fill_value=fill_value), axis=-1)[:, :0]
    return stack(nonzero(a, size=size, fill_value=fill_value), axis=-1)


def where(
    condition: ArrayLike,
    x: ArrayLike = None,
    y: ArrayLike = None,
    *,
    size: int | None = None,
    fill_value: ArrayLike = None,
):
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError(
            "Either both or neither of the x and y arguments should be provided "
            "to mlax.numpy.where, got x=None."
            if x is None
            else "Either both or neither of the x and y arguments should be provided "
            "to mlax.numpy.where, got y=None."
        )
    condition = asarray(condition) if not _is_array(condition) else condition
    if aval_of(condition).dtype != np.bool_:
        condition = not_equal(condition, 0)
    x, y = _promote_dtypes(x, y)
    shape = _broadcast_shapes(aval_of(condition).shape, aval_of(x).shape, aval_of(y).shape)
    return lax.select(*(_broadcast_to_shape(v, shape) for v in (condition, x, y)))


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


def reshape(
    a: ArrayLike,
    shape: Shape | None = None,
    order: str = "C",
    *,
    newshape: Shape | None = None,
    copy: bool | None = None,
) -> Array:
    """a with a new shape (one -1 entry is inferred); `newshape` is the
    deprecated spelling of `shape`."""
    if newshape is not None:
        import warnings

        if shape is not None:
            raise TypeError("jnp.reshape received both `shape` and `newshape` arguments.")
        warnings.warn(
            "The newshape argument to jnp.reshape is deprecated; use shape instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        shape = newshape
    if shape is None:
        raise TypeError("jnp.reshape() missing required argument 'shape'")
    newshape = shape
    if order != "C":
        raise NotImplementedError("mlax.numpy.reshape supports order='C' only")
    a = asarray(a) if not _is_array(a) else a
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    shape = [int(s) if isinstance(s, (int, np.integer)) else s for s in newshape]
    size = math.prod(aval_of(a).shape)
    if shape.count(-1) > 1:
        raise TypeError(f"can only specify one unknown dimension, got shape {tuple(shape)}")
    if -1 in shape:
        known = math.prod([s for s in shape if s != -1])
        if known == 0 or size % known:
            raise TypeError(
                f"cannot reshape array of shape {aval_of(a).shape} (size {size}) "
                f"into shape {tuple(newshape)}"
            )
        shape[shape.index(-1)] = size // known
    shape = list(core.canonicalize_shape(shape, "reshape shape"))
    if math.prod(shape) != size:
        raise TypeError(
            f"cannot reshape array of shape {aval_of(a).shape} (size {size}) into "
            f"shape {tuple(shape)} (size {math.prod(shape)})"
        )
    return lax.reshape(a, tuple(shape))


def ravel(a: ArrayLike) -> Array:
    return reshape(a, (-1,))


def transpose(a: ArrayLike, axes: Sequence[int] = None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    axes = (
        tuple(reversed(range(nd)))
        if axes is None
        else tuple(_canonical_axis(ax, nd) for ax in axes)
    )
    return lax.transpose(a, axes)


def _canonical_axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < builtins.max(ndim, 1):
        # numpy's AxisError is both a ValueError and an IndexError (JAX
        # raises one or the other depending on the function).
        raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % builtins.max(ndim, 1)


def expand_dims(a: ArrayLike, axis: int | Sequence[int] | None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = aval_of(a).ndim + len(axes)
    axes = sorted(_canonical_axis(ax, nd) for ax in axes)
    shape = list(aval_of(a).shape)
    for ax in axes:
        shape.insert(ax, 1)
    return lax.reshape(a, tuple(shape))


def stack(arrays: Sequence[ArrayLike], axis: int = 0) -> Array:
    arrays = [asarray(x) if not _is_array(x) else x for x in arrays]
    if not arrays:
        raise ValueError("Need at least one array to stack.")
    shapes = [aval_of(x).shape for x in arrays]
    if len(set(shapes)) > 1:
        raise ValueError(
            "All input arrays must have the same shape. Got " + ", ".join(map(str, shapes)) + "."
        )
    arrays = _promote_dtypes(*arrays)
    return lax.concatenate(
        [expand_dims(x, axis) for x in arrays], _canonical_axis(axis, aval_of(arrays[0]).ndim + 1)
    )


def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0) -> Array:
    """Joins arrays along an existing axis (the flattened arrays when None)."""
    arrays = [asarray(x) if not _is_array(x) else x for x in arrays]
    if not arrays:
        raise ValueError("Need at least one array to concatenate.")
    if axis is None:
        arrays, axis = [ravel(x) for x in arrays], 0
    arrays = _promote_dtypes(*arrays)
    return lax.concatenate(arrays, _canonical_axis(axis, aval_of(arrays[0]).ndim))


# --------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------


def _reduction_axes(a, axis):
    nd = aval_of(a).ndim
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(sorted(_canonical_axis(ax, nd) for ax in axis))


def _keepdims(out, a, axes, keepdims):
    if not keepdims:
        return out
    shape = tuple(1 if i in axes else s for i, s in enumerate(aval_of(a).shape))
    return lax.reshape(out, shape)


def _upcast_f16(dtype):
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if dtype in (np.dtype(np.float16), dtypes.bfloat16) else dtype


def _identity_of(op: str, dtype):
    dtype = np.dtype(dtype)
    if op == "add":
        return 0
    if op == "mul":
        return 1
    if dtypes.is_bool(dtype):
        return op == "min"
    if dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        return info.min if op == "max" else info.max
    return -np.inf if op == "max" else np.inf


def _masked(a, where, op):
    """a with the entries where `where` is false set to op's identity."""
    if where is None:
        return a
    where = asarray(where) if not _is_array(where) else where
    if aval_of(where).dtype != np.bool_:
        where = not_equal(where, 0)
    shape = _broadcast_shapes(aval_of(a).shape, aval_of(where).shape)
    a = _broadcast_to_shape(a, shape)
    fill = full(shape, _identity_of(op, aval_of(a).dtype), aval_of(a).dtype)
    return lax.select(_broadcast_to_shape(where, shape), a, fill)


def _sum_like(
    op, reduce, a, axis, dtype, out, keepdims, initial, where, promote_integers, name
) -> Array:
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
    a = asarray(a) if not _is_array(a) else a
    src = aval_of(a).dtype
    if dtype is None:
        if dtypes.is_bool(src) or (promote_integers and dtypes.is_integer(src)):
            dtype = _promote_integer_dtype(src)
        else:
            dtype = src
    dtype = np.dtype(dtypes.canonicalize_dtype(dtype))
    a = lax.convert_element_type(a, _upcast_f16(dtype))
    a = _masked(a, where, op)
    axes = _reduction_axes(a, axis)
    result = _keepdims(reduce(a, axes), a, axes, keepdims)
    if initial is not None:
        init = lax.convert_element_type(asarray(initial), aval_of(result).dtype)
        result = (lax.add if op == "add" else lax.mul)(
            result, _broadcast_to_shape(init, aval_of(result).shape)
        )
    return lax.convert_element_type(result, dtype)


def sum(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
    promote_integers: bool = True,
) -> Array:
    """Sum over axis; bool and narrow integers accumulate in the default int
    (promote_integers); `where` masks entries out, `initial` is added."""
    return _sum_like(
        "add",
        lax.reduce_sum,
        a,
        axis,
        dtype,
        out,
        keepdims,
        initial,
        where,
        promote_integers,
        "sum",
    )


def prod(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
    promote_integers: bool = True,
) -> Array:
    """Product over axis (JAX's dtype rules, `where` and `initial` as in sum)."""
    return _sum_like(
        "mul",
        lax.reduce_prod,
        a,
        axis,
        dtype,
        out,
        keepdims,
        initial,
        where,
        promote_integers,
        "prod",
    )


def _check_nonempty(a, axes, name: str) -> None:
    """max/min have no identity: reducing zero elements is an error (JAX)."""
    shape = aval_of(a).shape
    if builtins.any(shape[i] == 0 for i in axes):
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")


def _extremum(op, a, axis, out, keepdims, initial, where):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{op} is not supported.")
    a = asarray(a) if not _is_array(a) else a
    if where is not None and initial is None:
        raise ValueError(
            f"reduction operation {op} does not have an identity, so to use a where mask "
            "one has to specify 'initial'"
        )
    axes = _reduction_axes(a, axis)
    if initial is None:
        _check_nonempty(a, axes, op)
    a = _masked(a, where, op)
    axes = _reduction_axes(a, axis)
    reduce = lax.reduce_max if op == "max" else lax.reduce_min
    result = _keepdims(reduce(a, axes), a, axes, keepdims)
    if initial is not None:
        init = lax.convert_element_type(asarray(initial), aval_of(result).dtype)
        result = (lax.max if op == "max" else lax.min)(
            result, _broadcast_to_shape(init, aval_of(result).shape)
        )
    return result


def max(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """Maximum over axis; with `where`, `initial` is required (no identity)."""
    return _extremum("max", a, axis, out, keepdims, initial, where)


def min(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """Minimum over axis; with `where`, `initial` is required (no identity)."""
    return _extremum("min", a, axis, out, keepdims, initial, where)


amax, amin = max, min


def mean(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    *,
    where: ArrayLike | None = None,
) -> Array:
    """Mean over axis (integers: in the default float); `where` masks entries."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.mean is not supported.")
    a = asarray(a) if not _is_array(a) else a
    axes = _reduction_axes(a, axis)
    if dtype is None:
        dtype = aval_of(_to_inexact(a)).dtype
    dtype = np.dtype(dtypes.canonicalize_dtype(dtype))
    comp = _upcast_f16(dtype)
    if where is None:
        count = math.prod([aval_of(a).shape[i] for i in axes]) if axes else 1
        normalizer = full((), count, comp)
    else:
        normalizer = sum(
            broadcast_to(where, aval_of(a).shape), axis=axes, dtype=comp, keepdims=keepdims
        )
    s = sum(a, axis=axes, dtype=comp, keepdims=keepdims, where=where)
    s, normalizer = _promote_and_broadcast(s, normalizer)
    return lax.convert_element_type(lax.div(s, normalizer), dtype)


# --------------------------------------------------------------------------
# Linear algebra
# --------------------------------------------------------------------------


def _preferred(a, b, preferred_element_type):
    """Promoted operands in the dtype to accumulate in."""
    a, b = _promote_dtypes(a, b)
    return lax.accumulation_operands(a, b, preferred_element_type)


_as_preferred = lax.as_preferred


def dot(
    a: ArrayLike,
    b: ArrayLike,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """numpy's dot; preferred_element_type is the result dtype."""
    a, b = _preferred(a, b, preferred_element_type)
    return _as_preferred(_dot(a, b, precision), preferred_element_type)


def _dot(a, b, precision=None) -> Array:
    a, b = _promote_dtypes(a, b)
    aa, ab = aval_of(a), aval_of(b)
    if aa.ndim == 0 or ab.ndim == 0:
        return multiply(a, b)
    contract_b = 0 if ab.ndim == 1 else ab.ndim - 2
    if aa.shape[-1] != ab.shape[contract_b]:
        raise TypeError(
            f"dot: shapes {aa.shape} and {ab.shape} not aligned: "
            f"{aa.shape[-1]} (dim {aa.ndim - 1}) != {ab.shape[contract_b]} (dim {contract_b})"
        )
    return lax.dot_general(a, b, (((aa.ndim - 1,), (contract_b,)), ((), ())), precision=precision)


def matmul(
    a: ArrayLike,
    b: ArrayLike,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """numpy's matmul; preferred_element_type is the result dtype."""
    a, b = _preferred(a, b, preferred_element_type)
    return _as_preferred(_matmul(a, b, precision), preferred_element_type)


def _matmul(a, b, precision=None) -> Array:
    a, b = _promote_dtypes(a, b)
    aa, ab = aval_of(a), aval_of(b)
    if aa.ndim == 0 or ab.ndim == 0:
        raise ValueError(
            f"matmul: operands must not be scalars (use *), got shapes {aa.shape} and {ab.shape}"
        )
    a_vec, b_vec = aa.ndim == 1, ab.ndim == 1
    if a_vec or b_vec:
        # Vector operands contract directly (one dot_general, no reshapes).
        ca = aa.ndim - 1
        cb = 0 if b_vec else ab.ndim - 2
        if aa.shape[ca] != ab.shape[cb]:
            raise TypeError(
                f"matmul: input operand 1 has a mismatch in its core dimension 0 "
                f"(size {ab.shape[cb]} is different from {aa.shape[ca]}); "
                f"shapes {aa.shape} and {ab.shape}"
            )
        return lax.dot_general(a, b, (((ca,), (cb,)), ((), ())), precision=precision)
    if a_vec:
        a = lax.reshape(a, (1,) + aa.shape)
    if b_vec:
        b = lax.reshape(b, ab.shape + (1,))
    aa, ab = aval_of(a), aval_of(b)
    if aa.shape[-1] != ab.shape[-2]:
        raise TypeError(
            f"matmul: input operand 1 has a mismatch in its core dimension 0 "
            f"(size {ab.shape[-2]} is different from {aa.shape[-1]}); "
            f"shapes {aval_of(a).shape} and {aval_of(b).shape}"
        )
    batch = _broadcast_shapes(aa.shape[:-2], ab.shape[:-2])
    a = _broadcast_to_shape(a, batch + aa.shape[-2:])
    b = _broadcast_to_shape(b, batch + ab.shape[-2:])
    nb = len(batch)
    out = lax.dot_general(
        a, b, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))), precision=precision
    )
    shape = aval_of(out).shape
    if a_vec:
        shape = shape[:-2] + shape[-1:]
    if b_vec:
        shape = shape[:-1]
    return lax.reshape(out, shape)


# --------------------------------------------------------------------------
# Indexing (static basic indexing; advanced indexing comes with gather)
# --------------------------------------------------------------------------


def _getitem(x, idx):
    from mlax._src.indexing import getitem

    return getitem(x, idx)


# --------------------------------------------------------------------------
# More of the numpy API the tutorial uses
# --------------------------------------------------------------------------


def all(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    out: None = None,
    keepdims: bool = False,
    *,
    where: ArrayLike | None = None,
) -> Array:
    a = asarray(a) if not _is_array(a) else a
    if aval_of(a).dtype != np.bool_:
        a = not_equal(a, 0)
    a = _masked(a, where, "min")
    axes = _reduction_axes(a, axis)
    return _keepdims(lax.reduce_and(a, axes), a, axes, keepdims)


def any(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    out: None = None,
    keepdims: bool = False,
    *,
    where: ArrayLike | None = None,
) -> Array:
    a = asarray(a) if not _is_array(a) else a
    if aval_of(a).dtype != np.bool_:
        a = not_equal(a, 0)
    a = _masked(a, where, "max")
    axes = _reduction_axes(a, axis)
    return _keepdims(lax.reduce_or(a, axes), a, axes, keepdims)


def isclose(
    a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Array:
    a, b = _promote_dtypes(a, b)
    a, b = _to_inexact(a), _to_inexact(b)
    a, b = _promote_and_broadcast(a, b)
    out = less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b))))
    if equal_nan:
        out = bitwise_or(out, bitwise_and(not_equal(a, a), not_equal(b, b)))
    return out


def allclose(
    a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Array:
    return all(isclose(a, b, rtol, atol, equal_nan))


def clip(a: ArrayLike, min: ArrayLike = None, max: ArrayLike = None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    if builtins.any(v is not None and dtypes.is_complex(aval_of(v).dtype) for v in (a, min, max)):
        raise ValueError(
            "Clip received a complex value either through the input or the "
            "min/max keywords. Complex values have no ordering and cannot be "
            "clipped. Please convert to a real value or array by taking the "
            "real or imaginary components via jax.numpy.real/imag respectively."
        )
    if min is not None:
        a = maximum(a, min)
    if max is not None:
        a = minimum(a, max)
    return a


def round(a: ArrayLike, decimals: int = 0) -> Array:
    """Rounds half to even, to `decimals` decimal places (complex: each part)."""
    import operator

    decimals = operator.index(decimals)
    a = asarray(a) if not _is_array(a) else a
    dt = aval_of(a).dtype
    if dtypes.is_integer(dt) or dtypes.is_bool(dt):
        if decimals < 0:
            raise NotImplementedError("integer np.round not implemented for decimals < 0")
        return a
    if dtypes.is_complex(dt):
        return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
    if decimals == 0:
        return lax.round(a, lax.RoundingMethod.TO_NEAREST_EVEN)
    factor = full((), 10.0**decimals, dt)
    return lax.div(
        lax.round(
            lax.mul(a, lax.broadcast_in_dim(factor, aval_of(a).shape, ())),
            lax.RoundingMethod.TO_NEAREST_EVEN,
        ),
        lax.broadcast_in_dim(factor, aval_of(a).shape, ()),
    )


def vdot(
    a: ArrayLike,
    b: ArrayLike,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """Dot product of the flattened arrays, conjugating `a` (numpy's vdot)."""
    a = asarray(a) if not _is_array(a) else a
    if dtypes.is_complex(aval_of(a).dtype):
        a = conj(a)
    return dot(
        ravel(a), ravel(b), precision=precision, preferred_element_type=preferred_element_type
    )


def tensordot(
    a: ArrayLike,
    b: ArrayLike,
    axes: Sequence[int] = 2,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    a, b = _preferred(a, b, preferred_element_type)
    return _as_preferred(_tensordot(a, b, axes, precision), preferred_element_type)


def _tensordot(a, b, axes, precision=None) -> Array:
    a, b = _promote_dtypes(a, b)
    na, nb = aval_of(a).ndim, aval_of(b).ndim
    if isinstance(axes, int):
        ca, cb = tuple(range(na - axes, na)), tuple(range(axes))
    else:
        ca, cb = axes
        ca = (ca,) if isinstance(ca, int) else tuple(ca)
        cb = (cb,) if isinstance(cb, int) else tuple(cb)
    ca = tuple(_canonical_axis(x, na) for x in ca)
    cb = tuple(_canonical_axis(x, nb) for x in cb)
    return lax.dot_general(a, b, ((ca, cb), ((), ())), precision=precision)


def atleast_2d(a: ArrayLike) -> Array:
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    return reshape(a, (1,) * (2 - nd) + aval_of(a).shape) if nd < 2 else a


def vstack(tup) -> Array:
    return concatenate([atleast_2d(asarray(x) if not _is_array(x) else x) for x in tup], axis=0)


def linspace(
    start: ArrayLike,
    stop: ArrayLike,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: DTypeLike | None = None,
    axis: int = 0,
):
    """JAX's linspace: start * (1 - t) + stop * t (endpoints exact), traceable
    and differentiable in start and stop. Like JAX's, one compiled program
    (so its values round as JAX's do)."""
    import operator

    num = operator.index(num)
    if current_trace() is None:
        from mlax._src.api import jit

        return jit(_linspace, static_argnums=(2, 3, 4, 5, 6))(
            start, stop, num, endpoint, retstep, dtype, axis
        )
    return _linspace(start, stop, num, endpoint, retstep, dtype, axis)


def _linspace(start, stop, num, endpoint, retstep, dtype, axis):
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    start, stop = _promote_dtypes(start, stop)
    start, stop = _to_inexact(start), _to_inexact(stop)
    comp = aval_of(start).dtype
    out_dtype = np.dtype(dtypes.canonicalize_dtype(dtype)) if dtype is not None else comp
    if dtypes.is_integer(out_dtype) or dtypes.is_bool(out_dtype):
        comp = np.dtype(dtypes.default_float_dtype())
        start, stop = lax.convert_element_type(start, comp), lax.convert_element_type(stop, comp)
    start, stop = _promote_and_broadcast(start, stop)
    bshape = list(aval_of(start).shape)
    axis = len(bshape) + axis + 1 if axis < 0 else axis
    shape1 = bshape[:axis] + [1] + bshape[axis:]
    div = (num - 1) if endpoint else num
    if num > 1:
        delta = true_divide(subtract(stop, start), div)
        t_shape = [1] * len(shape1)
        t_shape[axis] = div
        real = (
            np.float32
            if comp in (np.complex64,)
            else (np.float64 if comp == np.complex128 else comp)
        )
        t = lax.div(
            lax.reshape(lax.iota(real, div), tuple(t_shape)), full(tuple(t_shape), div, real)
        )
        t = lax.convert_element_type(t, comp)
        s1, e1 = reshape(start, tuple(shape1)), reshape(stop, tuple(shape1))
        out = add(multiply(s1, subtract(1, t)), multiply(e1, t))
        if endpoint:
            out = concatenate([out, e1], axis=axis)
    elif num == 1:
        delta = full((), np.nan, comp) if endpoint else subtract(stop, start)
        out = reshape(start, tuple(shape1))
    else:
        delta = full((), np.nan, comp)
        out = zeros(tuple(bshape[:axis] + [0] + bshape[axis:]), comp)
    if dtypes.is_integer(out_dtype) and not dtypes.is_integer(aval_of(out).dtype):
        out = lax.floor(out)
    out = lax.convert_element_type(out, out_dtype)
    return (out, delta) if retstep else out


def squeeze(a: ArrayLike, axis: int | Sequence[int] | None = None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    shape = aval_of(a).shape
    if axis is None:
        axes = [i for i, s in enumerate(shape) if s == 1]
    else:
        axes = [
            _canonical_axis(ax, len(shape)) for ax in ((axis,) if isinstance(axis, int) else axis)
        ]
        for ax in axes:
            if shape[ax] != 1:
                raise ValueError(
                    f"cannot select an axis to squeeze out which has size not "
                    f"equal to one, got shape={shape} and dimensions={tuple(axes)}"
                )
    return lax.reshape(a, tuple(s for i, s in enumerate(shape) if i not in axes))


def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_canonical_axis(s, nd) for s in src]
    dst = [_canonical_axis(d, nd) for d in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, order)


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    perm = list(range(nd))
    i, j = _canonical_axis(axis1, nd), _canonical_axis(axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, perm)


def split(a: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    a = asarray(a) if not _is_array(a) else a
    shape = aval_of(a).shape
    axis = _canonical_axis(axis, len(shape))
    size = shape[axis]
    if isinstance(indices_or_sections, int):
        if size % indices_or_sections:
            raise ValueError("array split does not result in an equal division")
        step = size // indices_or_sections
        cuts = list(range(step, size, step))
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = [0] + cuts + [size]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        start = [0] * len(shape)
        limit = list(shape)
        start[axis], limit[axis] = lo, builtins.max(hi, lo)
        out.append(lax.slice(a, start, limit))
    return out


def tile(a: ArrayLike, reps: int | Sequence[int]) -> Array:
    a = asarray(a) if not _is_array(a) else a
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    shape = aval_of(a).shape
    nd = builtins.max(len(shape), len(reps))
    shape = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    a = lax.reshape(a, shape)
    # Broadcast to (r0, s0, r1, s1, ...) and merge pairs.
    big = tuple(x for r, s in zip(reps, shape) for x in (r, s))
    b = lax.broadcast_in_dim(a, big, tuple(2 * i + 1 for i in range(nd)))
    return lax.reshape(b, tuple(r * s for r, s in zip(reps, shape)))


def repeat(
    a: ArrayLike,
    repeats: ArrayLike,
    axis: int | None = None,
    *,
    total_repeat_length: int | None = None,
) -> Array:
    """Each element repeated `repeats` times (an int or one count per element);
    traced counts need a static total_repeat_length (the result is then cut
    or padded with the last element, as in JAX)."""
    from mlax._src.core import ConcretizationTypeError, concrete_value

    a = asarray(a) if not _is_array(a) else a
    if axis is None:
        a, axis = ravel(a), 0
    if total_repeat_length is None:
        rv = concrete_value(repeats) if _is_array(repeats) else np.asarray(repeats)
        if rv is None:
            raise ConcretizationTypeError(
                "When jit-compiling jnp.repeat, the total number of repeats must be static. "
                "To fix this, either specify a static value for `repeats`, or pass a static "
                "value to `total_repeat_length`."
            )
        if np.ndim(rv) == 0 and aval_of(a).ndim != 0:
            return _repeat_scalar(a, operator.index(rv), axis)
        rv = np.ravel(rv)
        if aval_of(a).ndim != 0:
            rv = np.broadcast_to(rv, [aval_of(a).shape[_canonical_axis(axis, aval_of(a).ndim)]])
        total_repeat_length = int(np.sum(rv))
        repeats = rv
    else:
        repeats = ravel(asarray(repeats) if not _is_array(repeats) else repeats)
    if aval_of(a).ndim == 0:
        if np.shape(repeats) == (1,):
            return full((total_repeat_length,), a)
        raise ValueError(
            "`repeat` with a scalar parameter `a` is only implemented for scalar values of "
            "the parameter `repeats`."
        )
    axis = _canonical_axis(axis, aval_of(a).ndim)
    n = aval_of(a).shape[axis]
    if total_repeat_length == 0:
        shape = list(aval_of(a).shape)
        shape[axis] = 0
        return zeros(tuple(shape), aval_of(a).dtype)
    if n == 0:
        return a
    repeats = broadcast_to(asarray(repeats) if not _is_array(repeats) else repeats, (n,))
    # Element k starts at the exclusive cumsum of the counts; slot p takes the
    # last element starting at or before p.
    starts = subtract(cumsum(repeats), repeats)
    marks = zeros((total_repeat_length,), np.int32).at[starts].add(1, mode="drop")
    return take(a, subtract(cumsum(marks), 1), axis=axis)


def _repeat_scalar(a, repeats: int, axis) -> Array:
    shape = aval_of(a).shape
    axis = _canonical_axis(axis, len(shape))
    big = shape[: axis + 1] + (repeats,) + shape[axis + 1 :]
    dims = tuple(range(axis + 1)) + tuple(range(axis + 2, len(big)))
    b = lax.broadcast_in_dim(a, big, dims)
    return lax.reshape(b, shape[:axis] + (shape[axis] * repeats,) + shape[axis + 1 :])


def outer(a: ArrayLike, b: ArrayLike) -> Array:
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def inner(
    a: ArrayLike,
    b: ArrayLike,
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    a, b = _preferred(a, b, preferred_element_type)
    if aval_of(a).ndim == 0 or aval_of(b).ndim == 0:
        return _as_preferred(multiply(a, b), preferred_element_type)
    out = lax.dot_general(
        a, b, (((aval_of(a).ndim - 1,), (aval_of(b).ndim - 1,)), ((), ())), precision=precision
    )
    return _as_preferred(out, preferred_element_type)


def var(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    dtype: DTypeLike | None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    a = _to_inexact(asarray(a) if not _is_array(a) else a)
    axes = _reduction_axes(a, axis)
    count = math.prod([aval_of(a).shape[i] for i in axes]) if axes else 1
    centered = subtract(a, mean(a, axis=axes, keepdims=True))
    if dtypes.is_complex(aval_of(centered).dtype):
        # |z - mean|^2: the variance of complex data is real (as in JAX).
        sq = lax.real(multiply(centered, conj(centered)))
    else:
        sq = multiply(centered, centered)
    out = true_divide(sum(sq, axis=axes, keepdims=keepdims), builtins.max(count - ddof, 0))
    return out if dtype is None else lax.convert_element_type(out, dtype)


def std(
    a: ArrayLike,
    axis: int | Sequence[int] | None = None,
    dtype: DTypeLike | None = None,
    ddof: int = 0,
    keepdims: bool = False,
) -> Array:
    return sqrt(var(a, axis=axis, ddof=ddof, keepdims=keepdims))


def trace(
    a: ArrayLike,
    offset: int = 0,
    axis1: int = 0,
    axis2: int = 1,
    dtype: DTypeLike | None = None,
    out: None = None,
) -> Array:
    """The sum of diagonal `offset` of axes (axis1, axis2)."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    if _canonical_axis(axis1, nd) == _canonical_axis(axis2, nd):
        raise ValueError(f"axis1 and axis2 can not be same. axis1={axis1} and axis2={axis2}")
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The diagonal of axes (axis1, axis2), appended as the last axis."""
    a = asarray(a) if not _is_array(a) else a
    nd = aval_of(a).ndim
    if nd < 2:
        raise ValueError("diagonal requires an array of at least two dimensions")
    axis1, axis2 = _canonical_axis(axis1, nd), _canonical_axis(axis2, nd)
    if axis1 == axis2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    n, m = aval_of(a).shape[-2:]
    k = builtins.max(0, builtins.min(n, m - offset) if offset >= 0 else builtins.min(n + offset, m))
    # One gather of the k diagonal elements (rows i, columns i + offset).
    i = np.arange(k)
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    return a[..., rows, cols] if k else a[..., :0, 0]


def diag(v: ArrayLike, k: int = 0) -> Array:
    """1-D v: the matrix with v on diagonal k; 2-D v: its k-th diagonal."""
    v = asarray(v) if not _is_array(v) else v
    shape = aval_of(v).shape
    if len(shape) == 1:
        n = shape[0] + builtins.abs(k)
        out = zeros((n, n), aval_of(v).dtype)
        i = np.arange(shape[0])
        rows, cols = (i, i + k) if k >= 0 else (i - k, i)
        return out.at[rows, cols].set(v)
    if len(shape) == 2:
        return diagonal(v, k)
    raise ValueError("diag: input must be 1-d or 2-d")


def identity(n: int, dtype: DTypeLike | None = None) -> Array:
    return eye(n, dtype=dtype)


def hstack(tup) -> Array:
    arrays = [asarray(x) if not _is_array(x) else x for x in tup]
    arrays = [reshape(x, (1,)) if aval_of(x).ndim == 0 else x for x in arrays]
    return concatenate(arrays, axis=0 if aval_of(arrays[0]).ndim == 1 else 1)


def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike], default=0) -> Array:
    """The choice of the first true condition, elementwise (else default)."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "select: condlist and choicelist must have the same length, got "
            f"{len(condlist)} and {len(choicelist)}"
        )
    if not condlist:
        raise ValueError("select: condlist must not be empty")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        cond = asarray(cond) if not _is_array(cond) else cond
        if aval_of(cond).dtype != np.bool_:
            raise TypeError(f"select: conditions must be boolean, got {aval_of(cond).dtype.name}")
        out = where(cond, choice, out)
    return asarray(out)


def isnan(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    if not (dtypes.is_float(aval_of(x).dtype) or dtypes.is_complex(aval_of(x).dtype)):
        return full(aval_of(x).shape, False, np.bool_)
    return not_equal(x, x)


def isinf(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    if dtypes.is_complex(aval_of(x).dtype):
        return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
    if not dtypes.is_float(aval_of(x).dtype):
        return full(aval_of(x).shape, False, np.bool_)
    return equal(abs(x), np.inf)


def einsum(
    subscripts: str,
    *operands,
    optimize: Any = "auto",
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    from mlax._src.einsum import einsum as _einsum

    if preferred_element_type is not None and operands:
        # accumulate in the preferred type when it is wider (int8 -> int32)
        want = np.dtype(dtypes.canonicalize_dtype(preferred_element_type))
        ops = [asarray(x) if not _is_array(x) else x for x in operands]
        have = aval_of(_promote_dtypes(*ops)[0]).dtype
        if want.itemsize > have.itemsize or dtypes._kind_rank(want) != dtypes._kind_rank(have):
            operands = [lax.convert_element_type(x, want) for x in ops]
    return _einsum(
        subscripts,
        *operands,
        optimize=optimize,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def _promote_integer_dtype(dtype: np.dtype) -> np.dtype:
    """bool and integers narrower than the default int -> the default (u)int."""
    dtype = np.dtype(dtype)
    default = np.dtype(dtypes.default_int_dtype())
    if dtypes.is_bool(dtype):
        return default
    if dtypes.is_integer(dtype) and dtype.itemsize < default.itemsize:
        return (
            default if np.issubdtype(dtype, np.signedinteger) else np.dtype(f"u{default.itemsize}")
        )
    return dtype


def _cumulative(
    name: str, a, axis, dtype, nan_to: float | None = None, promote_integers: bool = False
) -> Array:
    """JAX's jnp cumulative reductions: bool (and, when promote_integers,
    narrow integers) accumulate in the default int; dtype=bool accumulates
    a != 0."""
    from mlax._src import associative_scan as scans

    a = asarray(a) if not _is_array(a) else a
    if axis is None or aval_of(a).ndim == 0:
        a = ravel(a)
    if axis is None:
        axis = 0
    axis = _canonical_axis(axis, aval_of(a).ndim)
    if nan_to is not None and dtypes.is_inexact(aval_of(a).dtype):
        a = where(isnan(a), lax.convert_element_type(nan_to, aval_of(a).dtype), a)
    if dtype is None:
        src = aval_of(a).dtype
        result = _promote_integer_dtype(src) if promote_integers or dtypes.is_bool(src) else src
        computation = result
    elif np.dtype(dtype) == np.bool_:
        result = np.dtype(np.bool_)
        if aval_of(a).dtype != np.bool_:
            a = not_equal(a, 0)
        computation = _promote_integer_dtype(result)
    else:
        result = computation = np.dtype(dtype)
    a = lax.convert_element_type(a, computation)
    return lax.convert_element_type(getattr(scans, name)(a, axis=axis), result)


def cumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None) -> Array:
    """Cumulative sum along axis (the flattened array when None)."""
    return _cumulative("cumsum", a, axis, dtype)


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None) -> Array:
    """Cumulative product along axis (the flattened array when None)."""
    return _cumulative("cumprod", a, axis, dtype)


def nancumsum(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None) -> Array:
    """cumsum with NaNs counted as zero."""
    return _cumulative("cumsum", a, axis, dtype, nan_to=0.0)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None) -> Array:
    """cumprod with NaNs counted as one."""
    return _cumulative("cumprod", a, axis, dtype, nan_to=1.0)


def cumulative_sum(
    x: ArrayLike,
    /,
    *,
    axis: int | None = None,
    dtype: DTypeLike | None = None,
    include_initial: bool = False,
) -> Array:
    """The array API's cumulative_sum (axis required above 1-D)."""
    return _cumulative_api("cumsum", x, axis, dtype, include_initial, 0)


def cumulative_prod(
    x: ArrayLike,
    /,
    *,
    axis: int | None = None,
    dtype: DTypeLike | None = None,
    include_initial: bool = False,
) -> Array:
    """The array API's cumulative_prod (axis required above 1-D)."""
    return _cumulative_api("cumprod", x, axis, dtype, include_initial, 1)


def _cumulative_api(name, x, axis, dtype, include_initial, identity) -> Array:
    x = asarray(x) if not _is_array(x) else x
    nd = aval_of(x).ndim
    if nd == 0:
        raise ValueError(
            "The input must be non-scalar to take a cumulative "
            f"{'sum' if name == 'cumsum' else 'product'}, however a scalar value or scalar "
            "array was given."
        )
    if axis is None:
        if nd > 1:
            raise ValueError(
                f"The input array has rank {nd}, however axis was not set to an explicit "
                "value. The axis argument is only optional for one-dimensional arrays."
            )
        axis = 0
    out = _cumulative(name, x, axis, dtype, promote_integers=name == "cumsum")
    if include_initial:
        axis = _canonical_axis(axis, nd)
        shape = list(aval_of(out).shape)
        shape[axis] = 1
        out = concatenate([full(shape, identity, aval_of(out).dtype), out], axis=axis)
    return out


def argmax(
    a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None
) -> Array:
    return _arg_extreme(a, axis, True, keepdims)


def argmin(
    a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None
) -> Array:
    return _arg_extreme(a, axis, False, keepdims)


def _arg_extreme(a, axis, is_max: bool, keepdims=None) -> Array:
    a = asarray(a) if not _is_array(a) else a
    if keepdims:
        nd = aval_of(a).ndim
        out = _arg_extreme(a, axis, is_max)
        if axis is None:
            return lax.reshape(out, (1,) * nd)
        return expand_dims(out, _canonical_axis(axis, nd))
    if axis is None:
        a, axis = ravel(a), 0
    shape = aval_of(a).shape
    axis = _canonical_axis(axis, len(shape))
    if dtypes.is_complex(aval_of(a).dtype):
        raise TypeError(
            f"{'argmax' if is_max else 'argmin'} does not accept dtype "
            f"{aval_of(a).dtype.name} (complex numbers have no order)"
        )
    if shape[axis] == 0:
        raise ValueError(
            f"attempt to get {'argmax' if is_max else 'argmin'} of an empty "
            f"sequence (shape {shape}, axis {axis})"
        )
    best = (max if is_max else min)(a, axis=axis, keepdims=True)
    hit = equal(a, best)
    if dtypes.is_float(aval_of(a).dtype):  # NaN wins, as in numpy
        hit = bitwise_or(hit, not_equal(a, a))
    idx = lax.broadcasted_iota(np.int32, shape, axis)
    big = full(shape, shape[axis], np.int32)
    return min(where(hit, idx, big), axis=axis)


def real(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    return lax.real(x) if dtypes.is_complex(aval_of(x).dtype) else x


def imag(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    return lax.imag(x) if dtypes.is_complex(aval_of(x).dtype) else zeros_like(x)


def conjugate(x: ArrayLike) -> Array:
    x = asarray(x) if not _is_array(x) else x
    return lax.conj(x)


conj = conjugate


def take(
    a: ArrayLike,
    indices: ArrayLike,
    axis: int | Sequence[int] | None = None,
    mode: str | None = None,
    fill_value: ArrayLike = None,
) -> Array:
    """Elements of `a` at `indices` along `axis` (flattened if None); out of
    range: JAX's default fills (NaN / INT_MIN), "clip" clamps."""
    from mlax._src.indexing import getitem

    a = asarray(a) if not _is_array(a) else a
    if axis is None:
        a, axis = ravel(a), 0
    axis = _canonical_axis(axis, aval_of(a).ndim)
    idx = (builtins.slice(None),) * axis + (asarray(indices),)
    return getitem(a, idx, mode="fill" if mode is None else mode, fill_value=fill_value)


def ptp(a: ArrayLike, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Array:
    """max - min along axis."""
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims))


# Operators and numpy methods of Array and traced values come from here.
from mlax._src import array_methods as _array_methods  # noqa: E402

_array_methods.register_array_methods(core._ArrayOps, sys.modules[__name__])


def ensure_arraylike(name: str, *xs):
    """jax's ensure_arraylike: arrays and scalars, never lists/tuples."""
    out = []
    for i, x in enumerate(xs):
        if _is_array(x):
            out.append(x)
        elif isinstance(x, (np.ndarray, np.generic, bool, int, float, complex)) or hasattr(
            x, "__jax_array__"
        ):
            out.append(asarray(x))
        elif hasattr(x, "__array__") and not isinstance(x, (list, tuple)):
            out.append(asarray(x))
        else:
            raise TypeError(
                f"{name} requires ndarray or scalar arguments, got {type(x)} at position {i}."
            )
    return out[0] if len(out) == 1 else out
