"""jnp.fft against jax.numpy.fft: every transform with each norm, n / s
cropping and zero-padding, axes (moved, reversed, > 3 of them), dtypes
(integer inputs, complex64; float64 / complex128 in a 64-bit subprocess),
grad / jvp / vmap / jit through the transforms, the errors, and
fftfreq / rfftfreq / fftshift / ifftshift."""

import os
import subprocess
import sys

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import mlax.numpy.fft as mfft
import numpy as np
import pytest

R = np.random.default_rng(11)
NORMS = [None, "backward", "ortho", "forward"]
REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn"}  # real inputs only
TRANSFORMS_1D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TRANSFORMS_2D = ["fft2", "ifft2", "rfft2", "irfft2"]
TRANSFORMS_ND = ["fftn", "ifftn", "rfftn", "irfftn"]


def _input(name, shape, dtype=None):
    x = R.normal(size=shape)
    if name in REAL_IN:
        return x.astype(dtype or np.float32)
    return (x + 1j * R.normal(size=shape)).astype(dtype or np.complex64)


def _check(got, want, rtol=2e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = np.abs(want).max() if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


def _both(name, *args, **kw):
    return getattr(mfft, name)(*args, **kw), getattr(ref.fft, name)(*args, **kw)


def test_public_module():
    assert sorted(mfft.__all__) == sorted(
        TRANSFORMS_1D
        + TRANSFORMS_2D
        + TRANSFORMS_ND
        + ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]
    )
    for name in mfft.__all__:
        assert callable(getattr(mfft, name)) and hasattr(ref.fft, name)


@pytest.mark.parametrize("name", TRANSFORMS_1D)
def test_1d_norms_n_axis(name):
    x = _input(name, (3, 6))
    for norm in NORMS:
        _check(*_both(name, x, norm=norm))
    for n, axis in [(4, -1), (9, -1), (2, 0), (5, 0), (1, 1)]:
        _check(*_both(name, x, n=n, axis=axis, norm="ortho"))
    _check(*_both(name, x[0], norm="forward"))  # 1-D operand


@pytest.mark.parametrize("name", TRANSFORMS_2D)
def test_2d_norms_s_axes(name):
    x = _input(name, (2, 3, 4))
    for norm in NORMS:
        _check(*_both(name, x, norm=norm))
    for s, axes in [((2, 5), (-2, -1)), ((5, 3), (0, 2)), (None, (2, 0)), ((3, 2), (1, 0))]:
        _check(*_both(name, x, s=s, axes=axes, norm="forward"))


@pytest.mark.parametrize("name", TRANSFORMS_ND)
def test_nd_norms_s_axes(name):
    x = _input(name, (2, 3, 4))
    for norm in NORMS:
        _check(*_both(name, x, norm=norm))
    cases = [((5,), None), (None, (1,)), ((3, 2, 7), (0, 2, 1)), ((4, 4), (-1, 0)), (None, ())]
    for s, axes in cases:
        _check(*_both(name, x, s=s, axes=axes, norm="ortho"))


@pytest.mark.parametrize("name", TRANSFORMS_ND)
def test_nd_more_than_three_axes(name):
    # 4 axes: two 2-D stages; 5: a 3-D then a 2-D stage.
    x4 = _input(name, (2, 3, 2, 4))
    _check(*_both(name, x4))
    _check(*_both(name, x4, s=(3, 2, 2, 6), norm="ortho"))
    x5 = _input(name, (2, 2, 3, 2, 2))
    _check(*_both(name, x5, axes=(4, 0, 1, 3, 2), norm="forward"))


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_, np.float16, np.complex64])
def test_input_dtypes(dtype):
    x = (R.integers(0, 3, size=(2, 4)) + (1j if dtype == np.complex64 else 0)).astype(dtype)
    for name in ["fft", "ifft", "irfft", "hfft", "fftn", "irfft2"]:
        _check(*_both(name, x))
    if dtype in (np.int32, np.uint8, np.bool_):  # promoted to float32
        for name in ["rfft", "ihfft", "rfftn"]:
            _check(*_both(name, x))
    _check(*_both("fftn", 3.0))  # 0-d: no axes, nothing to transform
    _check(*_both("fftn", np.float32(2.0)))


def test_round_trips():
    x = R.normal(size=(3, 8)).astype(np.float32)
    np.testing.assert_allclose(mfft.irfft(mfft.rfft(x)), x, atol=1e-5)
    np.testing.assert_allclose(mfft.irfft(mfft.rfft(x[:, :7]), n=7), x[:, :7], atol=1e-5)
    np.testing.assert_allclose(mfft.ifftn(mfft.fftn(x)), x, atol=1e-5)
    np.testing.assert_allclose(mfft.irfft2(mfft.rfft2(x, norm="ortho"), norm="ortho"), x, atol=1e-5)


