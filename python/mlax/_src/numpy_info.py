"""mlax.numpy's dtype and shape queries: result_type, promote_types,
isscalar, ndim, shape, size (JAX's rules: weak Python scalars and types)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlax._src import dtypes
from mlax._src.core import Array, Tracer, aval_of

_WEAK_TYPES = {int: np.int64, float: np.float64, complex: np.complex128, bool: np.bool_}


def _dtype_and_weak(x: Any) -> tuple[np.dtype, bool]:
    if isinstance(x, (Array, Tracer)):
        a = aval_of(x)
        return a.dtype, a.weak_type
    if any(x is t for t in (int, float, complex)):
        return dtypes.python_scalar_dtype(x(0)), True
    if x is bool:  # noqa: E721
        return np.dtype(np.bool_), False
    if dtypes.is_python_scalar(x):
        return dtypes.python_scalar_dtype(x), not isinstance(x, bool)
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype, False
    if isinstance(x, (list, tuple)):
        return np.asarray(x).dtype, False
    return np.dtype(x), False


def result_type(*args: Any) -> np.dtype:
    """The dtype JAX's promotion gives the arguments (arrays, scalars, dtypes)."""
    if not args:
        raise ValueError("at least one array or dtype is required")
    dtype, _ = dtypes.result_type(*[_dtype_and_weak(a) for a in args])
    return np.dtype(dtypes.canonicalize_dtype(dtype))


def promote_types(a: Any, b: Any) -> np.dtype:
    """The promoted dtype of two dtypes on JAX's lattice (Python types are weak)."""
    da, wa = _dtype_and_weak(a)
    db, wb = _dtype_and_weak(b)
    if wa or wb:
        return np.dtype(dtypes.result_type((da, wa), (db, wb))[0])
    return np.dtype(dtypes._promote(np.dtype(da), np.dtype(db)))


def isscalar(element: Any) -> bool:
    if np.isscalar(element):
        return True
    if isinstance(element, (np.ndarray, Array, Tracer)):
        return element.ndim == 0
    return False


def ndim(a: Any) -> int:
    return aval_of(a).ndim if isinstance(a, (Array, Tracer)) else np.ndim(a)


def shape(a: Any) -> tuple[int, ...]:
    return tuple(aval_of(a).shape) if isinstance(a, (Array, Tracer)) else np.shape(a)


def size(a: Any, axis: int | tuple[int, ...] | None = None) -> int:
    s = shape(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return int(np.prod([s[ax] for ax in axes], dtype=np.int64))
