"""mlax.custom_gradient against jax.custom_gradient: grads, jit, vmap,
pytrees of outputs, higher order, and the errors."""

import jax
import jax.numpy as jn
import mlax
import mlax.numpy as mn
import numpy as np
import pytest

X = np.linspace(-1, 1, 5).astype(np.float32)
Y = np.float32(1.5)


def _lib(lib, np_):
    @lib.custom_gradient
    def f(x, y):
        s = np_.sin(x) * y

        def vjp(g):  # deliberately not the true gradient
            return g * np_.cos(x) * y * 2.0, (g * np_.sin(x)).sum()

        return s, vjp

    @lib.custom_gradient
    def clip(x):
        return x, lambda g: np_.clip(g, -0.1, 0.1)  # a bare cotangent, not a tuple

    @lib.custom_gradient
    def pair(x):
        def vjp(ct):
            a, b = ct["a"], ct["b"]
            return (a * 3.0 + b * np_.exp(x),)

        return {"a": x * 2.0, "b": np_.exp(x)}, vjp

    return f, clip, pair


def _close(got, want):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-6, atol=1e-6)


M, J = _lib(mlax, mn), _lib(jax, jn)


def test_values_and_grads_match_jax():
    fm, fj = M[0], J[0]
    _close(fm(X, Y), fj(X, Y))
    _close(
        mlax.grad(lambda a, b: fm(a, b).sum(), (0, 1))(X, Y),
        jax.grad(lambda a, b: fj(a, b).sum(), (0, 1))(X, Y),
    )
    _close(mlax.jit(mlax.grad(lambda a: fm(a, Y).sum()))(X), jax.grad(lambda a: fj(a, Y).sum())(X))
    _close(mlax.vmap(mlax.grad(lambda a: fm(a, Y)))(X), jax.vmap(jax.grad(lambda a: fj(a, Y)))(X))


def test_bare_cotangent_and_pytree_outputs():
    for (cm, pm), (cj, pj) in [((M[1], M[2]), (J[1], J[2]))]:
        x = np.array([1.0, 0.01, -3.0], np.float32)
        _close(
            mlax.grad(lambda v: (cm(v) ** 2).sum())(x),
            jax.grad(lambda v: (cj(v) ** 2).sum())(x),
        )

        def loss(p):
            return lambda v: (p(v)["a"] * p(v)["b"]).sum()

        _close(mlax.grad(loss(pm))(x), jax.grad(loss(pj))(x))
        _close(mlax.vjp(pm, x)[1]({"a": x, "b": 2 * x}), jax.vjp(pj, x)[1]({"a": x, "b": 2 * x}))


def test_second_order_through_the_rule():
    # The vjp rule is differentiable: grad of grad uses it and then its own derivative.
    def mk(lib, np_):
        @lib.custom_gradient
        def cube(x):
            return x**3, lambda g: (g * 3.0 * x**2,)

        return cube

    cm, cj = mk(mlax, mn), mk(jax, jn)
    _close(mlax.grad(mlax.grad(cm))(Y), jax.grad(jax.grad(cj))(Y))


def test_errors():
    @mlax.custom_gradient
    def bad(x):
        return x * 2.0

    with pytest.raises(TypeError, match="pair"):
        bad(X)

    @mlax.custom_gradient
    def wrong_shape(x, y):
        return x * y, lambda g: (g, g)  # y's cotangent must be a scalar

    with pytest.raises(ValueError, match="shape"):
        mlax.grad(lambda a, b: wrong_shape(a, b).sum(), (0, 1))(X, Y)
