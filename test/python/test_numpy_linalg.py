"""mlax.numpy.linalg against jax.numpy.linalg: values (float32, float64,
complex64), dtypes and shapes (batched), errors, jit, vmap and derivatives.
Decompositions are compared through invariants (reconstructions,
eigenvalues, singular values, gradients of invariant functions), since
signs and phases are not unique."""

import contextlib

import jax
import jax.numpy.linalg as RL
import mlax
import mlax.lax.linalg as ll
import mlax.numpy.linalg as L
import numpy as np
import pytest

R = np.random.default_rng(11)
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


def test_names_match_jax():
    want = {n for n in dir(RL) if not n.startswith("_")}
    have = set(L.__all__)
    assert have <= want
    assert (
        want - have - {"EighResult", "EigResult", "QRResult", "SlogdetResult", "SVDResult"} == set()
    )
    for n in L.__all__:
        assert callable(getattr(L, n))


# --------------------------------------------------------------------------
# Norms
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [F32, C64])
def test_vector_norms(dtype):
    x = rand((2, 3, 4), dtype)
    for ord in [None, 1, -1, 2, 0, 3.5, -2.5, np.inf, -np.inf]:
        for axis, keepdims in [(-1, False), (0, True)]:
            check(
                L.norm(x, ord, axis=axis, keepdims=keepdims),
                RL.norm(x, ord, axis=axis, keepdims=keepdims),
            )
        check(
            L.vector_norm(x, ord=2 if ord is None else ord, axis=(0, 2)),
            RL.vector_norm(x, ord=2 if ord is None else ord, axis=(0, 2)),
        )
    check(L.norm(x), RL.norm(x))
    check(L.norm(x, keepdims=True), RL.norm(x, keepdims=True))
    check(L.vector_norm(x), RL.vector_norm(x))
    check(L.norm(x[0, 0], 3), RL.norm(x[0, 0], 3))
    check(L.norm(np.arange(4)), RL.norm(np.arange(4)))  # int -> float32


@pytest.mark.parametrize("dtype", [F32, C64])
def test_matrix_norms(dtype):
    x = rand((2, 3, 4), dtype)
    ords = [None, "fro", 1, -1, np.inf, -np.inf]
    if hasattr(ll, "svd"):
        ords += ["nuc", 2, -2]
    for ord in ords:
        for axis, keepdims in [((1, 2), False), ((2, 0), True), ((-1, -2), False)]:
            check(
                L.norm(x, ord, axis=axis, keepdims=keepdims),
                RL.norm(x, ord, axis=axis, keepdims=keepdims),
                rtol=1e-4,
            )
        check(L.matrix_norm(x, ord=ord or "fro"), RL.matrix_norm(x, ord=ord or "fro"), rtol=1e-4)
    check(L.norm(x[0], "fro"), RL.norm(x[0], "fro"))


def test_norm_errors_and_grad():
    x = rand((3, 4))
    for bad in [
        lambda m: m.norm(x, "fro", axis=1),
        lambda m: m.norm(x, "inf", axis=1),
        lambda m: m.norm(x, "bogus", axis=(0, 1)),
        lambda m: m.norm(x, 3, axis=(0, 1)),
        lambda m: m.norm(rand((2, 2, 2)), axis=(0, 1, 2)),
        lambda m: m.norm(x, axis=2),
    ]:
        with pytest.raises(ValueError):
            bad(RL)
        with pytest.raises(ValueError):
            bad(L)
    for ord in [None, 1, 3, np.inf]:
        check(
            mlax.grad(lambda v: L.norm(v, ord))(x[0]),
            jax.grad(lambda v: RL.norm(v, ord))(x[0]),
        )
    check(
        mlax.grad(lambda m: L.norm(m, "fro"))(x),
        jax.grad(lambda m: RL.norm(m, "fro"))(x),
    )
    check(mlax.vmap(lambda v: L.norm(v, 1))(x), jax.vmap(lambda v: RL.norm(v, 1))(x))
    check(mlax.jit(lambda v: L.norm(v, np.inf, axis=0))(x), RL.norm(x, np.inf, axis=0))


# --------------------------------------------------------------------------
# Products and array-API names
# --------------------------------------------------------------------------


