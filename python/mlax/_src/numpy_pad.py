"""mlax.numpy's pad (every numpy/jax mode) and the 1-D convolve / correlate,
with jax.numpy's conventions. Everything is built from lax.pad, lax.slice,
lax.concatenate, lax.rev, reductions and dot, so grad and vmap go through.

convolve / correlate use the direct method (mlax has no convolution op): the
windows of the padded longer input, stacked into a (len_out, len_short)
matrix, times the shorter input."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Callable

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import (
    Array,
    ArrayLike,
    ConcretizationTypeError,
    DTypeLike,
    aval_of,
    concrete_value,
    current_trace,
)

_ensure = _n.ensure_arraylike


def _jitted(fn, static_argnums):
    """fn compiled as one program (as jax's jnp.pad/_conv are), cached."""
    from mlax._src.api import jit

    key = (fn, static_argnums)
    f = _JIT_CACHE.get(key)
    if f is None:
        f = _JIT_CACHE[key] = jit(fn, static_argnums=static_argnums)
    return f


_JIT_CACHE: dict = {}


# --------------------------------------------------------------------------
# pad
# --------------------------------------------------------------------------


def _concrete_tree(x, name):
    if isinstance(x, (list, tuple)):
        return [_concrete_tree(v, name) for v in x]
    if _n._is_array(x):
        v = concrete_value(x)
        if v is None:
            raise ConcretizationTypeError(
                f"Abstract tracer value encountered where concrete value is expected: "
                f"{name} argument of jnp.pad"
            )
        return np.asarray(v)
    return x


def _is_dim(v) -> bool:
    try:
        operator.index(v)
    except TypeError:
        return False
    return True


def _broadcast_to_pairs(nvals, nd: int, name: str):
    try:
        nvals = np.asarray(_concrete_tree(nvals, name))
    except ValueError as e:
        if "inhomogeneous shape" in str(e):
            raise TypeError(f"`{name}` entries must be the same shape: {nvals}") from e
        raise

    def as_scalar_dim(v):
        if not np.shape(v):
            return v
        raise TypeError(f"`{name}` entries must be the same shape: {nvals}")

    if nvals.dtype == object and nvals.ndim > 0:
        # ragged entries numpy kept as objects
        for v in nvals.flat:
            as_scalar_dim(v)
    if nvals.shape == (nd, 2):
        return tuple((as_scalar_dim(v[0]), as_scalar_dim(v[1])) for v in nvals)
    if nvals.shape == (1, 2):
        pair = as_scalar_dim(nvals[0, 0]), as_scalar_dim(nvals[0, 1])
        return tuple(pair for _ in range(nd))
    if nvals.shape == (2,):
        pair = as_scalar_dim(nvals[0]), as_scalar_dim(nvals[1])
        return tuple(pair for _ in range(nd))
    if nvals.shape == (1,):
        v = as_scalar_dim(nvals[0])
        return tuple((v, v) for _ in range(nd))
    if nvals.shape == ():
        v = as_scalar_dim(nvals.flat[0])
        return tuple((v, v) for _ in range(nd))
    raise ValueError(
        f"jnp.pad: {name} with nd={nd} has unsupported shape {nvals.shape}. "
        f"Valid shapes are ({nd}, 2), (1, 2), (2,), (1,), or ()."
    )


def _slice_in_dim(a, start, stop, axis):
    """lax.slice_in_dim: start/stop may be negative or None (python style)."""
    n = aval_of(a).shape[axis]
    start = 0 if start is None else (start + n if start < 0 else start)
    stop = n if stop is None else (stop + n if stop < 0 else stop)
    lo = [0] * aval_of(a).ndim
    hi = list(aval_of(a).shape)
    lo[axis], hi[axis] = start, stop
    return lax.slice(a, lo, hi)


def _repeat_edge(edge, n, axis):
    """edge (size 1 along axis) repeated n times along axis."""
    shape = list(aval_of(edge).shape)
    shape[axis] = n
    return _n.broadcast_to(edge, tuple(shape))


def _weak(a) -> bool:
    return bool(aval_of(a).weak_type)


def _check_no_padding(axis_padding, mode: str):
    if axis_padding[0] > 0 or axis_padding[1] > 0:
        raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


def _lax_pad(array, value, widths):
    """lax.pad by a scalar value; a traced value (which may be vmapped, and
    mlax's pad batches no padding value) fills the pad through a select."""
    cv = concrete_value(value)
    if cv is not None:
        return lax.pad(array, _n.full((), cv, aval_of(array).dtype), widths)
    dt = aval_of(array).dtype
    mask = lax.pad(_n.zeros(aval_of(array).shape, np.bool_), _n.full((), True, np.bool_), widths)
    out = lax.pad(array, _n.zeros((), dt), widths)
    return _n.where(mask, lax._convert_element_type(value, dt, _weak(array)), out)


def _pad_constant(array, pad_width, constant_values):
    nd = aval_of(array).ndim
    cv = lax._convert_element_type(constant_values, aval_of(array).dtype, _weak(array))
    cv_nd = aval_of(cv).ndim
    if cv_nd == 0:
        return _lax_pad(array, cv, [(lo, hi, 0) for lo, hi in pad_width])
    if cv_nd == 1:
        if aval_of(cv).shape[-1] == 1:
            return _lax_pad(array, _n.squeeze(cv), [(lo, hi, 0) for lo, hi in pad_width])
        if aval_of(cv).shape[-1] != 2:
            raise ValueError(
                "jnp.pad: constant_values has unsupported shape "
                f"{aval_of(cv).shape}. If the shape is 1D or 2D, the "
                "last dimension must be of size 1 or 2."
            )
    cv = _n.broadcast_to(cv, (nd, 2))
    for i in range(nd):
        widths = [(0, 0, 0)] * nd
        if pad_width[i][0] != 0:
            widths[i] = (pad_width[i][0], 0, 0)
            array = _lax_pad(array, cv[i, 0], widths)
        if pad_width[i][1] != 0:
            widths[i] = (0, pad_width[i][1], 0)
            array = _lax_pad(array, cv[i, 1], widths)
    return array


def _pad_wrap(array, pad_width):
    for i in range(aval_of(array).ndim):
        size = aval_of(array).shape[i]
        if size == 0:
            _check_no_padding(pad_width[i], "wrap")
            continue
        left_repeats, left_rem = divmod(pad_width[i][0], size)
        right_repeats, right_rem = divmod(pad_width[i][1], size)
        parts = []
        if left_rem > 0:
            parts.append(_slice_in_dim(array, size - left_rem, size, i))
        parts += (left_repeats + right_repeats + 1) * [array]
        if right_rem > 0:
            parts.append(_slice_in_dim(array, 0, right_rem, i))
        array = lax.concatenate(parts, i) if len(parts) > 1 else array
    return array


def _pad_symmetric_or_reflect(array, pad_width, mode: str, reflect_type: str):
    for i in range(aval_of(array).ndim):
        axis_size = aval_of(array).shape[i]
        if axis_size == 0:
            _check_no_padding(pad_width[i], mode)
            continue
        if pad_width[i][0] == 0 and pad_width[i][1] == 0:
            continue
        offset = 1 if (mode == "reflect" and axis_size > 1) else 0

        def build(array, padding, before):
            if before:
                edge = _slice_in_dim(array, 0, 1, i)
            else:
                edge = _slice_in_dim(array, -1, None, i)
            while padding > 0:
                # Repeated reflection of the array padded so far.
                curr = builtins.min(padding, axis_size - offset)
                padding -= curr
                if before:
                    start, stop = offset, offset + curr
                else:
                    start = -(curr + offset)
                    stop = None if (mode == "symmetric" or axis_size == 1) else -1
                x = lax.rev(_slice_in_dim(array, start, stop, i), (i,))
                if reflect_type == "odd":
                    x = _n.subtract(_n.multiply(2, edge), x)
                    if axis_size > 1:
                        edge = (
                            _slice_in_dim(x, 0, 1, i) if before else _slice_in_dim(x, -1, None, i)
                        )
                array = lax.concatenate([x, array] if before else [array, x], i)
            return array

        array = build(array, pad_width[i][0], True)
        array = build(array, pad_width[i][1], False)
    return array


def _pad_edge(array, pad_width):
    for i in range(aval_of(array).ndim):
        n = aval_of(array).shape[i]
        if n == 0:
            _check_no_padding(pad_width[i], "edge")
            continue
        before = _repeat_edge(_slice_in_dim(array, 0, 1, i), pad_width[i][0], i)
        after = _repeat_edge(_slice_in_dim(array, n - 1, n, i), pad_width[i][1], i)
        array = lax.concatenate([before, array, after], i)
    return array


def _pad_linear_ramp(array, pad_width, end_values):
    dt, weak = aval_of(array).dtype, _weak(array)
    for axis in range(aval_of(array).ndim):
        edge_before = _n.squeeze(_slice_in_dim(array, 0, 1, axis), axis)
        edge_after = _n.squeeze(_slice_in_dim(array, -1, None, axis), axis)
        ramps = []
        for end, edge, num in (
            (end_values[axis][0], edge_before, pad_width[axis][0]),
            (end_values[axis][1], edge_after, pad_width[axis][1]),
        ):
            r = _n._linspace(_n.asarray(end), edge, num, False, False, dt, axis)
            ramps.append(lax._convert_element_type(r, dt, weak))
        array = lax.concatenate([ramps[0], array, lax.rev(ramps[1], (axis,))], axis)
    return array


def _stat_func(mode):
    from mlax._src.sorting import median

    return {
        "maximum": lambda a, axis: _n.max(a, axis=axis, keepdims=True),
        "minimum": lambda a, axis: _n.min(a, axis=axis, keepdims=True),
        "mean": lambda a, axis: _n.mean(a, axis=axis, keepdims=True),
        "median": lambda a, axis: median(a, axis=axis, keepdims=True),
    }[mode]


def _pad_stats(array, pad_width, stat_length, mode):
    stat_func = _stat_func(mode)
    dt, weak = aval_of(array).dtype, _weak(array)
    for i in range(aval_of(array).ndim):
        if stat_length is None:
            stat_before = stat_after = stat_func(array, i)
        else:
            n = aval_of(array).shape[i]
            length_before, length_after = stat_length[i]
            if length_before == 0 or length_after == 0:
                raise ValueError("stat_length of 0 yields no value for padding")
            length_before = builtins.min(length_before, n)
            length_after = builtins.min(length_after, n)
            stat_before = stat_func(_slice_in_dim(array, 0, length_before, i), i)
            stat_after = stat_func(_slice_in_dim(array, -length_after, None, i), i)
        if dtypes.is_integer(dt):
            stat_before, stat_after = _n.round(stat_before), _n.round(stat_after)
        stat_before = lax._convert_element_type(stat_before, dt, weak)
        stat_after = lax._convert_element_type(stat_after, dt, weak)
        before = _repeat_edge(stat_before, pad_width[i][0], i)
        after = _repeat_edge(stat_after, pad_width[i][1], i)
        array = lax.concatenate([before, array, after], i)
    return array


def _pad_empty(array, pad_width):
    # Like jax: the "empty" values are zeros.
    return lax.pad(array, _n.zeros((), aval_of(array).dtype), [(lo, hi, 0) for lo, hi in pad_width])


def _pad_func(array, pad_width, func, kwargs):
    from mlax._src.batching import vmap

    padded = _pad_constant(array, pad_width, _n.asarray(0))
    nd = aval_of(padded).ndim
    for axis in range(nd):
        moved = _n.moveaxis(padded, axis, -1)
        shape = aval_of(moved).shape
        rows = _n.reshape(moved, (-1, shape[-1]))
        pw, ax = pad_width[axis], axis
        out = vmap(lambda row: _n.asarray(func(row, pw, ax, kwargs)))(rows)
        padded = _n.moveaxis(_n.reshape(out, shape), -1, axis)
    return padded


def _pad_impl(array, pad_width, mode, constant_values, stat_length, end_values, reflect_type):
    if mode == "constant":
        return _pad_constant(array, pad_width, _n.asarray(constant_values))
    if mode == "wrap":
        return _pad_wrap(array, pad_width)
    if mode in ("symmetric", "reflect"):
        return _pad_symmetric_or_reflect(array, pad_width, mode, reflect_type)
    if mode == "edge":
        return _pad_edge(array, pad_width)
    if mode == "linear_ramp":
        return _pad_linear_ramp(array, pad_width, end_values)
    if mode in ("maximum", "minimum", "mean", "median"):
        return _pad_stats(array, pad_width, stat_length, mode)
    assert mode == "empty", mode
    return _pad_empty(array, pad_width)


_ALLOWED_KWARGS = {
    "empty": [],
    "edge": [],
    "wrap": [],
    "constant": ["constant_values"],
    "linear_ramp": ["end_values"],
    "maximum": ["stat_length"],
    "mean": ["stat_length"],
    "median": ["stat_length"],
    "minimum": ["stat_length"],
    "reflect": ["reflect_type"],
    "symmetric": ["reflect_type"],
}


def pad(
    array: ArrayLike, pad_width: Any, mode: str | Callable[..., Any] = "constant", **kwargs
) -> Array:
    """jax.numpy.pad: every numpy mode (constant, edge, wrap, reflect,
    symmetric with reflect_type, linear_ramp, maximum/mean/median/minimum with
    stat_length, empty = zeros) or a callable
    `mode(row, (before, after), iaxis, kwargs) -> row`, vmapped over the rows
    of each axis of the zero-padded array."""
    array = _ensure("pad", array)
    nd = aval_of(array).ndim
    pad_width = _broadcast_to_pairs(pad_width, nd, "pad_width")
    if pad_width and not all(_is_dim(p[0]) and _is_dim(p[1]) for p in pad_width):
        raise TypeError("`pad_width` must be of integral type.")
    pad_width = tuple((operator.index(lo), operator.index(hi)) for lo, hi in pad_width)

    if callable(mode):
        if any(lo < 0 or hi < 0 for lo, hi in pad_width):
            raise ValueError("index can't contain negative values")
        return _pad_func(array, pad_width, mode, kwargs)

    try:
        unsupported = set(kwargs) - set(_ALLOWED_KWARGS[mode])
    except (KeyError, TypeError):
        raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.") from None
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    constant_values = kwargs.get("constant_values", 0)
    stat_length = kwargs.get("stat_length", None)
    end_values = kwargs.get("end_values", 0)
    reflect_type = kwargs.get("reflect_type", "even")

    if nd == 0:
        return array
    if any(lo < 0 or hi < 0 for lo, hi in pad_width):
        raise ValueError("index can't contain negative values")
    if mode in ("reflect", "symmetric") and reflect_type not in ("even", "odd"):
        raise ValueError(f"reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    if mode == "linear_ramp":
        end_values = _broadcast_to_pairs(end_values, nd, "end_values")
    if stat_length is not None and mode in ("maximum", "minimum", "mean", "median"):
        stat_length = _broadcast_to_pairs(stat_length, nd, "stat_length")
        stat_length = tuple((operator.index(a), operator.index(b)) for a, b in stat_length)
    if mode == "constant":
        constant_values = _n.asarray(constant_values)
    args = (array, pad_width, mode, constant_values, stat_length, end_values, reflect_type)
    if current_trace() is None:
        return _jitted(_pad_impl, (1, 2, 4, 5, 6))(*args)
    return _pad_impl(*args)


# --------------------------------------------------------------------------
# convolve / correlate
# --------------------------------------------------------------------------


def _conv_impl(x, y, mode, op, precision, preferred_element_type):
    if preferred_element_type is None:
        x, y = _n._promote_dtypes(x, y)
        x, y = _n._to_inexact(x), _n._to_inexact(y)
    else:
        x, y = _n._promote_dtypes(x, y)
    n, m = aval_of(x).shape[0], aval_of(y).shape[0]
    if n == 0 or m == 0:
        raise ValueError(
            f"{op}: inputs cannot be empty, got shapes {aval_of(x).shape} and {aval_of(y).shape}."
        )
    reverse_out = False
    if op == "correlate":
        y = _n.conjugate(y)
        if n < m:
            x, y, n, m = y, x, m, n
            reverse_out = True
    else:
        if n < m:
            x, y, n, m = y, x, m, n
        y = lax.rev(y, (0,))
    if mode == "valid":
        lo, hi = 0, 0
    elif mode == "same":
        lo, hi = m // 2, m - m // 2 - 1
    elif mode == "full":
        lo, hi = m - 1, m - 1
    else:
        raise ValueError("mode must be one of ['full', 'same', 'valid']")
    # Cross-correlation of the padded x with y: out[k] = sum_j xp[k + j] y[j].
    xp = lax.pad(x, _n.zeros((), aval_of(x).dtype), [(lo, hi, 0)])
    size = n + lo + hi - m + 1
    windows = _n.stack([lax.slice(xp, (j,), (j + size,)) for j in range(m)], axis=1)
    out = _n.dot(windows, y, precision=precision, preferred_element_type=preferred_element_type)
    return lax.rev(out, (0,)) if reverse_out else out


def _conv(a, v, mode, op, precision, preferred_element_type):
    a, v = _ensure(op, a, v)
    if aval_of(a).ndim != 1 or aval_of(v).ndim != 1:
        raise ValueError(f"{op}() only support 1-dimensional inputs.")
    if preferred_element_type is not None:
        preferred_element_type = np.dtype(dtypes.canonicalize_dtype(preferred_element_type))
    args = (a, v, mode, op, precision, preferred_element_type)
    if current_trace() is None:
        try:
            hash(precision)
        except TypeError:
            return _conv_impl(*args)
        return _jitted(_conv_impl, (2, 3, 4, 5))(*args)
    return _conv_impl(*args)


def convolve(
    a: ArrayLike,
    v: ArrayLike,
    mode: str = "full",
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """jax.numpy.convolve of 1-D arrays: c_k = sum_j a_{k-j} v_j (the longer
    input first); inputs promote to inexact unless preferred_element_type."""
    return _conv(a, v, mode, "convolve", precision, preferred_element_type)


def correlate(
    a: ArrayLike,
    v: ArrayLike,
    mode: str = "valid",
    *,
    precision: Any = None,
    preferred_element_type: DTypeLike | None = None,
) -> Array:
    """jax.numpy.correlate of 1-D arrays: c_k = sum_j a_{k+j} conj(v_j)."""
    return _conv(a, v, mode, "correlate", precision, preferred_element_type)
