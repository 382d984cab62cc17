"""mlax.jvp against jax.jvp (the oracle) for every op, numpy functions and
compositions; finite differences for a sample; error messages."""

import collections

import jax
import jax.numpy as ref
import ml_dtypes
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from conftest import rand as _rand
from mlax import lax
from op_records import BINARY, UNARY, UNARY_RECORDS

BF16 = np.dtype(ml_dtypes.bfloat16)


def _tol(dtype):
    return (
        dict(rtol=3e-2, atol=3e-2)
        if np.dtype(dtype) in (np.float16, BF16)
        else dict(rtol=2e-5, atol=2e-5)
    )


def _check_jvp(f_mlax, f_jax, primals, tangents, **tol):
    out, tan = mlax.jvp(f_mlax, primals, tangents)
    ref_out, ref_tan = jax.jvp(f_jax, primals, tangents)
    for got, want in ((out, ref_out), (tan, ref_tan)):
        g_leaves = jax.tree_util.tree_leaves(got)
        w_leaves = jax.tree_util.tree_leaves(want)
        assert len(g_leaves) == len(w_leaves)
        for g, w in zip(g_leaves, w_leaves):
            assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype, (g, w)
            gt = np.asarray(g).astype(np.float64) if np.asarray(g).dtype == BF16 else np.asarray(g)
            wt = np.asarray(w).astype(np.float64) if np.asarray(w).dtype == BF16 else np.asarray(w)
            np.testing.assert_allclose(gt, wt, **(tol or _tol(np.asarray(g).dtype)), equal_nan=True)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, BF16])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_unary(rng, name, dtype, shape):
    x = _rand(rng, shape, dtype, UNARY[name])
    t = _rand(rng, shape, dtype)
    _check_jvp(getattr(lax, name), getattr(jax.lax, name), (x,), (t,))


@pytest.mark.parametrize("method", [0, 1])
def test_round(rng, method):
    x, t = _rand(rng, (5,), np.float32), _rand(rng, (5,), np.float32)
    _check_jvp(lambda v: lax.round(v, method), lambda v: jax.lax.round(v, method), (x,), (t,))