def test_products():
    a, b, c = rand((3, 4)), rand((4, 5)), rand((5, 2))
    v3, w3 = rand((2, 3)), rand((3,))
    check(L.multi_dot([a, b, c]), RL.multi_dot([a, b, c]))
    check(L.multi_dot([a[0], b, c[:, 0]]), RL.multi_dot([a[0], b, c[:, 0]]))
    check(L.multi_dot([a, b]), RL.multi_dot([a, b]))
    check(L.vecdot(a, a[1]), RL.vecdot(a, a[1]))
    z = rand((3, 4), C64)
    check(L.vecdot(z, z, axis=0), RL.vecdot(z, z, axis=0))
    check(L.outer(a[0], b[0]), RL.outer(a[0], b[0]))
    check(L.cross(v3, w3), RL.cross(v3, w3))
    check(L.cross(v3.T, w3[:, None], axis=0), RL.cross(v3.T, w3[:, None], axis=0))
    check(L.matmul(a, b), RL.matmul(a, b))
    check(L.tensordot(a, b, axes=1), RL.tensordot(a, b, axes=1))
    check(L.tensordot(a, a, axes=([0, 1], [0, 1])), RL.tensordot(a, a, axes=([0, 1], [0, 1])))
    x = rand((2, 3, 4))
    check(L.trace(x), RL.trace(x))
    check(L.trace(x, offset=1), RL.trace(x, offset=1))
    ix = np.arange(24).reshape(2, 3, 4).astype(np.int8)
    check(L.trace(ix), RL.trace(ix))
    check(L.trace(ix, dtype=np.float32), RL.trace(ix, dtype=np.float32))
    check(L.diagonal(x), RL.diagonal(x))
    check(L.diagonal(x, offset=-1), RL.diagonal(x, offset=-1))
    check(L.matrix_transpose(x), RL.matrix_transpose(x))
    check(
        mlax.grad(lambda p, q: L.multi_dot([p, q, c]).sum())(a, b),
        jax.grad(lambda p, q: RL.multi_dot([p, q, c]).sum())(a, b),
    )


def test_product_errors():
    a = rand((3, 4))
    cases = [
        (lambda m: m.multi_dot([a]), ValueError),
        (lambda m: m.multi_dot([a, a]), ValueError),
        (lambda m: m.multi_dot([rand((2, 3, 4)), rand((4, 2))]), ValueError),
        (lambda m: m.outer(a, a[0]), ValueError),
        (lambda m: m.cross(a, a), ValueError),
        (lambda m: m.vecdot(a, a.T), ValueError),
        (lambda m: m.matrix_transpose(a[0]), ValueError),
        (lambda m: m.matrix_power(a, 2), TypeError),
        (lambda m: m.matrix_power(a[0], 2), TypeError),
        (lambda m: m.matrix_power(a[:3, :3], 1.5), TypeError),
        (lambda m: m.tensorinv(a, ind=0), ValueError),
        (lambda m: m.tensorinv(rand((2, 3, 4)), ind=1), ValueError),
        (lambda m: m.det([[1.0, 2.0], [3.0, 4.0]]), TypeError),
        (lambda m: m.cholesky([[1.0]]), TypeError),
        (lambda m: m.det(a), ValueError),
        (lambda m: m.slogdet(a), ValueError),
        (lambda m: m.slogdet(a[:3, :3], method="bogus"), ValueError),
        (lambda m: m.inv(a), ValueError),
        (lambda m: m.inv(a[0]), ValueError),
        (lambda m: m.solve(a[0], a[0]), ValueError),
        (lambda m: m.eigh(a[:3, :3], UPLO="X"), ValueError),
        (lambda m: m.qr(a, mode="bogus"), ValueError),
        (lambda m: m.cond(a[0]), ValueError),
        (lambda m: m.cond(np.zeros((0, 3), F32)), ValueError),
        (lambda m: m.pinv(a, rtol=0.1, rcond=0.1), ValueError),
        (lambda m: m.matrix_rank(a, rtol=0.1, tol=0.1), ValueError),
        (lambda m: m.lstsq(a, a[:2]), ValueError),
        (lambda m: m.lstsq(rand((2, 3, 4)), rand((2, 3))), TypeError),
    ]
    for fn, exc in cases:
        with pytest.raises(exc):
            fn(RL)
        with pytest.raises(exc):
            fn(L)


