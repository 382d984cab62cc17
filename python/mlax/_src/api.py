"""jit and IR inspection."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Hashable, Sequence

import numpy as np

from mlax._src import core, mlir, runtime, tree_util
from mlax._src.core import Array, ShapedArray, Tracer


def _input_aval_and_buffer(x: Any):
    if type(x) is Array:
        return x.aval, x._buffer
    if isinstance(x, Tracer):
        raise core._leaked_tracer_error(x)
    arr = core.to_array(x)
    return arr.aval, arr._buffer


class Lowered:
    """A traced function: its mlax IR, and its StableHLO export."""

    def __init__(self, traced: core.Traced, optimized: bool):
        self._traced = traced
        if optimized:
            mlir.run_pipeline(traced.module, core.OPTIMIZE_PIPELINE)

    @property
    def module(self):
        return self._traced.module

    def as_text(self, dialect: str = "mlax", debug_info: bool = False) -> str:
        """The IR as text: mlax (with `debug_info`, each op's user source
        location) or its StableHLO export."""
        if dialect == "mlax":
            if debug_info:
                return self._traced.module.operation.get_asm(enable_debug_info=True)
            return str(self._traced.module)
        if dialect == "stablehlo":
            return mlir.export_stablehlo(self._traced.module)
        raise ValueError(f"unknown dialect {dialect!r}: use 'mlax' or 'stablehlo'")

    def __str__(self) -> str:
        return self.as_text()


class JitFunction:
    """A function compiled on first call per signature and cached."""

    def __init__(
        self,
        fun: Callable,
        static_argnums: Sequence[int] = (),
        static_argnames: Sequence[str] = (),
        donate_argnums: Sequence[int] = (),
        concrete_retry: bool = False,
        hoist_consts: bool | None = None,
    ):
        if not callable(fun):
            raise TypeError(f"jit expects a callable, got {type(fun).__name__}")
        self._fun = fun
        # Eager transformations (not user jit): when Python needs a traced
        # value, trace again with the argument values attached.
        self._concrete_retry = concrete_retry
        # Eager transformations pass the Arrays they close over as arguments
        # (user jit embeds them as constants, as JAX does).
        self._hoist = concrete_retry if hoist_consts is None else hoist_consts
        self._static_argnums = tuple(sorted(static_argnums))
        self._static_argnames = tuple(static_argnames)
        self._cache: dict[Hashable, tuple[core.Compiled, list]] = {}  # + const buffers
        # Calls whose arguments are all positional mlax Arrays (the common
        # case) are keyed on their avals alone: no pytree flattening.
        self._fast_cache: dict[tuple, tuple[core.Compiled, list]] = {}
        self._fast_ok = not static_argnums and not static_argnames
        self.trace_count = 0  # number of times fun was traced (for tests)
        functools.update_wrapper(self, fun)

    def _split(self, args, kwargs):
        static = []
        dyn_args = list(args)
        for i in self._static_argnums:
            if i >= len(args):
                raise ValueError(
                    f"jitted function has static_argnums={self._static_argnums} "
                    f"but was called with only {len(args)} positional arguments"
                )
        for i in reversed(self._static_argnums):
            static.append((i, args[i]))
            del dyn_args[i]
        static_kw = {k: kwargs[k] for k in self._static_argnames if k in kwargs}
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in static_kw}
        static_key = (tuple(sorted(static)), tuple(sorted(static_kw.items())))
        try:
            hash(static_key)
        except TypeError:
            raise ValueError(
                f"static arguments must be hashable, got {[type(v).__name__ for _, v in static]}"
            ) from None
        return dyn_args, dyn_kwargs, static, static_kw, static_key

    def _make_flat_fun(self, in_tree, static, static_kw):
        def flat_fun(*flat):
            dyn_args, dyn_kwargs = tree_util.tree_unflatten(in_tree, flat)
            args = list(dyn_args)
            for i, v in sorted(static):
                args.insert(i, v)
            self.trace_count += 1
            return self._fun(*args, **dyn_kwargs, **static_kw)

        return flat_fun

    def _trace(self, args, kwargs):
        dyn_args, dyn_kwargs, static, static_kw, static_key = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals_bufs = [_input_aval_and_buffer(x) for x in flat]
        avals = tuple(a for a, _ in avals_bufs)
        return flat, in_tree, avals, avals_bufs, static, static_kw, static_key

    def __call__(self, *args, **kwargs):
        if self._fast_ok and not kwargs:
            try:
                key = tuple([a.aval for a in args if type(a) is Array])
                compiled = self._fast_cache.get(key) if len(key) == len(args) else None
            except TypeError:
                compiled = None
            if compiled is not None:
                compiled, consts = compiled
                return compiled.unflatten_outputs(
                    compiled.executable.execute([a._buffer for a in args] + consts)
                )
        if core.current_trace() is not None:
            # Inside another trace: the function is part of that computation.
            return self._fun(*args, **kwargs)
        dyn_args, dyn_kwargs, static, static_kw, static_key = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals, buffers = [], []
        for x in flat:
            a, b = _input_aval_and_buffer(x)
            avals.append(a)
            buffers.append(b)
        key = (in_tree, tuple(avals), static_key)
        entry = self._cache.get(key)
        if entry is None:
            flat_fun = self._make_flat_fun(in_tree, static, static_kw)
            hoist = self._hoist
            try:
                traced = core.trace_to_module(flat_fun, avals, hoist_consts=hoist)
            except core.ConcretizationTypeError:
                if not self._concrete_retry:
                    raise
                # Specialized on these values: traced again on every call.
                values = [np.asarray(b) for b in buffers]
                traced = core.trace_to_module(
                    flat_fun, avals, concrete_args=values, hoist_consts=hoist
                )
                compiled = core.compile_traced(traced)
                return compiled.unflatten_outputs(
                    compiled.executable.execute(buffers + [c._buffer for c in traced.consts])
                )
            entry = (core.compile_traced(traced), [c._buffer for c in traced.consts])
            self._cache[key] = entry
            if self._fast_ok and not kwargs and all(type(a) is Array for a in args):
                self._fast_cache[tuple(a.aval for a in args)] = entry
        compiled, consts = entry
        return compiled.unflatten_outputs(compiled.executable.execute(buffers + consts))

    def lower(self, *args, **kwargs) -> Lowered:
        dyn_args, dyn_kwargs, static, static_kw, _ = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals = [_input_aval_and_buffer(x)[0] for x in flat]
        traced = core.trace_to_module(self._make_flat_fun(in_tree, static, static_kw), avals)
        return Lowered(traced, optimized=True)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._fast_cache.clear()


def jit(
    fun: Callable | None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    donate_argnums: int | Sequence[int] = (),
    **kwargs: Any,
):
    """Compiles `fun` with mlax: trace, optimize, export to StableHLO, PJRT.

    Usable as @jit, @jit(static_argnums=...), or jit(f, ...). A call whose
    pytree structure, shapes, dtypes, weak types and static arguments were
    seen before runs the cached executable without tracing.
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    if fun is None:
        return lambda f: jit(
            f,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate_argnums=donate_argnums,
        )
    if static_argnames and not static_argnums:
        # Static arguments given by name may also arrive by position.
        try:
            params = list(inspect.signature(fun).parameters)
            static_argnums = tuple(params.index(n) for n in static_argnames if n in params)
        except (TypeError, ValueError):
            pass
    return JitFunction(fun, static_argnums, static_argnames)


