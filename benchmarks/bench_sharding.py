"""A data-parallel MLP training step over 8 devices, mlax vs jax in one
process: parameters replicated, the batch split over a ('data',) mesh, one
jitted SGD step (grad of the mean squared error, XLA's SPMD partitioner
inserting the gradient all-reduce). Steady time per step and first call
(trace + transform + compile + run).

On a CPU machine the 8 devices are virtual (this script sets XLA_FLAGS
before jaxlib starts); on a machine with 8 GPUs, run it with
MLAX_BENCH_REAL_DEVICES=1 to use them.
Run: cd benchmarks && ../.venv/bin/python bench_sharding.py
"""

from __future__ import annotations

import os

if not os.environ.get("MLAX_BENCH_REAL_DEVICES"):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
    )

import jax  # noqa: E402
import jax.numpy as jref  # noqa: E402
import mlax  # noqa: E402
import mlax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _timing import best, first_call  # noqa: E402

SIZES = [(256, 512, 512, 10), (1024, 1024, 1024, 10)]  # batch, in, hidden, out


def make_step(np_, mod, sharding_mod, mesh):
    """A factory of fresh jitted steps (new functions: nothing cached)."""
    repl = sharding_mod.NamedSharding(mesh, sharding_mod.PartitionSpec())
    data = sharding_mod.NamedSharding(mesh, sharding_mod.PartitionSpec("data"))

    def make():
        def loss(params, x, y):
            w1, b1, w2 = params
            h = np_.tanh(x @ w1 + b1)
            return np_.mean((h @ w2 - y) ** 2)

        def step(params, x, y):
            g = mod.grad(loss)(params, x, y)
            return tuple(p - 0.01 * d for p, d in zip(params, g))

        return mod.jit(step, in_shardings=((repl,) * 3, data, data), out_shardings=(repl,) * 3)

    return make


def main() -> None:
    n = mlax.device_count()
    assert n >= 8, f"needs 8 devices, got {n}"
    mm = mlax.make_mesh((8,), ("data",))
    jm = jax.sharding.Mesh(np.array(jax.devices()[:8]), ("data",))
    print(f"devices: {n} x {mlax.devices()[0].device_kind}")
    print(
        "| batch x in x hidden | mlax steady | jax steady | ratio | mlax first | jax first | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for b, i, h, o in SIZES:
        rng = np.random.default_rng(0)
        params = (
            rng.normal(size=(i, h)).astype(np.float32) * 0.05,
            np.zeros(h, np.float32),
            rng.normal(size=(h, o)).astype(np.float32) * 0.05,
        )
        x = rng.normal(size=(b, i)).astype(np.float32)
        y = rng.normal(size=(b, o)).astype(np.float32)
        mk_m = make_step(jnp, mlax, mlax.sharding, mm)
        mk_j = make_step(jref, jax, jax.sharding, jm)
        fm, fj = mk_m(), mk_j()
        xm = mlax.device_put(x, mlax.sharding.NamedSharding(mm, mlax.P("data")))
        ym = mlax.device_put(y, mlax.sharding.NamedSharding(mm, mlax.P("data")))
        xj = jax.device_put(x, jax.sharding.NamedSharding(jm, jax.P("data")))
        yj = jax.device_put(y, jax.sharding.NamedSharding(jm, jax.P("data")))
        pm = mlax.device_put(params, mlax.sharding.NamedSharding(mm, mlax.P()))
        pj = jax.device_put(params, jax.sharding.NamedSharding(jm, jax.P()))
        for a, r in zip(fm(pm, xm, ym), fj(pj, xj, yj)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(r), rtol=2e-4, atol=1e-5)
        tm = best(lambda: mlax.block_until_ready(fm(pm, xm, ym)))
        tj = best(lambda: jax.block_until_ready(fj(pj, xj, yj)))
        cm = first_call(mk_m, (pm, xm, ym))
        cj = first_call(mk_j, (pj, xj, yj))
        print(
            f"| {b} x {i} x {h} | {tm * 1e3:.2f} ms | {tj * 1e3:.2f} ms | {tm / tj:.2f} "
            f"| {cm * 1e3:.0f} ms | {cj * 1e3:.0f} ms | {cm / cj:.2f} |"
        )


if __name__ == "__main__":
    main()
