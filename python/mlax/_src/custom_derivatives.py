"""custom_jvp and custom_vjp. Each call traces the primal function and the
rule (or fwd/bwd) into private functions and emits `mlax.custom_jvp_call` /
`mlax.custom_vjp_call`; the C++ transformations decide which one to use."""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import core, mlir, tree_util
from mlax._src.autodiff import _differentiable, _zeros_float0, float0
from mlax._src.core import ShapedArray, Tracer, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict) -> tuple:
    """Keyword arguments mapped to positions, as JAX does for custom rules."""
    if not kwargs:
        return args
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(
            f"could not map the keyword arguments of {fun.__name__} to positions: {e}"
        ) from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"keyword-only arguments {sorted(bound.kwargs)} of "
            f"{fun.__name__} cannot be used with custom derivatives"
        )
    return tuple(bound.args)


def _name(fun: Callable, suffix: str = "") -> str:
    n = getattr(fun, "__name__", "fn")
    return ("lambda" if n == "<lambda>" else n) + suffix


class _Split:
    """Splits positional args into static (nondiff_argnums) and dynamic ones."""

    def __init__(self, args: tuple, nondiff_argnums: Sequence[int]):
        self.args = args
        self.nondiff = tuple(sorted(nondiff_argnums))
        for i in self.nondiff:
            if i >= len(args):
                raise TypeError(
                    f"nondiff_argnums={self.nondiff} refers to argument {i}, "
                    f"but only {len(args)} arguments were passed"
                )
        self.dyn_idx = [i for i in range(len(args)) if i not in self.nondiff]
        self.flat, self.tree = tree_util.tree_flatten(tuple(args[i] for i in self.dyn_idx))
        self.avals = [aval_of(x) for x in self.flat]
        self.diff = [k for k, a in enumerate(self.avals) if _differentiable(a.dtype)]

    def full_args(self, flat_values) -> list:
        dyn = tree_util.tree_unflatten(self.tree, flat_values)
        full = list(self.args)
        for i, v in zip(self.dyn_idx, dyn):
            full[i] = v
        return full

    def dyn_args(self, flat_values) -> tuple:
        return tree_util.tree_unflatten(self.tree, flat_values)

    @property
    def static(self) -> list:
        return [self.args[i] for i in self.nondiff]


class _RuleState(threading.local):
    """Per-thread state of custom calls being traced (threads trace on their own)."""

    def __init__(self):
        # How many custom calls are tracing their rules right now (a custom
        # call inside another one's rule sees more than one).
        self.rules_being_traced = 0
        # (id(custom function), memo key) -> its in-progress trace.
        self.traced: dict = {}


_rule_state = _RuleState()


class _TracedEntries:
    """The in-progress traces of one custom function, in this thread."""

    __slots__ = ("_owner",)

    def __init__(self, owner):
        self._owner = id(owner)

    def get(self, key):
        return _rule_state.traced.get((self._owner, key))

    def __setitem__(self, key, entry):
        _rule_state.traced[(self._owner, key)] = entry

    def __delitem__(self, key):
        del _rule_state.traced[(self._owner, key)]


def _enter(custom, args: tuple, kwargs: dict):
    """Shared start of a custom_jvp/custom_vjp call: (args, split, key,
    entry, depth). split is None when the call is just `fun(*args)`: no
    differentiation level will see it (eager, jit, vmap; the rules are not
    even traced, as in JAX). `entry` is the in-progress trace of this
    function when it is called from its own rule; `depth` is the number of
    differentiation levels that will see the call: the rule is traced for the
    outermost of them and its body (with calls of `fun`) is one level less."""
    args = _resolve_kwargs(custom.fun, args, kwargs)
    depth = core.ad_depth()
    if core.current_trace() is None:
        return args, None, None, None, depth
    split = _Split(args, custom.nondiff_argnums)
    key = _memo_key(split)
    entry = custom._traced.get(key)
    if depth <= 0 and entry is None:
        return args, None, None, None, depth
    return args, split, key, entry, depth


def _start(custom, args: tuple, kwargs: dict):
    """Shared start of a custom_jvp/custom_vjp call: (value, None) when the
    call is just `fun` (or a call of the primal function inside its own
    rule), else (None, (split, key, entry, outer, depth)) with the entry of
    this function's in-progress trace registered when `outer`."""
    args, split, key, entry, depth = _enter(custom, args, kwargs)
    if split is None:
        return custom.fun(*args), None
    if depth <= 0:
        return _call_primal(custom, split, entry), None
    outer = entry is None
    if outer:
        entry = {"name": core.reserve_name(_name(custom.fun)), "tf": None}
        custom._traced[key] = entry
    return None, (split, key, entry, outer, depth)


