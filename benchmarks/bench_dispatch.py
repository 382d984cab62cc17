"""Per-call overhead, mlax vs jax in one process, as ratios (mlax / jax).

Cached jitted calls (1, 4 and 16 arguments, device arrays and numpy; a dict
of 8 arrays; a static argument; 3 outputs), eager ops (jnp.sin, x + y,
x[1:3], x.at[0].set(1.)), eager grad and vmap of a 3-op function, the small
jitted transformations users call in loops, first calls, and a second
process with a warm disk cache (mlax_compilation_cache_dir).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import textwrap

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best_pair, first_call


def _pair(fm, fj, args_m, args_j):
    return (lambda: fm(*args_m)), (lambda: fj(*args_j))


def cases():
    x = np.linspace(-1, 1, 3).astype(np.float32)
    xm, xj = jnp.asarray(x), jax.device_put(x)
    out = []

    def jit_n(n, numpy_args):
        fm = mlax.jit(lambda *a: sum(a[1:], a[0]))
        fj = jax.jit(lambda *a: sum(a[1:], a[0]))
        am = [x] * n if numpy_args else [xm] * n
        aj = [x] * n if numpy_args else [xj] * n
        return _pair(fm, fj, am, aj)

    for n in (1, 4, 16):
        out.append((f"jit, {n} device arrays", *jit_n(n, False)))
        out.append((f"jit, {n} numpy arrays", *jit_n(n, True)))
    dm = {f"k{i}": xm for i in range(8)}
    dj = {f"k{i}": xj for i in range(8)}
    out.append(
        (
            "jit, dict of 8 arrays",
            *_pair(
                mlax.jit(lambda d: d["k0"] * d["k7"]),
                jax.jit(lambda d: d["k0"] * d["k7"]),
                [dm],
                [dj],
            ),
        )
    )
    out.append(
        (
            "jit, static argument",
            *_pair(
                mlax.jit(lambda a, n: a * n, static_argnums=1),
                jax.jit(lambda a, n: a * n, static_argnums=1),
                [xm, 3],
                [xj, 3],
            ),
        )
    )
    out.append(
        (
            "jit, 3 outputs",
            *_pair(
                mlax.jit(lambda a: (a + 1, a * 2, a - 3)),
                jax.jit(lambda a: (a + 1, a * 2, a - 3)),
                [xm],
                [xj],
            ),
        )
    )
    out.append(("eager jnp.sin", lambda: jnp.sin(xm), lambda: jref.sin(xj)))
    out.append(("eager x + y", lambda: xm + xm, lambda: xj + xj))
    out.append(("eager x[1:3]", lambda: xm[1:3], lambda: xj[1:3]))
    out.append(("eager x.at[0].set(1.)", lambda: xm.at[0].set(1.0), lambda: xj.at[0].set(1.0)))
    out.append(
        (
            "eager 3 ops",
            lambda: jnp.tanh(jnp.sin(xm) * xm),
            lambda: jref.tanh(jref.sin(xj) * xj),
        )
    )
    three_m = lambda a: jnp.sum(jnp.tanh(jnp.sin(a) * a))  # noqa: E731
    three_j = lambda a: jref.sum(jref.tanh(jref.sin(a) * a))  # noqa: E731
    out.append(("eager grad, 3 ops", lambda: mlax.grad(three_m)(xm), lambda: jax.grad(three_j)(xj)))
    out.append(
        (
            "eager vmap, 3 ops",
            lambda: mlax.vmap(three_m)(xm[:, None]),
            lambda: jax.vmap(three_j)(xj[:, None]),
        )
    )

    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 4)).astype(np.float32)
    xs = rng.normal(size=(64, 8)).astype(np.float32)

    def loss(np_mod):
        return lambda w, x: np_mod.sum(np_mod.tanh(x @ w) ** 2)

    out.append(
        (
            "jit(vmap(grad)) B=64",
            *_pair(
                mlax.jit(mlax.vmap(mlax.grad(loss(jnp)), in_axes=(None, 0))),
                jax.jit(jax.vmap(jax.grad(loss(jref)), in_axes=(None, 0))),
                [jnp.asarray(w), jnp.asarray(xs)],
                [jax.device_put(w), jax.device_put(xs)],
            ),
        )
    )
    X = rng.normal(size=(30, 40)).astype(np.float32)
    V = rng.normal(size=(30, 40)).astype(np.float32)

    def hvp(np_mod, grad, jvp):
        f = lambda x: np_mod.sum(np_mod.tanh(x) ** 2)  # noqa: E731
        return lambda x, v: jvp(grad(f), (x,), (v,))[1]

    out.append(
        (
            "jit HVP fwd-over-rev (30,40)",
            *_pair(
                mlax.jit(hvp(jnp, mlax.grad, mlax.jvp)),
                jax.jit(hvp(jref, jax.grad, jax.jvp)),
                [jnp.asarray(X), jnp.asarray(V)],
                [jax.device_put(X), jax.device_put(V)],
            ),
        )
    )
    return out


def bench_first_calls():
    def make(np_mod, jit):
        def mlp(w1, w2, x):
            return np_mod.sum(np_mod.tanh(np_mod.tanh(x @ w1) @ w2))

        return lambda: jit(lambda *a: mlp(*a))

    args = (
        np.ones((64, 64), np.float32),
        np.ones((64, 8), np.float32),
        np.ones((16, 64), np.float32),
    )
    return first_call(make(jnp, mlax.jit), args), first_call(make(jref, jax.jit), args)


_WARM = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import mlax, mlax.numpy as jnp
    from mlax._src import runtime
    mlax.config.update("mlax_compilation_cache_dir", sys.argv[1])
    t0 = time.perf_counter()
    f = mlax.jit(mlax.grad(lambda w, x: jnp.sum(jnp.tanh(jnp.tanh(x @ w) @ w.T) ** 2)))
    np.asarray(f(np.ones((64, 64), np.float32), np.ones((16, 64), np.float32)))
    print(json.dumps({"s": time.perf_counter() - t0, **runtime.compile_stats}))
    """
)


def bench_disk_cache():
    with tempfile.TemporaryDirectory() as d:
        runs = [
            json.loads(subprocess.check_output([sys.executable, "-c", _WARM, d], text=True))
            for _ in range(2)
        ]
    return runs


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(f"{'benchmark':30s} {'mlax':>9s} {'jax':>9s} {'ratio':>6s}")
    ratios = []
    for name, fm, fj in cases():
        tm, tj = best_pair(fm, fj)
        ratios.append(tm / tj)
        print(f"{name:30s} {tm * 1e6:7.1f}us {tj * 1e6:7.1f}us {tm / tj:6.2f}")
    print(f"{'geomean (steady)':30s} {'':9s} {'':9s} {math.exp(np.mean(np.log(ratios))):6.2f}")
    cm, cj = bench_first_calls()
    print(f"{'first call, MLP':30s} {cm * 1e3:7.1f}ms {cj * 1e3:7.1f}ms {cm / cj:6.2f}")
    cold, warm = bench_disk_cache()
    print(
        f"new process, jit(grad): cold {cold['s'] * 1e3:.0f} ms ({cold['xla']} XLA compiles), "
        f"warm disk cache {warm['s'] * 1e3:.0f} ms ({warm['xla']} XLA compiles, "
        f"{warm['disk_hits']} loaded)"
    )


if __name__ == "__main__":
    main()
