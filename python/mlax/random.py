"""mlax.random: JAX's Threefry-2x32 counter-based PRNG, bit-for-bit.

Keys are uint32 arrays of shape (2,) (JAX's raw keys; `key` returns one too).
Streams follow JAX's default "partitionable" Threefry scheme, so the same
seed gives the same numbers as JAX's random module.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from mlax import lax
from mlax import numpy as jnp
from mlax._src import dtypes
from mlax._src.api import jit
from mlax._src.core import Array, DTypeLike

__all__ = ["PRNGKey", "bits", "key", "normal", "split", "uniform"]

_U32 = np.uint32
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _c(x, v):
    """A uint32 constant shaped like x."""
    return jnp.full(tuple(x.shape), _U32(v), np.uint32)


def _rotl(x, d: int):
    return lax.bitwise_or(lax.shift_left(x, _c(x, d)), lax.shift_right_logical(x, _c(x, 32 - d)))


def _threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 block cipher (20 rounds) on uint32 arrays."""
    ks = [k1, k2, lax.bitwise_xor(lax.bitwise_xor(k1, k2), _c(k1, 0x1BD11BDA))]
    x = [
        lax.add(x1, lax.broadcast_in_dim(ks[0], np.shape(x1), ())),
        lax.add(x2, lax.broadcast_in_dim(ks[1], np.shape(x2), ())),
    ]

    def full(v):
        return lax.broadcast_in_dim(v, tuple(x[0].shape), ())

    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x[0] = lax.add(x[0], x[1])
            x[1] = lax.bitwise_xor(x[0], _rotl(x[1], r))
        x[0] = lax.add(x[0], full(ks[(i + 1) % 3]))
        x[1] = lax.add(lax.add(x[1], full(ks[(i + 2) % 3])), _c(x[1], i + 1))
    return x[0], x[1]


def _counts(shape: tuple[int, ...]):
    size = math.prod(shape)
    if size >= 2**32:
        raise NotImplementedError("random arrays of 2**32 elements or more")
    lo = lax.reshape(lax.iota(np.uint32, size), shape) if size else jnp.zeros(shape, np.uint32)
    return jnp.zeros(shape, np.uint32), lo


def _check_key(key) -> None:
    a = key if isinstance(key, Array) or hasattr(key, "aval") else np.asarray(key)
    if tuple(a.shape) != (2,) or np.dtype(a.dtype) != np.uint32:
        raise TypeError(
            f"mlax.random expects a key: a uint32 array of shape (2,), got "
            f"{np.dtype(a.dtype).name}{list(a.shape)}"
        )


def key(seed: int) -> Array:
    """A PRNG key from an integer seed (JAX's threefry seeding)."""
    import operator

    try:
        seed = operator.index(seed)
    except TypeError:
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}") from None
    return jnp.asarray(np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], np.uint32))


PRNGKey = key


@jit(static_argnums=1)
def _split(k, num: int):
    hi, lo = _counts((num,))
    b1, b2 = _threefry2x32(k[0], k[1], hi, lo)
    return jnp.stack([b1, b2], axis=1)


def split(key: Array, num: int = 2) -> Array:
    """`num` new keys, as an array of shape (num, 2)."""
    _check_key(key)
    return _split(key, int(num))


@jit(static_argnums=1)
def _bits(k, shape):
    hi, lo = _counts(shape)
    b1, b2 = _threefry2x32(k[0], k[1], hi, lo)
    return lax.bitwise_xor(b1, b2)


def bits(key: Array, shape: Sequence[int] = ()) -> Array:
    """Uniform random uint32 bits."""
    _check_key(key)
    return _bits(key, tuple(int(s) for s in shape))


@jit(static_argnums=(1, 2))
def _uniform(k, shape, dtype, minval, maxval):
    dtype = np.dtype(dtype)
    if dtype != np.float32:
        raise NotImplementedError("mlax.random.uniform supports float32 for now")
    b = _bits(k, shape)
    float_bits = lax.bitwise_or(
        lax.shift_right_logical(b, _c(b, 32 - 23)),
        _c(b, int(np.array(1.0, np.float32).view(np.uint32))),
    )
    floats = lax.sub(
        lax.bitcast_convert_type(float_bits, np.float32),
        jnp.full(tuple(b.shape), np.float32(1.0), np.float32),
    )
    minval = lax.convert_element_type(minval, np.float32)
    maxval = lax.convert_element_type(maxval, np.float32)
    scaled = lax.add(
        lax.mul(floats, lax.broadcast_in_dim(lax.sub(maxval, minval), shape, ())),
        lax.broadcast_in_dim(minval, shape, ()),
    )
    return lax.max(lax.broadcast_in_dim(minval, shape, ()), scaled)


def uniform(
    key: Array,
    shape: Sequence[int] = (),
    dtype: DTypeLike | None = np.float32,
    minval=0.0,
    maxval=1.0,
) -> Array:
    """Uniform floats in [minval, maxval)."""
    _check_key(key)
    return _uniform(
        key,
        tuple(int(s) for s in shape),
        dtypes.canonicalize_dtype(dtype),
        np.float32(minval),
        np.float32(maxval),
    )


def normal(key: Array, shape: Sequence[int] = (), dtype: DTypeLike | None = np.float32) -> Array:
    """Standard normal floats (sqrt(2) * erfinv of a uniform in (-1, 1))."""
    _check_key(key)
    lo = np.nextafter(np.float32(-1.0), np.float32(np.inf))
    u = uniform(key, shape, dtype, lo, np.float32(1.0))
    return lax.mul(jnp.full(u.shape, np.float32(np.sqrt(2)), np.float32), lax.erf_inv(u))