def test_matrix_power():
    x = rand((2, 3, 3))
    ns = [0, 1, 2, 3, 4, 7]
    if hasattr(ll, "lu"):
        ns += [-1, -3]
    for n in ns:
        check(L.matrix_power(x, n), RL.matrix_power(x, n), rtol=2e-4)
    check(
        L.matrix_power(np.arange(9).reshape(3, 3), 3),
        RL.matrix_power(np.arange(9).reshape(3, 3), 3),
    )
    check(
        mlax.grad(lambda m: L.matrix_power(m, 5).sum())(x[0]),
        jax.grad(lambda m: RL.matrix_power(m, 5).sum())(x[0]),
        rtol=1e-4,
    )


# --------------------------------------------------------------------------
# Cholesky
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [F32, C64])
def test_cholesky(dtype):
    a = spd((2, 3, 3), dtype)
    for upper in [False, True]:
        check(L.cholesky(a, upper=upper), RL.cholesky(a, upper=upper))
    check(L.cholesky(a, symmetrize_input=False), RL.cholesky(a, symmetrize_input=False))
    check(L.cholesky(np.eye(3, dtype=np.int32)), RL.cholesky(np.eye(3, dtype=np.int32)))
    bad = -np.eye(3, dtype=F32)
    assert (
        np.isnan(np.asarray(L.cholesky(bad))).all() == np.isnan(np.asarray(RL.cholesky(bad))).all()
    )
    if dtype == F32:
        w = rand((3, 3))
        check(
            mlax.grad(lambda m: (L.cholesky(m) * w).sum())(a[0]),
            jax.grad(lambda m: (RL.cholesky(m) * w).sum())(a[0]),
            rtol=1e-4,
        )
        t = rand((3, 3))
        check_tree(
            mlax.jvp(L.cholesky, (a[0],), (t + t.T,)),
            jax.jvp(RL.cholesky, (a[0],), (t + t.T,)),
            rtol=1e-4,
        )
        check(mlax.vmap(L.cholesky)(a), jax.vmap(RL.cholesky)(a))
        check(
            mlax.jit(L.cholesky, static_argnames="upper")(a, upper=True), RL.cholesky(a, upper=True)
        )


# --------------------------------------------------------------------------
# LU-based: solve, inv, det, slogdet, tensorsolve, tensorinv
# --------------------------------------------------------------------------


@needs("lu")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_solve_inv(dtype):
    a = rand((2, 3, 3), dtype)
    for b in [
        rand((3,), dtype),
        rand((3, 2), dtype),
        rand((2, 3, 2), dtype),
        rand((1, 3, 4), dtype),
    ]:
        check(L.solve(a, b), RL.solve(a, b), rtol=1e-4)
    bb = rand((4, 3, 2), dtype)
    check(L.solve(a[0], bb), RL.solve(a[0], bb), rtol=1e-4)
    check(L.inv(a), RL.inv(a), rtol=1e-4)
    check(L.inv(np.array([[2, 1], [1, 3]])), RL.inv(np.array([[2, 1], [1, 3]])), rtol=1e-6)
    for m in (L, RL):
        with pytest.raises(ValueError, match="Invalid shapes for solve"):
            m.solve(a, rand((2, 3), dtype))
        with pytest.raises(ValueError):
            m.solve(a, rand((4,), dtype))


