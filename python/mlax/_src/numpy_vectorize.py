"""mlax.numpy.vectorize: numpy's vectorize (with generalized-ufunc
signatures) as nested mlax.vmap over the broadcast loop dimensions."""

from __future__ import annotations

import functools
import re
from typing import Any, Callable

import numpy as np

from mlax._src import numpy_impl as _n

_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARG = rf"\({_CORE}\)"
_LIST = rf"{_ARG}(?:,{_ARG})*"
_SIGNATURE = re.compile(rf"^{_LIST}->{_LIST}$")


def _parse_signature(signature: str):
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = sig.split("->")

    def dims(part):
        return [tuple(re.findall(_DIM, arg)) for arg in re.findall(_ARG, part)]

    return dims(ins), dims(outs)


def vectorize(pyfunc: Callable, *, excluded=frozenset(), signature: str | None = None) -> Callable:
    """pyfunc mapped over the leading (loop) dimensions of its array
    arguments, which broadcast; `signature` ("(m,n),(n)->(m)") names the core
    dimensions each call sees; `excluded` positions / names pass through."""
    if any(not isinstance(e, (int, str)) for e in excluded):
        raise TypeError(
            f"jax.numpy.vectorize can only exclude integer or string arguments, but excluded={excluded!r}"
        )
    if any(isinstance(e, int) and e < 0 for e in excluded):
        raise ValueError(f"excluded={excluded!r} contains negative numbers")
    parsed = None if signature is None else _parse_signature(signature)

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        from mlax._src.batching import vmap

        static_pos = {i: a for i, a in enumerate(args) if i in excluded}
        static_kw = {k: v for k, v in kwargs.items() if k in excluded}
        dyn_names = [k for k in kwargs if k not in excluded]
        dyn = [
            _n.asarray(a) if not _n._is_array(a) else a
            for i, a in enumerate(args)
            if i not in excluded
        ]
        dyn += [
            _n.asarray(kwargs[k]) if not _n._is_array(kwargs[k]) else kwargs[k] for k in dyn_names
        ]
        n_pos = len(dyn) - len(dyn_names)

        def call(*vals):
            it = iter(vals[:n_pos])
            full_args = [static_pos[i] if i in static_pos else next(it) for i in range(len(args))]
            kw = dict(static_kw)
            kw.update(zip(dyn_names, vals[n_pos:]))
            return pyfunc(*full_args, **kw)

        if parsed is None:
            core_in = [()] * len(dyn)
        else:
            core_in = parsed[0]
            if len(core_in) != len(dyn):
                raise TypeError(
                    f"wrong number of positional arguments: expected {len(core_in)}, got {len(dyn)}"
                )
        sizes: dict[str, int] = {}
        loop_shapes = []
        for x, core in zip(dyn, core_in):
            if x.ndim < len(core):
                raise ValueError(
                    f"input with shape {x.shape} does not have enough dimensions for all core "
                    f"dimensions {core} in signature {signature!r}"
                )
            shape = x.shape[x.ndim - len(core) :]
            for name, size in zip(core, shape):
                if sizes.setdefault(name, size) != size:
                    raise ValueError(
                        f"inconsistent size for core dimension {name!r}: {size} vs {sizes[name]}"
                    )
            loop_shapes.append(x.shape[: x.ndim - len(core)])
        loop = tuple(np.broadcast_shapes(*loop_shapes)) if loop_shapes else ()
        dyn = [
            _n.broadcast_to(x, loop + x.shape[x.ndim - len(core) :])
            for x, core in zip(dyn, core_in)
        ]
        fun: Any = call
        for _ in loop:
            fun = vmap(fun)
        out = fun(*dyn)
        if parsed is not None:
            core_out = parsed[1]
            outs = out if isinstance(out, tuple) else (out,)
            if len(core_out) != len(outs) and not (
                len(core_out) == 1 and not isinstance(out, tuple)
            ):
                raise ValueError(
                    f"wrong number of output arguments: expected {len(core_out)}, got {len(outs)}"
                )
            for o, core in zip(outs, core_out):
                if np.ndim(o) - len(loop) != len(core):
                    raise ValueError(
                        f"output shape {np.shape(o)} does not match core dimensions {core} "
                        f"in signature {signature!r}"
                    )
        return out

    return wrapped
