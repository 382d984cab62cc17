"""Host callbacks: pure_callback, debug.callback and debug.print.

Inside a trace (jit, grad, vmap, ...) a callback is an mlax.python_callback
op: XLA calls back into Python with the operands' values when the program
runs. The op carries an `mlax.callback` attribute naming the Python function
(its qualified name and id), so two programs that differ only in their
callbacks never share an executable. Outside any trace the callback runs
right away.
"""

from __future__ import annotations

import string
import sys
from typing import Any, Callable

import numpy as np

from mlax._src import core, dtypes, mlir, tree_util
from mlax._src.core import ShapedArray
from mlax.mlir import ir
from mlax.mlir.dialects import mlax as mlax_d

_VMAP_METHODS = (
    "sequential",
    "sequential_unrolled",
    "expand_dims",
    "broadcast_all",
    "legacy_vectorized",
    None,
)


def _emit(values, avals, *, index, out_avals, vmap_method, descriptor):
    from mlax._src import runtime

    op = mlax_d.PythonCallbackOp(
        [mlir.tensor_type(a.shape, a.dtype) for a in out_avals],
        values,
        ir.IntegerAttr.get(ir.IntegerType.get_signless(64), index),
        ir.StringAttr.get(runtime.python_callback_target()),
        vmap_method=None if vmap_method is None else ir.StringAttr.get(vmap_method),
    )
    op.operation.attributes["mlax.callback"] = ir.StringAttr.get(descriptor)
    return list(op.results)


_callback_p = core.Primitive("python_callback", _emit, multiple_results=True, weak="none")


def _descriptor(fn: Callable) -> str:
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{name}@{id(fn):x}"


def _is_array_leaf(x: Any) -> bool:
    return core.is_array_like(x)


def _split_args(args, kwargs):
    """(array leaves, a function rebuilding (args, kwargs) from them): other
    leaves (strings, ...) are passed through unchanged."""
    leaves, tree = tree_util.tree_flatten((args, kwargs))
    is_array = [_is_array_leaf(x) for x in leaves]
    arrays = [x for x, a in zip(leaves, is_array) if a]

    def rebuild(values):
        it = iter(values)
        full = [next(it) if a else x for x, a in zip(leaves, is_array)]
        return tree_util.tree_unflatten(tree, full)

    # The passed-through leaves are part of what the callback does.
    static = repr([x for x, a in zip(leaves, is_array) if not a])
    rebuild.static = f"{tree}{static}"
    return arrays, rebuild


def _result_avals(result_shape_dtypes: Any):
    leaves, tree = tree_util.tree_flatten(result_shape_dtypes)
    avals = []
    for leaf in leaves:
        if not (hasattr(leaf, "shape") and hasattr(leaf, "dtype")):
            raise ValueError(
                "pure_callback: result_shape_dtypes must be a pytree of objects with "
                f"shape and dtype (ShapeDtypeStruct, arrays), got {leaf!r}"
            )
        avals.append(
            ShapedArray(tuple(leaf.shape), dtypes.canonicalize_dtype(np.dtype(leaf.dtype)))
        )
    return avals, tree


