"""mlax.scipy.linalg against jax.scipy.linalg: Cholesky and triangular
solves, LU, QR, SVD, eigh, solve (assume_a), det / inv, expm and its
Frechet derivative, polar, and the special matrices; values, dtypes,
errors, jit, vmap and derivatives."""

import contextlib
import warnings

import jax
import jax.scipy.linalg as RS
import mlax
import mlax.lax.linalg as ll
import mlax.scipy.linalg as S
import numpy as np
import pytest

R = np.random.default_rng(5)
F32, F64, C64 = np.float32, np.float64, np.complex64


def needs(*names):
    missing = [n for n in names if not hasattr(ll, n)]
    return pytest.mark.skipif(bool(missing), reason=f"mlax.lax.linalg lacks {missing}")


def rand(shape, dtype=F32):
    x = R.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * R.normal(size=shape)
    return x.astype(dtype)


def spd(shape, dtype=F32):
    a = rand(shape, dtype)
    n = shape[-1]
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def tol(dtype):
    return 1e-12 if np.dtype(dtype) in (np.float64, np.complex128) else 2e-5


def check(got, want, rtol=None, atol=None):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    r = tol(want.dtype) if rtol is None else rtol
    np.testing.assert_allclose(got, want, rtol=r, atol=r if atol is None else atol)


def check_tree(got, want, **kw):
    gl, wl = jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert len(gl) == len(wl)
    for g, w in zip(gl, wl):
        check(g, w, **kw)


@contextlib.contextmanager
def x64():
    mlax.config.update("mlax_enable_x64", True)
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        mlax.config.update("mlax_enable_x64", False)
        jax.config.update("jax_enable_x64", False)


def H(x):
    return np.conj(np.swapaxes(np.asarray(x), -1, -2))


def test_names():
    want = {n for n in dir(RS) if not n.startswith("_")}
    assert set(S.__all__) <= want
    for n in S.__all__:
        assert callable(getattr(S, n))


# --------------------------------------------------------------------------
# Cholesky and triangular solves
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [F32, C64])
def test_cholesky_cho_solve(dtype):
    a = spd((2, 3, 3), dtype)
    b = rand((2, 3, 2), dtype)
    for lower in [False, True]:
        check(S.cholesky(a, lower=lower), RS.cholesky(a, lower=lower))
        c = S.cho_factor(a, lower=lower)
        assert c[1] is lower
        check(S.cho_solve(c, b), RS.cho_solve(RS.cho_factor(a, lower=lower), b))
        check(S.cho_solve(c, b[0, :, 0]), RS.cho_solve(RS.cho_factor(a, lower), b[0, :, 0]))
    # only the named triangle is read
    check(S.cholesky(np.triu(a)), RS.cholesky(np.triu(a)))
    check(S.cholesky(np.tril(a), lower=True), RS.cholesky(np.tril(a), lower=True))
    if dtype == F32:
        w = rand((3, 3))
        check(
            mlax.grad(lambda m: (S.cholesky(m) * w).sum())(a[0]),
            jax.grad(lambda m: (RS.cholesky(m) * w).sum())(a[0]),
            rtol=1e-4,
        )
        check(
            mlax.grad(lambda m, v: (S.cho_solve((m, True), v) ** 2).sum(), argnums=(0, 1))(
                np.linalg.cholesky(a[0]), b[0]
            )[1],
            jax.grad(lambda m, v: (RS.cho_solve((m, True), v) ** 2).sum(), argnums=(0, 1))(
                np.linalg.cholesky(a[0]), b[0]
            )[1],
            rtol=1e-4,
        )
        check(
            mlax.jit(lambda m, v: S.cho_solve((m, False), v))(a, b),
            RS.cho_solve((a, False), b),
        )
        check(mlax.vmap(S.cholesky)(a), jax.vmap(RS.cholesky)(a))


