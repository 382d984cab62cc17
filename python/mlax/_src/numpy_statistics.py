"""mlax.numpy's statistics and searching: the NaN-ignoring reductions,
average, cov, corrcoef, count_nonzero, array_equal(iv), searchsorted,
digitize, bincount, interp, polyval and trapezoid (JAX's semantics)."""

from __future__ import annotations

import builtins
import operator
from typing import Sequence

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, DTypeLike, concrete_value

Axis = int | Sequence[int] | None


def _arr(x):
    return _n.asarray(x) if not _n._is_array(x) else x


def _no_out(out, name):
    if out is not None:
        raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


# --------------------------------------------------------------------------
# NaN-ignoring reductions
# --------------------------------------------------------------------------


def _nan_reduction(a, name, reduction, init, nan_if_all_nan, axis, keepdims, where, **kw):
    a = _arr(a)
    if not dtypes.is_inexact(a.dtype):
        return reduction(a, axis=axis, keepdims=keepdims, where=where, **kw)
    nan = _n.isnan(a)
    out = reduction(
        _n.where(nan, _n.asarray(init, dtype=a.dtype), a),
        axis=axis,
        keepdims=keepdims,
        where=where,
        **kw,
    )
    if nan_if_all_nan:
        return _n.where(_n.all(nan, axis=axis, keepdims=keepdims), np.nan, out)
    return out


