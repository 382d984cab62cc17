"""lax.integer_pow / jnp.square / x ** n against jax: values, jvp, grad
(also higher order, where its derivative rule decides the rounding), vmap,
finite differences, and the error cases."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

EXPONENTS = [-3, -2, -1, 0, 1, 2, 3, 5, 8]


def _x(rng, shape, dtype):
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return np.asarray(x).astype(dtype)


@pytest.mark.parametrize("y", EXPONENTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.complex64])
@pytest.mark.parametrize("shape", [(), (3,), (2, 4)])
def test_values_jvp_vmap(rng, y, dtype, shape):
    x = _x(rng, shape, dtype)
    t = _x(rng, shape, dtype)
    tol = dict(rtol=2e-2, atol=2e-2) if dtype == np.float16 else dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(lax.integer_pow(x, y)), np.asarray(jax.lax.integer_pow(x, y)), **tol
    )
    out, tan = mlax.jvp(lambda v: lax.integer_pow(v, y), (x,), (t,))
    r_out, r_tan = jax.jvp(lambda v: jax.lax.integer_pow(v, y), (x,), (t,))
    assert np.asarray(out).dtype == np.asarray(r_out).dtype
    np.testing.assert_allclose(np.asarray(out), np.asarray(r_out), **tol)
    np.testing.assert_allclose(np.asarray(tan), np.asarray(r_tan), **tol)
    if shape:
        got = mlax.vmap(lambda v: lax.integer_pow(v, y))(x)
        np.testing.assert_allclose(np.asarray(got), np.asarray(jax.lax.integer_pow(x, y)), **tol)


@pytest.mark.parametrize("y", EXPONENTS)
def test_higher_order_grad_matches_jax_bitwise(y):
    # JAX's rule y * x^(y-1) is reproduced op for op, so third derivatives
    # agree exactly with jax.jit's (one XLA program each; JAX's eager,
    # op-by-op run rounds differently where XLA simplifies across ops).
    f = lambda v: lax.integer_pow(v, y)  # noqa: E731
    g = lambda v: jax.lax.integer_pow(v, y)  # noqa: E731
    for x in (0.7, 1.3, -2.1):
        got = mlax.grad(mlax.grad(mlax.grad(f)))(x)
        want = jax.jit(jax.grad(jax.grad(jax.grad(g))))(x)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), (x, got, want)


def test_division_second_derivative_matches_jax_bitwise():
    # d(x/y)/dy uses y^-2 as an integer_pow, as in JAX.
    for y in (0.3, 1.7, 2.0):
        got = mlax.grad(mlax.grad(lambda v: 1.0 / v))(y)
        want = jax.jit(jax.grad(jax.grad(lambda v: 1.0 / v)))(y)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.uint8])
def test_integers(rng, dtype):
    x = rng.integers(0, 5, size=(4,)).astype(dtype)
    for y in (0, 1, 2, 3):
        got = lax.integer_pow(x, y)
        want = jax.lax.integer_pow(x, y)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_numpy_power_square_and_operator(rng):
    x = _x(rng, (5,), np.float32)
    for f_m, f_r in [
        (lambda v: v**3, lambda v: v**3),
        (lambda v: v**-2, lambda v: v**-2),
        (lambda v: jnp.square(v), lambda v: ref.square(v)),
        (lambda v: jnp.power(v, 4), lambda v: ref.power(v, 4)),
    ]:
        np.testing.assert_allclose(np.asarray(f_m(x)), np.asarray(f_r(x)), rtol=1e-6)
        np.testing.assert_allclose(
            np.asarray(mlax.grad(lambda v: jnp.sum(f_m(v)))(x)),
            np.asarray(jax.grad(lambda v: ref.sum(f_r(v)))(x)),
            rtol=1e-6,
        )
        ir = str(mlax.make_mlir(f_m)(x))
        assert "mlax.integer_pow" in ir
    # Weak types flow as in JAX: a Python scalar base stays weak.
    assert repr(mlax.jit(lambda v: v**2)(3.0)) == "Array(9., dtype=float32, weak_type=True)"
    assert jnp.square(jnp.arange(4)).dtype == np.int32


def test_finite_differences():
    f = lambda v: jnp.sum(lax.integer_pow(v, -3) * v**5)  # noqa: E731
    x = np.array([0.8, 1.1, 1.9], np.float64)
    with mlax.config_context(mlax_enable_x64=True) if hasattr(mlax, "config_context") else _x64():
        g = np.asarray(mlax.grad(f)(x))
        eps = 1e-6
        for i in range(3):
            e = np.zeros(3)
            e[i] = eps
            fd = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
            np.testing.assert_allclose(g[i], fd, rtol=1e-6)


class _x64:
    def __enter__(self):
        mlax.config.update("mlax_enable_x64", True)

    def __exit__(self, *exc):
        mlax.config.update("mlax_enable_x64", False)


def test_errors():
    with pytest.raises(
        TypeError, match="negative exponent -1 requires a floating or complex x, got dtype int32"
    ):
        lax.integer_pow(np.arange(3, dtype=np.int32), -1)
    with pytest.raises(
        TypeError, match="integer_pow requires numeric arguments, got x of dtype bool"
    ):
        lax.integer_pow(np.array([True]), 2)
    with pytest.raises(TypeError):
        lax.integer_pow(np.ones(2, np.float32), 2.5)
