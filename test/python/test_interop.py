"""Arrays with NumPy, DLPack and jax: copies, out=, dlpack, the array
namespace, device methods, donation, view, .at[].apply / .power."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

F32 = np.float32


def test_numpy_copies_are_writable_and_views_are_not():
    x = jnp.arange(4.0)
    a = np.array(x)
    a[0] = 5.0
    c = np.copy(x)
    c[1] = 7.0
    np.testing.assert_array_equal(np.asarray(x), [0, 1, 2, 3])
    assert not np.asarray(x).flags.writeable  # as jax: a read-only view
    assert np.array(x, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("fn", [np.sum, np.mean, np.max, np.min, np.std, np.var, np.prod])
def test_numpy_functions_on_arrays(fn):
    x = np.linspace(-1, 2, 6).reshape(2, 3).astype(F32)
    np.testing.assert_allclose(fn(jnp.asarray(x)), fn(x), rtol=1e-6)
    np.testing.assert_allclose(fn(jnp.asarray(x), axis=1), fn(x, axis=1), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="'out' argument"):
        fn(jnp.asarray(x), out=np.zeros((), F32))


def test_dlpack_and_namespace():
    x = jnp.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(np.from_dlpack(x), np.asarray(x))
    np.testing.assert_array_equal(np.asarray(ref.from_dlpack(x)), np.asarray(x))
    y = jnp.from_dlpack(ref.arange(3.0))
    assert isinstance(y, mlax.Array)
    np.testing.assert_array_equal(np.asarray(y), [0, 1, 2])
    z = jnp.from_dlpack(np.arange(4, dtype=np.int32))
    assert isinstance(z, mlax.Array) and z.dtype == np.int32
    assert x.__array_namespace__() is jnp


def test_device_methods():
    x = jnp.ones((2, 2))
    assert x.devices() == {mlax.devices()[0]}
    assert x.sharding.device_set == {mlax.devices()[0]}
    assert x.nbytes == 16
    x.copy_to_host_async()
    np.testing.assert_array_equal(np.asarray(x), np.ones((2, 2)))
    assert not x.is_deleted()
    x.delete()
    assert x.is_deleted()
    with pytest.raises(RuntimeError, match="deleted"):
        mlax.jit(lambda v: v + 1)(x)


def test_jax_arrays_are_inputs():
    xj = ref.arange(3.0)
    np.testing.assert_allclose(np.asarray(mlax.grad(lambda v: (v**2).sum())(xj)), [0, 2, 4])
    np.testing.assert_allclose(np.asarray(mlax.jit(jnp.sin)(xj)), np.sin(np.arange(3.0)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(mlax.vmap(jnp.sum)(ref.ones((2, 3)))), [3, 3])


def test_donation_deletes_and_aliases():
    def step(params, grads, *, lr):
        return jax.tree.map(lambda p, g: p - lr * g, params, grads)

    f = mlax.jit(step, donate_argnums=0, static_argnames="lr")
    params = {"w": jnp.ones(3), "b": jnp.zeros(())}
    grads = {"w": jnp.ones(3), "b": jnp.ones(())}
    text = f.lower(params, grads, lr=0.5).as_text("stablehlo")
    assert text.count("tf.aliasing_output") == 2
    out = f(params, grads, lr=0.5)
    np.testing.assert_allclose(np.asarray(out["w"]), [0.5] * 3)
    assert params["w"].is_deleted() and params["b"].is_deleted() and not grads["w"].is_deleted()
    with pytest.raises(RuntimeError, match="deleted"):
        f(params, grads, lr=0.5)
    g = mlax.jit(lambda x, y: x * 2 + y, donate_argnames="y")
    a, b = jnp.ones(2), jnp.ones(2)
    np.testing.assert_allclose(np.asarray(g(a, b)), [3, 3])
    assert b.is_deleted() and not a.is_deleted()
    h = mlax.jit(lambda x: x.sum(), donate_argnums=0)  # no output to alias
    assert "jax.buffer_donor" in h.lower(jnp.ones(3)).as_text("stablehlo")
    with pytest.raises(ValueError, match="cannot overlap"):
        mlax.jit(lambda x: x, static_argnums=0, donate_argnums=0)


@pytest.mark.parametrize("dtype", [np.int32, np.uint16, np.uint8, np.float16])
def test_view_like_numpy(dtype):
    x = np.linspace(-2, 2, 8).reshape(2, 4).astype(F32)
    got = np.asarray(jnp.asarray(x).view(dtype))
    want = np.asarray(ref.asarray(x).view(dtype))
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    back = np.asarray(jnp.asarray(got).view(F32))
    np.testing.assert_array_equal(back, x)
    with pytest.raises(ValueError, match="divisor"):
        jnp.ones(3, np.uint8).view(np.int32)


def test_at_apply_and_power():
    x = np.arange(5.0).astype(F32)
    idx = np.array([0, 0, 3])
    for fn in (lambda v: v + 1, np.exp):
        mfn = jnp.exp if fn is np.exp else fn
        rfn = ref.exp if fn is np.exp else fn
        got = mlax.jit(lambda a: a.at[idx].apply(mfn))(x)
        want = ref.asarray(x).at[idx].apply(rfn)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(jnp.asarray(x).at[1:4].power(2.0)), np.asarray(ref.asarray(x).at[1:4].power(2.0))
    )
    np.testing.assert_allclose(
        np.asarray(jnp.asarray(x).at[idx].power(3.0)), np.asarray(ref.asarray(x).at[idx].power(3.0))
    )