@pytest.mark.parametrize("name", [r.name for r in UNARY_RECORDS if r.complex_jvp])
def test_unary_complex(rng, name):
    x = (rng.normal(size=3) + 1j * rng.normal(size=3)).astype(np.complex64)
    t = (rng.normal(size=3) + 1j * rng.normal(size=3)).astype(np.complex64)
    _check_jvp(getattr(lax, name), getattr(jax.lax, name), (x,), (t,), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("active", ["both", "lhs", "rhs"])
@pytest.mark.parametrize("shape", [(), (3, 2)])
def test_binary(rng, name, active, shape):
    kind = BINARY[name]
    x, y = _rand(rng, shape, np.float32, kind), _rand(rng, shape, np.float32, kind)
    tx, ty = _rand(rng, shape, np.float32), _rand(rng, shape, np.float32)
    if active == "both":
        _check_jvp(
            getattr(lax, name), getattr(jax.lax, name), (x, y), (tx, ty), rtol=1e-4, atol=1e-4
        )
    elif active == "lhs":
        _check_jvp(
            lambda a: getattr(lax, name)(a, y),
            lambda a: getattr(jax.lax, name)(a, y),
            (x,),
            (tx,),
            rtol=1e-4,
            atol=1e-4,
        )
    else:
        _check_jvp(
            lambda b: getattr(lax, name)(x, b),
            lambda b: getattr(jax.lax, name)(x, b),
            (y,),
            (ty,),
            rtol=1e-4,
            atol=1e-4,
        )


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_ties(name):
    x = np.array([1.0, 2.0, 3.0], np.float32)
    y = np.array([1.0, 5.0, 0.0], np.float32)
    t = np.ones(3, np.float32)
    _check_jvp(getattr(lax, name), getattr(jax.lax, name), (x, y), (t, 2 * t))


def test_pow_at_zero():
    # JAX's conventions: d/dy at x = 0 is 0 (log 0 taken as 0); d/dx at
    # x = y = 0 is NaN for floating y.
    x = np.array([0.0, 0.0, 2.0], np.float32)
    y = np.array([0.0, 2.0, 0.0], np.float32)
    t = np.ones(3, np.float32)
    _check_jvp(lax.pow, jax.lax.pow, (x, y), (t, t))


def test_select_clamp(rng):
    p = rng.random((4,)) > 0.5
    x, y = _rand(rng, (4,), np.float32), _rand(rng, (4,), np.float32)
    _check_jvp(
        lambda a, b: lax.select(p, a, b), lambda a, b: jax.lax.select(p, a, b), (x, y), (y, x)
    )
    lo, hi = np.float32(-0.5), np.float32(0.5)
    _check_jvp(lambda a: lax.clamp(lo, a, hi), lambda a: jax.lax.clamp(lo, a, hi), (x,), (y,))
    # Scalar bounds with tangents (jax.jvp rejects these; compare with
    # bounds broadcast to the operand's shape).
    full = lambda v: ref.full(x.shape, v)  # noqa: E731
    got = mlax.jvp(
        lambda a, l, h: lax.clamp(l, a, h), (x, lo, hi), (y, np.float32(1), np.float32(2))
    )[1]
    want = jax.jvp(
        lambda a, l, h: jax.lax.clamp(full(l), a, full(h)),
        (x, lo, hi),
        (y, np.float32(1), np.float32(2)),
    )[1]
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    lo2, hi2 = -np.abs(y), np.abs(y)
    _check_jvp(
        lambda a, l, h: lax.clamp(l, a, h),
        lambda a, l, h: jax.lax.clamp(l, a, h),
        (x, lo2, hi2),
        (y, x, y),
    )


def test_convert(rng):
    x, t = _rand(rng, (3,), np.float32), _rand(rng, (3,), np.float32)
    for dst in (np.float16, BF16, np.int32):
        f = lambda v: lax.convert_element_type(v, dst).astype(np.float32) * v  # noqa: E731
        g = lambda v: jax.lax.convert_element_type(v, dst).astype(np.float32) * v  # noqa: E731
        _check_jvp(f, g, (x,), (t,), rtol=1e-2, atol=1e-2)


STRUCTURAL = [
    (
        lambda v: lax.broadcast_in_dim(v, (2, 3, 4), (1, 2)),
        lambda v: jax.lax.broadcast_in_dim(v, (2, 3, 4), (1, 2)),
        (3, 4),
    ),
    (lambda v: lax.reshape(v, (4, 3)), lambda v: jax.lax.reshape(v, (4, 3)), (3, 4)),
    (lambda v: lax.transpose(v, (1, 0)), lambda v: jax.lax.transpose(v, (1, 0)), (3, 4)),
    (lambda v: lax.rev(v, (0,)), lambda v: jax.lax.rev(v, (0,)), (3, 4)),
    (
        lambda v: lax.slice(v, (0, 1), (3, 4), (2, 1)),
        lambda v: jax.lax.slice(v, (0, 1), (3, 4), (2, 1)),
        (3, 4),
    ),
    (
        lambda v: lax.pad(v, np.float32(0), [(1, 0, 1), (0, -1, 0)]),
        lambda v: jax.lax.pad(v, np.float32(0), [(1, 0, 1), (0, -1, 0)]),
        (3, 4),
    ),
    (
        lambda v: lax.concatenate([v, v * 2], 0),
        lambda v: jax.lax.concatenate([v, v * 2], 0),
        (3, 4),
    ),
    (
        lambda v: lax.dynamic_slice(v, (np.int32(1), np.int32(2)), (2, 2)),
        lambda v: jax.lax.dynamic_slice(v, (1, 2), (2, 2)),
        (3, 4),
    ),
    (
        lambda v: lax.dynamic_update_slice(v, v[:1] * 3, (np.int32(2), np.int32(0))),
        lambda v: jax.lax.dynamic_update_slice(v, v[:1] * 3, (2, 0)),
        (3, 4),
    ),
    (lambda v: lax.reduce_sum(v, (1,)), lambda v: jax.lax.reduce_sum(v, (1,)), (3, 4)),
    (lambda v: lax.reduce_max(v, (0,)), lambda v: jax.lax.reduce_max(v, (0,)), (3, 4)),
    (lambda v: lax.reduce_min(v, (0, 1)), lambda v: jax.lax.reduce_min(v, (0, 1)), (3, 4)),
    (lambda v: lax.reduce_prod(v, (1,)), lambda v: jax.lax.reduce_prod(v, (1,)), (3, 4)),
    (lambda v: lax.reduce_prod(v, (0, 2)), lambda v: jax.lax.reduce_prod(v, (0, 2)), (2, 3, 2)),
]


@pytest.mark.parametrize("case", range(len(STRUCTURAL)))
def test_structural_and_reductions(rng, case):
    f, g, shape = STRUCTURAL[case]
    x, t = _rand(rng, shape, np.float32), _rand(rng, shape, np.float32)
    _check_jvp(f, g, (x,), (t,), rtol=1e-4, atol=1e-4)


def test_reduce_prod_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0]], np.float32)
    t = np.ones_like(x)
    _check_jvp(
        lambda v: lax.reduce_prod(v, (1,)), lambda v: jax.lax.reduce_prod(v, (1,)), (x,), (t,)
    )


