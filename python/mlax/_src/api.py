"""jit and IR inspection."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import time
import types
import weakref
from typing import Any, Callable, Hashable, Sequence

import numpy as np

from mlax._src import core, dtypes, mlir, runtime, sharding_impl, tree_util
from mlax._src.config import config
from mlax._src.core import Array, ShapedArray, Tracer
from mlax.mlir.dialects import mlax as mlax_d

_log = logging.getLogger("mlax")


def _input_aval_and_buffer(x: Any):
    if type(x) is Array:
        return x.aval, x._buffer
    if isinstance(x, Tracer):
        raise core._leaked_tracer_error(x)
    arr = core.to_array(x)
    return arr.aval, arr._buffer


class Lowered:
    """A traced function: its mlax IR, and its StableHLO export."""

    def __init__(self, traced: core.Traced, optimized: bool, name: str = "main"):
        self._traced = traced
        self._name = name
        if optimized:
            mlir.run_pipeline(traced.module, core.OPTIMIZE_PIPELINE)

    @property
    def module(self):
        return self._traced.module

    @property
    def in_avals(self) -> tuple[ShapedArray, ...]:
        return self._traced.in_avals

    @property
    def out_avals(self) -> tuple[ShapedArray, ...]:
        return self._traced.out_avals

    def as_text(self, dialect: str = "mlax", debug_info: bool = False) -> str:
        """The IR as text: mlax (with `debug_info`, each op's user source
        location) or its StableHLO export."""
        if dialect == "mlax":
            if debug_info:
                return self._traced.module.operation.get_asm(enable_debug_info=True)
            return str(self._traced.module)
        if dialect in ("stablehlo", "hlo"):
            return mlir.export_stablehlo(self._traced.module, runtime.default_device().platform)
        raise ValueError(f"unknown dialect {dialect!r}: use 'mlax' or 'stablehlo'")

    def compile(self) -> Compiled:
        """Compiles the lowered program with XLA."""
        return Compiled(core.compile_traced(self._traced), self._traced, self._name)

    def cost_analysis(self) -> dict[str, float]:
        return self.compile().cost_analysis()

    def __str__(self) -> str:
        return self.as_text()


class Compiled:
    """An XLA executable for one signature: call it with arguments of that
    signature; `cost_analysis()` / `memory_analysis()` are XLA's."""

    def __init__(self, compiled: core.Compiled, traced: core.Traced, name: str):
        self._compiled = compiled
        self._traced = traced
        self._name = name
        self._consts = [c._buffer for c in traced.consts]

    def cost_analysis(self) -> dict[str, float]:
        return self._compiled.executable.cost_analysis()

    def memory_analysis(self):
        return self._compiled.executable.memory_analysis()

    def as_text(self) -> str:
        """The optimized HLO XLA compiled."""
        return self._compiled.executable.hlo_text()

    def __call__(self, *args, **kwargs):
        flat, _ = tree_util.tree_flatten((args, kwargs))
        avals, buffers = [], []
        for x in flat:
            a, b = _input_aval_and_buffer(x)
            avals.append(a)
            buffers.append(b)
        want = list(self._traced.in_avals)
        if [(a.shape, a.dtype) for a in avals] != [(w.shape, w.dtype) for w in want]:
            raise TypeError(
                f"Argument types differ from the types for which this computation was "
                f"compiled: got {[a.str_short() for a in avals]}, expected "
                f"{[w.str_short() for w in want]}"
            )
        out = self._compiled.unflatten_outputs(
            self._compiled.executable.execute(buffers + self._consts)
        )
        _check_nans(out, self._name)
        return out


class Traced:
    """`jit(f).trace(*args)`: the traced program before optimization."""

    def __init__(self, traced: core.Traced, name: str):
        self._traced = traced
        self._name = name

    @property
    def jaxpr(self) -> Jaxpr:
        return Jaxpr(self._traced)

    @property
    def out_info(self):
        return tree_util.tree_unflatten(
            self._traced.out_tree, [ShapeDtypeStruct.from_aval(a) for a in self._traced.out_avals]
        )

    def lower(self) -> Lowered:
        return Lowered(self._traced, optimized=True, name=self._name)


