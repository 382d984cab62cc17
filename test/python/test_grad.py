"""Reverse mode against jax: grad/vjp of every op and numpy function,
second derivatives, composition with jit and jvp, errors, and the tutorial's
reverse-mode examples."""

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
    assert len(g_leaves) == len(w_leaves), (got, want)
    for g, w in zip(g_leaves, w_leaves):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype, (g, w)
        np.testing.assert_allclose(
            np.asarray(g), np.asarray(w), rtol=rtol, atol=atol, equal_nan=True
        )


def _check_vjp(f_m, f_j, primals, ct, **tol):
    out_m, pull_m = mlax.vjp(f_m, *primals)
    out_j, pull_j = jax.vjp(f_j, *primals)
    _close(out_m, out_j, **tol)
    _close(pull_m(ct), pull_j(ct), **tol)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_unary(rng, name, shape):
    x = _rand(rng, shape, np.float32, UNARY[name])
    ct = _rand(rng, shape, np.float32)
    _check_vjp(getattr(lax, name), getattr(jax.lax, name), (x,), ct)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shape", [(), (3, 2)])
def test_binary(rng, name, shape):
    kind = BINARY[name]
    x, y = _rand(rng, shape, np.float32, kind), _rand(rng, shape, np.float32, kind)
    ct = _rand(rng, shape, np.float32)
    _check_vjp(getattr(lax, name), getattr(jax.lax, name), (x, y), ct, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", range(len(STRUCTURAL)))
def test_structural_and_reductions(rng, case):
    f, g, shape = STRUCTURAL[case]
    x = _rand(rng, shape, np.float32)
    out = jax.eval_shape(g, x)
    ct = _rand(rng, out.shape, np.float32)
    _check_vjp(f, g, (x,), ct, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "dn,ls,rs",
    [
        ((((1,), (0,)), ((), ())), (3, 4), (4, 2)),
        ((((0,), (1,)), ((), ())), (4, 3), (2, 4)),
        ((((2,), (1,)), ((0,), (0,))), (2, 3, 4), (2, 4, 5)),
        ((((2,), (0,)), ((1,), (2,))), (3, 2, 4), (4, 5, 2)),
        ((((0, 2), (2, 0)), ((), ())), (3, 2, 4), (4, 5, 3)),
    ],
)
def test_dot_general(rng, dn, ls, rs):
    a, b = _rand(rng, ls, np.float32), _rand(rng, rs, np.float32)
    out = jax.eval_shape(lambda x, y: jax.lax.dot_general(x, y, dn), a, b)
    ct = _rand(rng, out.shape, np.float32)
    _check_vjp(
        lambda x, y: lax.dot_general(x, y, dn),
        lambda x, y: jax.lax.dot_general(x, y, dn),
        (a, b),
        ct,
        rtol=1e-4,
        atol=1e-4,
    )


def test_broadcast_in_dim_permuted_and_expanded(rng):
    x = _rand(rng, (3, 1), np.float32)
    ct = _rand(rng, (4, 5, 3), np.float32)
    _check_vjp(
        lambda v: lax.broadcast_in_dim(v, (4, 5, 3), (2, 1)),
        lambda v: jax.lax.broadcast_in_dim(v, (4, 5, 3), (2, 1)),
        (x,),
        ct,
    )


def test_select_clamp_convert_pad_value(rng):
    p = rng.random((4,)) > 0.5
    x, y, ct = (_rand(rng, (4,), np.float32) for _ in range(3))
    _check_vjp(lambda a, b: lax.select(p, a, b), lambda a, b: jax.lax.select(p, a, b), (x, y), ct)
    _check_vjp(
        lambda a, l, h: lax.clamp(l, a, h),
        lambda a, l, h: jax.lax.clamp(l, a, h),
        (x, -np.abs(y), np.abs(y)),
        ct,
    )
    _check_vjp(
        lambda a: lax.convert_element_type(a, np.float16).astype(np.float32) * a,
        lambda a: jax.lax.convert_element_type(a, np.float16).astype(np.float32) * a,
        (x,),
        ct,
        rtol=1e-2,
        atol=1e-2,
    )
    _check_vjp(
        lambda a, v: lax.pad(a, v, [(1, 2, 1)]),
        lambda a, v: jax.lax.pad(a, v, [(1, 2, 1)]),
        (x, np.float32(3)),
        _rand(rng, (10,), np.float32),
    )


@pytest.mark.parametrize("name", ["tanh", "sin", "exp", "log", "sqrt", "abs"])
def test_numpy_grad(rng, name):
    x = _rand(rng, (5,), np.float32, "positive")
    _close(
        mlax.grad(lambda v: jnp.sum(getattr(jnp, name)(v)))(x),
        jax.grad(lambda v: ref.sum(getattr(ref, name)(v)))(x),
    )


def test_numpy_composite(rng):
    w, b = _rand(rng, (4, 3), np.float32), _rand(rng, (3,), np.float32)
    x = _rand(rng, (5, 4), np.float32)

    def loss(w, b, x, np_):
        h = np_.tanh(x @ w + b)
        return np_.mean(np_.maximum(h, 0.1 * h) ** 2) + np_.sum(np_.where(w > 0, w, 0.0))

    _close(
        mlax.grad(lambda w, b: loss(w, b, x, jnp), argnums=(0, 1))(w, b),
        jax.grad(lambda w, b: loss(w, b, x, ref), argnums=(0, 1))(w, b),
        rtol=1e-4,
        atol=1e-5,
    )
    _close(
        mlax.grad(lambda v: jnp.sum(v[1:, ::-1] ** 3))(x),
        jax.grad(lambda v: ref.sum(v[1:, ::-1] ** 3))(x),
    )


def test_fan_out_and_unused_inputs(rng):
    x = _rand(rng, (3,), np.float32)
    f = lambda a, unused: a * a + jnp.sin(a) * a  # noqa: E731
    g = lambda a, unused: a * a + ref.sin(a) * a  # noqa: E731
    _close(
        mlax.grad(lambda a, u: jnp.sum(f(a, u)), argnums=(0, 1))(x, x),
        jax.grad(lambda a, u: ref.sum(g(a, u)), argnums=(0, 1))(x, x),
    )


# ---------------------------------------------------------------------------
# Higher order and composition
# ---------------------------------------------------------------------------

COMPOSITES = [
    (lambda x: jnp.sum(jnp.tanh(x) ** 2 * x), lambda x: ref.sum(ref.tanh(x) ** 2 * x)),
    (
        lambda x: jnp.sum(jnp.exp(jnp.sin(x)) / (1.0 + x * x)),
        lambda x: ref.sum(ref.exp(ref.sin(x)) / (1.0 + x * x)),
    ),
    (lambda x: jnp.log(jnp.sum(jnp.exp(x))), lambda x: ref.log(ref.sum(ref.exp(x)))),
]


@pytest.mark.parametrize("case", range(len(COMPOSITES)))
def test_second_derivatives(rng, case):
    f, g = COMPOSITES[case]
    x = _rand(rng, (4,), np.float32)
    v = _rand(rng, (4,), np.float32)
    H = np.asarray(jax.hessian(g)(x))
    # grad of grad (per component), forward-over-reverse, reverse-over-forward
    fo_r = mlax.jvp(mlax.grad(f), (x,), (v,))[1]
    r_fo = mlax.grad(lambda y: mlax.jvp(f, (y,), (v,))[1])(x)
    gg = np.stack([np.asarray(mlax.grad(lambda y, i=i: mlax.grad(f)(y)[i])(x)) for i in range(4)])
    np.testing.assert_allclose(np.asarray(fo_r), H @ v, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(r_fo), H @ v, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gg, H, rtol=1e-4, atol=1e-4)


def test_jit_everywhere(rng):
    f, g = COMPOSITES[0]
    x = _rand(rng, (4,), np.float32)
    want = jax.grad(g)(x)
    _close(mlax.jit(mlax.grad(f))(x), want)
    _close(mlax.grad(mlax.jit(f))(x), want)
    _close(mlax.jit(mlax.grad(mlax.jit(f)))(x), want)
    jg = mlax.jit(mlax.grad(f))
    jg(x)
    jg(x)
    assert jg.trace_count == 1


def test_maml_meta_gradient(rng):
    # Differentiate through an inner gradient step (closes over outer values).
    def loss(params, data):
        x, y = data
        return jnp.mean((jnp.tanh(x @ params) - y) ** 2)

    def loss_ref(params, data):
        x, y = data
        return ref.mean((ref.tanh(x @ params) - y) ** 2)

    def meta_loss(params, data, loss_fn, grad_fn):
        inner = params - 0.1 * grad_fn(loss_fn)(params, data)
        return loss_fn(inner, data)

    p = _rand(rng, (3, 2), np.float32)
    data = (_rand(rng, (5, 3), np.float32), _rand(rng, (5, 2), np.float32))
    got = mlax.grad(meta_loss)(p, data, loss, mlax.grad)
    want = jax.grad(meta_loss)(p, data, loss_ref, jax.grad)
    _close(got, want, rtol=1e-4, atol=1e-5)


def test_vjp_fun_is_jittable_and_differentiable(rng):
    x = _rand(rng, (3,), np.float32)
    ct = _rand(rng, (3,), np.float32)
    out, pull = mlax.vjp(jnp.sin, x)
    _close(mlax.jit(pull)(ct), jax.vjp(ref.sin, x)[1](ct))
    # d/d ct of <pullback(ct), v> is linear: its grad is J v.
    _close(mlax.grad(lambda c: jnp.sum(pull(c)[0] * x))(ct), np.cos(x) * x)
    o2, pull2, aux = mlax.vjp(lambda v: (jnp.sin(v), jnp.cos(v)), x, has_aux=True)
    _close(aux, np.cos(x))


def test_value_and_grad_has_aux_and_pytrees(rng):
    params = {"w": _rand(rng, (3,), np.float32), "b": np.float32(0.5)}
    x = _rand(rng, (3,), np.float32)

    def f(p, np_):
        y = np_.sum(np_.tanh(p["w"] * x + p["b"]))
        return y, {"y2": y * y}

    (v, aux), g = mlax.value_and_grad(lambda p: f(p, jnp), has_aux=True)(params)
    (v2, aux2), g2 = jax.value_and_grad(lambda p: f(p, ref), has_aux=True)(params)
    _close(v, v2)
    _close(aux, aux2)
    _close(g, g2)
    g3, aux3 = mlax.grad(lambda p: f(p, jnp), has_aux=True)(params)
    _close(g3, g2)


def test_linearize_and_linear_transpose(rng):
    x, t = _rand(rng, (3,), np.float32), _rand(rng, (3,), np.float32)
    out, f_jvp = mlax.linearize(jnp.sin, x)
    _close(f_jvp(t), np.cos(x) * t)
    A = _rand(rng, (2, 3), np.float32)
    f_t = mlax.linear_transpose(lambda v: jnp.dot(A, v), x)
    _close(f_t(np.ones(2, np.float32))[0], A.T @ np.ones(2, np.float32))


def test_grad_errors():
    with pytest.raises(TypeError, match="Gradient only defined for scalar-output functions"):
        mlax.grad(jnp.sin)(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs"):
        mlax.grad(lambda n: n * 2.0)(np.int32(3))
    with pytest.raises(TypeError, match="grad requires real-valued outputs"):
        mlax.grad(lambda z: z * z)(np.complex64(1 + 1j))
    with pytest.raises(TypeError, match="requires at least 2 positional"):
        mlax.grad(lambda a, b: a, argnums=1)(1.0)


# ---------------------------------------------------------------------------
# The tutorial's examples (values it prints)
# ---------------------------------------------------------------------------


def test_tutorial_straight_through_grad():
    def f(x):
        return lax.round(x)

    def straight_through_f(x):
        zero = x - lax.stop_gradient(x)
        return zero + lax.stop_gradient(f(x))

    assert float(f(3.2)) == 3.0
    assert float(straight_through_f(3.2)) == 3.0
    assert float(mlax.grad(f)(3.2)) == 0.0
    assert float(mlax.grad(straight_through_f)(3.2)) == 1.0


def test_tutorial_td0():
    value_fn = lambda theta, state: jnp.dot(theta, state)  # noqa: E731
    theta = jnp.array([0.1, -0.1, 0.0])
    s_tm1 = jnp.array([1.0, 2.0, -1.0])
    r_t = jnp.array(1.0)
    s_t = jnp.array([2.0, 1.0, 0.0])

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((target - v_tm1) ** 2)

    def td_loss_sg(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)

    np.testing.assert_allclose(
        np.asarray(mlax.grad(td_loss)(theta, s_tm1, r_t, s_t)), [-1.2, 1.2, -1.2], rtol=1e-6
    )
    delta = mlax.grad(td_loss_sg)(theta, s_tm1, r_t, s_t)
    np.testing.assert_allclose(np.asarray(delta), [1.2, 2.4, -1.2], rtol=1e-6)
    assert repr(delta) == "Array([ 1.2,  2.4, -1.2], dtype=float32)"


def test_tutorial_vgrad():
    def vgrad(f, x):
        y, vjp_fn = mlax.vjp(f, x)
        return vjp_fn(jnp.ones(y.shape))[0]

    out = vgrad(lambda x: 3 * x**2, jnp.ones((2, 2)))
    assert str(out) == "[[6. 6.]\n [6. 6.]]"


def test_tutorial_hvp_variants(rng):
    def hvp(f, x, v):
        return (
            mlax.grad(lambda x: jnp.vdot(mlax.grad(f)(x), v))(x)
            if hasattr(jnp, "vdot")
            else mlax.grad(lambda x: jnp.sum(mlax.grad(f)(x) * v))(x)
        )

    def hvp_fwdrev(f, primals, tangents):
        return mlax.jvp(mlax.grad(f), primals, tangents)[1]

    def hvp_revfwd(f, primals, tangents):
        g = lambda primals: mlax.jvp(f, primals, tangents)[1]  # noqa: E731
        return mlax.grad(g)(primals)

    def f(X):
        return jnp.sum(jnp.tanh(X) ** 2)

    X = _rand(rng, (30, 40), np.float32)
    V = _rand(rng, (30, 40), np.float32)
    want = jax.jvp(jax.grad(lambda X: ref.sum(ref.tanh(X) ** 2)), (X,), (V,))[1]
    for got in (hvp(f, X, V), hvp_fwdrev(f, (X,), (V,)), hvp_revfwd(f, (X,), (V,))[0]):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-4)