@pytest.mark.parametrize("dtype", [F32, C64])
def test_solve_triangular(dtype):
    a = rand((2, 3, 3), dtype) + 3 * np.eye(3, dtype=dtype)
    b = rand((2, 3, 2), dtype)
    for lower in [False, True]:
        for trans in [0, 1, 2, "N", "T", "C"]:
            check(
                S.solve_triangular(a, b, trans=trans, lower=lower),
                RS.solve_triangular(a, b, trans=trans, lower=lower),
                rtol=1e-4,
            )
        check(
            S.solve_triangular(a, b, lower=lower, unit_diagonal=True),
            RS.solve_triangular(a, b, lower=lower, unit_diagonal=True),
            rtol=1e-4,
        )
        check(
            S.solve_triangular(a[0], b[0, :, 0], lower=lower),
            RS.solve_triangular(a[0], b[0, :, 0], lower=lower),
            rtol=1e-4,
        )
    check(
        S.solve_triangular(a[0], b, lower=True), RS.solve_triangular(a[0], b, lower=True), rtol=1e-4
    )
    with pytest.warns(FutureWarning):
        got = S.solve_triangular(a, b[..., 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        check(got, RS.solve_triangular(a, b[..., 0]), rtol=1e-4)
    for m in (S, RS):
        with pytest.raises(ValueError, match="trans"):
            m.solve_triangular(a, b, trans=3)
    if dtype == F32:
        check_tree(
            mlax.grad(
                lambda p, q: (S.solve_triangular(p, q, trans=1, lower=True) ** 2).sum(),
                argnums=(0, 1),
            )(a, b),
            jax.grad(
                lambda p, q: (RS.solve_triangular(p, q, trans=1, lower=True) ** 2).sum(),
                argnums=(0, 1),
            )(a, b),
            rtol=1e-4,
        )
        check(
            mlax.vmap(lambda p, q: S.solve_triangular(p, q, lower=True))(a, b),
            jax.vmap(lambda p, q: RS.solve_triangular(p, q, lower=True))(a, b),
            rtol=1e-4,
        )


@pytest.mark.filterwarnings("ignore::FutureWarning")  # jax's own cho_solve call warns
@pytest.mark.parametrize("dtype", [F32, C64])
def test_solve_assume_a(dtype):
    a = spd((2, 3, 3), dtype)
    b = rand((2, 3, 2), dtype)
    kinds = ["pos"] + (["gen", "her"] if hasattr(ll, "lu") else [])
    for assume_a in kinds:
        for lower in [False, True]:
            check(
                S.solve(a, b, assume_a=assume_a, lower=lower),
                RS.solve(a, b, assume_a=assume_a, lower=lower),
                rtol=1e-4,
            )
        check(
            S.solve(a[0], b[0, :, 0], assume_a=assume_a),
            RS.solve(a[0], b[0, :, 0], assume_a=assume_a),
            rtol=1e-4,
        )
    for m in (S, RS):
        with pytest.raises(ValueError, match="assume_a"):
            m.solve(a, b, assume_a="bogus")
    if dtype == F32:
        check_tree(
            mlax.grad(lambda p, q: (S.solve(p, q, assume_a="pos") ** 2).sum(), argnums=(0, 1))(
                a, b
            ),
            jax.grad(lambda p, q: (RS.solve(p, q, assume_a="pos") ** 2).sum(), argnums=(0, 1))(
                a, b
            ),
            rtol=1e-4,
        )
        t = rand((3, 3))
        check_tree(
            mlax.jvp(lambda p: S.solve(p, b[0], assume_a="pos"), (a[0],), (t + t.T,)),
            jax.jvp(lambda p: RS.solve(p, b[0], assume_a="pos"), (a[0],), (t + t.T,)),
            rtol=1e-4,
        )


# --------------------------------------------------------------------------
# LU
# --------------------------------------------------------------------------


@needs("lu", "lu_pivots_to_permutation")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_lu(dtype):
    for shape in [(4, 3), (3, 5)]:
        a = rand(shape, dtype)
        check_tree(S.lu(a), RS.lu(a), rtol=1e-4)
        check_tree(S.lu(a, permute_l=True), RS.lu(a, permute_l=True), rtol=1e-4)
        check_tree(S.lu_factor(a), RS.lu_factor(a), rtol=1e-4)
    a = rand((2, 3, 3), dtype)
    check_tree(S.lu_factor(a), RS.lu_factor(a), rtol=1e-4)
    b = rand((2, 3, 2), dtype)
    lf, rf = S.lu_factor(a), RS.lu_factor(a)
    for trans in [0, 1, 2]:
        check(S.lu_solve(lf, b, trans=trans), RS.lu_solve(rf, b, trans=trans), rtol=1e-4)
    check(
        S.lu_solve((lf[0][0], lf[1][0]), b[0, :, 0], trans=1),
        RS.lu_solve((rf[0][0], rf[1][0]), b[0, :, 0], trans=1),
        rtol=1e-4,
    )
    check(S.det(a), RS.det(a), rtol=1e-4)
    check(S.inv(a), RS.inv(a), rtol=1e-4)
    if dtype == F32:
        # a = p @ l @ u: the gradient of sum(w * (l @ u)) is invariant
        w = rand((3, 3))
        check(
            mlax.grad(lambda m: (S.lu(m, permute_l=True)[1] * w).sum())(a[0]),
            jax.grad(lambda m: (RS.lu(m, permute_l=True)[1] * w).sum())(a[0]),
            rtol=1e-3,
            atol=1e-4,
        )


# --------------------------------------------------------------------------
# QR, SVD, eigh, polar
# --------------------------------------------------------------------------


@needs("qr")
@pytest.mark.parametrize("dtype", [F32, C64])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4)])
def test_qr(dtype, shape):
    a = rand(shape, dtype)
    for mode in ["full", "economic"]:
        q, r = S.qr(a, mode=mode)
        rq, rr = RS.qr(a, mode=mode)
        assert np.asarray(q).shape == rq.shape and np.asarray(r).shape == rr.shape
        assert np.asarray(q).dtype == rq.dtype
        np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a, atol=1e-4)
        np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(rr), atol=1e-4)
    (r,) = S.qr(a, mode="r")
    np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(RS.qr(a, mode="r")[0]), atol=1e-4)
    for m in (S, RS):
        with pytest.raises(ValueError):
            m.qr(a, mode="bogus")
    if len(shape) == 2:
        for mode in ["right", "left"]:
            c = rand((2, shape[0]) if mode == "right" else (min(shape), 2), dtype)
            for conjugate in [False, True]:
                check_tree(
                    S.qr_multiply(a, c, mode=mode, conjugate=conjugate),
                    RS.qr_multiply(a, c, mode=mode, conjugate=conjugate),
                    rtol=1e-4,
                )
            v = c[0] if mode == "right" else c[:, 0]
            check_tree(S.qr_multiply(a, v, mode=mode), RS.qr_multiply(a, v, mode=mode), rtol=1e-4)


