"""lax.while_loop, fori_loop, cond, switch: region ops (`mlax.while`,
`mlax.case`) whose regions are traced from Python functions. Regions may use
values of the enclosing function directly (they are not isolated)."""

from __future__ import annotations

import builtins
import operator
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


class ClosedRegionTrace(RegionTrace):
    """Traces a region that uses nothing from above (reducer bodies, as JAX's
    closed reduction jaxprs): concrete Arrays become constants in the region,
    and closing over a traced value is JAX's NotImplementedError."""

    def to_value(self, x, dtype=None):
        if isinstance(x, Tracer) and x._trace is not self:
            raise NotImplementedError(
                "Reduction computations can't close over Tracers: pass the traced "
                f"value {x.aval.str_short()} as an operand instead."
            )
        if isinstance(x, core.Array):
            x = np.asarray(x)
        return super().to_value(x, dtype)


def trace_reducer(
    region: ir.Region, computation: Callable, tree, scalar_avals: Sequence[ShapedArray], name: str
) -> None:
    """Fills `region` (empty) with the body `(accumulators..., elements...) ->
    accumulators...` of a reduction: `computation(acc_tree, elem_tree)`
    traced on 0-d values, which must return the same tree of the same types."""
    types = [mlir.tensor_type((), a.dtype) for a in scalar_avals]
    block = region.blocks.append(*(types + types))
    parent = core.current_trace()
    trace = ClosedRegionTrace(block, parent)
    avals = [ShapedArray((), a.dtype) for a in scalar_avals]
    tracers = [Tracer(trace, arg, a) for arg, a in zip(block.arguments, avals + avals)]
    n = len(avals)
    core.push_trace(trace)
    try:
        out = computation(
            tree_util.tree_unflatten(tree, tracers[:n]), tree_util.tree_unflatten(tree, tracers[n:])
        )
        leaves, out_tree = tree_util.tree_flatten(out)
        if out_tree != tree:
            raise TypeError(
                f"{name} computation must return the structure of its operands, {tree}, "
                f"got {out_tree}"
            )
        vals = [trace.to_value(l) for l in leaves]
    finally:
        core.pop_trace()
    for i, ((_, got), want) in enumerate(zip(vals, avals)):
        if got.shape != () or got.dtype != want.dtype:
            raise TypeError(
                f"{name} computation must return 0-d values of its operands' dtypes: "
                f"result {i} is {got.str_short()}, expected {want.str_short()}"
            )
    with ir.InsertionPoint(block), trace.loc:
        mlax_d.ReturnOp([v for v, _ in vals])


def _run(fn: Callable, *args):
    if core.current_trace() is not None:
        return fn(*args)
    return api.JitFunction(fn, hoist_consts=True)(*args)


def while_loop(
    cond_fun: Callable,
    body_fun: Callable,
    init_val: Any,
    *,
    max_steps: int | None = None,
    checkpoints: int | None = None,
) -> Any:
    """Repeats `val = body_fun(val)` while `cond_fun(val)` (JAX's lax.while_loop API).
    The carried value's structure, shapes and dtypes must not change.

    With `max_steps` the loop stops after at most that many iterations, and
    reverse mode works through it (JAX has none): the backward pass keeps
    `checkpoints` saved states (default: every step up to 64 steps, else
    about sqrt(max_steps)) and recomputes the steps between them."""
    if max_steps is None:
        if checkpoints is not None:
            raise TypeError("while_loop: checkpoints needs max_steps")
        return _while_loop(cond_fun, body_fun, init_val, None)
    max_steps = _positive_int(max_steps, "max_steps", allow_zero=True)
    if checkpoints is None:
        checkpoints = max(max_steps, 1) if max_steps <= 64 else int(np.ceil(np.sqrt(max_steps)))
    checkpoints = _positive_int(checkpoints, "checkpoints")

    def bounded_cond(c):
        from mlax._src import lax

        val, i = c
        pred = cond_fun(val)
        a = aval_of(pred)
        if a.shape != () or a.dtype != np.bool_:
            raise TypeError(
                f"cond_fun must return a boolean scalar, but got output type(s) [{a.str_short()}]."
            )
        return lax.bitwise_and(pred, lax.lt(i, np.int32(max_steps)))

    def bounded_body(c):
        from mlax._src import lax

        val, i = c
        return body_fun(val), lax.add(i, np.int32(1))

    out, _ = _while_loop(
        bounded_cond,
        bounded_body,
        (init_val, np.int32(0)),
        None,
        bounds={"max_steps": max_steps, "checkpoints": max(checkpoints, 1)},
    )
    return out


