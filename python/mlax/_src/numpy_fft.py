"""jnp.fft: discrete Fourier transforms with JAX's semantics (names,
signatures, dtypes, normalizations and errors of jax.numpy.fft), built on
the lax.fft primitive, which transforms the trailing 1-3 dimensions.

The shape logic is NumPy's: `s` / `n` crop or zero-pad the input along the
transformed axes (for the inverse real transforms, `s` is the output length
and the input is cropped/padded to `s[-1] // 2 + 1`), the axes are moved to
the end for the primitive and back afterwards, and more than three axes are
transformed in stages of at most three."""

from __future__ import annotations

import builtins
import operator
from typing import Any, Sequence

import numpy as np

from mlax._src import dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src import numpy_manip as _manip
from mlax._src.core import Array, ArrayLike, DTypeLike, Tracer, aval_of

Shape = Sequence[int]

_FFT, _IFFT, _RFFT, _IRFFT = "fft", "ifft", "rfft", "irfft"


def _ensure_arraylike(fun_name: str, a: Any) -> Array:
    if isinstance(a, (Array, Tracer)):
        return a
    if isinstance(a, (list, tuple)):
        raise TypeError(
            f"{fun_name} requires ndarray or scalar arguments, got {type(a)} at position 0."
        )
    return _n.asarray(a)


def _inexact_dtype(dtype) -> np.dtype:
    """jax's dtypes.to_inexact_dtype: bool and integers of up to 32 bits
    become float32, 64-bit integers float64."""
    dtype = np.dtype(dtype)
    if dtypes.is_inexact(dtype):
        return dtype
    return np.dtype(np.float64 if dtype.itemsize == 8 else np.float32)


def _complex_dtype(dtype) -> np.dtype:
    dtype = _inexact_dtype(dtype)
    if dtypes.is_complex(dtype):
        return dtype
    return np.dtype(np.complex128 if dtype == np.float64 else np.complex64)


def _lax_fft(x: Array, fft_type: str, fft_lengths: Sequence[int]) -> Array:
    """lax.fft's wrapper semantics (jax.lax.fft): the operand is converted to
    the primitive's dtype first; no lengths is the identity."""
    dtype = aval_of(x).dtype
    if fft_type == _RFFT:
        if dtypes.is_complex(dtype):
            raise ValueError("only real valued inputs supported for rfft")
        if not dtypes.is_float(dtype):
            x = _lax.convert_element_type(x, _inexact_dtype(dtype))
            dtype = aval_of(x).dtype
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"RFFT input must be float32 or float64, got {dtype}")
    elif dtype != _complex_dtype(dtype):
        x = _lax.convert_element_type(x, _complex_dtype(dtype))
    fft_lengths = tuple(int(n) for n in fft_lengths)
    if not fft_lengths:
        return x
    shape = aval_of(x).shape
    if len(fft_lengths) > len(shape):
        raise ValueError(
            f"FFT input shape {shape} must have at least as many input dimensions "
            f"as fft_lengths {fft_lengths}."
        )
    batch = shape[: len(shape) - len(fft_lengths)]
    if fft_type == _RFFT:
        out_shape = batch + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
        out_dtype = _complex_dtype(aval_of(x).dtype)
    elif fft_type == _IRFFT:
        out_shape = batch + fft_lengths
        out_dtype = dtypes.finfo(aval_of(x).dtype).dtype
    else:
        out_shape, out_dtype = shape, aval_of(x).dtype
    if 0 in shape or 0 in out_shape:
        # Nothing to transform (XLA's FFT wants non-empty operands): the
        # result is empty, or a transform of zero-length (empty) inputs.
        return _n.zeros(out_shape, out_dtype)
    from mlax import lax as _public_lax  # the primitive (mlax.lax.fft)

    return _public_lax.fft(x, getattr(_public_lax.FftType, fft_type.upper()), fft_lengths)