def test_empty_and_length_one():
    _check(*_both("irfft", np.ones((2, 1), np.complex64)))  # n = 2 * (1 - 1) = 0
    _check(*_both("fft", np.ones((0, 3), np.complex64)))
    _check(*_both("fft", np.ones((2, 1), np.float32)))
    _check(*_both("irfft", np.ones((2, 1), np.complex64), n=1, norm="ortho"))


# --- transformations ------------------------------------------------------


def test_grad_of_power():
    x = R.normal(size=(2, 6)).astype(np.float32)
    for norm in [None, "ortho", "forward"]:
        got = mlax.grad(lambda v: jnp.sum(jnp.abs(mfft.fft(v, norm=norm)) ** 2))(x)
        want = jax.grad(lambda v: ref.sum(ref.abs(ref.fft.fft(v, norm=norm)) ** 2))(x)
        _check(got, want, 1e-4)
    got = mlax.grad(lambda v: jnp.sum(jnp.abs(mfft.fft2(v, s=(3, 4))) ** 2))(x)
    want = jax.grad(lambda v: ref.sum(ref.abs(ref.fft.fft2(v, s=(3, 4))) ** 2))(x)
    _check(got, want, 1e-4)


def test_grad_real_transforms():
    x = R.normal(size=(3, 7)).astype(np.float32)
    w = R.normal(size=(3, 4)).astype(np.float32)
    u = R.normal(size=(3, 10)).astype(np.float32)

    def losses(np_, f):
        return [
            lambda v: np_.sum(np_.real(f.rfft(v)) * w + np_.imag(f.rfft(v)) ** 2),
            lambda v: np_.sum(f.irfft(f.rfft(v) * (1 + 1j * w[:, :4]), n=10) * u),
            lambda v: np_.sum(np_.sin(f.irfftn(f.rfftn(v, norm="ortho"), s=(3, 7))) ** 2),
            lambda v: np_.sum(f.hfft(v, n=8) ** 2),
            lambda v: np_.sum(np_.abs(f.ihfft(v, n=6, norm="forward"))),
        ]

    for got_f, want_f in zip(losses(jnp, mfft), losses(ref, ref.fft)):
        _check(mlax.grad(got_f)(x), jax.grad(want_f)(x), 1e-4)


def test_grad_complex_input():
    z = (R.normal(size=(2, 5)) + 1j * R.normal(size=(2, 5))).astype(np.complex64)
    t = R.normal(size=(2, 8)).astype(np.float32)
    got = mlax.grad(lambda v: jnp.sum(mfft.irfft(v, n=8) * t))(z)
    want = jax.grad(lambda v: ref.sum(ref.fft.irfft(v, n=8) * t))(z)
    _check(got, want, 1e-4)
    got = mlax.grad(lambda v: jnp.sum(jnp.abs(mfft.ifftn(v, norm="ortho")) ** 2))(z)
    want = jax.grad(lambda v: ref.sum(ref.abs(ref.fft.ifftn(v, norm="ortho")) ** 2))(z)
    _check(got, want, 1e-4)


def test_jvp():
    x = R.normal(size=(3, 6)).astype(np.float32)
    t = R.normal(size=(3, 6)).astype(np.float32)
    z = (x + 1j * t).astype(np.complex64)
    zt = (t - 1j * x).astype(np.complex64)
    for name, args, tans, kw in [
        ("fft", (z,), (zt,), dict(n=8, norm="ortho")),
        ("rfft", (x,), (t,), dict(axis=0)),
        ("irfft", (z,), (zt,), dict(n=7)),
        ("fftn", (z,), (zt,), dict(s=(2, 6), norm="forward")),
        ("hfft", (z,), (zt,), {}),
    ]:
        got = mlax.jvp(lambda v: getattr(mfft, name)(v, **kw), args, tans)
        want = jax.jvp(lambda v: getattr(ref.fft, name)(v, **kw), args, tans)
        for g, w in zip(got, want):
            _check(g, w)


