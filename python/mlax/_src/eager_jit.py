"""Eager jnp functions as one executable per signature, replayed in C++.

`jnp.sin(x)` on an mlax Array outside any trace would otherwise run its
Python layers (argument checks, promotion) and then one eager op per
primitive. JAX's jnp functions are jitted, so a call is one C++ dispatch;
`eager_jit(impl)` gives mlax's the same: a call whose arguments are all
single-device mlax Arrays, made while nothing is traced, goes to a C++
dispatcher (runtime.fast_jit) whose misses trace `impl` into one program
(api.JitFunction's Python path) and hand back its executable. Anything else
(tracers, numpy or Python scalars, sharded arrays, NaN checks or x64 on)
runs `impl` as before, so errors and values are the op-by-op ones.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from mlax._src import core, runtime
from mlax._src.config import config

Array = core.Array
_state = core._state


def _dispatcher(impl: Callable, name: str):
    from mlax._src.api import JitFunction

    jitted = JitFunction(impl)

    def cache_miss(*args):
        state = config.dispatch_state()
        if not state[3] or core.current_trace() is not None:
            return impl(*args), None, False  # op by op: NaN checks, x64, traces
        return jitted._call_for_replay(state, args, {})

    return runtime.fast_jit(name, impl, cache_miss, (), (), capacity=64)


def eager_jit(impl: Callable, nargs: int) -> Callable:
    """`impl` (of `nargs` positional arguments, 1 or 2) with the C++ eager
    path described above."""
    cpp: list[Any] = []  # the dispatcher, made on the first eager call

    def first(*args):
        if not cpp:
            cpp.append(_dispatcher(impl, impl.__name__))
        return cpp[0](*args)

    def deleted(e: ValueError, args):
        if not runtime.is_deleted_input_error(e):
            raise e
        return impl(*args)  # a deleted input: the Python path names it

    if nargs == 1:

        def f(x):
            if type(x) is Array and not _state.trace_stack:
                try:
                    return (cpp[0] if cpp else first)(x)
                except ValueError as e:
                    return deleted(e, (x,))
            return impl(x)

    else:

        def f(x, y):
            if type(x) is Array and type(y) is Array and not _state.trace_stack:
                try:
                    return (cpp[0] if cpp else first)(x, y)
                except ValueError as e:
                    return deleted(e, (x, y))
            return impl(x, y)

    return functools.wraps(impl)(f)
