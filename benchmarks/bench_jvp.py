"""jit(jvp) mlax vs jax in one process, as ratios (mlax time / jax time).

- MLP: batch 128, layers 256-512-512-10, tanh; jvp w.r.t. all parameters;
- chain: 300 unrolled steps of x = tanh(x * w + b) on a 128-vector.
Each: steady-state time per call, and first-call time (trace + transform +
compile) of a fresh function.
"""

from __future__ import annotations

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best_pair
from _timing import first_call as _first_call


def mlp_case(np_mod, jit, jvp):
    def mlp(params, x):
        for w, b in params[:-1]:
            x = np_mod.tanh(x @ w + b)
        w, b = params[-1]
        return x @ w + b

    def make():
        return jit(lambda p, tp, x: jvp(lambda q: mlp(q, x), (p,), (tp,)))

    return make


def chain_case(np_mod, jit, jvp, steps=300):
    def chain(w, b, x):
        for _ in range(steps):
            x = np_mod.tanh(x * w + b)
        return x

    def make():
        return jit(lambda w, b, x, tw: jvp(lambda v: chain(v, b, x), (w,), (tw,)))

    return make


def main():
    rng = np.random.default_rng(0)
    sizes = [256, 512, 512, 10]
    params = [
        (rng.normal(size=(m, n)).astype(np.float32) / np.sqrt(m), np.zeros(n, np.float32))
        for m, n in zip(sizes[:-1], sizes[1:])
    ]
    tparams = [(np.ones_like(w), np.ones_like(b)) for w, b in params]
    x = rng.normal(size=(128, 256)).astype(np.float32)
    v = rng.normal(size=128).astype(np.float32)
    w, b = np.float32(0.9) * np.ones(128, np.float32), np.full(128, 0.1, np.float32)

    cases = [
        (
            "MLP 256-512-512-10, batch 128",
            mlp_case(jnp, mlax.jit, mlax.jvp),
            mlp_case(jref, jax.jit, jax.jvp),
            (params, tparams, x),
        ),
        (
            "300-step tanh chain",
            chain_case(jnp, mlax.jit, mlax.jvp),
            chain_case(jref, jax.jit, jax.jvp),
            (w, b, v, np.ones_like(w)),
        ),
    ]
    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(f"{'jit(jvp)':32s} {'what':12s} {'mlax':>10s} {'jax':>10s} {'ratio':>7s}")
    for name, make_m, make_j, args in cases:
        fm, fj = make_m(), make_j()
        am = jax.tree_util.tree_map(jnp.asarray, args)
        aj = jax.tree_util.tree_map(jax.device_put, args)
        om, oj = fm(*am), fj(*aj)
        for a, b_ in zip(jax.tree_util.tree_leaves(om), jax.tree_util.tree_leaves(oj)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b_), rtol=2e-3, atol=2e-3)
        tm, tj = best_pair(
            lambda: mlax.block_until_ready(fm(*am)), lambda: jax.block_until_ready(fj(*aj))
        )
        print(f"{name:32s} {'steady':12s} {tm * 1e3:8.3f}ms {tj * 1e3:8.3f}ms {tm / tj:7.2f}")
        cm = _first_call(make_m, args)
        cj = _first_call(make_j, args)
        print(f"{name:32s} {'first call':12s} {cm * 1e3:8.1f}ms {cj * 1e3:8.1f}ms {cm / cj:7.2f}")


if __name__ == "__main__":
    main()
