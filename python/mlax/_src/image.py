"""jax.image: resize, scale_and_translate and ResizeMethod.

Semantics follow jax.image's: every method but NEAREST evaluates a kernel
into an [input_size, output_size] weight matrix per resized dimension
(normalized, zeroed where the sample falls outside the image) and contracts
the image with it; NEAREST gathers. Images are promoted to an inexact dtype
(integers to the default float, no rounding or clipping back) except for
NEAREST, which keeps the dtype. Weights are computed in the dtype of
scale/translation and cast to the image's, so gradients flow to the image,
the scale and the translation.
"""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlax._src import dtypes, lax
from mlax._src import numpy_impl as jnp
from mlax._src.api import jit
from mlax._src.core import Array, Tracer, aval_of, canonicalize_shape
from mlax._src.numpy_info import result_type
from mlax._src.numpy_math import logical_and

_EPS_THRESHOLD = 1000.0 * float(np.finfo(np.float32).eps)


class ResizeMethod(enum.Enum):
    """Image resize method (jax.image.ResizeMethod).

    NEAREST: nearest-neighbor interpolation. LINEAR: linear interpolation.
    LANCZOS3 / LANCZOS5: Lanczos resampling with a kernel of radius 3 / 5.
    CUBIC: cubic interpolation with the Keys kernel (A = -0.5).
    CUBIC_PYTORCH: PyTorch's bicubic (CUBIC with antialiasing; without, the
    A = -0.75 kernel with edge padding). AREA: area (box) resampling.
    """

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str):
        if s == "nearest":
            return ResizeMethod.NEAREST
        if s in ["linear", "bilinear", "trilinear", "triangle"]:
            return ResizeMethod.LINEAR
        if s == "lanczos3":
            return ResizeMethod.LANCZOS3
        if s == "lanczos5":
            return ResizeMethod.LANCZOS5
        if s in ["cubic", "bicubic", "tricubic"]:
            return ResizeMethod.CUBIC
        if s in ["cubic-pytorch", "bicubic-pytorch"]:
            return ResizeMethod.CUBIC_PYTORCH
        if s == "area":
            return ResizeMethod.AREA
        raise ValueError(f'Unknown resize method "{s}"')


# --------------------------------------------------------------------------
# Kernels (x >= 0 is the distance between sample and input pixel centers)


def _lanczos_kernel(radius: float, x):
    y = radius * jnp.sin(np.pi * x) * jnp.sin(np.pi * x / radius)
    # y / (pi^2 x^2) where x > 1e-3, else 1 (the inner where keeps the
    # derivative finite at x == 0).
    safe = jnp.where(x != 0, np.pi**2 * x**2, 1)
    out = jnp.where(x > 1e-3, jnp.divide(y, safe), 1)
    return jnp.where(x > radius, 0.0, out)


def _keys_cubic_kernel(x):
    # Keys (1981) cubic convolution kernel with A = -0.5.
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = jnp.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return jnp.where(x >= 2.0, 0.0, out)


def _opencv_cubic_kernel(x):
    # The A = -0.75 cubic (OpenCV's; PyTorch's without antialiasing).
    a = -0.75
    out = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    out = jnp.where(x >= 1.0, ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a, out)
    return jnp.where(x >= 2.0, 0.0, out)


def _triangle_kernel(x):
    return jnp.maximum(0, 1 - jnp.abs(x))


_AREA = object()

_KERNELS: dict[ResizeMethod, tuple[int, Any]] = {
    ResizeMethod.LINEAR: (1, _triangle_kernel),
    ResizeMethod.LANCZOS3: (3, functools.partial(_lanczos_kernel, 3.0)),
    ResizeMethod.LANCZOS5: (5, functools.partial(_lanczos_kernel, 5.0)),
    ResizeMethod.CUBIC: (2, _keys_cubic_kernel),
    ResizeMethod.CUBIC_PYTORCH: (2, _opencv_cubic_kernel),
    ResizeMethod.AREA: (1, _AREA),
}


# --------------------------------------------------------------------------
# Weight matrices


def _normalize(weights):
    """Columns divided by their sums (zero where a sum is ~0)."""
    total = jnp.sum(weights, axis=0, keepdims=True)
    return jnp.where(
        jnp.abs(total) > _EPS_THRESHOLD,
        jnp.divide(weights, jnp.where(total != 0, total, 1)),
        0,
    )