def _call_primal(custom, split: "_Split", entry: dict):
    """A call of the function inside its own rule, below every
    differentiation level: a call of the primal function, traced once and
    shared by every level's custom call."""
    from mlax._src.autodiff import _emit_call

    tf = _primal_of(entry, custom.fun, split)
    return tree_util.tree_unflatten(tf.out_tree, _emit_call(tf, split.flat))


def _memo_key(split: "_Split") -> tuple:
    trace = core.current_trace()
    root = trace
    while root.parent is not None:
        root = root.parent
    return (id(root), split.tree, tuple(split.avals), tuple(id(s) for s in split.static))


def _no_captures(tf, kind: str, fun: Callable):
    if tf.captures:
        raise TypeError(
            f"{kind} function {fun.__name__} closes over values traced by an "
            "outer transformation; pass them as arguments instead"
        )


def _zeros_like_aval(a: ShapedArray):
    return np.zeros(a.shape, a.dtype)


def _emit(op_builder, tf, split: _Split):
    trace = core.current_trace()
    operands = [trace.to_value(x)[0] for x in split.flat]
    types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
    with trace.ip, trace.loc:
        op = op_builder(types, operands)
    outs = [Tracer(trace, v, a) for v, a in zip(op.results, tf.out_avals)]
    return tree_util.tree_unflatten(tf.out_tree, outs)