def _check_nans(out: Any, name: str) -> None:
    """mlax_debug_nans / mlax_debug_infs: FloatingPointError when an output
    of `name` holds a NaN / an infinity."""
    from mlax._src.config import config

    nans, infs = config.read("mlax_debug_nans"), config.read("mlax_debug_infs")
    if not (nans or infs):
        return
    for leaf in tree_util.tree_leaves(out):
        if not isinstance(leaf, Array) or np.dtype(leaf.dtype).kind not in "fc":
            continue
        v = np.asarray(leaf)
        if nans and np.isnan(v).any():
            raise FloatingPointError(f"invalid value (nan) encountered in {name}")
        if infs and np.isinf(v).any():
            raise FloatingPointError(f"divide by zero (inf) encountered in {name}")


# The jit keyword arguments JAX has; those mlax does not act on are listed
# with why (they do not change results).
_JIT_IGNORED = {
    "keep_unused": "mlax never prunes arguments",
    "inline": "mlax inlines every call",
    "abstracted_axes": "",
    "compiler_options": "",
}

_jit_functions: "weakref.WeakSet[JitFunction]" = weakref.WeakSet()


def _fun_name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


class JitFunction(mlax_d.DispatchFunction):
    """A function compiled on first call per signature and cached. Calls
    enter in C (DispatchFunction): a user's jit goes to its C++ dispatcher,
    other jits (eager transformations) to `_fallback`."""

    def __init__(
        self,
        fun: Callable,
        static_argnums: Sequence[int] = (),
        static_argnames: Sequence[str] = (),
        donate_argnums: Sequence[int] = (),
        concrete_retry: bool = False,
        hoist_consts: bool | None = None,
        user: bool = False,
        donate_argnames: Sequence[str] = (),
        in_shardings: Any = None,
        out_shardings: Any = None,
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
        self._user = user  # a user's jit: disable_jit and log_compiles apply
        self._name = f"jit({_fun_name(fun)})"
        # Tree prefixes of the positional arguments / of the outputs whose
        # leaves are shardings or None (left to XLA's propagation).
        self._in_shardings = in_shardings
        self._out_shardings = out_shardings
        self._static_argnums = tuple(sorted(static_argnums))
        self._static_argnames = tuple(static_argnames)
        self._cache: dict[Hashable, tuple[core.Compiled, list]] = {}  # + const buffers
        # Calls whose arguments are all positional mlax Arrays (the common
        # case) are keyed on their avals alone: no pytree flattening.
        self._fast_cache: dict[tuple, tuple[core.Compiled, list]] = {}
        # Donated arguments (positions and names): their buffers may be
        # reused for outputs (PJRT input-output aliasing) and are deleted.
        self._donate_argnums = frozenset(donate_argnums)
        self._donate_argnames = frozenset(donate_argnames)
        self._fast_ok = (
            not static_argnums
            and not static_argnames
            and not donate_argnums
            and not donate_argnames
        )
        # A user's jit calls go through a C++ dispatcher (see _make_cpp).
        self._statics = frozenset(self._static_argnums) | frozenset(self._static_argnames)
        self._cpp = self._make_cpp() if user else None
        self._set_dispatch(self._cpp, self._fallback, Array, False, self._statics)
        self.trace_count = 0  # number of times fun was traced (for tests)
        functools.update_wrapper(self, fun)
        if user:
            _jit_functions.add(self)

    def _split(self, args, kwargs):
        static = []
        dyn_args = list(args)
        # A static position beyond the call's positional arguments is not
        # static in this call (it was passed by keyword or left at default).
        for i in reversed(self._static_argnums):
            if i < len(args):
                static.append((i, args[i]))
                del dyn_args[i]
        static_kw = {k: kwargs[k] for k in self._static_argnames if k in kwargs}
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in static_kw}
        static_key = (tuple(sorted(static)), tuple(sorted(static_kw.items())))
        try:
            hash(static_key)
        except TypeError:
            bad = [f"argument {i}" for i, v in static if not _hashable(v)] + [
                f"argument {k!r}" for k, v in static_kw.items() if not _hashable(v)
            ]
            raise ValueError(
                f"Non-hashable static arguments are not supported: {', '.join(bad)} of "
                f"{self._name} (types {[type(v).__name__ for _, v in static]}); "
                "make them hashable or pass them as traced arguments"
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

    def _fallback(self, *args, **kwargs):
        # The Python path: no dispatcher, or it refused a donated input
        # (named here, as jax's Python path does).
        return self._call(config.dispatch_state(), args, kwargs)[0]

    def _make_cpp(self):
        """The C++ dispatcher: it replays cached signatures and calls back
        here on a miss (and for arguments it cannot sign, such as tracers).
        Its key includes the config and tracing state (runtime's
        dispatch_global / dispatch_thread), and a miss hands it the
        executable only in a state where replaying is what Python would do:
        no NaN checks, disable_jit or x64, and no trace."""

        def cache_miss(*signed, **signed_kw):
            args, kwargs = self._original_args() or (signed, signed_kw)
            return self._call_for_replay(config.dispatch_state(), args, kwargs, (signed, signed_kw))

        def disabled(*signed, **signed_kw):  # jax's disable_jit is on
            args, kwargs = self._original_args() or (signed, signed_kw)
            return self._call(config.dispatch_state(), args, kwargs)[0]

        return runtime.fast_jit(
            self._name,
            disabled,
            cache_miss,
            self._static_argnums,
            self._static_argnames,
            tuple(sorted(self._donate_argnums)),
            tuple(sorted(self._donate_argnames)),
        )

    def _call_for_replay(self, state, args, kwargs, signed):
        """A C++ dispatcher's cache_miss: (outputs, what it may replay for
        this signature or None, False). `signed` holds the (args, kwargs)
        the dispatcher signed (Arrays passed as buffers)."""
        out, replay = self._call(state, args, kwargs)
        data = None
        if (
            replay is not None
            and state[3]
            and core.current_trace() is None
            and runtime.replayable_signature(signed)
        ):
            compiled, consts, num_args = replay
            if not consts:  # hoisted constants would be leading args there
                data = runtime.fastpath_data(compiled.executable, num_args, out)
        return out, data, False

    def _call(self, state, args, kwargs):
        """The Python dispatch: (outputs, (compiled, const buffers, number
        of arguments)), the second None when the call cannot be replayed."""
        if self._fast_ok and not kwargs and not (state[4] and self._user):
            try:
                key = tuple([a.aval for a in args if type(a) is Array])
                compiled = self._fast_cache.get((state[1], key)) if len(key) == len(args) else None
            except TypeError:
                compiled = None
            if compiled is not None:
                entry = compiled
                compiled, consts = entry
                out = compiled.unflatten_outputs(
                    compiled.executable.execute([a._buffer for a in args] + consts)
                )
                if state[2] and self._user:
                    _check_nans(out, self._name)
                return out, (compiled, consts, len(args))
        if core.current_trace() is not None:
            # Inside another trace: the function is part of that computation.
            return self._fun(*args, **kwargs), None
        if self._user and state[4]:
            return self._fun(*args, **kwargs), None
        dyn_args, dyn_kwargs, static, static_kw, static_key = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs))
        avals, buffers = [], []
        for x in flat:
            a, b = _input_aval_and_buffer(x)
            avals.append(a)
            buffers.append(b)
        ctx = state[1]
        in_sh = self._flat_in_shardings(flat, dyn_args, avals)
        key = (in_tree, tuple(avals), static_key, ctx, in_sh)
        entry = self._cache.get(key)
        if entry is None:
            flat_fun = self._make_flat_fun(in_tree, static, static_kw)
            hoist = self._hoist
            log = self._user and config.read("mlax_log_compiles")
            if log:
                _log.warning(
                    "Compiling %s with global shapes and types %s.",
                    self._name,
                    [a.str_short() for a in avals],
                )
            start = time.perf_counter()
            try:
                traced = core.trace_to_module(
                    flat_fun,
                    avals,
                    hoist_consts=hoist,
                    in_shardings=in_sh,
                    out_shardings=self._flat_out_shardings(),
                )
                if self._donate_argnums or self._donate_argnames:
                    _mark_donated(traced, self._donated_leaves(args, dyn_args, dyn_kwargs))
            except core.ConcretizationTypeError:
                if not self._concrete_retry:
                    raise
                # Specialized on these values: traced again on every call.
                values = [np.asarray(b) for b in buffers]
                traced = core.trace_to_module(
                    flat_fun,
                    avals,
                    concrete_args=values,
                    hoist_consts=hoist,
                    in_shardings=in_sh,
                    out_shardings=self._flat_out_shardings(),
                )
                compiled = core.compile_traced(traced)
                out = compiled.unflatten_outputs(
                    compiled.executable.execute(buffers + [c._buffer for c in traced.consts])
                )
                return out, None
            timings = {"trace": time.perf_counter() - start} if log else None
            entry = (core.compile_traced(traced, timings), [c._buffer for c in traced.consts])
            if log:
                _log_compile_times(self._name, timings)
            self._cache[key] = entry
            if self._fast_ok and not kwargs and all(type(a) is Array for a in args):
                self._fast_cache[(ctx, tuple(a.aval for a in args))] = entry
        compiled, consts = entry
        out = compiled.unflatten_outputs(compiled.executable.execute(buffers + consts))
        if state[2] and self._user:
            _check_nans(out, self._name)
        return out, (compiled, consts, len(buffers))

    def _flat_in_shardings(self, flat, dyn_args, avals) -> tuple | None:
        """Per flat argument: the sharding in_shardings gives it, else that
        of an Array spanning several devices, else None; None when no
        argument has one (a one-device program)."""
        user = [None] * len(flat)
        if self._in_shardings is not None:
            n_pos = len(tree_util.tree_leaves(tuple(dyn_args)))
            prefix = self._in_shardings
            if not isinstance(prefix, (tuple, list)):  # one sharding for every argument
                prefix = (prefix,) * len(dyn_args)
            user[:n_pos] = sharding_impl.flatten_shardings(
                prefix, tuple(dyn_args), f"in_shardings of {self._name}"
            )
        out = []
        for i, (x, s) in enumerate(zip(flat, user)):
            if s is None and type(x) is core.ShardedArray:
                s = x.sharding
            if isinstance(s, sharding_impl.NamedSharding):
                s.check_shape(avals[i].shape, f"the arguments of {self._name} (argument {i})")
                have = x.sharding if type(x) is core.ShardedArray else None
                if (
                    have is not None
                    and have != s
                    and not (
                        isinstance(have, sharding_impl.NamedSharding)
                        and have.is_equivalent_to(s, len(avals[i].shape))
                    )
                ):
                    raise ValueError(
                        f"{self._name}: argument {i} is an Array with sharding {have}, but "
                        f"in_shardings gives {s}; device_put it with that sharding first"
                    )
            elif isinstance(s, sharding_impl.SingleDeviceSharding):
                s = None
            out.append(s)
        return tuple(out) if any(s is not None for s in out) else None

    def _flat_out_shardings(self):
        if self._out_shardings is None:
            return None
        prefix = self._out_shardings

        def resolve(out_tree, out_avals):
            if out_tree.kind is None:  # a single array
                tree = 0
            else:
                tree = tree_util.tree_unflatten(out_tree, [0] * out_tree.num_leaves)
            shs = sharding_impl.flatten_shardings(prefix, tree, f"out_shardings of {self._name}")
            for i, (s, a) in enumerate(zip(shs, out_avals)):
                if isinstance(s, sharding_impl.NamedSharding):
                    s.check_shape(a.shape, f"the outputs of {self._name} (output {i})")
            return shs

        return resolve

    def _donated_leaves(self, args, dyn_args, dyn_kwargs) -> list[bool]:
        """Per flat input: whether it belongs to a donated argument."""
        positions = [i for i in range(len(args)) if i not in {i for i in self._static_argnums}]
        flags: list[bool] = []
        for i, a in zip(positions, dyn_args):
            flags += [i in self._donate_argnums] * len(tree_util.tree_leaves(a))
        for k in sorted(dyn_kwargs):
            flags += [k in self._donate_argnames] * len(tree_util.tree_leaves(dyn_kwargs[k]))
        return flags

    def _traced(self, args, kwargs) -> core.Traced:
        dyn_args, dyn_kwargs, static, static_kw, _ = self._split(args, kwargs)
        flat, in_tree = tree_util.tree_flatten((tuple(dyn_args), dyn_kwargs), is_leaf=_is_abstract)
        avals = [_abstract_aval(x) for x in flat]
        return core.trace_to_module(
            self._make_flat_fun(in_tree, static, static_kw),
            avals,
            in_shardings=self._flat_in_shardings(flat, dyn_args, avals),
            out_shardings=self._flat_out_shardings(),
        )

    def trace(self, *args, **kwargs) -> Traced:
        """Traces on these arguments (Arrays, numpy values or
        ShapeDtypeStructs) without compiling."""
        return Traced(self._traced(args, kwargs), self._name)

    def lower(self, *args, **kwargs) -> Lowered:
        """Traces and optimizes on these arguments (Arrays, numpy values or
        ShapeDtypeStructs); `.compile()` gives the executable."""
        traced = self._traced(args, kwargs)
        if self._donate_argnums or self._donate_argnames:
            dyn_args, dyn_kwargs, *_ = self._split(args, kwargs)
            _mark_donated(traced, self._donated_leaves(args, dyn_args, dyn_kwargs))
        return Lowered(traced, optimized=True, name=self._name)

    def eval_shape(self, *args, **kwargs):
        return self.trace(*args, **kwargs).out_info

    def __get__(self, obj: Any, objtype: type | None = None):
        # A jitted function as a method binds the instance as its first
        # argument, as jax's jitted functions do (usually with
        # static_argnums=0, or an instance that is a pytree).
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def clear_cache(self) -> None:
        if self._cpp is not None:
            self._cpp = self._make_cpp()
            self._set_dispatch(self._cpp, self._fallback, Array, False, self._statics)
        self._cache.clear()
        self._fast_cache.clear()


