"""Gather / scatter through indexing, mlax vs jax in one process (ratios
mlax / jax), CPU:

- embedding lookup `table[ids]` (50000 x 128 table, 4096 ids);
- its gradient (scatter-add of 4096 rows);
- `x.at[ids].add(v)` (segment sum into 1000 rows of 64);
- `x.at[:, cols].set(0)` (column update);
- vmap of `dynamic_slice` with per-example starts (a batched gather).
"""

from __future__ import annotations

import jax
import mlax
import numpy as np
from _timing import best_pair
from _timing import first_call as _first_call
from mlax import lax


def main():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(50000, 128)).astype(np.float32)
    ids = rng.integers(0, 50000, size=4096).astype(np.int32)
    seg = rng.integers(0, 1000, size=8192).astype(np.int32)
    vals = rng.normal(size=(8192, 64)).astype(np.float32)
    x = rng.normal(size=(512, 512)).astype(np.float32)
    cols = rng.integers(0, 512, size=64).astype(np.int32)
    starts = rng.integers(0, 448, size=256).astype(np.int32)
    rows = rng.normal(size=(256, 512)).astype(np.float32)
    cases = [
        ("embedding lookup table[ids]", lambda t, i: t[i], (table, ids)),
        (
            "grad of sum(table[ids]**2)",
            lambda m: m.grad(lambda t, i: (t[i] ** 2).sum()),
            (table, ids),
        ),
        (
            "segment sum zeros.at[seg].add(v)",
            lambda t, i: (t * 0).at[i].add(vals[:, :64]),
            (np.zeros((1000, 64), np.float32), seg),
        ),
        ("column update x.at[:, cols].set(0)", lambda x, c: x.at[:, c].set(0.0), (x, cols)),
        ("vmap dynamic_slice, 256 starts", None, (rows, starts)),
    ]
    print(f"{'benchmark':40s} {'mlax':>10s} {'jax':>10s} {'ratio':>6s}   first call mlax/jax")
    for name, f, args in cases:
        if name.startswith("grad"):
            fm, fj = f(mlax), f(jax)
        elif name.startswith("vmap"):
            fm = mlax.vmap(lambda r, s: lax.dynamic_slice(r, (s,), (64,)))
            fj = jax.vmap(lambda r, s: jax.lax.dynamic_slice(r, (s,), (64,)))
        else:
            fm, fj = f, f
        jm, jj = mlax.jit(fm), jax.jit(fj)
        am = [mlax.device_put(a) for a in args]
        aj = [jax.device_put(a) for a in args]
        np.testing.assert_allclose(np.asarray(jm(*am)), np.asarray(jj(*aj)), rtol=1e-4, atol=1e-4)
        tm, tj = best_pair(lambda: jm(*am).block_until_ready(), lambda: jj(*aj).block_until_ready())
        # fresh function objects, so that neither library's jit cache hits
        fcm = _first_call(lambda: mlax.jit(lambda *a: fm(*a)), am)
        fcj = _first_call(lambda: jax.jit(lambda *a: fj(*a)), aj)
        print(
            f"{name:40s} {tm * 1e3:8.3f}ms {tj * 1e3:8.3f}ms {tm / tj:6.2f}   "
            f"{fcm * 1e3:.1f} / {fcj * 1e3:.1f} ms = {fcm / fcj:.2f}"
        )


if __name__ == "__main__":
    main()
