"""Batching, mlax vs jax in one process, as ratios (mlax / jax).

- jit per-example gradients (batch 64) of the tutorial's TD(0) loss;
- matrix-Jacobian products with 128 covectors: vmap of the vjp vs a Python
  loop over vjp_fun (eager, as in the tutorial);
- jit(hessian) of a 64-dimensional function.
"""

from __future__ import annotations

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best as _best
from _timing import compare_cases


def td_loss(np_mod, stop_gradient):
    def loss(theta, s_tm1, r_t, s_t):
        v_tm1 = np_mod.dot(theta, s_tm1)
        target = r_t + np_mod.dot(theta, s_t)
        return -0.5 * ((stop_gradient(target) - v_tm1) ** 2)

    return loss


def predictor(np_mod, inputs, b):
    return lambda W: 0.5 * (np_mod.tanh((inputs @ W + b) / 2) + 1)


def hess_fn(np_mod):
    return lambda x: np_mod.sum(np_mod.tanh(x) ** 2 * np_mod.sin(x)) + np_mod.sum(x) ** 2


def main():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=3).astype(np.float32)
    s_tm1 = rng.normal(size=(64, 3)).astype(np.float32)
    r_t = rng.normal(size=64).astype(np.float32)
    s_t = rng.normal(size=(64, 3)).astype(np.float32)
    inputs = rng.normal(size=(4, 3)).astype(np.float32)
    W = rng.normal(size=3).astype(np.float32)
    U = rng.normal(size=(128, 4)).astype(np.float32)
    x64 = rng.normal(size=64).astype(np.float32)

    cases = [
        (
            "jit per-example grads, TD(0), batch 64",
            lambda: mlax.jit(
                mlax.vmap(mlax.grad(td_loss(jnp, mlax.lax.stop_gradient)), (None, 0, 0, 0))
            ),
            lambda: jax.jit(
                jax.vmap(jax.grad(td_loss(jref, jax.lax.stop_gradient)), (None, 0, 0, 0))
            ),
            (theta, s_tm1, r_t, s_t),
        ),
        (
            "jit(hessian), 64-dim",
            lambda: mlax.jit(mlax.hessian(hess_fn(jnp))),
            lambda: jax.jit(jax.hessian(hess_fn(jref))),
            (x64,),
        ),
    ]
    compare_cases(cases, width=40)

    # Eager, as the tutorial runs them: loop over covectors vs one vmap.
    b = np.float32(0.1)
    fm, fj = predictor(jnp, inputs, b), predictor(jref, inputs, b)

    def loop_m():
        _, pull = mlax.vjp(fm, W)
        return jnp.stack([pull(u)[0] for u in U])

    def vmap_m():
        _, pull = mlax.vjp(fm, W)
        return mlax.vmap(pull)(U)[0]

    def loop_j():
        _, pull = jax.vjp(fj, W)
        return jref.stack([pull(u)[0] for u in U])

    def vmap_j():
        _, pull = jax.vjp(fj, W)
        return jax.vmap(pull)(U)[0]

    np.testing.assert_allclose(np.asarray(vmap_m()), np.asarray(vmap_j()), rtol=1e-4, atol=1e-6)
    for name, m, j in (
        ("eager MJP, 128 covectors, Python loop", loop_m, loop_j),
        ("eager MJP, 128 covectors, vmap", vmap_m, vmap_j),
    ):
        tm = _best(lambda: np.asarray(m()), min_time=2.0, repeat=3)
        tj = _best(lambda: np.asarray(j()), min_time=2.0, repeat=3)
        print(f"{name:40s} {tm * 1e3:9.3f}/{tj * 1e3:8.3f} ms {tm / tj:6.2f}")


if __name__ == "__main__":
    main()