mlax_d.inherit_vectorcall(JitFunction)  # calls skip tp_call's argument tuple (3.11)


def _log_compile_times(name: str, timings: dict) -> None:
    ms = {k: 1e3 * v for k, v in timings.items() if isinstance(v, float)}
    steps = ", ".join(
        f"{label} {ms[k]:.1f} ms"
        for k, label in [
            ("trace", "tracing"),
            ("transform", "transforming"),
            ("export", "exporting"),
        ]
        if k in ms
    )
    source = timings.get("source", "XLA")
    if source == "XLA":
        last = f"XLA compilation {ms.get('xla', 0.0):.1f} ms"
    elif source == "disk cache":
        last = f"loaded from the compilation cache in {ms.get('xla', 0.0):.1f} ms"
    else:
        last = "executable reused from the in-memory cache"
    _log.warning("Finished compiling %s: %s; %s.", name, steps, last)


def _mark_donated(traced: core.Traced, donated: Sequence[bool]) -> None:
    """Marks @main's donated arguments as JAX does: `tf.aliasing_output = j`
    when an unclaimed output has the argument's type (XLA writes the output
    into the argument's buffer), else `jax.buffer_donor`; PJRT deletes the
    donated buffers when the program runs."""
    from mlax.mlir import ir

    main = core.main_func(traced.module.operation)
    fn_type = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    free = list(range(len(fn_type.results)))
    attrs = []
    ctx = traced.module.context
    with ctx:
        for i, t in enumerate(fn_type.inputs):
            entry = {}
            if i < len(donated) and donated[i]:
                j = next((j for j in free if fn_type.results[j] == t), None)
                if j is not None:
                    free.remove(j)
                    entry["tf.aliasing_output"] = ir.IntegerAttr.get(
                        ir.IntegerType.get_signless(32), j
                    )
                else:
                    entry["jax.buffer_donor"] = ir.BoolAttr.get(True)
            attrs.append(ir.DictAttr.get(entry))
        main.attributes["arg_attrs"] = ir.ArrayAttr.get(attrs)