@needs("lu")
def test_solve_inv_derivatives():
    a, b = rand((3, 3)) + 2 * np.eye(3, dtype=F32), rand((3, 2))
    check_tree(
        mlax.grad(lambda p, q: (L.solve(p, q) ** 2).sum(), argnums=(0, 1))(a, b),
        jax.grad(lambda p, q: (RL.solve(p, q) ** 2).sum(), argnums=(0, 1))(a, b),
        rtol=1e-4,
    )
    ta, tb = rand((3, 3)), rand((3, 2))
    check_tree(mlax.jvp(L.solve, (a, b), (ta, tb)), jax.jvp(RL.solve, (a, b), (ta, tb)), rtol=1e-4)
    check_tree(mlax.jvp(L.inv, (a,), (ta,)), jax.jvp(RL.inv, (a,), (ta,)), rtol=1e-4)
    check(mlax.grad(lambda p: L.inv(p)[0, 1])(a), jax.grad(lambda p: RL.inv(p)[0, 1])(a), rtol=1e-4)
    A, B = rand((2, 3, 3)), rand((2, 3))
    check(mlax.vmap(L.solve)(A, B), jax.vmap(RL.solve)(A, B), rtol=1e-4)
    check(mlax.jit(L.inv)(A), RL.inv(A), rtol=1e-4)
    check(
        mlax.grad(lambda p: mlax.vmap(L.solve)(p, B).sum())(A),
        jax.grad(lambda p: jax.vmap(RL.solve)(p, B).sum())(A),
        rtol=1e-4,
    )


@needs("lu")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_det_slogdet(dtype):
    for n in [1, 2, 3, 4] if dtype == F32 else [2, 4]:
        a = rand((2, n, n), dtype)
        check(L.det(a), RL.det(a), rtol=1e-4)
        check_tree(L.slogdet(a), RL.slogdet(a), rtol=1e-4)
        if dtype == F32 and n > 2 and hasattr(ll, "geqrf"):
            check_tree(L.slogdet(a, method="qr"), RL.slogdet(a, method="qr"), rtol=1e-4)
        assert type(L.slogdet(a)).__name__ == "SlogdetResult"
        assert L.slogdet(a)._fields == ("sign", "logabsdet")
        if dtype == F32 and n in (2, 4):
            check(
                mlax.grad(lambda m: L.det(m).sum())(a),
                jax.grad(lambda m: RL.det(m).sum())(a),
                rtol=1e-4,
            )
            check(
                mlax.grad(lambda m: L.slogdet(m)[1].sum())(a),
                jax.grad(lambda m: RL.slogdet(m)[1].sum())(a),
                rtol=1e-4,
            )
        if dtype == F32 and n in (1, 4):
            t = rand((2, n, n))
            check_tree(mlax.jvp(L.det, (a,), (t,)), jax.jvp(RL.det, (a,), (t,)), rtol=1e-4)
    z = np.zeros((4, 4), dtype)
    check(L.det(z), RL.det(z))
    check_tree(L.slogdet(z), RL.slogdet(z))
    check(L.det(np.arange(16).reshape(4, 4)), RL.det(np.arange(16).reshape(4, 4)), atol=1e-3)


@needs("lu")
def test_det_grad_at_singular_matrix():
    # jax's det derivative goes through _cofactor_solve: finite at rank n-1
    a = np.array(
        [[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 2.0, 5.0]],
        F32,
    )
    check(mlax.grad(L.det)(a), jax.grad(RL.det)(a), rtol=1e-4, atol=1e-4)
    check(
        mlax.vmap(L.det)(np.stack([a, a + np.eye(4, dtype=F32)])),
        jax.vmap(RL.det)(np.stack([a, a + np.eye(4, dtype=F32)])),
        rtol=1e-4,
        atol=1e-4,
    )
    check(
        mlax.jit(mlax.grad(L.det))(a + np.eye(4, dtype=F32)),
        jax.grad(RL.det)(a + np.eye(4, dtype=F32)),
        rtol=1e-4,
    )


@needs("lu")
def test_tensorsolve_tensorinv():
    a = rand((6, 2, 3)) + np.eye(6, dtype=F32).reshape(6, 2, 3) * 3
    check(L.tensorinv(a, ind=1), RL.tensorinv(a, ind=1), rtol=1e-4)
    a2 = rand((2, 3, 6)) + np.eye(6, dtype=F32).reshape(2, 3, 6) * 3
    check(L.tensorinv(a2), RL.tensorinv(a2), rtol=1e-4)
    b = rand((2, 3))
    check(L.tensorsolve(a2, b), RL.tensorsolve(a2, b), rtol=1e-4)
    a3 = np.moveaxis(a2, 2, 0)
    check(L.tensorsolve(a3, b, axes=(0,)), RL.tensorsolve(a3, b, axes=(0,)), rtol=1e-4)
    for m in (L, RL):
        with pytest.raises(ValueError):
            m.tensorsolve(a2, rand((3, 2)))
        with pytest.raises(ValueError):
            m.tensorsolve(rand((2, 3, 5)), b)


