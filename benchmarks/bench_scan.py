"""lax.scan under reverse mode, mlax vs jax in one process, as ratios:

- jit(grad) of a 1,000-step RNN (hidden 128, batch 32, tanh cell) w.r.t. its
  weights, its initial state and its inputs;
- jit(grad) of a 10,000-step scalar ODE (explicit Euler of dy/dt = -k y +
  sin(t)) w.r.t. k and y0;
- jit(grad) of cumsum over 4,096 elements (associative_scan).
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


def rnn(np_mod, lax):
    def loss(w, u, h0, xs):
        def cell(h, x):
            h = np_mod.tanh(h @ w + x @ u)
            return h, np_mod.sum(h * h)

        h, ys = lax.scan(cell, h0, xs)
        return np_mod.sum(h) + np_mod.sum(ys)

    return loss


def ode(np_mod, lax, steps=10_000, dt=1e-3):
    def final(k, y0):
        def step(c, _):
            y, t = c
            return (y + dt * (-k * y + np_mod.sin(t)), t + dt), None

        (y, _), _ = lax.scan(step, (y0, np_mod.float32(0.0)), None, length=steps)
        return y

    return final


def cumsum_loss(np_mod):
    return lambda x: np_mod.sum(np_mod.sin(np_mod.cumsum(x)))


def main():
    rng = np.random.default_rng(0)
    w = (rng.normal(size=(128, 128)) / np.sqrt(128)).astype(np.float32)
    u = (rng.normal(size=(64, 128)) / 8).astype(np.float32)
    h0 = np.zeros((32, 128), np.float32)
    xs = rng.normal(size=(1000, 32, 64)).astype(np.float32)
    x = (rng.normal(size=4096) * 0.1).astype(np.float32)
    cases = [
        (
            "jit(grad) RNN scan 1000x(32,128)",
            lambda: mlax.jit(mlax.grad(rnn(jnp, mlax.lax), argnums=(0, 1, 2, 3))),
            lambda: jax.jit(jax.grad(rnn(jref, jax.lax), argnums=(0, 1, 2, 3))),
            (w, u, h0, xs),
        ),
        (
            "jit(grad) ODE scan 10000 steps",
            lambda: mlax.jit(mlax.grad(ode(jnp, mlax.lax), argnums=(0, 1))),
            lambda: jax.jit(jax.grad(ode(jref, jax.lax), argnums=(0, 1))),
            (np.float32(0.7), np.float32(1.0)),
        ),
        (
            "jit(grad) cumsum 4096",
            lambda: mlax.jit(mlax.grad(cumsum_loss(jnp))),
            lambda: jax.jit(jax.grad(cumsum_loss(jref))),
            (x,),
        ),
    ]
    compare_cases(cases, width=34)


if __name__ == "__main__":
    main()
