"""mlax.experimental.ode.odeint against jax.experimental.ode.odeint:
solutions, adjoint gradients (y0, t, args, closed-over values), jit, vmap,
pytree states, errors; and a finite-difference check of the adjoint."""

import jax
import jax.numpy as jr
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from jax.experimental.ode import odeint as jax_odeint
from mlax.experimental.ode import odeint

TS = np.linspace(0.0, 2.0, 5).astype(np.float32)
Y0 = np.array([1.0, 2.0], np.float32)
A = np.float32(0.7)


def forced(np_):
    return lambda y, t, a: -a * y + np_.sin(t)


def test_solution_matches_jax():
    got = odeint(forced(jnp), Y0, TS, A)
    np.testing.assert_allclose(got, jax_odeint(forced(jr), Y0, TS, A), rtol=1e-5)
    # The exact solution of y' = -y: y0 exp(-t).
    np.testing.assert_allclose(
        odeint(lambda y, t: -y, Y0, TS), Y0 * np.exp(-TS)[:, None], rtol=1e-5
    )


def test_adjoint_gradients_match_jax():
    def loss(od, np_):
        return lambda y0, ts, a: (od(forced(np_), y0, ts, a) ** 2).sum()

    want = jax.grad(loss(jax_odeint, jr), (0, 1, 2))(Y0, TS, A)
    for got in (
        mlax.grad(loss(odeint, jnp), (0, 1, 2))(Y0, TS, A),
        mlax.jit(mlax.grad(loss(odeint, jnp), (0, 1, 2)))(Y0, TS, A),
    ):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_closed_over_values_and_finite_differences():
    def loss(od, np_):
        return lambda w: od(lambda y, t: -w * np_.tanh(y), Y0, TS)[-1].sum()

    g = mlax.grad(loss(odeint, jnp))(A)
    np.testing.assert_allclose(g, jax.grad(loss(jax_odeint, jr))(A), rtol=1e-4)
    f = loss(odeint, jnp)
    eps = 1e-3
    fd = (float(f(np.float64(A + eps).astype(np.float32))) - float(f(A - eps))) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=2e-2)


def test_pytree_state_and_vmap():
    def rhs(np_):
        return lambda s, t: {"x": s["v"], "v": -s["x"] - 0.1 * s["v"]}

    s0 = {"x": np.ones(3, np.float32), "v": np.zeros(3, np.float32)}
    got, want = odeint(rhs(jnp), s0, TS), jax_odeint(rhs(jr), s0, TS)
    for k in s0:
        assert got[k].shape == want[k].shape
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6)
    y0s = np.stack([Y0, 2 * Y0, -Y0])
    np.testing.assert_allclose(
        mlax.vmap(lambda y: odeint(forced(jnp), y, TS, A))(y0s),
        jax.vmap(lambda y: jax_odeint(forced(jr), y, TS, A))(y0s),
        rtol=1e-5,
        atol=1e-6,
    )


def test_errors():
    with pytest.raises(TypeError, match="t must be an array of floats"):
        odeint(forced(jnp), Y0, np.arange(3), A)
    with pytest.raises(TypeError, match="odeint \\*args"):
        odeint(forced(jnp), Y0, TS, "a")
    with pytest.raises(ValueError, match="1-D"):
        odeint(forced(jnp), Y0, TS.reshape(5, 1), A)


def test_experimental_names():
    import mlax.experimental as ex
    from mlax.experimental.shard_map import shard_map

    assert shard_map is mlax.shard_map
    with ex.enable_x64():
        assert jnp.asarray(1.0).dtype == np.float64
        with ex.disable_x64():
            assert jnp.asarray(1.0).dtype == np.float32
    assert jnp.asarray(1.0).dtype == np.float32