# --------------------------------------------------------------------------
# eigh / svd / qr / eig
# --------------------------------------------------------------------------


@needs("eigh")
@pytest.mark.parametrize("dtype", [F32, C64])
def test_eigh(dtype):
    a = rand((2, 3, 3), dtype)
    h = a + H(a)
    w, v = L.eigh(h)
    rw, rv = RL.eigh(h)
    check(w, rw, rtol=1e-4)
    assert np.asarray(v).dtype == np.asarray(rv).dtype and np.asarray(v).shape == rv.shape
    assert type(L.eigh(h)).__name__ == "EighResult"
    assert L.eigh(h)._fields == ("eigenvalues", "eigenvectors")
    np.testing.assert_allclose(
        np.asarray(v) * np.asarray(w)[..., None, :], h @ np.asarray(v), atol=1e-4
    )
    for uplo in ["L", "U"]:
        tri = np.tril(a) if uplo == "L" else np.triu(a)
        check(
            L.eigvalsh(tri, UPLO=uplo, symmetrize_input=False),
            RL.eigvalsh(tri, UPLO=uplo, symmetrize_input=False),
            rtol=1e-4,
        )
    check(L.eigvalsh(h), RL.eigvalsh(h), rtol=1e-4)
    if dtype == F32:
        c = np.arange(3.0, dtype=F32)
        check(
            mlax.grad(lambda m: (L.eigvalsh(m) * c).sum())(h[0]),
            jax.grad(lambda m: (RL.eigvalsh(m) * c).sum())(h[0]),
            rtol=1e-4,
        )
        # |v|^2 weights: invariant under the eigenvectors' signs
        check(
            mlax.grad(lambda m: (L.eigh(m)[1] ** 2 * c).sum())(h[0]),
            jax.grad(lambda m: (RL.eigh(m)[1] ** 2 * c).sum())(h[0]),
            rtol=1e-3,
            atol=1e-4,
        )
        check(mlax.vmap(L.eigvalsh)(h), jax.vmap(RL.eigvalsh)(h), rtol=1e-4)


@needs("svd")
@pytest.mark.parametrize("dtype", [F32, C64])
@pytest.mark.parametrize("shape", [(2, 3, 4), (4, 3)])
def test_svd(dtype, shape):
    a = rand(shape, dtype)
    check(L.svd(a, compute_uv=False), RL.svd(a, compute_uv=False), rtol=1e-4)
    check(L.svdvals(a), RL.svdvals(a), rtol=1e-4)
    for full in [True, False]:
        u, s, vh = L.svd(a, full_matrices=full)
        ru, rs, rvh = RL.svd(a, full_matrices=full)
        assert type(L.svd(a)).__name__ == "SVDResult"
        for g, w in [(u, ru), (vh, rvh)]:
            assert np.asarray(g).shape == w.shape and np.asarray(g).dtype == w.dtype
        check(s, rs, rtol=1e-4)
        k = min(shape[-2:])
        rec = (
            np.asarray(u)[..., :, :k]
            * np.asarray(s)[..., None, :].astype(dtype)
            @ np.asarray(vh)[..., :k, :]
        )
        np.testing.assert_allclose(rec, a, atol=1e-4)
    if dtype == F32:
        c = np.arange(1.0, min(shape[-2:]) + 1, dtype=F32)
        check(
            mlax.grad(lambda m: (L.svdvals(m) * c).sum())(a),
            jax.grad(lambda m: (RL.svdvals(m) * c).sum())(a),
            rtol=1e-3,
            atol=1e-4,
        )
        check(
            mlax.vmap(L.svdvals)(a.reshape((-1,) + shape[-2:])),
            jax.vmap(RL.svdvals)(a.reshape((-1,) + shape[-2:])),
            rtol=1e-4,
        )


@needs("eigh")
def test_svd_hermitian():
    a = rand((2, 3, 3))
    h = a + H(a)
    check(
        L.svd(h, hermitian=True, compute_uv=False),
        RL.svd(h, hermitian=True, compute_uv=False),
        rtol=1e-4,
    )
    u, s, vh = L.svd(h, hermitian=True)
    _, rs, _ = RL.svd(h, hermitian=True)
    check(s, rs, rtol=1e-4)
    np.testing.assert_allclose(
        np.asarray(u) * np.asarray(s)[..., None, :] @ np.asarray(vh), h, atol=1e-4
    )


