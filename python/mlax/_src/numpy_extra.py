"""More of jax.numpy: ufunc aliases and bit shifts, divmod / modf, angle,
polynomial arithmetic, window functions, finite differences (gradient,
ediff1d, unwrap), functional helpers (apply_along_axis, fromfunction, ...)
and selections (choose, compress, extract, resize, trim_zeros), with JAX's
promotion rules and errors."""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.batching import vmap
from mlax._src.core import (
    Array,
    ArrayLike,
    ConcretizationTypeError,
    Tracer,
    aval_of,
    canonicalize_shape,
)
from mlax._src.numpy_array_creation import atleast_1d, indices
from mlax._src.numpy_impl import ensure_arraylike
from mlax._src.numpy_linalg import vecdot  # noqa: F401 (jnp.vecdot)
from mlax._src.numpy_manip import diff
from mlax._src.numpy_pad import convolve
from mlax._src.numpy_vectorize import vectorize

euler_gamma = float(np.euler_gamma)


def _inexact(*xs):
    """JAX's promote_args_inexact: common dtype, integers to the default float."""
    xs = _n._promote_dtypes(*[_n.asarray(x) for x in xs])
    return [_n._to_inexact(x) for x in xs]


def _numeric(name: str, *xs):
    xs = ensure_arraylike(name, *xs)
    return _n._promote_dtypes(*(xs if isinstance(xs, list) else [xs]))


def _concrete_int(x: Any, what: str) -> int:
    if isinstance(x, Tracer):
        raise TypeError(f"{what} must be a concrete integer, got a traced value")
    return operator.index(x)


# -- ufuncs ---------------------------------------------------------------


def fabs(x: ArrayLike, /) -> Array:
    """Absolute value as a float (integers promote; complex is an error)."""
    x = ensure_arraylike("fabs", x)
    if dtypes.is_complex(aval_of(x).dtype):
        raise TypeError("ufunc 'fabs' does not support complex dtypes")
    return lax.abs(_n._to_inexact(x))


def around(a: ArrayLike, decimals: int = 0, out: None = None) -> Array:
    """Alias of round."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.around is not supported.")
    return _n.round(a, decimals)


def pow(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Alias of power."""
    return _n.power(x1, x2)


def bitwise_invert(x: ArrayLike, /) -> Array:
    """Alias of bitwise_not."""
    return _n.bitwise_not(x)


