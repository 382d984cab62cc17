"""shard_map: a function over per-device blocks, run on every device of a
mesh. Traced into the caller's program between full_to_shard (each input's
block) and shard_to_full (the outputs reassembled), with the body's ops in
between; collectives name the mesh's axes (mlax._src.parallel). Its
transformations are those of the ops (dialect/rules/ShardingRules.cpp)."""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from mlax._src import core, mlir, parallel, sharding_impl, tree_util
from mlax._src.core import Primitive, Tracer
from mlax._src.sharding_impl import Mesh, NamedSharding, PartitionSpec
from mlax.mlir.dialects import mlax as m


def _shard_emit(values, avals, *, mesh, spec, shape, enter):
    sharding = NamedSharding(mesh, spec)
    ndim = len(shape)
    op = m.FullToShardOp if enter else m.ShardToFullOp
    return op(
        mlir.tensor_type(shape, avals[0].dtype),
        values[0],
        sharding_impl.mesh_attr(mesh),
        sharding_impl.spec_attr(sharding, ndim),
    ).result


_shard_p = Primitive("full_to_shard", _shard_emit, weak="first")


def _is_spec(x: Any) -> bool:
    return x is None or isinstance(x, PartitionSpec)


def _check_spec(mesh: Mesh, spec: Any, what: str) -> PartitionSpec:
    if spec is None:
        raise TypeError(
            f"shard_map {what} entries must be PartitionSpecs; None is not allowed "
            "(use P() for a replicated value)"
        )
    NamedSharding(mesh, spec)  # axis names known, none repeated
    return spec