@needs("qr")
@pytest.mark.parametrize("dtype", [F32, C64])
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 4)])
def test_qr(dtype, shape):
    a = rand(shape, dtype)
    for mode in ["reduced", "complete", "full"]:
        q, r = L.qr(a, mode=mode)
        rq, rr = RL.qr(a, mode=mode)
        assert type(L.qr(a, mode=mode)).__name__ == "QRResult"
        for g, w in [(q, rq), (r, rr)]:
            assert np.asarray(g).shape == w.shape and np.asarray(g).dtype == w.dtype
        np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a, atol=1e-4)
        np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(np.asarray(rr)), atol=1e-4)
        assert np.allclose(np.tril(np.asarray(r), -1), 0)
    if hasattr(ll, "geqrf"):
        check_tree(L.qr(a, mode="raw"), RL.qr(a, mode="raw"), rtol=1e-4)
    check(np.abs(np.asarray(L.qr(a, mode="r"))), np.abs(np.asarray(RL.qr(a, mode="r"))), rtol=1e-4)
    if dtype == F32 and shape[-2] >= shape[-1]:
        # |R| is invariant under the sign choices
        check(
            mlax.grad(lambda m: (L.qr(m)[1] ** 2).sum())(a),
            jax.grad(lambda m: (RL.qr(m)[1] ** 2).sum())(a),
            rtol=1e-3,
            atol=1e-4,
        )


@needs("eig")
def test_eig():
    a = rand((2, 3, 3))
    w, v = L.eig(a)
    rw, rv = RL.eig(a)
    assert np.asarray(w).dtype == rw.dtype and np.asarray(v).shape == rv.shape
    key = lambda z: np.sort_complex(np.round(np.asarray(z), 4))  # noqa: E731
    for i in range(2):
        np.testing.assert_allclose(key(w[i]), key(rw[i]), atol=1e-3)
        np.testing.assert_allclose(key(L.eigvals(a)[i]), key(rw[i]), atol=1e-3)
    np.testing.assert_allclose(
        a.astype(C64) @ np.asarray(v), np.asarray(v) * np.asarray(w)[..., None, :], atol=1e-4
    )


# --------------------------------------------------------------------------
# SVD-based: pinv, lstsq, matrix_rank, cond
# --------------------------------------------------------------------------


@needs("svd")
@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 5)])
def test_pinv(shape):
    a = rand(shape)
    check(L.pinv(a), RL.pinv(a), rtol=1e-4, atol=1e-4)
    check(L.pinv(a, rtol=0.5), RL.pinv(a, rtol=0.5), rtol=1e-4, atol=1e-4)
    check(L.pinv(a, rcond=0.5), RL.pinv(a, rcond=0.5), rtol=1e-4, atol=1e-4)
    w = rand(shape[:-2] + shape[-2:][::-1])
    check(
        mlax.grad(lambda m: (L.pinv(m) * w).sum())(a),
        jax.grad(lambda m: (RL.pinv(m) * w).sum())(a),
        rtol=1e-3,
        atol=1e-4,
    )
    t = rand(shape)
    check_tree(mlax.jvp(L.pinv, (a,), (t,)), jax.jvp(RL.pinv, (a,), (t,)), rtol=1e-3, atol=1e-4)
    if len(shape) == 3:
        h = a[..., :3, :3] + H(a[..., :3, :3])
        check(L.pinv(h, hermitian=True), RL.pinv(h, hermitian=True), rtol=1e-4, atol=1e-4)
        check(L.matrix_rank(h, hermitian=True), RL.matrix_rank(h, hermitian=True))
        check(
            mlax.grad(lambda m: (L.pinv(m, hermitian=True) ** 2).sum())(h[0]),
            jax.grad(lambda m: (RL.pinv(m, hermitian=True) ** 2).sum())(h[0]),
            rtol=1e-3,
            atol=1e-4,
        )


