"""jnp.einsum, diag/diagonal/identity/hstack/select/isnan/isinf, and the
complex parts (real, imag, conj, complex, abs of complex) against jax:
values, grad and vmap."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(7)
A = R.normal(size=(3, 4)).astype(np.float32)
B = R.normal(size=(4, 5)).astype(np.float32)
C = R.normal(size=(5, 3)).astype(np.float32)
T = R.normal(size=(2, 3, 4)).astype(np.float32)
S = R.normal(size=(4, 4)).astype(np.float32)

EINSUMS = [
    ("ij,jk->ik", (A, B)),
    ("ij,jk,ki->", (A, B, C)),
    ("ij,jk,kl", (A, B, C)),
    ("ii->i", (S,)),
    ("ii", (S,)),
    ("bij,jk->bik", (T, B)),
    ("...j,jk->...k", (T, B)),
    ("ij->ji", (A,)),
    ("ij->", (A,)),
    ("i,i->", (A[0], A[1])),
    ("i,j->ij", (A[0], B[0])),
    ("bij,bij->b", (T, T)),
    ("ij", (A,)),
    ("ji", (A,)),
    ("bij,bkj->bik", (T, T)),
    ("i...,i...->...", (T, T)),
    ("ij,j", (A, B[:, 0])),
]


@pytest.mark.parametrize("subscripts,operands", EINSUMS, ids=[s for s, _ in EINSUMS])
def test_einsum(subscripts, operands):
    got = jnp.einsum(subscripts, *operands)
    want = ref.einsum(subscripts, *operands)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)
    # gradient w.r.t. the first operand, and vmap over a leading batch
    f = lambda lib: lambda x, *rest: (lib.einsum(subscripts, x, *rest) ** 2).sum()  # noqa: E731
    np.testing.assert_allclose(
        np.asarray(mlax.grad(f(jnp))(*operands)),
        np.asarray(jax.grad(f(ref))(*operands)),
        rtol=1e-4,
        atol=1e-4,
    )
    xs = np.stack([operands[0], 2 * operands[0]])
    got = mlax.vmap(lambda x: jnp.einsum(subscripts, x, *operands[1:]))(xs)
    want = jax.vmap(lambda x: ref.einsum(subscripts, x, *operands[1:]))(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)


def test_einsum_dtypes_and_errors():
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = jnp.einsum("ij,j->i", i, np.ones(3, np.float32))
    want = ref.einsum("ij,j->i", i, np.ones(3, np.float32))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    with pytest.raises(ValueError, match="einsum: 2 operand subscripts for 1 operands"):
        jnp.einsum("ij,jk", A)
    with pytest.raises(ValueError, match="einsum: label 'j' has sizes 4 and 5"):
        jnp.einsum("ij,jk", A, C)
    with pytest.raises(ValueError, match="output subscript 'z' appears in no operand"):
        jnp.einsum("ij->z", A)


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 3])
def test_diag_and_diagonal(k):
    for v in (A, A[0]):
        np.testing.assert_array_equal(np.asarray(jnp.diag(v, k)), np.asarray(ref.diag(v, k)))
    for args in [(T, k, 0, 2), (T, k, 2, 1), (S, k, 0, 1)]:
        np.testing.assert_array_equal(
            np.asarray(jnp.diagonal(*args)), np.asarray(ref.diagonal(*args))
        )
    got = mlax.grad(lambda x: (jnp.diag(x, k) ** 2).sum())(A)
    want = jax.grad(lambda x: (ref.diag(x, k) ** 2).sum())(A)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    np.testing.assert_allclose(float(jnp.trace(S, k)), float(ref.trace(S, k)), rtol=1e-6)


def test_stacking_select_and_predicates():
    np.testing.assert_array_equal(
        np.asarray(jnp.hstack([A[0], B[0], 1.0])), np.asarray(ref.hstack([A[0], B[0], 1.0]))
    )
    np.testing.assert_array_equal(np.asarray(jnp.hstack([A, A])), np.asarray(ref.hstack([A, A])))
    assert jnp.identity(3, np.int32).dtype == ref.identity(3, np.int32).dtype
    np.testing.assert_array_equal(np.asarray(jnp.identity(3)), np.asarray(ref.identity(3)))
    conds, choices = [A > 0.5, A < -0.5], [A, A * 10]
    np.testing.assert_array_equal(
        np.asarray(jnp.select(conds, choices, -1.0)), np.asarray(ref.select(conds, choices, -1.0))
    )
    got = mlax.grad(lambda x: jnp.select([x > 0], [x**2], x).sum())(A)
    want = jax.grad(lambda x: ref.select([x > 0], [x**2], x).sum())(A)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want))
    x = np.array([1.0, np.nan, np.inf, -np.inf], np.float32)
    for f in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(
            np.asarray(getattr(jnp, f)(x)), np.asarray(getattr(ref, f)(x))
        )
        np.testing.assert_array_equal(
            np.asarray(getattr(jnp, f)(np.arange(3))), np.asarray(getattr(ref, f)(np.arange(3)))
        )
    with pytest.raises(
        ValueError, match="select: condlist and choicelist must have the same length"
    ):
        jnp.select([A > 0], [A, A])


Z = (R.normal(size=(3, 2)) + 1j * R.normal(size=(3, 2))).astype(np.complex64)


@pytest.mark.parametrize("name", ["real", "imag", "conj", "conjugate", "abs"])
def test_complex_parts(name):
    f, g = getattr(jnp, name), getattr(ref, name)
    for z in (Z, Z[0], A):
        got, want = f(z), g(z)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # grad through a real-valued loss, vmap, jvp
    loss = lambda lib, fn: lambda z: lib.real(fn(z) * lib.conj(fn(z))).sum()  # noqa: E731
    np.testing.assert_allclose(
        np.asarray(mlax.grad(loss(jnp, f))(Z)),
        np.asarray(jax.grad(loss(ref, g))(Z)),
        rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(np.asarray(mlax.vmap(f)(Z)), np.asarray(jax.vmap(g)(Z)), rtol=1e-6)
    got = mlax.jvp(f, (Z,), (Z * 0.5j,))
    want = jax.jvp(g, (Z,), (Z * 0.5j,))
    np.testing.assert_allclose(np.asarray(got[1]), np.asarray(want[1]), rtol=1e-5, atol=1e-6)


def test_lax_complex():
    x, y = A[0], B[0, :4]
    got = lax.complex(x, y)
    assert got.dtype == np.complex64
    np.testing.assert_array_equal(np.asarray(got), np.asarray(jax.lax.complex(x, y)))
    f = lambda lib, c: lambda x, y: lib.abs(c(x, y) ** 2).sum()  # noqa: E731
    got = mlax.grad(f(jnp, lax.complex), (0, 1))(x, y)
    want = jax.grad(f(ref, jax.lax.complex), (0, 1))(x, y)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
    got = mlax.vmap(lax.complex, (0, None))(A, A[0])
    np.testing.assert_array_equal(
        np.asarray(got), np.asarray(jax.vmap(jax.lax.complex, (0, None))(A, A[0]))
    )
    with pytest.raises(
        TypeError, match="lax.complex requires float32 or float64 arguments, got x of dtype int32"
    ):
        lax.complex(np.arange(2), np.ones(2, np.float32))
    with pytest.raises(TypeError, match="lax.real requires complex arguments"):
        lax.real(A)
