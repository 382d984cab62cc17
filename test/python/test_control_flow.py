"""lax.while_loop / fori_loop / cond / switch (forward), and the tutorial's
implicit-differentiation example (fixed_point with custom_vjp)."""

from functools import partial

import jax
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import custom_vjp, grad, jit, lax, vjp, vmap


def test_while_and_fori(rng):
    assert float(lax.fori_loop(0, 5, lambda i, x: x * 2.0, 1.0)) == 32.0
    out = jit(
        lambda n: lax.while_loop(
            lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 1.5), (0, np.float32(1.0))
        )
    )(4)
    assert int(out[0]) == 4 and float(out[1]) == 1.5**4
    x = rng.normal(size=(3,)).astype(np.float32)
    got = lax.fori_loop(0, 3, lambda i, v: jnp.sin(v) + i, x)
    want = jax.lax.fori_loop(0, 3, lambda i, v: jax.numpy.sin(v) + i, x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_cond_and_switch():
    assert float(lax.cond(True, lambda x: x + 1, lambda x: x - 1, 3.0)) == 4.0
    f = jit(lambda p, x: lax.cond(p > 0, lambda x: x + 1, lambda x: x - 1, x))
    assert float(f(-1.0, 3.0)) == 2.0 and float(f(1.0, 3.0)) == 4.0
    branches = [lambda x: x * 10, lambda x: x * 20, lambda x: x * 30]
    g = jit(lambda i, x: lax.switch(i, branches, x))
    assert [float(g(i, 1.0)) for i in (-5, 0, 1, 2, 9)] == [10.0, 10.0, 20.0, 30.0, 30.0]


def test_errors():
    with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c, 1.0)
    with pytest.raises(TypeError, match="body_fun output and input must have identical types"):
        lax.while_loop(lambda c: c < 3, lambda c: (c, c), 1.0)
    with pytest.raises(TypeError, match="branch outputs must have the same type structure"):
        lax.cond(True, lambda: 1.0, lambda: (1.0, 2.0))


@partial(custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star


def fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)


def fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = vjp(lambda a: f(a, x_star), a)
    (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
    return a_bar, jnp.zeros_like(x_star)


def rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]


fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)


def newton_sqrt(a):
    update = lambda a, x: 0.5 * (x + a / x)  # noqa: E731
    return fixed_point(update, a, a)


def test_tutorial_implicit_differentiation():
    assert str(newton_sqrt(2.0)) == "1.4142135"
    assert str(grad(newton_sqrt)(2.0)) == "0.35355338"
    # The tutorial prints -0.088388346; mlax's float32 rounding differs in
    # the last place here (the rules follow JAX's formulas; the order of the
    # reverse pass through the custom rule differs).
    np.testing.assert_allclose(float(grad(grad(newton_sqrt))(2.0)), -0.088388346, rtol=2e-7)
    assert str(grad(jnp.sqrt)(2.0)) == "0.35355338"
    assert str(grad(grad(jnp.sqrt))(2.0)) == "-0.08838835"


def test_vmap_of_while_and_fixed_point():
    out = jit(mlax.vmap(newton_sqrt))(jnp.array([1.0, 2.0, 3.0, 4.0]))
    assert str(out) == "[1.        1.4142135 1.7320509 2.       ]"
    got = mlax.vmap(lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x))(
        jnp.array([1.0, 3.0, 20.0])
    )
    np.testing.assert_array_equal(np.asarray(got), [16.0, 12.0, 20.0])
    got = mlax.vmap(lambda n: lax.fori_loop(0, n, lambda i, x: x * 2.0, 1.0))(jnp.array([1, 2, 3]))
    np.testing.assert_array_equal(np.asarray(got), [2.0, 4.0, 8.0])
    got = mlax.vmap(lambda x, y: lax.fori_loop(0, 3, lambda i, c: c + y, x), (0, None))(
        jnp.array([1.0, 2.0]), 5.0
    )
    np.testing.assert_array_equal(np.asarray(got), [16.0, 17.0])
    np.testing.assert_allclose(
        np.asarray(mlax.vmap(grad(newton_sqrt))(jnp.array([1.0, 2.0, 4.0]))),
        [0.5, 0.35355338, 0.25],
        rtol=1e-6,
    )


