"""mlax and jax load together, in either import order, and both run."""

import subprocess
import sys

import pytest

SCRIPT = """
import {first}, {second}
import mlax, jax, numpy as np
import mlax.numpy as mnp, jax.numpy as jnp
x = np.arange(4, dtype=np.float32)
a = mlax.jit(lambda v: mnp.sin(v) * 2)(x)
b = jax.jit(lambda v: jnp.sin(v) * 2)(x)
np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
print("ok")
"""


@pytest.mark.parametrize("first,second", [("mlax", "jax"), ("jax", "mlax")])
def test_import_order(first, second):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(first=first, second=second)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