def _fft_scale(s: Sequence[int], func_name: str, norm: str | None, dtype) -> np.ndarray | None:
    """The normalization factor (None: none), in the result's precision."""
    if norm is None or norm == "backward":
        return None
    rd = dtypes.finfo(dtype).dtype
    prod = np.prod(np.asarray(list(s), rd), dtype=rd)
    inverse = func_name.startswith("i")
    with np.errstate(divide="ignore"):
        if norm == "ortho":
            root = np.sqrt(prod)
            return root if inverse else rd.type(1) / root
        if norm == "forward":
            return prod if inverse else rd.type(1) / prod
    raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')


def _check_norm(norm) -> None:
    if norm is not None and norm not in ("backward", "ortho", "forward"):
        raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')


def _canonical_axes(axes: Sequence[int], ndim: int) -> tuple[int, ...]:
    out = []
    for ax in axes:
        ax = operator.index(ax)
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of bounds for array of dimension {ndim}")
        out.append(ax % ndim)
    return tuple(out)


def _fft_core(
    func_name: str,
    fft_type: str,
    a: ArrayLike,
    s: Shape | None,
    axes: Sequence[int] | None,
    norm: str | None,
) -> Array:
    full_name = f"jax.numpy.fft.{func_name}"
    arr = _ensure_arraylike(full_name, a)
    ndim = aval_of(arr).ndim

    if s is not None:
        s = tuple(map(operator.index, s))
        if builtins.any(x <= 0 for x in s):
            raise ValueError("Shape should be positive.")
    if s is not None and axes is not None and len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")

    orig_axes = axes
    if axes is None:
        axes = range(ndim) if s is None else range(ndim - len(s), ndim)
    axes = tuple(axes)
    if len(axes) != len(set(axes)):
        raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")

    # The primitive transforms the innermost dimensions: move the axes there.
    if orig_axes is not None:
        src = _canonical_axes(orig_axes, ndim)
        if len(set(src)) != len(src):
            perm = [i for i in range(ndim) if i not in src]  # jnp.moveaxis's
            for d, a in sorted(zip(range(ndim - len(src), ndim), src)):
                perm.insert(d, a)
            perm = tuple(perm)
            raise TypeError(
                "transpose permutation isn't a permutation of operand dimensions, "
                f"got permutation {perm} for operand shape {aval_of(arr).shape}."
            )
        axes = tuple(range(ndim - len(axes), ndim))
        arr = _n.moveaxis(arr, src, axes)

    shape = aval_of(arr).shape
    if s is not None:
        in_s = list(shape)
        for axis, x in zip(axes, s):
            in_s[axis] = x
        if fft_type == _IRFFT:
            in_s[-1] = in_s[-1] // 2 + 1
        limit = [builtins.min(x, y) for x, y in zip(in_s, shape)]
        if limit != list(shape):
            arr = _lax.slice(arr, [0] * ndim, limit)
        if limit != in_s:
            zero = np.zeros((), aval_of(arr).dtype)
            arr = _lax.pad(arr, zero, [(0, x - y, 0) for x, y in zip(in_s, limit)])
    else:
        if fft_type == _IRFFT:
            s = [shape[axis] for axis in axes[:-1]]
            if axes:
                s += [builtins.max(0, 2 * (shape[axes[-1]] - 1))]
        else:
            s = [shape[axis] for axis in axes]
    _check_norm(norm)
    transformed = _fft_core_nd(arr, fft_type, list(s))
    scale = _fft_scale(s, func_name, norm, aval_of(transformed).dtype)
    if scale is not None:
        dtype = aval_of(transformed).dtype
        transformed = _lax.mul(transformed, _n.asarray(np.asarray(scale).astype(dtype)))

    if orig_axes is not None:
        transformed = _n.moveaxis(transformed, axes, src)
    return transformed


