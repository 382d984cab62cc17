"""lax.reduce and lax.reduce_window with general computations: the reducer
is traced from Python into the body of `mlax.reduce` or
`mlax.generic_reduce_window` (over pytrees of operands, as JAX's variadic
reductions). Monoids (lax.add / mul / max / min with their identities) take
the dedicated reductions instead, which reverse mode differentiates."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import control_flow, core, dtypes, mlir, tree_util
from mlax._src.core import Array, Tracer, aval_of
from mlax.mlir.dialects import mlax as m


def flatten_operands(operands: Any, init_values: Any, name: str):
    """(operand arrays, init values in their dtypes, tree), with JAX's errors."""
    from mlax._src import numpy_impl as _n

    flat_ops, tree = tree_util.tree_flatten(operands)
    flat_inits, init_tree = tree_util.tree_flatten(init_values)
    if tree != init_tree:
        raise ValueError(
            f"Operands must have the same tree structure as init_values: {tree} vs. {init_tree}"
        )
    if not flat_ops:
        raise ValueError(f"{name} must have at least one operand.")
    ops = [x if isinstance(x, (Array, Tracer)) else _n.asarray(x) for x in flat_ops]
    shape = aval_of(ops[0]).shape
    for x in ops[1:]:
        if aval_of(x).shape != shape:
            raise ValueError(
                f"{name} operands must have the same shape, got {[aval_of(o).shape for o in ops]}"
            )
    inits = []
    for x, v in zip(ops, flat_inits):
        want = aval_of(x).dtype
        if not isinstance(v, (Array, Tracer)):
            # Concrete (numpy) so that monoid identities are recognized.
            weak = isinstance(v, (bool, int, float, complex))
            v = np.asarray(v, dtype=want if weak else None)
        inits.append(v)
    init_avals = [aval_of(v) if isinstance(v, (Array, Tracer)) else v for v in inits]
    if any(aval_of(x).dtype != a.dtype for x, a in zip(ops, init_avals)):
        raise TypeError(
            f"{name} got inconsistent dtypes for operands and init_values: got operand "
            f"dtypes {[aval_of(x).dtype for x in ops]} and init_value dtypes "
            f"{[a.dtype for a in init_avals]}."
        )
    if any(a.shape != () for a in init_avals):
        raise TypeError(
            f"{name} expected init_values to be scalars but init_values have shapes "
            f"{[a.shape for a in init_avals]}."
        )
    return ops, inits, tree


def _emit(build: Callable, ops: list, inits: list, out_avals: list, computation, tree, name):
    """Builds the op in the current trace (eagerly: in a jitted function)."""

    def run(*args):
        trace = core.current_trace()
        vals = [trace.to_value(a)[0] for a in args]
        n = len(ops)
        with trace.ip, trace.loc:
            op = build(vals[:n], vals[n:])
        try:
            control_flow.trace_reducer(
                op.body, computation, tree, [aval_of(x) for x in args[:n]], name
            )
        except BaseException:
            op.operation.erase()
            raise
        return [Tracer(trace, r, a) for r, a in zip(op.results, out_avals)]

    return control_flow._run(run, *ops, *inits)


def reduce(
    operands: Any, init_values: Any, computation: Callable, dimensions: Sequence[int]
) -> Any:
    """XLA's Reduce: `computation` (acc, x) -> acc folds `operands` (a pytree
    of same-shape arrays) over `dimensions` from `init_values` (scalars; an
    identity of the computation, which must be associative)."""
    from mlax._src import lax

    flat_ops, flat_inits = tree_util.tree_leaves(operands), tree_util.tree_leaves(init_values)
    if len(flat_ops) == 1 and len(flat_inits) == 1:
        monoid = _monoid(computation, flat_ops[0], flat_inits[0], lax)
        if monoid is not None:
            out = monoid(flat_ops[0], tuple(dimensions))
            return tree_util.tree_unflatten(tree_util.tree_structure(operands), [out])
    ops, inits, tree = flatten_operands(operands, init_values, "reduce")
    a = aval_of(ops[0])
    dims = tuple(sorted(int(d) for d in dimensions))
    if len(set(dims)) != len(dims) or any(not 0 <= d < a.ndim for d in dims):
        raise ValueError(f"reduce dimensions {tuple(dimensions)} are invalid for shape {a.shape}")
    shape = tuple(s for i, s in enumerate(a.shape) if i not in dims)
    out_avals = [core.ShapedArray(shape, aval_of(x).dtype) for x in ops]

    def build(xs, ivs):
        types = [mlir.tensor_type(shape, o.dtype) for o in out_avals]
        return m.ReduceOp(types, xs, ivs, mlir.i64_array(dims))

    outs = _emit(build, ops, inits, out_avals, computation, tree, "reduce")
    return tree_util.tree_unflatten(tree, outs)


def _monoid(computation, x, init, lax):
    """The dedicated reduction for a monoid with its identity, as JAX's
    _get_monoid_reducer (None otherwise)."""
    try:
        val = np.asarray(init)
    except Exception:  # a tracer: not concrete
        return None
    if val.shape != ():
        return None
    dtype = aval_of(x).dtype if isinstance(x, (Array, Tracer)) else np.asarray(x).dtype
    table = {
        lax.add: ("add", lax.reduce_sum),
        lax.mul: ("mul", lax.reduce_prod),
        lax.max: ("max", lax.reduce_max),
        lax.min: ("min", lax.reduce_min),
    }
    if dtypes.is_bool(dtype) or dtypes.is_integer(dtype):
        table[lax.bitwise_and] = ("and", lax.reduce_and)
        table[lax.bitwise_or] = ("or", lax.reduce_or)
    hit = table.get(computation)
    if hit is None:
        return None
    kind, fn = hit
    if kind in ("and", "or"):
        ident = np.array(-1 if kind == "and" else 0).astype(dtype)
    else:
        ident = lax._identity(kind, np.dtype(dtype))
    return fn if np.equal(val, ident) else None


def generic_reduce_window(
    ops: list, inits: list, computation: Callable, tree, *, window, strides, pads, base, wdil, shape
) -> Any:
    """mlax.generic_reduce_window over flat operands (windows already checked)."""
    out_avals = [core.ShapedArray(tuple(shape), aval_of(x).dtype) for x in ops]

    def build(xs, ivs):
        return m.GenericReduceWindowOp(
            [mlir.tensor_type(o.shape, o.dtype) for o in out_avals],
            xs,
            ivs,
            mlir.i64_array(window),
            mlir.i64_array(strides),
            mlir.i64_array(base),
            mlir.i64_array(wdil),
            mlir.i64_array([p for pair in pads for p in pair]),
        )

    outs = _emit(build, ops, inits, out_avals, computation, tree, "reduce_window")
    return tree_util.tree_unflatten(tree, outs)