@needs("svd")
def test_lstsq_rank_cond():
    a, b = rand((5, 3)), rand((5, 2))
    check_tree(L.lstsq(a, b), RL.lstsq(a, b), rtol=1e-4, atol=1e-4)
    check_tree(L.lstsq(a, b[:, 0]), RL.lstsq(a, b[:, 0]), rtol=1e-4, atol=1e-4)
    check_tree(L.lstsq(a, b, rcond=0.9), RL.lstsq(a, b, rcond=0.9), rtol=1e-4, atol=1e-4)
    check_tree(
        L.lstsq(a.T, b[:3], numpy_resid=True),
        RL.lstsq(a.T, b[:3], numpy_resid=True),
        rtol=1e-4,
        atol=1e-4,
    )
    check(
        mlax.grad(lambda m: L.lstsq(m, b)[0].sum())(a),
        jax.grad(lambda m: RL.lstsq(m, b)[0].sum())(a),
        rtol=1e-3,
        atol=1e-4,
    )
    low = rand((4, 2)) @ rand((2, 4))
    for m in [a, low, np.stack([low, rand((4, 4))])]:
        check(L.matrix_rank(m), RL.matrix_rank(m))
    check(L.matrix_rank(low, rtol=0.5), RL.matrix_rank(low, rtol=0.5))
    check(L.matrix_rank(np.array([0.0, 1.0])), RL.matrix_rank(np.array([0.0, 1.0])))
    sq = rand((2, 3, 3))
    ps = [None, -2]
    if hasattr(ll, "lu"):
        ps += ["fro", 1, -np.inf]
    for p in ps:
        check(L.cond(sq, p), RL.cond(sq, p), rtol=1e-3)
    check(L.cond(a), RL.cond(a), rtol=1e-4)


# --------------------------------------------------------------------------
# 64-bit
# --------------------------------------------------------------------------


def test_float64():
    with x64():
        a = spd((2, 3, 3), F64)
        check(L.cholesky(a), RL.cholesky(a))
        check(L.norm(a, axis=(1, 2)), RL.norm(a, axis=(1, 2)))
        check(L.norm(a[0, 0], 3), RL.norm(a[0, 0], 3))
        check(L.matrix_power(a, 3), RL.matrix_power(a, 3))
        if hasattr(ll, "lu"):
            b = rand((2, 3), F64)
            check(L.solve(a, b[..., None]), RL.solve(a, b[..., None]))
            m5 = rand((5, 5), F64)
            check(L.det(m5), RL.det(m5))
            check(L.inv(m5), RL.inv(m5), rtol=1e-10)
            check(mlax.grad(L.det)(m5), jax.grad(RL.det)(m5), rtol=1e-10)
        if hasattr(ll, "eigh"):
            check(L.eigvalsh(a), RL.eigvalsh(a))
        if hasattr(ll, "svd"):
            m = rand((4, 3), F64)
            check(L.svdvals(m), RL.svdvals(m))
            check(L.pinv(m), RL.pinv(m), rtol=1e-10)
            check(L.norm(m, "nuc"), RL.norm(m, "nuc"))
        assert np.asarray(L.norm(np.arange(3))).dtype == np.float64


def _raises_like_jax(fn, mod, ref_mod):
    try:
        fn(ref_mod)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            fn(mod)
    else:
        fn(mod)


def test_decomposition_errors():
    x34, x3 = np.ones((3, 4), F32), np.ones(3, F32)
    cases = [
        lambda m: m.cholesky(x34),
        lambda m: m.cholesky(x3),
        lambda m: m.cholesky(x34, symmetrize_input=False),
        lambda m: m.eigh(x34),
        lambda m: m.eigh(x3),
        lambda m: m.eigvalsh(x34),
        lambda m: m.svd(x3),
        lambda m: m.svd(x3, compute_uv=False),
        lambda m: m.svd(x34, hermitian=True),
        lambda m: m.qr(x3),
        lambda m: m.pinv(x3),
        lambda m: m.solve(x34, x3),
        lambda m: m.slogdet(x3),
        lambda m: m.matrix_rank(x34),
    ]
    if hasattr(ll, "eig"):
        cases.append(lambda m: m.eig(x34))
    for fn in cases:
        _raises_like_jax(fn, L, RL)