def _fft_core_nd(arr: Array, fft_type: str, s: list[int]) -> Array:
    if len(s) <= 3:
        return _lax_fft(arr, fft_type, tuple(s))
    # More than three axes: stages of at most three (two 2-D ones for four),
    # as JAX does; the real transforms' real axis is in the innermost stage.
    n = 2 if len(s) == 4 else 3
    ndim = aval_of(arr).ndim
    src = tuple(range(ndim - len(s), ndim - n))
    dst = tuple(range(ndim - len(s) + n, ndim))
    if fft_type in (_RFFT, _FFT):
        arr = _lax_fft(arr, fft_type, tuple(s[-n:]))
        arr = _n.moveaxis(arr, src, dst)
        arr = _fft_core_nd(arr, _FFT, s[:-n])
        arr = _n.moveaxis(arr, dst, src)
    else:
        arr = _n.moveaxis(arr, src, dst)
        arr = _fft_core_nd(arr, _IFFT, s[:-n])
        arr = _n.moveaxis(arr, dst, src)
        arr = _lax_fft(arr, fft_type, tuple(s[-n:]))
    return arr


# --- n-D ------------------------------------------------------------------


def fftn(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None
) -> Array:
    """The n-D discrete Fourier transform (numpy.fft.fftn): over `axes`
    (default: the last len(s), else all), the input cropped/zero-padded to `s`."""
    return _fft_core("fftn", _FFT, a, s, axes, norm)


def ifftn(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None
) -> Array:
    """The n-D inverse discrete Fourier transform (numpy.fft.ifftn)."""
    return _fft_core("ifftn", _IFFT, a, s, axes, norm)


def rfftn(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None
) -> Array:
    """The n-D transform of a real array (numpy.fft.rfftn): the last axis
    keeps s[-1] // 2 + 1 frequencies."""
    return _fft_core("rfftn", _RFFT, a, s, axes, norm)


def irfftn(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] | None = None, norm: str | None = None
) -> Array:
    """The inverse of rfftn (numpy.fft.irfftn): a real result of shape `s`
    along `axes` (default last length 2 * (m - 1))."""
    return _fft_core("irfftn", _IRFFT, a, s, axes, norm)


# --- 1-D ------------------------------------------------------------------


def _axis_check_1d(func_name: str, axis) -> None:
    full_name = f"jax.numpy.fft.{func_name}"
    if isinstance(axis, (list, tuple)):
        raise ValueError(
            f"{full_name} does not support multiple axes. Please use {full_name}n. "
            f"Got axis = {axis!r}."
        )