def _positive_int(v: Any, name: str, allow_zero: bool = False) -> int:
    try:
        n = operator.index(v)
    except TypeError:
        raise TypeError(f"while_loop: {name} must be a Python int, got {v!r}") from None
    if n < 0 or (n == 0 and not allow_zero):
        raise ValueError(
            f"while_loop: {name} must be {'non-negative' if allow_zero else 'positive'}, got {n}"
        )
    return n


def _while_loop(
    cond_fun: Callable,
    body_fun: Callable,
    init_val: Any,
    trip_count: int | None,
    bounds: dict | None = None,
) -> Any:
    flat, in_tree = tree_util.tree_flatten(init_val)

    def run(*leaves):
        outs, promote = _build_while(cond_fun, body_fun, leaves, in_tree, trip_count, bounds=bounds)
        if promote is None:
            return outs
        # Weakly typed carries whose body result has another dtype (a Python
        # 0 that becomes a float) take the promoted dtype, as in JAX.
        from mlax._src import lax

        leaves = [
            lax.convert_element_type(l, dt) if dt is not None else l
            for l, dt in zip(leaves, promote)
        ]
        return _build_while(
            cond_fun, body_fun, leaves, in_tree, trip_count, promoted=True, bounds=bounds
        )[0]

    outs = _run(run, *flat)
    return tree_util.tree_unflatten(in_tree, outs)


def _carry_mismatch(out: ShapedArray, carry: ShapedArray) -> bool:
    return out.shape != carry.shape or out.dtype != carry.dtype


def _build_while(cond_fun, body_fun, leaves, in_tree, trip_count, promoted=False, bounds=None):
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
        for name, v in (bounds or {}).items():
            op.attributes[name] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), v)
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


def fori_loop(
    lower: Any, upper: Any, body_fun: Callable, init_val: Any, *, unroll: int | bool | None = None
) -> Any:
    """for i in range(lower, upper): val = body_fun(i, val) (JAX's lax.fori_loop).
    With static (Python int) bounds it runs as a scan, which reverse mode can
    differentiate; `unroll` needs static bounds."""
    from mlax import numpy as jnp

    static = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lower, upper)
    )
    if static:
        length = builtins.max(int(upper) - int(lower), 0)
        # The counter starts as a Python int: weakly typed, as in JAX.
        (_, val), _ = scan(
            lambda c, _: ((c[0] + 1, body_fun(c[0], c[1])), None),
            (int(lower), init_val),
            None,
            length=length,
            unroll=1 if unroll is None else unroll,
        )
        return val
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError(
            "Can only use `unroll` in `fori_loop` if the loop bounds are statically known."
        )
    i0 = jnp.asarray(lower, dtype=dtypes.default_int_dtype()) if isinstance(lower, int) else lower
    hi = jnp.asarray(upper, dtype=dtypes.default_int_dtype()) if isinstance(upper, int) else upper
    _, val = _while_loop(
        lambda c: c[0] < hi, lambda c: (c[0] + 1, body_fun(c[0], c[1])), (i0, init_val), None
    )
    return val


def _canonical_unroll(unroll: int | bool, length: int) -> int:
    if isinstance(unroll, bool):
        return builtins.max(length, 1) if unroll else 1
    if not isinstance(unroll, (int, np.integer)) or unroll < 0:
        raise ValueError("`unroll` must be a `bool` or a non-negative `int`.")
    return builtins.max(int(unroll), 1)


def _scan_length(xs_leaves: list, length: Any) -> int:
    for x in xs_leaves:
        if aval_of(x).ndim == 0:
            raise ValueError(f"scan got value with no leading axis to scan over: {x!r}.")
    lengths = [aval_of(x).shape[0] for x in xs_leaves]
    if length is not None:
        if isinstance(length, Tracer):
            from mlax.errors import ConcretizationTypeError

            raise ConcretizationTypeError(
                "The `length` argument to `scan` expects a concrete `int` value."
            )
        try:
            length = int(length)
        except TypeError:
            raise TypeError(f"scan `length` must be an int, got {length!r}") from None
        if not all(n == length for n in lengths):
            raise ValueError(
                f"scan got `length` argument of {length} which disagrees with leading axis "
                f"sizes {lengths}."
            )
        if length < 0:
            raise ValueError(f"scan `length` must be non-negative, got {length}")
        return length
    if not lengths:
        raise ValueError("scan got no values to scan over and `length` not provided.")
    if len(set(lengths)) != 1:
        raise ValueError(
            "scan got values with different leading axis sizes: "
            + ", ".join(str(n) for n in lengths)
            + "."
        )
    return lengths[0]


