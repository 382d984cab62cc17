"""Reverse mode, mlax vs jax in one process, as ratios (mlax / jax).

- jit(grad) of an MLP loss (batch 128, 256-512-512-10, tanh);
- jit(grad) of a 300-step unrolled tanh chain;
- the tutorial's HVP variants (forward-over-reverse, reverse-over-forward,
  reverse-over-reverse) on f(X) = sum(tanh(X)^2), X of shape (30, 40).
Steady-state time per call, first-call time (trace + transform + compile),
and the size of the StableHLO each sends to XLA (op count).
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best as _best
from _timing import first_call as _first_call


def mlp_loss(np_mod):
    def loss(params, x, y):
        for w, b in params[:-1]:
            x = np_mod.tanh(x @ w + b)
        w, b = params[-1]
        return np_mod.mean((x @ w + b - y) ** 2)

    return loss


def chain(np_mod, steps=300):
    def f(w, b, x):
        for _ in range(steps):
            x = np_mod.tanh(x * w + b)
        return np_mod.sum(x)

    return f


def hvps(np_mod, grad, jvp):
    f = lambda X: np_mod.sum(np_mod.tanh(X) ** 2)  # noqa: E731
    fwd_rev = lambda X, V: jvp(grad(f), (X,), (V,))[1]  # noqa: E731
    rev_fwd = lambda X, V: grad(lambda Y: jvp(f, (Y,), (V,))[1])(X)  # noqa: E731
    rev_rev = lambda X, V: grad(lambda Y: np_mod.sum(grad(f)(Y) * V))(X)  # noqa: E731
    return {
        "HVP fwd-over-rev (30,40)": fwd_rev,
        "HVP rev-over-fwd (30,40)": rev_fwd,
        "HVP rev-over-rev (30,40)": rev_rev,
    }


def _ops(text: str) -> int:
    return len(re.findall(r'(?:"?stablehlo\.|"?chlo\.)\w+', text))


def main():
    rng = np.random.default_rng(0)
    sizes = [256, 512, 512, 10]
    params = [
        (rng.normal(size=(m, n)).astype(np.float32) / np.sqrt(m), np.zeros(n, np.float32))
        for m, n in zip(sizes[:-1], sizes[1:])
    ]
    x = rng.normal(size=(128, 256)).astype(np.float32)
    y = rng.normal(size=(128, 10)).astype(np.float32)
    w, b = np.full(128, 0.9, np.float32), np.full(128, 0.1, np.float32)
    v = rng.normal(size=128).astype(np.float32)
    X = rng.normal(size=(30, 40)).astype(np.float32)
    V = rng.normal(size=(30, 40)).astype(np.float32)

    cases = [
        (
            "jit(grad) MLP, batch 128",
            lambda: mlax.jit(mlax.grad(mlp_loss(jnp))),
            lambda: jax.jit(jax.grad(mlp_loss(jref))),
            (params, x, y),
        ),
        (
            "jit(grad) 300-step tanh chain",
            lambda: mlax.jit(mlax.grad(chain(jnp))),
            lambda: jax.jit(jax.grad(chain(jref))),
            (w, b, v),
        ),
    ]
    hm, hj = hvps(jnp, mlax.grad, mlax.jvp), hvps(jref, jax.grad, jax.jvp)
    for name in hm:
        # Fresh wrappers each time, so that neither side reuses a cache.
        cases.append(
            (
                name,
                lambda n=name: mlax.jit(lambda a, c: hm[n](a, c)),
                lambda n=name: jax.jit(lambda a, c: hj[n](a, c)),
                (X, V),
            )
        )

    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(
        f"{'benchmark':32s} {'steady mlax/jax':>24s} {'ratio':>6s} {'first call mlax/jax':>22s} "
        f"{'ratio':>6s} {'HLO ops':>12s}"
    )
    for name, make_m, make_j, args in cases:
        fm, fj = make_m(), make_j()
        am = jax.tree_util.tree_map(jnp.asarray, args)
        aj = jax.tree_util.tree_map(jax.device_put, args)
        for a, b_ in zip(jax.tree_util.tree_leaves(fm(*am)), jax.tree_util.tree_leaves(fj(*aj))):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b_), rtol=2e-3, atol=2e-4)
        tm = _best(lambda: jax.tree_util.tree_map(lambda o: o.block_until_ready(), fm(*am)))
        tj = _best(lambda: jax.block_until_ready(fj(*aj)))
        cm = _first_call(make_m, args, repeat=2)
        cj = _first_call(make_j, args, repeat=2)
        ops_m = _ops(fm.lower(*am).as_text("stablehlo"))
        ops_j = _ops(fj.lower(*aj).as_text())
        print(
            f"{name:32s} {tm * 1e3:10.3f}/{tj * 1e3:8.3f} ms {tm / tj:6.2f} "
            f"{cm * 1e3:9.0f}/{cj * 1e3:7.0f} ms {cm / cj:6.2f} {ops_m:5d}/{ops_j:<5d}"
        )


if __name__ == "__main__":
    main()