def _hashable(v: Any) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


def _is_abstract(x: Any) -> bool:
    return isinstance(x, (ShapedArray, ShapeDtypeStruct))


def _abstract_aval(x: Any) -> ShapedArray:
    if isinstance(x, ShapedArray):
        return x
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype, x.weak_type)
    return _input_aval_and_buffer(x)[0]


def _static_positions(fun: Callable, static_argnums, static_argnames):
    """static_argnums and static_argnames completed from each other through
    the signature (JAX's rule); ValueError for a static_argnum past the
    positional parameters of a function without *args."""
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        return tuple(static_argnums), tuple(static_argnames)
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    has_var = any(p.kind is p.VAR_POSITIONAL for p in params)
    nums = [i if i >= 0 else i + len(positional) for i in static_argnums]
    for i, orig in zip(nums, static_argnums):
        if (i < 0 or i >= len(positional)) and not has_var:
            raise ValueError(
                f"jitted function has static_argnums=({orig},), but only accepts "
                f"{len(positional)} positional arguments."
            )
    names = list(static_argnames)
    for i in nums:
        if i < len(positional) and positional[i].kind is not positional[i].POSITIONAL_ONLY:
            if positional[i].name not in names:
                names.append(positional[i].name)
    for n in static_argnames:
        for i, p in enumerate(positional):
            if p.name == n and i not in nums:
                nums.append(i)
    return tuple(sorted(set(nums))), tuple(names)