def scan(
    f: Callable,
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    _split_transpose: bool = False,
) -> tuple[Any, Any]:
    """Loops `carry, y = f(carry, x)` over the leading axis of xs (JAX's lax.scan):
    returns the final carry and the stacked ys. Pytrees in carry, xs and ys; xs
    may be None with `length`; `reverse` scans from the end (ys keep their
    positions); `unroll` iterations run per loop trip."""
    if not callable(f):
        raise TypeError("lax.scan: f argument should be a callable.")
    init_leaves, init_tree = tree_util.tree_flatten(init)
    xs_leaves, xs_tree = tree_util.tree_flatten(xs)
    xs_leaves = [x if isinstance(x, (Tracer, core.Array)) else np.asarray(x) for x in xs_leaves]
    n = _scan_length(xs_leaves, length)
    unroll_n = _canonical_unroll(unroll, n)
    num_carry = len(init_leaves)
    out_tree_box: list = []

    def run(*leaves):
        carry, xs_flat = list(leaves[:num_carry]), list(leaves[num_carry:])
        outs, promote = _build_scan(
            f, carry, init_tree, xs_flat, xs_tree, n, reverse, unroll_n, out_tree_box
        )
        if promote is None:
            return outs
        from mlax._src import lax

        carry = [
            lax.convert_element_type(c, dt) if dt is not None else c
            for c, dt in zip(carry, promote)
        ]
        out_tree_box.clear()
        return _build_scan(
            f, carry, init_tree, xs_flat, xs_tree, n, reverse, unroll_n, out_tree_box, True
        )[0]

    outs = _run(run, *init_leaves, *xs_leaves)
    y_tree = out_tree_box[-1]
    return (
        tree_util.tree_unflatten(init_tree, outs[:num_carry]),
        tree_util.tree_unflatten(y_tree, outs[num_carry:]),
    )


def _carry_differences(in_avals, out_avals, init_tree) -> list[str]:
    paths = _leaf_paths(init_tree, len(in_avals))
    diffs = []
    for path, a, b in zip(paths, in_avals, out_avals):
        if _carry_mismatch(b, a):
            what = "dtypes" if a.shape == b.shape else "shapes"
            diffs.append(
                f"the input carry component {path} has type {a.str_short()} but the "
                f"corresponding output carry component has type {b.str_short()}, so the "
                f"{what} do not match"
            )
    return diffs


def _leaf_paths(tree, n: int) -> list[str]:
    """carry[0][1]-style names of a tree's leaves (`carry` for a lone leaf)."""
    out: list[str] = []

    def walk(td, prefix):
        if td.kind is None:
            out.append(prefix)
        elif td.kind is dict:
            for k, c in zip(td.aux, td.children()):
                walk(c, f"{prefix}[{k!r}]")
        else:
            for i, c in enumerate(td.children()):
                walk(c, f"{prefix}[{i}]")

    walk(tree, "carry")
    return out if len(out) == n else [f"carry leaf {i}" for i in range(n)]


