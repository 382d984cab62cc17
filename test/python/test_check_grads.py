"""mlax.test_util.check_grads (finite differences, JAX's API) over every
differentiable lax op, forward and reverse, to second order; it must also
catch a wrong derivative."""

import os
import subprocess
import sys

import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from conftest import rand as _rand
from mlax import lax
from mlax.test_util import check_grads
from op_records import BINARY, UNARY

# Zero derivatives almost everywhere: finite differences agree trivially.
PIECEWISE = {"floor", "ceil", "sign"}


@pytest.mark.parametrize("name", sorted(set(UNARY) - PIECEWISE))
def test_unary_ops(rng, name):
    x = _rand(rng, (3,), np.float32, UNARY[name])
    check_grads(getattr(lax, name), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops(rng, name):
    kind = BINARY[name]
    x, y = _rand(rng, (2, 2), np.float32, kind), _rand(rng, (2, 2), np.float32, kind)
    if name in ("max", "min"):
        y = x + np.float32(0.5)  # no ties
    check_grads(getattr(lax, name), (x, y), order=2, modes=("fwd", "rev"))


def test_structural_and_control_flow(rng):
    x = _rand(rng, (3, 4), np.float32)
    check_grads(lambda a: jnp.sum(a.T @ a, axis=0), (x,), order=2)
    check_grads(lambda a: jnp.cumsum(jnp.tanh(a), axis=1)[:, ::2], (x,), order=1)
    check_grads(lambda a: lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * 1.1, a), (x,), order=2)
    check_grads(lambda a: lax.cond(jnp.sum(a) > 0, jnp.sin, jnp.cos, a), (x,), order=1)
    check_grads(lambda a, b: {"s": a * b, "d": (a / b, b)}, (x, x + 3), order=1)


def test_detects_a_wrong_rule():
    @mlax.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return jnp.sin(x), jnp.cos(x) * t * 1.5  # wrong by 50%

    x = np.linspace(-1, 1, 4).astype(np.float32)
    with pytest.raises(AssertionError):
        check_grads(f, (x,), order=1, modes=("fwd",))
    with pytest.raises(AssertionError):
        check_grads(f, (x,), order=1, modes=("rev",))
    with pytest.raises(ValueError, match="unknown mode"):
        check_grads(jnp.sin, (x,), order=1, modes=("sideways",))


SCRIPT = r"""
import numpy as np, mlax, mlax.numpy as jnp
from mlax import lax
from mlax.test_util import check_grads
assert mlax.config.x64_enabled
x = np.linspace(0.2, 1.5, 4)
for name in ["sin", "exp", "log", "tanh", "sqrt", "logistic", "erf", "cbrt", "atan2", "pow"]:
    f = getattr(lax, name)
    args = (x, x[::-1] + 0.1) if name in ("atan2", "pow") else (x,)
    check_grads(f, args, order=3, modes=("fwd", "rev"))
check_grads(lambda a: jnp.sum(jnp.outer(a, a) ** 2), (x,), order=3)
print("ok")
"""


def test_float64_third_order():
    env = dict(os.environ, MLAX_ENABLE_X64="1")
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-3000:]
