"""lax.while_loop, fori_loop, cond, switch: region ops (`mlax.while`,
`mlax.case`) whose regions are traced from Python functions. Regions may use
values of the enclosing function directly (they are not isolated)."""

from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import api, core, dtypes, mlir, tree_util
from mlax._src.core import ShapedArray, Trace, Tracer, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d


class RegionTrace(Trace):
    """Traces into a block of a region op of the enclosing function."""

    def __init__(self, block: ir.Block, parent: Trace):
        super().__init__(block, parent.module, parent)

    def to_value(self, x, dtype=None):
        if isinstance(x, Tracer) and x._trace is not self and self._is_ancestor(x._trace):
            # Same function (or captured into it by the parent): use directly.
            return self.parent.to_value(x)
        return super().to_value(x, dtype)


def _trace_region(
    block: ir.Block, fun: Callable, arg_avals: Sequence[ShapedArray], in_tree
) -> tuple[list, list[ShapedArray], Any]:
    """Runs fun on tracers of the block's arguments; returns result values,
    avals and output tree (the caller adds the terminator)."""
    parent = core.current_trace()
    trace = RegionTrace(block, parent)
    tracers = [Tracer(trace, arg, a) for arg, a in zip(block.arguments, arg_avals)]
    core.push_trace(trace)
    try:
        out = fun(tree_util.tree_unflatten(in_tree, tracers)) if in_tree is not None else fun()
        leaves, out_tree = tree_util.tree_flatten(out)
        vals = [trace.to_value(l) for l in leaves]
    finally:
        core.pop_trace()
    return [v for v, _ in vals], [a for _, a in vals], out_tree, trace


def _run(fn: Callable, *args):
    if core.current_trace() is not None:
        return fn(*args)
    return api.JitFunction(fn, hoist_consts=True)(*args)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """Repeats `val = body_fun(val)` while `cond_fun(val)` (JAX's lax.while_loop API).
    The carried value's structure, shapes and dtypes must not change."""
    return _while_loop(cond_fun, body_fun, init_val, None)


def _while_loop(
    cond_fun: Callable, body_fun: Callable, init_val: Any, trip_count: int | None
) -> Any:
    flat, in_tree = tree_util.tree_flatten(init_val)

    def run(*leaves):
        outs, promote = _build_while(cond_fun, body_fun, leaves, in_tree, trip_count)
        if promote is None:
            return outs
        # Weakly typed carries whose body result has another dtype (a Python
        # 0 that becomes a float) take the promoted dtype, as in JAX.
        from mlax._src import lax

        leaves = [
            lax.convert_element_type(l, dt) if dt is not None else l
            for l, dt in zip(leaves, promote)
        ]
        return _build_while(cond_fun, body_fun, leaves, in_tree, trip_count, promoted=True)[0]

    outs = _run(run, *flat)
    return tree_util.tree_unflatten(in_tree, outs)


def _carry_mismatch(out: ShapedArray, carry: ShapedArray) -> bool:
    return out.shape != carry.shape or out.dtype != carry.dtype