def jit(
    fun: Callable | None = None,
    *,
    static_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] | None = None,
    donate_argnums: int | Sequence[int] | None = None,
    donate_argnames: str | Sequence[str] | None = None,
    device: Any = None,
    backend: str | None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    **kwargs: Any,
):
    """Compiles `fun` with mlax: trace, optimize, export to StableHLO, PJRT.

    Usable as @jit, @jit(static_argnums=...), or jit(f, ...). A call whose
    pytree structure, shapes, dtypes, weak types, static arguments and
    trace-affecting config flags were seen before runs the cached executable
    without tracing. Unknown keyword arguments raise TypeError.
    """
    for k in kwargs:
        if k not in _JIT_IGNORED:
            raise TypeError(f"jit() got an unexpected keyword argument {k!r}")
    if device is not None or backend is not None:
        raise NotImplementedError(
            "jit(device=/backend=): use mlax.config.update('mlax_default_device', ...) "
            "or device_put"
        )
    static_argnums = _as_tuple(static_argnums)
    static_argnames = _as_tuple(static_argnames)
    donate_argnums = _as_tuple(donate_argnums)
    donate_argnames = _as_tuple(donate_argnames)
    if fun is None:
        return lambda f: jit(
            f,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate_argnums=donate_argnums,
            donate_argnames=donate_argnames,
            in_shardings=in_shardings,
            out_shardings=out_shardings,
            **kwargs,
        )
    if not callable(fun):
        raise TypeError(f"jit expects a callable, got {type(fun).__name__}")
    static_argnums, static_argnames = _static_positions(fun, static_argnums, static_argnames)
    donate_argnums, donate_argnames = _donate_positions(fun, donate_argnums, donate_argnames)
    overlap = set(donate_argnums) & set(static_argnums)
    if overlap:
        raise ValueError(
            f"static_argnums and donate_argnums cannot overlap; both contain {sorted(overlap)}"
        )
    return JitFunction(
        fun,
        static_argnums,
        static_argnames,
        donate_argnums=donate_argnums,
        donate_argnames=donate_argnames,
        user=True,
        in_shardings=in_shardings,
        out_shardings=out_shardings,
    )