def test_reduce_max_ties():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], np.float32)
    t = np.array([[1.0, 2.0, 4.0], [1.0, 2.0, 6.0]], np.float32)
    _check_jvp(lambda v: lax.reduce_max(v, (1,)), lambda v: jax.lax.reduce_max(v, (1,)), (x,), (t,))


@pytest.mark.parametrize(
    "dn,ls,rs",
    [
        ((((1,), (0,)), ((), ())), (3, 4), (4, 2)),
        ((((2,), (1,)), ((0,), (0,))), (2, 3, 4), (2, 4, 5)),
    ],
)
def test_dot_general(rng, dn, ls, rs):
    a, b = _rand(rng, ls, np.float32), _rand(rng, rs, np.float32)
    ta, tb = _rand(rng, ls, np.float32), _rand(rng, rs, np.float32)
    _check_jvp(
        lambda x, y: lax.dot_general(x, y, dn),
        lambda x, y: jax.lax.dot_general(x, y, dn),
        (a, b),
        (ta, tb),
        rtol=1e-4,
        atol=1e-4,
    )


NUMPY = ["tanh", "sin", "exp", "log", "sqrt", "abs", "negative"]


@pytest.mark.parametrize("name", NUMPY)
def test_numpy_unary(rng, name):
    x, t = _rand(rng, (2, 3), np.float32, "positive"), _rand(rng, (2, 3), np.float32)
    _check_jvp(getattr(jnp, name), getattr(ref, name), (x,), (t,))


