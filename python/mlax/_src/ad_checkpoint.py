"""jax.checkpoint / jax.remat, the remat policies and checkpoint_name.

`checkpoint(f)` traces f into the region of an `mlax.checkpoint` op; the
op's `saveable` rules (from the policy) tell linearization which of the
region's residuals it may keep; the rest is recomputed in the backward pass
(dialect/rules/CheckpointRules.cpp). Policies are data here, not Python
predicates, since the C++ passes apply them: the names JAX exports are
provided, and combine with save_from_both_policies."""

from __future__ import annotations

import functools
import types
from typing import Any, Callable, Sequence

from mlax._src import control_flow, core, mlir, tree_util
from mlax._src.core import Primitive, ShapedArray, Tracer
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d


class Policy:
    """A remat policy: the union of saveable rules (see mlax.checkpoint)."""

    def __init__(self, rules: Sequence[str], name: str):
        self.rules = tuple(rules)
        self._name = name

    def __repr__(self) -> str:
        return f"checkpoint_policies.{self._name}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Policy) and set(self.rules) == set(other.rules)

    def __hash__(self) -> int:
        return hash(frozenset(self.rules))


def _names(names: Sequence[str], what: str) -> str:
    for n in names:
        if not isinstance(n, str) or "," in n or not n:
            raise TypeError(f"{what} takes names (non-empty strings without commas), got {n!r}")
    return ",".join(sorted(set(names)))


everything_saveable = Policy(["everything"], "everything_saveable")
nothing_saveable = Policy([], "nothing_saveable")
dots_saveable = Policy(["dots"], "dots_saveable")
checkpoint_dots = dots_saveable
dots_with_no_batch_dims_saveable = Policy(["dots_no_batch"], "dots_with_no_batch_dims_saveable")
checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable


def save_only_these_names(*names: str) -> Policy:
    """Saves only checkpoint_name values with one of `names`."""
    rules = [f"names:{_names(names, 'save_only_these_names')}"] if names else []
    return Policy(rules, f"save_only_these_names{names}")


def save_any_names_but_these(*names: str) -> Policy:
    """Saves only checkpoint_name values, except those with one of `names`."""
    rule = f"names_except:{_names(names, 'save_any_names_but_these')}" if names else "names_except"
    return Policy([rule], f"save_any_names_but_these{names}")


def save_anything_except_these_names(*names: str) -> Policy:
    """JAX's definition saves everything (its names are ignored)."""
    return Policy(["everything"], f"save_anything_except_these_names{names}")


def save_from_both_policies(policy_1: Policy, policy_2: Policy) -> Policy:
    """A value is saveable when either policy saves it."""
    p1, p2 = _policy(policy_1), _policy(policy_2)
    return Policy(p1.rules + p2.rules, f"save_from_both_policies({p1!r}, {p2!r})")


checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=checkpoint_dots,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=checkpoint_dots_with_no_batch_dims,
    save_only_these_names=save_only_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_anything_except_these_names=save_anything_except_these_names,
    save_from_both_policies=save_from_both_policies,
)


def _policy(policy: Any) -> Policy:
    if policy is None:
        return nothing_saveable
    if isinstance(policy, Policy):
        return policy
    raise TypeError(
        "mlax.checkpoint takes a policy from mlax.checkpoint_policies (its C++ passes "
        f"apply it, so arbitrary Python predicates are not supported), got {policy!r}"
    )


def _name_emit(values, avals, *, name):
    return mlax_d.CheckpointNameOp(values[0], ir.StringAttr.get(name)).result


_name_p = Primitive("checkpoint_name", _name_emit, weak="first")


def checkpoint_name(x: Any, name: str) -> Any:
    """Names the arrays of pytree `x` for save_only_these_names /
    save_any_names_but_these (the identity otherwise)."""
    if not isinstance(name, str):
        raise TypeError(f"checkpoint_name takes a string name, got {name!r}")
    if core.current_trace() is None:
        return x  # nothing is linearized eagerly
    return tree_util.tree_map(lambda v: _name_p.bind(v, name=name), x)


def checkpoint(
    fun: Callable,
    *,
    prevent_cse: bool = True,
    policy: Any = None,
    static_argnums: int | Sequence[int] = (),
) -> Callable:
    """jax.checkpoint: `fun` whose reverse mode saves only what `policy`
    allows (nothing by default) and recomputes the rest; with prevent_cse
    the recomputation cannot be merged back into the forward pass."""
    if not callable(fun):
        raise TypeError(f"checkpoint requires a callable, got {fun!r}")
    rules = _policy(policy).rules
    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def remat_fun(*args, **kwargs):
        trace = core.current_trace()
        if trace is None:
            return fun(*args, **kwargs)  # eagerly there is nothing to save
        nargs = len(args)
        static = {i % nargs if nargs else i for i in statics}
        dyn = [a for i, a in enumerate(args) if i not in static]
        leaves, in_tree = tree_util.tree_flatten((dyn, kwargs))

        def call(*flat):
            dyn_args, kw = tree_util.tree_unflatten(in_tree, list(flat))
            it = iter(dyn_args)
            full = [a if i in static else next(it) for i, a in enumerate(args)]
            return fun(*full, **kw)

        return _build(call, leaves, rules, prevent_cse)

    return remat_fun


remat = checkpoint


def _build(call: Callable, leaves: list, rules: tuple, prevent_cse: bool) -> Any:
    """Emits the mlax.checkpoint op: the body traced into a result-less op
    first (types unknown), then moved into the real one."""
    trace = core.current_trace()
    with trace.ip, trace.loc:
        attr = ir.ArrayAttr.get([ir.StringAttr.get(r) for r in rules])
        scratch = mlax_d.CheckpointOp([], attr, prevent_cse=prevent_cse or None)
    try:
        block = scratch.body.blocks.append()
        vals, avals, out_tree, rt = control_flow._trace_region(
            block, lambda: call(*leaves), [], None
        )
        types_ = [mlir.tensor_type(a.shape, a.dtype) for a in avals]
        with ir.InsertionPoint(scratch), trace.loc:
            op = mlax_d.CheckpointOp(types_, attr, prevent_cse=prevent_cse or None)
        with ir.InsertionPoint(block), rt.loc:
            mlax_d.ReturnOp(vals)
        block.append_to(op.body)
    finally:
        scratch.operation.erase()
    return tree_util.tree_unflatten(
        out_tree,
        [
            Tracer(trace, r, ShapedArray(a.shape, a.dtype, a.weak_type))
            for r, a in zip(op.results, avals)
        ],
    )


def _barrier_emit(values, avals):
    return list(mlax_d.OptimizationBarrierOp([v.type for v in values], values).results)


_barrier_p = Primitive("optimization_barrier", _barrier_emit, multiple_results=True, weak="none")


def optimization_barrier(operand: Any) -> Any:
    """lax.optimization_barrier: the arrays of pytree `operand`, unchanged,
    with no computation moved across the barrier by XLA."""
    leaves, tree = tree_util.tree_flatten(operand)
    if not leaves:
        return operand
    return tree_util.tree_unflatten(tree, list(_barrier_p.bind(*leaves)))