def _donate_positions(fun: Callable, donate_argnums, donate_argnames):
    """donate_argnums and donate_argnames completed from each other."""
    try:
        params = [
            p
            for p in inspect.signature(fun).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return tuple(donate_argnums), tuple(donate_argnames)
    nums = set(donate_argnums)
    names = set(donate_argnames)
    for i, p in enumerate(params):
        if p.name in names:
            nums.add(i)
        if i in nums and p.kind is not p.POSITIONAL_ONLY:
            names.add(p.name)
    return tuple(sorted(nums)), tuple(sorted(names))


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (int, str)):
        return (x,)
    return tuple(x)


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


def device_put(
    x: Any, device: Any = None, *, src: Any = None, donate: bool = False, may_alias: Any = None
) -> Any:
    """Copies a pytree of values to a device, or lays them out over several
    with a Sharding (or a pytree prefix of shardings), as mlax Arrays."""
    if isinstance(device, (sharding_impl.Sharding, sharding_impl.PartitionSpec)) or (
        isinstance(device, (tuple, list, dict)) and device
    ):
        shardings = sharding_impl.flatten_shardings(device, x, "device_put's device")
        leaves, tree = tree_util.tree_flatten(x)
        return tree_util.tree_unflatten(
            tree, [_put_sharded(v, s) for v, s in zip(leaves, shardings)]
        )

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


def _put_sharded(v: Any, sharding: Any) -> Array:
    if isinstance(v, Tracer):
        raise TypeError(
            "device_put of a traced value with a sharding: use "
            "lax.with_sharding_constraint inside jit"
        )
    if sharding is None:
        return device_put(v)
    if isinstance(sharding, sharding_impl.SingleDeviceSharding):
        return device_put(v, next(iter(sharding.device_set)))
    if isinstance(v, Array) and v.sharding == sharding:
        return v
    arr, aval = core.concrete_to_numpy(np.asarray(v) if isinstance(v, Array) else v)
    if isinstance(v, Array):
        aval = v.aval
    if isinstance(sharding, sharding_impl.NamedSharding):
        sharding.check_shape(aval.shape, "the arguments of device_put")
    buf = runtime.device_put_sharded(arr, sharding_impl.to_jax(sharding))
    return core.wrap_buffer(buf, aval.weak_type)


def _jax_sharding_of(sharding: Any, shape: tuple, what: str):
    if not isinstance(sharding, sharding_impl.Sharding):
        raise TypeError(f"{what} expects an mlax Sharding, got {sharding!r}")
    if isinstance(sharding, sharding_impl.NamedSharding):
        sharding.check_shape(shape, what)
    return sharding_impl.to_jax(sharding)


