"""mlax vs jax in one process, reported as ratios (mlax time / jax time).

- dispatch: a cached jitted call of a tiny function (x + 1 on 3 floats),
  inputs already on the device;
- tanh(x @ y) at 512x512 float32: steady-state time per call;
- compile: first call (trace + optimize + export + PJRT compile) of a small
  MLP-style function.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best_pair, first_call


def bench_dispatch():
    xm = jnp.asarray(np.ones(3, np.float32))
    xj = jax.device_put(np.ones(3, np.float32))
    fm = mlax.jit(lambda x: x + 1)
    fj = jax.jit(lambda x: x + 1)
    return best_pair(lambda: fm(xm), lambda: fj(xj))


def bench_matmul_tanh(n=512):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(n, n)).astype(np.float32)
    b = rng.normal(size=(n, n)).astype(np.float32)
    am, bm = jnp.asarray(a), jnp.asarray(b)
    aj, bj = jax.device_put(a), jax.device_put(b)
    fm = mlax.jit(lambda x, y: jnp.tanh(x @ y))
    fj = jax.jit(lambda x, y: jref.tanh(x @ y))
    np.testing.assert_allclose(np.asarray(fm(am, bm)), np.asarray(fj(aj, bj)), rtol=1e-4, atol=1e-4)
    return best_pair(lambda: fm(am, bm).block_until_ready(), lambda: fj(aj, bj).block_until_ready())


def bench_compile():
    def make(np_mod, jit):
        def mlp(w1, w2, x):
            h = np_mod.tanh(x @ w1)
            return np_mod.sum(np_mod.tanh(h @ w2) * 0.5 + 1.0)

        return lambda: jit(lambda *a: mlp(*a))  # a fresh function: nothing cached

    args = (
        np.ones((64, 64), np.float32),
        np.ones((64, 8), np.float32),
        np.ones((16, 64), np.float32),
    )
    return first_call(make(jnp, mlax.jit), args), first_call(make(jref, jax.jit), args)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(f"{'benchmark':34s} {'mlax':>11s} {'jax':>11s} {'ratio':>7s}")
    for name, fn, unit, scale in [
        ("cached jit dispatch (3 floats)", bench_dispatch, "us", 1e6),
        ("tanh(x @ y), 512x512 f32", bench_matmul_tanh, "ms", 1e3),
        ("first call (trace+compile), MLP", bench_compile, "ms", 1e3),
    ]:
        tm, tj = fn()
        print(f"{name:34s} {tm * scale:9.2f}{unit} {tj * scale:9.2f}{unit} {tm / tj:7.2f}")


if __name__ == "__main__":
    main()
