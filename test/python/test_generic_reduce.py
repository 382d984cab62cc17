"""lax.reduce_window and lax.reduce with general computations (the
mlax.generic_reduce_window op and mlax.reduce with a traced body) against
jax: values over shapes, dtypes, windows and pytrees of operands; JVP (the
JVP of the body, JAX's rule), vmap, jit and their compositions; the errors
JAX raises (reverse mode, mismatched trees and dtypes, closures)."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(11)

WINDOWS = [
    # shape, window, strides, padding, base_dilation, window_dilation
    ((6,), (2,), (1,), "VALID", None, None),
    ((7,), (3,), (2,), "SAME", None, None),
    ((4, 5), (2, 3), (1, 2), [(1, 0), (0, 2)], None, None),
    ((4, 5), (2, 2), (1, 1), "VALID", (2, 1), (1, 2)),
    ((2, 4, 4, 3), (1, 2, 2, 1), (1, 2, 2, 1), "SAME", None, None),
]

# name -> (computation on lax module, init)
COMPUTATIONS = {
    "mul": (lambda lx: lx.mul, 1.0),
    "add_init2": (lambda lx: lx.add, 2.0),
    "affine": (lambda lx: lambda a, b: a * 0.5 + b, 0.0),
    "logaddexp": (lambda lx: lambda a, b: lx.max(a, b) + lx.log1p(lx.exp(-lx.abs(a - b))), -np.inf),
}


def _fn(lx, comp, case):
    shape, window, strides, padding, base, wdil = case
    op, init = COMPUTATIONS[comp]
    return lambda x: lx.reduce_window(x, init, op(lx), window, strides, padding, base, wdil)


@pytest.mark.parametrize("case", WINDOWS)
@pytest.mark.parametrize("comp", sorted(COMPUTATIONS))
def test_generic_reduce_window(case, comp):
    x = R.uniform(0.5, 1.5, size=case[0]).astype(np.float32)
    f, fj = _fn(lax, comp, case), _fn(jax.lax, comp, case)
    want = fj(x)
    np.testing.assert_allclose(f(x), want, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(mlax.jit(f)(x), want, rtol=2e-5, atol=1e-6)
    t = R.normal(size=case[0]).astype(np.float32)
    for a, b in zip(mlax.jvp(f, (x,), (t,)), jax.jvp(fj, (x,), (t,))):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-5)
    xs = np.stack([x, 1.25 * x])
    np.testing.assert_allclose(mlax.vmap(f)(xs), jax.vmap(fj)(xs), rtol=2e-5, atol=1e-6)
    # Forward-mode Jacobian of the vmapped, jitted function (jvp of vmap);
    # jax's own jacfwd (vmap of its jvp) fails here, so jax.jvp of each basis
    # vector is the oracle.
    dot = jax.jit(lambda x, t: jax.jvp(lambda x: ref.sum(fj(x)), (x,), (t,))[1])
    basis = np.eye(xs.size, dtype=np.float32).reshape((xs.size,) + xs.shape)
    want_jac = np.array([dot(xi, e[i]) for e in basis for i, xi in enumerate(xs)])
    np.testing.assert_allclose(
        mlax.jit(mlax.jacfwd(lambda x: jnp.sum(mlax.vmap(f)(x))))(xs),
        want_jac.reshape(xs.size, 2).sum(1).reshape(xs.shape),
        rtol=1e-4,
        atol=1e-5,
    )


def _argmax(lx):
    def body(a, b):
        (av, ai), (bv, bi) = a, b
        pick = lx.ge(av, bv)
        return lx.select(pick, av, bv), lx.select(pick, ai, bi)

    return body


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_variadic_argmax_pool(dtype):
    # A pytree of operands: the value and index of each window's maximum.
    x = R.integers(-5, 5, size=(3, 6, 4)).astype(dtype)
    idx = np.arange(x.size, dtype=np.int32).reshape(x.shape)
    lo = -np.inf if dtype == np.float32 else np.iinfo(dtype).min

    def pool(lx, x):
        return lx.reduce_window(
            (x, idx), (dtype(lo), np.int32(0)), _argmax(lx), (1, 2, 2), (1, 2, 2), "SAME"
        )

    got, want = pool(lax, x), pool(jax.lax, x)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    if dtype == np.float32:
        t = R.normal(size=x.shape).astype(np.float32)
        a = mlax.jvp(lambda x: pool(lax, x)[0], (x,), (t,))[1]
        # jax's JVP fails on the integer operand (a float0 tangent); the
        # tangent of each window's maximum is the oracle.
        np.testing.assert_array_equal(a, t.ravel()[np.asarray(want[1])])


def test_bool_and_complex_operands():
    b = R.integers(0, 2, size=(5, 4)).astype(bool)
    for name in ("bitwise_or", "bitwise_and"):
        init = name == "bitwise_and"
        got = lax.reduce_window(b, init, getattr(lax, name), (2, 2), (1, 1), "SAME")
        want = jax.lax.reduce_window(b, init, getattr(jax.lax, name), (2, 2), (1, 1), "SAME")
        np.testing.assert_array_equal(got, want)
    z = (R.normal(size=(6,)) + 1j * R.normal(size=(6,))).astype(np.complex64)
    got = lax.reduce_window(z, 0j, lax.add, (3,), (1,), "VALID")
    want = jax.lax.reduce_window(z, np.complex64(0), jax.lax.add, (3,), (1,), "VALID")
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_generic_reduce_window_errors():
    x = np.ones((4,), np.float32)
    mul = lambda x: lax.reduce_window(x, 1.0, lax.mul, (2,))  # noqa: E731
    # Reverse mode: a ValueError (jax's too, in its own words).
    with pytest.raises(ValueError, match="cannot be differentiated in reverse mode"):
        mlax.grad(lambda x: jnp.sum(mul(x)))(x)
    with pytest.raises(ValueError):
        jax.grad(lambda x: ref.sum(jax.lax.reduce_window(x, 1.0, jax.lax.mul, (2,))))(x)
    with pytest.raises(ValueError, match="same tree structure"):
        lax.reduce_window((x, x), 1.0, lax.mul, (2,))
    with pytest.raises(TypeError, match="inconsistent dtypes"):
        lax.reduce_window(x, np.int32(1), lax.mul, (2,))
    with pytest.raises(TypeError, match="scalars"):
        lax.reduce_window(x, np.ones(2, np.float32), lax.mul, (2,))
    with pytest.raises(TypeError, match="structure of its operands"):
        lax.reduce_window(x, 1.0, lambda a, b: (a, b), (2,))
    with pytest.raises(TypeError, match="0-d values"):
        lax.reduce_window(x, 1.0, lambda a, b: jnp.stack([a, b]), (2,))

    @mlax.jit
    def closes(x, s):
        return lax.reduce_window(x, 1.0, lambda a, b: a * b * s, (2,))

    with pytest.raises(NotImplementedError, match="close over Tracers"):
        closes(x, 2.0)
    # A batched init value: JAX's NotImplementedError in its words.
    with pytest.raises(NotImplementedError):
        jax.vmap(lambda x, i: jax.lax.reduce_window(x, i, jax.lax.mul, (2,)))(x[None], x[:1])
    with pytest.raises((NotImplementedError, ValueError), match="batched init value"):
        mlax.vmap(lambda x, i: lax.reduce_window(x, i, lax.mul, (2,)))(x[None], x[:1])


@pytest.mark.parametrize("dims", [(0,), (1,), (0, 2)])
def test_generic_reduce(dims):
    x = R.normal(size=(3, 4, 5)).astype(np.float32)
    idx = np.arange(x.size, dtype=np.int32).reshape(x.shape)
    got = lax.reduce((x, idx), (-np.inf, np.int32(0)), _argmax(lax), dims)
    want = jax.lax.reduce((x, idx), (-ref.inf, np.int32(0)), _argmax(jax.lax), dims)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    f = lambda lx: lambda x: lx.reduce(x, 1.0, lambda a, b: a * b, dims)  # noqa: E731
    np.testing.assert_allclose(mlax.jit(f(lax))(x), f(jax.lax)(x), rtol=1e-5)
    xs = np.stack([x, -x])
    np.testing.assert_allclose(mlax.vmap(f(lax))(xs), jax.vmap(f(jax.lax))(xs), rtol=1e-5)
    # Monoids with their identities are the dedicated reductions (grad works).
    g = mlax.grad(lambda x: jnp.sum(lax.reduce(x, 0.0, lax.add, dims) ** 2))(x)
    gj = jax.grad(lambda x: ref.sum(jax.lax.reduce(x, 0.0, jax.lax.add, dims) ** 2))(x)
    np.testing.assert_allclose(g, gj, rtol=1e-5)
    with pytest.raises(ValueError, match="out of range"):
        lax.reduce(x, 0.0, lax.add, (3,))
    with pytest.raises(ValueError, match="dimensions"):
        lax.reduce(x, 2.0, lax.mul, (3,))
