"""Memory and time of rematerialization, mlax vs jax in one process:

- jit(grad) of a 64-layer residual MLP (width 128, hidden 512, batch 64:
  x + tanh(sin(x @ w1) @ w2)), every layer wrapped in checkpoint with each
  policy, and without checkpoint;
- jit(grad) of a 256-layer scanned MLP (width 128, batch 64) whose layer is
  checkpointed (remat of a scanned layer), and without;
- jit(grad) of a while loop of up to 10,000 steps (an ODE in 64 dims run
  until a time given as data) with 16 checkpoints, for two trip counts,
  against the forward loop (mlax) and jax's grad of the same steps as a
  fixed-trip fori_loop (jax cannot differentiate the while loop).
Peak memory is XLA's compiled temp allocation (memory_analysis), the buffers
the backward pass keeps alive; time is the steady state per call.
Run: cd benchmarks && ../.venv/bin/python bench_memory.py
"""

from __future__ import annotations

import jax
import jax.numpy as jref
import mlax
import mlax.numpy as jnp
import numpy as np
from _timing import best

POLICIES = {
    "no checkpoint": None,
    "nothing_saveable": "nothing_saveable",
    "dots_saveable": "dots_saveable",
    "dots_with_no_batch_dims": "dots_with_no_batch_dims_saveable",
    "everything_saveable": "everything_saveable",
    "save_only_these_names(h)": ("save_only_these_names", "h"),
}


def _policy(mod, spec):
    if isinstance(spec, tuple):
        return getattr(mod.checkpoint_policies, spec[0])(*spec[1:])
    return getattr(mod.checkpoint_policies, spec)


def mlp(np_, mod, name, spec):
    def layer(w, x):
        w1, w2 = w
        h = name(np_.sin(x @ w1), "h")
        return x + np_.tanh(h @ w2)

    if spec is not None:
        layer = mod.checkpoint(layer, policy=_policy(mod, spec))

    def loss(ws, x):
        for w in ws:
            x = layer(w, x)
        return np_.sum(x**2)

    return mod.jit(mod.grad(loss))


def scan_mlp(np_, mod, lax, remat):
    def layer(x, w):
        return np_.tanh(x @ w), None

    if remat:
        layer = mod.checkpoint(layer)

    def loss(ws, x):
        x, _ = lax.scan(layer, x, ws)
        return np_.sum(x**2)

    return mod.jit(mod.grad(loss))


def temp_bytes(fn, *args) -> int:
    return fn.lower(*args).compile().memory_analysis().temp_size_in_bytes


def row(name, fm, fj, args):
    gm, gj = fm(*args), fj(*args)
    for a, b in zip(jax.tree.leaves(gm), jax.tree.leaves(gj)):
        b = np.asarray(b)
        np.testing.assert_allclose(np.asarray(a), b, rtol=2e-3, atol=1e-4 * np.abs(b).max())
    mm, mj = temp_bytes(fm, *args), temp_bytes(fj, *args)
    tm = best(lambda: jax.block_until_ready(fm(*args)), 1.0)
    tj = best(lambda: jax.block_until_ready(fj(*args)), 1.0)
    print(
        f"{name:36s} {mm / 2**20:8.2f} {mj / 2**20:8.2f} {mm / max(mj, 1):6.2f}"
        f"   {tm * 1e3:8.2f} {tj * 1e3:8.2f} {tm / tj:6.2f}"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"device: {jax.devices()[0].device_kind}; jax {jax.__version__}")
    print(
        f"{'jit(grad)':36s} {'MiB mlax':>8s} {'jax':>8s} {'ratio':>6s}"
        f"   {'ms mlax':>8s} {'jax':>8s} {'ratio':>6s}"
    )
    ws = [
        (
            (rng.normal(size=(128, 512)) / 11).astype(np.float32),
            (rng.normal(size=(512, 128)) / 90).astype(np.float32),
        )
        for _ in range(64)
    ]
    x = rng.normal(size=(64, 128)).astype(np.float32)
    for label, spec in POLICIES.items():
        row(
            f"MLP 64x(128-512-128), {label}",
            mlp(jnp, mlax, mlax.ad_checkpoint.checkpoint_name, spec),
            mlp(jref, jax, jax.ad_checkpoint.checkpoint_name, spec),
            (ws, x),
        )
    wstack = (rng.normal(size=(256, 128, 128)) / 11).astype(np.float32)
    xs = rng.normal(size=(64, 128)).astype(np.float32)
    for remat in (False, True):
        row(
            f"scan 256x128, {'checkpoint' if remat else 'no checkpoint'}",
            scan_mlp(jnp, mlax, mlax.lax, remat),
            scan_mlp(jref, jax, jax.lax, remat),
            (wstack, xs),
        )
    loops(rng)


def ode_while(np_, lax, mod, checkpoints, grad=True):
    def final(w, x, n):
        def cond(c):
            return c[1] < n

        def body(c):
            x, i = c
            return x + 1e-3 * np_.tanh(w @ x), i + 1

        x, _ = lax.while_loop(
            cond, body, (x, np_.int32(0)), max_steps=10_000, checkpoints=checkpoints
        )
        return np_.sum(x**2)

    return mod.jit(mod.grad(final) if grad else final)


def ode_fori(np_, lax, mod, steps):
    def final(w, x, n):
        x = lax.fori_loop(0, steps, lambda i, x: x + 1e-3 * np_.tanh(w @ x), x)
        return np_.sum(x**2)

    return mod.jit(mod.grad(final))


def loops(rng) -> None:
    w = (rng.normal(size=(64, 64)) / 8).astype(np.float32)
    x = rng.normal(size=(64,)).astype(np.float32)
    print(
        f"{'while_loop(max_steps=10000)':36s} {'MiB':>8s} {'fwd MiB':>8s} {'jax MiB':>8s}"
        f"   {'ms':>8s} {'fwd ms':>8s} {'/fwd':>6s} {'jax ms':>8s}"
    )
    for steps in (1000, 10_000):
        for k in (16, None):
            g = ode_while(jnp, mlax.lax, mlax, k)
            f = ode_while(jnp, mlax.lax, mlax, k, grad=False)
            gj = ode_fori(jref, jax.lax, jax, steps)
            args = (w, x, np.int32(steps))
            b = np.asarray(gj(*args))
            np.testing.assert_allclose(
                np.asarray(g(*args)), b, rtol=2e-3, atol=1e-4 * np.abs(b).max()
            )
            tg = best(lambda: jax.block_until_ready(g(*args)), 1.0)
            tf = best(lambda: jax.block_until_ready(f(*args)), 1.0)
            tj = best(lambda: jax.block_until_ready(gj(*args)), 1.0)
            label = f"{steps} steps, checkpoints={k}"
            print(
                f"{label:36s} {temp_bytes(g, *args) / 2**20:8.2f} "
                f"{temp_bytes(f, *args) / 2**20:8.2f} {temp_bytes(gj, *args) / 2**20:8.2f}"
                f"   {tg * 1e3:8.2f} {tf * 1e3:8.2f} {tg / tf:6.2f} {tj * 1e3:8.2f}"
            )


if __name__ == "__main__":
    import jax.ad_checkpoint  # noqa: F401

    main()
