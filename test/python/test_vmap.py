"""vmap, jacfwd, jacrev, hessian against jax, and the tutorial's batching
examples with the values it prints."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from conftest import rand as _rand
from mlax import lax
from op_records import BINARY, UNARY
from test_jvp import STRUCTURAL


def _close(got, want, rtol=2e-5, atol=2e-5):
    g_leaves, w_leaves = jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want) or len(
        g_leaves
    ) == len(w_leaves), (got, want)
    for g, w in zip(g_leaves, w_leaves):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype, (g, w)
        np.testing.assert_allclose(
            np.asarray(g), np.asarray(w), rtol=rtol, atol=atol, equal_nan=True
        )


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("in_axis,out_axis", [(0, 0), (1, 0), (-1, 1)])
def test_unary(rng, name, in_axis, out_axis):
    x = _rand(rng, (3, 4), np.float32, UNARY[name])
    _close(
        mlax.vmap(getattr(lax, name), in_axis, out_axis)(x),
        jax.vmap(getattr(jax.lax, name), in_axis, out_axis)(x),
    )


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("in_axes", [(0, 0), (1, None), (None, 0), (0, 1)])
def test_binary(rng, name, in_axes):
    kind = BINARY[name]
    shapes = {0: (5, 3), 1: (3, 5), None: (3,)}
    x = _rand(rng, shapes[in_axes[0]], np.float32, kind)
    y = _rand(rng, shapes[in_axes[1]], np.float32, kind)
    _close(
        mlax.vmap(getattr(lax, name), in_axes)(x, y),
        jax.vmap(getattr(jax.lax, name), in_axes)(x, y),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("case", range(len(STRUCTURAL)))
@pytest.mark.parametrize("in_axis", [0, 1, 2])
def test_structural(rng, case, in_axis):
    f, g, shape = STRUCTURAL[case]
    batched = list(shape)
    batched.insert(in_axis, 2)
    x = _rand(rng, tuple(batched), np.float32)
    _close(mlax.vmap(f, in_axis)(x), jax.vmap(g, in_axis)(x), rtol=1e-5, atol=1e-5)


def test_select_clamp_compare_convert(rng):
    p = rng.random((4, 3)) > 0.5
    x, y = _rand(rng, (4, 3), np.float32), _rand(rng, (3,), np.float32)
    _close(
        mlax.vmap(lax.select, (0, 0, None))(p, x, y),
        jax.vmap(jax.lax.select, (0, 0, None))(p, x, y),
    )
    ps = rng.random(4) > 0.5
    _close(
        mlax.vmap(lambda q, a: lax.select(q, a, -a))(ps, x),
        jax.vmap(lambda q, a: jax.lax.select(q, a, -a))(ps, x),
    )
    lo = _rand(rng, (4,), np.float32)
    _close(
        mlax.vmap(lambda l, a: lax.clamp(l, a, np.float32(1)))(lo, x),
        jax.vmap(lambda l, a: jax.lax.clamp(l, a, np.float32(1)))(lo, x),
    )
    _close(mlax.vmap(lax.lt, (0, None))(x, y), jax.vmap(jax.lax.lt, (0, None))(x, y))
    _close(
        mlax.vmap(lambda a: lax.convert_element_type(a, np.int32))(x),
        jax.vmap(lambda a: jax.lax.convert_element_type(a, np.int32))(x),
    )


def test_dot_general_all_cases(rng):
    m, v = _rand(rng, (3, 4), np.float32), _rand(rng, (6, 4), np.float32)
    ms = _rand(rng, (6, 3, 4), np.float32)
    for fm, fj, args, axes in [
        (jnp.matmul, ref.matmul, (m, v), (None, 0)),
        (jnp.matmul, ref.matmul, (ms, v), (0, 0)),
        (jnp.matmul, ref.matmul, (ms, v[0]), (0, None)),
        (lambda a, b: a @ b.T, lambda a, b: a @ b.T, (ms, m), (0, None)),
        (lambda a, b: jnp.dot(b, a), lambda a, b: ref.dot(b, a), (v, m), (0, None)),
    ]:
        _close(mlax.vmap(fm, axes)(*args), jax.vmap(fj, axes)(*args), rtol=1e-5, atol=1e-5)


def test_dynamic_slice_batched_indices(rng):
    x = _rand(rng, (5, 8), np.float32)
    idx = np.array([0, 3, 7, -1, 2], np.int32)
    f = lambda row, i: lax.dynamic_slice(row, (i,), (3,))  # noqa: E731
    g = lambda row, i: jax.lax.dynamic_slice(row, (i,), (3,))  # noqa: E731
    _close(mlax.vmap(f)(x, idx), jax.vmap(g)(x, idx))
    u = _rand(rng, (5, 2), np.float32)
    f2 = lambda row, upd, i: lax.dynamic_update_slice(row, upd, (i,))  # noqa: E731
    g2 = lambda row, upd, i: jax.lax.dynamic_update_slice(row, upd, (i,))  # noqa: E731
    _close(mlax.vmap(f2)(x, u, idx), jax.vmap(g2)(x, u, idx))
    _close(mlax.vmap(f2, (None, 0, 0))(x[0], u, idx), jax.vmap(g2, (None, 0, 0))(x[0], u, idx))


def test_numpy_functions(rng):
    x = _rand(rng, (4, 3, 2), np.float32)
    for fm, fj in [
        (lambda a: jnp.sum(a, axis=0), lambda a: ref.sum(a, axis=0)),
        (lambda a: jnp.mean(a**2), lambda a: ref.mean(a**2)),
        (lambda a: jnp.max(a, axis=-1), lambda a: ref.max(a, axis=-1)),
        (lambda a: a.T @ a, lambda a: a.T @ a),
        (lambda a: jnp.concatenate([a, a[::-1]], 1), lambda a: ref.concatenate([a, a[::-1]], 1)),
        (lambda a: jnp.where(a > 0, a, 0.0), lambda a: ref.where(a > 0, a, 0.0)),
        (lambda a: jnp.reshape(a, (-1,))[1:4], lambda a: ref.reshape(a, (-1,))[1:4]),
    ]:
        for ax in (0, 1, 2):
            _close(mlax.vmap(fm, ax)(x), jax.vmap(fj, ax)(x), rtol=1e-5, atol=1e-5)


def test_pytrees_and_out_axes(rng):
    xs = {"a": _rand(rng, (5, 3), np.float32), "b": _rand(rng, (3, 5), np.float32)}
    c = _rand(rng, (3,), np.float32)

    def f(d, c):
        return {"s": d["a"] * d["b"] + c, "t": (jnp.sum(d["a"]), c)}

    def g(d, c):
        return {"s": d["a"] * d["b"] + c, "t": (ref.sum(d["a"]), c)}

    spec_in = ({"a": 0, "b": 1}, None)
    spec_out = {"s": 1, "t": (0, None)}
    _close(mlax.vmap(f, spec_in, spec_out)(xs, c), jax.vmap(g, spec_in, spec_out)(xs, c))


def test_nested_vmap_and_kwargs(rng):
    x, y = _rand(rng, (3,), np.float32), _rand(rng, (4,), np.float32)
    outer = mlax.vmap(mlax.vmap(lambda a, b: a * b, (None, 0)), (0, None))(x, y)
    _close(outer, np.outer(x, y))
    _close(mlax.vmap(lambda a, *, k: a * k)(x, k=x), x * x)


def test_errors(rng):
    x = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        mlax.vmap(lax.add)(x, np.ones((4, 4), np.float32))
    with pytest.raises(ValueError, match="map its argument along axis 2"):
        mlax.vmap(jnp.sin, 2)(x)
    with pytest.raises(ValueError, match="at least one non-None"):
        mlax.vmap(jnp.sin, None)(x)
    with pytest.raises(ValueError, match="in_axes must be"):
        mlax.vmap(lax.add, (0,))(x, x)


def test_axis_size(rng):
    out = mlax.vmap(lambda: jnp.ones(2), axis_size=3)()
    _close(out, np.ones((3, 2), np.float32))


# ---------------------------------------------------------------------------
# Composition with differentiation
# ---------------------------------------------------------------------------


def test_vmap_of_jvp_and_vjp(rng):
    x = _rand(rng, (3,), np.float32)
    M = _rand(rng, (5, 3), np.float32)
    f = lambda v: jnp.sin(v) * jnp.sum(v**2)  # noqa: E731
    g = lambda v: ref.sin(v) * ref.sum(v**2)  # noqa: E731
    _close(
        mlax.vmap(lambda t: mlax.jvp(f, (x,), (t,))[1])(M),
        jax.vmap(lambda t: jax.jvp(g, (x,), (t,))[1])(M),
        rtol=1e-5,
        atol=1e-5,
    )
    _, pull = mlax.vjp(f, x)
    _, pull_ref = jax.vjp(g, x)
    _close(mlax.vmap(pull)(M), jax.vmap(pull_ref)(M), rtol=1e-5, atol=1e-5)
    # grad inside vmap and vmap inside grad
    _close(
        mlax.vmap(mlax.grad(lambda v: jnp.sum(f(v))))(M),
        jax.vmap(jax.grad(lambda v: ref.sum(g(v))))(M),
        rtol=1e-5,
        atol=1e-5,
    )
    _close(
        mlax.grad(lambda v: jnp.sum(mlax.vmap(f)(v)))(M),
        jax.grad(lambda v: ref.sum(jax.vmap(g)(v)))(M),
        rtol=1e-5,
        atol=1e-5,
    )


COMPOSITES = [
    (lambda x: jnp.tanh(x) * jnp.sum(x**2), lambda x: ref.tanh(x) * ref.sum(x**2)),
    (lambda x: jnp.exp(x[:2]) / (1.0 + x[1:]), lambda x: ref.exp(x[:2]) / (1.0 + x[1:])),
]


@pytest.mark.parametrize("case", range(len(COMPOSITES)))
def test_jacobians(rng, case):
    f, g = COMPOSITES[case]
    x = _rand(rng, (3,), np.float32)
    _close(mlax.jacfwd(f)(x), jax.jacfwd(g)(x), rtol=1e-5, atol=1e-5)
    _close(mlax.jacrev(f)(x), jax.jacrev(g)(x), rtol=1e-5, atol=1e-5)
    _close(
        mlax.hessian(lambda v: jnp.sum(f(v)))(x),
        jax.hessian(lambda v: ref.sum(g(v)))(x),
        rtol=1e-4,
        atol=1e-4,
    )
    _close(mlax.jit(mlax.jacfwd(f))(x), jax.jacfwd(g)(x), rtol=1e-5, atol=1e-5)


def test_jacobians_pytrees_argnums(rng):
    params = {"W": _rand(rng, (3,), np.float32), "b": np.float32(0.3)}
    X = _rand(rng, (4, 3), np.float32)
    f = lambda p, x: jnp.tanh(x @ p["W"] + p["b"])  # noqa: E731
    g = lambda p, x: ref.tanh(x @ p["W"] + p["b"])  # noqa: E731
    _close(mlax.jacrev(f)(params, X), jax.jacrev(g)(params, X), rtol=1e-5, atol=1e-5)
    _close(mlax.jacfwd(f)(params, X), jax.jacfwd(g)(params, X), rtol=1e-5, atol=1e-5)
    _close(
        mlax.jacrev(f, argnums=(0, 1))(params, X),
        jax.jacrev(g, argnums=(0, 1))(params, X),
        rtol=1e-5,
        atol=1e-5,
    )


# ---------------------------------------------------------------------------
# The tutorial
# ---------------------------------------------------------------------------


def test_tutorial_per_example_gradients():
    value_fn = lambda theta, state: jnp.dot(theta, state)  # noqa: E731

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)

    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1 = jnp.array([1.0, 2.0, -1.0])
    r_t = jnp.array(1.0)
    s_t = jnp.array([2.0, 1.0, 0.0])
    perex_grads = mlax.jit(mlax.vmap(mlax.grad(td_loss), in_axes=(None, 0, 0, 0)))
    batched_s_tm1 = jnp.stack([s_tm1, s_tm1])
    batched_r_t = jnp.stack([r_t, r_t])
    batched_s_t = jnp.stack([s_t, s_t])
    out = perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)
    assert repr(out) == "Array([[ 1.2,  2.4, -1.2],\n       [ 1.2,  2.4, -1.2]], dtype=float32)"
    dtdloss_dtheta = mlax.grad(td_loss)
    assert (
        repr(dtdloss_dtheta(theta, s_tm1, r_t, s_t)) == "Array([ 1.2,  2.4, -1.2], dtype=float32)"
    )


def _predictor():
    key = jax.random.key(0)
    key, W_key, b_key = jax.random.split(key, 3)
    W = np.asarray(jax.random.normal(W_key, (3,)))
    b = np.asarray(jax.random.normal(b_key, ()))
    inputs = np.array(
        [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]],
        np.float32,
    )

    def sigmoid(x):
        return 0.5 * (jnp.tanh(x / 2) + 1)

    def predict(W, b, inputs):
        return sigmoid(jnp.dot(inputs, W) + b)

    return key, W, b, inputs, predict


def test_tutorial_jacobians_and_hessian():
    key, W, b, inputs, predict = _predictor()
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    expected_J = np.array(
        [
            [0.05069415, 0.1091874, 0.07506633],
            [0.14170025, -0.17390487, 0.02415345],
            [0.12579198, 0.01451446, -0.31447992],
            [0.00574409, -0.0193281, 0.01078958],
        ],
        np.float32,
    )
    for jac in (mlax.jacfwd, mlax.jacrev):
        J = jac(f)(W)
        assert J.shape == (4, 3)
        np.testing.assert_allclose(np.asarray(J), expected_J, rtol=1e-5, atol=1e-7)
    J_dict = mlax.jacrev(lambda p, x: predict(p["W"], p["b"], x))({"W": W, "b": b}, inputs)
    np.testing.assert_allclose(
        np.asarray(J_dict["b"]), [0.09748875, 0.16102302, 0.24190766, 0.00776229], rtol=1e-5
    )
    H = mlax.hessian(f)(W)
    assert H.shape == (4, 3, 3)
    np.testing.assert_allclose(np.asarray(H)[0, 0], [0.02058932, 0.04434624, 0.03048803], rtol=1e-4)
    np.testing.assert_allclose(
        np.asarray(H)[3, 2], [-0.00785936, 0.02644569, -0.01476286], rtol=1e-4
    )


def test_tutorial_mjp_and_jmp_loops_vs_vmap():
    key, W, b, inputs, predict = _predictor()
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    y = f(W)
    U = np.asarray(jax.random.normal(jax.random.key(0), (128,) + y.shape))
    S = np.asarray(jax.random.normal(jax.random.key(0), (128,) + W.shape))

    def loop_mjp(f, x, M):
        y, vjp_fun = mlax.vjp(f, x)
        return jnp.stack([vjp_fun(mi)[0] for mi in M])

    def vmap_mjp(f, x, M):
        y, vjp_fun = mlax.vjp(f, x)
        (outs,) = mlax.vmap(vjp_fun)(M)
        return outs

    def loop_jmp(f, W, M):
        return jnp.stack([mlax.jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: mlax.jvp(f, (W,), (s,))[1]  # noqa: E731
        return mlax.vmap(_jvp)(M)

    assert np.allclose(loop_mjp(f, W, U[:16]), vmap_mjp(f, W, U[:16]), atol=1e-6)
    assert np.allclose(
        vmap_mjp(f, W, U),
        jax.vmap(jax.vjp(lambda w: 0.5 * (ref.tanh((inputs @ w + b) / 2) + 1), W)[1])(U)[0],
        atol=1e-6,
    )
    assert np.allclose(loop_jmp(f, W, S[:16]), vmap_jmp(f, W, S[:16]), atol=1e-6)


def test_tutorial_jacobians_print_as_the_tutorial():
    # As the tutorial builds them (mlax Arrays closed over): eager
    # transformations pass closed-over Arrays as arguments, so XLA computes
    # the primal values with its kernels (as JAX's eager run does) instead of
    # folding them with host math, and the printed digits are the tutorial's.
    from mlax import random

    key = random.key(0)
    key, W_key, b_key = random.split(key, 3)
    W = random.normal(W_key, (3,))
    b = random.normal(b_key, ())
    inputs = jnp.array(
        [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]]
    )

    def predict(W, b, inputs):
        return 0.5 * (jnp.tanh((jnp.dot(inputs, W) + b) / 2) + 1)

    f = lambda W: predict(W, b, inputs)  # noqa: E731
    assert str(mlax.jacfwd(f)(W)) == (
        "[[ 0.05069415  0.1091874   0.07506633]\n"
        " [ 0.14170025 -0.17390487  0.02415345]\n"
        " [ 0.12579198  0.01451446 -0.31447992]\n"
        " [ 0.00574409 -0.0193281   0.01078958]]"
    )
    assert str(mlax.jacrev(f)(W)) == (
        "[[ 0.05069415  0.10918739  0.07506634]\n"
        " [ 0.14170025 -0.17390487  0.02415345]\n"
        " [ 0.12579198  0.01451446 -0.31447995]\n"
        " [ 0.00574409 -0.0193281   0.01078958]]"
    )


def test_eager_transformations_reuse_executables_across_closed_over_values():
    from mlax._src import core

    x = jnp.array([0.3, -1.0, 2.0])

    def g(W):
        return mlax.grad(lambda v: jnp.sum(jnp.tanh(v * W)))(x)

    for W in (jnp.ones(3), jnp.array([0.5, 2.0, -1.0])):
        g(W)  # warm (the second W has no weak type: a new signature)
    n = len(core._EXECUTABLES)
    for W in (jnp.array([1.5, -2.0, 0.25]), jnp.array([0.1, 0.2, 0.3])):
        want = jax.grad(lambda v: jax.numpy.sum(jax.numpy.tanh(v * np.asarray(W))))(np.asarray(x))
        np.testing.assert_allclose(np.asarray(g(W)), np.asarray(want), rtol=1e-6)
    assert len(core._EXECUTABLES) == n  # W is an argument, not a constant
    # Under a user jit, closed-over Arrays are constants (as in JAX).
    W = jnp.array([1.0, 2.0, 3.0])
    assert "dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>" in str(
        mlax.make_mlir(lambda v: v * W)(x)
    )


@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (1, 0)])
def test_dynamic_slices_with_batched_indices(rng, in_axes):
    # One gather / scatter (not a loop over the batch); starts clamp as in jax.
    x = rng.normal(size=(5, 8)).astype(np.float32)
    if in_axes[0] is None:
        x = x[0]
    elif in_axes[0] == 1:
        x = x.T.copy()
    i = np.array([0, 3, 7, -1, 6], np.int32)
    f = lambda lib: lambda x, i: lib.dynamic_slice(x, (i,), (3,))  # noqa: E731
    got = mlax.vmap(f(lax), in_axes)(x, i)
    want = jax.vmap(f(jax.lax), in_axes)(x, i)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    got = mlax.grad(lambda x: (mlax.vmap(f(lax), in_axes)(x, i) ** 2).sum())(x)
    want = jax.grad(lambda x: (jax.vmap(f(jax.lax), in_axes)(x, i) ** 2).sum())(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    u = rng.normal(size=(5, 3)).astype(np.float32)
    h = lambda lib: lambda x, u, i: lib.dynamic_update_slice(x, u, (i,))  # noqa: E731
    axes = in_axes[:1] + (0,) + in_axes[1:]
    got = mlax.vmap(h(lax), axes)(x, u, i)
    want = jax.vmap(h(jax.lax), axes)(x, u, i)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    got = mlax.grad(lambda x, u: (mlax.vmap(h(lax), axes)(x, u, i) ** 3).sum(), (0, 1))(x, u)
    want = jax.grad(lambda x, u: (jax.vmap(h(jax.lax), axes)(x, u, i) ** 3).sum(), (0, 1))(x, u)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