@needs("svd")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_svd_polar(dtype):
    a = rand((2, 4, 3), dtype)
    check(S.svd(a, compute_uv=False), RS.svd(a, compute_uv=False), rtol=1e-4)
    for full in [True, False]:
        u, s, vh = S.svd(a, full_matrices=full)
        ru, rs, rvh = RS.svd(a, full_matrices=full)
        assert np.asarray(u).shape == ru.shape and np.asarray(vh).shape == rvh.shape
        check(s, rs, rtol=1e-4)
    for side in ["right", "left"]:
        for method in ["svd", "qdwh"] if side == "right" else ["svd"]:
            u, p = S.polar(a, side=side, method=method)
            ru, rp = RS.polar(a, side=side, method=method)
            check(u, ru, rtol=1e-3, atol=1e-4)
            check(p, rp, rtol=1e-3, atol=1e-4)
    for m in (S, RS):
        with pytest.raises(ValueError):
            m.polar(a[0, 0])
        with pytest.raises(ValueError):
            m.polar(a, side="up")


@needs("eigh")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_eigh(dtype):
    a = rand((2, 3, 3), dtype)
    h = a + H(a)
    for lower in [True, False]:
        tri = np.tril(h) if lower else np.triu(h)
        check(S.eigh(tri, lower=lower)[0], RS.eigh(tri, lower=lower)[0], rtol=1e-4)
        w, v = S.eigh(h, lower=lower)
        check(w, RS.eigh(h, lower=lower)[0], rtol=1e-4)
        np.testing.assert_allclose(
            np.asarray(v) * np.asarray(w)[..., None, :], h @ np.asarray(v), atol=1e-4
        )
    check(S.eigh(h, eigvals_only=True), RS.eigh(h, eigvals_only=True), rtol=1e-4)
    with pytest.raises(NotImplementedError):
        S.eigh(h, h)


# --------------------------------------------------------------------------
# expm
# --------------------------------------------------------------------------


def test_expm_values():
    if not hasattr(ll, "lu"):
        pytest.skip("expm solves through lu")
    for scale in [0.05, 0.5, 1.5, 4.0, 30.0]:
        a = rand((3, 3)) * scale
        check(S.expm(a), RS.expm(a), rtol=1e-4, atol=1e-5 * max(1.0, np.abs(RS.expm(a)).max()))
    a = rand((2, 3, 3))
    check(S.expm(a), RS.expm(a), rtol=1e-4)
    z = rand((3, 3), C64)
    check(S.expm(z), RS.expm(z), rtol=1e-4)
    u = np.triu(rand((3, 3)))
    check(S.expm(u, upper_triangular=True), RS.expm(u, upper_triangular=True), rtol=1e-4)
    big = np.full((3, 3), 1e8, F32)
    check(S.expm(big), RS.expm(big))  # too many squarings: NaN
    for m in (S, RS):
        with pytest.raises(ValueError):
            m.expm(rand((3, 4)))