@pytest.mark.parametrize(
    "name", ["add", "subtract", "multiply", "true_divide", "power", "maximum", "minimum"]
)
def test_numpy_binary_broadcasting(rng, name):
    x, y = _rand(rng, (2, 3), np.float32, "positive"), _rand(rng, (3,), np.float32, "positive")
    tx, ty = _rand(rng, (2, 3), np.float32), _rand(rng, (3,), np.float32)
    _check_jvp(getattr(jnp, name), getattr(ref, name), (x, y), (tx, ty), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_numpy_reductions(rng, name, axis):
    x, t = _rand(rng, (3, 4), np.float32), _rand(rng, (3, 4), np.float32)
    _check_jvp(
        lambda v: getattr(jnp, name)(v, axis=axis),
        lambda v: getattr(ref, name)(v, axis=axis),
        (x,),
        (t,),
        rtol=1e-4,
        atol=1e-4,
    )


def test_numpy_linalg_and_indexing(rng):
    a, b = _rand(rng, (3, 4), np.float32), _rand(rng, (4, 2), np.float32)
    ta, tb = _rand(rng, (3, 4), np.float32), _rand(rng, (4, 2), np.float32)
    _check_jvp(
        lambda x, y: jnp.tanh(x @ y),
        lambda x, y: ref.tanh(x @ y),
        (a, b),
        (ta, tb),
        rtol=1e-4,
        atol=1e-4,
    )
    _check_jvp(lambda x: x[1:, ::-2].T, lambda x: x[1:, ::-2].T, (a,), (ta,))
    _check_jvp(
        lambda x: jnp.where(x > 0, x, 0.1 * x), lambda x: ref.where(x > 0, x, 0.1 * x), (a,), (ta,)
    )


# ---------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------


def test_jvp_of_jvp():
    x = np.float32(0.7)

    def d(f):
        return lambda v: mlax.jvp(f, (v,), (jnp.ones_like(v),))[1]

    def d_ref(f):
        return lambda v: jax.jvp(f, (v,), (ref.ones_like(v),))[1]

    np.testing.assert_allclose(
        float(d(d(d(jnp.sin)))(x)), float(d_ref(d_ref(d_ref(ref.sin)))(x)), rtol=1e-6
    )


def test_jvp_inside_jit_and_jit_inside_jvp(rng):
    x, t = _rand(rng, (3,), np.float32), _rand(rng, (3,), np.float32)
    f = mlax.jit(lambda v, w: mlax.jvp(jnp.tanh, (v,), (w,)))
    out, tan = f(x, t)
    ref_out, ref_tan = jax.jvp(ref.tanh, (x,), (t,))
    np.testing.assert_allclose(np.asarray(tan), np.asarray(ref_tan), rtol=1e-6)
    out2, tan2 = mlax.jvp(mlax.jit(jnp.tanh), (x,), (t,))
    np.testing.assert_allclose(np.asarray(tan2), np.asarray(ref_tan), rtol=1e-6)
    assert f.trace_count == 1
    f(x, t)
    assert f.trace_count == 1


def test_closure_over_outer_tracer(rng):
    x, y, _ = (
        _rand(rng, (3,), np.float32),
        _rand(rng, (3,), np.float32),
        _rand(rng, (3,), np.float32),
    )

    @mlax.jit
    def f(a, b):
        # The inner function closes over the outer traced `a`.
        return mlax.jvp(lambda v: jnp.sin(a * v), (b,), (jnp.ones_like(b),))[1]

    want = jax.jvp(lambda v: ref.sin(x * v), (y,), (ref.ones_like(y),))[1]
    np.testing.assert_allclose(np.asarray(f(x, y)), np.asarray(want), rtol=1e-6)

    # Nested closures through two levels of jvp.
    def g(a):
        return mlax.jvp(
            lambda v: mlax.jvp(lambda w: a * v * w, (v,), (jnp.ones_like(v),))[1],
            (a,),
            (jnp.ones_like(a),),
        )[1]

    def g_ref(a):
        return jax.jvp(
            lambda v: jax.jvp(lambda w: a * v * w, (v,), (ref.ones_like(v),))[1],
            (a,),
            (ref.ones_like(a),),
        )[1]

    np.testing.assert_allclose(np.asarray(mlax.jit(g)(x)), np.asarray(g_ref(x)), rtol=1e-6)


def test_pytrees_and_has_aux(rng):
    Params = collections.namedtuple("Params", ["w", "b"])
    p = Params(_rand(rng, (3, 2), np.float32), _rand(rng, (2,), np.float32))
    tp = Params(_rand(rng, (3, 2), np.float32), _rand(rng, (2,), np.float32))
    x = _rand(rng, (4, 3), np.float32)

    def f(params, inputs):
        out = jnp.tanh(inputs @ params.w + params.b)
        return {"out": out, "norm": jnp.sum(out * out)}

    def f_ref(params, inputs):
        out = ref.tanh(inputs @ params.w + params.b)
        return {"out": out, "norm": ref.sum(out * out)}

    _check_jvp(f, f_ref, (p, x), (tp, np.zeros_like(x)), rtol=1e-5, atol=1e-5)
    out, tan, aux = mlax.jvp(lambda v: (jnp.sin(v), {"cos": jnp.cos(v)}), (x,), (x,), has_aux=True)
    np.testing.assert_allclose(np.asarray(aux["cos"]), np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(tan), np.cos(x) * x, rtol=1e-6)


def test_integer_inputs_take_float0():
    x = np.float32(2.0)
    n = np.int32(3)
    out, tan = mlax.jvp(
        lambda v, k: v * k, (x, n), (np.float32(1), np.zeros((), mlax.dtypes.float0))
    )
    assert float(out) == 6.0 and float(tan) == 3.0
    out, tan = mlax.jvp(lambda k: k * 2, (n,), (np.zeros((), mlax.dtypes.float0),))
    assert tan.dtype == mlax.dtypes.float0 and int(out) == 6


def test_errors():
    x = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="must be tuples or lists"):
        mlax.jvp(jnp.sin, x, x)
    with pytest.raises(TypeError, match="same tree structure"):
        mlax.jvp(lambda a, b: a, (x, x), (x,))
    with pytest.raises(
        TypeError, match="expected tangent dtype float32, but got tangent dtype int32"
    ):
        mlax.jvp(jnp.sin, (x,), (np.ones(3, np.int32),))
    with pytest.raises(TypeError, match="tangent dtype must be float0"):
        mlax.jvp(lambda k: k, (np.int32(1),), (np.float32(1),))
    with pytest.raises(ValueError, match="different primal and tangent shapes"):
        mlax.jvp(jnp.sin, (x,), (np.ones(2, np.float32),))


