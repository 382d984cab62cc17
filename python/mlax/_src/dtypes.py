"""dtypes: canonicalization (32-bit unless x64), weak types, promotion and the
mapping to MLIR element types."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from mlax._src.config import config

bfloat16 = np.dtype(ml_dtypes.bfloat16)

# numpy dtype <-> MLIR element type spelling.
_TO_MLIR = {
    np.dtype(np.bool_): "i1",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.uint8): "ui8",
    np.dtype(np.uint16): "ui16",
    np.dtype(np.uint32): "ui32",
    np.dtype(np.uint64): "ui64",
    np.dtype(np.float16): "f16",
    bfloat16: "bf16",
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.complex64): "complex<f32>",
    np.dtype(np.complex128): "complex<f64>",
}
_FROM_MLIR = {v: k for k, v in _TO_MLIR.items()}

_X32 = {
    np.dtype(np.int64): np.dtype(np.int32),
    np.dtype(np.uint64): np.dtype(np.uint32),
    np.dtype(np.float64): np.dtype(np.float32),
    np.dtype(np.complex128): np.dtype(np.complex64),
}


def mlir_element_name(dtype: np.dtype) -> str:
    try:
        return _TO_MLIR[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"mlax does not support dtype {np.dtype(dtype)}") from None


def from_mlir_element_name(name: str) -> np.dtype:
    return _FROM_MLIR[name]


def canonicalize_dtype(dtype: Any) -> np.dtype:
    """The dtype mlax uses for `dtype`: 64-bit types narrow unless x64 is on."""
    dtype = np.dtype(dtype)
    if dtype not in _TO_MLIR:
        raise TypeError(f"mlax does not support dtype {dtype}")
    if not config.x64_enabled:
        dtype = _X32.get(dtype, dtype)
    return dtype


def default_float_dtype() -> np.dtype:
    return np.dtype(np.float64 if config.x64_enabled else np.float32)


def default_int_dtype() -> np.dtype:
    return np.dtype(np.int64 if config.x64_enabled else np.int32)


def default_complex_dtype() -> np.dtype:
    return np.dtype(np.complex128 if config.x64_enabled else np.complex64)


def python_scalar_dtype(x: Any) -> np.dtype:
    """The (weak) dtype of a Python scalar."""
    if isinstance(x, bool):
        return np.dtype(np.bool_)
    if isinstance(x, int):
        return default_int_dtype()
    if isinstance(x, float):
        return default_float_dtype()
    if isinstance(x, complex):
        return default_complex_dtype()
    raise TypeError(f"not a Python scalar: {type(x).__name__}")


def is_python_scalar(x: Any) -> bool:
    return isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic)


def _kind_rank_uncached(dtype: np.dtype) -> int:
    if dtype == np.bool_:
        return 0
    if np.issubdtype(dtype, np.integer):
        return 1
    if np.issubdtype(dtype, np.floating) or dtype == bfloat16:
        return 2
    return 3


_KIND_RANKS: dict[Any, int] = {}


def _kind_rank(dtype: np.dtype) -> int:
    # Every op's promotion asks this (np.issubdtype is slow): memoized.
    rank = _KIND_RANKS.get(dtype)
    if rank is None:
        rank = _KIND_RANKS[dtype] = _kind_rank_uncached(dtype)
    return rank


def result_type(*typed: tuple[np.dtype, bool]) -> tuple[np.dtype, bool]:
    """Promotes (dtype, weak_type) pairs; returns the result (dtype, weak).

    Weakly typed values (Python scalars) take the dtype of a strongly typed
    operand unless they are of a higher kind (bool < int < float < complex),
    in which case the result is the default dtype of that kind, as in JAX.
    """
    strong = [d for d, w in typed if not w]
    weak = [d for d, w in typed if w]
    if strong:
        dtype = strong[0]
        for d in strong[1:]:
            dtype = _promote(dtype, d)
        weak_kind = max((_kind_rank(d) for d in weak), default=-1)
        if weak_kind > _kind_rank(dtype):
            # A weak scalar of a higher kind wins, and stays weak (JAX's
            # lattice: bool < i* < ints, i* < f* < floats, f* < c*).
            if weak_kind == 3 and _kind_rank(dtype) == 2:
                return canonicalize_dtype(
                    np.complex128 if dtype == np.float64 else np.complex64
                ), False
            return {1: default_int_dtype(), 2: default_float_dtype(), 3: default_complex_dtype()}[
                weak_kind
            ], True
        return canonicalize_dtype(dtype), False
    if all(d == weak[0] for d in weak):
        return canonicalize_dtype(weak[0]), True
    kind = max(_kind_rank(d) for d in weak)
    default = {
        0: np.dtype(np.bool_),
        1: default_int_dtype(),
        2: default_float_dtype(),
        3: default_complex_dtype(),
    }[kind]
    return default, True


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    if a == b:
        return a
    if bfloat16 in (a, b):
        other = b if a == bfloat16 else a
        if _kind_rank(other) <= 1:
            return bfloat16
        if other == np.float16:
            return np.dtype(np.float32)
        return other
    # JAX's lattice puts every integer below every inexact type: int32 with
    # float16 is float16 (numpy would widen to float32).
    if _kind_rank(a) <= 1 < _kind_rank(b):
        return b
    if _kind_rank(b) <= 1 < _kind_rank(a):
        return a
    # Mixed signed/unsigned integers of the same width widen as numpy does;
    # int64 with uint64 goes to float in numpy but JAX keeps it integral.
    if {a, b} == {np.dtype(np.int64), np.dtype(np.uint64)}:
        return np.dtype(np.int64)
    return np.promote_types(a, b)


def is_float(dtype: np.dtype) -> bool:
    return _kind_rank(np.dtype(dtype)) == 2


def is_complex(dtype: np.dtype) -> bool:
    return _kind_rank(np.dtype(dtype)) == 3


def is_integer(dtype: np.dtype) -> bool:
    return _kind_rank(np.dtype(dtype)) == 1


def is_unsigned(dtype: np.dtype) -> bool:
    return np.issubdtype(np.dtype(dtype), np.unsignedinteger)


def is_bool(dtype: np.dtype) -> bool:
    return np.dtype(dtype) == np.bool_


def is_inexact(dtype: np.dtype) -> bool:
    return is_float(dtype) or is_complex(dtype)


def finfo(dtype: Any):
    """Machine limits of a floating dtype (bfloat16 included), as jnp.finfo."""
    return ml_dtypes.finfo(dtype)


def iinfo(int_type: Any):
    """Machine limits of an integer dtype, as jnp.iinfo."""
    return ml_dtypes.iinfo(int_type)


def _abstract(x: Any) -> bool:
    return (
        isinstance(x, type)
        and issubclass(x, np.generic)
        and x
        in (
            np.generic,
            np.number,
            np.integer,
            np.signedinteger,
            np.unsignedinteger,
            np.inexact,
            np.floating,
            np.complexfloating,
            np.bool_,
            np.character,
            np.flexible,
        )
    )


def issubdtype(arg1: Any, arg2: Any) -> bool:
    """numpy's issubdtype, with bfloat16 a floating type (as in JAX)."""
    d1 = arg1 if _abstract(arg1) else np.dtype(arg1)
    if d1 is np.generic or (not _abstract(arg1) and d1 != bfloat16):
        return bool(np.issubdtype(d1, arg2 if _abstract(arg2) else np.dtype(arg2)))
    if _abstract(arg1):
        return bool(np.issubdtype(arg1, arg2))
    # bfloat16
    if _abstract(arg2):
        return arg2 in (np.floating, np.inexact, np.number, np.generic)
    return np.dtype(arg2) == bfloat16