def test_expm_derivatives():
    if not hasattr(ll, "lu"):
        pytest.skip("expm solves through lu")
    a, e = rand((3, 3)) * 0.7, rand((3, 3))
    check_tree(S.expm_frechet(a, e), RS.expm_frechet(a, e), rtol=1e-4)
    check(
        S.expm_frechet(a, e, compute_expm=False),
        RS.expm_frechet(a, e, compute_expm=False),
        rtol=1e-4,
    )
    w = rand((3, 3))
    check(
        mlax.grad(lambda m: (S.expm(m) * w).sum())(a),
        jax.grad(lambda m: (RS.expm(m) * w).sum())(a),
        rtol=1e-4,
    )
    A = rand((2, 3, 3))
    check(mlax.vmap(S.expm)(A), jax.vmap(RS.expm)(A), rtol=1e-4)
    for m in (S, RS):
        with pytest.raises(ValueError):
            m.expm_frechet(a, e[:2])


def test_float64():
    with x64():
        a = spd((3, 3), F64)
        b = rand((3, 2), F64)
        check(S.cholesky(a), RS.cholesky(a))
        check(S.cho_solve(S.cho_factor(a), b), RS.cho_solve(RS.cho_factor(a), b))
        check(S.solve(a, b, assume_a="pos"), RS.solve(a, b, assume_a="pos"))
        check(S.solve_triangular(a, b, trans="C"), RS.solve_triangular(a, b, trans="C"))
        if hasattr(ll, "lu"):
            for scale in [0.01, 0.2, 0.9, 2.0, 20.0]:  # every Pade degree
                m = rand((3, 3), F64) * scale
                check(S.expm(m), RS.expm(m), rtol=1e-10)
            check(S.det(a), RS.det(a))
        check(S.hilbert(3), RS.hilbert(3))
        check(S.dft(3), RS.dft(3))


# --------------------------------------------------------------------------
# Special matrices
# --------------------------------------------------------------------------


def test_special_matrices():
    c = np.arange(1.0, 5.0, dtype=F32)
    r = np.arange(3.0, dtype=F32) + 7
    cases = [
        ("toeplitz", (c, r)),
        ("toeplitz", (c,)),
        ("toeplitz", (np.stack([c, c + 1]), r)),
        ("hankel", (c, r)),
        ("hankel", (np.stack([c, c + 1]), r)),
        ("circulant", (np.stack([c, -c]),)),
        ("companion", (c,)),
        ("companion", (np.arange(1, 5),)),
        ("fiedler", (c,)),
        ("fiedler_companion", (np.arange(1.0, 8.0, dtype=F32),)),
        ("leslie", (c, c[:3])),
        ("block_diag", (c, np.ones((2, 2), F32), 3.0)),
        ("block_diag", (np.ones((2, 3), np.int32), np.ones((1, 1), np.int32))),
        ("convolution_matrix", (c, 3, "same")),
        ("convolution_matrix", (c, 6, "same")),
        ("hilbert", (4,)),
        ("helmert", (4, True)),
        ("hadamard", (4,)),
        ("dft", (4,)),
        ("pascal", (4,)),
        ("pascal", (5, "lower")),
        ("invpascal", (4,)),
        ("invpascal", (4, "lower")),
        ("invhilbert", (4,)),
        ("dft", (3, "sqrtn")),
    ]
    for name, args in cases:
        check(getattr(S, name)(*args), getattr(RS, name)(*args), rtol=1e-5)
    errors = [
        ("block_diag", (np.ones((2, 2, 2)),), ValueError),
        ("hadamard", (3,), ValueError),
        ("pascal", (3, "bogus"), ValueError),
        ("helmert", (0,), ValueError),
        ("dft", (3, "bogus"), ValueError),
        ("leslie", (c, c), ValueError),
        ("companion", (c[:1],), ValueError),
        ("convolution_matrix", (c, 0), ValueError),
        ("convolution_matrix", (c, 2, "bogus"), ValueError),
        ("toeplitz", ([1.0, 2.0],), TypeError),
        ("hankel", (np.float32(1.0),), ValueError),
    ]
    for name, args, exc in errors:
        for m in (S, RS):
            with pytest.raises(exc):
                getattr(m, name)(*args)
    check(
        mlax.grad(lambda v: (S.toeplitz(v, r) ** 2).sum())(c),
        jax.grad(lambda v: (RS.toeplitz(v, r) ** 2).sum())(c),
    )
    check(
        mlax.grad(lambda v: (S.block_diag(v, v[:2]) ** 2).sum())(c),
        jax.grad(lambda v: (RS.block_diag(v, v[:2]) ** 2).sum())(c),
    )


