"""lax.fft: the mlax.fft op (FFT, IFFT, RFFT, IRFFT over 1 to 3 trailing
dimensions) with jax's FftType, dtype rules and errors. Linear, with the
transpose and batching rules of the op (C++)."""

from __future__ import annotations

import enum
from typing import Sequence

import numpy as np

from mlax._src import dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, Primitive, Tracer, aval_of
from mlax._src.mlir import tensor_type
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m


class FftType(enum.IntEnum):
    """Which FFT to compute (jax.lax.FftType)."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def _fft_emit(values, avals, *, fft_type, fft_lengths, out_shape, out_dtype):
    i32 = ir.IntegerType.get_signless(32)
    return m.FftOp(
        tensor_type(out_shape, out_dtype),
        values[0],
        ir.IntegerAttr.get(i32, int(fft_type)),
        ir.DenseI64ArrayAttr.get(list(fft_lengths)),
    ).result


_fft_p = Primitive("fft", _fft_emit, weak="none")


def _fft_type(fft_type) -> FftType:
    if isinstance(fft_type, str):
        try:
            return FftType[fft_type.upper()]
        except KeyError:
            raise ValueError(f"Unknown FFT type '{fft_type}'") from None
    if isinstance(fft_type, FftType):
        return fft_type
    raise TypeError(f"Unknown FFT type value '{fft_type}'")


def fft(x: ArrayLike, fft_type: FftType | str, fft_lengths: Sequence[int]):
    """The FFT of `fft_type` over the trailing len(fft_lengths) dimensions
    (for IRFFT, fft_lengths is the real output's shape)."""
    typ = _fft_type(fft_type)
    x = x if isinstance(x, (Array, Tracer)) else _n.asarray(x)
    dt = aval_of(x).dtype
    if typ == FftType.RFFT:
        if dtypes.is_complex(dt):
            raise ValueError("only real valued inputs supported for rfft")
        if not dtypes.is_float(dt):
            x = _lax.convert_element_type(x, dtypes.default_float_dtype())
    elif not dtypes.is_complex(dt):
        if dt == np.float64:
            target = np.dtype(np.complex128)
        elif dtypes.is_float(dt):
            target = np.dtype(np.complex64)
        else:
            target = dtypes.default_complex_dtype()
        x = _lax.convert_element_type(x, target)
    lengths = tuple(int(n) for n in fft_lengths)
    if not lengths:
        return x
    aval = aval_of(x)
    shape, k = aval.shape, len(lengths)
    if k > 3:
        raise ValueError(f"FFT only supports 1 to 3 dimensions, got fft_lengths {lengths}")
    if k > len(shape):
        raise ValueError(
            f"FFT input shape {shape} must have at least as many input dimensions "
            f"as fft_lengths {lengths}."
        )
    lead = shape[:-k]
    if typ == FftType.RFFT:
        if aval.dtype not in (np.float32, np.float64):
            raise ValueError(f"RFFT input must be float32 or float64, got {aval.dtype}")
        if shape[-k:] != lengths:
            raise ValueError(
                f"RFFT input shape {shape} minor dimensions must be equal to fft_lengths {lengths}"
            )
        out_shape = lead + lengths[:-1] + (lengths[-1] // 2 + 1,)
        out_dtype = np.dtype(np.complex64 if aval.dtype == np.float32 else np.complex128)
    elif typ == FftType.IRFFT:
        if shape[-k:-1] != lengths[:-1] or shape[-1] != lengths[-1] // 2 + 1:
            raise ValueError(
                f"IRFFT input shape {shape} minor dimensions must be equal to all "
                f"except the last fft_length and fft_lengths[-1] // 2 + 1, got "
                f"fft_lengths={lengths}"
            )
        out_shape = lead + lengths
        out_dtype = np.dtype(np.float32 if aval.dtype == np.complex64 else np.float64)
    else:
        if shape[-k:] != lengths:
            raise ValueError(
                f"FFT input shape {shape} minor dimensions must be equal to fft_lengths {lengths}"
            )
        out_shape, out_dtype = shape, aval.dtype
    return _fft_p.bind(
        x, fft_type=typ, fft_lengths=lengths, out_shape=out_shape, out_dtype=out_dtype
    )
