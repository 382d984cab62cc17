"""Typed PRNG keys and the Threefry-2x32 core behind mlax.random.

A typed key array (`PRNGKeyArray`) wraps uint32 key data of shape (..., 2);
its own shape drops the trailing 2, as JAX's `key<fry>` arrays do. It is a
pytree node with the data as its one child, so jit / vmap / grad carry it
like an array. The counter scheme is JAX's default "partitionable"
Threefry, so the same key gives the same bits as jax.random.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Iterator, Sequence

import numpy as np

from mlax import lax
from mlax import numpy as jnp
from mlax._src import tree_util
from mlax._src.api import jit
from mlax._src.config import config
from mlax._src.core import Array, Tracer

_U32 = np.uint32
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
KEY_SHAPE = (2,)


class KeyDType:
    """The element type of a typed key array (`key<fry>`, Threefry-2x32)."""

    name = "key<fry>"
    impl = "threefry2x32"
    itemsize = 8

    def __repr__(self) -> str:
        return self.name

    __str__ = __repr__

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, KeyDType) or other == self.name

    def __hash__(self) -> int:
        return hash(self.name)


key_dtype = KeyDType()


class PRNGKeyArray:
    """An array of Threefry PRNG keys (JAX's `key<fry>` arrays).

    Backed by uint32 key data of shape `shape + (2,)`; see `key_data` and
    `wrap_key_data`. Supports indexing, len, iteration and reshape.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Any):
        self._data = data

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape[:-1])

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dtype(self) -> KeyDType:
        return key_dtype

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self) -> Iterator["PRNGKeyArray"]:
        if not self.shape:
            raise TypeError("iteration over a 0-d key array")
        return (self[i] for i in range(self.shape[0]))

    def __getitem__(self, idx: Any) -> "PRNGKeyArray":
        if not isinstance(idx, tuple):
            idx = (idx,)
        if any(i is Ellipsis for i in idx):
            idx = (*idx, slice(None))
        else:
            idx = (*idx, Ellipsis)
        return PRNGKeyArray(self._data[idx])

    def reshape(self, *shape: Any) -> "PRNGKeyArray":
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        shape = tuple(operator.index(s) for s in shape)
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.size // max(known, 1) if s == -1 else s for s in shape)
        return PRNGKeyArray(jnp.reshape(self._data, (*shape, 2)))

    def ravel(self) -> "PRNGKeyArray":
        return self.reshape(-1)

    flatten = ravel

    @property
    def T(self) -> "PRNGKeyArray":
        perm = (*reversed(range(self.ndim)), self.ndim)
        return PRNGKeyArray(jnp.transpose(self._data, perm))

    def __eq__(self, other: Any):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.all(jnp.equal(self._data, other._data), axis=-1)

    def __ne__(self, other: Any):
        if not isinstance(other, PRNGKeyArray):
            return NotImplemented
        return jnp.any(jnp.not_equal(self._data, other._data), axis=-1)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if isinstance(self._data, Tracer):
            return f"Traced<key<fry>[{','.join(map(str, self.shape))}]>"
        return f"Array({self.shape}, dtype=key<fry>) overlaying:\n{np.asarray(self._data)}"


tree_util.register_pytree_node(
    PRNGKeyArray, lambda k: ([k._data], None), lambda _, c: PRNGKeyArray(c[0])
)