# ---------------------------------------------------------------------------
# Finite differences and the tutorial's stop_gradient examples
# ---------------------------------------------------------------------------


def test_finite_differences(rng):
    def f(x):
        return jnp.sum(jnp.log1p(jnp.exp(jnp.sin(x) * x)) / (1.0 + x * x))

    x = rng.normal(size=(5,)).astype(np.float64).astype(np.float32)
    v = rng.normal(size=(5,)).astype(np.float32)
    _, tan = mlax.jvp(f, (x,), (v,))
    eps = 1e-2
    fd = (float(f(x + eps * v)) - float(f(x - eps * v))) / (2 * eps)
    np.testing.assert_allclose(float(tan), fd, rtol=2e-3, atol=2e-3)


def test_straight_through_estimator():
    def f(x):
        return jnp.round(x) if hasattr(jnp, "round") else lax.round(x)

    def straight_through_f(x):
        zero = x - lax.stop_gradient(x)
        return zero + lax.stop_gradient(lax.round(x))

    out, tan = mlax.jvp(straight_through_f, (3.2,), (1.0,))
    assert float(out) == 3.0 and float(tan) == 1.0
    out, tan = mlax.jvp(lax.round, (np.float32(3.2),), (np.float32(1.0),))
    assert float(out) == 3.0 and float(tan) == 0.0


def test_td0_stop_gradient():
    def value_fn(theta, state):
        return jnp.dot(theta, state)

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)

    def td_loss_ref(theta, s_tm1, r_t, s_t):
        v_tm1 = ref.dot(theta, s_tm1)
        target = r_t + ref.dot(theta, s_t)
        return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)

    theta = np.array([0.1, -0.1, 0.0], np.float32)
    s_tm1 = np.array([1.0, 2.0, -1.0], np.float32)
    r_t = np.array(1.0, np.float32)
    s_t = np.array([2.0, 1.0, 0.0], np.float32)
    for e in np.eye(3, dtype=np.float32):
        _check_jvp(
            lambda th: td_loss(th, s_tm1, r_t, s_t),
            lambda th: td_loss_ref(th, s_tm1, r_t, s_t),
            (theta,),
            (e,),
        )
    # The tutorial's TD(0) update: (r_t + v(s_t) - v(s_tm1)) * s_tm1.
    delta = [
        float(mlax.jvp(lambda th: td_loss(th, s_tm1, r_t, s_t), (theta,), (e,))[1])
        for e in np.eye(3, dtype=np.float32)
    ]
    np.testing.assert_allclose(delta, [1.2, 2.4, -1.2], rtol=1e-6)


def test_repeated_operand(rng):
    # dot(x, x) / x * x: the same value in two operand positions.
    x, t = _rand(rng, (3,), np.float32), _rand(rng, (3,), np.float32)
    _check_jvp(lambda v: jnp.dot(v, v), lambda v: ref.dot(v, v), (x,), (t,))
    _check_jvp(
        lambda v: lax.dot_general(v, v, (((0,), (0,)), ((), ()))),
        lambda v: jax.lax.dot_general(v, v, (((0,), (0,)), ((), ()))),
        (x,),
        (t,),
    )
    np.testing.assert_allclose(
        np.asarray(mlax.hessian(lambda v: jnp.dot(v, v))(x)), 2 * np.eye(3), rtol=1e-6
    )
