"""jax.nn.initializers: the same initializers, drawing from mlax.random, so the
same key gives the same values as JAX, bit for bit."""

from __future__ import annotations

import math
import typing
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

from mlax._src import dtypes
from mlax._src import numpy_impl as jnp
from mlax._src import random_impl as random
from mlax._src.core import Array, ArrayLike

DTypeLikeInexact = Any
RealNumeric = Any
Shape = Sequence[int]


def _check_sharding(out_sharding: Any) -> None:
    if out_sharding is not None:
        raise NotImplementedError("out_sharding is not supported by mlax initializers")


def _dtype(dtype: Any) -> np.dtype:
    return dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)


def _canonical_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


@typing.runtime_checkable
class Initializer(Protocol):
    """A function (key, shape, dtype=None, out_sharding=None) -> Array."""

    def __call__(
        self,
        key: Array,
        shape: Shape,
        dtype: DTypeLikeInexact | None = None,
        out_sharding: Any = None,
    ) -> Array:
        raise NotImplementedError


def zeros(
    key: Array, shape: Shape, dtype: DTypeLikeInexact | None = None, out_sharding: Any = None
) -> Array:
    """An initializer returning zeros (the key is unused)."""
    _check_sharding(out_sharding)
    return jnp.zeros(shape, _dtype(dtype))


def ones(
    key: Array, shape: Shape, dtype: DTypeLikeInexact | None = None, out_sharding: Any = None
) -> Array:
    """An initializer returning ones (the key is unused)."""
    _check_sharding(out_sharding)
    return jnp.ones(shape, _dtype(dtype))


def constant(value: ArrayLike, dtype: DTypeLikeInexact | None = None) -> Initializer:
    """Builds an initializer returning arrays filled with `value`."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        return jnp.full(shape, value, dtype=_dtype(dtype))

    return init


def uniform(scale: RealNumeric = 1e-2, dtype: DTypeLikeInexact | None = None) -> Initializer:
    """Builds an initializer drawing uniformly from [0, scale)."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        dtype = _dtype(dtype)
        return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)

    return init


def normal(stddev: RealNumeric = 1e-2, dtype: DTypeLikeInexact | None = None) -> Initializer:
    """Builds an initializer drawing from a normal of standard deviation `stddev`."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        dtype = _dtype(dtype)
        return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)

    return init


def truncated_normal(
    stddev: RealNumeric = 1e-2,
    dtype: DTypeLikeInexact | None = None,
    lower: RealNumeric = -2.0,
    upper: RealNumeric = 2.0,
) -> Initializer:
    """Builds an initializer drawing stddev * (a standard normal truncated to
    (lower, upper))."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        dtype = _dtype(dtype)
        return random.truncated_normal(key, lower, upper, shape, dtype) * jnp.array(stddev, dtype)

    return init


