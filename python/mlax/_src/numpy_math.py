"""mlax.numpy's elementwise math beyond the lax primitives (logs in other
bases, inverse trigonometry, logical ops, sign and rounding helpers, gcd),
written on mlax.lax and mlax.numpy with JAX's dtype rules."""

from __future__ import annotations

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, aval_of


def _arr(x):
    return _n.asarray(x) if not _n._is_array(x) else x


def _inexact(*xs):
    """JAX's promote_args_inexact: promote, broadcast, ints to the default float."""
    xs = _n._promote_and_broadcast(*xs)
    return _n._promote_dtypes(*[_n._to_inexact(x) for x in xs])


def _const(x, value):
    return _n.full(aval_of(x).shape, value, aval_of(x).dtype)


def _reject_complex(name, *xs):
    for x in xs:
        if dtypes.is_complex(aval_of(x).dtype):
            raise TypeError(f"{name} does not support complex-valued inputs")


# --------------------------------------------------------------------------
# Exponents and logarithms
# --------------------------------------------------------------------------


def log2(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.div(lax.log(x), lax.log(_const(x, 2)))


def log10(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.div(lax.log(x), lax.log(_const(x, 10)))


def exp2(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.exp(lax.mul(lax.log(_const(x, 2)), x))


def logaddexp(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """log(exp(x1) + exp(x2)) without overflow."""
    x1, x2 = _inexact(x1, x2)
    _reject_complex("logaddexp", x1)
    amax = lax.max(x1, x2)
    delta = lax.sub(x1, x2)
    return _n.where(
        _n.isnan(delta), lax.add(x1, x2), lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta)))))
    )