def test_forward_mode_through_control_flow(rng):
    cases = [
        (
            lambda x: lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * x, x),
            lambda x: jax.lax.fori_loop(0, 3, lambda i, c: jax.numpy.sin(c) * x, x),
            0.7,
        ),
        (
            lambda x: lax.while_loop(
                lambda c: c[1] < 10.0, lambda c: (c[0] * x, c[1] + 1.0), (1.0, 0.0)
            )[0],
            lambda x: jax.lax.while_loop(
                lambda c: c[1] < 10.0, lambda c: (c[0] * x, c[1] + 1.0), (1.0, 0.0)
            )[0],
            1.1,
        ),
        (
            lambda x: lax.cond(x > 0, lambda v: jnp.sin(v) * 2, lambda v: v**3, x),
            lambda x: jax.lax.cond(x > 0, lambda v: jax.numpy.sin(v) * 2, lambda v: v**3, x),
            0.5,
        ),
        (
            lambda x: lax.cond(x > 0, lambda v: jnp.sin(v) * 2, lambda v: v**3, x),
            lambda x: jax.lax.cond(x > 0, lambda v: jax.numpy.sin(v) * 2, lambda v: v**3, x),
            -0.5,
        ),
    ]
    for fm, fj, x in cases:
        got, want = mlax.jvp(fm, (x,), (1.0,)), jax.jvp(fj, (x,), (1.0,))
        np.testing.assert_allclose([float(v) for v in got], [float(v) for v in want], rtol=1e-6)
        np.testing.assert_allclose(
            float(mlax.jacfwd(fm)(np.float32(x))), float(jax.jacfwd(fj)(np.float32(x))), rtol=1e-6
        )
    fm, fj, _ = cases[0]
    xs = np.array([0.1, 0.5, 0.9], np.float32)
    np.testing.assert_allclose(
        np.asarray(mlax.vmap(lambda v: mlax.jvp(fm, (v,), (1.0,))[1])(xs)),
        np.asarray(jax.vmap(lambda v: jax.jvp(fj, (v,), (1.0,))[1])(xs)),
        rtol=1e-6,
    )


def test_reverse_mode_through_loops_is_a_clear_error():
    f = lambda x: lax.while_loop(
        lambda c: c[1] < 3.0, lambda c: (c[0] * x, c[1] + 1.0), (1.0, 0.0)
    )[0]  # noqa: E731
    with pytest.raises(
        ValueError, match="reverse-mode differentiation of a while loop needs a bound.*max_steps"
    ):
        grad(f)(1.1)
    # A loop inside a cond branch is an error too (the branch is linearized).
    g = lambda x: lax.cond(x > 0, f, lambda v: v, x)  # noqa: E731
    with pytest.raises(
        ValueError, match="reverse-mode differentiation of a while loop needs a bound.*max_steps"
    ):
        grad(g)(1.1)


