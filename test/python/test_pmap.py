"""mlax.pmap on this process's devices against jax.pmap (one CPU device in
the main suite; the 8-device cases are in multidevice/test_pmap_cases.py):
values, in_axes / out_axes, static and keyword arguments, transformations
around and inside, and the errors."""

import jax
import jax.numpy as jn
import mlax
import mlax.numpy as mn
import numpy as np
import pytest

N = mlax.device_count()
R = np.random.default_rng(0)


def _close(got, want):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.asarray(g).shape == np.asarray(w).shape
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(N,), (N, 3), (N, 2, 4)])
def test_values_and_collectives(shape):
    x = R.normal(size=shape).astype(np.float32)
    _close(mlax.pmap(lambda v: mn.sin(v) * 2)(x), jax.pmap(lambda v: jn.sin(v) * 2)(x))
    _close(
        mlax.pmap(lambda v: mlax.lax.psum(v, "i") + mlax.lax.axis_index("i"), "i")(x),
        jax.pmap(lambda v: jax.lax.psum(v, "i") + jax.lax.axis_index("i"), "i")(x),
    )
    _close(
        mlax.pmap(lambda v: mlax.lax.pmean(v, "i"), "i", out_axes=None)(x),
        jax.pmap(lambda v: jax.lax.pmean(v, "i"), "i", out_axes=None)(x),
    )


def test_axes_static_and_keywords():
    x = R.normal(size=(3, N)).astype(np.float32)
    y = np.float32(2.5)

    def f(lib):
        return lambda a, b: {"s": a * b, "t": (a + 1.0, a.sum())}

    spec = dict(in_axes=(1, None), out_axes={"s": 0, "t": (1, 0)})
    _close(mlax.pmap(f(mlax), **spec)(x, y), jax.pmap(f(jax), **spec)(x, y))
    st_m = mlax.pmap(lambda a, k: a * k, static_broadcasted_argnums=1)
    st_j = jax.pmap(lambda a, k: a * k, static_broadcasted_argnums=1)
    _close(st_m(x.T, 3), st_j(x.T, 3))
    _close(st_m(x.T, 4), st_j(x.T, 4))
    k = np.full((N,), 2.0, np.float32)
    _close(mlax.pmap(lambda a, k=1.0: a * k)(x.T, k=k), jax.pmap(lambda a, k=1.0: a * k)(x.T, k=k))


def test_transformations_around_and_inside():
    x = R.normal(size=(N, 3)).astype(np.float32)

    def loss(lib, np_):
        p = lib.pmap(lambda u: np_.sin(u) * lib.lax.psum(u, "i"), "i")
        return lambda v: p(v).sum()

    _close(mlax.grad(loss(mlax, mn))(x), jax.grad(loss(jax, jn))(x))
    _close(
        mlax.pmap(mlax.grad(lambda u: (u**3).sum()))(x),
        jax.pmap(jax.grad(lambda u: (u**3).sum()))(x),
    )
    xs = np.stack([x, 2 * x])
    _close(mlax.vmap(mlax.pmap(lambda u: u * u))(xs), jax.vmap(jax.pmap(lambda u: u * u))(xs))
    _close(mlax.jit(mlax.pmap(mn.cos))(x), jax.jit(jax.pmap(jn.cos))(x))


def test_errors():
    with pytest.raises(ValueError, match="logical devices"):
        mlax.pmap(lambda v: v)(np.ones((N + 1, 2), np.float32))
    with pytest.raises(ValueError, match="inconsistent sizes"):
        mlax.pmap(lambda a, b: a + b)(np.ones((N, 2)), np.ones((N + 1, 2)))
    with pytest.raises(ValueError, match="rank should be at least"):
        mlax.pmap(lambda a: a, in_axes=2)(np.ones((N, 2)))
    with pytest.raises(ValueError, match="len\\(in_axes\\)"):
        mlax.pmap(lambda a, b: a, in_axes=(0,))(np.ones((N,)), np.ones((N,)))
    with pytest.raises(TypeError, match="callable"):
        mlax.pmap(3)
