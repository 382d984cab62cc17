"""mlax.pmap over 8 virtual CPU devices against jax.pmap (run by
test/python/test_sharding.py in a subprocess with 8 devices)."""

import jax
import jax.numpy as jn
import mlax
import mlax.numpy as mn
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    mlax.device_count() < 8, reason="needs 8 devices (XLA_FLAGS device count)"
)
R = np.random.default_rng(1)


def _close(got, want):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.asarray(g).shape == np.asarray(w).shape
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [8, 4, 1])
def test_collectives_over_n_devices(n):
    x = R.normal(size=(n, 3)).astype(np.float32)
    _close(
        mlax.pmap(lambda v: mlax.lax.psum(v, "i") * v + mlax.lax.axis_index("i"), "i")(x),
        jax.pmap(lambda v: jax.lax.psum(v, "i") * v + jax.lax.axis_index("i"), "i")(x),
    )
    _close(
        mlax.pmap(lambda v: mlax.lax.pmax(v, "i"), "i", out_axes=None)(x),
        jax.pmap(lambda v: jax.lax.pmax(v, "i"), "i", out_axes=None)(x),
    )
    out = mlax.pmap(lambda v: v * 2)(x)
    assert {s.device.id for s in out.addressable_shards} == set(range(n))


def test_data_parallel_training_step():
    w = R.normal(size=(3, 2)).astype(np.float32)
    b = R.normal(size=(8, 5, 3)).astype(np.float32)

    def step(lib, np_):
        def loss(w, b):
            return ((b @ w) ** 2).mean()

        def one(w, b):
            g = lib.lax.pmean(lib.grad(loss)(w, b), "d")
            return w - 0.1 * g, lib.lax.pmean(loss(w, b), "d")

        return lib.pmap(one, "d", in_axes=(None, 0), out_axes=(None, None))

    _close(step(mlax, mn)(w, b), step(jax, jn)(w, b))


def test_grad_through_pmap_and_mapped_axis_1():
    x = R.normal(size=(3, 8)).astype(np.float32)

    def loss(lib, np_):
        p = lib.pmap(lambda u: np_.tanh(u) * lib.lax.psum(u, "i"), "i", in_axes=1, out_axes=1)
        return lambda v: (p(v) ** 2).sum()

    _close(mlax.grad(loss(mlax, mn))(x), jax.grad(loss(jax, jn))(x))


def test_devices_argument():
    devs = mlax.devices()[4:]
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    out = mlax.pmap(lambda v: v + 1, devices=devs)(x)
    np.testing.assert_array_equal(out, x + 1)
    assert {s.device.id for s in out.addressable_shards} == {d.id for d in devs}
