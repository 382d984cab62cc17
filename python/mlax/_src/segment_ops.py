"""jax.ops: reductions over segments of an array's leading axis, on
scatter (so their derivatives, batching and out-of-range policy are
scatter's)."""

from __future__ import annotations

import math

import numpy as np

from mlax import lax
from mlax._src import core, dtypes
from mlax._src.core import Array, ArrayLike

_SUM, _PROD, _MAX, _MIN = "add", "multiply", "max", "min"
_SCATTERS = {_SUM: "scatter_add", _PROD: "scatter_mul", _MAX: "scatter_max", _MIN: "scatter_min"}


def _identity(kind: str, dtype: np.dtype):
    if kind == _SUM:
        return 0
    if kind == _PROD:
        return 1
    if dtypes.is_bool(dtype):
        return kind == _MIN
    if dtypes.is_integer(dtype):
        info = np.iinfo(dtype)
        return info.max if kind == _MIN else info.min
    return math.inf if kind == _MIN else -math.inf


def _num_segments(name: str, segment_ids: Array, num_segments) -> int:
    if num_segments is None:
        if isinstance(segment_ids, core.Tracer):
            raise core.ConcretizationTypeError(
                f"{name}() needs a static `num_segments` under a transformation "
                "(its output shape depends on it); pass num_segments="
            )
        ids = np.asarray(segment_ids)
        return int(ids.max()) + 1 if ids.size else 0
    try:
        n = int(num_segments)
    except (TypeError, core.ConcretizationTypeError) as e:
        raise core.ConcretizationTypeError(
            f"{name}() `num_segments` must be a static integer, got {num_segments!r}"
        ) from e
    if n < 0:
        raise ValueError(f"{name}(): num_segments must be non-negative, got {n}")
    return n


def _segment_reduce(
    name,
    kind,
    data,
    segment_ids,
    num_segments,
    indices_are_sorted,
    unique_indices,
    bucket_size,
    mode,
):
    import mlax.numpy as jnp

    for i, arg in enumerate((data, segment_ids)):
        if isinstance(arg, (list, tuple)):  # as jax: no implicit conversion of lists
            raise TypeError(
                f"{name} requires ndarray or scalar arguments, got {type(arg)} at position {i}."
            )
    data, segment_ids = jnp.asarray(data), jnp.asarray(segment_ids)
    if not dtypes.is_integer(segment_ids.dtype):
        raise TypeError(f"{name}: segment_ids must be integers, got dtype {segment_ids.dtype.name}")
    if data.ndim == 0:
        raise ValueError(f"{name}: data must have a leading axis, got a scalar")
    if segment_ids.ndim != 1 or segment_ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"{name}: segment_ids must be 1-D with data's leading size {data.shape[0]}, "
            f"got shape {segment_ids.shape}"
        )
    n = _num_segments(name, segment_ids, num_segments)
    mode = lax.GatherScatterMode.FILL_OR_DROP if mode is None else mode
    dtype = data.dtype
    init = _identity(kind, dtype)
    # lax.scatter, not x.at[]: negative ids are out of range, not counted from the end.
    scatter = getattr(lax, _SCATTERS[kind])
    window = tuple(range(1, data.ndim))
    kw = dict(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices, mode=mode)
    if bucket_size is None:
        out = jnp.full((n,) + data.shape[1:], init, dtype)
        dnums = lax.ScatterDimensionNumbers(window, (0,), (0,))
        return scatter(out, segment_ids[:, None], data, dnums, **kw)
    if int(bucket_size) <= 0:
        raise ValueError(f"{name}: bucket_size must be positive, got {bucket_size}")
    # Reduce each bucket of consecutive entries separately, then the buckets
    # (sums and products of fewer terms round better).
    size = int(bucket_size)
    buckets = -(-segment_ids.shape[0] // size)
    out = jnp.full((buckets, n) + data.shape[1:], init, dtype)
    rows = jnp.arange(segment_ids.shape[0], dtype=segment_ids.dtype) // size
    dnums = lax.ScatterDimensionNumbers(window, (0, 1), (0, 1))
    out = scatter(out, jnp.stack([rows, segment_ids], axis=1), data, dnums, **kw)
    reducer = {_SUM: jnp.sum, _PROD: jnp.prod, _MAX: jnp.max, _MIN: jnp.min}[kind]
    # `initial`: empty data gives the identity, as without buckets (jax raises
    # for max/min there).
    return reducer(out, axis=0, initial=init).astype(dtype)


def _make(name: str, kind: str, what: str):
    def f(
        data: ArrayLike,
        segment_ids: ArrayLike,
        num_segments: int | None = None,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        bucket_size: int | None = None,
        mode=None,
    ) -> Array:
        return _segment_reduce(
            name,
            kind,
            data,
            segment_ids,
            num_segments,
            indices_are_sorted,
            unique_indices,
            bucket_size,
            mode,
        )

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (
        f"The {what} of the rows of `data` with equal `segment_ids`: an array of "
        "shape (num_segments,) + data.shape[1:] (num_segments defaults to "
        "max(segment_ids) + 1 and must be static under jit). Ids outside "
        f"[0, num_segments) are dropped (mode=None); empty segments hold the "
        f"{what}'s identity."
    )
    return f


segment_sum = _make("segment_sum", _SUM, "sum")
segment_prod = _make("segment_prod", _PROD, "product")
segment_max = _make("segment_max", _MAX, "maximum")
segment_min = _make("segment_min", _MIN, "minimum")
