"""The user-facing differentiation API (jvp, vjp, grad, linearize,
linear_transpose). The transformations themselves are C++
passes: this module only traces the function into a private func.func and
emits the transformation op (`mlax.jvp`) that names it."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import api, core, dtypes, mlir, tree_util
from mlax._src.core import ShapedArray, Tracer, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d

# JAX's dtype of tangents of integer and boolean values: carries no data.
float0 = np.dtype([("float0", np.void, 0)])


def _differentiable(dtype: np.dtype) -> bool:
    return dtypes.is_float(dtype) or dtypes.is_complex(dtype)


def _zeros_float0(shape) -> np.ndarray:
    return np.zeros(shape, dtype=float0)


def _check_jvp_args(flat_p, flat_t) -> list[int]:
    """Validates primal/tangent pairs like jax.jvp; returns active positions."""
    active = []
    for i, (p, t) in enumerate(zip(flat_p, flat_t)):
        pa = aval_of(p)
        t_dtype = getattr(t, "dtype", None)
        t_is_float0 = t_dtype is not None and np.dtype(t_dtype) == float0
        ta_shape = np.shape(t) if t_is_float0 else aval_of(t).shape
        expected = pa.dtype if _differentiable(pa.dtype) else float0
        got = float0 if t_is_float0 else aval_of(t).dtype
        if got != expected:
            raise TypeError(
                "primal and tangent arguments to mlax.jvp do not match; dtypes "
                "must be equal, or in case of int/bool primal dtype the tangent "
                f"dtype must be float0. Got primal dtype {pa.dtype.name} and so "
                f"expected tangent dtype {expected.name if expected != float0 else 'float0'}, "
                f"but got tangent dtype {got.name if got != float0 else 'float0'} instead."
            )
        if tuple(ta_shape) != pa.shape:
            raise ValueError(
                "mlax.jvp called with different primal and tangent shapes; Got "
                f"primal shape {pa.shape} and tangent shape as {tuple(ta_shape)}"
            )
        if _differentiable(pa.dtype):
            active.append(i)
    return active


def _jvp_flat(
    fun: Callable, flat_p: Sequence[Any], in_tree, active: Sequence[int], active_t: Sequence[Any]
):
    """Inside a trace: emits mlax.jvp of `fun`; returns (out_tree, primal
    outputs, tangents of the differentiable outputs)."""
    in_avals = [aval_of(p) for p in flat_p]

    def flat_fun(*xs):
        return fun(*tree_util.tree_unflatten(in_tree, xs))

    name = getattr(fun, "__name__", "fn")
    tf = core.trace_subfunction(
        flat_fun, in_avals, name if name != "<lambda>" else "lambda", ad=True, operands=flat_p
    )
    trace = core.current_trace()
    primal_values = [trace.to_value(p)[0] for p in flat_p]
    primal_values += [trace.to_value(c)[0] for c in tf.captures]
    tangent_values = [
        trace.to_value(t, aval_of(flat_p[i]).dtype)[0] for i, t in zip(active, active_t)
    ]
    out_types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
    diff_outs = [i for i, a in enumerate(tf.out_avals) if _differentiable(a.dtype)]
    result_types = out_types + [out_types[i] for i in diff_outs]
    with trace.ip, trace.loc:
        op = mlax_d.JvpOp(
            result_types,
            ir.FlatSymbolRefAttr.get(tf.name),
            primal_values,
            tangent_values,
            mlir.i64_array(active),
        )
    results = list(op.results)
    n = len(tf.out_avals)
    primals_out = [Tracer(trace, v, a) for v, a in zip(results[:n], tf.out_avals)]
    tangents_out = [Tracer(trace, v, tf.out_avals[i]) for v, i in zip(results[n:], diff_outs)]
    return tf.out_tree, tf.out_avals, primals_out, tangents_out


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False):
    """Forward-mode derivative: returns (fun(*primals), J @ tangents) [, aux].

    As in JAX's jvp: primals and tangents are tuples/lists of pytrees of equal
    structure; integer and boolean primals take float0 tangents.
    """
    if not callable(fun):
        raise TypeError(f"jvp expects a callable, got {type(fun).__name__}")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "primal and tangent arguments to mlax.jvp must be tuples or "
            f"lists; found {type(primals).__name__} and "
            f"{type(tangents).__name__}."
        )
    flat_p, tree_p = tree_util.tree_flatten(tuple(primals))
    flat_t, tree_t = tree_util.tree_flatten(tuple(tangents))
    if tree_p != tree_t:
        raise TypeError(
            "primal and tangent arguments to mlax.jvp must have the same "
            f"tree structure; primals have tree structure {tree_p} whereas "
            f"tangents have tree structure {tree_t}."
        )
    active = _check_jvp_args(flat_p, flat_t)
    active_t = [flat_t[i] for i in active]

    if has_aux:

        def target(*args):
            out = fun(*args)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(
                    "mlax.jvp with has_aux=True expects fun to return a "
                    f"pair (output, aux), got {type(out).__name__}"
                )
            return out
    else:
        target = fun

    meta = {}

    def run(ps, ts):
        out_tree, out_avals, p_out, t_out = _jvp_flat(target, ps, tree_p, active, ts)
        meta.update(out_tree=out_tree, out_avals=out_avals)
        return p_out, t_out

    if core.current_trace() is None:
        p_out, t_out = api.JitFunction(run, concrete_retry=True)(list(flat_p), list(active_t))
    else:
        p_out, t_out = run(flat_p, active_t)
    out_tree, out_avals = meta["out_tree"], meta["out_avals"]
    t_iter = iter(t_out)
    tangents_full = [
        next(t_iter) if _differentiable(a.dtype) else _zeros_float0(a.shape) for a in out_avals
    ]
    primal_tree = tree_util.tree_unflatten(out_tree, p_out)
    tangent_tree = tree_util.tree_unflatten(out_tree, tangents_full)
    if has_aux:
        (out, aux), (t, _) = primal_tree, tangent_tree
        return out, t, aux
    return primal_tree, tangent_tree


# ---------------------------------------------------------------------------
# Reverse mode
# ---------------------------------------------------------------------------


def _trace_fun(fun: Callable, flat_p: Sequence[Any], in_tree) -> "core.TracedFunction":
    in_avals = [aval_of(p) for p in flat_p]

    def flat_fun(*xs):
        return fun(*tree_util.tree_unflatten(in_tree, xs))

    name = getattr(fun, "__name__", "fn")
    return core.trace_subfunction(
        flat_fun, in_avals, name if name != "<lambda>" else "lambda", ad=True, operands=flat_p
    )


def _operands(trace, tf, flat_p):
    values = [trace.to_value(p)[0] for p in flat_p]
    return values + [trace.to_value(c)[0] for c in tf.captures]


def _trace_with_values(fun: Callable, flat_p, in_tree, values) -> "core.TracedFunction":
    """_trace_fun with the primal values attached (Python may branch)."""
    trace = core.current_trace()
    saved = trace.concrete
    trace.concrete = True
    try:
        in_avals = [aval_of(p) for p in flat_p]
        tf = core.trace_subfunction(
            lambda *xs: fun(*tree_util.tree_unflatten(in_tree, xs)),
            in_avals,
            getattr(fun, "__name__", "fn").strip("<>"),
            ad=True,
            operands=values,
        )
    finally:
        trace.concrete = saved
    return tf


def _emit_vjp(tf, flat_p, active: Sequence[int], cts: Sequence[Any]):
    """Emits mlax.vjp of the traced function; cts: one per differentiable
    output. Returns (primal outputs, cotangents of the active inputs)."""
    trace = core.current_trace()
    diff_outs = [i for i, a in enumerate(tf.out_avals) if _differentiable(a.dtype)]
    ct_values = [trace.to_value(c, tf.out_avals[i].dtype)[0] for c, i in zip(cts, diff_outs)]
    out_types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
    in_avals = [aval_of(p) for p in flat_p]
    result_types = out_types + [
        mlir.tensor_type(in_avals[i].shape, in_avals[i].dtype) for i in active
    ]
    with trace.ip, trace.loc:
        op = mlax_d.VjpOp(
            result_types,
            ir.FlatSymbolRefAttr.get(tf.name),
            _operands(trace, tf, flat_p),
            ct_values,
            mlir.i64_array(active),
        )
    results = list(op.results)
    n = len(tf.out_avals)
    outs = [Tracer(trace, v, a) for v, a in zip(results[:n], tf.out_avals)]
    grads = [
        Tracer(trace, v, ShapedArray(in_avals[i].shape, in_avals[i].dtype, in_avals[i].weak_type))
        for v, i in zip(results[n:], active)
    ]
    return outs, grads


def _emit_call(tf, flat_p, with_captures: bool = True):
    from mlax.mlir.dialects import func as func_d

    trace = core.current_trace()
    out_types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
    operands = (
        _operands(trace, tf, flat_p) if with_captures else [trace.to_value(p)[0] for p in flat_p]
    )
    with trace.ip, trace.loc:
        call = func_d.CallOp(out_types, ir.FlatSymbolRefAttr.get(tf.name), operands)
    return [Tracer(trace, v, a) for v, a in zip(call.results, tf.out_avals)]


def _split_aux(out, has_aux: bool, who: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(
            f"{who} with has_aux=True expects fun to return a pair "
            f"(output, aux), got {type(out).__name__}"
        )
    return out[0], out[1]


def _cotangents_for(out_tree, out_avals, ct) -> list[Any]:
    """The cotangents of the differentiable outputs, from a pytree `ct` that
    matches the output structure (float0 or anything for the others)."""
    flat_ct, ct_tree = tree_util.tree_flatten(ct)
    if ct_tree != out_tree:
        raise ValueError(
            "Tree structure of cotangent input "
            f"{ct_tree}, does not match structure of primal output {out_tree}."
        )
    cts = []
    for c, a in zip(flat_ct, out_avals):
        if not _differentiable(a.dtype):
            continue
        ca = aval_of(c)
        if ca.shape != a.shape:
            raise ValueError(
                f"Shape of cotangent input to vjp pullback function "
                f"{ca.shape} must be the same as the shape of corresponding "
                f"primal input {a.shape}."
            )
        if ca.dtype != a.dtype and not ca.weak_type:
            raise ValueError(
                f"Type of cotangent input to vjp pullback function "
                f"({ca.dtype.name}) is not the expected tangent type "
                f"({a.dtype.name}) of corresponding primal output"
            )
        cts.append(c)
    return cts


def _input_cotangents(flat_p, in_tree, active, grads):
    g = iter(grads)
    full = [
        next(g) if i in active else _zeros_float0(aval_of(p).shape) for i, p in enumerate(flat_p)
    ]
    return tree_util.tree_unflatten(in_tree, full)


def _run(fn: Callable, *args):
    """Runs fn in the current trace, or compiled (like jit) outside any."""
    if core.current_trace() is not None:
        return fn(*args)
    return api.JitFunction(fn, concrete_retry=True)(*args)


def vjp(fun: Callable, *primals: Any, has_aux: bool = False):
    """Reverse-mode derivative: returns (fun(*primals), vjp_fun[, aux]).

    vjp_fun(ct) returns one cotangent per primal (float0 for integer leaves).
    It may be called, jitted and differentiated like any function. Inside a
    trace the forward computation is shared with vjp_fun's (CSE); outside,
    vjp_fun recomputes it.
    """
    if not callable(fun):
        raise TypeError(f"vjp expects a callable, got {type(fun).__name__}")
    flat_p, in_tree = tree_util.tree_flatten(tuple(primals))
    active = [i for i, p in enumerate(flat_p) if _differentiable(aval_of(p).dtype)]
    meta: dict = {}

    def target(*args):
        out, aux = _split_aux(fun(*args), has_aux, "vjp")
        return (out, aux) if has_aux else out

    def forward(ps):
        tf = _trace_fun(target, ps, in_tree)
        meta["tf"], meta["trace"] = tf, core.current_trace()
        return _emit_call(tf, ps)

    outs = _run(forward, list(flat_p))
    tf = meta["tf"]
    forward_trace = meta["trace"]
    if has_aux:
        out_tree = tf.out_tree.children()[0]
        n_out = out_tree.num_leaves
    else:
        out_tree, n_out = tf.out_tree, tf.out_tree.num_leaves
    out_avals = tf.out_avals[:n_out]

    pullback_cache: dict = {}

    def vjp_fun(ct):
        cts = _cotangents_for(out_tree, out_avals, ct)
        trace = core.current_trace()
        if trace is not None and (
            trace is forward_trace
            or (trace._is_ancestor(forward_trace) and trace.ad_depth == forward_trace.ad_depth)
        ):
            # In the forward call's trace or one nested in it (vmap over
            # cotangents, as jacrev does): reuse the traced function.
            aux_cts = [
                np.zeros(a.shape, a.dtype) for a in tf.out_avals[n_out:] if _differentiable(a.dtype)
            ]
            _, grads = _emit_vjp(tf, flat_p, active, list(cts) + aux_cts)
            return _input_cotangents(flat_p, in_tree, active, grads)

        def backward(ps, cs):
            target = lambda *a: _split_aux(fun(*a), has_aux, "vjp")[0]  # noqa: E731
            try:
                tf2 = _trace_fun(target, ps, in_tree)
            except core.ConcretizationTypeError:
                # fun branches on values: the primals are known (vjp_fun
                # closes over them), so trace it again with them attached.
                values = [core.concrete_value(p) for p in flat_p]
                if any(v is None for v in values):
                    raise
                tf2 = _trace_with_values(target, ps, in_tree, values)
            return _emit_vjp(tf2, ps, active, cs)[1]

        if trace is not None:
            grads = backward(list(flat_p), list(cts))
        else:
            # One compiled pullback per vjp call (like JAX's closure over
            # residuals, fun is not re-run for each cotangent).
            jf = pullback_cache.get("jit")
            if jf is None:
                jf = pullback_cache["jit"] = api.JitFunction(backward, concrete_retry=True)
            grads = jf(list(flat_p), list(cts))
        return _input_cotangents(flat_p, in_tree, active, grads)

    primal_tree = tree_util.tree_unflatten(tf.out_tree, outs)
    if has_aux:
        out, aux = primal_tree
        return out, vjp_fun, aux
    return primal_tree, vjp_fun


def _check_grad_input(x, holomorphic: bool, allow_int: bool):
    a = aval_of(x)
    if dtypes.is_float(a.dtype):
        if holomorphic:
            raise TypeError(
                "grad with holomorphic=True requires inputs with complex "
                f"dtype, but got {a.dtype.name}."
            )
        return
    if dtypes.is_complex(a.dtype):
        return
    if not allow_int:
        raise TypeError(
            "grad requires real- or complex-valued inputs (input dtype "
            "that is a sub-dtype of np.inexact), but got "
            f"{a.dtype.name}. If you want to use Boolean- or "
            "integer-valued inputs, use vjp or set allow_int to True."
        )


def _check_grad_output(a: ShapedArray, holomorphic: bool):
    if a.shape != ():
        raise TypeError(
            f"Gradient only defined for scalar-output functions. Output had shape: {a.shape}."
        )
    if dtypes.is_complex(a.dtype) and not holomorphic:
        raise TypeError(
            "grad requires real-valued outputs (output dtype that is a "
            f"sub-dtype of np.floating), but got {a.dtype.name}. For "
            "holomorphic differentiation, pass holomorphic=True. For "
            "differentiation of non-holomorphic functions involving "
            "complex outputs, use mlax.vjp directly."
        )
    if not (dtypes.is_float(a.dtype) or dtypes.is_complex(a.dtype)):
        raise TypeError(
            "grad requires real-valued outputs (output dtype that is a "
            f"sub-dtype of np.floating), but got {a.dtype.name}. For "
            "differentiation of functions with integer outputs, use "
            "mlax.vjp directly."
        )


def _is_array_tree(x) -> bool:
    return all(core.is_array_like(leaf) for leaf in tree_util.tree_leaves(x))


def value_and_grad(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable:
    """Returns a function computing (fun(*args), gradient w.r.t. argnums)
    (((value, aux), gradient) with has_aux=True), like jax.value_and_grad."""
    if not callable(fun):
        raise TypeError(f"grad expects a callable, got {type(fun).__name__}")
    single = isinstance(argnums, int)
    argnums_t = (argnums,) if single else tuple(argnums)

    def run(args, kwargs):
        for i in argnums_t:
            if i >= len(args) or i < -len(args):
                raise TypeError(
                    f"differentiating with respect to argnums={argnums} "
                    f"requires at least {max(argnums_t) + 1} positional "
                    f"arguments to be passed by the caller, but got only "
                    f"{len(args)} positional arguments."
                )
        dyn = tuple(args[i] for i in argnums_t)
        flat_d, d_tree = tree_util.tree_flatten(dyn)
        for leaf in flat_d:
            _check_grad_input(leaf, holomorphic, allow_int)
        active = [i for i, p in enumerate(flat_d) if _differentiable(aval_of(p).dtype)]

        def partial(*d):
            full = list(args)
            for i, v in zip(argnums_t, d):
                full[i] = v
            out, aux = _split_aux(fun(*full, **kwargs), has_aux, "grad")
            return (out, aux) if has_aux else out

        tf = _trace_fun(partial, flat_d, d_tree)
        out_aval = tf.out_avals[0]
        n_main = tf.out_tree.children()[0].num_leaves if has_aux else tf.out_tree.num_leaves
        if n_main != 1:
            raise TypeError(
                "Gradient only defined for scalar-output functions. "
                f"Output was {tf.out_tree.children()[0] if has_aux else tf.out_tree}."
            )
        _check_grad_output(out_aval, holomorphic)
        cts = [np.ones((), out_aval.dtype)]
        cts += [np.zeros(a.shape, a.dtype) for a in tf.out_avals[1:] if _differentiable(a.dtype)]
        outs, grads = _emit_vjp(tf, flat_d, active, cts)
        if not dtypes.is_complex(out_aval.dtype):
            # A complex input reaches a real output through real/imag,
            # whose transposes build strongly typed complex cotangents (as
            # in JAX, where such a gradient is not weak).
            grads = [
                Tracer(
                    g._trace, g.value, ShapedArray(g.aval.shape, g.aval.dtype, False), g.concrete
                )
                if dtypes.is_complex(g.aval.dtype) and g.aval.weak_type
                else g
                for g in grads
            ]
        g_full = _input_cotangents(flat_d, d_tree, active, grads)
        value = tree_util.tree_unflatten(tf.out_tree, outs)
        return value, (g_full[0] if single else g_full)

    def vg(*args, **kwargs):
        if core.current_trace() is not None:
            value, g = run(args, kwargs)
        else:
            # Traced again on every call (Python runs each time, as in JAX);
            # the compiled executable is reused when the IR is the same.
            static = tuple(i for i, a in enumerate(args) if not _is_array_tree(a))
            names = tuple(sorted(kwargs))

            def compiled(*a):
                kw = dict(zip(names, a[len(a) - len(names) :]))
                return run(a[: len(a) - len(names)], kw)

            value, g = api.JitFunction(compiled, static_argnums=static, concrete_retry=True)(
                *args, *[kwargs[k] for k in names]
            )
        if has_aux:
            return (value[0], value[1]), g
        return value, g

    vg.__name__ = f"value_and_grad({getattr(fun, '__name__', 'fun')})"
    vg.__wrapped__ = fun
    return vg


def grad(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable:
    """Returns a function computing the gradient of scalar-valued `fun` with
    respect to the arguments at argnums ((gradient, aux) with has_aux=True)."""
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    def g(*args, **kwargs):
        value, gr = vg(*args, **kwargs)
        if has_aux:
            return gr, value[1]
        return gr

    g.__name__ = f"grad({getattr(fun, '__name__', 'fun')})"
    g.__wrapped__ = fun
    return g


def linearize(fun: Callable, *primals: Any, has_aux: bool = False):
    """Returns (fun(*primals), f_jvp) where f_jvp(*tangents) is the JVP at
    primals (a linear function of the tangents); with has_aux, fun returns
    (out, aux) and linearize returns (out, f_jvp, aux)."""
    out = _run(lambda ps: fun(*ps), list(primals))
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(
                "linearize with has_aux=True requires fun to return a (output, aux) pair"
            )
        out, aux = out

    def f_jvp(*tangents):
        if len(tangents) != len(primals):
            raise TypeError(
                f"linearized function takes {len(primals)} tangents, got {len(tangents)}"
            )
        if has_aux:
            return jvp(fun, primals, tangents, has_aux=True)[1]
        return jvp(fun, primals, tangents)[1]

    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


def linear_transpose(fun: Callable, *primals: Any) -> Callable:
    """Transpose of the linear function `fun` (primals give shapes/dtypes):
    returns f_t with f_t(ct) = cotangents of fun's inputs. The function is
    transposed as it is (the mlax.linear_transpose op), so an op that is not
    linear in the inputs is an error naming that op."""
    if not callable(fun):
        raise TypeError(f"linear_transpose expects a callable, got {type(fun).__name__}")
    flat_p, in_tree = tree_util.tree_flatten(tuple(primals))
    in_avals = [ShapedArray(aval_of(p).shape, aval_of(p).dtype) for p in flat_p]
    for k, a in enumerate(in_avals):
        if not _differentiable(a.dtype):
            raise TypeError(
                "linear_transpose only supports [float or complex] -> [float or "
                f"complex] functions, got input {k} of dtype {a.dtype.name}"
            )
    name = getattr(fun, "__name__", "fn")
    name = name if name != "<lambda>" else "lambda"
    meta: dict = {}

    def transpose(cts_flat):
        trace = core.current_trace()
        tf = core.trace_subfunction(
            lambda *xs: fun(*tree_util.tree_unflatten(in_tree, xs)), in_avals, name, ad=True
        )
        if tf.out_tree != meta["ct_tree"]:
            raise TypeError(
                f"cotangent tree does not match function output: expected "
                f"{tf.out_tree}, got {meta['ct_tree']}"
            )
        for k, (a, c) in enumerate(zip(tf.out_avals, cts_flat)):
            ca = aval_of(c)
            if (a.shape, a.dtype) != (ca.shape, ca.dtype):
                raise TypeError(
                    f"cotangent type does not match function output: output {k} "
                    f"is {a.str_short()}, cotangent is {ca.str_short()}"
                )
            if not _differentiable(a.dtype):
                raise TypeError(
                    "linear_transpose only supports [float or complex] -> [float "
                    f"or complex] functions, got output {k} of dtype "
                    f"{a.dtype.name}"
                )
        callee = tf
        if tf.captures:
            # The op takes the values the function closes over first.
            n = len(in_avals)
            cap_avals = [c.aval for c in tf.captures]
            callee = core.trace_subfunction(
                lambda *a: _emit_call(
                    tf,
                    list(a[len(cap_avals) :])[:n] + list(a[: len(cap_avals)]),
                    with_captures=False,
                ),
                cap_avals + in_avals,
                name + "_consts_first",
            )
        consts = [trace.to_value(c)[0] for c in tf.captures]
        ct_values = [trace.to_value(c, a.dtype)[0] for c, a in zip(cts_flat, tf.out_avals)]
        types = [mlir.tensor_type(a.shape, a.dtype) for a in in_avals]
        with trace.ip, trace.loc:
            op = mlax_d.LinearTransposeOp(
                types, ir.FlatSymbolRefAttr.get(callee.name), consts, ct_values
            )
        return [Tracer(trace, v, a) for v, a in zip(op.results, in_avals)]

    def f_t(ct):
        cts_flat, meta["ct_tree"] = tree_util.tree_flatten(ct)
        if core.current_trace() is not None:
            out = transpose(cts_flat)
        else:
            out = api.JitFunction(transpose, hoist_consts=True)(list(cts_flat))
        return tree_util.tree_unflatten(in_tree, list(out))

    return f_t