def _fold_edges(weights, input_size: int, k: int):
    """Rows of weights index input pixels -k .. input_size+k-1; add the
    out-of-image rows onto the edge pixels they clamp to."""
    if input_size == 0:
        return weights[:0]
    if input_size == 1:
        return jnp.sum(weights, axis=0, keepdims=True)
    first = jnp.sum(weights[: k + 1], axis=0, keepdims=True)
    last = jnp.sum(weights[input_size + k - 1 :], axis=0, keepdims=True)
    return jnp.concatenate([first, weights[k + 1 : input_size + k - 1], last], axis=0)


def _weight_mat(
    input_size: int,
    output_size: int,
    scale,
    translation,
    kernel: Callable | object,
    antialias: bool,
    edge_padding: bool,
    radius: int,
):
    dtype = result_type(scale, translation)
    inv_scale = 1.0 / scale
    # Downsampling scales the kernel (low-pass filter, then interpolate);
    # upsampling only interpolates.
    kernel_scale = jnp.maximum(inv_scale, 1.0) if antialias else 1.0
    # The input coordinate of each output pixel's center.
    sample_f = (
        (jnp.arange(output_size, dtype=dtype) + 0.5) * inv_scale - translation * inv_scale - 0.5
    )
    # Edge padding is only used without antialiasing (CUBIC_PYTORCH), as in jax.
    k = radius if edge_padding else 0
    if kernel is _AREA:
        # Overlap of each output pixel's projected interval with each input
        # pixel's interval.
        left_out = jnp.arange(output_size, dtype=dtype) * inv_scale - translation * inv_scale
        right_out = left_out + inv_scale
        left_in = jnp.arange(input_size, dtype=dtype)
        right_in = left_in + 1.0
        weights = jnp.maximum(
            0.0,
            jnp.minimum(right_out[np.newaxis, :], right_in[:, np.newaxis])
            - jnp.maximum(left_out[np.newaxis, :], left_in[:, np.newaxis]),
        )
    else:
        expanded = jnp.arange(-k, input_size + k, dtype=dtype)
        x = jnp.abs(sample_f[np.newaxis, :] - expanded[:, np.newaxis])
        weights = kernel(x / kernel_scale)
    if edge_padding:
        return _normalize(_fold_edges(weights, input_size, k))
    weights = _normalize(weights)
    # Zero the columns whose sample lies outside the image.
    inside = logical_and(sample_f >= -0.5, sample_f <= input_size - 0.5)
    return jnp.where(inside[np.newaxis, :], weights, 0)


def _apply_weights(x, output_shape, spatial_dims, scale, translation, kernel, antialias,
                   precision, edge_padding, radius):  # fmt: skip
    ndim = aval_of(x).ndim
    in_shape = aval_of(x).shape
    for i, d in enumerate(spatial_dims):
        w = _weight_mat(
            in_shape[d],
            output_shape[d],
            scale[i],
            translation[i],
            kernel,
            antialias,
            edge_padding,
            radius,
        )
        w = lax.convert_element_type(w, aval_of(x).dtype)
        y = lax.dot_general(x, w, (((d,), (0,)), ((), ())), precision=precision)
        perm = tuple(range(d)) + (ndim - 1,) + tuple(range(d, ndim - 1))
        x = lax.transpose(y, perm)
    return x


def _canonical_axis(d: Any, ndim: int) -> int:
    d = operator.index(d)
    if not -ndim <= d < ndim:
        raise ValueError(f"axis {d} is out of bounds for array of dimension {ndim}")
    return d % ndim


def _method(method: Any) -> Any:
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    return method


def _check_rank(shape: tuple[int, ...], image_shape: tuple[int, ...]) -> None:
    if len(shape) != len(image_shape):
        raise ValueError(
            "shape must have length equal to the number of dimensions of x; "
            f" {shape} vs {image_shape}"
        )


def _to_inexact(x):
    dt = aval_of(x).dtype
    if dtypes.is_float(dt) or dtypes.is_complex(dt):
        return x
    return lax.convert_element_type(x, dtypes.default_float_dtype())


def _as_array(x: Any):
    if isinstance(x, (Array, Tracer, np.ndarray, np.generic)):
        return jnp.asarray(x) if isinstance(x, (np.ndarray, np.generic)) else x
    # jax promotes scale/translation as arrays: lists and tuples have no dtype.
    raise TypeError(f"Cannot determine dtype of {x}")


# --------------------------------------------------------------------------
# scale_and_translate


@functools.partial(jit, static_argnums=(3, 4, 5, 6, 7))
def _scale_and_translate(image, scale, translation, shape, spatial_dims, method, antialias,
                         precision):  # fmt: skip
    if method == ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    edge_padding = method == ResizeMethod.CUBIC_PYTORCH and not antialias
    image = _to_inexact(image)
    scale, translation = jnp._promote_dtypes(scale, translation)
    scale, translation = _to_inexact(scale), _to_inexact(translation)
    if not spatial_dims:
        return image
    return _apply_weights(
        image,
        shape,
        spatial_dims,
        [scale[i] for i in range(len(spatial_dims))],
        [translation[i] for i in range(len(spatial_dims))],
        kernel,
        antialias,
        precision,
        edge_padding,
        radius,
    )