def _build_scan(
    f, carry, init_tree, xs_flat, xs_tree, length, reverse, unroll, out_tree_box, promoted=False
):
    """Emits the mlax.scan op: (result tracers, None), or, when a weak carry
    must be promoted (JAX's rule), (None, the new dtype per carry or None)."""
    trace = core.current_trace()
    carry_avals = [aval_of(c) for c in carry]
    xs_avals = [aval_of(x) for x in xs_flat]
    slice_avals = [ShapedArray(a.shape[1:], a.dtype, a.weak_type) for a in xs_avals]
    init_values = [trace.to_value(c)[0] for c in carry]
    xs_values = [trace.to_value(x)[0] for x in xs_flat]
    arg_types = [mlir.tensor_type(a.shape, a.dtype) for a in carry_avals + slice_avals]
    # Trace the body into a result-less scratch op (the ys' types are not
    # known yet), then move the block into the real op.
    with trace.ip, trace.loc:
        scratch = mlax_d.ScanOp([], init_values, xs_values, length)
    try:
        block = scratch.body.blocks.append(*arg_types)
        nc = len(carry_avals)

        def body(args):
            c = tree_util.tree_unflatten(init_tree, args[:nc])
            x = tree_util.tree_unflatten(xs_tree, args[nc:])
            out = f(c, x)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(f"scan body output must be a pair, got {out!r}.")
            return tuple(out)

        in_tree = tree_util.tree_structure([0] * len(arg_types))
        vals, out_avals, out_tree, rt = _trace_region(
            block, body, carry_avals + slice_avals, in_tree
        )
        carry_tree_out, y_tree = _split_pair_tree(out_tree)
        n_out_c = carry_tree_out.num_leaves
        c_out, y_out = out_avals[:n_out_c], out_avals[n_out_c:]
        if carry_tree_out != init_tree:
            raise TypeError(
                "scan body function carry input and carry output must have the same pytree "
                "structure, but they differ:\n\n"
                f"the input tree structure is:\n{init_tree}\n"
                f"the output tree structure is:\n{carry_tree_out}\n\n"
                "Revise the function so that the carry output has the same pytree structure "
                "as the carry input."
            )
        if not promoted and any(
            a.weak_type and _carry_mismatch(b, a) for a, b in zip(carry_avals, c_out)
        ):
            new = [
                dtypes.result_type((a.dtype, True), (b.dtype, b.weak_type))[0]
                if a.weak_type and a.shape == b.shape and a.dtype != b.dtype
                else None
                for a, b in zip(carry_avals, c_out)
            ]
            if any(dt is not None for dt in new):
                return None, new
        diffs = _carry_differences(carry_avals, c_out, init_tree)
        if diffs:
            body_txt = (
                diffs[0][0].upper() + diffs[0][1:] + ".\n"
                if len(diffs) == 1
                else "".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n"
            )
            raise TypeError(
                "scan body function carry input and carry output must have equal types, but "
                f"they differ:\n\n{body_txt}\nRevise the function so that all output types "
                "match the corresponding input types."
            )
        y_types = [mlir.tensor_type((length, *a.shape), a.dtype) for a in y_out]
        result_types = [mlir.tensor_type(a.shape, a.dtype) for a in carry_avals] + y_types
        with ir.InsertionPoint(block), rt.loc:
            mlax_d.ReturnOp(vals)
        with ir.InsertionPoint(scratch), trace.loc:
            op = mlax_d.ScanOp(
                result_types,
                init_values,
                xs_values,
                length,
                reverse=True if reverse else None,
                unroll=unroll if unroll != 1 else None,
            )
        block.append_to(op.body)
    finally:
        scratch.operation.erase()
    out_tree_box.append(y_tree)
    results = list(op.results)
    # The carries' weak types are the body's outputs' (as JAX's abstract eval).
    tracers = [
        Tracer(trace, r, ShapedArray(a.shape, a.dtype, b.weak_type))
        for r, a, b in zip(results[:nc], carry_avals, c_out)
    ]
    tracers += [
        Tracer(trace, r, ShapedArray((length, *a.shape), a.dtype, a.weak_type))
        for r, a in zip(results[nc:], y_out)
    ]
    return tracers, None


def _split_pair_tree(tree):
    """The carry and y subtrees of a (carry, y) output's tree."""
    probe = tree_util.tree_unflatten(tree, list(range(tree.num_leaves)))
    c, y = probe
    return tree_util.tree_structure(c), tree_util.tree_structure(y)


def map(f: Callable, xs: Any, *, batch_size: int | None = None) -> Any:
    """[f(x) for x in xs] stacked, as a scan (JAX's lax.map); with `batch_size`,
    f runs vmapped over chunks of that many elements (the rest after)."""
    if batch_size is not None:
        from mlax._src.batching import vmap

        leaves, tree = tree_util.tree_flatten(xs)
        n = _scan_length(leaves, None)
        bs = int(batch_size)
        if bs <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        nb, rem = divmod(n, bs)
        from mlax._src import lax as _lax

        def chunk(x):
            return _lax.reshape(x[: nb * bs], (nb, bs, *aval_of(x).shape[1:]))

        outs = []
        if nb:
            chunks = tree_util.tree_unflatten(tree, [chunk(x) for x in leaves])
            ys = scan(lambda _, x: ((), vmap(f)(x)), (), chunks)[1]
            outs.append(
                tree_util.tree_map(lambda y: _lax.reshape(y, (nb * bs, *aval_of(y).shape[2:])), ys)
            )
        if rem:
            rest = tree_util.tree_unflatten(tree, [x[nb * bs :] for x in leaves])
            outs.append(vmap(f)(rest))
        if len(outs) == 1:
            return outs[0]
        from mlax import numpy as jnp

        return tree_util.tree_map(lambda a, b: jnp.concatenate([a, b]), outs[0], outs[1])
    return scan(lambda _, x: ((), f(x)), (), xs)[1]


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
