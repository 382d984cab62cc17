"""Timing helpers shared by the benchmarks (mlax and jax measured alike)."""

from __future__ import annotations

import time

import jax
import numpy as np


def best(fn, min_time: float = 1.0, repeat: int = 5) -> float:
    """Best per-call time over `repeat` rounds of at least min_time/repeat s."""
    fn()  # warm up
    result = float("inf")
    for _ in range(repeat):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= min_time / repeat:
                break
        result = min(result, dt / n)
    return result


def first_call(make, args, repeat: int = 3) -> float:
    """Best time of the first call of a freshly made function (trace,
    transform, compile, run); mlax's executable cache is cleared each time."""
    from mlax._src import core

    result = float("inf")
    for _ in range(repeat):
        core._EXECUTABLES.clear()  # measure a real first call, not a cache hit
        f = make()
        t0 = time.perf_counter()
        jax.tree_util.tree_map(np.asarray, f(*args))
        result = min(result, time.perf_counter() - t0)
    return result