def logaddexp2(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """log2(2**x1 + 2**x2) without overflow."""
    x1, x2 = _inexact(x1, x2)
    _reject_complex("logaddexp2", x1)
    amax = lax.max(x1, x2)
    delta = lax.sub(x1, x2)
    ln2 = _const(x1, np.log(2))
    return _n.where(
        _n.isnan(delta),
        lax.add(x1, x2),
        lax.add(
            amax,
            lax.div(lax.log1p(lax.exp(lax.neg(lax.mul(lax.abs(delta), ln2)))), ln2),
        ),
    )


def float_power(x: ArrayLike, y: ArrayLike, /) -> Array:
    return lax.pow(*_inexact(x, y))


def reciprocal(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.integer_pow(x, -1)


# --------------------------------------------------------------------------
# Logical ops
# --------------------------------------------------------------------------


def _to_bool(x):
    x = _arr(x)
    return x if aval_of(x).dtype == np.bool_ else _n.not_equal(x, 0)


def _logical(lax_fn, name):
    def f(*args: ArrayLike, out: None = None, where: None = None) -> Array:
        if len(args) != 2:
            raise TypeError(f"{name}() takes 2 positional arguments but {len(args)} were given")
        if out is not None:
            raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
        if where is not None:
            raise NotImplementedError(f"The 'where' argument to jnp.{name} is not supported.")
        x, y = _n._promote_and_broadcast(*(_to_bool(a) for a in args))
        return lax_fn(x, y)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name.replace('_', ' ')} of the truth values of the arguments."
    return f


logical_and = _logical(lax.bitwise_and, "logical_and")
logical_or = _logical(lax.bitwise_or, "logical_or")
logical_xor = _logical(lax.bitwise_xor, "logical_xor")


def logical_not(x: ArrayLike, /) -> Array:
    return lax.bitwise_not(_to_bool(x))


# --------------------------------------------------------------------------
# Inverse trigonometric and hyperbolic functions
# --------------------------------------------------------------------------


def _i_times(z):
    return lax.complex(lax.neg(lax.imag(z)), lax.real(z))


def _minus_i_times(z):
    return lax.complex(lax.imag(z), lax.neg(lax.real(z)))


def arctan(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    if dtypes.is_complex(aval_of(x).dtype):
        return _minus_i_times(arctanh(_i_times(x)))
    return lax.atan2(x, _const(x, 1))


def arcsin(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    if dtypes.is_complex(aval_of(x).dtype):
        return _minus_i_times(arcsinh(_i_times(x)))
    one = _const(x, 1)
    return lax.atan2(x, lax.sqrt(lax.mul(lax.sub(one, x), lax.add(one, x))))


def arccos(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    if dtypes.is_complex(aval_of(x).dtype):
        return lax.sub(_const(x, np.pi / 2), arcsin(x))
    one = _const(x, 1)
    # 2 atan2(sqrt(1 - x^2), 1 + x), pi at x == -1 (JAX's formula)
    out = lax.mul(
        _const(x, 2),
        lax.atan2(lax.sqrt(lax.mul(lax.sub(one, x), lax.add(one, x))), lax.add(one, x)),
    )
    return _n.where(lax.eq(x, _const(x, -1)), _const(x, np.pi), out)


def arcsinh(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    if dtypes.is_complex(aval_of(x).dtype):
        return lax.log(lax.add(x, lax.sqrt(lax.add(lax.mul(x, x), _const(x, 1)))))
    a = lax.abs(x)
    one = _const(x, 1)
    big = lax.gt(a, _const(x, float(np.sqrt(np.finfo(aval_of(x).dtype).max)) / 2))
    safe = _n.where(big, one, a)
    # log1p(a + a^2 / (1 + sqrt(1 + a^2))): accurate near 0; log(2a) when large
    small = lax.log1p(
        lax.add(
            safe,
            lax.div(lax.mul(safe, safe), lax.add(one, lax.sqrt(lax.add(one, lax.mul(safe, safe))))),
        )
    )
    large = lax.add(lax.log(_n.where(big, a, one)), _const(x, np.log(2)))
    return lax.mul(lax.sign(x), _n.where(big, large, small))


def arccosh(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    one = _const(x, 1)
    if dtypes.is_complex(aval_of(x).dtype):
        return lax.log(lax.add(x, lax.mul(lax.sqrt(lax.add(x, one)), lax.sqrt(lax.sub(x, one)))))
    big = lax.gt(x, _const(x, float(np.sqrt(np.finfo(aval_of(x).dtype).max)) / 2))
    safe = _n.where(big, one, x)
    xm1 = lax.sub(safe, one)
    # log1p(y + sqrt(y (y + 2))) with y = x - 1; log(2x) when large; NaN below 1
    small = lax.log1p(lax.add(xm1, lax.sqrt(lax.mul(xm1, lax.add(xm1, _const(x, 2))))))
    large = lax.add(lax.log(_n.where(big, x, one)), _const(x, np.log(2)))
    return _n.where(lax.lt(x, one), _const(x, np.nan), _n.where(big, large, small))


def arctanh(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    half = _const(x, 0.5)
    return lax.mul(half, lax.sub(lax.log1p(x), lax.log1p(lax.neg(x))))


asin, acos, atan = arcsin, arccos, arctan
asinh, acosh, atanh = arcsinh, arccosh, arctanh


def atan2(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    return _n.arctan2(x1, x2)


def hypot(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """sqrt(x1^2 + x2^2) without overflow (JAX's formula)."""
    x1, x2 = _inexact(x1, x2)
    _reject_complex("hypot", x1)
    x1, x2 = lax.abs(x1), lax.abs(x2)
    inf = lax.bitwise_or(_n.isinf(x1), _n.isinf(x2))
    hi, lo = lax.max(x1, x2), lax.min(x1, x2)
    zero = lax.eq(hi, _const(hi, 0))
    ratio = lax.div(lo, _n.where(zero, _const(hi, 1), hi))
    out = _n.where(zero, hi, lax.mul(hi, lax.sqrt(lax.add(_const(hi, 1), lax.mul(ratio, ratio)))))
    return _n.where(inf, _const(hi, np.inf), out)


def sinc(x: ArrayLike, /) -> Array:
    """sin(pi x) / (pi x), 1 at 0."""
    (x,) = _inexact(x)
    zero = lax.eq(x, _const(x, 0))
    pix = lax.mul(_const(x, np.pi), x)
    safe = _n.where(zero, _const(x, 1), pix)
    return _n.where(zero, _const(x, 1), lax.div(lax.sin(safe), safe))


def deg2rad(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.mul(x, _const(x, np.pi / 180))


def rad2deg(x: ArrayLike, /) -> Array:
    (x,) = _inexact(x)
    return lax.mul(x, _const(x, 180 / np.pi))


radians, degrees = deg2rad, rad2deg


# --------------------------------------------------------------------------
# Rounding, signs, min / max
# --------------------------------------------------------------------------


def trunc(x: ArrayLike) -> Array:
    x = _arr(x)
    dt = aval_of(x).dtype
    if dtypes.is_integer(dt) or dtypes.is_bool(dt):
        return x
    _reject_complex("trunc", x)
    return _n.where(lax.lt(x, _const(x, 0)), lax.ceil(x), lax.floor(x))


def rint(x: ArrayLike, /) -> Array:
    (x,) = _n._promote_dtypes(_arr(x))
    if dtypes.is_integer(aval_of(x).dtype) or dtypes.is_bool(aval_of(x).dtype):
        x = _n._to_inexact(x)
    return _n.round(x)


def signbit(x: ArrayLike, /) -> Array:
    x = _arr(x)
    dt = aval_of(x).dtype
    if dtypes.is_integer(dt):
        return lax.lt(x, _const(x, 0))
    if dtypes.is_bool(dt):
        return _n.full(aval_of(x).shape, False, np.bool_)
    if not dtypes.is_float(dt):
        raise ValueError(f"jax.numpy.signbit is not well defined for {dt}")
    bits = np.dtype(dt).itemsize * 8
    u = lax.bitcast_convert_type(x, np.dtype(f"uint{bits}"))
    return lax.ne(
        lax.shift_right_logical(u, _n.full(aval_of(u).shape, bits - 1, u.dtype)), _n.zeros_like(u)
    )


def copysign(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    x1, x2 = _inexact(x1, x2)
    _reject_complex("copysign", x1)
    return _n.where(signbit(x2), lax.neg(lax.abs(x1)), lax.abs(x1))


def heaviside(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    x1, x2 = _inexact(x1, x2)
    _reject_complex("heaviside", x1)
    zero = _n.zeros_like(x1)
    return _n.where(
        lax.lt(x1, zero),
        zero,
        _n.where(lax.gt(x1, zero), _n.ones_like(x1), _n.where(_n.isnan(x1), x1, x2)),
    )


def fmax(x1: ArrayLike, x2: ArrayLike) -> Array:
    """Elementwise maximum, ignoring NaNs."""
    return _n.where(_n.bitwise_or(_n.greater(x1, x2), _n.isnan(_arr(x2))), x1, x2)


def fmin(x1: ArrayLike, x2: ArrayLike) -> Array:
    """Elementwise minimum, ignoring NaNs."""
    return _n.where(_n.bitwise_or(_n.less(x1, x2), _n.isnan(_arr(x2))), x1, x2)


def fmod(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """Remainder with the sign of x1 (C's fmod)."""
    x1, x2 = _n._promote_and_broadcast(x1, x2)
    dt = aval_of(x1).dtype
    _reject_complex("fmod", x1)
    if dtypes.is_bool(dt):
        raise TypeError("fmod does not accept dtype bool. Please use integer or float types.")
    if dtypes.is_integer(dt):
        x2 = _n.where(lax.eq(x2, _n.zeros_like(x2)), _n.ones_like(x2), x2)
    return lax.rem(x1, x2)


def positive(x: ArrayLike, /) -> Array:
    return _arr(x)


# --------------------------------------------------------------------------
# Integer functions
# --------------------------------------------------------------------------


def gcd(x1: ArrayLike, x2: ArrayLike) -> Array:
    x1, x2 = _n._promote_and_broadcast(x1, x2)
    if not dtypes.is_integer(aval_of(x1).dtype):
        raise ValueError("Arguments to jax.numpy.gcd must be integers.")
    x1, x2 = _n.abs(x1), _n.abs(x2)

    def cond(xs):
        return _n.any(lax.ne(xs[1], _n.zeros_like(xs[1])))

    def body(xs):
        a, b = xs
        nz = lax.ne(b, _n.zeros_like(b))
        safe = _n.where(nz, b, _n.ones_like(b))
        return _n.where(nz, b, a), _n.where(nz, lax.rem(a, safe), _n.zeros_like(b))

    return lax.while_loop(cond, body, (x1, x2))[0]


def lcm(x1: ArrayLike, x2: ArrayLike) -> Array:
    x1, x2 = _n._promote_and_broadcast(x1, x2)
    if not dtypes.is_integer(aval_of(x1).dtype):
        raise ValueError("Arguments to jax.numpy.lcm must be integers.")
    d = gcd(x1, x2)
    zero = lax.eq(d, _n.zeros_like(d))
    return _n.where(
        zero,
        _n.zeros_like(d),
        _n.abs(lax.mul(x1, _n.floor_divide(x2, _n.where(zero, _n.ones_like(d), d)))),
    )


def nan_to_num(
    x: ArrayLike,
    copy: bool = True,
    nan: ArrayLike = 0.0,
    posinf: ArrayLike | None = None,
    neginf: ArrayLike | None = None,
) -> Array:
    """NaN -> nan, +inf -> posinf (default: the largest finite value),
    -inf -> neginf (default: the most negative finite value)."""
    x = _arr(x)
    dt = aval_of(x).dtype
    if not dtypes.is_inexact(dt):
        return x
    if dtypes.is_complex(dt):
        kw = dict(nan=nan, posinf=posinf, neginf=neginf)
        return lax.complex(nan_to_num(lax.real(x), **kw), nan_to_num(lax.imag(x), **kw))
    info = dtypes.finfo(dt)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = _n.where(_n.isnan(x), _n.asarray(nan, dtype=dt), x)
    out = _n.where(
        lax.bitwise_and(_n.isinf(out), lax.gt(out, _n.zeros_like(out))),
        _n.asarray(posinf, dtype=dt),
        out,
    )
    return _n.where(
        lax.bitwise_and(_n.isinf(out), lax.lt(out, _n.zeros_like(out))),
        _n.asarray(neginf, dtype=dt),
        out,
    )


def isposinf(x: ArrayLike, /, out: None = None) -> Array:
    x = _arr(x)
    return (
        lax.bitwise_and(_n.isinf(x), lax.gt(x, _n.zeros_like(x)))
        if dtypes.is_float(aval_of(x).dtype)
        else _n.isinf(x)
    )


def isneginf(x: ArrayLike, /, out: None = None) -> Array:
    x = _arr(x)
    return (
        lax.bitwise_and(_n.isinf(x), lax.lt(x, _n.zeros_like(x)))
        if dtypes.is_float(aval_of(x).dtype)
        else _n.isinf(x)
    )
