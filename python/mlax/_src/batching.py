"""vmap and the Jacobian functions built on it. Batching itself is the C++
transformation behind the `mlax.vmap` op."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from mlax._src import api, autodiff, core, mlir, tree_util
from mlax._src.core import ShapedArray, Tracer, aval_of
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d


def _broadcast_prefix(prefix: Any, tree: Any, what: str) -> list:
    """Flattens `prefix` (a tree prefix of `tree`, leaves int/None) onto the
    leaves of `tree`."""
    out: list = []

    def rec(p, t):
        if not (p is None or isinstance(p, (int, tuple, list, dict))) or isinstance(p, bool):
            raise TypeError(
                f"vmap {what} must be an int, None, or a (nested) tuple/list/dict "
                f"of those matching the arguments, but got {p!r} in {prefix!r}."
            )
        if p is None or isinstance(p, int):
            out.extend([p] * tree_util.tree_structure(t).num_leaves)
            return
        if isinstance(p, (tuple, list)) and isinstance(t, (tuple, list)) and len(p) == len(t):
            for pi, ti in zip(p, t):
                rec(pi, ti)
            return
        if isinstance(p, dict) and isinstance(t, dict) and set(p) == set(t):
            for k in sorted(t):
                rec(p[k], t[k])
            return
        raise ValueError(
            f"vmap {what} specification must be a tree prefix of the "
            f"corresponding value, got specification {prefix} for value "
            f"tree {tree_util.tree_structure(tree)}."
        )

    rec(prefix, tree)
    return out


def vmap(
    fun: Callable,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Any = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
) -> Callable:
    """Vectorizes `fun` over a batch axis of its arguments, with JAX's vmap API.

    in_axes/out_axes: an int, None, or a pytree prefix of the arguments /
    outputs of such; negative axes count from the end. Keyword arguments are
    mapped over axis 0. `axis_name` names the mapped axis for collectives
    (mlax has none over vmap axes yet, so the name is only recorded).
    """
    if not callable(fun):
        raise TypeError(f"vmap expects a callable, got {type(fun).__name__}")
    if spmd_axis_name is not None:
        raise NotImplementedError("vmap(spmd_axis_name=) is not supported")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    def vmapped(*args, **kwargs):
        spec = in_axes
        if isinstance(spec, tuple) and len(spec) != len(args):
            raise ValueError(
                f"vmap in_axes must be an int, None, or a tuple of entries "
                f"corresponding to the positional arguments passed to the "
                f"function, but got len(in_axes)={len(spec)}, len(args)={len(args)}"
            )
        flat_args, in_tree = tree_util.tree_flatten((args, kwargs))
        axes = _broadcast_prefix(
            (spec if isinstance(spec, tuple) else (spec,) * len(args), {k: 0 for k in kwargs}),
            (args, kwargs),
            "in_axes",
        )
        avals = [aval_of(x) for x in flat_args]
        dims = []
        for a, ax in zip(avals, axes):
            if ax is None:
                dims.append(-1)
                continue
            if not -a.ndim - 1 < ax < a.ndim or a.ndim == 0:
                raise ValueError(
                    f"vmap was requested to map its argument along axis {ax}, "
                    f"which implies that its rank should be at least "
                    f"{(ax if ax >= 0 else -ax - 1) + 1}, but is only {a.ndim} "
                    f"(its shape is {a.shape})"
                )
            dims.append(ax % a.ndim)
        sizes = {a.shape[d] for a, d in zip(avals, dims) if d >= 0}
        if len(sizes) > 1:
            lines = [
                f"  argument with shape {a.shape} has size {a.shape[d]} along axis {d}"
                for a, d in zip(avals, dims)
                if d >= 0
            ]
            raise ValueError(
                "vmap got inconsistent sizes for array axes to be mapped:\n" + "\n".join(lines)
            )
        if not sizes:
            if axis_size is None:
                raise ValueError("vmap must have at least one non-None value in in_axes")
            n = int(axis_size)
        else:
            n = sizes.pop()
            if axis_size is not None and axis_size != n:
                raise ValueError(
                    f"vmap got axis_size={axis_size} but the mapped axes have size {n}"
                )
        inner_avals = [
            a if d < 0 else ShapedArray(a.shape[:d] + a.shape[d + 1 :], a.dtype, a.weak_type)
            for a, d in zip(avals, dims)
        ]
        meta: dict = {}

        def run(*xs):
            def flat_fun(*inner):
                a, k = tree_util.tree_unflatten(in_tree, inner)
                return fun(*a, **k)

            name = getattr(fun, "__name__", "fn")
            tf = core.trace_subfunction(
                flat_fun, inner_avals, name if name != "<lambda>" else "lambda", batched=True
            )
            out_dims = []
            spec_out = _broadcast_prefix(
                out_axes,
                tree_util.tree_unflatten(tf.out_tree, list(range(len(tf.out_avals)))),
                "out_axes",
            )
            for a, ax in zip(tf.out_avals, spec_out):
                if ax is None:
                    out_dims.append(-1)
                elif not -a.ndim - 1 <= ax <= a.ndim:
                    raise ValueError(
                        f"vmap out_axes {ax} is out of range for an output of "
                        f"rank {a.ndim} (batched rank {a.ndim + 1})"
                    )
                else:
                    out_dims.append(ax % (a.ndim + 1))
            trace = core.current_trace()
            operands = [trace.to_value(x)[0] for x in xs] + [
                trace.to_value(c)[0] for c in tf.captures
            ]
            in_dims = list(dims) + [-1] * len(tf.captures)
            out_types, out_avals = [], []
            for a, d in zip(tf.out_avals, out_dims):
                shape = a.shape if d < 0 else a.shape[:d] + (n,) + a.shape[d:]
                out_types.append(mlir.tensor_type(shape, a.dtype))
                out_avals.append(ShapedArray(shape, a.dtype, a.weak_type))
            with trace.ip, trace.loc:
                op = mlax_d.VmapOp(
                    out_types,
                    ir.FlatSymbolRefAttr.get(tf.name),
                    operands,
                    mlir.i64_array(in_dims),
                    mlir.i64_array(out_dims),
                    ir.IntegerAttr.get(ir.IntegerType.get_signless(64), n),
                )
            meta["out_tree"] = tf.out_tree
            return [Tracer(trace, v, a) for v, a in zip(op.results, out_avals)]

        if core.current_trace() is not None:
            outs = run(*flat_args)
        else:
            outs = api.JitFunction(run, hoist_consts=True)(*flat_args)
        return tree_util.tree_unflatten(meta["out_tree"], outs)

    vmapped.__name__ = f"vmap({getattr(fun, '__name__', 'fun')})"
    vmapped.__wrapped__ = fun
    return vmapped


# ---------------------------------------------------------------------------
# Jacobians
# ---------------------------------------------------------------------------


def _std_basis(leaves: Sequence[Any]) -> tuple[int, list[np.ndarray]]:
    """Rows of the identity over the concatenated leaves, split per leaf:
    leaf i gets shape (N,) + shape_i."""
    avals = [aval_of(l) for l in leaves]
    sizes = [int(np.prod(a.shape, dtype=np.int64)) for a in avals]
    total = int(sum(sizes))
    out, off = [], 0
    for a, s in zip(avals, sizes):
        eye = np.zeros((total, s), a.dtype)
        eye[np.arange(off, off + s), np.arange(s)] = 1
        out.append(eye.reshape((total,) + a.shape))
        off += s
    return total, out


def _argnums_tuple(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _check_inputs(dyn_leaves, holomorphic: bool, who: str):
    from mlax._src import dtypes

    for l in dyn_leaves:
        dt = aval_of(l).dtype
        if holomorphic and not dtypes.is_complex(dt):
            raise TypeError(
                f"{who} with holomorphic=True requires inputs with complex "
                f"dtype, but got {dt.name}."
            )
        if not (dtypes.is_float(dt) or dtypes.is_complex(dt)):
            raise TypeError(
                f"{who} requires real- or complex-valued inputs (input dtype "
                f"that is a sub-dtype of np.inexact), but got {dt.name}. If you "
                "want to use Boolean- or integer-valued inputs, use vjp or set "
                "allow_int to True."
            )


def jacfwd(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable:
    """Jacobian by forward mode: vmap of jvp over the input basis."""
    nums = _argnums_tuple(argnums)

    def jacfun(*args):
        dyn = tuple(args[i] for i in nums)
        flat_dyn, dyn_tree = tree_util.tree_flatten(dyn)
        _check_inputs(flat_dyn, holomorphic, "jacfwd")
        total, basis = _std_basis(flat_dyn)

        def partial(*d):
            full = list(args)
            for i, v in zip(nums, d):
                full[i] = v
            return fun(*full)

        aux_box = {}

        def pushfwd(*tangent_leaves):
            tangents = tree_util.tree_unflatten(dyn_tree, tangent_leaves)
            if has_aux:
                y, t, aux = autodiff.jvp(partial, dyn, tangents, has_aux=True)
                aux_box["aux"] = aux
                return t, aux
            return autodiff.jvp(partial, dyn, tangents)[1]

        res = vmap(pushfwd, in_axes=0, out_axes=(-1, None) if has_aux else -1)(*basis)
        jac_t, aux = res if has_aux else (res, None)
        in_avals = [aval_of(l) for l in flat_dyn]
        offsets = np.cumsum([0] + [int(np.prod(a.shape, dtype=np.int64)) for a in in_avals])

        def unravel(o):
            o_shape = aval_of(o).shape[:-1]
            parts = []
            for a, lo, hi in zip(in_avals, offsets[:-1], offsets[1:]):
                piece = o[..., int(lo) : int(hi)] if total else o
                from mlax import numpy as jnp

                parts.append(jnp.reshape(piece, o_shape + a.shape))
            tree = tree_util.tree_unflatten(dyn_tree, parts)
            return tree[0] if isinstance(argnums, int) else tree

        jac = tree_util.tree_map(unravel, jac_t)
        return (jac, aux) if has_aux else jac

    return jacfun


def jacrev(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable:
    """Jacobian by reverse mode: vmap of the vjp over the output basis."""
    nums = _argnums_tuple(argnums)

    def jacfun(*args):
        dyn = tuple(args[i] for i in nums)
        flat_dyn, dyn_tree = tree_util.tree_flatten(dyn)
        _check_inputs(flat_dyn, holomorphic, "jacrev")

        def partial(*d):
            full = list(args)
            for i, v in zip(nums, d):
                full[i] = v
            return fun(*full)

        if has_aux:
            y, pullback, aux = autodiff.vjp(partial, *dyn, has_aux=True)
        else:
            (y, pullback), aux = autodiff.vjp(partial, *dyn), None
        flat_y, y_tree = tree_util.tree_flatten(y)
        total, basis = _std_basis(flat_y)
        cts = vmap(lambda *c: pullback(tree_util.tree_unflatten(y_tree, c)))(*basis)
        flat_cts = tree_util.tree_leaves(cts)  # per input leaf: (M,) + in_shape
        y_avals = [aval_of(l) for l in flat_y]
        offsets = np.cumsum([0] + [int(np.prod(a.shape, dtype=np.int64)) for a in y_avals])
        from mlax import numpy as jnp

        per_out = []
        for a, lo, hi in zip(y_avals, offsets[:-1], offsets[1:]):
            parts = [
                jnp.reshape(c[int(lo) : int(hi)], a.shape + aval_of(c).shape[1:]) for c in flat_cts
            ]
            tree = tree_util.tree_unflatten(dyn_tree, parts)
            per_out.append(tree[0] if isinstance(argnums, int) else tree)
        jac = tree_util.tree_unflatten(y_tree, per_out)
        return (jac, aux) if has_aux else jac

    def run(*args):
        # Eagerly: one program, so fun is traced once (the pullback reuses
        # the forward trace), as in JAX.
        if core.current_trace() is None and all(
            isinstance(x, (core.Array, np.ndarray, np.generic, int, float, complex, bool))
            for x in tree_util.tree_leaves(args)
        ):
            return autodiff._run(jacfun, *args)
        return jacfun(*args)

    return run


def hessian(
    fun: Callable,
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable:
    """Dense Hessian: jacfwd of jacrev."""
    return jacfwd(
        jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic),
        argnums,
        has_aux=has_aux,
        holomorphic=holomorphic,
    )