def scale_and_translate(
    image: Any,
    shape: Sequence[int],
    spatial_dims: Sequence[int],
    scale: Any,
    translation: Any,
    method: str | ResizeMethod,
    antialias: bool = True,
    precision: Any = lax.Precision.HIGHEST,
) -> Array:
    """Resample `image` to `shape` under the map x -> x * scale + translation
    on `spatial_dims` (half-centered pixels; the inverse warp gives the sample
    locations, samples outside the image get zero). `scale` and `translation`
    are [K] arrays, K = len(spatial_dims); they may be traced and are
    differentiable. `method`: a ResizeMethod or its string name, not NEAREST.
    """
    image = jnp.asarray(image) if not jnp._is_array(image) else image
    shape = canonicalize_shape(shape)
    _check_rank(shape, aval_of(image).shape)
    method = _method(method)
    if method == ResizeMethod.NEAREST:
        raise ValueError(
            "Nearest neighbor resampling is not currently supported for scale_and_translate."
        )
    if not isinstance(method, ResizeMethod):
        raise AssertionError(f"method must be a ResizeMethod or its name, got {method!r}")
    scale = _as_array(scale)
    translation = _as_array(translation)
    ndim = aval_of(image).ndim
    spatial_dims = tuple(_canonical_axis(d, ndim) for d in spatial_dims)
    if not (len(spatial_dims) == len(scale) == len(translation)):
        raise AssertionError(
            "scale and translation must have one entry per spatial dimension: "
            f"{len(spatial_dims)} spatial dims, {len(scale)} scales, "
            f"{len(translation)} translations"
        )
    return _scale_and_translate(
        image, scale, translation, shape, spatial_dims, method, bool(antialias), precision
    )


# --------------------------------------------------------------------------
# resize


def _resize_nearest(x, output_shape: tuple[int, ...]):
    in_shape = aval_of(x).shape
    for d in range(len(in_shape)):
        m, n = in_shape[d], output_shape[d]
        if m == n:
            continue
        # jax computes the source index in float32: floor((i + 0.5) * m / n).
        offsets = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m)
        offsets = offsets / np.float32(n) if n else offsets
        offsets = np.floor(offsets).astype(np.int32)
        index: list[Any] = [slice(None)] * len(in_shape)
        index[d] = offsets
        x = x[tuple(index)]
    return x


@functools.partial(jit, static_argnums=(1, 2, 3, 4))
def _resize(image, shape, method, antialias, precision):
    if method == ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image = _to_inexact(image)
    in_shape = aval_of(image).shape
    # Dimensions whose size does not change are left alone (every kernel
    # interpolates, so the identity warp is the identity).
    spatial_dims = tuple(d for d in range(len(shape)) if in_shape[d] != shape[d])
    if method == ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    scale = [1.0 if shape[d] == 0 else shape[d] / in_shape[d] for d in spatial_dims]
    edge_padding = method == ResizeMethod.CUBIC_PYTORCH and not antialias
    return _apply_weights(
        image,
        shape,
        spatial_dims,
        scale,
        [0.0] * len(spatial_dims),
        kernel,
        antialias,
        precision,
        edge_padding,
        radius,
    )


def resize(
    image: Any,
    shape: Sequence[int],
    method: str | ResizeMethod,
    antialias: bool = True,
    precision: Any = lax.Precision.HIGHEST,
) -> Array:
    """Resize `image` to `shape` (every dimension; keep a batch or channel
    dimension's size to leave it alone). `method`: a ResizeMethod or one of
    "nearest", "linear" ("bilinear", "trilinear", "triangle"), "cubic"
    ("bicubic", "tricubic"), "cubic-pytorch" ("bicubic-pytorch"), "lanczos3",
    "lanczos5", "area". `antialias` low-pass filters when downsampling.
    NEAREST keeps the dtype; the other methods return an inexact dtype.
    """
    image = jnp.asarray(image) if not jnp._is_array(image) else image
    shape = canonicalize_shape(shape)
    _check_rank(shape, aval_of(image).shape)
    method = _method(method)
    if not isinstance(method, ResizeMethod):
        raise AssertionError(f"method must be a ResizeMethod or its name, got {method!r}")
    return _resize(image, shape, method, bool(antialias), precision)


__all__ = ["ResizeMethod", "resize", "scale_and_translate"]
