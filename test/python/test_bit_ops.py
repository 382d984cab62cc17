"""population_count, clz, shift_right_arithmetic, nextafter and
reduce_precision against jax.lax: values over dtypes and edge values, under
jit and vmap, their derivatives (zero, or linear for reduce_precision) and
the errors for the wrong dtypes."""

import jax
import mlax
import numpy as np
import pytest
from mlax import lax

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32]
EDGES = [0, 1, -1, 2, 3, 7, -8, 100, -100, 127, -128]


def _ints(dtype):
    info = np.iinfo(dtype)
    vals = [v for v in EDGES if info.min <= v <= info.max] + [info.min, info.max]
    return np.array(vals, dtype)


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("name", ["population_count", "clz"])
@pytest.mark.parametrize("dtype", INTS)
def test_bit_counts(name, dtype):
    x = _ints(dtype)
    f, g = getattr(lax, name), getattr(jax.lax, name)
    _same(f(x), g(x))
    _same(mlax.jit(f)(x.reshape(1, -1)), g(x.reshape(1, -1)))
    _same(mlax.vmap(f)(np.stack([x, x[::-1]])), jax.vmap(g)(np.stack([x, x[::-1]])))


@pytest.mark.parametrize("dtype", INTS)
def test_shift_right_arithmetic(dtype):
    x = _ints(dtype)
    bits = np.iinfo(dtype).bits
    for s in (0, 1, 3, bits - 1, bits, bits + 5):  # shifts >= bits fill with the sign
        y = np.full(x.shape, s, dtype)
        _same(lax.shift_right_arithmetic(x, y), jax.lax.shift_right_arithmetic(x, y))
    y = (np.arange(x.size) % bits).astype(dtype)
    _same(mlax.jit(lax.shift_right_arithmetic)(x, y), jax.lax.shift_right_arithmetic(x, y))
    _same(
        mlax.vmap(lax.shift_right_arithmetic, (0, None))(np.stack([x, x]), y),
        jax.vmap(jax.lax.shift_right_arithmetic, (0, None))(np.stack([x, x]), y),
    )


@pytest.mark.parametrize("dtype", [np.float16, np.float32, jax.numpy.bfloat16])
def test_nextafter(dtype):
    big = float(np.finfo(dtype).max) if dtype != jax.numpy.bfloat16 else 3e38
    x = np.array([0, -0.0, 1, -1, np.inf, -np.inf, np.nan, 1, big, 1e-3, 2], dtype)
    y = np.array([1, -1, 2, -2, 0, np.inf, 1, np.nan, np.inf, -1, 2], dtype)
    _same(lax.nextafter(x, y), jax.lax.nextafter(x, y))
    _same(mlax.jit(lax.nextafter)(y, x), jax.lax.nextafter(y, x))
    _same(
        mlax.vmap(lax.nextafter, (0, None))(np.stack([x, y]), y),
        jax.vmap(jax.lax.nextafter, (0, None))(np.stack([x, y]), y),
    )


def test_nextafter_derivative_is_zero():
    g = mlax.grad(lambda a, b: lax.nextafter(a, b) * a, (0, 1))(np.float32(1.5), np.float32(2.0))
    # d(nextafter(a, b) * a)/da = nextafter(a, b): the rounding step itself is flat.
    assert float(g[0]) == float(np.nextafter(np.float32(1.5), np.float32(2.0)))
    assert float(g[1]) == 0.0


FORMATS = [(5, 10), (8, 7), (3, 2), (4, 0), (11, 52), (8, 23)]


@pytest.mark.parametrize("bits", FORMATS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_reduce_precision_values(bits, dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.normal(size=8) * 10.0 ** rng.integers(-6, 6, size=8),
            [0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 1e-8, 1 + 2**-11],
        ]
    ).astype(dtype)
    with np.errstate(over="ignore"):
        _same(lax.reduce_precision(x, *bits), jax.lax.reduce_precision(x, *bits))
        _same(
            mlax.jit(lambda v: lax.reduce_precision(v, *bits))(x),
            jax.lax.reduce_precision(x, *bits),
        )


def _close(got, want):
    # Derivatives: sums of products in the transposed program may round
    # in another order than jax's (last bit).
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6)


def test_reduce_precision_derivatives_match_jax():
    x = np.linspace(-3, 3, 12).astype(np.float32) * 1.2345
    t = np.linspace(0.3, -0.2, 12).astype(np.float32)

    def f(lib):
        return lambda v: lib.lax.reduce_precision(v * v, 5, 3) * v

    got, want = mlax.jvp(f(mlax), (x,), (t,)), jax.jvp(f(jax), (x,), (t,))
    _same(got[0], want[0])
    _close(got[1], want[1])
    _close(mlax.grad(lambda v: f(mlax)(v).sum())(x), jax.grad(lambda v: f(jax)(v).sum())(x))
    xs = np.stack([x, -x, 2 * x])
    _same(mlax.vmap(f(mlax))(xs), jax.vmap(f(jax))(xs))
    _close(
        mlax.vmap(mlax.grad(lambda v: f(mlax)(v).sum()))(xs),
        jax.vmap(jax.grad(lambda v: f(jax)(v).sum()))(xs),
    )


def test_integer_bit_ops_have_zero_derivatives():
    # Integer operands take float0 tangents and give float0 tangents, as in jax.
    x = np.array([1, 2, 3], np.int32)
    for f, g in [(lax.population_count, jax.lax.population_count), (lax.clz, jax.lax.clz)]:
        out, tan = mlax.jvp(f, (x,), (np.zeros(3, mlax.dtypes.float0),))
        want, want_tan = jax.jvp(g, (x,), (np.zeros(3, jax.dtypes.float0),))
        _same(out, want)
        assert np.asarray(tan).dtype == np.asarray(want_tan).dtype and tan.shape == (3,)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: lax.population_count(np.ones(3, np.float32)), "float32"),
        (lambda: lax.clz(np.ones(3, np.bool_)), "bool"),
        (
            lambda: lax.shift_right_arithmetic(np.ones(3, np.float32), np.ones(3, np.float32)),
            "float32",
        ),
        (lambda: lax.nextafter(np.ones(3, np.int32), np.ones(3, np.int32)), "int32"),
        (lambda: lax.nextafter(np.ones(3, np.float32), np.ones(3, np.float16)), "equal dtypes"),
        (lambda: lax.reduce_precision(np.ones(3, np.int32), 5, 10), "int32"),
    ],
)
def test_wrong_dtypes_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_reduce_precision_bad_bits():
    with pytest.raises(ValueError, match="exponent_bits"):
        lax.reduce_precision(np.ones(3, np.float32), 0, 10)
    with pytest.raises(ValueError, match="mantissa_bits"):
        lax.reduce_precision(np.ones(3, np.float32), 5, -1)
    with pytest.raises(TypeError):
        lax.reduce_precision(np.ones(3, np.float32), 5.5, 10)
