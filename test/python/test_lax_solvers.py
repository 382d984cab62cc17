"""lax.custom_root and lax.custom_linear_solve against jax: solutions,
implicit derivatives (jvp, grad) through closed-over parameters, jit,
vmap, has_aux, pytrees and the TypeErrors for mismatched outputs."""

import jax
import jax.numpy as rnp
import mlax
import mlax.numpy as mnp
import numpy as np
import pytest

A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], np.float32)
B = np.array([1.0, -2.0, 0.5], np.float32)


def _check(got, want, tol=2e-5):
    got_l, want_l = jax.tree.leaves(got), jax.tree.leaves(want)
    assert len(got_l) == len(want_l)
    for g, w in zip(got_l, want_l):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g, w)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def _newton(np_, lax_):
    def solve(f, x0):
        df = jax.grad(f) if np_ is rnp else mlax.grad(f)
        return lax_.fori_loop(0, 20, lambda i, x: x - f(x) / df(x), x0)

    return solve


def _sqrt(np_, lax_):
    """sqrt(a) as the root of x^2 - a, differentiated implicitly."""

    def f(a):
        return lax_.custom_root(
            lambda x: x * x - a, np_.float32(1.0), _newton(np_, lax_), lambda g, y: y / g(1.0)
        )

    return f


def test_custom_root_scalar():
    m, j = _sqrt(mnp, mlax.lax), _sqrt(rnp, jax.lax)
    a = np.float32(3.0)
    _check(m(a), j(a))
    _check(mlax.grad(m)(a), jax.grad(j)(a))
    _check(mlax.jit(mlax.grad(m))(a), jax.grad(j)(a))
    _check(mlax.jvp(m, (a,), (np.float32(2.0),)), jax.jvp(j, (a,), (np.float32(2.0),)))
    xs = np.array([1.0, 4.0, 9.0], np.float32)
    _check(mlax.vmap(m)(xs), jax.vmap(j)(xs))
    _check(mlax.vmap(mlax.grad(m))(xs), jax.vmap(jax.grad(j))(xs))
    # the implicit derivative, not the derivative of the Newton iterations
    np.testing.assert_allclose(mlax.grad(m)(a), 0.5 / np.sqrt(3.0), rtol=1e-5)


def _linear_root(np_, lax_, has_aux=False):
    """The root of A x - b (a vector system) by a direct solve."""

    def f(mat, b):
        def solve(g, x0):
            x = np_.linalg.solve(mat, b)
            return (x, np_.sum(x)) if has_aux else x

        def tangent_solve(g, y):
            jac = jax.jacfwd(g)(y) if np_ is rnp else mlax.jacfwd(g)(y)
            return np_.linalg.solve(jac, y)

        return lax_.custom_root(
            lambda x: mat @ x - b, np_.zeros_like(b), solve, tangent_solve, has_aux
        )

    return f


def test_custom_root_vector_and_aux():
    m, j = _linear_root(mnp, mlax.lax), _linear_root(rnp, jax.lax)
    _check(m(A, B), j(A, B))
    loss_m = lambda a, b: (m(a, b) ** 2).sum()
    loss_j = lambda a, b: (j(a, b) ** 2).sum()
    _check(mlax.grad(loss_m, (0, 1))(A, B), jax.grad(loss_j, (0, 1))(A, B))
    _check(mlax.jit(mlax.grad(loss_m, (0, 1)))(A, B), jax.grad(loss_j, (0, 1))(A, B))
    ma, ja = _linear_root(mnp, mlax.lax, True), _linear_root(rnp, jax.lax, True)
    _check(ma(A, B), ja(A, B))
    _check(mlax.grad(lambda b: ma(A, b)[0].sum())(B), jax.grad(lambda b: ja(A, b)[0].sum())(B))


def _lin(np_, lax_, symmetric=False, has_aux=False, tree=False):
    def f(mat, b):
        if tree:
            matvec = lambda v: {"x": mat @ v["x"], "y": 2.0 * v["y"]}
            solve = lambda mv, v: {"x": np_.linalg.solve(mat, v["x"]), "y": v["y"] / 2.0}
            rhs = {"x": b, "y": b[:2]}
        else:
            matvec = lambda v: mat @ v
            solve = lambda mv, v: np_.linalg.solve(mat, v)
            rhs = b
        if has_aux:
            plain = solve
            solve = lambda mv, v: (plain(mv, v), np_.float32(7.0))
        tsolve = None if symmetric else (lambda vm, v: np_.linalg.solve(mat.T, v))
        if tree and not symmetric:
            tsolve = lambda vm, v: {"x": np_.linalg.solve(mat.T, v["x"]), "y": v["y"] / 2.0}
        if has_aux and tsolve is not None:
            tplain = tsolve
            tsolve = lambda vm, v: (tplain(vm, v), np_.float32(7.0))
        return lax_.custom_linear_solve(
            matvec, rhs, solve, tsolve, symmetric=symmetric, has_aux=has_aux
        )

    return f


@pytest.mark.parametrize(
    "opts", [{}, {"symmetric": True}, {"has_aux": True}, {"tree": True}], ids=str
)
def test_custom_linear_solve(opts):
    mat = A if opts.get("symmetric") else A + np.triu(A, 1)
    m, j = _lin(mnp, mlax.lax, **opts), _lin(rnp, jax.lax, **opts)
    _check(m(mat, B), j(mat, B))
    first = (lambda out: out[0]) if opts.get("has_aux") else (lambda out: out)
    loss_m = lambda a, b: sum((v**2).sum() for v in jax.tree.leaves(first(m(a, b))))
    loss_j = lambda a, b: sum((v**2).sum() for v in jax.tree.leaves(first(j(a, b))))
    _check(mlax.grad(loss_m, (0, 1))(mat, B), jax.grad(loss_j, (0, 1))(mat, B), 1e-4)
    _check(mlax.jit(mlax.grad(loss_m, (0, 1)))(mat, B), jax.grad(loss_j, (0, 1))(mat, B), 1e-4)
    t = (np.ones_like(mat), np.ones_like(B))
    _check(mlax.jvp(loss_m, (mat, B), t), jax.jvp(loss_j, (mat, B), t), 1e-4)
    bs = np.stack([B, -B, 2 * B])
    _check(mlax.vmap(lambda b: m(mat, b))(bs), jax.vmap(lambda b: j(mat, b))(bs))


def test_errors():
    with pytest.raises(TypeError, match="structure"):
        mlax.lax.custom_root(lambda x: (x, x), np.float32(1.0), lambda f, x: x, lambda g, y: y)
    with pytest.raises(TypeError, match="shapes"):
        mlax.lax.custom_root(
            lambda x: x, np.float32(1.0), lambda f, x: mnp.zeros(2), lambda g, y: y
        )
    with pytest.raises(TypeError, match="structure"):
        mlax.lax.custom_linear_solve(lambda v: (v, v), B, lambda mv, v: v)
    with pytest.raises(TypeError, match="shapes"):
        mlax.lax.custom_linear_solve(lambda v: v, B, lambda mv, v: v[:2])
    with pytest.raises(TypeError, match="pair"):
        mlax.lax.custom_linear_solve(lambda v: v, B, lambda mv, v: v, has_aux=True)
