"""lax.associative_scan and the cumulative reductions built on it.

The parallel prefix algorithm: combine adjacent pairs, scan the half-length
result recursively, then combine it with the remaining even elements and
interleave; O(log n) depth, O(n) work. Everything is mlax ops (slices, pads,
concatenations), so every transformation applies. JAX lowers cumsum and
friends this way on CPU and GPU, so the rounding matches.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mlax._src import dtypes, lax, tree_util
from mlax._src.core import ArrayLike, aval_of


def _slice_axis(x, start: int, stop: int | None, step: int, axis: int):
    shape = aval_of(x).shape
    stop = shape[axis] if stop is None else (stop if stop >= 0 else shape[axis] + stop)
    start_idx = [0] * len(shape)
    limit = list(shape)
    strides = [1] * len(shape)
    start_idx[axis], limit[axis], strides[axis] = start, max(stop, start), step
    return lax.slice(x, start_idx, limit, strides)


def _interleave(a, b, axis: int):
    """[a0, b0, a1, b1, ...] along axis (len(a) == len(b) or len(b) + 1)."""
    na, nb = aval_of(a).shape[axis], aval_of(b).shape[axis]
    zero = np.zeros((), aval_of(a).dtype)
    nd = aval_of(a).ndim
    cfg_a = [(0, 0, 0)] * nd
    cfg_b = [(0, 0, 0)] * nd
    cfg_a[axis] = (0, 1 if na == nb else 0, 1)
    cfg_b[axis] = (1, 0 if na == nb else 1, 1)
    pa, pb = lax.pad(a, zero, cfg_a), lax.pad(b, zero, cfg_b)
    if dtypes.is_bool(aval_of(a).dtype):
        return lax.bitwise_or(pa, pb)
    return lax.add(pa, pb)


def associative_scan(fn: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive scan of `elems` (a pytree of arrays with the same length along
    `axis`) with the associative binary function `fn` (JAX's
    lax.associative_scan): out[i] = fn(... fn(elems[0], elems[1]) ..., elems[i])."""
    leaves, tree = tree_util.tree_flatten(elems)
    from mlax._src.numpy_impl import asarray

    leaves = [asarray(x) for x in leaves]
    if not leaves:
        return elems
    nd = aval_of(leaves[0]).ndim
    if nd == 0:
        raise ValueError("associative_scan needs arrays of rank >= 1 to scan over")
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} is out of bounds for arrays of rank {nd}")
    axis = axis % nd
    lengths = {aval_of(x).shape[axis] for x in leaves}
    if len(lengths) != 1:
        raise ValueError(
            f"Array inputs to associative_scan must have the same first dimension. (saw: "
            f"{[aval_of(x).shape for x in leaves]})"
        )
    if reverse:
        leaves = [lax.rev(x, (axis,)) for x in leaves]

    def combine(a, b):
        out = fn(tree_util.tree_unflatten(tree, a), tree_util.tree_unflatten(tree, b))
        out_leaves, out_tree = tree_util.tree_flatten(out)
        if out_tree != tree:
            raise TypeError(
                "associative_scan: fn must return a pytree with the structure of elems, got "
                f"{out_tree} for {tree}"
            )
        return out_leaves

    def scan(xs):
        n = aval_of(xs[0]).shape[axis]
        if n < 2:
            return xs
        pairs = combine(
            [_slice_axis(x, 0, -1, 2, axis) for x in xs],
            [_slice_axis(x, 1, None, 2, axis) for x in xs],
        )
        odd = scan(pairs)
        if n % 2 == 0:
            even = combine(
                [_slice_axis(o, 0, -1, 1, axis) for o in odd],
                [_slice_axis(x, 2, None, 2, axis) for x in xs],
            )
        else:
            even = combine(odd, [_slice_axis(x, 2, None, 2, axis) for x in xs])
        even = [lax.concatenate([_slice_axis(x, 0, 1, 1, axis), e], axis) for x, e in zip(xs, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    out = scan(leaves)
    if reverse:
        out = [lax.rev(x, (axis,)) for x in out]
    return tree_util.tree_unflatten(tree, out)


def _cumulative(combine: Callable, name: str):
    def cum(operand: ArrayLike, axis: int = 0, reverse: bool = False):
        from mlax._src.numpy_impl import asarray

        x = asarray(operand)
        nd = aval_of(x).ndim
        if axis < 0:
            raise ValueError("XLA operations do not allow negative axes")
        if axis >= nd:
            raise ValueError(f"axis {axis} is out of bounds for array of dimension {nd}")
        if not (dtypes.is_integer(aval_of(x).dtype) or dtypes.is_inexact(aval_of(x).dtype)):
            raise TypeError(
                f"{name} does not accept dtype {aval_of(x).dtype.name}. Accepted dtypes are "
                "subtypes of number."
            )
        if combine is lax.add:  # the mlax.cumsum op (a reduce_window in XLA)
            return lax.primitives["cumsum"].bind(x, axis=axis, reverse=bool(reverse))
        return associative_scan(combine, x, reverse=reverse, axis=axis)

    cum.__name__ = name
    cum.__doc__ = f"Inclusive {name[3:]} along `axis` (JAX's lax.{name})."
    return cum


def _logaddexp(a, b):
    m = lax.max(a, b)
    # -inf - -inf is nan: where both are -inf the result is -inf.
    d = lax.neg(lax.abs(lax.sub(a, b)))
    fin = lax.is_finite(m)
    return lax.select(fin, lax.add(m, lax.log1p(lax.exp(d))), m)


cumsum = _cumulative(lax.add, "cumsum")
cumprod = _cumulative(lax.mul, "cumprod")
cummax = _cumulative(lax.max, "cummax")
cummin = _cumulative(lax.min, "cummin")
cumlogsumexp = _cumulative(_logaddexp, "cumlogsumexp")
