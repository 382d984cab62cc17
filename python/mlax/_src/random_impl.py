"""The samplers behind mlax.random, following jax.random's algorithms op for
op so that the same key gives the same values, bit for bit."""

from __future__ import annotations

import functools
import math
import operator
from typing import Any, Sequence

import ml_dtypes
import numpy as np

from mlax import lax
from mlax import numpy as jnp
from mlax._src import dtypes, prng
from mlax._src.api import jit
from mlax._src.config import config
from mlax._src.core import Array, DTypeLike, canonicalize_shape
from mlax._src.prng import PRNGKeyArray, random_bits, split_keys

KeyArrayLike = Any
Shape = Sequence[int]
RealArray = Any
IntegerArray = Any


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _finfo(dtype):
    return ml_dtypes.finfo(dtype)


def _float_dtype(name: str, dtype: DTypeLike | None, what: str = "a float") -> np.dtype:
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dt):
        raise ValueError(f"dtype argument to `{name}` must be {what} dtype, got {dt}")
    return dt


def _int_dtype(dtype: DTypeLike | None) -> np.dtype:
    return dtypes.default_int_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    return canonicalize_shape(shape)


def _np_shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _check_shape(name: str, shape: tuple[int, ...], *param_shapes) -> None:
    if param_shapes:
        try:
            shape_ = tuple(np.broadcast_shapes(shape, *param_shapes))
        except ValueError:
            shape_ = None
        if shape != shape_:
            raise ValueError(
                f"{name} parameter shapes must be broadcast-compatible with shape "
                "argument, and the result of broadcasting the shapes must equal "
                f"the shape argument, but got result {shape_} for shape argument {shape}."
            )


def _broadcast_shapes(name: str, shape: Any, *args) -> tuple[int, ...]:
    arg_shapes = [_np_shape(a) for a in args]
    if shape is None:
        return tuple(np.broadcast_shapes(*arg_shapes)) if arg_shapes else ()
    shape = _shape(shape)
    _check_shape(name, shape, *arg_shapes)
    return shape


def _key(name: str, key: KeyArrayLike):
    return prng.unwrap(name, key)[0]


def _split(k, num: int | tuple[int, ...] = 2):
    return split_keys(k, num)


def _arr(x: Any, dtype=None):
    return x if isinstance(x, PRNGKeyArray) else jnp.asarray(x, dtype)


def _to_rank(x, rank: int):
    nd = len(x.shape)
    return jnp.reshape(x, (1,) * (rank - nd) + tuple(x.shape)) if nd < rank else x


def _uint(nbits: int) -> np.dtype:
    return np.dtype(f"uint{nbits}")


def _nextafter(x, up: bool):
    """lax.nextafter(x, +inf if up else -inf), through the bits."""
    nbits = np.dtype(x.dtype).itemsize * 8
    ut = _uint(nbits)
    b = lax.bitcast_convert_type(x, ut)
    sign = ut.type(1 << (nbits - 1))
    neg = lax.ne(lax.bitwise_and(b, sign), ut.type(0))
    zero = lax.eq(lax.bitwise_and(b, ut.type((1 << (nbits - 1)) - 1)), ut.type(0))
    grow = lax.ne(neg, jnp.full(b.shape, up))  # the magnitude grows
    nb = jnp.where(grow, lax.add(b, ut.type(1)), lax.sub(b, ut.type(1)))
    nb = jnp.where(zero, jnp.full(b.shape, ut.type(1 if up else (1 << (nbits - 1)) | 1)), nb)
    target = np.array(np.inf if up else -np.inf, x.dtype)
    keep = lax.bitwise_or(lax.ne(x, x), lax.eq(x, jnp.full(x.shape, target)))
    return jnp.where(keep, x, lax.bitcast_convert_type(nb, x.dtype))


def _sort_key_val(sort_keys, x, axis: int):
    """lax.sort_key_val(sort_keys, x, axis)[1] (a stable sort)."""
    from mlax._src.sorting import sort_key_val

    return sort_key_val(sort_keys, x, dimension=axis)[1]


def _top_k_indices(x, k: int):
    """lax.top_k(x, k)[1] along the last axis (ties: lower index first)."""
    from mlax._src.sorting import argsort

    return argsort(x, axis=-1, descending=True)[..., :k].astype(np.int32)


# --------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------


def key(seed: int | Any, *, impl: str | None = None) -> PRNGKeyArray:
    """A typed PRNG key (shape (), dtype key<fry>) from an integer seed."""
    _check_impl(impl)
    return PRNGKeyArray(prng.seed_data(seed))


def PRNGKey(seed: int | Any, *, impl: str | None = None) -> Array:
    """A legacy raw key: a uint32 array of shape (2,), from an integer seed."""
    _check_impl(impl)
    if isinstance(seed, PRNGKeyArray):
        raise TypeError("PRNGKey accepts a scalar seed, but was given a PRNG key.")
    return prng.seed_data(seed)


def _check_impl(impl) -> None:
    if impl is not None and impl not in ("threefry2x32", prng.key_dtype):
        raise ValueError(
            f'unrecognized PRNG implementation "{impl}". Did you mean one of: "threefry2x32"?'
        )


def key_data(keys: KeyArrayLike) -> Array:
    """The uint32 key data (shape keys.shape + (2,)) under a key array."""
    data, _ = prng.unwrap("key_data", keys, allow_batched=True)
    return data


def wrap_key_data(key_bits_array: Any, *, impl: str | None = None) -> PRNGKeyArray:
    """A typed key array over uint32 key data of shape (..., 2)."""
    _check_impl(impl)
    if isinstance(key_bits_array, PRNGKeyArray):
        raise TypeError("wrap_key_data expects uint32 key data, got a typed key array")
    if isinstance(key_bits_array, (np.ndarray, np.generic, list, tuple)):
        key_bits_array = np.asarray(key_bits_array)
    data = prng.check_key_data(key_bits_array)
    return PRNGKeyArray(jnp.asarray(data) if isinstance(data, np.ndarray) else data)


def key_impl(keys: KeyArrayLike) -> str:
    """The name of the PRNG implementation of `keys` ("threefry2x32")."""
    prng.unwrap("key_impl", keys, allow_batched=True)
    return "threefry2x32"


def clone(key: KeyArrayLike) -> KeyArrayLike:
    """A copy of `key` (keys are immutable; kept for jax compatibility)."""
    return key


def split(key: KeyArrayLike, num: int | tuple[int, ...] = 2) -> KeyArrayLike:
    """Splits a key into `num` new keys (a tuple for a shape), adding leading axes."""
    k, typed = prng.unwrap("split", key)
    return prng.rewrap(typed, _split(k, num))


def fold_in(key: KeyArrayLike, data: IntegerArray) -> KeyArrayLike:
    """A new key, a deterministic function of `key` and 32-bit integer `data`."""
    k, typed = prng.unwrap("fold_in", key)
    if np.ndim(data) if not hasattr(data, "shape") else len(data.shape):
        raise TypeError(
            "fold_in accepts a scalar, but was given an array of"
            f"shape {_np_shape(data)} != (). Use mlax.vmap for batching."
        )
    if isinstance(data, (int, np.integer)):
        data = np.uint32(operator.index(data) & 0xFFFFFFFF)
    return prng.rewrap(typed, prng.fold_in_data(k, jnp.asarray(data)))


# --------------------------------------------------------------------------
# bits, uniform, normal, randint
# --------------------------------------------------------------------------