@needs("eigh")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_eigh_tridiagonal(dtype):
    d = rand((5,), F32).astype(dtype)
    e = rand((4,), dtype)
    w = S.eigh_tridiagonal(d, e, eigvals_only=True)
    check(w, RS.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-4)
    sub = S.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3))
    check(
        sub,
        RS.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
        rtol=1e-4,
    )
    w, v = S.eigh_tridiagonal(d, e)
    rw, rv = RS.eigh_tridiagonal(d, e)
    check(w, rw, rtol=1e-4)
    assert np.asarray(v).shape == rv.shape and np.asarray(v).dtype == rv.dtype
    t = np.diag(d) + np.diag(e, -1) + np.diag(np.conj(e), 1)
    np.testing.assert_allclose(t @ np.asarray(v), np.asarray(v) * np.asarray(w), atol=1e-4)
    for m in (S, RS):
        with pytest.raises(TypeError):
            m.eigh_tridiagonal(np.arange(3), np.arange(2))
        with pytest.raises(ValueError):
            m.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(3, 1))


def test_decomposition_errors():
    x34, x3 = np.ones((3, 4), F32), np.ones(3, F32)
    cases = [
        lambda m: m.cholesky(x34),
        lambda m: m.lu(x3),
        lambda m: m.lu_factor(x3),
        lambda m: m.svd(x3),
        lambda m: m.qr(x3),
        lambda m: m.eigh(x34),
        lambda m: m.solve_triangular(x34, x3),
        lambda m: m.cho_solve((x34, False), x3),
        lambda m: m.solve(x34, x3, assume_a="pos"),
        lambda m: m.solve(x34, x3),
        lambda m: m.det(x3),
        lambda m: m.inv(x34),
    ]
    for fn in cases:
        try:
            fn(RS)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                fn(S)
        else:
            fn(S)


@needs("householder_product")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_hessenberg(dtype):
    for shape in [(1, 1), (2, 2), (2, 4, 4)]:
        a = rand(shape, dtype)
        check(S.hessenberg(a), RS.hessenberg(a), rtol=1e-4, atol=1e-5)
        h, q = S.hessenberg(a, calc_q=True)
        rh, rq = RS.hessenberg(a, calc_q=True)
        check(h, rh, rtol=1e-4, atol=1e-5)
        check(q, rq, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(q) @ np.asarray(h) @ H(q), a, atol=1e-5)


@needs("schur", "eig")
def test_schur_family():
    import jax.numpy as ref
    import mlax.numpy as jnp

    a = rand((4, 4))
    t, z = S.schur(a)
    rt, rz = RS.schur(a)
    assert np.asarray(t).dtype == rt.dtype and np.asarray(z).shape == rz.shape
    np.testing.assert_allclose(np.asarray(z) @ np.asarray(t) @ H(z), a, atol=1e-4)
    assert np.allclose(np.tril(np.asarray(t), -2), 0)
    tc, zc = S.schur(a, output="complex")
    rtc, _ = RS.schur(a, output="complex")
    assert np.asarray(tc).dtype == rtc.dtype
    assert np.allclose(np.tril(np.asarray(tc), -1), 0, atol=1e-6)
    np.testing.assert_allclose(np.asarray(zc) @ np.asarray(tc) @ H(zc), a, atol=1e-4)
    for m in (S, RS):
        with pytest.raises(ValueError):
            m.schur(a, output="bogus")
    # rsf2csf of the same real Schur form
    check_tree(S.rsf2csf(rt, rz), RS.rsf2csf(rt, rz), rtol=1e-4, atol=1e-4)
    p = spd((3, 3))
    check(S.sqrtm(p), RS.sqrtm(p), rtol=1e-3, atol=1e-4)
    check(S.funm(a, jnp.exp), RS.funm(a, ref.exp), rtol=1e-3, atol=1e-4)
    b, c = rand((3, 3)), rand((4, 3))
    for method in ["schur", "eigen"]:
        check(
            S.solve_sylvester(a, b, c, method=method),
            RS.solve_sylvester(a, b, c, method=method),
            rtol=1e-3,
            atol=1e-4,
        )
