"""mlax.numpy: the NumPy API with JAX semantics (import as jnp)."""
import numpy as _np

from mlax._src.dtypes import bfloat16
from mlax._src.numpy_impl import (  # noqa: F401
    _getitem, abs, absolute, add, amax, amin, arange, arctan2, array, asarray,
    astype, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, broadcast_to,
    cbrt, ceil, concatenate, cos, divide, dot, equal, exp, expand_dims, expm1,
    eye, floor, floor_divide, full, full_like, greater, greater_equal, invert,
    isfinite, less, less_equal, log, log1p, matmul, max, maximum, mean, min,
    minimum, mod, multiply, negative, not_equal, ones, ones_like, power, prod,
    ravel, remainder, reshape, sign, sin, sqrt, square, stack, subtract, sum, tan, tanh,
    transpose, true_divide, where, zeros, zeros_like, all, any, isclose, allclose,
    clip, round, vdot, tensordot, atleast_2d, vstack, linspace, squeeze, moveaxis,
    swapaxes, split, tile, repeat, outer, inner, var, std, trace, diagonal, cumsum,
    argmax, argmin, broadcast_arrays, diag, identity, hstack, select, isnan, isinf,
    einsum, real, imag, conj, conjugate, nonzero, flatnonzero, argwhere, take, ptp)
from mlax._src.core import Array as ndarray  # noqa: F401

bool_ = _np.bool_
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
dtype = _np.dtype

pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
