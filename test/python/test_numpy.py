"""mlax.numpy against jax.numpy (the oracle), eagerly and under jit."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest


def _same(got, want, rtol=1e-6, atol=1e-6):
    assert isinstance(got, mlax.Array)
    want = ref.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    assert got.weak_type == want.weak_type, (got, want)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


BINARY = [
    "add",
    "subtract",
    "multiply",
    "true_divide",
    "maximum",
    "minimum",
    "power",
    "floor_divide",
    "remainder",
    "equal",
    "less",
    "greater_equal",
]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_binary_broadcasting(rng, name, shapes, dtype):
    lo = 1 if dtype == np.int32 else 0.5
    a = (rng.uniform(lo, 5, size=shapes[0])).astype(dtype)
    b = (rng.uniform(lo, 5, size=shapes[1])).astype(dtype)
    if dtype == np.int32 and name in ("floor_divide", "remainder"):
        a = a * np.where(rng.random(shapes[0]) > 0.5, 1, -1).astype(dtype)
    _same(getattr(jnp, name)(a, b), getattr(ref, name)(a, b), rtol=1e-5)
    _same(mlax.jit(getattr(jnp, name))(a, b), jax.jit(getattr(ref, name))(a, b), rtol=1e-5)


@pytest.mark.parametrize("scalar", [2, 2.5, True])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16, np.bool_])
def test_weak_scalar_promotion(scalar, dtype):
    x = np.ones(3, dtype)
    for f_m, f_r in [
        (lambda v: v + scalar, lambda v: v + scalar),
        (lambda v: scalar * v, lambda v: scalar * v),
    ]:
        _same(f_m(jnp.asarray(x)), f_r(ref.asarray(x)))


def test_python_scalar_arithmetic_is_weak():
    _same(jnp.asarray(3.0) * 2, ref.asarray(3.0) * 2)
    _same(jnp.asarray(3) + 1.5, ref.asarray(3) + 1.5)
    _same(jnp.asarray(2) * 3, ref.asarray(2) * 3)


@pytest.mark.parametrize(
    "name", ["tanh", "sin", "cos", "exp", "log", "sqrt", "abs", "negative", "sign"]
)
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_unary(rng, name, dtype):
    x = rng.uniform(0.5, 3, size=(2, 3)).astype(dtype)
    _same(getattr(jnp, name)(x), getattr(ref, name)(x), rtol=2e-6)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "max", "min", "mean", "prod"])
def test_reductions(rng, axis, keepdims, name):
    x = rng.normal(size=(3, 4)).astype(np.float32)
    _same(
        getattr(jnp, name)(x, axis=axis, keepdims=keepdims),
        getattr(ref, name)(x, axis=axis, keepdims=keepdims),
        rtol=1e-5,
    )


def test_sum_of_bools_and_ints():
    _same(jnp.sum(np.array([True, True, False])), ref.sum(np.array([True, True, False])))
    _same(jnp.sum(np.arange(5, dtype=np.int8)), ref.sum(np.arange(5, dtype=np.int8)))


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((5, 2, 3), (1, 3, 4)),
    ],
)
def test_matmul_and_dot(rng, sa, sb):
    a = rng.normal(size=sa).astype(np.float32)
    b = rng.normal(size=sb).astype(np.float32)
    _same(jnp.matmul(a, b), ref.matmul(a, b), rtol=1e-5, atol=1e-5)
    _same(jnp.asarray(a) @ b, ref.asarray(a) @ b, rtol=1e-5, atol=1e-5)
    if len(sb) <= 2:
        _same(jnp.dot(a, b), ref.dot(a, b), rtol=1e-5, atol=1e-5)


def test_creation():
    _same(jnp.zeros((2, 3)), ref.zeros((2, 3)))
    _same(jnp.ones(4, dtype=np.int32), ref.ones(4, dtype=np.int32))
    _same(jnp.full((2,), 7.0), ref.full((2,), 7.0))
    _same(jnp.array([1, 2, 3]), ref.array([1, 2, 3]))
    _same(jnp.array([[1.0, 2.0]]), ref.array([[1.0, 2.0]]))
    _same(jnp.asarray(np.float64(1.5)), ref.asarray(np.float64(1.5)))
    _same(jnp.arange(5), ref.arange(5))
    _same(jnp.arange(0.0, 1.0, 0.25), ref.arange(0.0, 1.0, 0.25))
    _same(jnp.eye(3), ref.eye(3))
    _same(jnp.zeros_like(np.ones(3, np.int32)), ref.zeros_like(np.ones(3, np.int32)))


def test_shapes(rng):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    _same(jnp.reshape(x, (4, -1)), ref.reshape(x, (4, -1)))
    _same(jnp.transpose(x), ref.transpose(x))
    _same(jnp.transpose(x, (1, 0, 2)), ref.transpose(x, (1, 0, 2)))
    _same(jnp.asarray(x).T, ref.asarray(x).T)
    _same(jnp.stack([x, x], axis=1), ref.stack([x, x], axis=1))
    _same(jnp.concatenate([x, x], axis=-1), ref.concatenate([x, x], axis=-1))
    _same(jnp.expand_dims(x, 0), ref.expand_dims(x, 0))
    _same(jnp.where(x > 0, x, 0.0), ref.where(x > 0, x, 0.0))
    _same(jnp.broadcast_to(np.float32(1), (2, 2)), ref.broadcast_to(np.float32(1), (2, 2)))


@pytest.mark.parametrize(
    "idx",
    [
        0,
        -1,
        (1, 2),
        (slice(None), 1),
        (slice(1, None), slice(None, None, 2)),
        (None, 0),
        (Ellipsis, 1),
        slice(None, None, -1),
        (slice(3, 0, -2),),
    ],
)
def test_basic_indexing(rng, idx):
    x = rng.normal(size=(4, 5)).astype(np.float32)
    _same(jnp.asarray(x)[idx], ref.asarray(x)[idx])
    _same(mlax.jit(lambda v: v[idx])(x), ref.asarray(x)[idx])


def test_errors():
    with pytest.raises(IndexError, match="out of bounds"):
        jnp.asarray(np.ones(3))[5]
    with pytest.raises(TypeError, match="cannot reshape"):
        jnp.reshape(np.ones(6), (4, -1))
    with pytest.raises(ValueError, match="axis 3 is out of bounds"):
        jnp.sum(np.ones((2, 2)), axis=3)
    with pytest.raises(TypeError, match="requires floating"):
        mlax.lax.sin(np.ones(2, np.int32))


def test_more_numpy(rng):
    a = rng.normal(size=(3, 4, 5)).astype(np.float32)
    b = rng.normal(size=(4, 5, 2)).astype(np.float32)
    _same(jnp.tensordot(a, b, 2), ref.tensordot(a, b, 2), rtol=1e-5, atol=1e-5)
    _same(
        jnp.tensordot(a, b, ((1,), (0,))), ref.tensordot(a, b, ((1,), (0,))), rtol=1e-5, atol=1e-5
    )
    _same(jnp.vdot(a[0], a[0]), ref.vdot(a[0], a[0]), rtol=1e-5)
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.7], np.float32)
    _same(jnp.round(x), ref.round(x))
    _same(jnp.clip(x, -1.0, 1.0), ref.clip(x, -1.0, 1.0))
    _same(jnp.vstack([x, x]), ref.vstack([x, x]))
    _same(jnp.linspace(0, 1, 5), ref.linspace(0, 1, 5))
    _same(jnp.all(x > -2), ref.all(x > -2))
    _same(jnp.any(x > 2, axis=0), ref.any(x > 2, axis=0))
    _same(jnp.isclose(x, x + 1e-7), ref.isclose(x, x + 1e-7))
    assert bool(jnp.allclose(a, a * np.float32(1 + 1e-6))) and not bool(jnp.allclose(a, a + 1))
    assert bool(jnp.allclose(a, a + 1e-7)) == bool(np.allclose(a, a + 1e-7))


DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.uint8,
    np.uint16,
    np.uint32,
    np.float16,
    "bfloat16",
    np.float32,
    np.complex64,
]


@pytest.mark.parametrize("a", DTYPES)
def test_promotion_table_matches_jax(a):
    import ml_dtypes

    conv = lambda d: np.dtype(ml_dtypes.bfloat16) if d == "bfloat16" else np.dtype(d)  # noqa: E731
    x = np.ones(2, conv(a))
    for b in DTYPES:
        y = np.ones(2, conv(b))
        got, want = jnp.add(x, y), ref.add(x, y)
        assert (got.dtype, got.weak_type) == (want.dtype, want.weak_type), (a, b)
    for s in (True, 2, 2.5, 1j):
        got, want = jnp.add(x, s), ref.add(x, s)
        assert (got.dtype, got.weak_type) == (want.dtype, want.weak_type), (a, s)


SHAPE_FUNCS = [
    (lambda np_, v: np_.squeeze(v[:1]), None),
    (lambda np_, v: np_.moveaxis(v, 0, -1), None),
    (lambda np_, v: np_.swapaxes(v, 0, 2), None),
    (lambda np_, v: np_.split(v, 2, axis=1)[1], None),
    (lambda np_, v: np_.split(v, [1, 3], axis=1)[2], None),
    (lambda np_, v: np_.tile(v[0], (2, 3)), None),
    (lambda np_, v: np_.repeat(v, 2, axis=1), None),
    (lambda np_, v: np_.repeat(v[0], 3), None),
    (lambda np_, v: np_.outer(v[0, :, 0], v[1, :, 1]), None),
    (lambda np_, v: np_.inner(v[0], v[1]), None),
    (lambda np_, v: np_.var(v, axis=1), None),
    (lambda np_, v: np_.std(v), None),
    (lambda np_, v: np_.var(v, ddof=1), None),
    (lambda np_, v: np_.trace(v[:, :, 0]), None),
    (lambda np_, v: np_.diagonal(v[:, :, 0], 1), None),
    (lambda np_, v: np_.diagonal(v[:, :, 0], -1), None),
    (lambda np_, v: np_.cumsum(v, axis=1), None),
    (lambda np_, v: np_.argmax(v, axis=1), None),
    (lambda np_, v: np_.argmin(v), None),
]


@pytest.mark.parametrize("case", range(len(SHAPE_FUNCS)))
def test_more_functions_values_grad_vmap(rng, case):
    f, _ = SHAPE_FUNCS[case]
    x = rng.normal(size=(3, 4, 2)).astype(np.float32)
    _same(f(jnp, x), f(ref, x), rtol=1e-5, atol=1e-5)
    out = f(ref, x)
    if ref.issubdtype(out.dtype, ref.floating):
        g_m = mlax.grad(lambda v: jnp.sum(f(jnp, v) ** 2))(x)
        g_j = jax.grad(lambda v: ref.sum(f(ref, v) ** 2))(x)
        np.testing.assert_allclose(np.asarray(g_m), np.asarray(g_j), rtol=1e-4, atol=1e-5)
    xs = np.stack([x, x * 2])
    np.testing.assert_allclose(
        np.asarray(mlax.vmap(lambda v: f(jnp, v))(xs)),
        np.asarray(jax.vmap(lambda v: f(ref, v))(xs)),
        rtol=1e-5,
        atol=1e-5,
    )
