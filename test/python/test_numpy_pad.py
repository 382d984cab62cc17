"""jnp.pad (every mode, pad_width forms, callable modes, errors, grad/vmap)
and jnp.convolve / jnp.correlate (all modes, real / complex / integer,
swapped lengths) against jax.numpy."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

R = np.random.default_rng(7)


def _x(shape, dtype):
    if np.issubdtype(dtype, np.integer):
        return R.integers(-9, 10, size=shape).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        return (R.normal(size=shape) + 1j * R.normal(size=shape)).astype(dtype)
    return R.normal(size=shape).astype(dtype)


def _close(got, want, rtol=2e-6, atol=2e-6):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if np.issubdtype(want.dtype, np.integer):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


S1, S2, S3 = (5,), (3, 4), (2, 3, 2)
I, F = np.int32, np.float32

# (mode, shape, dtype, pad_width, kwargs)
PAD_CASES = [
    ("constant", S1, I, 2, {}),
    ("constant", S2, F, ((1, 2), (0, 3)), {"constant_values": (1.5, -2)}),
    ("constant", S3, I, (1, 2), {"constant_values": ((1, 2), (3, 4), (5, 6))}),
    ("constant", S2, I, 1, {"constant_values": 7.8}),
    ("edge", S1, F, (0, 4), {}),
    ("edge", S3, I, ((1, 0), (2, 1), (0, 2)), {}),
    ("wrap", S1, I, (7, 11), {}),
    ("wrap", S2, F, ((3, 9), (1, 0)), {}),
    ("reflect", S1, I, (7, 12), {}),
    ("reflect", (1,), F, (2, 3), {}),
    ("reflect", S1, F, (6, 9), {"reflect_type": "odd"}),
    ("reflect", S3, I, ((3, 1), (4, 2), (1, 5)), {"reflect_type": "odd"}),
    ("symmetric", S1, F, (8, 3), {}),
    ("symmetric", S2, I, ((4, 1), (2, 5)), {"reflect_type": "even"}),
    ("symmetric", S2, F, (5, 7), {"reflect_type": "odd"}),
    ("symmetric", (1, 2), I, (3, 2), {"reflect_type": "odd"}),
    ("linear_ramp", S1, F, (3, 4), {"end_values": (-1, 5)}),
    ("linear_ramp", S2, I, ((2, 3), (1, 2)), {"end_values": ((1, 2), (30, 40))}),
    ("linear_ramp", S3, F, 1, {}),
    ("maximum", S2, I, 2, {}),
    ("maximum", S1, F, (3, 2), {"stat_length": 2}),
    ("minimum", S3, F, 2, {"stat_length": (1, 3)}),
    ("mean", S1, I, (2, 3), {}),
    ("mean", S2, F, (1, 2), {"stat_length": ((1, 2), (3, 1))}),
    ("median", S1, I, (2, 1), {"stat_length": 2}),
    ("median", S2, F, ((1, 0), (2, 3)), {"stat_length": 9}),
    ("empty", S2, I, (1, 2), {}),
]


@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: f"{c[0]}-{len(c[1])}d")
def test_pad_modes(case):
    mode, shape, dtype, width, kw = case
    x = _x(shape, dtype)
    _close(jnp.pad(x, width, mode, **kw), ref.pad(x, width, mode, **kw))


def test_pad_mean_integer_rounding():
    # means ending in .5 round half to even, as jax does
    x = np.array([1, 2, 4, 7], np.int32)
    for sl in (1, 2, 3):
        _close(
            jnp.pad(x, 2, "mean", stat_length=sl),
            ref.pad(x, 2, "mean", stat_length=sl),
        )


@pytest.mark.parametrize(
    "width",
    [3, (2,), (1, 3), ((1, 3),), ((1, 2), (0, 3)), np.array([[1, 0], [2, 1]]), 0],
    ids=lambda w: repr(w).replace(" ", ""),
)
def test_pad_width_forms(width):
    x = _x(S2, F)
    _close(jnp.pad(x, width), ref.pad(x, width))


def test_pad_width_array_and_scalar_input():
    x = _x(S2, I)
    _close(jnp.pad(x, jnp.asarray([1, 2])), ref.pad(x, ref.asarray([1, 2])))
    _close(jnp.pad(np.float32(3.0), 2, "reflect"), ref.pad(np.float32(3.0), 2, "reflect"))
    _close(jnp.pad(mlax.numpy.asarray(x), 1, "wrap"), ref.pad(x, 1, "wrap"))


def test_pad_callable():
    def mine(row, pad_width, iaxis, kwargs):
        before, after = pad_width
        row = row.at[:before].set(kwargs.get("lo", 0) + iaxis)
        return row.at[row.shape[0] - after :].set(kwargs.get("hi", 0) * row[before])

    x = _x(S2, I)
    _close(
        jnp.pad(x, ((1, 2), (2, 1)), mine, lo=-10, hi=3),
        ref.pad(x, ((1, 2), (2, 1)), mine, lo=-10, hi=3),
    )


def test_pad_under_jit():
    x = _x(S2, F)
    f = mlax.jit(lambda a, c: jnp.pad(a, (2, 3), "symmetric", reflect_type="odd") * c)
    _close(f(x, 2.0), ref.pad(x, (2, 3), "symmetric", reflect_type="odd") * 2.0)
    g = mlax.jit(lambda a, c: jnp.pad(a, 1, constant_values=c))
    _close(g(x, 4.5), ref.pad(x, 1, constant_values=4.5))


GRAD_CASES = [
    ("reflect", (3, 4), {"reflect_type": "odd"}),
    ("edge", ((2, 1), (0, 3)), {}),
    ("symmetric", ((7, 2), (1, 0)), {}),
    ("mean", 2, {"stat_length": 2}),
    ("linear_ramp", (2, 3), {"end_values": 1.0}),
    ("constant", 1, {"constant_values": 2.0}),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: c[0])
def test_pad_grad(case):
    mode, width, kw = case
    x = _x(S2, F)
    w = _x(np.asarray(ref.pad(x, width, mode, **kw)).shape, F)

    def loss(mod):
        return lambda a: mod.sum(mod.sin(mod.pad(a, width, mode, **kw)) * w)

    _close(mlax.grad(loss(jnp))(x), jax.grad(loss(ref))(x), rtol=1e-5, atol=1e-5)


def test_pad_vmap():
    x = _x((4, 5), F)
    for mode, kw in [("reflect", {}), ("maximum", {"stat_length": 2}), ("wrap", {})]:
        got = mlax.vmap(lambda r: jnp.pad(r, (3, 6), mode, **kw))(x)
        want = jax.vmap(lambda r: ref.pad(r, (3, 6), mode, **kw))(x)
        _close(got, want)
    # vmap over the pad value
    got = mlax.vmap(lambda c: jnp.pad(x, 1, constant_values=c))(np.arange(3.0, dtype=F))
    want = jax.vmap(lambda c: ref.pad(x, 1, constant_values=c))(np.arange(3.0, dtype=F))
    _close(got, want)


PAD_ERRORS = [
    (dict(pad_width=-1), ValueError, "index can't contain negative values"),
    (dict(pad_width=((1, 2), (1, 2), (1, 2))), ValueError, "unsupported shape"),
    (dict(pad_width=1.5), TypeError, "must be of integral type"),
    (dict(pad_width=((1, 2), (3,))), TypeError, "entries must be the same shape"),
    (dict(pad_width=1, mode="bogus"), NotImplementedError, "Unimplemented padding mode"),
    (dict(pad_width=1, mode="edge", constant_values=1), ValueError, "unsupported keyword"),
    (dict(pad_width=1, mode="reflect", stat_length=1), ValueError, "unsupported keyword"),
    (dict(pad_width=1, mode="mean", stat_length=0), ValueError, "stat_length of 0"),
    (
        dict(pad_width=1, constant_values=np.zeros(3)),
        ValueError,
        "constant_values has unsupported shape",
    ),
]


@pytest.mark.parametrize("case", PAD_ERRORS, ids=lambda c: c[2][:24])
def test_pad_errors(case):
    kw, exc, msg = case
    x = np.ones((2, 3), np.float32)
    with pytest.raises(exc, match=msg):
        ref.pad(x, **kw)
    with pytest.raises(exc, match=msg):
        jnp.pad(x, **kw)


def test_pad_errors_misc():
    with pytest.raises(TypeError, match="requires ndarray or scalar"):
        jnp.pad([1, 2, 3], 1)
    for mode in ("edge", "wrap", "reflect", "symmetric"):
        with pytest.raises(ValueError, match=f"Cannot apply '{mode}' padding to empty axis"):
            jnp.pad(np.zeros((0, 2), np.float32), 1, mode)
    _close(
        jnp.pad(np.zeros((0, 2), F), ((0, 0), (1, 1)), "edge"),
        ref.pad(np.zeros((0, 2), F), ((0, 0), (1, 1)), "edge"),
    )


# -------------------------------------------------------------------------
# convolve / correlate
# -------------------------------------------------------------------------

LENGTHS = [(5, 3), (3, 5), (1, 4)]


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("lengths", LENGTHS, ids=lambda n: f"{n[0]}x{n[1]}")
def test_conv_real(op, lengths):
    a, v = _x(lengths[0], F), _x(lengths[1], F)
    for mode in ("full", "same", "valid"):
        _close(getattr(jnp, op)(a, v, mode), getattr(ref, op)(a, v, mode), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("lengths", LENGTHS, ids=lambda n: f"{n[0]}x{n[1]}")
def test_conv_complex(op, lengths):
    a, v = _x(lengths[0], np.complex64), _x(lengths[1], np.complex64)
    modes = {(5, 3): ("full", "same", "valid"), (3, 5): ("valid",), (1, 4): ("same",)}
    for mode in modes[lengths]:
        _close(getattr(jnp, op)(a, v, mode), getattr(ref, op)(a, v, mode), rtol=1e-5, atol=1e-5)
    # real a with complex v: v conjugated in correlate
    ar = _x(lengths[0], F)
    _close(getattr(jnp, op)(ar, v, "full"), getattr(ref, op)(ar, v, "full"), 1e-5, 1e-5)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_conv_dtypes(op):
    a, v = _x(6, I), _x(3, I)
    # integers promote to float by default; preferred_element_type keeps them
    _close(getattr(jnp, op)(a, v, "same"), getattr(ref, op)(a, v, "same"))
    kw = {"preferred_element_type": np.int32}
    _close(getattr(jnp, op)(a, v, "full", **kw), getattr(ref, op)(a, v, "full", **kw))
    kw = {"preferred_element_type": np.float32}
    _close(getattr(jnp, op)(a, v, **kw), getattr(ref, op)(a, v, **kw))
    b = _x(4, np.float16)
    _close(getattr(jnp, op)(b, v, "full"), getattr(ref, op)(b, v, "full"), 1e-3, 1e-2)
    kw = {"precision": "highest"}
    _close(getattr(jnp, op)(a, b, **kw), getattr(ref, op)(a, b, **kw), 1e-3, 1e-2)


def test_conv_grad_vmap():
    a, v = _x(6, F), _x(3, F)
    for op in ("convolve", "correlate"):

        def loss(mod, op=op):
            return lambda a, v: mod.sum(getattr(mod, op)(a, v, "same") ** 2)

        g = mlax.grad(loss(jnp), argnums=(0, 1))(a, v)
        gr = jax.grad(loss(ref), argnums=(0, 1))(a, v)
        for x, y in zip(g, gr):
            _close(x, y, 1e-5, 1e-5)
    A = _x((3, 6), F)
    _close(
        mlax.vmap(lambda r: jnp.convolve(r, v))(A),
        jax.vmap(lambda r: ref.convolve(r, v))(A),
        1e-5,
        1e-5,
    )


@pytest.mark.parametrize("op", ["convolve", "correlate"])
def test_conv_errors(op):
    a = np.ones(3, np.float32)
    for args, exc, msg in [
        ((np.ones((2, 2), np.float32), a), ValueError, "only support 1-dimensional inputs"),
        ((a, np.ones(0, np.float32)), ValueError, "inputs cannot be empty"),
        ((a, a, "bogus"), ValueError, r"mode must be one of \['full', 'same', 'valid'\]"),
        (([1.0, 2.0], a), TypeError, "requires ndarray or scalar"),
    ]:
        with pytest.raises(exc, match=msg):
            getattr(ref, op)(*args)
        with pytest.raises(exc, match=msg):
            getattr(jnp, op)(*args)
