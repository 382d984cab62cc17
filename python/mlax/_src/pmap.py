"""pmap: JAX's per-device map, as a jitted shard_map over a one-axis mesh
of the first `n` devices (JAX's own pmap is implemented the same way once
its shard_map merge is on). Each device gets one slice of the mapped axis;
`axis_name` names the mesh axis for the collectives (psum, axis_index,
...)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from mlax._src import tree_util
from mlax._src.batching import _broadcast_prefix
from mlax._src.core import aval_of

_fresh = itertools.count()


def _devices(devices: Sequence[Any] | None, backend: str | None) -> list:
    from mlax._src import runtime

    if devices is not None:
        return list(devices)
    return sorted(runtime.backend().devices(), key=lambda d: d.id)


def pmap(
    fun: Callable,
    axis_name: Any = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    static_broadcasted_argnums: int | Sequence[int] = (),
    devices: Sequence[Any] | None = None,
    backend: str | None = None,
    axis_size: int | None = None,
    donate_argnums: int | Sequence[int] = (),
    global_arg_shapes: Any = None,
) -> Callable:
    """Maps `fun` over axis `in_axes` of its arguments, one slice per
    device, with JAX's pmap API (the mapped size must not exceed the
    number of devices). Arguments with axis None are broadcast to every
    device; outputs with out_axes None must be equal on all devices
    (e.g. the result of a psum) and are returned once."""
    import mlax.numpy as jnp
    from mlax._src.api import jit
    from mlax._src.shard_map import shard_map
    from mlax._src.sharding_impl import Mesh
    from mlax._src.sharding_impl import PartitionSpec as P

    if not callable(fun):
        raise TypeError(f"pmap requires a callable for its first argument, got {fun!r}")
    if global_arg_shapes is not None:
        raise ValueError("pmap's global_arg_shapes is not supported (jax removed it too)")
    static = (
        (static_broadcasted_argnums,)
        if isinstance(static_broadcasted_argnums, int)
        else tuple(static_broadcasted_argnums)
    )
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    name = axis_name if axis_name is not None else f"_pmap{next(_fresh)}"

    def run(*args, **kwargs):
        dyn = [i for i in range(len(args)) if i not in static]
        if isinstance(in_axes, tuple):
            if len(in_axes) != len(args):
                raise ValueError(
                    "pmap in_axes must be an int, None, or a tuple of entries corresponding "
                    f"to the positional arguments passed to the function, but got "
                    f"len(in_axes)={len(in_axes)}, len(args)={len(args)}"
                )
            spec = tuple(in_axes[i] for i in dyn)
        else:
            spec = (in_axes,) * len(dyn)
        dyn_args = tuple(args[i] for i in dyn)
        leaves, tree = tree_util.tree_flatten((dyn_args, kwargs))
        axes = _broadcast_prefix((spec, {k: 0 for k in kwargs}), (dyn_args, kwargs), "in_axes")
        avals = [aval_of(x) for x in leaves]
        dims = []
        for a, ax in zip(avals, axes):
            if ax is not None and not -a.ndim <= ax < a.ndim:
                raise ValueError(
                    f"pmap was requested to map its argument along axis {ax}, which "
                    f"implies that its rank should be at least {(ax if ax >= 0 else -ax - 1) + 1}"
                    f", but is only {a.ndim} (its shape is {a.shape})"
                )
            dims.append(None if ax is None else ax % a.ndim)
        sizes = {a.shape[d] for a, d in zip(avals, dims) if d is not None}
        if len(sizes) > 1:
            raise ValueError(
                "pmap got inconsistent sizes for array axes to be mapped:\n"
                + "\n".join(
                    f"  argument with shape {a.shape} has size {a.shape[d]} along axis {d}"
                    for a, d in zip(avals, dims)
                    if d is not None
                )
            )
        if not sizes:
            if axis_size is None:
                raise ValueError("pmap requires at least one argument with a mapped axis")
            sizes = {int(axis_size)}
        (n,) = sizes
        devs = _devices(devices, backend)
        if n > len(devs):
            raise ValueError(
                f"compiling computation that requires {n} logical devices, but only "
                f"{len(devs)} XLA devices are available (num_replicas={n})"
            )
        mesh = Mesh(devs[:n], (name,))
        moved = [x if d is None else jnp.moveaxis(x, d, 0) for x, d in zip(leaves, dims)]
        in_specs = tuple(P() if d is None else P(name) for d in dims)
        meta: dict = {}

        def body(*blocks):
            local = [b if d is None else b[0] for b, d in zip(blocks, dims)]
            d_args, kw = tree_util.tree_unflatten(tree, local)
            full = list(args)
            for i, v in zip(dyn, d_args):
                full[i] = v
            out = fun(*full, **kw)
            o_leaves, meta["tree"] = tree_util.tree_flatten(out)
            return tuple(jnp.expand_dims(jnp.asarray(o), 0) for o in o_leaves)

        outs = shard_map(body, mesh=mesh, in_specs=in_specs, out_specs=P(name))(*moved)
        o_axes = _broadcast_prefix(
            out_axes, tree_util.tree_unflatten(meta["tree"], list(outs)), "out_axes"
        )
        final = []
        for o, ax in zip(outs, o_axes):
            if ax is None:
                final.append(o[0])  # equal on every device
            else:
                final.append(jnp.moveaxis(o, 0, ax % o.ndim))
        return tree_util.tree_unflatten(meta["tree"], final)

    functools.update_wrapper(run, fun)
    return jit(run, static_argnums=static, donate_argnums=donate_argnums)
