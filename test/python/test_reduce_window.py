"""lax.reduce_window (the mlax.reduce_window op: windowed sum / max / min,
i.e. pooling) against jax: values, grads (max pooling passes the tangent of
the first maximum; the windowed sum transposes into a padded windowed sum),
vmap, jit, strides, padding, base and window dilation."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(5)

CASES = [
    # shape, window, strides, padding, base_dilation, window_dilation
    ((6,), (2,), (2,), "VALID", None, None),
    ((7,), (3,), (1,), "SAME", None, None),
    ((2, 5, 6), (1, 2, 3), (1, 2, 1), [(0, 0), (1, 0), (0, 2)], None, None),
    ((4, 5), (2, 2), (1, 1), "VALID", (1, 2), (2, 1)),
    ((1, 6, 6, 2), (1, 3, 3, 1), (1, 2, 2, 1), "SAME", None, None),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("comp", ["add", "max", "min"])
def test_reduce_window(case, comp):
    shape, window, strides, padding, base, wdil = case
    x = R.normal(size=shape).astype(np.float32)
    init = {"add": 0.0, "max": -np.inf, "min": np.inf}[comp]

    def f(lx):
        op = getattr(lx, comp)
        return lambda x: lx.reduce_window(x, init, op, window, strides, padding, base, wdil)

    got, want = f(lax)(x), f(jax.lax)(x)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    w = R.normal(size=np.shape(want)).astype(np.float32)
    g = mlax.grad(lambda x: jnp.sum(f(lax)(x) * w))(x)
    loss = lambda x: ref.sum(f(jax.lax)(x) * w)  # noqa: E731
    # jax has no VJP of a dilated max window; its forward mode is the oracle.
    dilated = comp != "add" and wdil is not None and max(wdil) > 1
    gj = jax.jacfwd(loss)(x) if dilated else jax.grad(loss)(x)
    np.testing.assert_allclose(g, gj, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mlax.jit(mlax.vmap(f(lax)))(x[None]), want[None], rtol=1e-6)
    t = R.normal(size=shape).astype(np.float32)
    for a, b in zip(mlax.jvp(f(lax), (x,), (t,)), jax.jvp(f(jax.lax), (x,), (t,))):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_reduce_window_ties_and_ints():
    # Ties: the first maximum of each window gets the whole cotangent (jax).
    x = np.array([1.0, 1.0, 0.0, 2.0, 2.0, 2.0], np.float32)
    f = lambda lx, x: lx.reduce_window(x, -np.inf, lx.max, (3,), (1,), "VALID")  # noqa: E731
    np.testing.assert_array_equal(
        mlax.grad(lambda x: jnp.sum(f(lax, x)))(x), jax.grad(lambda x: ref.sum(f(jax.lax, x)))(x)
    )
    xi = np.arange(12, dtype=np.int32).reshape(3, 4)
    for comp, init in (
        ("add", 0),
        ("max", np.iinfo(np.int32).min),
        ("min", np.iinfo(np.int32).max),
    ):
        got = lax.reduce_window(xi, init, getattr(lax, comp), (2, 2), (1, 2), "SAME")
        want = jax.lax.reduce_window(xi, init, getattr(jax.lax, comp), (2, 2), (1, 2), "SAME")
        np.testing.assert_array_equal(got, want)
    # A max with another init: the monoid of init and the window.
    np.testing.assert_allclose(
        lax.reduce_window(x - 1.5, 0.0, lax.max, (2,), (2,), "SAME"),
        jax.lax.reduce_window(x - 1.5, 0.0, jax.lax.max, (2,), (2,), "SAME"),
    )


def test_padtype_to_pads_and_errors():
    for pad in ("SAME", "VALID", "SAME_LOWER"):
        assert lax.padtype_to_pads((7, 6), (3, 2), (2, 2), pad) == list(
            jax.lax.padtype_to_pads((7, 6), (3, 2), (2, 2), pad)
        )
    with pytest.raises(TypeError, match="window_dimensions"):
        lax.reduce_window(np.zeros((3, 3), np.float32), 0.0, lax.add, (2,), (1,), "VALID")
    with pytest.raises(ValueError, match="negative|padding"):
        lax.reduce_window(np.zeros(3, np.float32), 1.0, lax.mul, (2,), (1,), [(1, 1, 1)])