def nanmax(
    a: ArrayLike,
    axis: Axis = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """max ignoring NaNs (NaN where all are NaN)."""
    _no_out(out, "nanmax")
    return _nan_reduction(
        a, "nanmax", _n.max, -np.inf, initial is None, axis, keepdims, where, initial=initial
    )


def nanmin(
    a: ArrayLike,
    axis: Axis = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """min ignoring NaNs (NaN where all are NaN)."""
    _no_out(out, "nanmin")
    return _nan_reduction(
        a, "nanmin", _n.min, np.inf, initial is None, axis, keepdims, where, initial=initial
    )


def nansum(
    a: ArrayLike,
    axis: Axis = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """sum with NaNs counted as zero."""
    _no_out(out, "nansum")
    return _nan_reduction(
        a, "nansum", _n.sum, 0, False, axis, keepdims, where, initial=initial, dtype=dtype
    )


def nanprod(
    a: ArrayLike,
    axis: Axis = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    initial: ArrayLike | None = None,
    where: ArrayLike | None = None,
) -> Array:
    """prod with NaNs counted as one."""
    _no_out(out, "nanprod")
    return _nan_reduction(
        a, "nanprod", _n.prod, 1, False, axis, keepdims, where, initial=initial, dtype=dtype
    )


def _inexact_dtype(dt):
    dt = np.dtype(dt)
    return dt if dtypes.is_inexact(dt) else np.dtype(dtypes.default_float_dtype())


def nanmean(
    a: ArrayLike,
    axis: Axis = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    keepdims: bool = False,
    where: ArrayLike | None = None,
) -> Array:
    """mean of the non-NaN entries."""
    _no_out(out, "nanmean")
    a = _arr(a)
    if not dtypes.is_inexact(a.dtype):
        return _n.mean(a, axis, dtype, None, keepdims, where=where)
    dtype = _inexact_dtype(a.dtype) if dtype is None else dtypes.canonicalize_dtype(dtype)
    normalizer = _n.sum(
        lax.bitwise_not(_n.isnan(a)), axis=axis, dtype=dtype, keepdims=keepdims, where=where
    )
    return lax.div(nansum(a, axis, dtype=dtype, keepdims=keepdims, where=where), normalizer)


def _var_dtypes(a_dtype, dtype):
    if dtype is None:
        out = _inexact_dtype(a_dtype)
        if dtypes.is_complex(out):
            out = np.dtype(np.float64 if out == np.complex128 else np.float32)
        comp = _inexact_dtype(a_dtype)
    else:
        out = np.dtype(dtypes.canonicalize_dtype(dtype))
        comp = _inexact_dtype(np.result_type(a_dtype, out) if dtypes.is_inexact(out) else a_dtype)
    return _n._upcast_f16(comp), out


def nanvar(
    a: ArrayLike,
    axis: Axis = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
    where: ArrayLike | None = None,
    mean: ArrayLike | None = None,
) -> Array:
    """var of the non-NaN entries (NaN where fewer than ddof + 1)."""
    _no_out(out, "nanvar")
    a = _arr(a)
    comp, dtype = _var_dtypes(a.dtype, dtype)
    a = _n.astype(a, comp)
    if mean is None:
        mean = nanmean(a, axis, dtype=comp, keepdims=True, where=where)
    else:
        mean = _n.astype(_arr(mean), comp)
    nan = _n.isnan(a)
    centered = _n.where(nan, 0, _n.subtract(a, mean))
    if dtypes.is_complex(centered.dtype):
        centered = lax.real(lax.mul(centered, lax.conj(centered)))
    else:
        centered = lax.mul(centered, centered)
    normalizer = _n.subtract(
        _n.sum(lax.bitwise_not(nan), axis=axis, keepdims=keepdims, where=where), ddof
    )
    bad = lax.le(normalizer, _n.zeros_like(normalizer))
    result = _n.sum(centered, axis, keepdims=keepdims, where=where)
    result = _n.where(bad, np.nan, result)
    divisor = _n.where(bad, 1, normalizer)
    result = _n.true_divide(result, _n.astype(divisor, result.dtype))
    return lax.convert_element_type(result, dtype)


def nanstd(
    a: ArrayLike,
    axis: Axis = None,
    dtype: DTypeLike | None = None,
    out: None = None,
    ddof: int = 0,
    keepdims: bool = False,
    where: ArrayLike | None = None,
    mean: ArrayLike | None = None,
) -> Array:
    """std of the non-NaN entries."""
    _no_out(out, "nanstd")
    return _n.sqrt(
        nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where, mean=mean)
    )


def _nanarg(a, axis, keepdims, is_max):
    a = _arr(a)
    if not dtypes.is_inexact(a.dtype):
        return (_n.argmax if is_max else _n.argmin)(a, axis=axis, keepdims=keepdims)
    nan = _n.isnan(a)
    a = _n.where(nan, -np.inf if is_max else np.inf, a)
    res = (_n.argmax if is_max else _n.argmin)(a, axis=axis, keepdims=keepdims)
    return _n.where(_n.all(nan, axis=axis, keepdims=bool(keepdims)), -1, res)


def nanargmax(
    a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None
) -> Array:
    """argmax ignoring NaNs (-1 where all are NaN)."""
    _no_out(out, "nanargmax")
    return _nanarg(a, axis, keepdims, True)


def nanargmin(
    a: ArrayLike, axis: int | None = None, out: None = None, keepdims: bool | None = None
) -> Array:
    """argmin ignoring NaNs (-1 where all are NaN)."""
    _no_out(out, "nanargmin")
    return _nanarg(a, axis, keepdims, False)


# --------------------------------------------------------------------------
# Averages, covariance, comparisons
# --------------------------------------------------------------------------


def count_nonzero(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    a = _arr(a)
    return _n.sum(
        _n.not_equal(a, 0), axis=axis, dtype=dtypes.default_int_dtype(), keepdims=keepdims
    )


def average(
    a: ArrayLike,
    axis: Axis = None,
    weights: ArrayLike | None = None,
    returned: bool = False,
    keepdims: bool = False,
):
    """Weighted mean along axis (with the sum of the weights when returned)."""
    a = _arr(a)
    axes = _n._reduction_axes(a, axis)
    if weights is None:
        a = _n._to_inexact(a)
        avg = _n.mean(a, axis=axis, keepdims=keepdims)
        count = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
        wsum = _n.full((), count, avg.dtype)
    else:
        a, w = _n._promote_dtypes(_n._to_inexact(a), _n._to_inexact(_arr(weights)))
        if a.shape != w.shape:
            if axis is None:
                raise ValueError("Axis must be specified when shapes of a and weights differ.")
            if w.shape != tuple(a.shape[ax] for ax in axes):
                raise ValueError(
                    "Shape of weights must be consistent with shape of a along specified axis."
                )
            ax_list = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
            canon = [_n._canonical_axis(x, a.ndim) for x in ax_list]
            # weights' dims are in the order of `axis`; place them on a's axes
            w = _n.transpose(w, tuple(np.argsort(canon))) if len(canon) > 1 else w
            w = _n.reshape(w, tuple(d if i in axes else 1 for i, d in enumerate(a.shape)))
        wsum = _n.sum(w, axis=axis, keepdims=keepdims)
        avg = _n.true_divide(_n.sum(_n.multiply(a, w), axis=axis, keepdims=keepdims), wsum)
    if returned:
        if avg.shape != wsum.shape:
            wsum = _n.broadcast_to(wsum, avg.shape)
        return avg, wsum
    return avg


def cov(
    m: ArrayLike,
    y: ArrayLike | None = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: int | None = None,
    fweights: ArrayLike | None = None,
    aweights: ArrayLike | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """The covariance matrix of the rows (rowvar) or columns of m (and y)."""
    if y is not None:
        m, y = (_n._to_inexact(v) for v in _n._promote_dtypes(_arr(m), _arr(y)))
        if y.ndim > 2:
            raise ValueError("y has more than 2 dimensions")
    else:
        m = _n._to_inexact(_arr(m))
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if dtype is not None and not dtypes.is_inexact(np.dtype(dtype)):
        raise ValueError(f"cov: dtype must be a subclass of float or complex; got dtype={dtype!r}")
    X = _n.atleast_2d(m)
    if not rowvar and m.ndim != 1:
        X = X.T
    if X.shape[0] == 0:
        return _n.zeros((0, 0), X.dtype)
    if y is not None:
        y2 = _n.atleast_2d(y)
        if not rowvar and y2.shape[0] != 1:
            y2 = y2.T
        X = _n.concatenate([X, y2], axis=0)
    if X.shape[1] == 0:
        return _n.full(() if X.shape[0] == 1 else (X.shape[0],) * 2, np.nan, X.dtype)
    if ddof is None:
        ddof = 1 if not bias else 0
    w = None
    if fweights is not None:
        fweights = _arr(fweights)
        if fweights.ndim > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if fweights.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if not dtypes.is_integer(fweights.dtype):
            raise TypeError("fweights must be integer.")
        w = _n.abs(fweights)
    if aweights is not None:
        aweights = _arr(aweights)
        if aweights.ndim > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if aweights.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and aweights")
        aweights = _n.abs(aweights)
        w = aweights if w is None else _n.multiply(w, aweights)
    if dtype is not None:
        X = _n.astype(X, dtype)
        w = None if w is None else _n.astype(w, dtype)
    avg, wsum = average(X, axis=1, weights=w, returned=True)
    wsum = wsum[0]
    if w is None:
        f = X.shape[1] - ddof
    elif ddof == 0:
        f = wsum
    elif aweights is None:
        f = _n.subtract(wsum, ddof)
    else:
        f = _n.subtract(
            wsum, _n.true_divide(_n.multiply(ddof, _n.sum(_n.multiply(w, aweights))), wsum)
        )
    X = _n.subtract(X, avg[:, None])
    XT = X.T if w is None else _n.multiply(X, _n.reshape(w, (1, -1))).T
    return _n.squeeze(_n.true_divide(_n.dot(X, _n.conj(XT)), f))


def corrcoef(
    x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, dtype: DTypeLike | None = None
) -> Array:
    """Pearson correlation coefficients (cov normalized, clipped to [-1, 1])."""
    if dtype is not None and not dtypes.is_inexact(np.dtype(dtype)):
        raise ValueError(
            f"corrcoef: dtype must be a subclass of float or complex; got dtype={dtype!r}"
        )
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return _n.true_divide(c, c)
    d = _n.diagonal(c)
    sd = _n.astype(_n.sqrt(_n.real(d)), c.dtype)
    c = _n.true_divide(_n.true_divide(c, sd[:, None]), sd[None, :])
    re = _n.clip(_n.real(c), -1, 1)
    if dtypes.is_complex(c.dtype):
        return lax.complex(re, _n.clip(_n.imag(c), -1, 1))
    return re


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> Array:
    a1, a2 = _arr(a1), _arr(a2)
    if a1.shape != a2.shape:
        return _n.asarray(False)
    eq = _n.equal(a1, a2)
    if equal_nan:
        eq = _n.bitwise_or(eq, _n.bitwise_and(_n.isnan(a1), _n.isnan(a2)))
    return _n.all(eq)


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Array:
    # Shapes that do not broadcast raise, as in JAX.
    return _n.all(_n.equal(_arr(a1), _arr(a2)))


# --------------------------------------------------------------------------
# Searching and counting
# --------------------------------------------------------------------------


def _sort_keys(x):
    """The keys JAX's sort comparators compare: -0 as 0, NaN last; complex
    numbers as (real, imag)."""
    if dtypes.is_complex(x.dtype):
        return _sort_keys(lax.real(x)) + _sort_keys(lax.imag(x))
    return [x]


def _total_lt(x, y, or_equal: bool):
    if dtypes.is_float(x.dtype):
        xn, yn = _n.isnan(x), _n.isnan(y)
        if or_equal:  # x <= y in an order with NaN last
            return _n.bitwise_or(lax.le(x, y), yn)
        return _n.bitwise_or(lax.lt(x, y), _n.bitwise_and(yn, lax.bitwise_not(xn)))
    return (lax.le if or_equal else lax.lt)(x, y)


def _total_eq(x, y):
    if dtypes.is_float(x.dtype):
        return _n.bitwise_or(lax.eq(x, y), _n.bitwise_and(_n.isnan(x), _n.isnan(y)))
    return lax.eq(x, y)


def _compare(x, y, or_equal: bool):
    """x < y (or <=) in JAX's sort order (lexicographic for complex)."""
    xs, ys = _sort_keys(x), _sort_keys(y)
    p = _total_lt(xs[-1], ys[-1], or_equal)
    for xk, yk in zip(xs[-2::-1], ys[-2::-1]):
        p = _n.bitwise_or(_total_lt(xk, yk, False), _n.bitwise_and(_total_eq(xk, yk), p))
    return p


def searchsorted(
    a: ArrayLike,
    v: ArrayLike,
    side: str = "left",
    sorter: ArrayLike | None = None,
    *,
    method: str = "scan",
) -> Array:
    """Insertion indices of v into the sorted 1-D a. 'scan' / 'scan_unrolled':
    a binary search; 'compare_all' (and 'sort', which mlax computes the same
    way, having no sort op): counts comparisons with every element."""
    a, v = _arr(a), _arr(v)
    if a.ndim != 1:
        raise ValueError("a should be 1-dimensional")
    if side not in ("left", "right"):
        raise ValueError(
            f"{side!r} is an invalid value for keyword 'side'. Expected one of ['left', 'right']."
        )
    if method not in ("scan", "scan_unrolled", "compare_all", "sort"):
        raise ValueError(f"Unsupported method: {method}")
    a, v = _n._promote_dtypes(a, v)
    if sorter is not None:
        a = a[_arr(sorter)]
    n = a.shape[0]
    if n == 0:
        return _n.zeros(v.shape, np.int32)
    if method in ("compare_all", "sort"):
        # left: #{a_i < v}; right: #{a_i <= v}
        ab = _n.reshape(a, (n,) + (1,) * v.ndim)
        ab, vb = _n.broadcast_arrays(ab, v[None])
        return _n.sum(_compare(ab, vb, side == "right"), axis=0, dtype=np.int32)
    low = _n.zeros(v.shape, np.int32)
    high = _n.full(v.shape, n, np.int32)
    for _ in range(int(np.ceil(np.log2(n + 1)))):
        mid = _n.add(low, _n.floor_divide(_n.subtract(high, low), 2))
        go_left = _compare(v, _n.take(a, mid, mode="clip"), side == "left")
        low, high = _n.where(go_left, low, mid), _n.where(go_left, mid, high)
    return high


def digitize(
    x: ArrayLike, bins: ArrayLike, right: bool = False, *, method: str | None = None
) -> Array:
    """The index of the bin each x falls in (bins increasing or decreasing)."""
    x, b = _arr(x), _arr(bins)
    if b.ndim != 1:
        raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins!r}")
    if b.shape[0] == 0:
        return _n.zeros(x.shape, np.int32)
    side = "right" if not right else "left"
    kw = {} if method is None else {"method": method}
    return _n.where(
        _n.greater_equal(b[-1], b[0]),
        searchsorted(b, x, side=side, **kw),
        _n.subtract(b.shape[0], searchsorted(b[::-1], x, side=side, **kw)),
    )


def bincount(
    x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0, *, length: int | None = None
) -> Array:
    """Counts (or summed weights) of each non-negative integer in x; inside
    transformations `length` must be given."""
    from mlax._src.core import ConcretizationTypeError

    x = _arr(x)
    if x.dtype == np.bool_:
        x = _n.astype(x, np.int32)
    if not dtypes.is_integer(x.dtype):
        raise TypeError(f"x argument to bincount must have an integer type; got {x.dtype}")
    if x.ndim != 1:
        raise ValueError("only 1-dimensional input supported.")
    minlength = operator.index(minlength)
    if length is None:
        xv = concrete_value(x)
        if xv is None:
            raise ConcretizationTypeError(
                "The error occurred because of argument 'x' of jnp.bincount. To avoid this "
                "error, pass a static `length` argument."
            )
        length = builtins.max(minlength, xv.size and int(builtins.max(0, np.max(xv))) + 1)
    else:
        length = operator.index(length)
    if weights is None:
        weights = _n.ones(x.shape, dtypes.default_int_dtype())
    else:
        weights = _arr(weights)
        if weights.shape != x.shape:
            raise ValueError(
                f"type of weights must match type of x. Got shapes {x.shape} and {weights.shape}"
            )
    return _n.zeros((length,), weights.dtype).at[_n.clip(x, 0)].add(weights, mode="drop")


def interp(
    x: ArrayLike,
    xp: ArrayLike,
    fp: ArrayLike,
    left: ArrayLike | str | None = None,
    right: ArrayLike | str | None = None,
    period: ArrayLike | None = None,
) -> Array:
    """Piecewise-linear interpolation of (xp, fp) at x (xp increasing)."""
    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    if xp.shape != fp.shape or xp.ndim != 1:
        raise ValueError("xp and fp must be one-dimensional arrays of equal size")
    x, xp = (_n._to_inexact(v) for v in _n._promote_dtypes(x, xp))
    x, xp = _n._promote_dtypes(x, xp)
    fp = _n._to_inexact(fp)
    for name, v in (("left", left), ("right", right)):
        if isinstance(v, str) and v != "extrapolate":
            raise ValueError(
                f"the only valid string value of `{name}` is 'extrapolate', but got: {v!r}"
            )
    if dtypes.is_complex(x.dtype):
        raise ValueError("jnp.interp: complex x values not supported.")
    if period is not None:
        raise NotImplementedError("jnp.interp with period= needs sort, which mlax lacks")
    i = _n.clip(searchsorted(xp, x, side="right"), 1, xp.shape[0] - 1)
    df = _n.subtract(fp[i], fp[i - 1])
    dx = _n.subtract(xp[i], xp[i - 1])
    delta = _n.subtract(x, xp[i - 1])
    eps = np.spacing(np.finfo(xp.dtype).eps)
    dx0 = _n.less_equal(_n.abs(dx), eps)
    f = _n.where(
        dx0,
        fp[i - 1],
        _n.add(fp[i - 1], _n.multiply(_n.true_divide(delta, _n.where(dx0, 1, dx)), df)),
    )
    if not isinstance(left, str):
        f = _n.where(_n.less(x, xp[0]), fp[0] if left is None else left, f)
    if not isinstance(right, str):
        f = _n.where(_n.greater(x, xp[-1]), fp[-1] if right is None else right, f)
    return f


def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16) -> Array:
    """The polynomial with coefficients p (highest power first) at x (Horner)."""
    p, x = _n._promote_dtypes(_arr(p), _arr(x))
    shape = _n._broadcast_shapes(p.shape[1:], x.shape)
    y = _n.zeros(shape, x.dtype)
    y, _ = lax.scan(lambda y, c: (_n.add(_n.multiply(y, x), c), None), y, p, unroll=unroll)
    return y


def trapezoid(
    y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1
) -> Array:
    """The integral of y by the trapezoidal rule (samples at x, or spacing dx)."""
    from mlax._src.numpy_manip import diff

    if x is None:
        y = _n._to_inexact(_arr(y))
        dxa = _arr(dx)
        if dxa.ndim > 0:
            dxa = _n.reshape(dxa, (1,) * (y.ndim - dxa.ndim) + dxa.shape)
            dxa = _n.moveaxis(dxa, axis, -1)
    else:
        y, x = (_n._to_inexact(v) for v in _n._promote_dtypes(_arr(y), _arr(x)))
        y, x = _n._promote_dtypes(y, x)
        dxa = diff(x) if x.ndim == 1 else _n.moveaxis(diff(x, axis=axis), axis, -1)
    y = _n.moveaxis(y, axis, -1)
    if dxa.ndim == 0 or dxa.shape[-1] == 1:
        d = dxa if dxa.ndim == 0 else dxa[..., 0]
        return _n.multiply(
            d, _n.subtract(_n.sum(y, -1), _n.multiply(0.5, _n.add(y[..., 0], y[..., -1])))
        )
    return _n.multiply(0.5, _n.sum(_n.multiply(dxa, _n.add(y[..., 1:], y[..., :-1])), -1))