def make_array_from_callback(
    shape: Sequence[int], sharding: Any, data_callback: Callable[[Any], Any], dtype: Any = None
) -> Array:
    """A global Array of `shape` laid out by `sharding`, each device's block
    being `data_callback(index)` for the tuple of slices it holds (JAX's
    make_array_from_callback)."""
    shape = tuple(int(d) for d in shape)
    jsh = _jax_sharding_of(sharding, shape, "make_array_from_callback")
    index_map = jsh.addressable_devices_indices_map(shape)
    devices = list(index_map)
    blocks = []
    for d in devices:
        block, _ = core.concrete_to_numpy(np.asarray(data_callback(index_map[d])))
        if dtype is not None:
            block = block.astype(dtypes.canonicalize_dtype(np.dtype(dtype)))
        want = np.empty(shape, dtype=np.bool_)[index_map[d]].shape
        if block.shape != want:
            raise ValueError(
                f"make_array_from_callback: data_callback returned a block of shape "
                f"{block.shape} for index {index_map[d]} of device {d.id}; the sharding "
                f"needs {want}"
            )
        blocks.append(block)
    kinds = {b.dtype for b in blocks}
    if len(kinds) > 1:
        raise ValueError(
            "make_array_from_callback: data_callback returned blocks of different dtypes "
            + ", ".join(sorted(k.name for k in kinds))
        )
    (dt,) = kinds or {dtypes.canonicalize_dtype(np.dtype(dtype or np.float32))}
    return core.wrap_buffer(runtime.assemble_shards(shape, dt, jsh, blocks, devices), False)


def make_array_from_single_device_arrays(
    shape: Sequence[int], sharding: Any, arrays: Sequence[Any], *, dtype: Any = None
) -> Array:
    """A global Array of `shape` laid out by `sharding` from one Array per
    addressable device, each holding that device's block (JAX's
    make_array_from_single_device_arrays)."""
    shape = tuple(int(d) for d in shape)
    jsh = _jax_sharding_of(sharding, shape, "make_array_from_single_device_arrays")
    bufs = []
    for a in arrays:
        if isinstance(a, Tracer):
            raise TypeError(
                "make_array_from_single_device_arrays takes concrete Arrays, got a traced value"
            )
        bufs.append(a._buffer if isinstance(a, Array) else core.to_array(a)._buffer)
    weak = all(isinstance(a, Array) and a.aval.weak_type for a in arrays) and bool(arrays)
    return core.wrap_buffer(runtime.assemble_buffers(shape, jsh, bufs), weak)


def block_until_ready(x: Any) -> Any:
    for leaf in tree_util.tree_leaves(x):
        if isinstance(leaf, Array):
            leaf.block_until_ready()
    return x


