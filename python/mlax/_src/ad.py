"""Differentiation entry points. The transformations themselves are C++
passes: this module only traces the function into a private func.func and
emits the transformation op (`mlax.jvp`) that names it."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import api, core, dtypes, mlir, tree_util
from mlax._src.core import Array, ShapedArray, Tracer
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d

# JAX's dtype of tangents of integer and boolean values: carries no data.
float0 = np.dtype([("float0", np.void, 0)])


def _aval(x: Any) -> ShapedArray:
    if isinstance(x, (Array, Tracer)):
        return x.aval
    return core.concrete_to_numpy(x)[1]


def _differentiable(dtype: np.dtype) -> bool:
    return dtypes.is_float(dtype) or dtypes.is_complex(dtype)


def _zeros_float0(shape) -> np.ndarray:
    return np.zeros(shape, dtype=float0)


def _check_jvp_args(flat_p, flat_t) -> list[int]:
    """Validates primal/tangent pairs like jax.jvp; returns active positions."""
    active = []
    for i, (p, t) in enumerate(zip(flat_p, flat_t)):
        pa = _aval(p)
        t_dtype = getattr(t, "dtype", None)
        t_is_float0 = t_dtype is not None and np.dtype(t_dtype) == float0
        ta_shape = np.shape(t) if t_is_float0 else _aval(t).shape
        expected = pa.dtype if _differentiable(pa.dtype) else float0
        got = float0 if t_is_float0 else _aval(t).dtype
        if got != expected:
            raise TypeError(
                "primal and tangent arguments to mlax.jvp do not match; dtypes "
                "must be equal, or in case of int/bool primal dtype the tangent "
                f"dtype must be float0. Got primal dtype {pa.dtype.name} and so "
                f"expected tangent dtype {expected.name if expected != float0 else 'float0'}, "
                f"but got tangent dtype {got.name if got != float0 else 'float0'} instead.")
        if tuple(ta_shape) != pa.shape:
            raise ValueError(
                "mlax.jvp called with different primal and tangent shapes; Got "
                f"primal shape {pa.shape} and tangent shape as {tuple(ta_shape)}")
        if _differentiable(pa.dtype):
            active.append(i)
    return active


def _jvp_flat(fun: Callable, flat_p: Sequence[Any], in_tree, active: Sequence[int],
              active_t: Sequence[Any]):
    """Inside a trace: emits mlax.jvp of `fun`; returns (out_tree, primal
    outputs, tangents of the differentiable outputs)."""
    in_avals = [_aval(p) for p in flat_p]

    def flat_fun(*xs):
        return fun(*tree_util.tree_unflatten(in_tree, xs))

    name = getattr(fun, "__name__", "fn")
    tf = core.trace_subfunction(flat_fun, in_avals, name if name != "<lambda>" else "lambda")
    trace = core.current_trace()
    primal_values = [trace.to_value(p)[0] for p in flat_p]
    primal_values += [trace.to_value(c)[0] for c in tf.captures]
    tangent_values = [trace.to_value(t, _aval(flat_p[i]).dtype)[0]
                      for i, t in zip(active, active_t)]
    out_types = [mlir.tensor_type(a.shape, a.dtype) for a in tf.out_avals]
    diff_outs = [i for i, a in enumerate(tf.out_avals) if _differentiable(a.dtype)]
    result_types = out_types + [out_types[i] for i in diff_outs]
    with trace.ip, trace.loc:
        op = mlax_d.JvpOp(result_types, ir.FlatSymbolRefAttr.get(tf.name),
                          primal_values, tangent_values, mlir.i64_array(active))
    results = list(op.results)
    n = len(tf.out_avals)
    primals_out = [Tracer(trace, v, a) for v, a in zip(results[:n], tf.out_avals)]
    tangents_out = [Tracer(trace, v, tf.out_avals[i]) for v, i in zip(results[n:], diff_outs)]
    return tf.out_tree, tf.out_avals, primals_out, tangents_out


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False):
    """Forward-mode derivative: returns (fun(*primals), J @ tangents) [, aux].

    Like jax.jvp: primals and tangents are tuples/lists of pytrees of equal
    structure; integer and boolean primals take float0 tangents.
    """
    if not callable(fun):
        raise TypeError(f"jvp expects a callable, got {type(fun).__name__}")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primal and tangent arguments to mlax.jvp must be tuples or "
                        f"lists; found {type(primals).__name__} and "
                        f"{type(tangents).__name__}.")
    flat_p, tree_p = tree_util.tree_flatten(tuple(primals))
    flat_t, tree_t = tree_util.tree_flatten(tuple(tangents))
    if tree_p != tree_t:
        raise TypeError("primal and tangent arguments to mlax.jvp must have the same "
                        f"tree structure; primals have tree structure {tree_p} whereas "
                        f"tangents have tree structure {tree_t}.")
    active = _check_jvp_args(flat_p, flat_t)
    active_t = [flat_t[i] for i in active]

    if has_aux:
        def target(*args):
            out = fun(*args)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError("mlax.jvp with has_aux=True expects fun to return a "
                                f"pair (output, aux), got {type(out).__name__}")
            return out
    else:
        target = fun

    meta = {}

    def run(ps, ts):
        out_tree, out_avals, p_out, t_out = _jvp_flat(target, ps, tree_p, active, ts)
        meta.update(out_tree=out_tree, out_avals=out_avals)
        return p_out, t_out

    if core.current_trace() is None:
        p_out, t_out = api.JitFunction(run)(list(flat_p), list(active_t))
    else:
        p_out, t_out = run(flat_p, active_t)
    out_tree, out_avals = meta["out_tree"], meta["out_avals"]
    t_iter = iter(t_out)
    tangents_full = [next(t_iter) if _differentiable(a.dtype) else _zeros_float0(a.shape)
                     for a in out_avals]
    primal_tree = tree_util.tree_unflatten(out_tree, p_out)
    tangent_tree = tree_util.tree_unflatten(out_tree, tangents_full)
    if has_aux:
        (out, aux), (t, _) = primal_tree, tangent_tree
        return out, t, aux
    return primal_tree, tangent_tree