def bits(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Uniform random bits as unsigned integers (uint32, or uint64 with x64)."""
    k = _key("bits", key)
    if dtype is None:
        dt = np.dtype(np.uint64 if config.x64_enabled else np.uint32)
    else:
        dt = dtypes.canonicalize_dtype(dtype)
    if not (dtypes.is_integer(dt) and dtypes.is_unsigned(dt)):
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dt}")
    return random_bits(k, dt.itemsize * 8, _shape(shape))


def _uniform_impl(k, minval, maxval, shape, dtype):
    dtype = np.dtype(dtype)
    minval = _to_rank(lax.convert_element_type(minval, dtype), len(shape))
    maxval = _to_rank(lax.convert_element_type(maxval, dtype), len(shape))
    fi = _finfo(dtype)
    nbits, nmant = fi.bits, fi.nmant
    rng_bits = 8 if nmant < 8 else nbits
    ut = _uint(nbits)
    b = random_bits(k, rng_bits, shape)
    if rng_bits != nbits:
        b = lax.convert_element_type(b, ut)
    fb = lax.shift_right_logical(b, ut.type(rng_bits - nmant))
    fb = lax.bitwise_or(fb, np.array(1.0, dtype).view(ut)[()])
    floats = lax.sub(lax.bitcast_convert_type(fb, dtype), np.array(1.0, dtype)[()])
    scaled = jnp.add(jnp.multiply(floats, jnp.subtract(maxval, minval)), minval)
    return jnp.maximum(minval, jnp.reshape(scaled, shape))


_uniform_jit = jit(_uniform_impl, static_argnums=(3, 4))


def _uniform(k, shape, dtype, minval=0.0, maxval=1.0):
    return _uniform_jit(k, _arr(minval), _arr(maxval), tuple(shape), np.dtype(dtype))


def uniform(
    key: KeyArrayLike,
    shape: Shape = (),
    dtype: DTypeLike | None = None,
    minval: RealArray = 0.0,
    maxval: RealArray = 1.0,
) -> Array:
    """Uniform random floats in [minval, maxval)."""
    k = _key("uniform", key)
    dt = _float_dtype("uniform", dtype)
    return _uniform(k, _shape(shape), dt, minval, maxval)


def _normal_real(k, shape, dtype):
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = _uniform(k, shape, dtype, lo, np.array(1.0, dtype))
    return lax.mul(jnp.full(shape, np.array(np.sqrt(2), dtype)), lax.erf_inv(u))


@jit(static_argnums=(1, 2))
def _normal(k, shape, dtype):
    if dtypes.is_complex(dtype):
        sqrt2 = np.array(np.sqrt(2), dtype)
        k_re, k_im = _split(k)
        real_dtype = np.array(0, dtype).real.dtype
        re = _normal_real(k_re, shape, real_dtype).astype(dtype)
        im = _normal_real(k_im, shape, real_dtype).astype(dtype)
        return jnp.divide(jnp.add(re, jnp.multiply(1j, im)), sqrt2)
    return _normal_real(k, shape, dtype)


def normal(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard normal floats (complex: real and imaginary parts of variance 1/2)."""
    k = _key("normal", key)
    shape = _shape(shape)
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_inexact(dt):
        raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got {dt}")
    return _normal(k, shape, dt)


def _iinfo(dt):
    return np.iinfo(dt)


def _convert_and_clip_integer(val, dtype):
    dtype = np.dtype(dtype)
    vdt = np.dtype(val.dtype)
    lo = max(_iinfo(dtype).min, _iinfo(vdt).min)
    hi = min(_iinfo(dtype).max, _iinfo(vdt).max)
    clipped = jnp.minimum(jnp.maximum(val, np.array(lo, vdt)[()]), np.array(hi, vdt)[()])
    return lax.convert_element_type(clipped, dtype)


@jit(static_argnums=(3, 4))
def _randint(k, minval, maxval, shape, dtype):
    dtype = np.dtype(dtype)
    if not dtypes.is_integer(minval.dtype):
        minval = minval.astype(dtypes.default_int_dtype())
    if not dtypes.is_integer(maxval.dtype):
        maxval = maxval.astype(dtypes.default_int_dtype())
    top = _convert_and_clip_integer(jnp.asarray(np.array(_iinfo(dtype).max, dtype)), maxval.dtype)
    maxval_out_of_range = jnp.greater(maxval, top)
    minval = _convert_and_clip_integer(minval, dtype)
    maxval = _convert_and_clip_integer(maxval, dtype)
    minval = jnp.broadcast_to(_to_rank(minval, len(shape)), shape)
    maxval = jnp.broadcast_to(_to_rank(maxval, len(shape)), shape)
    maxval_out_of_range = jnp.broadcast_to(_to_rank(maxval_out_of_range, len(shape)), shape)
    nbits = dtype.itemsize * 8
    k1, k2 = _split(k)
    higher_bits, lower_bits = random_bits(k1, nbits, shape), random_bits(k2, nbits, shape)
    ut = _uint(nbits)
    span = lax.convert_element_type(lax.sub(maxval, minval), ut)
    span = lax.select(lax.le(maxval, minval), jnp.full(shape, ut.type(1)), span)
    span = lax.select(
        lax.bitwise_and(maxval_out_of_range, lax.gt(maxval, minval)),
        lax.add(span, ut.type(1)),
        span,
    )
    multiplier = lax.rem(jnp.full(shape, ut.type(2 ** (nbits // 2))), span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(lax.rem(higher_bits, span), multiplier), lax.rem(lower_bits, span))
    offset = lax.rem(offset, span)
    return lax.add(minval, lax.convert_element_type(offset, dtype))


def randint(
    key: KeyArrayLike,
    shape: Shape,
    minval: IntegerArray,
    maxval: IntegerArray,
    dtype: DTypeLike | None = None,
) -> Array:
    """Uniform random integers in [minval, maxval) (jax's modulus-based scheme)."""
    k = _key("randint", key)
    dt = _int_dtype(dtype)
    shape = _shape(shape)
    if not dtypes.is_integer(dt):
        raise TypeError(f"randint only accepts integer dtypes, got {dt}")
    _check_shape("randint", shape, _np_shape(minval), _np_shape(maxval))
    info = _iinfo(dt)
    sample_dt = dt
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    if info.bits < 32:
        sample_dt = np.dtype(np.int32)
        minval = jnp.clip(minval.astype(np.int32), int(info.min), int(info.max))
        maxval = jnp.clip(maxval.astype(np.int32), int(info.min), int(info.max) + 1)
    return _randint(k, minval, maxval, shape, sample_dt).astype(dt)


# --------------------------------------------------------------------------
# permutations and choices
# --------------------------------------------------------------------------


def _shuffle(k, x, axis: int):
    exponent = 3
    uint32max = np.iinfo(np.uint32).max
    size = math.prod(x.shape)
    num_rounds = int(np.ceil(exponent * np.log(max(1, size)) / np.log(uint32max)))
    for _ in range(num_rounds):
        k, subkey = _split(k)
        sort_keys = random_bits(subkey, 32, tuple(x.shape))
        x = _sort_key_val(sort_keys, x, axis)
    return x


_shuffle_jit = jit(_shuffle, static_argnums=2)


def _canonical_axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def permutation(key: KeyArrayLike, x: int | Any, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of arange(x) or of x along `axis` (stable sort by
    random keys, as jax)."""
    k = _key("permutation", key)
    if isinstance(x, PRNGKeyArray):
        raise TypeError("permutation of a key array is not supported")
    nd = len(_np_shape(x))
    axis = _canonical_axis(axis, nd or 1)
    if not nd:
        xdt = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
        if not np.issubdtype(np.dtype(xdt), np.integer):
            raise TypeError("x must be an integer or at least 1-dimensional")
        r = operator.index(x)
        return _shuffle_jit(k, jnp.arange(r), axis)
    x = jnp.asarray(x)
    if independent or nd == 1:
        return _shuffle_jit(k, x, axis)
    ind = _shuffle_jit(k, jnp.arange(x.shape[axis]), 0)
    return jnp.take(x, ind, axis=axis)


def choice(
    key: KeyArrayLike,
    a: int | Any,
    shape: Shape = (),
    replace: bool = True,
    p: RealArray | None = None,
    axis: int = 0,
    mode: str | None = None,
) -> Array:
    """Random samples from `a` (or arange(a)), with or without replacement,
    uniformly or with probabilities `p`."""
    k = _key("choice", key)
    if not isinstance(shape, Sequence):
        raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
    arr = jnp.asarray(a)
    if arr.ndim == 0:
        n_inputs = operator.index(a)
    else:
        axis = _canonical_axis(axis, arr.ndim)
        n_inputs = arr.shape[axis]
    shape = tuple(shape)
    n_draws = math.prod(shape)
    if n_draws == 0:
        return jnp.zeros(shape, dtype=arr.dtype)
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(
            f"Cannot take a larger sample (size {n_draws}) than "
            f"population (size {n_inputs}) when 'replace=False'"
        )
    if p is None:
        if replace:
            ind = randint(k, shape, 0, n_inputs)
            result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis=axis)
        else:
            perm = permutation(k, n_inputs if arr.ndim == 0 else arr, axis)
            result = perm[(slice(None),) * axis + (slice(n_draws),)]
    else:
        p_arr = jnp.asarray(p)
        if not dtypes.is_inexact(p_arr.dtype):
            p_arr = p_arr.astype(dtypes.default_float_dtype())
        if tuple(p_arr.shape) != (n_inputs,):
            raise ValueError(
                "p must be None or a 1D vector with the same size as a.shape[axis]. "
                f"p has shape {tuple(p_arr.shape)} and a.shape[axis] is {n_inputs}."
            )
        ind = _choice_p(k, p_arr, shape, replace, mode or "low")
        result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis=axis)
    out_shape = shape if arr.ndim == 0 else arr.shape[0:axis] + shape + arr.shape[axis + 1 :]
    return jnp.reshape(result, out_shape)


@jit(static_argnums=(2, 3, 4))
def _choice_p(k, p_arr, shape, replace, mode):
    if replace:
        p_cuml = jnp.cumsum(p_arr)
        r = jnp.multiply(p_cuml[-1], jnp.subtract(1, _uniform(k, shape, p_cuml.dtype)))
        below = jnp.less(p_cuml, jnp.expand_dims(r, -1))  # searchsorted(side="left")
        return jnp.sum(below.astype(dtypes.default_int_dtype()), axis=-1)
    n_draws = math.prod(shape)
    g = jnp.add(_gumbel(k, (p_arr.shape[0],), np.dtype(p_arr.dtype), mode), jnp.log(p_arr))
    return _top_k_indices(g, n_draws).astype(dtypes.default_int_dtype())


# --------------------------------------------------------------------------
# simple distributions
# --------------------------------------------------------------------------


@jit(static_argnums=(1, 2, 3))
def _gumbel(k, shape, dtype, mode):
    fi = _finfo(dtype)
    if mode == "high":
        u = _uniform(k, (2, *shape), dtype)
        high, low = u[0], u[1]
        x = jnp.where(
            jnp.greater_equal(high, 0.5),
            high,
            jnp.add(jnp.add(high, jnp.multiply(2.0**-(fi.nmant), low)), np.array(fi.tiny, dtype)),
        )
        return jnp.negative(jnp.log(jnp.negative(jnp.log1p(jnp.negative(x)))))
    u = _uniform(k, shape, dtype, np.array(fi.tiny, dtype), 1.0)
    return jnp.negative(jnp.log(jnp.negative(jnp.log(u))))


def gumbel(
    key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None, mode: str | None = None
) -> Array:
    """Standard Gumbel samples (mode "low" or "high" resolution)."""
    k = _key("gumbel", key)
    dt = _float_dtype("gumbel", dtype)
    shape = _shape(shape)
    mode = "low" if mode is None else mode
    if mode not in ("highest", "high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    if mode == "highest":
        if dt == np.float32:
            raise NotImplementedError("gumbel(mode='highest') needs lax.clz, which mlax lacks")
        mode = "high"
    return _gumbel(k, shape, dt, mode)


@jit(static_argnums=(1, 2))
def _exponential(k, shape, dtype):
    u = _uniform(k, shape, dtype)
    return lax.neg(lax.log1p(lax.neg(u)))


def exponential(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard exponential samples (-log1p(-u))."""
    k = _key("exponential", key)
    return _exponential(k, _shape(shape), _float_dtype("exponential", dtype))


@jit(static_argnums=(1, 2))
def _laplace(k, shape, dtype):
    u = _uniform(k, shape, dtype, -1.0 + float(_finfo(dtype).epsneg), 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def laplace(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard Laplace samples."""
    k = _key("laplace", key)
    return _laplace(k, _shape(shape), _float_dtype("laplace", dtype))


@jit(static_argnums=(1, 2))
def _logistic(k, shape, dtype):
    x = _uniform(k, shape, dtype, np.array(_finfo(dtype).tiny, dtype), 1.0)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


def logistic(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard logistic samples."""
    k = _key("logistic", key)
    return _logistic(k, _shape(shape), _float_dtype("logistic", dtype))


@jit(static_argnums=(1, 2))
def _cauchy(k, shape, dtype):
    u = _uniform(k, shape, dtype, np.array(_finfo(dtype).eps, dtype), 1.0)
    pi = np.array(np.pi, dtype)[()]
    return lax.tan(lax.mul(lax.sub(u, np.array(0.5, dtype)[()]), pi))


def cauchy(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Standard Cauchy samples."""
    k = _key("cauchy", key)
    return _cauchy(k, _shape(shape), _float_dtype("cauchy", dtype))


def _bernoulli_impl(k, p, shape, mode):
    dtype = np.dtype(p.dtype)
    if mode == "high":
        u = _uniform(k, (2, *shape), dtype)
        u1, u2 = u[0], u[1]
        u2 = jnp.multiply(u2, 2.0 ** -_finfo(dtype).nmant)
        return jnp.less(u2, jnp.subtract(p, u1))
    return jnp.less(_uniform(k, shape, dtype), p)


_bernoulli = jit(_bernoulli_impl, static_argnums=(2, 3))


def bernoulli(
    key: KeyArrayLike, p: RealArray = 0.5, shape: Shape | None = None, mode: str = "low"
) -> Array:
    """Boolean samples that are True with probability p."""
    if shape is not None:
        shape = _shape(shape)
    if mode not in ("high", "low"):
        raise ValueError(f"got {mode=}, expected 'high' or 'low'")
    k = _key("bernoulli", key)
    p = jnp.asarray(p)
    if not dtypes.is_float(p.dtype):
        raise TypeError(
            f"bernoulli probability `p` must have a floating dtype, got {np.dtype(p.dtype)}."
        )
    if shape is None:
        shape = tuple(p.shape)
    else:
        _check_shape("bernoulli", shape, tuple(p.shape))
    return _bernoulli(k, p, shape, mode)


def rademacher(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """Random signs: -1 or 1 with equal probability."""
    k = _key("rademacher", key)
    dt = _int_dtype(dtype)
    return _rademacher(k, _shape(shape), dt)


@jit(static_argnums=(1, 2))
def _rademacher(k, shape, dtype):
    b = _bernoulli_impl(k, jnp.asarray(0.5), shape, "low").astype(dtype)
    return jnp.subtract(jnp.multiply(2, b), 1).astype(dtype)


@jit(static_argnums=(3, 4))
def _truncated_normal(k, lower, upper, shape, dtype):
    sqrt2 = np.array(np.sqrt(2), dtype)[()]
    lower = lax.convert_element_type(lower, dtype)
    upper = lax.convert_element_type(upper, dtype)
    a = lax.erf(jnp.divide(lower, sqrt2))
    b = lax.erf(jnp.divide(upper, sqrt2))
    u = _uniform(k, shape, dtype, a, b)
    out = jnp.multiply(sqrt2, lax.erf_inv(u))
    lo = _nextafter(lax.stop_gradient(lower), True)
    hi = _nextafter(lax.stop_gradient(upper), False)
    return jnp.clip(out, lo, hi)


def truncated_normal(
    key: KeyArrayLike,
    lower: RealArray,
    upper: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """Standard normal samples truncated to the open interval (lower, upper)."""
    if shape is not None:
        shape = _shape(shape)
    k = _key("truncated_normal", key)
    dt = _float_dtype("truncated_normal", dtype)
    if shape is None:
        shape = tuple(np.broadcast_shapes(_np_shape(lower), _np_shape(upper)))
    else:
        _check_shape("truncated_normal", shape, _np_shape(lower), _np_shape(upper))
    return _truncated_normal(k, jnp.asarray(lower), jnp.asarray(upper), shape, dt)


# --------------------------------------------------------------------------
# gamma family
# --------------------------------------------------------------------------


def _gamma_one(k, alpha, log_space: bool):
    dtype = np.dtype(alpha.dtype)

    def c_(v):
        return np.array(v, dtype)[()]

    zero, one, two, minus_one = c_(0), c_(1), c_(2), c_(-1)
    boost_mask = lax.ge(alpha, one)
    alpha_orig = alpha
    alpha = lax.select(boost_mask, alpha, lax.add(alpha, one))
    d = lax.sub(alpha, c_(1.0 / 3.0))
    c = lax.div(c_(1.0 / 3.0), lax.sqrt(d))

    def cond_fn(state):
        _, X, V, U = state
        return lax.bitwise_and(
            lax.ge(U, lax.sub(one, lax.mul(c_(0.0331), lax.mul(X, X)))),
            lax.ge(
                lax.log(U),
                lax.add(lax.mul(X, c_(0.5)), lax.mul(d, lax.add(lax.sub(one, V), lax.log(V)))),
            ),
        )

    def body_fn(state):
        def next_kxv(kxv):
            kk = kxv[0]
            ks = _split(kk)
            x = _normal_real(ks[1], (), dtype)
            v = lax.add(one, lax.mul(x, c))
            return ks[0], x, v

        ks = _split(state[0], 3)
        _, x, v = lax.while_loop(
            lambda kxv: lax.le(kxv[2], zero),
            next_kxv,
            (ks[1], jnp.asarray(zero), jnp.asarray(minus_one)),
        )
        X = lax.mul(x, x)
        V = lax.mul(lax.mul(v, v), v)
        U = _uniform(ks[2], (), dtype)
        return ks[0], X, V, U

    ks = _split(k)
    _, _, V, _ = lax.while_loop(
        cond_fn, body_fn, (ks[0], jnp.asarray(zero), jnp.asarray(one), jnp.asarray(two))
    )
    if log_space:
        log_samples = lax.neg(_exponential(ks[1], (), dtype))
        log_boost = lax.select(
            lax.bitwise_or(boost_mask, lax.eq(log_samples, zero)),
            jnp.asarray(zero),
            lax.mul(log_samples, lax.div(one, alpha_orig)),
        )
        return lax.add(lax.add(lax.log(d), lax.log(V)), log_boost)
    samples = lax.sub(one, _uniform(ks[1], (), dtype))
    boost = lax.select(boost_mask, jnp.asarray(one), lax.pow(samples, lax.div(one, alpha_orig)))
    return lax.mul(lax.mul(d, V), boost)


@jit(static_argnums=(2,))
def _gamma_flat(keys, alphas, log_space):
    return lax.map(lambda ka: _gamma_one(ka[0], ka[1], log_space), (keys, alphas))


def _gamma(k, a, shape, dtype, log_space):
    # Not jitted as a whole, so that beta / dirichlet / t / chisquare / f
    # reuse the compiled sampler for their shapes (under a user jit it all
    # inlines anyway).
    a = lax.convert_element_type(jnp.asarray(a), dtype)
    if tuple(a.shape) != shape:
        a = jnp.broadcast_to(a, shape)
    n = math.prod(shape)
    if n == 0:
        return jnp.zeros(shape, dtype)
    keys = _split(k, n)
    samples = _gamma_flat(keys, jnp.reshape(a, (n,)), log_space)
    return jnp.reshape(samples, shape)


def _gamma_args(name: str, a, shape, dtype):
    dt = _float_dtype("gamma", dtype)
    if shape is None:
        shape = _np_shape(a)
    else:
        shape = _shape(shape)
        _check_shape(name, shape, _np_shape(a))
    return jnp.asarray(a), tuple(shape), dt


def gamma(
    key: KeyArrayLike, a: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Standard gamma samples with concentration `a` (Marsaglia-Tsang)."""
    k = _key("gamma", key)
    a, shape, dt = _gamma_args("gamma", a, shape, dtype)
    return _gamma(k, a, shape, dt, False)


def loggamma(
    key: KeyArrayLike, a: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """log of standard gamma samples, computed in log space (accurate for small a)."""
    k = _key("loggamma", key)
    a, shape, dt = _gamma_args("gamma", a, shape, dtype)
    return _gamma(k, a, shape, dt, True)


def _beta(k, a, b, shape, dtype):
    a = jnp.broadcast_to(lax.convert_element_type(a, dtype), shape)
    b = jnp.broadcast_to(lax.convert_element_type(b, dtype), shape)
    ka, kb = _split(k)
    lga = _gamma(ka, a, shape, dtype, True)
    lgb = _gamma(kb, b, shape, dtype, True)
    lmax = lax.max(lga, lgb)
    ga = jnp.exp(jnp.subtract(lga, lmax))
    gb = jnp.exp(jnp.subtract(lgb, lmax))
    return jnp.divide(ga, jnp.add(ga, gb))


def beta(
    key: KeyArrayLike,
    a: RealArray,
    b: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """Beta(a, b) samples (through log-gamma samples)."""
    k = _key("beta", key)
    dt = _float_dtype("beta", dtype)
    shape = _broadcast_shapes("beta", shape, a, b)
    return _beta(k, jnp.asarray(a), jnp.asarray(b), shape, dt)


def _dirichlet(k, alpha, shape, dtype):
    alpha = lax.convert_element_type(alpha, dtype)
    full = (*shape, alpha.shape[-1])
    lg = _gamma(k, alpha, full, dtype, True)
    x_max = jnp.max(lg, axis=-1, keepdims=True)
    un = jnp.exp(jnp.subtract(lg, x_max))
    return jnp.divide(un, jnp.sum(un, axis=-1, keepdims=True))


def dirichlet(
    key: KeyArrayLike, alpha: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Dirichlet samples over the last axis of `alpha`."""
    k = _key("dirichlet", key)
    dt = _float_dtype("dirichlet", dtype)
    ashape = _np_shape(alpha)
    if not len(ashape) >= 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(ashape)}")
    if shape is None:
        shape = ashape[:-1]
    else:
        shape = _shape(shape)
        _check_shape("dirichlet", shape, ashape[:-1])
    return _dirichlet(k, jnp.asarray(alpha), tuple(shape), dt)


def _t(k, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    kn, kg = _split(k)
    n = _normal_real(kn, shape, dtype)
    half_df = jnp.divide(df, np.array(2, dtype)[()])
    g = _gamma(kg, half_df, shape, dtype, False)
    return jnp.multiply(n, jnp.sqrt(jnp.divide(half_df, g)))


def t(
    key: KeyArrayLike, df: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Student's t samples with `df` degrees of freedom."""
    k = _key("t", key)
    dt = _float_dtype("t", dtype)
    shape = _broadcast_shapes("t", shape, df)
    return _t(k, jnp.asarray(df), shape, dt)


def _chisquare(k, df, shape, dtype):
    df = lax.convert_element_type(df, dtype)
    two = np.array(2, dtype)[()]
    log_g = _gamma(k, jnp.divide(df, two), shape, dtype, True)
    return lax.mul(jnp.exp(log_g), two)


def chisquare(
    key: KeyArrayLike, df: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Chi-square samples with `df` degrees of freedom."""
    k = _key("chisquare", key)
    dt = _float_dtype("chisquare", dtype)
    shape = _broadcast_shapes("chisquare", shape, df)
    return _chisquare(k, jnp.asarray(df), shape, dt)


def _f(k, dfnum, dfden, shape, dtype):
    dfden = lax.convert_element_type(dfden, dtype)
    dfnum = lax.convert_element_type(dfnum, dtype)
    k_dfd, k_dfn = _split(k)
    chi_n = _chisquare(k_dfn, dfnum, shape, dtype)
    chi_d = _chisquare(k_dfd, dfden, shape, dtype)
    return jnp.divide(jnp.divide(chi_n, dfnum), jnp.divide(chi_d, dfden))


def f(
    key: KeyArrayLike,
    dfnum: RealArray,
    dfden: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """F-distribution samples."""
    k = _key("f", key)
    dt = _float_dtype("f", dtype)
    shape = _broadcast_shapes("f", shape, dfnum, dfden)
    return _f(k, jnp.asarray(dfnum), jnp.asarray(dfden), shape, dt)


@jit(static_argnums=(2, 3))
def _pareto(k, b, shape, dtype):
    b = lax.convert_element_type(b, dtype)
    return jnp.exp(jnp.divide(_exponential(k, shape, dtype), b))


def pareto(
    key: KeyArrayLike, b: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Pareto samples with shape parameter `b`."""
    k = _key("pareto", key)
    dt = _float_dtype("pareto", dtype)
    shape = _broadcast_shapes("pareto", shape, b)
    return _pareto(k, jnp.asarray(b), shape, dt)


# --------------------------------------------------------------------------
# categorical
# --------------------------------------------------------------------------


@jit(static_argnums=(2, 3, 4, 5, 6))
def _categorical(k, logits, shape, batch_shape, axis, replace, mode):
    dtype = np.dtype(logits.dtype)
    nd = len(logits.shape)
    shape_prefix = shape[: len(shape) - len(batch_shape)]
    if replace:
        if axis >= 0:
            axis -= nd
        logits_shape = list(shape[len(shape) - len(batch_shape) :])
        logits_shape.insert(axis % nd, logits.shape[axis])
        g = _gumbel(k, (*shape_prefix, *logits_shape), dtype, mode)
        x = jnp.add(g, jnp.reshape(logits, (1,) * len(shape_prefix) + tuple(logits.shape)))
        return jnp.argmax(x, axis=axis)
    logits = jnp.add(logits, _gumbel(k, tuple(logits.shape), dtype, mode))
    kk = math.prod(shape_prefix)
    if kk > logits.shape[axis]:
        raise ValueError(
            f"Number of samples without replacement ({kk}) cannot exceed number of "
            f"categories ({logits.shape[axis]})."
        )
    idx = _top_k_indices(jnp.moveaxis(logits, axis, -1), kk)
    idx = jnp.transpose(idx, (idx.ndim - 1, *range(idx.ndim - 1)))
    return jnp.reshape(idx, shape).astype(dtypes.default_int_dtype())


def categorical(
    key: KeyArrayLike,
    logits: RealArray,
    axis: int = -1,
    shape: Shape | None = None,
    replace: bool = True,
    mode: str | None = None,
) -> Array:
    """Samples from categorical distributions given by unnormalized log
    probabilities (Gumbel-max; Gumbel top-k without replacement)."""
    k = _key("categorical", key)
    logits = jnp.asarray(logits)
    axis = operator.index(axis)
    batch_shape = tuple(np.delete(np.array(logits.shape, dtype=np.int64), axis).tolist())
    if shape is None:
        shape = batch_shape
    else:
        shape = _shape(shape)
        _check_shape("categorical", shape, batch_shape)
    mode = "low" if mode is None else mode
    if mode not in ("high", "low"):
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    return _categorical(k, logits, tuple(shape), batch_shape, axis, bool(replace), mode)


# --------------------------------------------------------------------------
# a few more, cheap ones
# --------------------------------------------------------------------------


@jit(static_argnums=(2, 3))
def _rayleigh(k, scale, shape, dtype):
    u = _uniform(k, shape, dtype)
    scale = jnp.broadcast_to(scale.astype(dtype), shape)
    return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), np.array(-2, dtype)[()])))


def rayleigh(
    key: KeyArrayLike, scale: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Rayleigh samples with the given scale."""
    k = _key("rayleigh", key)
    dt = _float_dtype("rayleigh", dtype)
    shape = _broadcast_shapes("rayleigh", shape, scale)
    return _rayleigh(k, jnp.asarray(scale), shape, dt)


@jit(static_argnums=(2, 3))
def _lognormal(k, sigma, shape, dtype):
    sigma = lax.convert_element_type(sigma, dtype)
    return lax.exp(jnp.multiply(sigma, _normal_real(k, shape, dtype)))


def lognormal(
    key: KeyArrayLike,
    sigma: RealArray = 1.0,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """Log-normal samples: exp(sigma * normal)."""
    k = _key("lognormal", key)
    dt = _float_dtype("lognormal", dtype)
    shape = _broadcast_shapes("lognormal", shape, sigma)
    return _lognormal(k, jnp.asarray(sigma), shape, dt)


@jit(static_argnums=(1, 2))
def _maxwell(k, shape, dtype):
    x = _normal_real(k, (*shape, 3), dtype)
    return jnp.sqrt(jnp.sum(jnp.multiply(x, x), axis=-1))


def maxwell(key: KeyArrayLike, shape: Shape = (), dtype: DTypeLike | None = None) -> Array:
    """One-sided Maxwell samples (norm of 3 standard normals)."""
    k = _key("maxwell", key)
    return _maxwell(k, _shape(shape), _float_dtype("maxwell", dtype))


def double_sided_maxwell(
    key: KeyArrayLike,
    loc: RealArray,
    scale: RealArray,
    shape: Shape = (),
    dtype: DTypeLike | None = None,
) -> Array:
    """Double-sided Maxwell samples: loc + scale * (random sign) * maxwell."""
    k = _key("double_sided_maxwell", key)
    dt = _float_dtype("double_sided_maxwell", dtype)
    return _double_sided_maxwell(k, jnp.asarray(loc), jnp.asarray(scale), _shape(shape), dt)


@jit(static_argnums=(3, 4))
def _double_sided_maxwell(k, loc, scale, shape, dtype):
    params_shape = tuple(np.broadcast_shapes(tuple(loc.shape), tuple(scale.shape)))
    if not shape:
        shape = params_shape
    shape = shape + params_shape
    km, kr = _split(k)
    m = _maxwell(km, shape, dtype)
    sign = _rademacher(kr, shape, dtype)
    return jnp.add(jnp.multiply(jnp.multiply(sign, m), scale), loc)


def weibull_min(
    key: KeyArrayLike,
    scale: RealArray,
    concentration: RealArray,
    shape: Shape = (),
    dtype: DTypeLike | None = None,
) -> Array:
    """Weibull samples (inverse CDF of a uniform)."""
    k = _key("weibull_min", key)
    dt = _float_dtype("weibull_min", dtype)
    return _weibull_min(k, jnp.asarray(scale), jnp.asarray(concentration), _shape(shape), dt)


@jit(static_argnums=(3, 4))
def _weibull_min(k, scale, concentration, shape, dtype):
    u = _uniform(k, shape, dtype)
    return jnp.multiply(
        jnp.power(jnp.negative(jnp.log1p(jnp.negative(u))), jnp.divide(1.0, concentration)),
        scale,
    )


def _check_safe_cast(name: str, dtype, *args) -> None:
    for a in args:
        adt = np.asarray(a).dtype if not hasattr(a, "dtype") else np.dtype(a.dtype)
        weak = isinstance(a, (int, float, complex)) and not isinstance(a, bool)
        if not weak and not np.can_cast(adt, dtype, casting="same_kind"):
            raise TypeError(
                f"{name} requires all parameters to be safely castable to the "
                f"dtype {np.dtype(dtype)}, but got a parameter of dtype {adt}"
            )


def wald(
    key: KeyArrayLike, mean: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Wald (inverse Gaussian) samples with the given mean."""
    k = _key("wald", key)
    dt = _float_dtype("wald", dtype)
    shape = _broadcast_shapes("wald", shape, mean)
    return _wald(k, jnp.asarray(mean), shape, dt)


@jit(static_argnums=(2, 3))
def _wald(k, mean, shape, dtype):
    k1, k2 = _split(k)
    mean = jnp.broadcast_to(mean.astype(dtype), shape)
    v = _normal(k1, shape, dtype)
    z = _uniform(k2, shape, dtype)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mean_sq = lax.integer_pow(mean, 2)
    c = functools.partial(np.array, dtype=dtype)
    sqrt_term = lax.sqrt(lax.add(lax.mul(lax.mul(c(4), mean), y), lax.mul(mean_sq, y_sq)))
    x = lax.sub(
        lax.add(mean, lax.div(lax.mul(mean_sq, y), c(2))),
        lax.mul(lax.div(mean, c(2)), sqrt_term),
    )
    return lax.select(lax.le(z, lax.div(mean, lax.add(mean, x))), x, lax.div(mean_sq, x))


def geometric(
    key: KeyArrayLike, p: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Geometric samples: the number of trials up to the first success."""
    k = _key("geometric", key)
    dt = _int_dtype(dtype)
    if not dtypes.is_integer(dt):
        raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dt}")
    shape = _broadcast_shapes("geometric", shape, p)
    p = jnp.asarray(p)
    if not dtypes.is_inexact(p.dtype):
        p = p.astype(dtypes.default_float_dtype())
    return _geometric(k, p, shape, dt)


@jit(static_argnums=(2, 3))
def _geometric(k, p, shape, dtype):
    fdt = np.dtype(p.dtype)
    u = _uniform(k, shape, fdt)
    u = jnp.where(jnp.equal(u, 0), np.array(1, fdt), u)
    log_u = lax.log(u)
    log_one_minus_p = jnp.broadcast_to(lax.log1p(lax.neg(p)), shape)
    g = jnp.add(lax.floor(lax.div(log_u, log_one_minus_p)), np.array(1, fdt))
    return g.astype(dtype)


def triangular(
    key: KeyArrayLike,
    left: RealArray,
    mode: RealArray,
    right: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """Triangular samples on [left, right] with peak at `mode`."""
    k = _key("triangular", key)
    dt = _float_dtype("triangular", dtype)
    shape = _broadcast_shapes("triangular", shape, left, mode, right)
    _check_safe_cast("triangular", dt, left, mode, right)
    return _triangular(k, jnp.asarray(left), jnp.asarray(mode), jnp.asarray(right), shape, dt)


@jit(static_argnums=(4, 5))
def _triangular(k, left, mode, right, shape, dtype):
    left = jnp.broadcast_to(lax.convert_element_type(left, dtype), shape)
    right = jnp.broadcast_to(lax.convert_element_type(right, dtype), shape)
    mode = jnp.broadcast_to(lax.convert_element_type(mode, dtype), shape)
    fc = lax.div(lax.sub(mode, left), lax.sub(right, left))
    u = _uniform(k, shape, dtype)
    width = lax.sub(right, left)
    out1 = lax.add(left, lax.sqrt(lax.mul(lax.mul(u, width), lax.sub(mode, left))))
    one_minus_u = lax.sub(np.array(1, dtype), u)
    out2 = lax.sub(right, lax.sqrt(lax.mul(lax.mul(one_minus_u, width), lax.sub(right, mode))))
    return lax.select(lax.lt(u, fc), out1, out2)


# --------------------------------------------------------------------------
# generalized normal, ball, orthogonal, multivariate normal
# --------------------------------------------------------------------------


def _index(name: str, v) -> int:
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{name} must be a concrete integer, got {v!r}") from None


def generalized_normal(
    key: KeyArrayLike, p: float, shape: Shape = (), dtype: DTypeLike | None = None
) -> Array:
    """Generalized normal samples, density proportional to exp(-|x|^p)."""
    k = _key("generalized_normal", key)
    dt = _float_dtype("generalized_normal", dtype)
    return _generalized_normal_jit(k, jnp.asarray(p), _shape(shape), dt)


def _generalized_normal(k, p, shape, dtype):
    k1, k2 = _split(k)
    inv_p = jnp.divide(1, p)
    g = _gamma(k1, inv_p, shape, dtype, False)
    r = _rademacher(k2, shape, dtype)
    return jnp.multiply(r, lax.pow(g, lax.convert_element_type(inv_p, dtype)))


_generalized_normal_jit = jit(_generalized_normal, static_argnums=(2, 3))


def ball(
    key: KeyArrayLike, d: int, p: float = 2, shape: Shape = (), dtype: DTypeLike | None = None
) -> Array:
    """Uniform samples from the unit Lp ball in d dimensions (shape (*shape, d))."""
    k = _key("ball", key)
    dt = _float_dtype("ball", dtype)
    d = _index("d", d)
    return _ball(k, jnp.asarray(p), d, _shape(shape), dt)


@jit(static_argnums=(2, 3, 4))
def _ball(k, p, d, shape, dtype):
    k1, k2 = _split(k)
    g = _generalized_normal(k1, p, (*shape, d), dtype)
    e = _exponential(k2, shape, dtype)
    pf = lax.convert_element_type(p, dtype)
    s = jnp.add(jnp.sum(lax.pow(jnp.abs(g), pf), axis=-1), e)
    inv_p = lax.convert_element_type(jnp.divide(1, p), dtype)
    return jnp.divide(g, jnp.expand_dims(lax.pow(s, inv_p), -1))


def orthogonal(
    key: KeyArrayLike,
    n: int,
    shape: Shape = (),
    dtype: DTypeLike | None = None,
    m: int | None = None,
) -> Array:
    """Uniform samples from O(n) (U(n) for complex dtypes), of shape (*shape, n, m);
    semi-orthogonal when m != n (QR of a normal matrix, signs fixed by diag(R))."""
    k = _key("orthogonal", key)
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_inexact(dt):
        raise ValueError(
            f"dtype argument to `orthogonal` must be a float or complex dtype, got {dt}"
        )
    n = _index("n", n)
    m = n if m is None else _index("m", m)
    return _orthogonal(k, n, m, _shape(shape), dt)


@jit(static_argnums=(1, 2, 3, 4))
def _orthogonal(k, n, m, shape, dtype):
    from mlax._src import numpy_linalg

    z = _normal(k, (*shape, max(n, m), min(n, m)), dtype)
    q, r = numpy_linalg.qr(z)
    d = jnp.diagonal(r, axis1=-2, axis2=-1)
    x = jnp.multiply(q, jnp.expand_dims(jnp.sign(d), -2))
    return jnp.swapaxes(x, -1, -2) if n < m else x


def multivariate_normal(
    key: KeyArrayLike,
    mean: RealArray,
    cov: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
    method: str = "cholesky",
) -> Array:
    """Multivariate normal samples, of shape shape + mean.shape[-1:]; the factor of
    `cov` by 'cholesky' (default), 'eigh' or 'svd' (for singular covariances)."""
    k = _key("multivariate_normal", key)
    mean, cov = jnp.asarray(mean), jnp.asarray(cov)
    dt = np.dtype(jnp.result_type(mean, cov))
    if not dtypes.is_inexact(dt):
        dt = dtypes.default_float_dtype()
    mean, cov = mean.astype(dt), cov.astype(dt)
    if method not in {"svd", "eigh", "cholesky"}:
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    dt = np.dtype(mean.dtype) if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dt):
        raise ValueError(f"dtype argument to `multivariate_normal` must be a float dtype, got {dt}")
    if mean.ndim < 1:
        raise ValueError(
            f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {mean.ndim}"
        )
    if cov.ndim < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {cov.ndim}")
    n = mean.shape[-1]
    if tuple(cov.shape[-2:]) != (n, n):
        raise ValueError(
            f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
            f"but got cov.shape == {tuple(cov.shape)}."
        )
    if shape is None:
        shape = tuple(np.broadcast_shapes(tuple(mean.shape[:-1]), tuple(cov.shape[:-2])))
    else:
        shape = _shape(shape)
        _check_shape("normal", shape, tuple(mean.shape[:-1]), tuple(cov.shape[:-2]))
    return _multivariate_normal(k, mean, cov, shape, dt, method)


@jit(static_argnums=(3, 4, 5))
def _multivariate_normal(k, mean, cov, shape, dtype, method):
    from mlax._src import numpy_linalg

    if method == "svd":
        u, s, _ = numpy_linalg.svd(cov)
        factor = jnp.multiply(u, jnp.sqrt(s[..., None, :]))
    elif method == "eigh":
        w, v = numpy_linalg.eigh(cov)
        factor = jnp.multiply(v, jnp.sqrt(w[..., None, :]))
    else:
        factor = numpy_linalg.cholesky(cov)
    z = _normal(k, (*shape, mean.shape[-1]), dtype)
    return jnp.add(mean, jnp.einsum("...ij,...j->...i", factor, z))


# --------------------------------------------------------------------------
# poisson, binomial, multinomial
# --------------------------------------------------------------------------


def _counter_limit(limit: int) -> tuple[Any, Any]:
    """The iteration counter's start and its bound (jax compares a weakly
    typed counter with max_iters of the sample dtype)."""
    idt = dtypes.default_int_dtype()
    limit = min(limit, int(np.iinfo(idt).max))
    return jnp.asarray(np.array(0, idt)), np.array(limit, idt)[()]


def _poisson_knuth(k, lam, shape, dtype, max_iters):
    f32 = np.dtype(np.float32)
    neg_lam = lax.neg(lam)
    i0, limit = _counter_limit(max_iters)

    def body_fn(carry):
        i, kk, rng, log_prod = carry
        rng, subkey = _split(rng)
        kk = lax.select(lax.gt(log_prod, neg_lam), lax.add(kk, dtype.type(1)), kk)
        u = _uniform(subkey, shape, f32)
        return lax.add(i, i.dtype.type(1)), kk, rng, lax.add(log_prod, lax.log(u))

    def cond_fn(carry):
        i, log_prod = carry[0], carry[3]
        return lax.bitwise_and(jnp.any(lax.gt(log_prod, neg_lam)), lax.lt(i, limit))

    k_init = jnp.zeros(shape, dtype)
    log_init = jnp.zeros(shape, f32)
    kk = lax.while_loop(cond_fn, body_fn, (i0, k_init, k, log_init))[1]
    return lax.sub(kk, dtype.type(1)).astype(dtype)


def _poisson_rejection(k, lam, shape, dtype, max_iters):
    fdt = np.dtype(lam.dtype)

    def c(v):
        return np.array(v, fdt)[()]

    log_lam = lax.log(lam)
    b = lax.add(c(0.931), lax.mul(c(2.53), lax.sqrt(lam)))
    a = lax.add(c(-0.059), lax.mul(c(0.02483), b))
    inv_alpha = lax.add(c(1.1239), lax.div(c(1.1328), lax.sub(b, c(3.4))))
    v_r = lax.sub(c(0.9277), lax.div(c(3.6224), lax.sub(b, c(2))))

    def body_fn(carry):
        i, k_out, accepted, rng = carry
        rng, sk0, sk1 = _split(rng, 3)
        u = lax.sub(_uniform(sk0, shape, fdt), c(0.5))
        v = _uniform(sk1, shape, fdt)
        us = lax.sub(c(0.5), lax.abs(u))
        kk = lax.floor(
            lax.add(
                lax.add(lax.mul(lax.add(lax.div(lax.mul(c(2), a), us), b), u), lam),
                c(0.43),
            )
        )
        s = lax.log(lax.div(lax.mul(v, inv_alpha), lax.add(lax.div(a, lax.mul(us, us)), b)))
        t = lax.sub(lax.add(lax.neg(lam), lax.mul(kk, log_lam)), lax.lgamma(lax.add(kk, c(1))))
        accept1 = lax.bitwise_and(lax.ge(us, c(0.07)), lax.le(v, v_r))
        reject = lax.bitwise_or(
            lax.lt(kk, c(0)), lax.bitwise_and(lax.lt(us, c(0.013)), lax.gt(v, us))
        )
        accept2 = lax.le(s, t)
        accept = lax.bitwise_or(accept1, lax.bitwise_and(lax.bitwise_not(reject), accept2))
        k_out = lax.select(accept, kk, k_out)
        accepted = lax.bitwise_or(accepted, accept)
        return lax.add(i, i.dtype.type(1)), k_out, accepted, rng

    i0, limit = _counter_limit(max_iters)

    def cond_fn(carry):
        i, accepted = carry[0], carry[2]
        return lax.bitwise_and(jnp.any(lax.bitwise_not(accepted)), lax.lt(i, limit))

    k_init = jnp.full(shape, c(-1))
    acc_init = jnp.zeros(shape, bool)
    kk = lax.while_loop(cond_fn, body_fn, (i0, k_init, acc_init, k))[1]
    return kk.astype(dtype)


@jit(static_argnums=(2, 3))
def _poisson(k, lam, shape, dtype):
    fdt = np.dtype(lam.dtype)
    use_knuth = lax.bitwise_or(lax.ne(lam, lam), lax.lt(lam, np.array(10, fdt)[()]))
    lam_knuth = lax.select(use_knuth, lam, jnp.zeros(shape, fdt))
    lam_rej = lax.select(use_knuth, jnp.full(shape, np.array(1e5, fdt)[()]), lam)
    max_iters = int(np.iinfo(dtype).max)
    result = lax.select(
        use_knuth,
        _poisson_knuth(k, lam_knuth, shape, dtype, max_iters),
        _poisson_rejection(k, lam_rej, shape, dtype, max_iters),
    )
    return lax.select(lax.eq(lam, np.array(0, fdt)[()]), jnp.zeros(shape, dtype), result)


def poisson(
    key: KeyArrayLike, lam: RealArray, shape: Shape | None = None, dtype: DTypeLike | None = None
) -> Array:
    """Poisson samples with rate `lam` (Knuth's algorithm for lam < 10,
    Hormann's transformed rejection otherwise; computed in float32)."""
    k = _key("poisson", key)
    dt = _int_dtype(dtype)
    if not dtypes.is_integer(dt):
        raise ValueError(f"dtype argument to `poisson` must be an int dtype, got {dt}")
    shape = _np_shape(lam) if shape is None else _shape(shape)
    lam = jnp.broadcast_to(jnp.asarray(lam), shape)
    lam = lax.convert_element_type(lam, np.float32)
    return _poisson(k, lam, tuple(shape), dt)


def _stirling_approx_tail(kk):
    dt = np.dtype(kk.dtype)
    vals = jnp.asarray(
        np.array(
            [
                0.0810614667953272,
                0.0413406959554092,
                0.0276779256849983,
                0.02079067210376509,
                0.0166446911898211,
                0.0138761288230707,
                0.0118967099458917,
                0.0104112652619720,
                0.00925546218271273,
                0.00833056343336287,
            ],
            dt,
        )
    )

    def c(v):
        return np.array(v, dt)[()]

    use_tail = lax.le(kk, c(9))
    kk = lax.clamp(c(0), kk, c(9))
    kp1 = lax.add(kk, c(1))
    kp1sq = lax.mul(kp1, kp1)
    approx = lax.div(
        lax.sub(c(1.0 / 12), lax.div(lax.sub(c(1.0 / 360), lax.div(c(1.0 / 1260), kp1sq)), kp1sq)),
        kp1,
    )
    kk = lax.floor(kk)
    return lax.select(use_tail, vals[kk.astype(np.int32)], approx)


def _binomial_inversion(k, count, prob, shape, dtype, limit):
    fdt = np.dtype(prob.dtype)
    log1mp = jnp.log1p(jnp.negative(prob))

    def body_fn(carry):
        i, num_geom, geom_sum, rng = carry
        subkey, rng = _split(rng)
        num_geom_out = lax.select(
            lax.le(geom_sum, count), lax.add(num_geom, np.array(1, fdt)[()]), num_geom
        )
        u = _uniform(subkey, shape, fdt)
        geom = jnp.ceil(jnp.divide(jnp.log(u), log1mp))
        return lax.add(i, i.dtype.type(1)), num_geom_out, lax.add(geom_sum, geom), rng

    i0, lim = _counter_limit(limit)

    def cond_fn(carry):
        i, geom_sum = carry[0], carry[2]
        return lax.bitwise_and(jnp.any(lax.le(geom_sum, count)), lax.lt(i, lim))

    z = jnp.zeros(shape, fdt)
    kk = lax.while_loop(cond_fn, body_fn, (i0, z, z, k))[1]
    return lax.sub(kk, np.array(1, fdt)[()]).astype(dtype)


def _btrs(k, count, prob, shape, dtype, limit):
    fdt = np.dtype(prob.dtype)

    def c(v):
        return np.array(v, fdt)[()]

    one = c(1)
    stddev = jnp.sqrt(lax.mul(lax.mul(count, prob), lax.sub(one, prob)))
    b = lax.add(c(1.15), lax.mul(c(2.53), stddev))
    a = lax.add(lax.add(c(-0.0873), lax.mul(c(0.0248), b)), lax.mul(c(0.01), prob))
    cc = lax.add(lax.mul(count, prob), c(0.5))
    v_r = lax.sub(c(0.92), lax.div(c(4.2), b))
    r = lax.div(prob, lax.sub(one, prob))
    alpha = lax.mul(lax.add(c(2.83), lax.div(c(5.1), b)), stddev)
    m = jnp.floor(lax.mul(lax.add(count, one), prob))

    def body_fn(carry):
        i, k_out, accepted, rng = carry
        rng, sk0, sk1 = _split(rng, 3)
        u = _uniform(sk0, shape, fdt)
        v = _uniform(sk1, shape, fdt)
        u = lax.sub(u, c(0.5))
        us = lax.sub(c(0.5), jnp.abs(u))
        accept1 = lax.bitwise_and(lax.ge(us, c(0.07)), lax.le(v, v_r))
        kk = jnp.floor(lax.add(lax.mul(lax.add(lax.div(lax.mul(c(2), a), us), b), u), cc))
        reject = lax.bitwise_or(lax.lt(kk, c(0)), lax.gt(kk, count))
        v = jnp.log(lax.div(lax.mul(v, alpha), lax.add(lax.div(a, lax.mul(us, us)), b)))
        n_m1 = lax.add(lax.sub(count, m), one)
        n_k1 = lax.add(lax.sub(count, kk), one)
        ub = lax.mul(lax.add(m, c(0.5)), jnp.log(lax.div(lax.add(m, one), lax.mul(r, n_m1))))
        ub = lax.add(ub, lax.mul(lax.add(count, one), jnp.log(lax.div(n_m1, n_k1))))
        ub = lax.add(
            ub,
            lax.mul(lax.add(kk, c(0.5)), jnp.log(lax.div(lax.mul(r, n_k1), lax.add(kk, one)))),
        )
        ub = lax.add(ub, _stirling_approx_tail(m))
        ub = lax.add(ub, _stirling_approx_tail(lax.sub(count, m)))
        ub = lax.sub(ub, _stirling_approx_tail(kk))
        ub = lax.sub(ub, _stirling_approx_tail(lax.sub(count, kk)))
        accept2 = lax.le(v, ub)
        accept = lax.bitwise_or(accept1, lax.bitwise_and(lax.bitwise_not(reject), accept2))
        k_out = lax.select(accept, kk, k_out)
        return lax.add(i, i.dtype.type(1)), k_out, lax.bitwise_or(accepted, accept), rng

    i0, lim = _counter_limit(limit)

    def cond_fn(carry):
        i, accepted = carry[0], carry[2]
        return lax.bitwise_and(jnp.any(lax.bitwise_not(accepted)), lax.lt(i, lim))

    carry = (i0, jnp.full(shape, c(-1)), jnp.zeros(shape, bool), k)
    return lax.while_loop(cond_fn, body_fn, carry)[1].astype(dtype)


def _binomial_impl(k, count, prob, shape, dtype):
    fdt = np.dtype(prob.dtype)

    def c(v):
        return np.array(v, fdt)[()]

    count = jnp.broadcast_to(lax.convert_element_type(count, fdt), shape)
    prob = jnp.broadcast_to(prob, shape)
    p_lt_half = lax.lt(prob, c(0.5))
    q = lax.select(p_lt_half, prob, lax.sub(c(1), prob))
    count_nan_or_neg = lax.bitwise_or(lax.ne(count, count), lax.lt(count, c(0)))
    count_inf = jnp.isinf(count)
    q_is_nan = lax.ne(q, q)
    q_l_0 = lax.lt(q, c(0))
    q = lax.select(lax.bitwise_or(q_is_nan, q_l_0), jnp.full(shape, c(0.01)), q)
    use_inv = lax.bitwise_or(count_nan_or_neg, lax.le(lax.mul(count, q), c(10)))
    count = jnp.floor(count)
    count_inv = lax.select(use_inv, count, jnp.zeros(shape, fdt))
    count_btrs = lax.select(use_inv, jnp.full(shape, c(1e4)), count)
    q_btrs = lax.select(use_inv, jnp.full(shape, c(0.5)), q)
    fmax = float(_finfo(dtype).max)
    limit = int(fmax) if fmax < 2**62 else 2**62
    samples = lax.select(
        use_inv,
        _binomial_inversion(k, count_inv, q, shape, dtype, limit),
        _btrs(k, count_btrs, q_btrs, shape, dtype, limit),
    )
    invalid = lax.bitwise_or(lax.bitwise_or(q_l_0, q_is_nan), count_nan_or_neg)
    samples = lax.select(invalid, jnp.full(shape, np.array(np.nan, dtype)[()]), samples)
    samples = lax.select(
        lax.bitwise_and(count_inf, lax.bitwise_not(invalid)),
        jnp.full(shape, np.array(np.inf, dtype)[()]),
        samples,
    )
    keep = lax.bitwise_or(
        lax.bitwise_or(p_lt_half, count_nan_or_neg), lax.bitwise_or(q_is_nan, count_inf)
    )
    return lax.select(keep, samples, lax.sub(count.astype(dtype), samples))


_binomial = jit(_binomial_impl, static_argnums=(3, 4))


def _prob_inexact(p):
    p = jnp.asarray(p)
    if not dtypes.is_inexact(p.dtype):
        p = p.astype(dtypes.default_float_dtype())
    return p


def binomial(
    key: KeyArrayLike,
    n: RealArray,
    p: RealArray,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
) -> Array:
    """Binomial samples (as floats) with `n` trials of success probability `p`
    (inversion for n * min(p, 1 - p) <= 10, BTRS rejection otherwise)."""
    k = _key("binomial", key)
    dt = _float_dtype("binomial", dtype)
    n, p = jnp.asarray(n), _prob_inexact(p)
    shape = _broadcast_shapes("binomial", shape, n, p)
    return _binomial(k, n, p, shape, dt)


def multinomial(
    key: KeyArrayLike,
    n: RealArray,
    p: RealArray,
    *,
    shape: Shape | None = None,
    dtype: DTypeLike | None = None,
    unroll: int | bool = 1,
) -> Array:
    """Multinomial counts of `n` trials over the outcomes on the last axis of `p`
    (a scan of conditional binomials)."""
    k = _key("multinomial", key)
    dt = _float_dtype("multinomial", dtype)
    n, p = jnp.asarray(n), jnp.asarray(p)
    pdt = np.dtype(jnp.result_type(n, p))
    if not dtypes.is_inexact(pdt):
        pdt = dtypes.default_float_dtype()
    n, p = n.astype(pdt), p.astype(pdt)
    shape = tuple(p.shape) if shape is None else _shape(shape)
    return _multinomial(k, n, p, shape, dt, unroll)


@jit(static_argnums=(3, 4, 5))
def _multinomial(k, n, p, shape, dtype, unroll):
    n = jnp.broadcast_to(n, shape[:-1])
    p = jnp.broadcast_to(p, shape)
    rdt = np.dtype(n.dtype)

    def step(remainder, ratio_key):
        ratio, kk = ratio_key
        ratio = jnp.clip(ratio, 0, 1)
        cshape = tuple(np.broadcast_shapes(tuple(remainder.shape), tuple(ratio.shape)))
        count = _binomial_impl(kk, remainder, ratio, cshape, rdt)
        return jnp.subtract(remainder, count), count

    p = jnp.moveaxis(p, -1, 0)
    remaining = lax.cumsum(p, 0, reverse=True)
    ratios = jnp.divide(p, jnp.where(jnp.equal(remaining, 0), np.array(1, rdt), remaining))
    keys = _split(k, ratios.shape[0])
    _, counts = lax.scan(step, n, (ratios, keys), unroll=unroll)
    return jnp.moveaxis(counts, 0, -1).astype(dtype)


def key_dtype(impl: str | None = None):
    """The dtype of typed keys (key<fry>, the Threefry-2x32 implementation)."""
    _check_impl(impl)
    return prng.key_dtype