def _build_while(cond_fun, body_fun, leaves, in_tree, trip_count, promoted=False):
    """Emits the mlax.while op: (result tracers, None), or, when a weak carry
    must be promoted (JAX's rule), (None, the new dtype per carry or None)
    with no op left behind."""
    trace = core.current_trace()
    avals = [aval_of(l) for l in leaves]
    types = [mlir.tensor_type(a.shape, a.dtype) for a in avals]
    operands = [trace.to_value(l)[0] for l in leaves]
    with trace.ip, trace.loc:
        op = mlax_d.WhileOp(types, operands)
        if trip_count is not None:
            op.attributes["trip_count"] = ir.IntegerAttr.get(
                ir.IntegerType.get_signless(64), trip_count
            )
    try:
        cond_block = op.cond.blocks.append(*types)
        body_block = op.body.blocks.append(*types)
        vals, out_avals, _, rt = _trace_region(cond_block, cond_fun, avals, in_tree)
        if len(out_avals) != 1 or out_avals[0].shape != () or out_avals[0].dtype != np.bool_:
            raise TypeError(
                "cond_fun must return a boolean scalar, but got output type(s) "
                f"{[a.str_short() for a in out_avals]}."
            )
        with ir.InsertionPoint(cond_block), rt.loc:
            mlax_d.ReturnOp(vals)
        vals, out_avals, out_tree, rt = _trace_region(body_block, body_fun, avals, in_tree)
        if out_tree != in_tree:
            raise TypeError(
                "body_fun output and input must have identical types, got\n"
                f"output structure {out_tree} and input structure {in_tree}."
            )
        if not promoted and any(
            b.weak_type and _carry_mismatch(a, b) for a, b in zip(out_avals, avals)
        ):
            new = [
                dtypes.result_type((b.dtype, True), (a.dtype, a.weak_type))[0]
                if b.weak_type and a.shape == b.shape and a.dtype != b.dtype
                else None
                for a, b in zip(out_avals, avals)
            ]
            if any(dt is not None for dt in new):
                op.operation.erase()
                return None, new
        for k, (a, b) in enumerate(zip(out_avals, avals)):
            if _carry_mismatch(a, b):
                path = f"c[{k}]" if len(avals) > 1 else "c"
                raise TypeError(
                    "body_fun output and input must have identical types: the input carry "
                    f"{path} has type {b.str_short()} but the corresponding output carry "
                    f"component has type {a.str_short()}"
                    + (
                        ", so the dtypes do not match."
                        if a.shape == b.shape
                        else ", so the shapes do not match."
                    )
                )
        with ir.InsertionPoint(body_block), rt.loc:
            mlax_d.ReturnOp(vals)
    except BaseException:
        op.operation.erase()  # leave no half-built loop behind
        raise
    return [Tracer(trace, r, a) for r, a in zip(op.results, avals)], None


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """for i in range(lower, upper): val = body_fun(i, val)."""
    from mlax import numpy as jnp

    i0 = jnp.asarray(lower, dtype=dtypes.default_int_dtype()) if isinstance(lower, int) else lower
    hi = jnp.asarray(upper, dtype=dtypes.default_int_dtype()) if isinstance(upper, int) else upper
    # Static bounds: the loop runs upper - lower times, which reverse mode
    # needs (JAX runs such loops as a scan).
    static = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lower, upper)
    )
    trip_count = builtins.max(int(upper) - int(lower), 0) if static else None
    _, val = _while_loop(
        lambda c: c[0] < hi, lambda c: (c[0] + 1, body_fun(c[0], c[1])), (i0, init_val), trip_count
    )
    return val


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """Applies branches[clamp(index)] to operands (JAX's lax.switch API)."""
    if not branches:
        raise ValueError("switch needs at least one branch (got an empty sequence)")
    ia = aval_of(index)
    if ia.shape != () or not (dtypes.is_integer(ia.dtype) or dtypes.is_bool(ia.dtype)):
        raise TypeError(f"Index type must be an integer scalar, got {index!r} as {ia.str_short()}")
    flat_ops, ops_tree = tree_util.tree_flatten(operands)

    def run(idx, *leaves):
        from mlax._src import lax

        trace = core.current_trace()
        idx = lax.convert_element_type(idx, np.int32)
        idx = lax.clamp(np.int32(0), idx, np.int32(len(branches) - 1))
        index_value = trace.to_value(idx)[0]
        # Trace the branches into a result-less op first (types unknown),
        # then move the blocks into the real op.
        with trace.ip, trace.loc:
            scratch = mlax_d.CaseOp([], index_value, len(branches))
        traced = []
        for k, br in enumerate(branches):
            block = scratch.branches[k].blocks.append()
            vals, avals, tree, rt = _trace_region(
                block, lambda br=br: br(*tree_util.tree_unflatten(ops_tree, list(leaves))), [], None
            )
            traced.append((block, vals, avals, tree, rt))
        _, _, avals0, tree0, _ = traced[0]
        for _, _, avals, tree, _ in traced[1:]:
            if tree != tree0 or [(a.shape, a.dtype) for a in avals] != [
                (a.shape, a.dtype) for a in avals0
            ]:
                raise TypeError(
                    "branch outputs must have the same type structure, got "
                    f"{[a.str_short() for a in avals0]} and "
                    f"{[a.str_short() for a in avals]}."
                )
        types = [mlir.tensor_type(a.shape, a.dtype) for a in avals0]
        with ir.InsertionPoint(scratch), trace.loc:
            op = mlax_d.CaseOp(types, index_value, len(branches))
        for k, (block, vals, _, _, rt) in enumerate(traced):
            with ir.InsertionPoint(block), rt.loc:
                mlax_d.ReturnOp(vals)
            block.append_to(op.branches[k])
        scratch.operation.erase()
        weak = [all(t[2][i].weak_type for t in traced) for i in range(len(avals0))]
        return tree_util.tree_unflatten(
            tree0,
            [
                Tracer(trace, r, ShapedArray(a.shape, a.dtype, w))
                for r, a, w in zip(op.results, avals0, weak)
            ],
        )

    if core.current_trace() is not None:
        return run(index, *flat_ops)
    return api.JitFunction(lambda i, *ls: run(i, *ls), hoist_consts=True)(index, *flat_ops)


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """true_fun(*operands) if pred else false_fun(*operands) (JAX's lax.cond API)."""
    from mlax._src import lax

    pa = aval_of(pred)
    if pa.shape != ():
        raise TypeError(f"Pred must be a scalar, got {pred} of shape {pa.shape}.")
    if pa.dtype != np.bool_:
        pred = lax.ne(pred, np.zeros((), pa.dtype))
    index = (
        lax.convert_element_type(pred, np.int32)
        if core.current_trace() is not None
        else np.int32(bool(np.asarray(pred)))
    )
    return switch(index, [false_fun, true_fun], *operands)