def _local_shape(mesh: Mesh, spec: PartitionSpec, shape: tuple, fun_name: str, i: int) -> tuple:
    s = NamedSharding(mesh, spec)
    if len(spec) > len(shape):
        raise ValueError(
            f"shard_map applied to the function '{fun_name}' was given an in_specs entry "
            f"{spec} of length {len(spec)} for argument {i} of rank {len(shape)}"
        )
    out = []
    for d, n in enumerate(shape):
        k = s._shards(spec[d]) if d < len(spec) else 1
        if n % k:
            raise ValueError(
                f"shard_map applied to the function '{fun_name}' was given argument arrays "
                f"with axis sizes that are not evenly divisible by the corresponding mesh "
                f"axis sizes: argument {i} of shape {shape} has dimension {d} of size {n}, "
                f"split by spec {spec} over {k} devices"
            )
        out.append(n // k)
    return tuple(out)


def _global_shape(mesh: Mesh, spec: PartitionSpec, shape: tuple, fun_name: str, i: int) -> tuple:
    if len(spec) > len(shape):
        raise ValueError(
            f"shard_map applied to the function '{fun_name}' was given an out_specs entry "
            f"{spec} of length {len(spec)} for output {i} of rank {len(shape)}"
        )
    s = NamedSharding(mesh, spec)
    return tuple(n * (s._shards(spec[d]) if d < len(spec) else 1) for d, n in enumerate(shape))


def _emit_shard_map(fun, mesh, in_specs, out_specs, args, fun_name):
    trace = core.current_trace()
    flat, in_tree = tree_util.tree_flatten(args)
    specs = sharding_impl.flatten_prefix(
        in_specs, args, "shard_map in_specs", _is_spec, lambda p: _check_spec(mesh, p, "in_specs")
    )
    core.note_mesh(mesh)
    # Entering and leaving the manual region are never evaluated eagerly
    # (values attached to a trace are of the whole program, not a device).
    concrete, trace.concrete = trace.concrete, False
    try:
        local = []
        for i, (x, spec) in enumerate(zip(flat, specs)):
            shape = core.aval_of(x).shape
            local.append(
                _shard_p.bind(
                    x,
                    mesh=mesh,
                    spec=spec,
                    shape=_local_shape(mesh, spec, shape, fun_name, i),
                    enter=True,
                )
            )

        def body(*xs):
            out = fun(*tree_util.tree_unflatten(in_tree, list(xs)))
            return out

        with parallel.axis_env(mesh):
            tf = core.trace_subfunction(body, [t.aval for t in local], "shard_map_body")
        # Values the body closes over are replicated inputs.
        captured = []
        for c in tf.captures:
            shape = c.aval.shape
            captured.append(
                _shard_p.bind(c, mesh=mesh, spec=PartitionSpec(), shape=shape, enter=True)
            )
        outs = _inline(trace, tf, local + captured)
        out_specs_flat = sharding_impl.flatten_prefix(
            out_specs,
            tree_util.tree_unflatten(tf.out_tree, [0] * len(outs)),
            "shard_map out_specs",
            _is_spec,
            lambda p: _check_spec(mesh, p, "out_specs"),
        )
        results = []
        for i, (o, spec) in enumerate(zip(outs, out_specs_flat)):
            results.append(
                _shard_p.bind(
                    o,
                    mesh=mesh,
                    spec=spec,
                    shape=_global_shape(mesh, spec, o.aval.shape, fun_name, i),
                    enter=False,
                )
            )
    finally:
        trace.concrete = concrete
    return tree_util.tree_unflatten(tf.out_tree, results)


def _inline(trace, tf, operands) -> list:
    """Moves the body of traced function `tf` to the end of `trace`'s block,
    its arguments replaced by `operands`; the tracers of its results."""
    func = tf.func
    block = func.regions[0].blocks[0]
    for arg, v in zip(block.arguments, operands):
        arg.replace_all_uses_with(trace.to_value(v)[0])
    ops = list(block.operations)
    ret = ops[-1]
    with trace.ip, trace.loc:
        anchor = m.ConstantOp(core.dense_attr(np.zeros((), np.float32))).operation
    for op in ops[:-1]:
        op.move_before(anchor)
    values = list(ret.operands)
    outs = [
        Tracer(trace, v, core.ShapedArray(a.shape, a.dtype, a.weak_type))
        for v, a in zip(values, tf.out_avals)
    ]
    anchor.erase()
    ret.erase()
    func.erase()
    return outs


def shard_map(
    f: Callable | None = None,
    /,
    *,
    mesh: Mesh,
    in_specs: Any,
    out_specs: Any,
    check_rep: bool = True,
    check_vma: bool = True,
    auto: Any = frozenset(),
    axis_names: Any = None,
) -> Callable:
    """Maps `f` over the blocks of its inputs that `in_specs` give each
    device of `mesh` (PartitionSpecs, a tree prefix of the arguments);
    `out_specs` say how the per-device outputs are assembled. Inside `f`
    the mesh's axis names are bound for the collectives (psum, ...)."""
    if f is None:
        return lambda g: shard_map(
            g,
            mesh=mesh,
            in_specs=in_specs,
            out_specs=out_specs,
            check_rep=check_rep,
            check_vma=check_vma,
            auto=auto,
            axis_names=axis_names,
        )
    if not callable(f):
        raise TypeError(f"shard_map requires a callable for its first argument, got {f!r}")
    if not isinstance(mesh, Mesh):
        raise TypeError(
            f"shard_map requires an mlax.sharding.Mesh for mesh=, got {type(mesh).__name__}"
        )
    if auto or (axis_names is not None and set(axis_names) != set(mesh.axis_names)):
        raise NotImplementedError(
            "shard_map over part of the mesh's axes (auto=, axis_names=) is not supported"
        )
    name = getattr(f, "__name__", type(f).__name__)
    jitted: list = []

    @functools.wraps(f)
    def wrapped(*args):
        if core.current_trace() is not None:
            return _emit_shard_map(f, mesh, in_specs, out_specs, args, name)
        if not jitted:
            from mlax._src import api

            jitted.append(
                api.JitFunction(lambda *a: _emit_shard_map(f, mesh, in_specs, out_specs, a, name))
            )
        return jitted[0](*args)

    return wrapped