def _shape_of(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _dtype_of(x: Any):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def check_key_data(data: Any) -> Any:
    """Raises JAX's TypeError unless `data` is uint32 with trailing dim 2."""
    if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
        raise TypeError(
            "mlax encountered invalid PRNG key data: expected key_data to have "
            f"ndim, shape, and dtype attributes. Got {data!r}"
        )
    shape = tuple(data.shape)
    if len(shape) < 1:
        raise TypeError(
            "mlax encountered invalid PRNG key data: expected a uint32 array of shape "
            f"(..., 2), got key_data.ndim >= 1; got ndim={len(shape)}"
        )
    if shape[-1:] != KEY_SHAPE:
        raise TypeError(
            "mlax encountered invalid PRNG key data: expected a uint32 array of shape "
            f"(..., 2); expected key_data.shape to end with (2,); got shape={shape}"
        )
    if np.dtype(data.dtype) != np.uint32:
        raise TypeError(
            "mlax encountered invalid PRNG key data: expected a uint32 array of shape "
            f"(..., 2); expected key_data.dtype = uint32; got dtype={np.dtype(data.dtype)}"
        )
    return data


def _arraylike(x: Any) -> bool:
    return (
        isinstance(x, (Array, Tracer, np.ndarray, np.generic))
        or (hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"))
        or (np.isscalar(x) and not isinstance(x, str))
    )


def unwrap(name: str, key: Any, allow_batched: bool = False) -> tuple[Any, bool]:
    """(uint32 key data, whether `key` was typed), checked as jax does."""
    if isinstance(key, PRNGKeyArray):
        data, typed = key._data, True
    elif _arraylike(key):
        if isinstance(key, (np.ndarray, np.generic)) or np.isscalar(key):
            key = np.asarray(key)
        data, typed = check_key_data(key), False
    else:
        raise TypeError(f"unexpected PRNG key type {type(key)}")
    shape = tuple(data.shape[:-1])
    if not allow_batched and shape:
        raise ValueError(
            f"{name} accepts a single key, but was given a key array of shape "
            f"{shape} != (). Use mlax.vmap for batching."
        )
    if isinstance(data, np.ndarray):
        data = jnp.asarray(data)
    return data, typed


def rewrap(typed: bool, data: Any) -> Any:
    return PRNGKeyArray(data) if typed else data


# --------------------------------------------------------------------------
# Threefry-2x32
# --------------------------------------------------------------------------


def _rotl(x, d: int):
    return lax.bitwise_or(lax.shift_left(x, _U32(d)), lax.shift_right_logical(x, _U32(32 - d)))


def threefry2x32(k1, k2, x1, x2):
    """The Threefry-2x32 block cipher (20 rounds) on uint32 arrays; k1, k2
    are scalars."""
    ks = [k1, k2, lax.bitwise_xor(lax.bitwise_xor(k1, k2), _U32(0x1BD11BDA))]
    shape = tuple(x1.shape)

    def full(v):
        return lax.broadcast_in_dim(v, shape, ())

    x = [lax.add(x1, full(ks[0])), lax.add(x2, full(ks[1]))]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x[0] = lax.add(x[0], x[1])
            x[1] = lax.bitwise_xor(x[0], _rotl(x[1], r))
        x[0] = lax.add(x[0], full(ks[(i + 1) % 3]))
        x[1] = lax.add(lax.add(x[1], full(ks[(i + 2) % 3])), _U32(i + 1))
    return x[0], x[1]


def iota_2x32(shape: tuple[int, ...]):
    """The (hi, lo) uint32 words of a uint64 iota reshaped to `shape`."""
    size = math.prod(shape)
    if size >= 2**32:
        raise NotImplementedError("random arrays of 2**32 elements or more")
    lo = lax.reshape(lax.iota(np.uint32, size), shape) if size else jnp.zeros(shape, np.uint32)
    return jnp.zeros(shape, np.uint32), lo


def threefry_2x32_flat(k, count):
    """JAX's `threefry_2x32(keypair, count)`: hash a uint32 count array by
    splitting it in halves (padding an odd size with a zero)."""
    shape = tuple(count.shape)
    flat = jnp.reshape(count, (-1,))
    n = flat.shape[0]
    if n % 2:
        flat = jnp.concatenate([flat, jnp.zeros((1,), np.uint32)])
    half = flat.shape[0] // 2
    y1, y2 = threefry2x32(k[0], k[1], flat[:half], flat[half:])
    out = jnp.concatenate([y1, y2])
    if n % 2:
        out = out[:-1]
    return jnp.reshape(out, shape)


def seed_data(seed: Any) -> Array:
    """Threefry seeding: the 64-bit seed as (hi, lo) uint32 words."""
    if isinstance(seed, PRNGKeyArray):
        raise TypeError("key accepts a scalar seed, but was given a PRNG key.")
    if np.ndim(seed) if not hasattr(seed, "shape") else len(seed.shape):
        raise TypeError(
            f"key accepts a scalar seed, but was given an array of shape "
            f"{_shape_of(seed)} != (). Use mlax.vmap for batching"
        )
    if isinstance(seed, (Array, Tracer)):
        if not np.issubdtype(np.dtype(seed.dtype), np.integer):
            raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
        return _seed_traced(seed)
    try:
        s = operator.index(seed)
    except TypeError:
        raise TypeError(f"PRNG key seed must be an integer; got {seed!r}") from None
    if not -(2**63) <= s < 2**63:
        raise OverflowError(f"Python int {s} too large to convert to a 64-bit seed")
    # As jax: without x64 the seed is a 32-bit integer (high word 0).
    hi = (s >> 32) & 0xFFFFFFFF if config.x64_enabled else 0
    return jnp.asarray(np.array([hi, s & 0xFFFFFFFF], np.uint32))


@jit
def _seed_traced(seed):
    dt = np.dtype(seed.dtype)
    if dt.itemsize == 8:
        hi = lax.convert_element_type(lax.shift_right_logical(seed, dt.type(32)), np.uint32)
    else:  # a logical shift by 32 of a narrower integer is 0
        hi = jnp.zeros((), np.uint32)
    lo = lax.convert_element_type(seed, np.uint32)
    return jnp.stack([hi, lo])


@jit(static_argnums=1)
def split_data(k, shape: tuple[int, ...]):
    hi, lo = iota_2x32(shape)
    b1, b2 = threefry2x32(k[0], k[1], hi, lo)
    return jnp.stack([b1, b2], axis=len(shape))


@jit
def fold_in_data(k, data):
    return threefry_2x32_flat(k, seed_data_u32(data))


def seed_data_u32(data):
    return jnp.stack([jnp.zeros((), np.uint32), lax.convert_element_type(data, np.uint32)])


@jit(static_argnums=(1, 2))
def random_bits(k, bit_width: int, shape: tuple[int, ...]):
    """JAX's partitionable threefry_random_bits: uint{bit_width} of `shape`."""
    hi, lo = iota_2x32(shape)
    b1, b2 = threefry2x32(k[0], k[1], hi, lo)
    if bit_width == 64:
        h = lax.convert_element_type(b1, np.uint64)
        lo64 = lax.convert_element_type(b2, np.uint64)
        return lax.bitwise_or(lax.shift_left(h, np.uint64(32)), lo64)
    bits = lax.bitwise_xor(b1, b2)
    if bit_width == 32:
        return bits
    return lax.convert_element_type(bits, np.dtype(f"uint{bit_width}"))


def split_keys(k, num: int | Sequence[int] = 2):
    shape = tuple(num) if isinstance(num, Sequence) else (num,)
    return split_data(k, tuple(operator.index(s) for s in shape))
