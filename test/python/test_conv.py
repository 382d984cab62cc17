"""lax.conv_general_dilated (the mlax.convolution op) and its wrappers
against jax: values, grads w.r.t. both operands (the op's C++ transposes:
strided, padded, dilated, grouped), jvp, vmap over either or both operands
(JAX's folding rules), jit; conv_transpose and the dimension-number forms."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(11)

# lhs shape, rhs shape, strides, padding, lhs_dil, rhs_dil, dn, fgc, bgc
CASES = [
    ((2, 3, 7), (4, 3, 3), (1,), "VALID", None, None, None, 1, 1),
    (
        (2, 5, 6, 3),
        (3, 3, 3, 4),
        (1, 2),
        [(1, 1), (0, 1)],
        None,
        (2, 1),
        ("NHWC", "HWIO", "NHWC"),
        1,
        1,
    ),
    ((1, 4, 5, 5), (6, 2, 2, 2), (2, 1), [(1, 0), (2, 1)], (1, 2), None, None, 2, 1),
    ((4, 2, 6), (6, 2, 3), (1,), "SAME", None, None, None, 1, 2),
    ((2, 6, 5, 4), (2, 2, 2, 3), (1, 1), "SAME_LOWER", None, None, ("NHWC", "OIHW", "NCHW"), 2, 1),
]


def _conv(lx, case):
    _, _, strides, padding, ld, rd, dn, fg, bg = case
    return lambda x, w: lx.conv_general_dilated(
        x, w, strides, padding, ld, rd, dn, fg, bg, precision="highest"
    )


def _close(a, b, tol=1e-4):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("case", CASES)
def test_conv_general_dilated(case):
    x = R.normal(size=case[0]).astype(np.float32)
    w = R.normal(size=case[1]).astype(np.float32)
    fm, fj = _conv(lax, case), _conv(jax.lax, case)
    want = fj(x, w)
    _close(fm(x, w), want)
    c = R.normal(size=want.shape).astype(np.float32)
    gm = mlax.grad(lambda x, w: jnp.sum(fm(x, w) * c), (0, 1))(x, w)
    gj = jax.grad(lambda x, w: ref.sum(fj(x, w) * c), (0, 1))(x, w)
    for a, b in zip(gm, gj):
        _close(a, b)
    tx, tw = R.normal(size=x.shape).astype(np.float32), R.normal(size=w.shape).astype(np.float32)
    _close(mlax.jvp(fm, (x, w), (tx, tw))[1], jax.jvp(fj, (x, w), (tx, tw))[1])


@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[3]])
@pytest.mark.parametrize("axes", [(0, None), (None, 0), (0, 0)])
def test_conv_vmap(case, axes):
    n = 2
    x = R.normal(size=(n, *case[0]) if axes[0] == 0 else case[0]).astype(np.float32)
    w = R.normal(size=(n, *case[1]) if axes[1] == 0 else case[1]).astype(np.float32)
    got = mlax.jit(mlax.vmap(_conv(lax, case), axes))(x, w)
    _close(got, jax.vmap(_conv(jax.lax, case), axes)(x, w))


def test_conv_wrappers_and_transpose():
    x = R.normal(size=(1, 2, 6, 6)).astype(np.float32)
    w = R.normal(size=(3, 2, 3, 3)).astype(np.float32)
    _close(lax.conv(x, w, (1, 1), "SAME"), jax.lax.conv(x, w, (1, 1), "SAME"))
    _close(
        lax.conv_with_general_padding(x, w, (2, 1), [(1, 0), (2, 2)], (1, 1), (1, 2)),
        jax.lax.conv_with_general_padding(x, w, (2, 1), [(1, 0), (2, 2)], (1, 1), (1, 2)),
    )
    xt = R.normal(size=(1, 5, 5, 2)).astype(np.float32)
    wt = R.normal(size=(3, 3, 2, 4)).astype(np.float32)
    for pad in ("SAME", "VALID", ((1, 1), (0, 2))):
        for tk in (False, True):
            kw = dict(strides=(2, 2), padding=pad, transpose_kernel=tk)
            wk = wt if not tk else R.normal(size=(3, 3, 4, 2)).astype(np.float32)
            _close(lax.conv_transpose(xt, wk, **kw), jax.lax.conv_transpose(xt, wk, **kw))
    f = lambda lx: lambda x: lx.conv_transpose(x, wt, (2, 2), "SAME")  # noqa: E731
    _close(
        mlax.grad(lambda x: jnp.sum(f(lax)(x) ** 2))(xt),
        jax.grad(lambda x: ref.sum(f(jax.lax)(x) ** 2))(xt),
        1e-3,
    )
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NCHW", "OIHW", "NHWC"))
    assert tuple(map(tuple, dn)) == tuple(
        map(tuple, jax.lax.conv_dimension_numbers(x.shape, w.shape, ("NCHW", "OIHW", "NHWC")))
    )


def test_conv_complex_and_f64():
    x = (R.normal(size=(1, 2, 5)) + 1j * R.normal(size=(1, 2, 5))).astype(np.complex64)
    w = (R.normal(size=(2, 2, 2)) + 1j * R.normal(size=(2, 2, 2))).astype(np.complex64)
    _close(lax.conv(x, w, (1,), "VALID"), jax.lax.conv(x, w, (1,), "VALID"))
    g = mlax.grad(lambda x: jnp.sum(jnp.abs(lax.conv(x, w, (1,), "SAME")) ** 2))(x)
    gj = jax.grad(lambda x: ref.sum(ref.abs(jax.lax.conv(x, w, (1,), "SAME")) ** 2))(x)
    _close(g, gj)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "dtype, preferred", [(np.int32, None), (np.int8, np.int32), (np.int16, np.float32)]
)
def test_integer_conv(case, dtype, preferred):
    # Integer convolutions, exact: int8 x int8 accumulating in int32 must not
    # wrap around in int8 (values up to 100 * 100 * window).
    lo, hi = (-100, 100) if dtype == np.int8 else (-1000, 1000)
    x = R.integers(lo, hi, size=case[0]).astype(dtype)
    w = R.integers(lo, hi, size=case[1]).astype(dtype)
    _, _, strides, padding, ld, rd, dn, fg, bg = case

    def f(lx):
        return lambda x, w: lx.conv_general_dilated(
            x, w, strides, padding, ld, rd, dn, fg, bg, preferred_element_type=preferred
        )

    want = f(jax.lax)(x, w)
    got = f(lax)(x, w)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(mlax.jit(f(lax))(x, w), want)
    np.testing.assert_array_equal(
        mlax.vmap(f(lax), in_axes=(0, None))(np.stack([x, x]), w),
        jax.vmap(f(jax.lax), in_axes=(0, None))(np.stack([x, x]), w),
    )


def test_preferred_element_type_accumulates():
    # bf16 operands accumulate in f32 (one rounding at the end in jax's XLA
    # convolution): equal to jax's to f32 rounding, not to bf16's.
    x = R.normal(size=(2, 8, 9)).astype(ref.bfloat16)
    w = R.normal(size=(3, 8, 4)).astype(ref.bfloat16)
    got = lax.conv(x, w, (1,), "SAME", preferred_element_type=np.float32)
    want = jax.lax.conv(x, w, (1,), "SAME", preferred_element_type=np.float32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    a = R.integers(-128, 127, size=(4, 64)).astype(np.int8)
    b = R.integers(-128, 127, size=(64, 3)).astype(np.int8)
    for pet in (np.int32, np.float32):
        got = lax.dot(a, b, preferred_element_type=pet)
        want = jax.lax.dot(a, b, preferred_element_type=pet)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        got = lax.dot_general(a, b, (((1,), (0,)), ((), ())), preferred_element_type=pet)
        np.testing.assert_array_equal(got, want)
    # A narrower preferred type or another kind: jax's TypeErrors.
    xf = R.normal(size=(1, 4, 6)).astype(np.float32)
    wf = R.normal(size=(2, 4, 3)).astype(np.float32)
    for pet, msg in ((ref.bfloat16, "narrower"), (np.int32, "incompatible")):
        for lx in (lax, jax.lax):
            with pytest.raises(TypeError, match=msg):
                lx.conv(xf, wf, (1,), "VALID", preferred_element_type=pet)
    with pytest.raises(TypeError, match="signedness"):
        lax.conv(
            x.astype(np.int8), w.astype(np.int8), (1,), "VALID", preferred_element_type=np.uint32
        )
    # Gradients flow through the accumulation dtype back to bf16.
    g = mlax.grad(
        lambda x: jnp.sum(lax.conv(x, w, (1,), "SAME", preferred_element_type=np.float32))
    )(x)
    gj = jax.grad(
        lambda x: ref.sum(jax.lax.conv(x, w, (1,), "SAME", preferred_element_type=np.float32))
    )(x)
    assert g.dtype == gj.dtype == ref.bfloat16
    np.testing.assert_allclose(np.float32(g), np.float32(gj), rtol=1e-2, atol=1e-2)


def test_conv_errors():
    x = np.zeros((1, 2, 5), np.float32)
    with pytest.raises(TypeError, match="same dtypes"):
        lax.conv(x, np.zeros((2, 2, 3), np.float16), (1,), "VALID")
    with pytest.raises(TypeError, match="same dtypes"):  # as jax, with a preferred type too
        lax.conv(
            x, np.zeros((2, 2, 3), np.float16), (1,), "VALID", preferred_element_type=np.float32
        )
    with pytest.raises(TypeError, match="bool"):
        lax.conv(x.astype(bool), np.zeros((2, 2, 3), bool), (1,), "VALID")
    with pytest.raises(ValueError, match="feature_group_count"):
        lax.conv(x, np.zeros((2, 3, 3), np.float32), (1,), "VALID")
    with pytest.raises(TypeError, match="dimension_numbers"):
        lax.conv_general_dilated(x, x, (1,), "VALID", dimension_numbers=("NCW", "OIW"))
    with pytest.raises(ValueError, match="String padding"):
        lax.conv_general_dilated(x, x[:, :, :2], (1,), "SAME", lhs_dilation=(2,))
    with pytest.raises(ValueError, match="window_strides"):
        lax.conv(x, np.zeros((2, 2, 3), np.float32), (1, 1), "VALID")
