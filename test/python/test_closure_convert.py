"""mlax.closure_convert against jax.closure_convert: the hoisted constants
make closed-over traced values explicit, so custom rules can differentiate
with respect to them (values, grad, jit, vmap, pytrees, errors)."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

X = np.linspace(0.1, 1.0, 5).astype(np.float32)


def _vjp_apply(lib):
    """A custom_vjp that applies a closure-converted function and
    differentiates it (and its constants) with lib.vjp in its bwd."""
    apply = lib.custom_vjp(lambda f, x, *c: f(x, *c), nondiff_argnums=(0,))

    def fwd(f, x, *consts):
        return f(x, *consts), (x, consts)

    def bwd(f, res, g):
        x, consts = res
        return lib.vjp(f, x, *consts)[1](g)

    apply.defvjp(fwd, bwd)
    return apply


def _loss(lib, cc, np_):
    apply = _vjp_apply(lib)

    def loss(w, x):
        f, consts = cc(lambda y: np_.sin(w * y) * w, x)
        return apply(f, x, *consts).sum()

    return loss


def test_grad_through_hoisted_constants():
    mine, theirs = _loss(mlax, mlax.closure_convert, jnp), _loss(jax, jax.closure_convert, ref)
    w = np.float32(1.3)
    want = jax.grad(theirs, (0, 1))(w, X)
    for got in (mlax.grad(mine, (0, 1))(w, X), mlax.jit(mlax.grad(mine, (0, 1)))(w, X)):
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-6)
    ws = np.array([0.5, 1.0, 2.0], np.float32)
    np.testing.assert_allclose(
        mlax.vmap(mlax.grad(mine), (0, None))(ws, X),
        jax.vmap(jax.grad(theirs), (0, None))(ws, X),
        rtol=1e-6,
    )


def test_converted_equals_fun_with_pytrees():
    def run(lib, cc, np_, w, b):
        def f(p):
            return {"y": np_.tanh(p["a"] * w) + b, "z": (p["a"] * b).sum()}

        conv, consts = cc(f, {"a": X})
        return conv({"a": X * 2}, *consts), f({"a": X * 2}), len(consts)

    w, b = np.float32(0.7), np.arange(5, dtype=np.float32)
    got, direct, n = mlax.jit(lambda w, b: run(mlax, mlax.closure_convert, jnp, w, b))(w, b)
    want, _, _ = jax.jit(lambda w, b: run(jax, jax.closure_convert, ref, w, b))(w, b)
    assert n == 2
    for tree in (got, direct):
        np.testing.assert_allclose(tree["y"], want["y"], rtol=1e-6)
        np.testing.assert_allclose(tree["z"], want["z"], rtol=1e-6)


def test_custom_jvp_rule_differentiates_constants():
    def make(lib, cc, np_):
        @lib.custom_jvp
        def apply(x, w):
            return np_.exp(x * w)

        @apply.defjvp
        def rule(primals, tangents):
            x, w = primals
            f, consts = cc(lambda x: np_.exp(x * w), x)
            return lib.jvp(
                lambda x, *c: f(x, *c),
                (x, *consts),
                (tangents[0], *[tangents[1] * 1.0 for _ in consts]),
            )

        return lambda x, w: apply(x, w).sum()

    mine, theirs = make(mlax, mlax.closure_convert, jnp), make(jax, jax.closure_convert, ref)
    w = np.float32(0.3)
    np.testing.assert_allclose(mlax.grad(mine)(X, w), jax.grad(theirs)(X, w), rtol=1e-6)
    np.testing.assert_allclose(
        mlax.jit(mlax.grad(mine, 1))(X, w), jax.jit(jax.grad(theirs, 1))(X, w), rtol=1e-5
    )


def test_outside_a_trace_nothing_is_hoisted():
    f = lambda x: jnp.sin(x) * 2.0
    conv, consts = mlax.closure_convert(f, X)
    assert consts == []
    np.testing.assert_allclose(conv(X), np.sin(X) * 2.0, rtol=1e-6)


def test_wrong_arguments_raise():
    def body(w):
        conv, consts = mlax.closure_convert(lambda y: y * w, X)
        with pytest.raises(TypeError, match="hoisted"):
            conv()
        with pytest.raises(TypeError, match="traced for arguments"):
            conv(X[:2], *consts)
        return conv(X, *consts)

    np.testing.assert_allclose(mlax.jit(body)(np.float32(2.0)), X * 2.0)