def test_vmap_and_jit():
    x = R.normal(size=(4, 3, 6)).astype(np.float32)
    z = (x + 1j * x[::-1]).astype(np.complex64)
    _check(
        mlax.vmap(lambda v: mfft.fft(v, axis=0))(z),
        jax.vmap(lambda v: ref.fft.fft(v, axis=0))(z),
    )
    _check(
        mlax.vmap(lambda v: mfft.rfft2(v, s=(2, 8)), in_axes=2)(x),
        jax.vmap(lambda v: ref.fft.rfft2(v, s=(2, 8)), in_axes=2)(x),
    )
    _check(mlax.vmap(mfft.irfft, in_axes=1)(z), jax.vmap(ref.fft.irfft, in_axes=1)(z))
    f = mlax.jit(lambda v: mfft.fftn(v, s=(5, 4), axes=(0, 2), norm="ortho"))
    _check(f(z), ref.fft.fftn(z, s=(5, 4), axes=(0, 2), norm="ortho"))
    g = mlax.jit(lambda v: mfft.irfft(mfft.rfft(v), n=6))
    _check(g(x), ref.fft.irfft(ref.fft.rfft(x), n=6))
    _check(
        mlax.jit(mlax.grad(lambda v: jnp.sum(jnp.abs(mfft.rfftn(v)) ** 2)))(x),
        jax.jit(jax.grad(lambda v: ref.sum(ref.abs(ref.fft.rfftn(v)) ** 2)))(x),
        1e-4,
    )


# --- errors ---------------------------------------------------------------


def _same_error(fn, *args, **kw):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as want:
        fn(ref.fft)(*args, **kw)
    with pytest.raises(want.type) as got:
        fn(mfft)(*args, **kw)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize(
    "fn,args,kw",
    [
        (lambda f: f.fft, (np.ones(4),), dict(norm="bad")),
        (lambda f: f.irfftn, (np.ones((2, 4)),), dict(norm="Ortho")),
        (lambda f: f.fft, (np.ones(4),), dict(axis=1)),
        (lambda f: f.fft, (np.ones(4),), dict(axis=(0,))),
        (lambda f: f.fft, (np.ones(4),), dict(n=0)),
        (lambda f: f.fft, (np.float32(2.0),), {}),
        (lambda f: f.fftn, (np.ones((2, 2)),), dict(axes=(0, 0))),
        (lambda f: f.fftn, (np.ones((2, 2)),), dict(axes=(5,))),
        (lambda f: f.fftn, (np.ones((2, 2)),), dict(s=(2,), axes=(0, 1))),
        (lambda f: f.fftn, (np.ones((2, 2)),), dict(s=(2, -1))),
        (lambda f: f.fftn, (np.ones((2, 2)),), dict(s=(2, 2, 2))),
        (lambda f: f.fftn, (np.ones((2, 3)),), dict(axes=(0, -2))),
        (lambda f: f.fft2, (np.ones((2, 2)),), dict(axes=(0,))),
        (lambda f: f.fft2, (np.ones(4),), {}),
        (lambda f: f.rfft, (np.ones(4, np.complex64),), {}),
        (lambda f: f.rfft, (np.ones(4, np.float16),), {}),
        (lambda f: f.ihfft, (np.ones(4, np.complex64),), {}),
        (lambda f: f.fft, ([1.0, 2.0],), {}),
        (lambda f: f.hfft, ([1.0, 2.0],), {}),
        (lambda f: f.fftshift, ([1, 2, 3],), {}),
        (lambda f: f.fftfreq, ([3],), {}),
        (lambda f: f.fftfreq, (4,), dict(d=[1.0])),
        (lambda f: f.rfftfreq, ([3],), {}),
        (lambda f: f.rfftfreq, (4,), dict(d=(1.0, 2.0))),
    ],
)
def test_errors_match_jax(fn, args, kw):
    _same_error(fn, *args, **kw)


def test_lax_fft_errors():
    with pytest.raises(ValueError, match="Invalid norm"):
        mfft.fft2(np.ones((2, 2)), norm="none")
    with pytest.raises(TypeError):
        mfft.fft(np.ones((3, 4)), n=2.0)


# --- frequencies and shifts -----------------------------------------------


def _check_freq(got, want):
    """Within an ulp: mlax folds the constant division (correctly rounded),
    XLA's CPU division may be an ulp off (jax: fftfreq(7)[3] = 0.42857146)."""
    want = np.asarray(want)
    eps = np.finfo(want.dtype).eps if want.dtype.kind in "fc" else 0
    _check(got, want, 2 * float(eps))


@pytest.mark.parametrize("n", [1, 4, 5, 0])
def test_fftfreq_rfftfreq(n):
    for d in [1.0, 0.1, 3]:
        _check_freq(mfft.fftfreq(n, d), ref.fft.fftfreq(n, d))
        _check_freq(mfft.rfftfreq(n, d), ref.fft.rfftfreq(n, d))
    for dtype in [np.float32, np.float16, np.int32, np.complex64, ref.bfloat16]:
        _check_freq(mfft.fftfreq(n, 0.5, dtype=dtype), ref.fft.fftfreq(n, 0.5, dtype=dtype))
        _check_freq(mfft.rfftfreq(n, 0.5, dtype=dtype), ref.fft.rfftfreq(n, 0.5, dtype=dtype))


