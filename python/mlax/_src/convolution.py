"""lax.conv_general_dilated and its wrappers (conv, conv_with_general_padding,
conv_transpose, conv_dimension_numbers) on the mlax.convolution op, with
jax's dimension numbers, padding modes, dtype rules and errors. The op's
JVP, transposes and batching rule are C++ (dialect/rules/ConvRules.cpp)."""

from __future__ import annotations

import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from mlax._src import dtypes
from mlax._src import lax as _lax
from mlax._src import numpy_impl as _n
from mlax._src.core import Array, ArrayLike, Primitive, Tracer, aval_of
from mlax._src.mlir import tensor_type
from mlax._src.windowed import padtype_to_pads
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m


class ConvDimensionNumbers(NamedTuple):
    """(batch, feature, spatial...) dims of lhs, (out feature, in feature,
    spatial...) dims of rhs, (batch, feature, spatial...) dims of the
    output (jax.lax.ConvDimensionNumbers)."""

    lhs_spec: Sequence[int]
    rhs_spec: Sequence[int]
    out_spec: Sequence[int]


def conv_general_permutations(dimension_numbers):
    """The ConvDimensionNumbers permutations of layout strings such as
    ('NHWC', 'HWIO', 'NHWC')."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    charpairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (a, b) in enumerate(charpairs):
        if not dimension_numbers[i].count(a) == dimension_numbers[i].count(b) == 1:
            raise TypeError(
                f"convolution dimension_numbers[{i}] must contain the characters "
                f"'{a}' and '{b}' exactly once, got {dimension_numbers[i]}."
            )
        if len(dimension_numbers[i]) != len(set(dimension_numbers[i])):
            raise TypeError(
                f"convolution dimension_numbers[{i}] cannot have duplicate characters, "
                f"got {dimension_numbers[i]}."
            )
    if not (set(lhs_spec) - set("NC") == set(rhs_spec) - set("OI") == set(out_spec) - set("NC")):
        raise TypeError(
            "convolution dimension_numbers elements must each have the same set of "
            f"spatial characters, got {dimension_numbers}."
        )

    def getperm(spec, charpair):
        spatial = [i for i, c in enumerate(spec) if c not in charpair]
        if spec is not rhs_spec:
            spatial = sorted(spatial, key=lambda i: rhs_spec.index(spec[i]))
        return (spec.index(charpair[0]), spec.index(charpair[1])) + tuple(spatial)

    return tuple(getperm(s, c) for s, c in zip(dimension_numbers, charpairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """`dimension_numbers` (None, layout strings or ConvDimensionNumbers) as
    ConvDimensionNumbers."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    if len(lhs_shape) != len(rhs_shape):
        raise TypeError(
            "convolution requires lhs and rhs ndim to be equal, got "
            f"{len(lhs_shape)} and {len(rhs_shape)}."
        )
    if dimension_numbers is None:
        iota = tuple(range(len(lhs_shape)))
        return ConvDimensionNumbers(iota, iota, iota)
    if isinstance(dimension_numbers, (list, tuple)):
        if len(dimension_numbers) != 3:
            raise TypeError(
                "convolution dimension_numbers list/tuple must be length 3, got "
                f"{len(dimension_numbers)}."
            )
        if not all(isinstance(e, str) for e in dimension_numbers):
            raise TypeError(
                "convolution dimension_numbers elements must be strings, got "
                f"{tuple(map(type, dimension_numbers))}."
            )
        for i, e in enumerate(dimension_numbers):
            if len(e) != len(lhs_shape):
                raise TypeError(
                    f"convolution dimension_numbers[{i}] must have len equal to the ndim "
                    f"of lhs and rhs, got {len(e)} for lhs and rhs shapes {lhs_shape} "
                    f"and {rhs_shape}."
                )
        return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))
    raise TypeError(
        f"convolution dimension_numbers must be tuple/list or None, got {type(dimension_numbers)}."
    )


def _dilate(n: int, d: int) -> int:
    return 0 if n == 0 else (n - 1) * d + 1


def _conv_emit(
    values,
    avals,
    *,
    out_shape,
    out_dtype,
    strides,
    padding,
    lhs_dilation,
    rhs_dilation,
    dn,
    feature_group_count,
    batch_group_count,
    precision,
):
    i64 = lambda v: ir.DenseI64ArrayAttr.get([int(e) for e in v])  # noqa: E731
    i64s = lambda v: ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(v))  # noqa: E731
    kw = {}
    if precision is not None:
        kw["precision_config"] = ir.ArrayAttr.get([ir.StringAttr.get(p) for p in precision])
    return m.ConvolutionOp(
        tensor_type(out_shape, out_dtype),
        values[0],
        values[1],
        i64(strides),
        i64([p for pair in padding for p in pair]),
        i64(lhs_dilation),
        i64(rhs_dilation),
        i64(dn.lhs_spec),
        i64(dn.rhs_spec),
        i64(dn.out_spec),
        i64s(feature_group_count),
        i64s(batch_group_count),
        **kw,
    ).result