class custom_jvp:
    """A function with a custom JVP rule (JAX's custom_jvp API).

    The rule `jvp(primals, tangents) -> (primal_out, tangent_out)` is used by
    forward and reverse mode (reverse mode linearizes and transposes it, so
    it must be linear in the tangents); other transformations use `fun`.
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None
        self._traced = _TracedEntries(self)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        if self.nondiff_argnums:
            raise TypeError("defjvps is not supported with nondiff_argnums; use defjvp")

        def jvp(primals, tangents):
            ans = self.fun(*primals)
            out = None
            for rule, t in zip(jvps, tangents):
                if rule is None or (getattr(t, "dtype", None) == float0):
                    continue
                term = rule(t, ans, *primals)
                out = term if out is None else tree_util.tree_map(lambda a, b: a + b, out, term)
            if out is None:
                out = tree_util.tree_map(lambda a: a * 0, ans)
            return ans, out

        self.defjvp(jvp)

    def __call__(self, *args: Any, **kwargs: Any):
        if self.jvp is None:
            raise AttributeError(
                f"No JVP defined for custom_jvp function {_name(self.fun)} using defjvp."
            )
        value, call = _start(self, args, kwargs)
        if call is None:
            return value
        split, key, entry, outer, depth = call
        # The rule is traced first (JAX runs the rule, which calls fun).
        rule_name = core.reserve_name(_name(self.fun, "_jvp"))
        n = len(split.flat)
        meta: dict = {}

        def rule_flat(*xs):
            primals = split.dyn_args(xs[:n])
            t_iter = iter(xs[n:])
            tangent_leaves = [
                next(t_iter) if k in split.diff else _zeros_float0(a.shape)
                for k, a in enumerate(split.avals)
            ]
            tangents = split.dyn_args(tangent_leaves)
            res = self.jvp(*split.static, tuple(primals), tuple(tangents))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(
                    "Custom JVP rule must produce a pair (list or tuple of length "
                    f"two) representing primal and tangent outputs, got {res}."
                )
            p_out, t_out = res
            p_flat, p_tree = tree_util.tree_flatten(p_out)
            t_flat, t_tree = tree_util.tree_flatten(t_out, is_leaf=lambda x: x is None)
            if t_tree != p_tree and len(t_flat) != len(p_flat):
                raise TypeError(
                    "Custom JVP rule must produce primal and tangent outputs "
                    f"with equal container (pytree) structures, but got {p_tree} "
                    f"and {t_tree} respectively."
                )
            p_avals = [aval_of(x) for x in p_flat]
            meta["p_tree"], meta["p_avals"] = p_tree, p_avals
            outs = list(p_flat)
            for j, a in enumerate(p_avals):
                if not _differentiable(a.dtype):
                    continue
                t = t_flat[j]
                if t is None or getattr(t, "dtype", None) == float0:
                    t = _zeros_like_aval(a)
                ta = aval_of(t)
                if ta.shape != a.shape or (ta.dtype != a.dtype and not ta.weak_type):
                    raise TypeError(
                        "Custom JVP rule must produce primal and tangent outputs "
                        "with corresponding shapes and dtypes. Expected "
                        f"{a.str_short()} (tangent type of {a.str_short()}) but "
                        f"got {ta.str_short()}."
                    )
                outs.append(t)
            return outs

        rule_avals = list(split.avals) + [split.avals[k] for k in split.diff]
        _rule_state.rules_being_traced += 1
        try:
            rule_tf = core.trace_subfunction(
                rule_flat,
                rule_avals,
                "",
                exact_name=rule_name,
                ad_depth=depth - 1,
                operands=list(split.flat) + [None] * len(split.diff),
            )
            tf = _primal_of(entry, self.fun, split)
        finally:
            _rule_state.rules_being_traced -= 1
            if outer:
                del self._traced[key]
        _no_captures(rule_tf, "custom_jvp rule of", self.fun)
        if meta["p_tree"] != tf.out_tree:
            raise TypeError(
                "Custom JVP rule must produce primal outputs with the same "
                "container (pytree) structure as the custom_jvp-decorated "
                f"function; got {meta['p_tree']} and {tf.out_tree}."
            )
        out_diff = [j for j, a in enumerate(tf.out_avals) if _differentiable(a.dtype)]
        _cast_results(
            rule_tf,
            list(tf.out_avals) + [tf.out_avals[j] for j in out_diff],
            "Custom JVP rule (primal and tangent outputs)",
        )
        return _emit(
            lambda types, ops: mlax_d.CustomJvpCallOp(
                types,
                ir.FlatSymbolRefAttr.get(tf.name),
                ir.FlatSymbolRefAttr.get(rule_tf.name),
                ops,
            ),
            tf,
            split,
        )


def _primal_of(entry: dict, fun: Callable, split: "_Split"):
    """The traced primal function of a custom call (traced on first need,
    under the name reserved for it)."""
    if entry["tf"] is None:
        tf = core.trace_subfunction(
            lambda *xs: fun(*split.full_args(xs)),
            split.avals,
            "",
            exact_name=entry["name"],
            ad_depth=0,
            operands=split.flat,
        )
        _no_captures(tf, "custom derivative", fun)
        entry["tf"] = tf
    return entry["tf"]


class custom_vjp:
    """A function with a custom VJP (JAX's custom_vjp API): `fwd(*args) -> (out,
    residuals)`, `bwd(*nondiff_args, residuals, ct) -> one cotangent per
    (non-nondiff) argument` (None: zero). Forward mode raises TypeError."""

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self._traced = _TracedEntries(self)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any, **kwargs: Any):
        if self.fwd is None:
            raise AttributeError(
                f"No VJP defined for custom_vjp function {_name(self.fun)} using defvjp."
            )
        value, call = _start(self, args, kwargs)
        if call is None:
            return value
        split, key, entry, outer, depth = call
        fwd_name = core.reserve_name(_name(self.fun, "_fwd"))
        bwd_name = core.reserve_name(_name(self.fun, "_bwd"))
        meta: dict = {}

        def fwd_flat(*xs):
            res = self.fwd(*split.full_args(xs))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise TypeError(
                    "Custom VJP fwd rule must produce a pair (list or tuple of "
                    f"length two) representing primal outputs and residuals, got {res}."
                )
            out, residuals = res
            o_flat, o_tree = tree_util.tree_flatten(out)
            r_flat, r_tree = tree_util.tree_flatten(residuals)
            meta["res_tree"], meta["out_tree"], meta["n_out"] = r_tree, o_tree, len(o_flat)
            return list(o_flat) + list(r_flat)

        def trace_rules():
            fwd_tf = core.trace_subfunction(
                fwd_flat,
                split.avals,
                "",
                exact_name=fwd_name,
                ad_depth=depth - 1,
                operands=split.flat,
            )
            tf = _primal_of(entry, self.fun, split)
            if meta["out_tree"] != tf.out_tree:
                raise TypeError(
                    "Custom VJP fwd rule must produce primal outputs with the same "
                    "container (pytree) structure as the custom_vjp-decorated "
                    f"function; got {meta['out_tree']} and {tf.out_tree}."
                )
            _no_captures(fwd_tf, "custom_vjp fwd of", self.fun)
            _cast_results(
                fwd_tf,
                list(tf.out_avals) + list(fwd_tf.out_avals[len(tf.out_avals) :]),
                "Custom VJP fwd rule (primal outputs)",
            )
            out_diff = [j for j, a in enumerate(tf.out_avals) if _differentiable(a.dtype)]
            res_avals = list(fwd_tf.out_avals[len(tf.out_avals) :])
            n_res = len(res_avals)

            def bwd_flat(*xs):
                residuals = tree_util.tree_unflatten(meta["res_tree"], xs[:n_res])
                c_iter = iter(xs[n_res:])
                ct_leaves = [
                    next(c_iter) if j in out_diff else _zeros_float0(a.shape)
                    for j, a in enumerate(tf.out_avals)
                ]
                ct = tree_util.tree_unflatten(tf.out_tree, ct_leaves)
                cts = self.bwd(*split.static, residuals, ct)
                n_dyn = len(split.dyn_idx)
                if not isinstance(cts, (tuple, list)) or len(cts) != n_dyn:
                    raise TypeError(
                        "Custom VJP bwd rule must produce a tuple with one cotangent "
                        f"per non-static argument of the custom_vjp function ({n_dyn}), "
                        f"got {cts}."
                    )
                flat = []
                dyn = split.dyn_args(split.flat)
                for arg, c in zip(dyn, cts):
                    leaves = tree_util.tree_leaves(arg)
                    if c is None:
                        flat.extend([None] * len(leaves))
                    else:
                        c_leaves = tree_util.tree_leaves(c, is_leaf=lambda x: x is None)
                        if len(c_leaves) != len(leaves):
                            raise TypeError(
                                "Custom VJP bwd rule must produce cotangents with the "
                                "structure of the primal arguments; got "
                                f"{tree_util.tree_structure(c)} for "
                                f"{tree_util.tree_structure(arg)}."
                            )
                        flat.extend(c_leaves)
                return [
                    flat[k] if flat[k] is not None else _zeros_like_aval(split.avals[k])
                    for k in split.diff
                ]

            bwd_avals = res_avals + [tf.out_avals[j] for j in out_diff]
            ct_avals = [split.avals[k] for k in split.diff]
            # Only for calls made by the user's function itself: a call inside
            # another custom rule keeps its bwd in the program (so nested
            # custom rules round as one program).
            index = (
                core.add_host_callback(_eager_bwd(bwd_flat, ct_avals))
                if depth == 1 and _rule_state.rules_being_traced == 1
                else None
            )
            if index is not None:
                # Eager differentiation (no jit, no vmap, no higher order): bwd
                # runs in Python on the values, as JAX's eager reverse pass
                # does (print and pdb see Arrays), called back from the program.
                bwd_tf = core.trace_subfunction(
                    lambda *xs: _python_callback_p.bind(
                        *xs, index=index, out_avals=tuple(ct_avals)
                    ),
                    bwd_avals,
                    "",
                    exact_name=bwd_name,
                    ad_depth=0,
                )
            else:
                bwd_tf = core.trace_subfunction(
                    bwd_flat, bwd_avals, "", exact_name=bwd_name, ad_depth=depth - 1
                )
            return tf, fwd_tf, bwd_tf

        _rule_state.rules_being_traced += 1
        try:
            tf, fwd_tf, bwd_tf = trace_rules()
        finally:
            _rule_state.rules_being_traced -= 1
            if outer:
                del self._traced[key]
        _no_captures(bwd_tf, "custom_vjp bwd of", self.fun)
        _cast_results(
            bwd_tf,
            [split.avals[k] for k in split.diff],
            "Custom VJP bwd rule (cotangents of the primal arguments)",
            ValueError,
            strict_dtype=False,
        )  # JAX converts bwd's dtypes
        return _emit(
            lambda types, ops: mlax_d.CustomVjpCallOp(
                types,
                ir.FlatSymbolRefAttr.get(tf.name),
                ir.FlatSymbolRefAttr.get(fwd_tf.name),
                ir.FlatSymbolRefAttr.get(bwd_tf.name),
                ops,
            ),
            tf,
            split,
        )


def _python_callback_emit(values, avals, *, index, out_avals):
    from mlax._src import runtime

    return list(
        mlax_d.PythonCallbackOp(
            [mlir.tensor_type(a.shape, a.dtype) for a in out_avals],
            values,
            ir.IntegerAttr.get(ir.IntegerType.get_signless(64), index),
            ir.StringAttr.get(runtime.python_callback_target()),
        ).results
    )


_python_callback_p = core.Primitive(
    "python_callback", _python_callback_emit, multiple_results=True, weak="none"
)


def _eager_bwd(bwd_flat: Callable, ct_avals: Sequence[ShapedArray]) -> Callable:
    """bwd_flat run on host values (numpy in, numpy out) for a callback."""

    def run(*host_args):
        args = [core.Array(core.runtime.to_device(np.asarray(a))) for a in host_args]
        outs = bwd_flat(*args)
        results = []
        for i, (o, want) in enumerate(zip(outs, ct_avals)):
            o = np.asarray(o)
            if o.shape != want.shape:
                raise ValueError(
                    "Custom VJP bwd rule must produce an output with the same "
                    "shape/dtypes as the args tuple of the primal function: "
                    f"output {i} has shape {o.shape}, expected {want.shape}"
                )
            results.append(o.astype(want.dtype, copy=False))
        return tuple(results)

    return run


def _cast_results(
    tf,
    want: Sequence[ShapedArray],
    what: str = "custom rule",
    error: type = TypeError,
    strict_dtype: bool = True,
) -> None:
    """Checks a traced rule's results against the expected avals: `error`
    (JAX's type for this rule) names the output; only dtype differences of
    weak-typed values (Python scalars) are converted."""
    got = tf.out_avals
    if len(got) != len(want):
        raise error(f"{what} returned {len(got)} values, expected {len(want)}")
    ret = tf.func.regions[0].blocks[0].operations[-1]
    new_values = []
    changed = False
    for i, (g, w) in enumerate(zip(got, want)):
        v = ret.operands[i]
        if g.shape != w.shape or (g.dtype != w.dtype and not g.weak_type and strict_dtype):
            raise error(
                f"{what} must produce outputs with the expected shapes and dtypes: "
                f"output {i} is {g.str_short()}, expected {w.str_short()}"
            )
        if g.dtype != w.dtype:
            with ir.InsertionPoint(ret), ir.Location.unknown(mlir.context()):
                v = mlax_d.ConvertOp(mlir.tensor_type(w.shape, w.dtype), v).result
            changed = True
        new_values.append(v)
    if changed:
        from mlax.mlir.dialects import func as func_d

        with ir.InsertionPoint(ret), ir.Location.unknown(mlir.context()):
            func_d.ReturnOp(new_values)
        ret.erase()
        fn_type = ir.FunctionType(ir.TypeAttr(tf.func.attributes["function_type"]).value)
        tf.func.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(fn_type.inputs, [v.type for v in new_values])
        )


def custom_gradient(fun: Callable) -> Callable:
    """JAX's custom_gradient: `fun(*args) -> (value, vjp)`, where
    `vjp(cotangent)` returns one cotangent per positional argument (a tuple;
    a single one may be returned bare). Built on custom_vjp with the
    arguments as residuals: the backward pass re-runs `fun` to get `vjp`
    (mlax's rules are traced apart, so the forward pass's Python closure
    cannot travel to it), which XLA compiles into the same program."""

    def value(*args):
        return _checked(fun(*args))[0]

    def fwd(*args):
        return _checked(fun(*args))[0], args

    def bwd(args, ct):
        cts = _checked(fun(*args))[1](ct)
        return cts if isinstance(cts, tuple) else (cts,)

    def _checked(res):
        if not (isinstance(res, (tuple, list)) and len(res) == 2 and callable(res[1])):
            raise TypeError(
                f"custom_gradient function {_name(fun)} must return a pair "
                f"(value, vjp function), got {res!r}"
            )
        return res

    wrapped = custom_vjp(value)
    wrapped.defvjp(fwd, bwd)
    functools.update_wrapper(wrapped, fun)
    return wrapped


def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list]:
    """JAX's closure_convert: `(converted, consts)` such that
    `converted(*args, *consts) == fun(*args)` for args shaped like
    `example_args`, with the traced values `fun` closes over hoisted into
    `consts` (so custom_vjp / custom_jvp rules, which may not close over
    values another transformation traces, can take them as arguments).
    Outside any trace nothing can be closed over: `(fun, [])`."""
    from mlax.mlir.dialects import func as func_d

    if core.current_trace() is None:
        return fun, []
    flat, in_tree = tree_util.tree_flatten(example_args)
    avals = [core.aval_of(x) for x in flat]
    tf = core.trace_subfunction(
        lambda *xs: fun(*tree_util.tree_unflatten(in_tree, xs)), avals, _name(fun, "_closure")
    )
    consts = list(tf.captures)
    if not consts:
        return fun, []
    n = len(consts)
    # The traced function lives in this trace's module until that module is
    # compiled (which drops it); a custom rule may call `converted` from
    # another program (an eager bwd is one), so keep a copy to import from.
    origin = core.current_trace().module
    with origin.context, ir.Location.unknown(origin.context):
        holder = ir.Module.create()
        held = _copy_functions(origin.operation, tf.name, holder, lambda n: n)

    def converted(*args_and_consts: Any):
        if len(args_and_consts) < n:
            raise TypeError(
                f"closure-converted {_name(fun)} takes its arguments and {n} hoisted "
                f"constants, got {len(args_and_consts)} values"
            )
        args, cs = args_and_consts[:-n], args_and_consts[-n:]
        flat_a, tree_a = tree_util.tree_flatten(args)
        if tree_a != in_tree or [core.aval_of(x).shape for x in flat_a] != [a.shape for a in avals]:
            raise TypeError(
                f"closure-converted {_name(fun)} was traced for arguments {in_tree} of "
                f"shapes {[a.shape for a in avals]}, got {tree_a}"
            )
        trace = core.current_trace()
        operands = [trace.to_value(x)[0] for x in list(flat_a) + list(cs)]
        out_types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
        if trace.module is origin:
            callee = tf.name
        else:
            with trace.loc:
                callee = _copy_functions(
                    holder.operation, held, trace.module, lambda n: trace.fresh_name(f"{n}_copy")
                )
        with trace.ip, trace.loc:
            call = func_d.CallOp(out_types, ir.FlatSymbolRefAttr.get(callee), operands)
        outs = [Tracer(trace, v, a) for v, a in zip(call.results, tf.out_avals)]
        return tree_util.tree_unflatten(tf.out_tree, outs)

    functools.update_wrapper(converted, fun)
    return converted, consts


def _symbol_refs(op) -> set[str]:
    """The names of the symbols `op` and the ops in it refer to."""
    names: set[str] = set()

    def visit(a):
        # (the bindings hand attributes out downcast to their class)
        if isinstance(a, ir.FlatSymbolRefAttr):
            names.add(a.value)
        elif isinstance(a, ir.ArrayAttr):
            for e in a:
                visit(e)
        elif isinstance(a, ir.DictAttr):
            for i in range(len(a)):
                visit(a[i].attr)

    def each(o):
        attrs = o.attributes
        for i in range(len(attrs)):
            visit(attrs[i].attr)
        return ir.WalkResult.ADVANCE

    op.walk(each)
    return names


def _copy_functions(src, name: str, dst: ir.Module, fresh: Callable[[str], str]) -> str:
    """Copies func `name` of module op `src`, and the functions it refers to,
    into `dst` under fresh names (private); returns the copy's name."""
    table = ir.SymbolTable(src)
    mapping: dict[str, str] = {}
    clones = []
    todo = [name]
    while todo:
        n = todo.pop()
        if n in mapping or n not in table:
            continue
        f = table[n]
        mapping[n] = fresh(n)
        with ir.InsertionPoint(dst.body):
            clones.append(f.operation.clone())
        todo.extend(_symbol_refs(f.operation))
    # Two renaming steps: a new name may equal an old one.
    for step in (
        {old: f"__mlax_copy_{i}" for i, old in enumerate(mapping)},
        {f"__mlax_copy_{i}": new for i, new in enumerate(mapping.values())},
    ):
        for clone in clones:
            for old, new in step.items():
                ir.SymbolTable.replace_all_symbol_uses(old, new, clone)
            cur = ir.StringAttr(clone.attributes["sym_name"]).value
            if cur in step:
                clone.attributes["sym_name"] = ir.StringAttr.get(step[cur])
    for clone in clones:
        clone.attributes["sym_visibility"] = ir.StringAttr.get("private")
    return mapping[name]
