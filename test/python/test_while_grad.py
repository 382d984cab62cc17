"""Reverse mode through lax.while_loop(max_steps=, checkpoints=), which JAX
lacks: gradients against jax over the same computation written as a
fori_loop of the concrete trip count, and against finite differences;
Newton iterations to convergence, trip counts that depend on the
parameter, pytree carries, every checkpoint count, under jit, vmap(grad),
grad of grad; a loop stopped by max_steps; forward mode against jax's
while_loop; the error without max_steps."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

jax.config.update("jax_enable_x64", False)


def newton(np_, loop, a, x0, tol=1e-6, **kw):
    def cond(c):
        x, _ = c
        return np_.abs(x * x - a) > tol

    def body(c):
        x, n = c
        return 0.5 * (x + a / x), n + 1

    return loop(cond, body, (x0, 0), **kw)


def trips(cond, body, init, limit=10_000):
    """The concrete trip count of the loop (numpy)."""
    c, n = init, 0
    while n < limit and bool(cond(c)):
        c, n = body(c), n + 1
    return n


def fixed(np_, cond, body, init, n):
    """The oracle: the same steps as a fixed-trip fori_loop in jax."""
    return jax.lax.fori_loop(0, n, lambda i, c: body(c), init)


@pytest.mark.parametrize("checkpoints", [1, 2, 4, None])
def test_newton_sqrt(checkpoints):
    a, x0 = np.float32(2.5), np.float32(3.0)
    f = lambda a: newton(jnp, lax.while_loop, a, x0, max_steps=50, checkpoints=checkpoints)[0]  # noqa: E731
    n = int(newton(jnp, lax.while_loop, a, x0, max_steps=50)[1])
    assert 0 < n < 50

    def oracle(a):
        body = lambda c: (0.5 * (c[0] + a / c[0]), c[1] + 1)  # noqa: E731
        return fixed(ref, None, body, (x0, 0), n)[0]

    np.testing.assert_allclose(f(a), oracle(a), rtol=1e-6)
    g = mlax.grad(f)(a)
    np.testing.assert_allclose(g, jax.grad(oracle)(a), rtol=1e-5)
    np.testing.assert_allclose(g, 0.5 / np.sqrt(a), rtol=1e-3)  # d sqrt(a) / da
    np.testing.assert_allclose(mlax.jit(mlax.grad(f))(a), jax.grad(oracle)(a), rtol=1e-5)


def test_trip_count_depends_on_parameter_and_fd():
    # Grows x until it passes 10: how many steps depends on p.
    def loop(np_, lx, p, **kw):
        def cond(c):
            return c[0] < 10.0

        def body(c):
            x, s = c
            return x * (1.0 + p) + np_.sin(x), s + x * p

        return lx(cond, body, (np_.float32(1.0), np_.float32(0.0)), **kw)

    for p in (np.float32(0.3), np.float32(0.6)):
        f = lambda p: jnp.sum(jnp.stack(loop(jnp, lax.while_loop, p, max_steps=200)))  # noqa: E731
        n = trips(lambda c: c[0] < 10.0, lambda c: (c[0] * (1 + p) + np.sin(c[0]), 0.0), (1.0, 0.0))

        def oracle(p, n=n):
            body = lambda c: (c[0] * (1.0 + p) + ref.sin(c[0]), c[1] + c[0] * p)  # noqa: E731
            return ref.sum(
                ref.stack(fixed(ref, None, body, (ref.float32(1.0), ref.float32(0.0)), n))
            )

        np.testing.assert_allclose(mlax.grad(f)(p), jax.grad(oracle)(p), rtol=1e-4)
        # Finite differences (the trip count is locally constant in p).
        eps = np.float32(1e-3)
        fd = (oracle(p + eps) - oracle(p - eps)) / (2 * eps)
        np.testing.assert_allclose(mlax.grad(f)(p), fd, rtol=2e-2)


def test_pytree_carry_vmap_hessian():
    def run(np_, lx, w, x, **kw):
        def cond(c):
            return c["k"] < 7

        def body(c):
            return {
                "h": np_.tanh(c["h"] @ w) + c["acc"][0],
                "acc": (c["acc"][0] * 0.5,),
                "k": c["k"] + 1,
            }

        out = lx(cond, body, {"h": x, "acc": (x * 0.1,), "k": np_.int32(0)}, **kw)
        return np_.sum(out["h"] ** 2)

    w = (np.random.default_rng(0).normal(size=(3, 3)) * 0.5).astype(np.float32)
    x = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    f = lambda w, x: run(jnp, lax.while_loop, w, x, max_steps=20, checkpoints=3)  # noqa: E731
    g = lambda w, x: run(ref, lambda c, b, i: jax.lax.fori_loop(0, 7, lambda _, v: b(v), i), w, x)  # noqa: E731
    np.testing.assert_allclose(
        mlax.grad(f, argnums=(0, 1))(w, x)[0], jax.grad(g, argnums=(0, 1))(w, x)[0], rtol=1e-4
    )
    xs = np.stack([x, 2 * x])
    np.testing.assert_allclose(
        mlax.jit(mlax.vmap(mlax.grad(f), in_axes=(None, 0)))(w, xs),
        jax.vmap(jax.grad(g), in_axes=(None, 0))(w, xs),
        rtol=1e-4,
        atol=1e-6,
    )
    np.testing.assert_allclose(mlax.hessian(f)(w, x), jax.hessian(g)(w, x), rtol=1e-3, atol=1e-5)
    # grad of a vmapped loop (a batched predicate inside the bounded loop).
    h = lambda w, x: jnp.sum(mlax.vmap(lambda x: f(w, x))(x))  # noqa: E731
    hj = lambda w, x: ref.sum(jax.vmap(lambda x: g(w, x))(x))  # noqa: E731
    np.testing.assert_allclose(mlax.grad(h)(w, xs), jax.grad(hj)(w, xs), rtol=1e-4)


def test_stops_at_max_steps_and_forward_mode():
    def run(lx, x, **kw):
        return lx(
            lambda c: c[1] < 1e9, lambda c: (jnp.sin(c[0]) * 1.1, c[1] + 1.0), (x, 0.0), **kw
        )[0]

    x = np.float32(0.7)
    for m in (0, 1, 5, 33):
        got = mlax.grad(lambda x: run(lax.while_loop, x, max_steps=m))(x)
        want = jax.grad(lambda x: jax.lax.fori_loop(0, m, lambda i, v: ref.sin(v) * 1.1, x))(x)
        np.testing.assert_allclose(got, want, rtol=1e-5)
    # Forward mode and values equal jax's while_loop (which runs unbounded).
    f = lambda lx, np_: lambda a: newton(np_, lx, a, np_.float32(3.0))[0]  # noqa: E731
    fm = lambda a: newton(jnp, lax.while_loop, a, jnp.float32(3.0), max_steps=100)[0]  # noqa: E731
    a, t = np.float32(5.0), np.float32(1.0)
    for u, v in zip(mlax.jvp(fm, (a,), (t,)), jax.jvp(f(jax.lax.while_loop, ref), (a,), (t,))):
        np.testing.assert_allclose(u, v, rtol=1e-5)


def test_errors():
    def f(x, **kw):
        return lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x, **kw)

    with pytest.raises(ValueError, match="max_steps"):
        mlax.grad(f)(1.0)
    with pytest.raises(ValueError, match="max_steps"):
        mlax.jit(mlax.grad(f))(1.0)
    with pytest.raises(ValueError):
        jax.grad(lambda x: jax.lax.while_loop(lambda c: c < 10.0, lambda c: c * 2.0, x))(1.0)
    with pytest.raises(TypeError, match="max_steps"):
        f(1.0, max_steps=2.5)
    with pytest.raises(ValueError, match="checkpoints"):
        f(1.0, max_steps=3, checkpoints=0)
    with pytest.raises(TypeError, match="needs max_steps"):
        f(1.0, checkpoints=2)
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c * 2.0, 1.0, max_steps=3)
    np.testing.assert_allclose(f(1.0, max_steps=2), 4.0)


@pytest.mark.parametrize("max_steps,checkpoints", [(12, 4), (12, 3), (13, 5), (40, None)])
def test_per_example_trip_counts_segment_boundaries(max_steps, checkpoints):
    # x -> x * (1 + p) until x > 4: p in ps gives trip counts 1..12, which
    # end inside segments, at their boundaries and at max_steps.
    def loop(np_, lx, p, **kw):
        def body(c):
            x, s = c
            return x * (1.0 + p), s + np_.sin(x * p)

        x, s = lx(lambda c: c[0] < 4.0, body, (np_.float32(1.0), np_.float32(0.0)), **kw)
        return x + s * s

    ps = np.array([0.13, 0.2, 0.3, 0.45, 0.7, 1.5, 4.0], np.float32)
    ns = [trips(lambda c: c[0] < 4.0, lambda c, p=p: (c[0] * (1 + p), 0.0), (1.0, 0.0)) for p in ps]
    assert len(set(ns)) == len(ns) and max(ns) >= 12  # 12: stopped by max_steps

    def oracle(p, n):
        def body(c):
            return c[0] * (1.0 + p), c[1] + ref.sin(c[0] * p)

        x, s = fixed(ref, None, body, (ref.float32(1.0), ref.float32(0.0)), min(n, max_steps))
        return x + s * s

    f = lambda p: loop(jnp, lax.while_loop, p, max_steps=max_steps, checkpoints=checkpoints)  # noqa: E731
    want = np.array([jax.grad(oracle)(p, n) for p, n in zip(ps, ns)])
    np.testing.assert_allclose(mlax.vmap(mlax.grad(f))(ps), want, rtol=1e-4)
    np.testing.assert_allclose(mlax.jit(mlax.vmap(mlax.grad(f)))(ps), want, rtol=1e-4)
    # Second order (the segments' counting and counted loops linearized
    # again) against jax's hessian of the fixed-trip oracle.
    for p, n in zip(ps[[0, 3, 6]], np.array(ns)[[0, 3, 6]]):
        np.testing.assert_allclose(
            mlax.grad(mlax.grad(f))(p), jax.grad(jax.grad(oracle))(p, n), rtol=2e-3, atol=1e-4
        )