def _compute_fans(
    shape: Sequence[int],
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
) -> tuple[float, float]:
    """(fan_in, fan_out) of a weights shape (JAX's rule)."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional"
            " weights tensor with default in_axis. Must be at least 2D or specify"
            " in_axis explicitly."
        )

    def size(axes):
        if isinstance(axes, int):
            return shape[axes]
        return math.prod([shape[i] for i in axes])

    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive_field_size = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive_field_size, out_size * receptive_field_size


def _complex_dtype(dtype):
    real_dtype = np.array(0, dtype).real.dtype
    return real_dtype, np.result_type(real_dtype, np.complex64)


def _complex_uniform(key, shape, dtype):
    """Uniform on the complex unit disk."""
    key_r, key_theta = random.split(key)
    real_dtype, dtype = _complex_dtype(dtype)
    r = jnp.sqrt(2 * random.uniform(key_r, shape, real_dtype)).astype(dtype)
    theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape, dtype):
    """Complex normal with its modulus truncated to `upper`."""
    key_r, key_theta = random.split(key)
    real_dtype, dtype = _complex_dtype(dtype)
    t = (1 - jnp.exp(jnp.array(-(upper**2), dtype))) * random.uniform(
        key_r, shape, real_dtype
    ).astype(dtype)
    r = jnp.sqrt(-jnp.log(1 - t))
    theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
    return r * jnp.exp(1j * theta)


def variance_scaling(
    scale: RealNumeric,
    mode: Literal["fan_in"] | Literal["fan_out"] | Literal["fan_avg"] | Literal["fan_geo_avg"],
    distribution: Literal["truncated_normal"] | Literal["normal"] | Literal["uniform"],
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """Builds an initializer of variance scale / n, n from the fans per `mode`,
    drawn from `distribution` (JAX's variance_scaling)."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        shape = _canonical_shape(shape)
        dtype = _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            denominator = fan_in
        elif mode == "fan_out":
            denominator = fan_out
        elif mode == "fan_avg":
            denominator = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            denominator = (fan_in * fan_out) ** 0.5
        else:
            raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
        variance = jnp.array(scale / denominator, dtype=dtype)
        floating = dtypes.is_float(dtype)
        if distribution == "truncated_normal":
            if floating:
                stddev = jnp.sqrt(variance) / jnp.array(0.87962566103423978, dtype)
                return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
            stddev = jnp.sqrt(variance) / jnp.array(0.95311164380491208, dtype)
            return _complex_truncated_normal(key, 2, shape, dtype) * stddev
        elif distribution == "normal":
            return random.normal(key, shape, dtype) * jnp.sqrt(variance)
        elif distribution == "uniform":
            if floating:
                return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
            return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")

    return init


def glorot_uniform(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(1.0, "fan_avg", "uniform") (xavier_uniform)."""
    return variance_scaling(
        1.0,
        "fan_avg",
        "uniform",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


xavier_uniform = glorot_uniform


def glorot_normal(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(1.0, "fan_avg", "truncated_normal") (xavier_normal)."""
    return variance_scaling(
        1.0,
        "fan_avg",
        "truncated_normal",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


xavier_normal = glorot_normal


def lecun_uniform(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(1.0, "fan_in", "uniform")."""
    return variance_scaling(
        1.0,
        "fan_in",
        "uniform",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


def lecun_normal(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(1.0, "fan_in", "truncated_normal")."""
    return variance_scaling(
        1.0,
        "fan_in",
        "truncated_normal",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


def he_uniform(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(2.0, "fan_in", "uniform") (kaiming_uniform)."""
    return variance_scaling(
        2.0,
        "fan_in",
        "uniform",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


kaiming_uniform = he_uniform


def he_normal(
    in_axis: int | Sequence[int] = -2,
    out_axis: int | Sequence[int] = -1,
    batch_axis: int | Sequence[int] = (),
    dtype: DTypeLikeInexact | None = None,
) -> Initializer:
    """variance_scaling(2.0, "fan_in", "truncated_normal") (kaiming_normal)."""
    return variance_scaling(
        2.0,
        "fan_in",
        "truncated_normal",
        in_axis=in_axis,
        out_axis=out_axis,
        batch_axis=batch_axis,
        dtype=dtype,
    )


kaiming_normal = he_normal


def orthogonal(
    scale: RealNumeric = 1.0, column_axis: int = -1, dtype: DTypeLikeInexact | None = None
) -> Initializer:
    """Builds an initializer returning uniformly distributed orthogonal matrices
    (orthonormal rows or columns, whichever side is smaller), times `scale`;
    the columns lie along `column_axis`."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        dtype = _dtype(dtype)
        shape = _canonical_shape(shape)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        if any(d == 0 for d in shape):
            return jnp.zeros(shape, dtype=dtype)
        n_rows, n_cols = math.prod(shape) // shape[column_axis], shape[column_axis]
        q = random.orthogonal(key, n_rows, (), dtype, n_cols)
        q = jnp.reshape(q, tuple(np.delete(np.array(shape), column_axis).tolist()) + (n_cols,))
        q = jnp.moveaxis(q, -1, column_axis)
        return jnp.array(scale, dtype) * q

    return init


def delta_orthogonal(
    scale: RealNumeric = 1.0, column_axis: int = -1, dtype: DTypeLikeInexact | None = None
) -> Initializer:
    """Builds an initializer for delta orthogonal convolution kernels (3D, 4D or
    5D shapes): zeros but for an orthogonal matrix at the spatial centre."""

    def init(
        key: Array, shape: Shape, dtype: DTypeLikeInexact | None = dtype, out_sharding: Any = None
    ) -> Array:
        _check_sharding(out_sharding)
        dtype = _dtype(dtype)
        shape = _canonical_shape(shape)
        if len(shape) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
        ortho = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
        w = jnp.zeros(shape, dtype=dtype)
        centre = tuple((d - 1) // 2 for d in shape[:-2])
        return w.at[centre].set(ortho)

    return init