def _host_results(out: Any, tree, avals, name: str) -> tuple:
    """The callback's results as numpy arrays of the declared dtypes; a
    RuntimeError naming the result whose structure or shape differs
    (leading batch dimensions, from a vmapped call, are allowed)."""
    leaves, got_tree = tree_util.tree_flatten(out)
    if got_tree != tree:
        raise RuntimeError(
            f"{name}: the callback returned a value of structure {got_tree}, "
            f"expected {tree} (result_shape_dtypes)"
        )
    results = []
    for i, (leaf, aval) in enumerate(zip(leaves, avals)):
        v = np.asarray(leaf)
        n = len(aval.shape)
        if v.ndim < n or (n and v.shape[-n:] != aval.shape):
            raise RuntimeError(
                f"{name}: result {i} of the callback has shape {v.shape}, expected "
                f"{aval.shape} (result_shape_dtypes)"
            )
        results.append(np.asarray(v, dtype=aval.dtype, order="C"))  # keeps 0-d
    return tuple(results)


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Calls the Python function `callback` on the host with numpy values
    of `args`; its results must have the shapes and dtypes of
    `result_shape_dtypes` (a pytree of ShapeDtypeStructs). The callback
    must be pure: mlax may call it any number of times. It has no
    derivative (use custom_jvp / custom_vjp); `vmap_method` says how vmap
    calls it ("sequential", "expand_dims", "broadcast_all")."""
    if vmap_method not in _VMAP_METHODS:
        raise ValueError(
            f"vmap_method must be on of the allowed methods {list(_VMAP_METHODS)}, "
            f"but got: {vmap_method}"
        )
    if sharding is not None:
        raise NotImplementedError("pure_callback(sharding=) is not supported")
    avals, out_tree = _result_avals(result_shape_dtypes)
    arrays, rebuild = _split_args(args, kwargs)
    ranks = [np.ndim(x) if not hasattr(x, "aval") else x.aval.ndim for x in arrays]

    def call(*values):
        a, k = rebuild(list(values))
        return _host_results(callback(*a, **k), out_tree, avals, "pure_callback")

    if vmap_method in (None, "sequential", "sequential_unrolled"):

        def host(*values):
            return _per_element(call, values, ranks, avals)

    else:

        def host(*values):
            return call(*[np.asarray(v) for v in values])

    if core.current_trace() is None:
        outs = host(*[np.asarray(x) for x in arrays])
        return tree_util.tree_unflatten(out_tree, [core.to_array(o) for o in outs])
    index = core.add_user_callback(host)
    outs = _callback_p.bind(
        *arrays,
        index=index,
        out_avals=tuple(avals),
        vmap_method=vmap_method,
        descriptor=_descriptor(callback) + rebuild.static,
    )
    return tree_util.tree_unflatten(out_tree, list(outs))


def callback(
    callback: Callable[..., None],
    *args: Any,
    ordered: bool = False,
    partitioned: bool = False,
    **kwargs: Any,
) -> None:
    """Calls `callback` on the host with numpy values of `args` when the
    program runs (inside jit, grad, vmap: once per vmapped element), for
    its side effects. Its return value is ignored."""
    _debug_callback(callback, _descriptor(callback), args, kwargs)


def _per_element(call: Callable, values, ranks, avals) -> tuple:
    """`call` on host values; when vmap added leading dimensions (the batch
    rule puts them in front of every operand), once per element of them, in
    order, with the results stacked."""
    values = [np.asarray(v) for v in values]
    lead = values[0].shape[: values[0].ndim - ranks[0]] if values else ()
    if not lead:
        return call(*values)
    outs = [call(*[v[idx] for v in values]) for idx in np.ndindex(*lead)]
    return tuple(
        np.asarray(np.stack([o[i] for o in outs]).reshape(lead + a.shape), order="C")
        for i, a in enumerate(avals)
    )


def _debug_callback(fn: Callable, descriptor: str, args, kwargs) -> None:
    arrays, rebuild = _split_args(args, kwargs)
    ranks = [np.ndim(x) if not hasattr(x, "aval") else x.aval.ndim for x in arrays]

    def call(*values):
        a, k = rebuild(list(values))
        fn(*a, **k)
        return ()

    def host(*values):
        _per_element(call, values, ranks, ())
        return ()

    if core.current_trace() is None:
        host(*[np.asarray(x) for x in arrays])
        return
    index = core.add_user_callback(host)
    _callback_p.bind(
        *arrays,
        index=index,
        out_avals=(),
        vmap_method=None,
        descriptor=descriptor + rebuild.static,
    )


def _check_format(fmt: str, args, kwargs) -> None:
    """ValueError as JAX's, for a format string the arguments can't fill."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(fmt) if f is not None]
    except ValueError as e:
        raise ValueError(f"debug.print: invalid format string {fmt!r}: {e}") from None
    auto = 0
    for f in fields:
        key = f.split(".")[0].split("[")[0]
        if key == "":
            if auto >= len(args):
                raise ValueError(
                    f"debug.print: format string {fmt!r} has more {{}} fields than "
                    f"positional arguments ({len(args)})"
                )
            auto += 1
        elif key.isdigit():
            if int(key) >= len(args):
                raise ValueError(f"debug.print: no positional argument {key} for {fmt!r}")
        elif key not in kwargs:
            raise ValueError(f"debug.print: no keyword argument {key!r} for {fmt!r}")


def debug_print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:
    """Prints `fmt.format(*args, **kwargs)` with the values of the (traced)
    arguments when the program runs, as jax.debug.print."""
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: fmt must be a string, got {type(fmt).__name__}")
    _check_format(fmt, args, kwargs)

    def show(*a, **k):
        sys.stdout.write(fmt.format(*a, **k) + "\n")

    _debug_callback(show, f"print:{fmt!r}", args, kwargs)
