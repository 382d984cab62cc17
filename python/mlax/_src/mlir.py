"""The one MLIR context mlax traces into, and type helpers."""

from __future__ import annotations

import functools
import threading
from typing import Sequence

import numpy as np

from mlax._src import dtypes
from mlax.mlir import ir, passmanager
from mlax.mlir.dialects import mlax as mlax_d

_context: ir.Context | None = None
_context_lock = threading.Lock()


def context() -> ir.Context:
    """The shared context, with the mlax and func dialects loaded. Threads
    share it: MLIR uniques types and attributes under its own locks, and each
    thread builds and transforms only modules of its own."""
    global _context
    if _context is None:
        with _context_lock:
            if _context is None:
                ctx = ir.Context()
                # MLIR's thread pool (parallel verification, passes over
                # several functions) costs more than it gains on mlax's
                # modules: waking workers is ~100 us per verify, while
                # mlax's programs are one function after inlining. Python
                # threads still share the context safely: every MLIR call
                # from Python holds the GIL, so only one thread is in MLIR
                # at a time (the uniquers' locks are for MLIR's workers).
                ctx.enable_multithreading(False)
                mlax_d.register_dialects(ctx)
                mlax_d.register_passes()
                _context = ctx
    return _context


@functools.lru_cache(maxsize=None)
def element_type(dtype: np.dtype) -> ir.Type:
    return ir.Type.parse(dtypes.mlir_element_name(dtype), context())


@functools.lru_cache(maxsize=4096)
def tensor_type(shape: tuple[int, ...], dtype: np.dtype) -> ir.RankedTensorType:
    with context():
        return ir.RankedTensorType.get(list(shape), element_type(np.dtype(dtype)))


def aval_of_type(type_: ir.Type) -> tuple[tuple[int, ...], np.dtype]:
    t = ir.RankedTensorType(type_)
    return tuple(t.shape), dtypes.from_mlir_element_name(str(t.element_type))


def i64_array(values: Sequence[int]) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values], context())


_PIPELINES = threading.local()


def run_pipeline(module: ir.Module, pipeline: str) -> None:
    """Runs a textual pass pipeline over `module` (parsed once per thread: a
    PassManager holds per-run state and is not shared between threads)."""
    cache = getattr(_PIPELINES, "managers", None)
    if cache is None:
        cache = _PIPELINES.managers = {}
    pm = cache.get(pipeline)
    if pm is None:
        pm = passmanager.PassManager.parse(pipeline, context())
        cache[pipeline] = pm
    pm.run(module.operation)


def export_stablehlo(module: ir.Module | ir.Operation, platform: str = "cpu") -> str:
    """StableHLO text of `module` (or a builtin.module operation) for
    `platform` (which picks the kernels of the linear algebra ops: LAPACK
    custom calls on CPU)."""
    with module.context:
        module.operation.attributes["mlax.platform"] = ir.StringAttr.get(platform)
    try:
        return mlax_d.export_stablehlo(module.operation)
    finally:
        del module.operation.attributes["mlax.platform"]