def test_fftfreq_device_and_traced_d():
    dev = mlax.devices()[0]
    _check_freq(mfft.fftfreq(6, device=dev), ref.fft.fftfreq(6))
    _check_freq(mfft.rfftfreq(6, 2.0, device=dev), ref.fft.rfftfreq(6, 2.0))
    _check_freq(mfft.fftfreq(6, device=None), ref.fft.fftfreq(6))
    d = np.float32(0.25)
    _check_freq(mlax.jit(lambda v: mfft.fftfreq(7, v))(d), ref.fft.fftfreq(7, d))
    _check_freq(mlax.jit(lambda v: mfft.rfftfreq(7, v))(d), ref.fft.rfftfreq(7, d))


@pytest.mark.parametrize("axes", [None, 0, -1, (0, 1), [1, 0, 2], (-2,)])
def test_fftshift_ifftshift(axes):
    x = np.arange(2 * 5 * 4, dtype=np.int32).reshape(2, 5, 4)
    _check(*_both("fftshift", x, axes=axes), 0)
    _check(*_both("ifftshift", x, axes=axes), 0)
    f = mfft.fftfreq(7)
    np.testing.assert_array_equal(mfft.ifftshift(mfft.fftshift(f)), f)
    _check_freq(mfft.fftshift(mfft.fftfreq(7)), ref.fft.fftshift(ref.fft.fftfreq(7)))


# --- 64-bit ---------------------------------------------------------------

X64_SCRIPT = r"""
import numpy as np, jax, jax.numpy as ref, mlax, mlax.numpy as jnp
import mlax.numpy.fft as mfft
assert mlax.config.x64_enabled
R = np.random.default_rng(3)
x = R.normal(size=(3, 6))
z = x + 1j * R.normal(size=(3, 6))
def check(got, want, tol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()))
for name, a in [("fft", z), ("ifft", x), ("rfft", x), ("irfft", z), ("hfft", z), ("ihfft", x),
                ("fft2", z), ("rfft2", x), ("irfftn", z), ("ifftn", z)]:
    for norm in [None, "ortho", "forward"]:
        got, want = getattr(mfft, name)(a, norm=norm), getattr(ref.fft, name)(a, norm=norm)
        assert np.asarray(want).dtype in (np.float64, np.complex128)
        check(got, want)
check(mfft.fft(z.astype(np.complex64), n=8), ref.fft.fft(z.astype(np.complex64), n=8), 1e-5)
check(mfft.rfft(x.astype(np.float32)), ref.fft.rfft(x.astype(np.float32)), 1e-5)
i = np.arange(12).reshape(3, 4)  # int64 -> complex128 / float64
for name in ["fft", "rfft", "irfft", "fftn", "ihfft"]:
    check(getattr(mfft, name)(i), getattr(ref.fft, name)(i))
check(mlax.grad(lambda v: jnp.sum(jnp.abs(mfft.rfft(v, n=8)) ** 2))(x),
      jax.grad(lambda v: ref.sum(ref.abs(ref.fft.rfft(v, n=8)) ** 2))(x), 1e-10)
for n in [4, 7]:
    check(mfft.fftfreq(n, 0.1), ref.fft.fftfreq(n, 0.1), 3e-16)
    check(mfft.rfftfreq(n, 0.1), ref.fft.rfftfreq(n, 0.1), 3e-16)
    for dt in [np.float32, np.int32, np.int64, np.complex64]:
        check(mfft.fftfreq(n, dtype=dt), ref.fft.fftfreq(n, dtype=dt), 3e-7)
        check(mfft.rfftfreq(n, dtype=dt), ref.fft.rfftfreq(n, dtype=dt), 3e-7)
for dt in [np.int8, np.int32, np.uint32, np.bool_]:  # -> complex64 / float32
    check(mfft.fft(i.astype(dt)), ref.fft.fft(i.astype(dt)))
    check(mfft.irfft(i.astype(dt)), ref.fft.irfft(i.astype(dt)))
    check(mfft.rfft(i.astype(dt)), ref.fft.rfft(i.astype(dt)))
print("ok")
"""


def test_x64():
    env = dict(os.environ, MLAX_ENABLE_X64="1", JAX_ENABLE_X64="1")
    out = subprocess.run(
        [sys.executable, "-c", X64_SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
