"""64-bit mode (MLAX_ENABLE_X64 / JAX_ENABLE_X64): float64 values, jvp, and
jit against jax, in a subprocess so the flag applies from the start."""

import os
import subprocess
import sys

SCRIPT = r"""
import numpy as np, jax, jax.numpy as ref, mlax, mlax.numpy as jnp
from mlax import lax
assert mlax.config.x64_enabled
x = np.linspace(0.1, 2.0, 7)             # float64
t = np.cos(np.arange(7.0))
for name in ["sin", "exp", "log", "tanh", "sqrt", "logistic", "erf"]:
    got = mlax.jvp(getattr(lax, name), (x,), (t,))
    want = jax.jvp(getattr(jax.lax, name), (x,), (t,))
    for g, w in zip(got, want):
        assert g.dtype == np.float64 and w.dtype == np.float64, (g.dtype, w.dtype)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-13, atol=1e-13)
f = lambda a, b: jnp.sum(jnp.tanh(a @ b) ** 2)
g = lambda a, b: ref.sum(ref.tanh(a @ b) ** 2)
a = np.random.default_rng(0).normal(size=(4, 3)); b = np.random.default_rng(1).normal(size=(3, 2))
got = mlax.jvp(f, (a, b), (np.ones_like(a), np.ones_like(b)))
want = jax.jvp(g, (a, b), (np.ones_like(a), np.ones_like(b)))
np.testing.assert_allclose(float(got[1]), float(want[1]), rtol=1e-12)
assert jnp.asarray(1.5).dtype == np.float64 and jnp.arange(3).dtype == np.int64
assert repr(jnp.asarray(1.5) * 2) == repr(ref.asarray(1.5) * 2)
print("ok")
"""


def test_x64_mode():
    env = dict(os.environ, MLAX_ENABLE_X64="1", JAX_ENABLE_X64="1")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")


def test_enable_x64_at_runtime():
    # The flag may be flipped after import (as with jax.config.update):
    # 64-bit host data then reaches the device unnarrowed.
    import mlax
    import mlax.numpy as jnp
    import numpy as np

    mlax.config.update("mlax_enable_x64", True)
    try:
        x = np.linspace(0.1, 1.0, 4)
        y = jnp.sin(jnp.asarray(x))
        assert y.dtype == np.float64 and np.asarray(y).dtype == np.float64
        np.testing.assert_allclose(np.asarray(y), np.sin(x), rtol=1e-15)
        assert np.asarray(jnp.arange(3) + 2**40).dtype == np.int64
    finally:
        mlax.config.update("mlax_enable_x64", False)
