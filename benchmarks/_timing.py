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


def best_pair(fm, fj, min_time: float = 1.0, repeat: int = 10) -> tuple[float, float]:
    """best() of two functions with their rounds interleaved, so that a
    shared machine's slow spells fall on both alike."""
    fm()
    fj()
    result = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((fm, fj)):
            n, t0 = 0, time.perf_counter()
            while True:
                fn()
                n += 1
                dt = time.perf_counter() - t0
                if dt >= min_time / (2 * repeat):
                    break
            result[i] = min(result[i], dt / n)
    return result[0], result[1]


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


def hlo_ops(text: str) -> int:
    """StableHLO / CHLO ops in a module's text."""
    import re

    return len(re.findall(r'(?:"?stablehlo\.|"?chlo\.)\w+', text))


def compare_cases(cases, width: int = 32) -> None:
    """For each (name, make_mlax, make_jax, args): checks the two agree, then
    prints steady-state and first-call times and the HLO op counts."""
    import mlax
    import mlax.numpy as mnp

    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(
        f"{'benchmark':{width}s} {'steady mlax/jax':>24s} {'ratio':>6s} "
        f"{'first call mlax/jax':>22s} {'ratio':>6s} {'HLO ops':>12s}"
    )
    for name, make_m, make_j, args in cases:
        fm, fj = make_m(), make_j()
        am = jax.tree_util.tree_map(mnp.asarray, args)
        aj = jax.tree_util.tree_map(jax.device_put, args)
        for a, b in zip(jax.tree_util.tree_leaves(fm(*am)), jax.tree_util.tree_leaves(fj(*aj))):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-3, atol=2e-4)
        tm, tj = best_pair(
            lambda: mlax.block_until_ready(fm(*am)), lambda: jax.block_until_ready(fj(*aj))
        )
        cm = first_call(make_m, args, repeat=2)
        cj = first_call(make_j, args, repeat=2)
        ops_m = hlo_ops(fm.lower(*am).as_text("stablehlo"))
        ops_j = hlo_ops(fj.lower(*aj).as_text())
        print(
            f"{name:{width}s} {tm * 1e3:10.3f}/{tj * 1e3:8.3f} ms {tm / tj:6.2f} "
            f"{cm * 1e3:9.0f}/{cj * 1e3:7.0f} ms {cm / cj:6.2f} {ops_m:5d}/{ops_j:<5d}"
        )
