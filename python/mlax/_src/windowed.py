"""lax.reduce_window (the mlax.reduce_window op: windowed sum, max and
min, i.e. pooling; other computations go to reducers.py) and
lax.padtype_to_pads, with jax's semantics."""

from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import dtypes, tree_util
from mlax._src import lax as _lax
from mlax._src.core import Primitive, aval_of
from mlax._src.mlir import tensor_type
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as m

_KINDS = {"add": 0, "max": 1, "min": 2}


def padtype_to_pads(
    in_shape: Sequence[int], window_shape: Sequence[int], window_strides: Sequence[int], padding
) -> list[tuple[int, int]]:
    """Explicit (low, high) pads for 'VALID', 'SAME' or 'SAME_LOWER'."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * len(in_shape)
        if mode in ("SAME", "SAME_LOWER"):
            out = [-(-n // s) for n, s in zip(in_shape, window_strides)]
            pads = [
                max((o - 1) * s + w - n, 0)
                for n, w, s, o in zip(in_shape, window_shape, window_strides, out)
            ]
            if mode == "SAME":
                return [(p // 2, p - p // 2) for p in pads]
            return [(p - p // 2, p // 2) for p in pads]
        raise RuntimeError(f"Unrecognized padding type: expected 'VALID' or 'SAME', got {padding}.")
    return [tuple(p) for p in padding]


def _dilate(n: int, d: int) -> int:
    return 0 if n == 0 else (n - 1) * d + 1


def _window_shape(shape, window, strides, padding, base, wdil) -> list[int]:
    """The result shape of windows over a padded, base-dilated operand."""
    out = []
    for n, w, s, b, d, (lo, hi) in zip(shape, window, strides, base, wdil, padding):
        padded = _dilate(n, b) + lo + hi
        win = _dilate(w, d)
        out.append(0 if padded < win else (padded - win) // s + 1)
    return out


def _emit(values, avals, *, kind, window, strides, base, wdil, padding, out_shape):
    (aval,) = avals
    i64 = lambda v: ir.DenseI64ArrayAttr.get(list(v))  # noqa: E731
    return m.ReduceWindowOp(
        tensor_type(out_shape, aval.dtype),
        values[0],
        ir.IntegerAttr.get(ir.IntegerType.get_signless(32), _KINDS[kind]),
        i64(window),
        i64(strides),
        i64(base),
        i64(wdil),
        i64([p for pair in padding for p in pair]),
    ).result


_reduce_window_p = Primitive("reduce_window", _emit, weak="first")


def _identity(kind: str, dtype: np.dtype):
    if kind == "add":
        return 0
    if dtypes.is_float(dtype):
        return -np.inf if kind == "max" else np.inf
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


def _monoid(kind: str, x, window, strides, padding, base, wdil):
    aval = aval_of(x)
    rank = len(aval.shape)
    out_shape = _window_shape(aval.shape, window, strides, padding, base, wdil)
    assert len(out_shape) == rank
    return _reduce_window_p.bind(
        x,
        kind=kind,
        window=tuple(window),
        strides=tuple(strides),
        base=tuple(base),
        wdil=tuple(wdil),
        padding=tuple(tuple(p) for p in padding),
        out_shape=tuple(out_shape),
    )


def _concrete_scalar(v) -> Any:
    try:
        return np.asarray(v).item()
    except Exception:  # a tracer: not concrete
        return None


def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Callable,
    window_dimensions: Sequence[int],
    window_strides: Sequence[int] | None = None,
    padding: str | Sequence[tuple[int, int]] = "VALID",
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Any:
    """Reduces windows of `operand` (an array or a pytree of same-shape
    arrays) with `computation`, the padded positions taking `init_value`.
    lax.add / max / min with their identities (or any init for max / min)
    are the windowed monoids; any other computation is traced into a general
    reduction (forward-mode differentiable, as in JAX)."""
    from mlax._src import reducers

    ops, inits, tree = reducers.flatten_operands(operand, init_value, "reduce_window")
    aval = aval_of(ops[0])
    rank = len(aval.shape)
    window = tuple(operator.index(w) for w in window_dimensions)
    if window_strides is None:
        window_strides = (1,) * len(window)
    strides = tuple(operator.index(s) for s in window_strides)
    base = tuple(base_dilation) if base_dilation is not None else (1,) * rank
    wdil = tuple(window_dilation) if window_dilation is not None else (1,) * rank
    for name, v in (
        ("window_dimensions", window),
        ("window_strides", strides),
        ("base_dilation", base),
        ("window_dilation", wdil),
    ):
        if len(v) != rank:
            raise TypeError(
                f"reduce_window: {name} {v} must have one entry per operand dimension "
                f"(operand shape {aval.shape})"
            )
        if any(int(e) < 1 for e in v):
            raise TypeError(f"reduce_window: {name} must be positive, got {v}")
    pads = padtype_to_pads(
        aval.shape,
        [_dilate(w, d) for w, d in zip(window, wdil)],
        strides,
        padding,
    )
    if len(pads) != rank or any(len(p) != 2 for p in pads):
        raise ValueError(f"reduce_window: padding must be {rank} (low, high) pairs, got {padding}")
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise NotImplementedError("reduce_window with negative padding is not supported")
    kind = {_lax.add: "add", _lax.max: "max", _lax.min: "min"}.get(computation)
    init = _concrete_scalar(inits[0]) if len(ops) == 1 else None
    monoid = (
        len(ops) == 1
        and kind is not None
        and not (dtypes.is_bool(aval.dtype) or dtypes.is_complex(aval.dtype))
        and (kind != "add" or (init is not None and init == 0))
    )
    if not monoid:
        shape = _window_shape(aval.shape, window, strides, pads, base, wdil)
        return reducers.generic_reduce_window(
            ops,
            inits,
            computation,
            tree,
            window=window,
            strides=strides,
            pads=pads,
            base=base,
            wdil=wdil,
            shape=shape,
        )
    x = ops[0]
    out = _monoid(kind, x, window, strides, pads, base, wdil)
    if init is None or init != _identity(kind, aval.dtype):
        # Padded positions hold init_value too, so the result is the monoid
        # of init_value and the window over the operand's own elements.
        c = _lax.broadcast(inits[0], out.shape)
        out = _lax.max(out, c) if kind == "max" else _lax.min(out, c)
    return tree_util.tree_unflatten(tree, [out])