def make_mlir(fun: Callable, *, optimize: bool = True) -> Callable[..., Lowered]:
    """Returns a function that traces `fun` on example arguments and returns
    its mlax IR (print it, or `.as_text("stablehlo")`); the analogue of
    jax.make_jaxpr."""

    def make(*args, **kwargs) -> Lowered:
        flat, in_tree = tree_util.tree_flatten(
            (args, kwargs), is_leaf=lambda x: isinstance(x, ShapedArray)
        )
        avals = [
            _input_aval_and_buffer(x)[0] if not isinstance(x, ShapedArray) else x for x in flat
        ]

        def flat_fun(*xs):
            a, k = tree_util.tree_unflatten(in_tree, xs)
            return fun(*a, **k)

        traced = core.trace_to_module(flat_fun, avals)
        return Lowered(traced, optimized=optimize)

    return make


def device_put(x: Any, device: Any = None) -> Any:
    """Copies a pytree of host values to the device as mlax Arrays."""

    def put(v):
        if isinstance(v, Array) and device is None:
            return v
        if isinstance(v, Tracer):
            raise (
                core._leaked_tracer_error(v)
                if core.current_trace() is None
                else TypeError("device_put of a traced value: call it outside jit")
            )
        arr, aval = core.concrete_to_numpy(v)
        return Array(runtime.to_device(arr, device), aval.weak_type)

    return tree_util.tree_map(put, x)


def block_until_ready(x: Any) -> Any:
    for leaf in tree_util.tree_leaves(x):
        if isinstance(leaf, Array):
            leaf.block_until_ready()
    return x