def left_shift(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """x1 << x2 elementwise."""
    a, b = _numeric("left_shift", x1, x2)
    return lax.shift_left(*_n._promote_and_broadcast(a, b))


def right_shift(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """x1 >> x2: arithmetic for signed integers, logical for unsigned."""
    a, b = _n._promote_and_broadcast(*_numeric("right_shift", x1, x2))
    if dtypes.issubdtype(aval_of(a).dtype, np.unsignedinteger):
        return lax.shift_right_logical(a, b)
    return lax.shift_right_arithmetic(a, b)


bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def bitwise_count(x: ArrayLike, /) -> Array:
    """The number of 1 bits in |x|, as uint8."""
    (x,) = _numeric("bitwise_count", x)
    return lax.population_count(_n.abs(x)).astype(np.uint8)


def nextafter(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The next representable value after x1 towards x2."""
    ensure_arraylike("nextafter", x1, x2)
    return lax.nextafter(*_n._promote_and_broadcast(*_inexact(x1, x2)))


def divmod(x1: ArrayLike, x2: ArrayLike, /) -> tuple[Array, Array]:
    """(floor_divide(x1, x2), remainder(x1, x2)); floats as NumPy rounds them."""
    a, b = _n._promote_and_broadcast(*_numeric("divmod", x1, x2))
    if not dtypes.is_inexact(aval_of(a).dtype):
        return _n.floor_divide(a, b), _n.remainder(a, b)
    mod = lax.rem(a, b)
    div = lax.div(_n.where(b == 0, a, a - mod), b)
    fix = (mod != 0) & (lax.sign(b) != lax.sign(mod))
    return lax.round(_n.where(fix, div - 1, div)), _n.where(fix, mod + b, mod)


def modf(x: ArrayLike, /, out: None = None) -> tuple[Array, Array]:
    """(fractional part, integral part), both with the sign of x."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
    x = _n._to_inexact(ensure_arraylike("modf", x))
    whole = _n.where(x >= 0, lax.floor(x), lax.ceil(x))
    return x - whole, whole


def angle(z: ArrayLike, deg: bool = False) -> Array:
    """The argument of complex z (radians, or degrees with deg=True)."""
    z = ensure_arraylike("angle", z)
    a = aval_of(z)
    re, im = _n.real(z), _n.imag(z)
    if not dtypes.is_inexact(aval_of(re).dtype) or (dtypes.is_float(a.dtype) and a.ndim == 0):
        dt = dtypes.default_float_dtype()
        re, im = lax.convert_element_type(re, dt), lax.convert_element_type(im, dt)
    out = lax.atan2(im, re)
    return out * (180.0 / np.pi) if deg else out


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind, order 0."""
    from mlax._src.scipy_special import i0 as _i0

    (x,) = _inexact(ensure_arraylike("i0", x))
    if not dtypes.is_float(aval_of(x).dtype):
        raise ValueError(f"Unsupported input type to mlax.numpy.i0: {aval_of(x).dtype}")
    return _i0(x)


def sort_complex(a: ArrayLike) -> Array:
    """Sorted by real part, then imaginary part, as a complex array."""
    a = ensure_arraylike("sort_complex", a)
    from mlax._src.sorting import sort

    out = sort(a)
    dt = aval_of(out).dtype
    if dtypes.is_complex(dt):
        return out
    # JAX's to_complex_dtype: float64 (and int64 under x64) -> complex128.
    out = _n._to_inexact(out)
    real = np.float64 if aval_of(out).dtype == np.float64 else np.float32
    out = lax.convert_element_type(out, real)
    return lax.complex(out, _n.zeros_like(out))


# -- products -------------------------------------------------------------


def matvec(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Batched matrix-vector product over the last axes."""
    x1, x2 = ensure_arraylike("matvec", x1, x2)
    return vectorize(_n.matmul, signature="(n,m),(m)->(n)")(x1, x2)


def vecmat(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Batched conj(vector)-matrix product over the last axes."""
    x1, x2 = ensure_arraylike("vecmat", x1, x2)
    return vectorize(_n.matmul, signature="(n),(n,m)->(m)")(_n.conj(x1), x2)


# -- polynomials ----------------------------------------------------------


def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The sum of two polynomials (coefficients, highest power first)."""
    a, b = _n._promote_dtypes(*ensure_arraylike("polyadd", a1, a2))
    if aval_of(b).shape[0] > aval_of(a).shape[0]:
        a, b = b, a
    return a.at[-aval_of(b).shape[0] :].add(b) if aval_of(b).shape[0] else a


def polysub(a1: ArrayLike, a2: ArrayLike) -> Array:
    """The difference of two polynomials."""
    a, b = _n._promote_dtypes(*ensure_arraylike("polysub", a1, a2))
    return polyadd(a, -b)


def polymul(a1: ArrayLike, a2: ArrayLike, *, trim_leading_zeros: bool = False) -> Array:
    """The product of two polynomials."""
    a, b = _inexact(*ensure_arraylike("polymul", a1, a2))
    if trim_leading_zeros and (aval_of(a).shape[0] > 1 or aval_of(b).shape[0] > 1):
        a, b = trim_zeros(a, trim="f"), trim_zeros(b, trim="f")
    if aval_of(a).shape[0] == 0:
        a = _n.zeros((1,), aval_of(b).dtype)
    if aval_of(b).shape[0] == 0:
        b = _n.zeros((1,), aval_of(a).dtype)
    return convolve(a, b, mode="full")


def polyder(p: ArrayLike, m: int = 1) -> Array:
    """The m-th derivative of a polynomial."""
    (p,) = _inexact(ensure_arraylike("polyder", p))
    m = _concrete_int(m, "'m' argument of jnp.polyder")
    if m < 0:
        raise ValueError("Order of derivative must be positive")
    if m == 0:
        return p
    n = aval_of(p).shape[0]
    # The falling factorial (k)(k-1)...(k-m+1) of each remaining power k.
    k = np.arange(m, n)[None, :] - np.arange(m)[:, None]
    coeff = np.prod(k, axis=0)[::-1].astype(aval_of(p).dtype)
    return p[: builtins.max(n - m, 0)] * coeff


def polyint(p: ArrayLike, m: int = 1, k: ArrayLike | None = None) -> Array:
    """The m-th antiderivative of a polynomial, with integration constants k."""
    m = _concrete_int(m, "'m' argument of jnp.polyint")
    p, k = _inexact(*ensure_arraylike("polyint", p, 0 if k is None else k))
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = atleast_1d(k)
    if aval_of(k).shape[0] == 1:
        k = _n.full((m,), k[0])
    if aval_of(k).shape != (m,):
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or m.")
    if m == 0:
        return p
    n = aval_of(p).shape[0]
    grid = np.arange(n + m)[None, :] - np.arange(m)[:, None]
    coeff = np.prod(np.maximum(1, grid), axis=0)[::-1].astype(aval_of(p).dtype)
    return _n.concatenate([p, k]) / coeff


def poly(seq_of_zeros: ArrayLike) -> Array:
    """The coefficients of the monic polynomial with the given roots (or
    the characteristic polynomial of a square matrix)."""
    (z,) = _inexact(ensure_arraylike("poly", seq_of_zeros))
    z = atleast_1d(z)
    sh = aval_of(z).shape
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        from mlax._src.numpy_linalg import eigvals

        z = eigvals(z)
    if aval_of(z).ndim != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    dt = aval_of(z).dtype
    if aval_of(z).shape[0] == 0:
        return _n.ones((), dt)
    a = _n.ones((1,), dt)
    for i in range(aval_of(z).shape[0]):
        a = convolve(a, _n.stack([_n.ones((), dt), -z[i]]), mode="full")
    return a


# -- windows ----------------------------------------------------------------


def _window(name: str, M: Any, body: Callable[[Array, int], Array]) -> Array:
    M = _concrete_int(M, f"M argument of jnp.{name}")
    dt = dtypes.default_float_dtype()
    if M <= 1:
        return _n.ones((builtins.max(M, 0),), dt)
    return body(lax.iota(dt, M), M)


def bartlett(M: int) -> Array:
    """The Bartlett (triangular) window."""
    return _window("bartlett", M, lambda n, M: 1 - _n.abs(2 * n + 1 - M) / (M - 1))


def blackman(M: int) -> Array:
    """The Blackman window."""
    return _window(
        "blackman",
        M,
        lambda n, M: (
            0.42 - 0.5 * _n.cos(2 * np.pi * n / (M - 1)) + 0.08 * _n.cos(4 * np.pi * n / (M - 1))
        ),
    )


def hamming(M: int) -> Array:
    """The Hamming window."""
    return _window("hamming", M, lambda n, M: 0.54 - 0.46 * _n.cos(2 * np.pi * n / (M - 1)))


def hanning(M: int) -> Array:
    """The Hann window."""
    return _window("hanning", M, lambda n, M: 0.5 * (1 - _n.cos(2 * np.pi * n / (M - 1))))


def kaiser(M: int, beta: ArrayLike) -> Array:
    """The Kaiser window with shape parameter beta."""

    def body(n, M):
        alpha = 0.5 * (M - 1)
        return i0(beta * _n.sqrt(1 - ((n - alpha) / alpha) ** 2)) / i0(beta)

    return _window("kaiser", M, body)


# -- differences ----------------------------------------------------------


def ediff1d(
    ary: ArrayLike, to_end: ArrayLike | None = None, to_begin: ArrayLike | None = None
) -> Array:
    """Differences of consecutive elements of the flattened array, with
    optional values before and after."""
    arr = _n.ravel(ensure_arraylike("ediff1d", ary))
    out = arr[1:] - arr[:-1]
    dt = aval_of(arr).dtype
    if to_begin is not None:
        out = _n.concatenate([_n.ravel(ensure_arraylike("ediff1d", to_begin).astype(dt)), out])
    if to_end is not None:
        out = _n.concatenate([out, _n.ravel(ensure_arraylike("ediff1d", to_end).astype(dt))])
    return out


def _slice(a, start, stop, axis):
    shape = aval_of(a).shape
    starts, limits = [0] * len(shape), list(shape)
    starts[axis], limits[axis] = start, stop
    return lax.slice(a, starts, limits)


def gradient(
    f: ArrayLike,
    *varargs: ArrayLike,
    axis: int | Sequence[int] | None = None,
    edge_order: int | None = None,
) -> Array | list[Array]:
    """Central differences inside, one-sided at the edges (NumPy's
    gradient with edge_order=1); spacings are scalars or coordinate arrays."""
    if edge_order is not None:
        raise NotImplementedError("The 'edge_order' argument to jnp.gradient is not supported.")
    a, *spacing = (
        _inexact(*ensure_arraylike("gradient", f, *varargs))
        if varargs
        else [_n._to_inexact(ensure_arraylike("gradient", f))]
    )
    nd = aval_of(a).ndim
    if axis is None:
        axes = tuple(range(nd))
    else:
        seq = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(_n._canonical_axis(i, nd) for i in seq)
    if not axes:
        return []
    if builtins.min(aval_of(a).shape[i] for i in axes) < 2:
        raise ValueError(
            "Shape of array too small to calculate a numerical gradient, "
            "at least 2 elements are required."
        )
    if not spacing:
        dx = [1.0] * len(axes)
    elif len(spacing) == 1:
        dx = spacing * len(axes)
    elif len(spacing) == len(axes):
        dx = spacing
    else:
        raise TypeError(f"Invalid number of spacing arguments {len(spacing)} for axis={axis!r}")

    def along(a, h, ax):
        n = aval_of(a).shape[ax]
        first = _slice(a, 1, 2, ax) - _slice(a, 0, 1, ax)
        last = _slice(a, n - 1, n, ax) - _slice(a, n - 2, n - 1, ax)
        if np.ndim(h) == 0:
            inner = (_slice(a, 2, n, ax) - _slice(a, 0, n - 2, ax)) * 0.5 / h
            first, last = first / h, last / h
        elif np.ndim(h) == 1:
            if aval_of(h).shape[0] != n:
                raise ValueError(
                    "Spacing arrays must have the same length as the dimension along "
                    "which the gradient is calculated."
                )
            shape = [1] * aval_of(a).ndim
            shape[ax] = n
            h = _n.reshape(h, shape)
            first = first / (_slice(h, 1, 2, ax) - _slice(h, 0, 1, ax))
            last = last / (_slice(h, n - 1, n, ax) - _slice(h, n - 2, n - 1, ax))
            d1 = _slice(h, 1, n - 1, ax) - _slice(h, 0, n - 2, ax)
            d2 = _slice(h, 2, n, ax) - _slice(h, 1, n - 1, ax)
            inner = (
                -d2 / (d1 * (d1 + d2)) * _slice(a, 0, n - 2, ax)
                + (d2 - d1) / (d1 * d2) * _slice(a, 1, n - 1, ax)
                + d1 / (d2 * (d1 + d2)) * _slice(a, 2, n, ax)
            )
        else:
            raise ValueError("Spacing arrays must be 1D arrays or scalars.")
        return _n.concatenate([first, inner, last], axis=ax)

    out = [along(a, h, ax) for ax, h in zip(axes, dx)]
    return out[0] if len(axes) == 1 else out


def unwrap(
    p: ArrayLike, discont: ArrayLike | None = None, axis: int = -1, period: ArrayLike = 2 * np.pi
) -> Array:
    """Unwraps phase jumps larger than discont (default period / 2) by
    multiples of period along axis."""
    p = ensure_arraylike("unwrap", p)
    p, period = _n._promote_dtypes(p, _n.asarray(period))
    if dtypes.is_complex(aval_of(p).dtype):
        raise ValueError("jnp.unwrap does not support complex inputs.")
    axis = _n._canonical_axis(axis, aval_of(p).ndim)
    n = aval_of(p).shape[axis]
    if n == 0:
        return p
    if discont is None:
        discont = period / 2
    integer = dtypes.issubdtype(aval_of(p).dtype, np.integer)
    interval = period // 2 if integer else period / 2
    dd = diff(p, axis=axis)
    ddmod = _n.mod(dd + interval, period) - interval
    ddmod = _n.where((ddmod == -interval) & (dd > 0), interval, ddmod)
    correct = _n.where(_n.abs(dd) < discont, 0, ddmod - dd)
    return _n.concatenate(
        [_slice(p, 0, 1, axis), _slice(p, 1, n, axis) + _n.cumsum(correct, axis=axis)], axis=axis
    )


# -- functional helpers ---------------------------------------------------


def apply_along_axis(
    func1d: Callable, axis: int, arr: ArrayLike, *args: Any, **kwargs: Any
) -> Array:
    """func1d applied to the 1-D slices along axis (by vmap)."""
    nd = np.ndim(arr) if not isinstance(arr, (Array, Tracer)) else aval_of(arr).ndim
    axis = _n._canonical_axis(axis, nd)
    func = lambda x: func1d(x, *args, **kwargs)
    for i in range(1, nd - axis):
        func = vmap(func, in_axes=i, out_axes=-1)
    for _ in range(axis):
        func = vmap(func, in_axes=0, out_axes=0)
    return func(_n.asarray(arr))


def apply_over_axes(func: Callable[[Any, int], Array], a: ArrayLike, axes: Sequence[int]) -> Array:
    """func(a, axis) for each axis in turn, keeping the rank."""
    a = ensure_arraylike("apply_over_axes", a)
    for ax in axes:
        b = func(a, ax)
        if aval_of(b).ndim == aval_of(a).ndim:
            a = b
        elif aval_of(b).ndim == aval_of(a).ndim - 1:
            a = _n.expand_dims(b, ax)
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return a


def fromfunction(
    function: Callable[..., Array], shape: Any, *, dtype: Any = float, **kwargs: Any
) -> Array:
    """function evaluated on the index grid of shape (vmapped over each axis)."""
    shape = canonicalize_shape(shape)
    f = function
    for i in range(len(shape)):
        f = vmap(f, in_axes=tuple(0 if i == j else None for j in range(len(shape)))[::-1])
    return f(*(_n.arange(s, dtype=dtype) for s in shape), **kwargs)


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """Moves axis to lie before position start."""
    a = ensure_arraylike("rollaxis", a)
    nd = aval_of(a).ndim
    start = _concrete_int(start, "'start' argument of jnp.rollaxis()")
    axis = _n._canonical_axis(axis, nd)
    if not -nd <= start <= nd:
        raise ValueError(f"start={start} must satisfy {-nd}<=start<={nd}")
    if start < 0:
        start += nd
    if start > axis:
        start -= 1
    return _n.moveaxis(a, axis, start)


# -- selections -------------------------------------------------------------


def _concrete(x: Any, what: str) -> np.ndarray:
    if isinstance(x, Tracer):
        raise ConcretizationTypeError(
            f"Abstract tracer value encountered where a concrete value is expected: {what}"
        )
    return np.asarray(x)


def choose(
    a: ArrayLike, choices: Sequence[ArrayLike], out: None = None, mode: str = "raise"
) -> Array:
    """choices[a[i]][i] for each index i (mode 'raise', 'wrap' or 'clip')."""
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
    a, *choices = ensure_arraylike("choose", a, *choices)
    if not dtypes.issubdtype(aval_of(a).dtype, np.integer):
        raise ValueError("`a` array must be integer typed")
    N = len(choices)
    if mode == "raise":
        arr = _concrete(a, "jnp.choose under jit needs mode='wrap' or mode='clip'")
        if np.any((arr < 0) | (arr >= N)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        a = a % N
    elif mode == "clip":
        a = _n.clip(a, 0, N - 1)
    else:
        raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
    a, *choices = _n.broadcast_arrays(a, *choices)
    stacked = _n.stack(_n._promote_dtypes(*choices))
    return stacked[(a,) + tuple(indices(aval_of(a).shape, sparse=True))]


def compress(
    condition: ArrayLike,
    a: ArrayLike,
    axis: int | None = None,
    *,
    size: int | None = None,
    fill_value: ArrayLike = 0,
    out: None = None,
) -> Array:
    """The slices of a along axis where condition holds (size= pads with
    fill_value and works under jit)."""
    cond, arr, fill_value = ensure_arraylike("compress", condition, a, fill_value)
    if out is not None:
        raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
    cond = cond.astype(bool)
    if aval_of(cond).ndim != 1:
        raise ValueError("condition must be a 1D array")
    if axis is None:
        axis, arr = 0, _n.ravel(arr)
    else:
        axis = _n._canonical_axis(axis, aval_of(arr).ndim)
        arr = _n.moveaxis(arr, axis, 0)
    n = aval_of(arr).shape[0]
    cond, extra = cond[:n], cond[n:]
    arr = arr[: aval_of(cond).shape[0]]
    if size is None:
        if np.any(_concrete(extra, "jnp.compress under jit needs size=")):
            raise ValueError("condition contains entries that are out of bounds")
        result = arr[_concrete(cond, "jnp.compress under jit needs size=")]
    else:
        size = operator.index(size)
        if not 0 <= size <= aval_of(arr).shape[0]:
            raise ValueError(
                "size must be positive and not greater than the size of the array axis; "
                f"got size={size} for a.shape[axis]={aval_of(arr).shape[0]}"
            )
        from mlax._src.sorting import argsort

        mask = _n.reshape(cond, (-1,) + (1,) * (aval_of(arr).ndim - 1))
        arr = _n.where(mask, arr, _n.asarray(fill_value, dtype=aval_of(arr).dtype))
        result = arr[argsort(cond, stable=True, descending=True)][:size]
    return _n.moveaxis(result, 0, axis)


def extract(
    condition: ArrayLike, arr: ArrayLike, *, size: int | None = None, fill_value: ArrayLike = 0
) -> Array:
    """The elements of arr (flattened) where condition (flattened) holds."""
    ensure_arraylike("extract", condition, arr, fill_value)
    return compress(_n.ravel(condition), _n.ravel(arr), size=size, fill_value=fill_value)


def resize(a: ArrayLike, new_shape: Any) -> Array:
    """a repeated (flattened, cyclically) to fill new_shape."""
    a = ensure_arraylike("resize", a)
    new_shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    new_shape = tuple(operator.index(d) for d in new_shape)
    if builtins.any(d < 0 for d in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    flat = _n.ravel(a)
    n, new = aval_of(flat).shape[0], math.prod(new_shape)
    if n == 0 or new == 0:
        return _n.zeros(new_shape, aval_of(flat).dtype)
    reps = -(-new // n)
    return _n.reshape(_n.tile(flat, reps)[:new], new_shape)


def trim_zeros(filt: ArrayLike, trim: str = "fb", axis: int | Sequence[int] | None = None) -> Array:
    """filt without its leading ('f') and/or trailing ('b') zeros along the
    axes (all by default); the result's shape depends on the values, so
    filt must be concrete."""
    filt = ensure_arraylike("trim_zeros", filt)
    x = _concrete(filt, "the `filt` argument of trim_zeros()")
    nd = x.ndim
    if axis is None:
        axes = set(range(nd))
    else:
        seq = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = {_n._canonical_axis(i, nd) for i in seq}
    t = trim.lower()
    if not axes or ("f" not in t and "b" not in t):
        return filt
    index = []
    for ax in range(nd):
        if ax not in axes:
            index.append(slice(None))
            continue
        mask = x.any(axis=tuple(i for i in range(nd) if i != ax))
        if not mask.any():
            index.append(slice(0, 0))
            continue
        start = int(mask.argmax()) if "f" in t else None
        stop = x.shape[ax] - int(mask[::-1].argmax()) if "b" in t else None
        index.append(slice(start, stop))
    return filt[tuple(index)]
