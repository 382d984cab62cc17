"""The linear algebra, FFT and special-function ops (mlax.lax.linalg,
lax.fft, lax.lgamma & co.) against jax: values, grads (through each op's
C++ JVP, linearize and transpose), vmap, jit, batched and complex inputs;
finite differences where the decomposition is not unique."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from jax._src.lax import linalg as jax_linalg
from mlax import lax

R = np.random.default_rng(3)


def _close(got, want, tol=2e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _mat(shape, dtype=np.float32):
    x = R.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * R.normal(size=shape)
    return x.astype(dtype)


def _spd(shape, dtype=np.float32):
    x = _mat(shape, dtype)
    n = shape[-1]
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dtype)


# --- cholesky / triangular_solve -------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_cholesky(shape, dtype):
    a = _spd(shape, dtype)
    _close(lax.linalg.cholesky(a), jax.lax.linalg.cholesky(a))

    def f(lib, la):
        return lambda a: lib.sum(lib.abs(lib.sin(la.cholesky(a))) ** 2)

    _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 1e-4)
    _close(
        mlax.jit(mlax.vmap(lax.linalg.cholesky))(a.reshape(-1, *shape[-2:])),
        jax.vmap(jax.lax.linalg.cholesky)(a.reshape(-1, *shape[-2:])),
    )


def test_cholesky_not_positive_definite_is_nan():
    out = np.asarray(lax.linalg.cholesky(-np.eye(3, dtype=np.float32)))
    assert np.isnan(out[np.tril_indices(3)]).all() and (out[np.triu_indices(3, 1)] == 0).all()


def test_cholesky_seed_complex_example():
    # The tutorial's complex example: holomorphic grad through cholesky.
    a = np.array(
        [[5.0, 2.0 + 3j, 5j], [2.0 - 3j, 7.0, 1.0 + 7j], [-5j, 1.0 - 7j, 12.0]], np.complex64
    )

    def f(lib, la):
        def g(x):
            low = la.cholesky(x)
            return lib.sum((low - lib.sin(low)) ** 2)

        return g

    got = mlax.grad(f(jnp, lax.linalg), holomorphic=True)(a)
    _close(got, jax.grad(f(ref, jax.lax.linalg), holomorphic=True)(a), 1e-5)


_SOLVE_CASES = [
    dict(left_side=True, lower=True),
    dict(left_side=True, lower=False, transpose_a=True),
    dict(left_side=False, lower=True, unit_diagonal=True),
    dict(left_side=False, lower=False, transpose_a=True, conjugate_a=True),
    dict(left_side=True, lower=True, conjugate_a=True),
]


@pytest.mark.parametrize("kw", _SOLVE_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_triangular_solve(kw, dtype):
    a = _spd((2, 4, 4), dtype)
    b = _mat((2, 4, 3) if kw["left_side"] else (2, 3, 4), dtype)
    _close(lax.linalg.triangular_solve(a, b, **kw), jax.lax.linalg.triangular_solve(a, b, **kw))

    def f(lib, la):
        return lambda a, b: lib.sum(lib.abs(lib.sin(la.triangular_solve(a, b, **kw))) ** 2)

    for got, want in zip(
        mlax.grad(f(jnp, lax.linalg), (0, 1))(a, b), jax.grad(f(ref, jax.lax.linalg), (0, 1))(a, b)
    ):
        _close(got, want, 1e-4)
    # vmap with one matrix (the batch joins b's free dimension) and with both.
    for in_axes in [(None, 0), (0, 0), (0, None)]:
        aa = a if in_axes[0] == 0 else a[0]
        bb = b if in_axes[1] == 0 else b[0]
        _close(
            mlax.vmap(lambda a, b: lax.linalg.triangular_solve(a, b, **kw), in_axes)(aa, bb),
            jax.vmap(lambda a, b: jax.lax.linalg.triangular_solve(a, b, **kw), in_axes)(aa, bb),
        )


def test_triangular_solve_vector_rhs_and_errors():
    a = _spd((3, 3))
    b = _mat((3,))
    _close(
        lax.linalg.triangular_solve(a, b, left_side=True, lower=True),
        jax.lax.linalg.triangular_solve(a, b, left_side=True, lower=True),
    )
    with pytest.raises(TypeError, match="same dtype"):
        lax.linalg.triangular_solve(a, b.astype(np.float16), left_side=True)
    with pytest.raises(TypeError, match="rows"):
        lax.linalg.triangular_solve(a, _mat((4, 2)), left_side=True)
    with pytest.raises(TypeError, match="square"):
        lax.linalg.cholesky(_mat((3, 4)))
    with pytest.raises(ValueError, match="square"):
        lax.linalg.eig(_mat((3, 4)))
    with pytest.raises(TypeError, match="rank at least 2"):
        lax.linalg.svd(_mat((3,)))


# --- decompositions ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_eigh(dtype):
    x = _mat((2, 4, 4), dtype)
    a = x + np.conj(np.swapaxes(x, -1, -2))
    v, w = lax.linalg.eigh(a)
    _close(w, jax.lax.linalg.eigh(a)[1], 1e-4)
    recon = jnp.einsum("bij,bj,bkj->bik", v, w.astype(dtype), jnp.conj(v))
    _close(recon, a.astype(dtype), 1e-4)

    # Invariant functions of the decomposition: eigenvalues and |v|^2.
    def f(lib, la):
        def g(a):
            v, w = la.eigh(a)
            return lib.sum(w**3) + lib.sum(lib.abs(v) ** 4)

        return g

    _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 2e-4)
    _close(
        mlax.vmap(lambda a: lax.linalg.eigh(a)[1])(a),
        jax.vmap(lambda a: jax.lax.linalg.eigh(a)[1])(a),
        1e-4,
    )


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_svd(shape, dtype):
    a = _mat(shape, dtype)
    u, s, vh = lax.linalg.svd(a, full_matrices=False)
    _close(s, jax.lax.linalg.svd(a, compute_uv=False), 1e-4)
    _close(jnp.einsum("...ij,...j,...jk->...ik", u, s.astype(dtype), vh), a, 1e-4)
    uf, sf, vhf = lax.linalg.svd(a)
    m, n = shape[-2:]
    assert uf.shape[-2:] == (m, m) and vhf.shape[-2:] == (n, n)

    def f(lib, la):
        def g(a):
            u, s, vh = la.svd(a, full_matrices=False)
            return lib.sum(s**3) + lib.sum(lib.abs(u) ** 4) + lib.sum(lib.abs(vh) ** 4)

        return g

    _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 2e-4)
    sv = lambda a: lax.linalg.svd(a, compute_uv=False)  # noqa: E731
    _close(
        mlax.jit(mlax.grad(lambda a: jnp.sum(sv(a))))(a),
        jax.grad(lambda a: ref.sum(jax.lax.linalg.svd(a, compute_uv=False)))(a),
        1e-4,
    )


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_qr(shape, dtype):
    a = _mat(shape, dtype)
    for full in (True, False):
        q, r = lax.linalg.qr(a, full_matrices=full)
        qj, rj = jax.lax.linalg.qr(a, full_matrices=full)
        _close(q, qj, 1e-4)
        _close(r, rj, 1e-4)
    if shape[-2] >= shape[-1]:

        def f(lib, la):
            def g(a):
                q, r = la.qr(a, full_matrices=False)
                return lib.sum(lib.abs(lib.sin(q)) ** 2) + lib.sum(lib.abs(r) ** 2)

            return g

        _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 1e-4)
    _close(mlax.vmap(lambda a: lax.linalg.qr(a)[1])(a[None]), jax.lax.linalg.qr(a)[1][None], 1e-4)


@pytest.mark.parametrize("shape", [(4, 4), (4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_lu(shape, dtype):
    a = _mat(shape, dtype)
    got, want = lax.linalg.lu(a), jax.lax.linalg.lu(a)
    for g, w in zip(got, want):
        _close(g, w, 1e-5)

    def f(lib, la):
        return lambda a: lib.sum(lib.abs(lib.sin(la.lu(a)[0])) ** 2)

    _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 1e-4)
    _close(mlax.jit(mlax.vmap(lambda a: lax.linalg.lu(a)[2]))(a[None]), want[2][None])


def test_lu_pivots_to_permutation_and_householder():
    piv = np.array([[2, 2, 3, 3], [0, 3, 2, 3]], np.int32)
    _close(
        lax.linalg.lu_pivots_to_permutation(piv, 5), jax.lax.linalg.lu_pivots_to_permutation(piv, 5)
    )
    a = _mat((2, 5, 3))
    f, taus = lax.linalg.geqrf(a)
    fj, tj = jax_linalg.geqrf(a)
    _close(f, fj, 1e-5)
    _close(lax.linalg.householder_product(f, taus), jax_linalg.householder_product(fj, tj), 1e-5)
    with pytest.raises(NotImplementedError, match="float16"):
        lax.linalg.eigh(np.eye(2, dtype=np.float16))


def test_eig():
    a = _mat((2, 4, 4))
    w, vl, vr = lax.linalg.eig(a)
    wj = jax.lax.linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]
    key = lambda w: np.sort_complex(np.asarray(w))  # noqa: E731
    _close(key(w), key(wj), 1e-4)
    # A v = v diag(w) for the right vectors, vl^H A = diag(w) vl^H for the left.
    _close(jnp.matmul(a.astype(np.complex64), vr), vr * w[:, None, :], 1e-4)
    _close(
        jnp.matmul(jnp.conj(jnp.swapaxes(vl, -1, -2)), a.astype(np.complex64)),
        jnp.conj(jnp.swapaxes(vl, -1, -2)) * w[:, :, None],
        1e-4,
    )

    def f(lib, la):
        def g(a):
            w = la.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]
            return lib.sum(lib.abs(w) ** 2)

        return g

    _close(mlax.grad(f(jnp, lax.linalg))(a), jax.grad(f(ref, jax.lax.linalg))(a), 1e-3)


# --- fft ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,lengths,shape,dtype",
    [
        ("FFT", (8,), (3, 8), np.complex64),
        ("IFFT", (3, 8), (3, 8), np.complex64),
        ("RFFT", (8,), (3, 8), np.float32),
        ("RFFT", (7,), (2, 7), np.float32),
        ("RFFT", (2, 6), (2, 6), np.float32),
        ("IRFFT", (8,), (3, 5), np.complex64),
        ("IRFFT", (3, 7), (3, 4), np.complex64),
    ],
)
def test_fft(kind, lengths, shape, dtype):
    x = _mat(shape, dtype)
    _close(lax.fft(x, kind, lengths), jax.lax.fft(x, kind, lengths), 1e-4)
    w = np.arange(np.prod(jax.lax.fft(x, kind, lengths).shape)).reshape(
        jax.lax.fft(x, kind, lengths).shape
    )

    def f(lib, ff):
        return lambda x: lib.sum(lib.abs(lib.sin(ff(x, kind, lengths))) ** 2 * w)

    _close(mlax.grad(f(jnp, lax.fft))(x), jax.grad(f(ref, jax.lax.fft))(x), 1e-3)
    _close(
        mlax.vmap(lambda x: lax.fft(x, kind, lengths))(x[None]),
        jax.lax.fft(x, kind, lengths)[None],
        1e-4,
    )
    t = _mat(shape, dtype)
    for g, e in zip(
        mlax.jvp(lambda x: lax.fft(x, kind, lengths), (x,), (t,)),
        jax.jvp(lambda x: jax.lax.fft(x, kind, lengths), (x,), (t,)),
    ):
        _close(g, e, 1e-4)


def test_fft_errors():
    with pytest.raises(ValueError, match="only real valued"):
        lax.fft(_mat((4,), np.complex64), "rfft", (4,))
    with pytest.raises(ValueError, match="minor dimensions"):
        lax.fft(_mat((4,), np.complex64), "fft", (5,))
    with pytest.raises(TypeError, match="Unknown FFT type"):
        lax.fft(_mat((4,), np.complex64), 3.0, (4,))


# --- special functions ---------------------------------------------------------


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc"])
def test_special_unary(name):
    x = np.linspace(0.3, 4.0, 9).astype(np.float32)
    f, g = getattr(lax, name), getattr(jax.lax, name)
    _close(f(x), g(x), 1e-5)
    _close(mlax.vmap(mlax.grad(f))(x), jax.vmap(jax.grad(g))(x), 1e-4)


def test_polygamma_zeta():
    x = np.linspace(0.5, 3.0, 6).astype(np.float32)
    n = np.array([0.0, 1.0, 2.0, 1.0, 3.0, 0.0], np.float32)
    _close(lax.polygamma(n, x), jax.lax.polygamma(n, x), 1e-4)
    _close(
        mlax.grad(lambda x: jnp.sum(lax.polygamma(n, x)))(x),
        jax.grad(lambda x: ref.sum(jax.lax.polygamma(n, x)))(x),
        1e-3,
    )
    s = np.array([2.0, 3.0, 4.5, 2.5, 6.0, 3.0], np.float32)
    _close(lax.zeta(s, x), jax.lax.zeta(s, x), 1e-4)
    # jax has no zeta derivative: d/dq zeta(s, q) = -s zeta(s + 1, q).
    _close(mlax.grad(lambda q: jnp.sum(lax.zeta(s, q)))(x), -s * jax.lax.zeta(s + 1, x), 1e-3)
    with pytest.raises(mlax.TransformationError, match="not differentiable"):
        mlax.grad(lambda n: jnp.sum(lax.polygamma(n, x)))(n)


def test_conj_transpose_keeps_negative_zero():
    g = mlax.grad(jnp.conjugate, holomorphic=True)(3.0 + 4j)
    assert repr(g) == "Array(1.-0.j, dtype=complex64, weak_type=True)"


def test_tridiagonal_solve():
    m = 5
    dl, du = _mat((2, m)), _mat((2, m))
    d = _mat((2, m)) + 4
    b = _mat((2, m, 3))
    dl[:, 0] = 0
    du[:, -1] = 0
    _close(
        lax.linalg.tridiagonal_solve(dl, d, du, b), jax.lax.linalg.tridiagonal_solve(dl, d, du, b)
    )

    def f(lib, la):
        return lambda *a: lib.sum(lib.sin(la.tridiagonal_solve(*a)))

    for g, w in zip(
        mlax.grad(f(jnp, lax.linalg), (0, 1, 2, 3))(dl, d, du, b),
        jax.grad(f(ref, jax.lax.linalg), (0, 1, 2, 3))(dl, d, du, b),
    ):
        _close(g, w, 1e-5)
    _close(
        mlax.jit(mlax.vmap(lax.linalg.tridiagonal_solve))(dl, d, du, b),
        jax.vmap(jax.lax.linalg.tridiagonal_solve)(dl, d, du, b),
    )
    with pytest.raises(ValueError, match="shape"):
        lax.linalg.tridiagonal_solve(dl[:, 1:], d, du, b)


def test_isfinite_isinf_complex():
    x = np.array([1 + 1j, np.inf + 0j, complex(0, np.nan), complex(1, -np.inf)], np.complex64)
    _close(jnp.isfinite(x), ref.isfinite(x))
    _close(jnp.isinf(x), ref.isinf(x))
    _close(jnp.isnan(x), ref.isnan(x))
    _close(jnp.isfinite(np.arange(3)), ref.isfinite(np.arange(3)))


@pytest.mark.parametrize("dtype", [np.float32, np.complex64])
def test_schur(dtype):
    a = _mat((2, 4, 4), dtype)
    t, z = lax.linalg.schur(a)
    tj, zj = jax.lax.linalg.schur(a)
    _close(jnp.abs(t), jnp.abs(tj), 1e-4)
    zh = jnp.conj(jnp.swapaxes(z, -1, -2))
    _close(jnp.matmul(jnp.matmul(z, t), zh), a, 1e-4)
    (t1,) = lax.linalg.schur(a[0], compute_schur_vectors=False)
    _close(t1, t[0], 1e-5)
    with pytest.raises(NotImplementedError, match="sort"):
        lax.linalg.schur(a, sort_eig_vals=True)


def test_symmetric_product_cholesky_update_ormqr():
    a = _mat((4, 3))
    c = _mat((4, 4))
    c = c + c.T
    got = lax.linalg.symmetric_product(a, c, alpha=2.0, beta=3.0)
    want = jax.lax.linalg.symmetric_product(a, c, alpha=2.0, beta=3.0)
    _close(np.tril(np.asarray(got)), np.tril(np.asarray(want)), 1e-5)
    s = c @ c.T + np.eye(4, dtype=np.float32)
    r = np.linalg.cholesky(s).T.astype(np.float32)
    w = _mat((4,))
    _close(lax.linalg.cholesky_update(r, w), jax.lax.linalg.cholesky_update(r, w), 1e-5)
    h, t = jax_linalg.geqrf(a)
    h, t = np.asarray(h), np.asarray(t)
    for left, tr, cc in [
        (True, False, c),
        (True, True, c),
        (False, False, c[:2]),
        (False, True, c[:2]),
    ]:
        _close(
            lax.linalg.ormqr(h, t, cc, left=left, transpose=tr),
            jax.lax.linalg.ormqr(h, t, cc, left=left, transpose=tr),
            1e-5,
        )