def _validate_preferred_element_type(have: np.dtype, want: np.dtype) -> None:
    """JAX's combinations of input and preferred dtypes (TypeError else)."""
    if dtypes.is_integer(have) and dtypes.is_float(want):
        pass  # integer -> float, any signedness
    else:
        for kind in (dtypes.is_integer, dtypes.is_float, dtypes.is_complex):
            if kind(have) and not kind(want):
                raise TypeError(
                    "Input type is incompatible with `preferred_element_type`. The "
                    "compatible combinations of (input_type, preferred_element_type) are "
                    "(integral, integral), (integral, floating), (floating, floating), "
                    "(complex, complex)."
                )
        if np.issubdtype(have, np.signedinteger) and not np.issubdtype(want, np.signedinteger):
            raise TypeError(
                "`preferred_element_type` must have the same signedness as the original type."
            )
    if want.itemsize < have.itemsize:
        raise TypeError("`preferred_element_type` must not be narrower than the original type.")


_conv_p = Primitive("conv_general_dilated", _conv_emit, weak="none")


def conv_general_dilated(
    lhs: ArrayLike,
    rhs: ArrayLike,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """General n-d convolution with strides, padding ('SAME', 'VALID',
    'SAME_LOWER' or explicit pairs), lhs (transposed-convolution) and rhs
    (atrous) dilation, dimension numbers and feature / batch groups."""
    lhs = lhs if isinstance(lhs, (Array, Tracer)) else _n.asarray(lhs)
    rhs = rhs if isinstance(rhs, (Array, Tracer)) else _n.asarray(rhs)
    al, ar = aval_of(lhs), aval_of(rhs)
    dn = conv_dimension_numbers(al.shape, ar.shape, dimension_numbers)
    nd = len(al.shape)
    s = nd - 2
    if s < 0:
        raise TypeError(f"conv_general_dilated requires arrays of rank >= 2, got {al.shape}")
    strides = tuple(operator.index(e) for e in window_strides)
    lhs_dilation = tuple(lhs_dilation) if lhs_dilation is not None else (1,) * s
    rhs_dilation = tuple(rhs_dilation) if rhs_dilation is not None else (1,) * s
    for name, v in (
        ("window_strides", strides),
        ("lhs_dilation", lhs_dilation),
        ("rhs_dilation", rhs_dilation),
    ):
        if len(v) != s:
            raise ValueError(
                f"conv_general_dilated {name} must have {s} entries (the spatial "
                f"dimensions), got {v}"
            )
        if any(e < 1 for e in v):
            raise ValueError(f"conv_general_dilated {name} must be positive, got {v}")
    if isinstance(padding, str) and any(d != 1 for d in lhs_dilation):
        raise ValueError(
            "String padding is not implemented for transposed convolution using this "
            "op. Please either exactly specify the required padding or use conv_transpose."
        )
    if isinstance(padding, str):
        in_sp = [al.shape[d] for d in dn.lhs_spec[2:]]
        k_sp = [_dilate(ar.shape[d], r) for d, r in zip(dn.rhs_spec[2:], rhs_dilation)]
        padding = padtype_to_pads(in_sp, k_sp, strides, padding)
    padding = [tuple(operator.index(e) for e in p) for p in padding]
    if len(padding) != s or any(len(p) != 2 for p in padding):
        raise ValueError(
            f"conv_general_dilated padding must be {s} (low, high) pairs, got {padding}"
        )
    if al.dtype != ar.dtype:
        raise TypeError(
            "lax.conv_general_dilated requires arguments to have the same dtypes, got "
            f"{al.dtype.name}, {ar.dtype.name}."
        )
    if dtypes.is_bool(al.dtype):
        raise TypeError("conv_general_dilated does not accept bool operands")
    if preferred_element_type is not None:
        _validate_preferred_element_type(al.dtype, np.dtype(preferred_element_type))
    lhs, rhs = _lax.accumulation_operands(lhs, rhs, preferred_element_type)
    out_dtype = aval_of(lhs).dtype
    fg, bg = operator.index(feature_group_count), operator.index(batch_group_count)
    if fg < 1 or bg < 1:
        raise ValueError(
            "conv_general_dilated feature_group_count and batch_group_count must be "
            f"positive, got {fg} and {bg}"
        )
    if fg > 1 and bg > 1:
        raise ValueError(
            "At most one of batch_group_count and feature_group_count may be > 1, "
            f"got batch_group_count={bg} and feature_group_count={fg}"
        )
    lhs_feat, rhs_in = al.shape[dn.lhs_spec[1]], ar.shape[dn.rhs_spec[1]]
    if lhs_feat != rhs_in * fg:
        raise ValueError(
            "conv_general_dilated lhs feature dimension size divided by "
            f"feature_group_count must equal the rhs input feature dimension size, but "
            f"{lhs_feat} // {fg} != {rhs_in}."
        )
    rhs_out = ar.shape[dn.rhs_spec[0]]
    if rhs_out % fg or rhs_out % bg:
        raise ValueError(
            "conv_general_dilated rhs output feature dimension size must be a multiple "
            f"of feature_group_count and batch_group_count, got {rhs_out}, {fg}, {bg}"
        )
    if al.shape[dn.lhs_spec[0]] % bg:
        raise ValueError(
            "conv_general_dilated lhs batch dimension size must be a multiple of "
            f"batch_group_count, got {al.shape[dn.lhs_spec[0]]} and {bg}"
        )
    out = [0] * nd
    out[dn.out_spec[0]] = al.shape[dn.lhs_spec[0]] // bg
    out[dn.out_spec[1]] = rhs_out
    for i in range(s):
        n = _dilate(al.shape[dn.lhs_spec[2 + i]], lhs_dilation[i]) + sum(padding[i])
        w = _dilate(ar.shape[dn.rhs_spec[2 + i]], rhs_dilation[i])
        out[dn.out_spec[2 + i]] = 0 if n < w or w == 0 else (n - w) // strides[i] + 1
    result = _conv_p.bind(
        lhs,
        rhs,
        out_shape=tuple(out),
        out_dtype=out_dtype,
        strides=strides,
        padding=tuple(padding),
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        dn=ConvDimensionNumbers(*(tuple(int(e) for e in v) for v in dn)),
        feature_group_count=fg,
        batch_group_count=bg,
        precision=_lax.canonicalize_precision(precision),
    )
    return _lax.as_preferred(result, preferred_element_type)


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
    """conv_general_dilated with NC(spatial) / OI(spatial) layouts."""
    return conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def conv_with_general_padding(
    lhs,
    rhs,
    window_strides,
    padding,
    lhs_dilation,
    rhs_dilation,
    precision=None,
    preferred_element_type=None,
):
    """conv_general_dilated with explicit padding and both dilations."""
    return conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )


