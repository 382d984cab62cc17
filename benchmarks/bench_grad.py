"""Reverse mode, mlax vs jax in one process, as ratios (mlax / jax).

- jit(grad) of an MLP loss (batch 128, 256-512-512-10, tanh);
- jit(grad) of a 300-step unrolled tanh chain;
- the tutorial's HVP variants (forward-over-reverse, reverse-over-forward,
  reverse-over-reverse) on f(X) = sum(tanh(X)^2), X of shape (30, 40).
Steady-state time per call, first-call time (trace + transform + compile),
and the size of the StableHLO each sends to XLA (op count).
"""

from __future__ import annotations

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import compare_cases


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

    compare_cases(cases, width=32)


if __name__ == "__main__":
    main()