def _cond_cases(lib, L):
    def two(x, y):
        return L.cond(
            x.sum() > 0, lambda a, b: lib.sin(a) * b, lambda a, b: lib.cos(a) + b**2, x, y
        )

    def switch_nested(i, x):
        return L.switch(
            i,
            [
                lambda v: v**3,
                lambda v: L.cond(v[0] > 0, lambda u: u * 2.0, lambda u: lib.exp(u), v),
                lambda v: lib.tanh(v) * x[0],
            ],
            x,
        )

    def pytree_and_ints(x, y):
        out = L.cond(
            x[0] < 0.3,
            lambda a: {"v": a * y, "n": lib.int32(1)},
            lambda a: {"v": lib.sin(a) + y, "n": lib.int32(2)},
            x,
        )
        return out["v"] * out["n"]

    def safe_sqrt(x):
        # The untaken branch's gradient (infinite at 0) must not leak in.
        return L.cond(x[0] > 0, lambda v: lib.sqrt(v), lambda v: v * 0.0, x)

    return two, switch_nested, pytree_and_ints, safe_sqrt


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_reverse_mode_through_cond_and_switch(rng, sign):
    m_two, m_switch, m_tree, m_sqrt = _cond_cases(jnp, lax)
    j_two, j_switch, j_tree, j_sqrt = _cond_cases(jax.numpy, jax.lax)
    x = (sign * rng.uniform(0.1, 1.0, size=3)).astype(np.float32)
    y = rng.normal(size=3).astype(np.float32)

    def check(fm, fj, args, argnums):
        got = grad(lambda *a: fm(*a).sum(), argnums)(*args)
        want = jax.grad(lambda *a: fj(*a).sum(), argnums)(*args)
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
        got = jit(grad(lambda *a: fm(*a).sum(), argnums))(*args)
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)

    check(m_two, j_two, (x, y), (0, 1))
    for i in (0, 1, 2, 7):
        check(lambda v: m_switch(i, v), lambda v: j_switch(i, v), (x,), 0)
    check(m_tree, j_tree, (x, y), (0,))
    check(m_sqrt, j_sqrt, (np.abs(x) * sign,), 0)
    # traced index under jit, vmap of grad (batched predicate), grad of vmap
    got = jit(grad(lambda i, v: m_switch(i, v).sum(), 1))(np.int32(1), x)
    want = jax.grad(lambda i, v: j_switch(i, v).sum(), 1)(np.int32(1), x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    xs = np.stack([x, -x, 2 * x])
    got = vmap(grad(lambda v: m_two(v, y).sum()))(xs)
    want = jax.vmap(jax.grad(lambda v: j_two(v, y).sum()))(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    got = grad(lambda v: vmap(lambda r: m_two(r, y))(v).sum())(xs)
    want = jax.grad(lambda v: jax.vmap(lambda r: j_two(r, y))(v).sum())(xs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    # second order: hessian (fwd over rev) and grad of grad
    got = mlax.hessian(lambda v: m_two(v, y).sum())(x)
    want = jax.hessian(lambda v: j_two(v, y).sum())(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    got = grad(lambda s: grad(lambda v: m_switch(1, v * s).sum())(x).sum())(1.5)
    want = jax.grad(lambda s: jax.grad(lambda v: j_switch(1, v * s).sum())(x).sum())(1.5)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5)


def _loop_cases(lib, L):
    def rnn(x, w):
        return L.fori_loop(0, 4, lambda i, c: lib.tanh(c @ w + i * 0.1), x).sum()

    def nested(x):
        return L.fori_loop(
            0, 3, lambda i, c: L.fori_loop(0, 2, lambda j, d: lib.sin(d) * c + x, c), x
        ).sum()

    def cond_in_loop(x):
        return L.fori_loop(
            0, 3, lambda i, c: L.cond(c.sum() > 0, lambda v: v * 2.0, lambda v: lib.exp(v), c), x
        ).sum()

    def loop_in_cond(x):
        return L.cond(
            x.sum() > 0, lambda v: L.fori_loop(0, 3, lambda i, c: c * v, v), lambda v: v, x
        ).sum()

    def pytree_carry(x):
        out = L.fori_loop(1, 4, lambda i, c: {"a": c["a"] * x, "n": c["n"] + i}, {"a": x, "n": 0})
        return (out["a"] * out["n"]).sum()

    return rnn, nested, cond_in_loop, loop_in_cond, pytree_carry


def test_reverse_mode_through_fori_loop_with_static_bounds(rng):
    # As JAX's scan: one residual per iteration, stored by the primal loop
    # and read back by the reversed linear loop.
    m_rnn, *m_rest = _loop_cases(jnp, lax)
    j_rnn, *j_rest = _loop_cases(jax.numpy, jax.lax)
    x = rng.normal(size=(2, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3)).astype(np.float32)
    for f in (grad(m_rnn, (0, 1)), jit(grad(m_rnn, (0, 1)))):
        for a, b in zip(f(x, w), jax.grad(j_rnn, (0, 1))(x, w)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    v = np.array([0.3, -0.5], np.float32)
    for fm, fj in zip(m_rest, j_rest):
        for arg in (v, -v):
            np.testing.assert_allclose(
                np.asarray(grad(fm)(arg)), np.asarray(jax.grad(fj)(arg)), rtol=1e-5, atol=1e-6
            )
    nested_m, nested_j = m_rest[0], j_rest[0]
    vs = np.stack([v, -v, 2 * v])
    np.testing.assert_allclose(
        np.asarray(vmap(grad(nested_m))(vs)),
        np.asarray(jax.vmap(jax.grad(nested_j))(vs)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        np.asarray(grad(lambda u: vmap(nested_m)(u).sum())(vs)),
        np.asarray(jax.grad(lambda u: jax.vmap(nested_j)(u).sum())(vs)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        np.asarray(mlax.hessian(nested_m)(v)),
        np.asarray(jax.hessian(nested_j)(v)),
        rtol=1e-4,
        atol=1e-5,
    )
    got = grad(lambda s: grad(lambda u: nested_m(u * s))(v).sum())(1.3)
    want = jax.grad(lambda s: jax.grad(lambda u: nested_j(u * s))(v).sum())(1.3)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-4)
    # An empty loop, and a loop whose trip count is dynamic (an error).
    assert float(grad(lambda u: lax.fori_loop(3, 1, lambda i, c: c * u, 2.0))(1.1)) == 0.0
    with pytest.raises(ValueError, match="fori_loop with static bounds"):
        grad(lambda u, n: lax.fori_loop(0, n, lambda i, c: c * u, 1.0))(1.1, 3)
