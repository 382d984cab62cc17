"""mlax.dlpack: arrays exchanged through DLPack (JAX's jax.dlpack)."""

from typing import Any

import numpy as np

from mlax._src.core import from_dlpack  # noqa: F401
from mlax._src.dtypes import bfloat16 as _bfloat16

# The element types DLPack exchanges (JAX's set).
_SUPPORTED = frozenset(
    [np.dtype(_bfloat16)]
    + [
        np.dtype(t)
        for t in "int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 "
        "float64 complex64 complex128 bool".split()
    ]
)


def is_supported_dtype(dtype: Any) -> bool:
    """Whether arrays of `dtype` can be exchanged through DLPack."""
    if dtype is None:
        raise TypeError(f"Expected a string or dtype-like object; got {dtype=}")
    return np.dtype(dtype) in _SUPPORTED


__all__ = ["from_dlpack", "is_supported_dtype"]