def _fft_core_1d(func_name, fft_type, a, n, axis, norm) -> Array:
    _axis_check_1d(func_name, axis)
    axes = None if axis is None else [axis]
    s = None if n is None else [n]
    return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The 1-D discrete Fourier transform along `axis` (numpy.fft.fft), the
    input cropped/zero-padded to length `n`."""
    return _fft_core_1d("fft", _FFT, a, n, axis, norm)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The 1-D inverse discrete Fourier transform (numpy.fft.ifft)."""
    return _fft_core_1d("ifft", _IFFT, a, n, axis, norm)


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The 1-D transform of a real array (numpy.fft.rfft): n // 2 + 1
    frequencies."""
    return _fft_core_1d("rfft", _RFFT, a, n, axis, norm)


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The inverse of rfft (numpy.fft.irfft): a real result of length `n`
    (default 2 * (m - 1))."""
    return _fft_core_1d("irfft", _IRFFT, a, n, axis, norm)


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The transform of a Hermitian-symmetric signal given by its first
    half (numpy.fft.hfft): a real result of length `n` (default 2 * (m - 1))."""
    conj_a = _n.conjugate(_ensure_arraylike("conjugate", a))
    _axis_check_1d("hfft", axis)
    nn = (aval_of(conj_a).shape[axis] - 1) * 2 if n is None else n
    out = _fft_core_1d("hfft", _IRFFT, conj_a, n, axis, norm)
    return _n.multiply(out, nn)


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """The inverse of hfft (numpy.fft.ihfft): n // 2 + 1 frequencies of a
    real signal."""
    _axis_check_1d("ihfft", axis)
    arr = _n.asarray(a)
    nn = aval_of(arr).shape[axis] if n is None else n
    output = _fft_core_1d("ihfft", _RFFT, arr, n, axis, norm)
    return _n.multiply(_n.conjugate(output), 1 / nn)


# --- 2-D ------------------------------------------------------------------


def _fft_core_2d(func_name, fft_type, a, s, axes, norm) -> Array:
    if len(axes) != 2:
        raise ValueError(f"jax.numpy.fft.{func_name} only supports 2 axes. Got axes = {axes!r}.")
    return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft2(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None
) -> Array:
    """The 2-D discrete Fourier transform over `axes` (numpy.fft.fft2)."""
    return _fft_core_2d("fft2", _FFT, a, s, axes, norm)


def ifft2(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None
) -> Array:
    """The 2-D inverse discrete Fourier transform (numpy.fft.ifft2)."""
    return _fft_core_2d("ifft2", _IFFT, a, s, axes, norm)


def rfft2(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None
) -> Array:
    """The 2-D transform of a real array (numpy.fft.rfft2)."""
    return _fft_core_2d("rfft2", _RFFT, a, s, axes, norm)


def irfft2(
    a: ArrayLike, s: Shape | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None
) -> Array:
    """The inverse of rfft2 (numpy.fft.irfft2)."""
    return _fft_core_2d("irfft2", _IRFFT, a, s, axes, norm)


# --- frequencies and shifts -----------------------------------------------


def _check_freq_args(name: str, n, d) -> None:
    if isinstance(n, (list, tuple)):
        raise ValueError(
            f"The n argument of jax.numpy.fft.{name} only takes an int. Got n = {list(n)}."
        )
    if isinstance(d, (list, tuple)):
        raise ValueError(
            f"The d argument of jax.numpy.fft.{name} only takes a single value. Got d = {list(d)}."
        )


def _put(x: Array, device) -> Array:
    if device is None or isinstance(x, Tracer):
        return x
    from mlax._src.api import device_put

    return device_put(x, device)


def fftfreq(
    n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None, device: Any = None
) -> Array:
    """The sample frequencies of fft / ifft (numpy.fft.fftfreq): [0, 1, ...,
    -2, -1] / (d * n), computed in the floating type of `dtype` (default:
    the default float type) and cast to `dtype`."""
    dtype = dtype or dtypes.default_float_dtype()
    _check_freq_args("fftfreq", n, d)
    out_dtype = dtypes.canonicalize_dtype(dtype)
    dt = dtypes.finfo(_inexact_dtype(out_dtype)).dtype
    n = operator.index(n)
    i = np.arange(n)
    k = ((i + n // 2) % n - n // 2) if n else i  # exact small integers
    num = _n.asarray(k.astype(dt))
    result = _n.true_divide(num, _n.asarray(d * n, dtype=dt))
    return _put(_n.astype(result, out_dtype), device)


def rfftfreq(
    n: int, d: ArrayLike = 1.0, *, dtype: DTypeLike | None = None, device: Any = None
) -> Array:
    """The sample frequencies of rfft / irfft (numpy.fft.rfftfreq): [0, 1,
    ..., n // 2] / (d * n)."""
    dtype = dtype or dtypes.default_float_dtype()
    _check_freq_args("rfftfreq", n, d)
    n = operator.index(n)
    k = _n.arange(0, n // 2 + 1, dtype=dtype)
    den = _n.asarray(d * n, dtype=dtype)
    if not dtypes.is_inexact(aval_of(k).dtype):  # integer / integer, as jax
        dt = _inexact_dtype(aval_of(k).dtype)
        k, den = _n.astype(k, dt), _n.astype(den, dt)
    result = _n.true_divide(k, den)
    return _put(result, device)


def _shift(name: str, x: ArrayLike, axes, sign: int) -> Array:
    x = _ensure_arraylike(name, x)
    shape = aval_of(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
        shift = [sign * (dim // 2) for dim in shape]
    elif isinstance(axes, (int, np.integer)):
        shift = sign * (shape[axes] // 2)
    else:
        shift = [sign * (shape[ax] // 2) for ax in axes]
    return _manip.roll(x, shift, axes)


def fftshift(x: ArrayLike, axes: None | int | Sequence[int] = None) -> Array:
    """Moves the zero frequency to the center (numpy.fft.fftshift): a roll
    by dim // 2 along `axes` (default all)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: ArrayLike, axes: None | int | Sequence[int] = None) -> Array:
    """The inverse of fftshift (numpy.fft.ifftshift)."""
    return _shift("ifftshift", x, axes, -1)
