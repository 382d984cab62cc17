"""mlax.flatten_util.ravel_pytree against jax's: dtypes and promotion,
values, the inverse map under jit / grad / vmap, its errors."""

import jax
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree as jax_ravel
from mlax.flatten_util import ravel_pytree

TREES = [
    {"a": np.ones((2, 3), np.float32), "b": (np.arange(3, dtype=np.int32), 2.0)},
    [np.float16(1.5), np.arange(2, dtype=np.float32)],
    [],
    (np.ones((0, 2)),),
    [1, True],
    [np.arange(2, dtype=np.complex64) * 1j, np.float32(3)],
    [np.arange(2, dtype=np.int8), np.arange(2, dtype=np.uint8)],
    {"x": np.arange(6, dtype=np.float32).reshape(3, 2)},
]


@pytest.mark.parametrize("i", range(len(TREES)))
def test_ravel_and_unravel_match_jax(i):
    flat, unravel = ravel_pytree(TREES[i])
    want, junravel = jax_ravel(TREES[i])
    assert flat.dtype == want.dtype and flat.shape == want.shape
    np.testing.assert_array_equal(flat, want)
    got, exp = unravel(flat), junravel(want)
    assert jax.tree.structure(got) == jax.tree.structure(exp)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(exp)):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_array_equal(g, e)
    # Under jit, inside the trace.
    again = mlax.jit(lambda t: unravel(ravel_pytree(t)[0]))(TREES[i])
    for g, e in zip(jax.tree.leaves(again), jax.tree.leaves(exp)):
        np.testing.assert_array_equal(g, e)


def test_derivatives_through_ravel():
    tree = {"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 6, "b": np.float32(0.5)}

    def loss(lib, rav):
        def f(t):
            flat, unravel = rav(t)
            back = unravel(flat * flat)
            return (lib.numpy.sin(back["w"]).sum() + back["b"] * flat.sum()).astype("float32")

        return f

    got = mlax.grad(loss(mlax, ravel_pytree))(tree)
    want = jax.grad(loss(jax, jax_ravel))(tree)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(g, e, rtol=1e-6)
    flat, unravel = ravel_pytree(tree)
    jflat, junravel = jax_ravel(tree)
    batch = np.stack([np.asarray(flat), 2 * np.asarray(flat)])
    got = mlax.vmap(unravel)(batch)
    want = jax.vmap(junravel)(batch)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(g, e)
    # jvp of unravel is unravel of the tangent (linear).
    _, t = mlax.jvp(lambda v: unravel(v)["w"], (flat,), (jnp.ones_like(flat),))
    np.testing.assert_array_equal(t, np.ones((2, 3), np.float32))


def test_unravel_is_hashable_and_errors_as_jax():
    tree = [np.ones(2, np.float32), np.ones(3, np.int32)]
    _, u1 = ravel_pytree(tree)
    _, u2 = ravel_pytree([np.zeros(2, np.float32), np.zeros(3, np.int32)])
    assert u1 == u2 and hash(u1) == hash(u2)
    # Mixed dtypes: the vector's dtype must be the promoted one.
    with pytest.raises(TypeError, match="expected dtype float32"):
        u1(np.ones(5, np.int32))
    with pytest.raises(ValueError, match="5 elements"):
        u1(np.ones(4, np.float32))
    # One dtype: any dtype is accepted, as in jax.
    _, single = ravel_pytree([np.ones(2, np.float32)])
    assert single(np.ones(2, np.int32))[0].dtype == np.int32
