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
from typing import Callable

from mlax._src import core, runtime
from mlax._src.config import config
from mlax.mlir.dialects.mlax import DispatchFunction

Array = core.Array
_state = core._state


def eager_jit(impl: Callable) -> Callable:
    """`impl` (positional arguments only) with the C++ eager path described
    above: a DispatchFunction whose fallback is `impl`."""
    from mlax._src.api import JitFunction

    f = DispatchFunction()
    jitted: list[JitFunction] = []  # made on the first eager call

    def cache_miss(*signed):
        args = (f._original_args() or (signed,))[0]
        state = config.dispatch_state()
        if not state[3] or core.current_trace() is not None:
            return impl(*args), None, False  # op by op: NaN checks, x64, traces
        return jitted[0]._call_for_replay(state, args, {}, (signed, {}))

    def first(*args, **kwargs):
        # The dispatcher is made on the first call with Arrays only, outside
        # any trace (most jnp functions are never called eagerly).
        if kwargs or _state.trace_stack or not all(type(a) is Array for a in args):
            return impl(*args, **kwargs)
        if not jitted:
            jitted.append(JitFunction(impl))
            disabled = lambda *signed: impl(*(f._original_args() or (signed,))[0])  # noqa: E731
            cpp = runtime.fast_jit(impl.__name__, disabled, cache_miss, (), (), capacity=64)
            f._set_dispatch(cpp, impl, Array, True, None)
        return f(*args)

    f._set_dispatch(None, first, Array, True, None)
    return functools.wraps(impl)(f)