def _conv_transpose_padding(k: int, s: int, padding) -> tuple[int, int]:
    if padding == "SAME":
        pad_len = k + s - 2
        pad_a = k - 1 if s > k - 1 else int(np.ceil(pad_len / 2))
    elif padding == "VALID":
        pad_len = k + s - 2 + max(k - s, 0)
        pad_a = k - 1
    elif isinstance(padding, tuple):
        pads = tuple(k - p - 1 for p in padding)
        pad_a = pads[0]
        pad_len = sum(pads)
    else:
        raise ValueError(f"Invalid padding mode: {padding}")
    return pad_a, pad_len - pad_a


def conv_transpose(
    lhs: ArrayLike,
    rhs: ArrayLike,
    strides: Sequence[int],
    padding,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    transpose_kernel: bool = False,
    precision: Any = None,
    preferred_element_type: Any = None,
    use_consistent_padding: bool = False,
) -> Array:
    """The "transpose" of a strided convolution (the gradient of one when
    `transpose_kernel`), as a convolution with lhs dilation."""
    lhs = lhs if isinstance(lhs, (Array, Tracer)) else _n.asarray(lhs)
    rhs = rhs if isinstance(rhs, (Array, Tracer)) else _n.asarray(rhs)
    al, ar = aval_of(lhs), aval_of(rhs)
    if len(al.shape) != len(ar.shape) or len(al.shape) < 2:
        raise ValueError(
            f"conv_transpose requires lhs and rhs of one rank >= 2, got {al.shape} and {ar.shape}"
        )
    nd = len(al.shape)
    one = (1,) * (nd - 2)
    if dimension_numbers is None:
        defaults = {
            2: ("NC", "IO", "NC"),
            3: ("NHC", "HIO", "NHC"),
            4: ("NHWC", "HWIO", "NHWC"),
            5: ("NHWDC", "HWDIO", "NHWDC"),
        }
        if nd not in defaults:
            raise ValueError("No 4+ dimensional dimension_number defaults.")
        dimension_numbers = defaults[nd]
    dn = conv_dimension_numbers(al.shape, ar.shape, dimension_numbers)
    k_sdims = [ar.shape[d] for d in dn.rhs_spec[2:]]
    if rhs_dilation is None:
        rhs_dilation = (1,) * (nd - 2)
    if use_consistent_padding or (isinstance(padding, str) and padding in {"SAME", "VALID"}):
        eff = [_dilate(k, r) for k, r in zip(k_sdims, rhs_dilation)]
        rep = [padding] * len(strides) if isinstance(padding, str) else padding
        pads = tuple(_conv_transpose_padding(k, s, p) for k, s, p in zip(eff, strides, rep))
    else:
        pads = padding
    if transpose_kernel:
        rhs = _lax.rev(rhs, tuple(dn.rhs_spec[2:]))
        rhs = _n.swapaxes(rhs, dn.rhs_spec[0], dn.rhs_spec[1])
    return conv_general_dilated(
        lhs,
        rhs,
        one,
        pads,
        strides,
        rhs_dilation,
        dn,
        precision=precision,
        preferred_element_type=preferred_element_type,
    )