class ShapeDtypeStruct:
    """A shape and dtype standing for an array (eval_shape's results, and
    arguments to eval_shape, make_jaxpr, jit(...).lower / trace)."""

    __slots__ = ("shape", "dtype", "weak_type", "sharding")

    def __init__(self, shape, dtype, *, sharding=None, weak_type: bool = False):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)
        self.sharding = sharding

    @classmethod
    def from_aval(cls, aval: ShapedArray) -> ShapeDtypeStruct:
        return cls(aval.shape, aval.dtype, weak_type=aval.weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, ShapeDtypeStruct) and (self.shape, self.dtype, self.weak_type) == (
            other.shape,
            other.dtype,
            other.weak_type,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"


def _abstractify(x: Any) -> ShapedArray:
    """The aval of an argument given for its shape only: no device copy."""
    if isinstance(x, ShapedArray):
        return x
    if isinstance(x, ShapeDtypeStruct):
        return ShapedArray(x.shape, x.dtype, x.weak_type)
    if isinstance(x, Array):
        return x.aval
    if isinstance(x, Tracer):
        return x.aval
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return ShapedArray(tuple(x.shape), np.dtype(x.dtype), False)  # duck-typed
    return core.concrete_to_numpy(x)[1]


def _trace_abstract(fun: Callable, args, kwargs, static_argnums=()) -> core.Traced:
    static = {i for i in _as_tuple(static_argnums)}
    is_static = [i in static for i in range(len(args))]
    dyn = [a for a, s in zip(args, is_static) if not s]
    flat, in_tree = tree_util.tree_flatten((tuple(dyn), kwargs), is_leaf=_is_abstract)
    avals = [_abstractify(x) for x in flat]

    def flat_fun(*xs):
        d, k = tree_util.tree_unflatten(in_tree, xs)
        it = iter(d)
        full = [a if s else next(it) for a, s in zip(args, is_static)]
        return fun(*full, **k)

    return core.trace_to_module(flat_fun, avals)


def eval_shape(fun: Callable, *args, **kwargs) -> Any:
    """The shapes and dtypes of fun's outputs (ShapeDtypeStructs), found by
    tracing on avals: nothing is compiled or run."""
    traced = _trace_abstract(fun, args, kwargs)
    return tree_util.tree_unflatten(
        traced.out_tree, [ShapeDtypeStruct.from_aval(a) for a in traced.out_avals]
    )


def typeof(x: Any) -> ShapedArray:
    """The abstract value of x: shape, dtype and weak type."""
    return _abstractify(x)


class Jaxpr:
    """make_jaxpr's result: the traced mlax program before any pass runs.

    Printing it shows the mlax dialect's IR (func.func @main with mlax ops
    and, for transformations, their transformation ops, e.g. mlax.jvp
    referencing a traced function) rather than JAX's jaxpr text; the
    values are the same, the notation is MLIR's."""

    def __init__(self, traced: core.Traced):
        self._traced = traced

    @property
    def jaxpr(self) -> Jaxpr:
        return self

    @property
    def in_avals(self) -> tuple[ShapedArray, ...]:
        return self._traced.in_avals

    @property
    def out_avals(self) -> tuple[ShapedArray, ...]:
        return self._traced.out_avals

    @property
    def consts(self) -> list:
        return list(self._traced.consts)

    @property
    def module(self):
        return self._traced.module

    def pretty_print(self, debug_info: bool = False) -> str:
        if debug_info:
            return self._traced.module.operation.get_asm(enable_debug_info=True)
        return str(self._traced.module)

    def __str__(self) -> str:
        return self.pretty_print()

    __repr__ = __str__


def make_jaxpr(
    fun: Callable,
    static_argnums: int | Sequence[int] = (),
    axis_env: Any = None,
    return_shape: bool = False,
) -> Callable[..., Any]:
    """A function that traces `fun` on example arguments (values or
    ShapeDtypeStructs) and returns its unoptimized mlax program (a Jaxpr
    whose text is MLIR); with return_shape, also the output shapes."""
    if axis_env is not None:
        raise NotImplementedError("make_jaxpr(axis_env=): mlax has no named axes yet")

    @functools.wraps(fun)
    def make(*args, **kwargs):
        traced = _trace_abstract(fun, args, kwargs, static_argnums)
        jaxpr = Jaxpr(traced)
        if not return_shape:
            return jaxpr
        shapes = tree_util.tree_unflatten(
            traced.out_tree, [ShapeDtypeStruct.from_aval(a) for a in traced.out_avals]
        )
        return jaxpr, shapes

    return make


def device_get(x: Any) -> Any:
    """A pytree with each Array copied to a numpy array on the host."""

    def get(v):
        if isinstance(v, Tracer):
            raise core._leaked_tracer_error(v)
        return np.asarray(v) if isinstance(v, Array) else v

    return tree_util.tree_map(get, x)


@contextlib.contextmanager
def named_scope(name: str):
    """Ops traced inside carry `name` in their locations (nested scopes are
    joined by `/`); visible with `as_text(debug_info=True)` and in XLA's
    op metadata."""
    if not isinstance(name, str):
        raise TypeError("named_scope name argument must be a string.")
    state = core._state
    saved = state.name_stack
    state.name_stack = saved + (name,)
    try:
        yield
    finally:
        state.name_stack = saved


def named_call(fun: Callable, *, name: str | None = None) -> Callable:
    """`fun` whose ops are traced inside named_scope(name or its name)."""
    scope = name if name is not None else _fun_name(fun)

    @functools.wraps(fun)
    def call(*args, **kwargs):
        with named_scope(scope):
            return fun(*args, **kwargs)

    return call


@contextlib.contextmanager
def ensure_compile_time_eval():
    """Inside jit, ops whose inputs are all known values (not traced) run
    right away and give Arrays, so Python can use their values."""
    state = core._state
    saved = state.compile_time_eval
    state.compile_time_eval = True
    try:
        yield
    finally:
        state.compile_time_eval = saved


def clear_caches() -> None:
    """Drops every compiled executable mlax holds (jit caches, eager op
    cache, the executable cache by IR)."""
    for f in list(_jit_functions):
        f.clear_cache()
    core.clear_caches()
