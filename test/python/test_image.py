"""mlax.image against jax.image: resize over every method x upsample /
downsample / mixed x antialias on and off, 2-D, channel and batch shapes,
float32 / float16 / bfloat16 / uint8 / int32 images; scale_and_translate with
traced scale and translation; mlax.jit, mlax.grad (image, scale, translation)
and mlax.vmap against jax's; ResizeMethod and the error paths."""

import jax
import jax.numpy as rnp
import mlax
import mlax.image as mimage
import mlax.numpy as mnp
import numpy as np
import pytest

jax.config.update("jax_platforms", "cpu")

R = np.random.default_rng(7)

METHODS = ["nearest", "linear", "cubic", "lanczos3", "lanczos5", "cubic-pytorch", "area"]
KERNEL_METHODS = METHODS[1:]

# jax.image.scale_and_translate runs op by op (slow to warm up): jit the reference.
_jsat = jax.jit(jax.image.scale_and_translate, static_argnums=(1, 2, 5, 6))


def _x(shape, dtype=np.float32):
    if np.issubdtype(dtype, np.integer):
        hi = 256 if dtype == np.uint8 else 1000
        return R.integers(0, hi, size=shape).astype(dtype)
    return R.normal(size=shape).astype(dtype)


def _check(got, want, rtol=1e-5, atol=1e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(
            got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol
        )


# --------------------------------------------------------------------------
# resize values


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_2d(method, antialias):
    # axis 0 downsampled (antialiasing matters), axis 1 upsampled
    src, dst = (9, 5), (4, 12)
    x = _x(src)
    _check(mimage.resize(x, dst, method, antialias), jax.image.resize(x, dst, method, antialias))


@pytest.mark.parametrize(
    "method,src,dst",
    [
        ("cubic", (5, 6, 3), (8, 4, 3)),
        ("linear", (2, 5, 6, 3), (2, 3, 9, 3)),
        ("nearest", (2, 5, 6, 3), (2, 3, 9, 3)),
        ("lanczos3", (4, 3, 5), (6, 2, 5)),
        ("area", (2, 6, 4, 3), (2, 3, 8, 3)),
    ],
    ids=["hwc-cubic", "nhwc-linear", "nhwc-nearest", "3d-lanczos3", "nhwc-area"],
)
def test_resize_channels_and_batch(method, src, dst):
    x = _x(src)
    _check(mimage.resize(x, dst, method), jax.image.resize(x, dst, method))


@pytest.mark.parametrize(
    "method,dtype",
    [(m, np.float16) for m in METHODS] + [("linear", "bfloat16"), ("lanczos3", "bfloat16")],
)
def test_resize_half_precision(method, dtype):
    dtype = rnp.dtype(dtype)
    x = _x((6, 5), np.float32).astype(dtype)
    for dst in [(3, 8)]:
        _check(
            mimage.resize(x, dst, method),
            jax.image.resize(x, dst, method),
            rtol=2e-2,
            atol=3e-2,
        )


@pytest.mark.parametrize(
    "method,dtype",
    [(m, np.uint8) for m in METHODS] + [("nearest", np.int32), ("cubic", np.int32)],
)
def test_resize_integer_images(method, dtype):
    # NEAREST keeps the dtype; the kernels promote to float32 (no rounding
    # or clipping back to the integer range).
    x = _x((5, 6, 2), dtype)
    for dst in [(3, 9, 2)]:
        want = jax.image.resize(x, dst, method)
        _check(mimage.resize(x, dst, method), want, rtol=1e-5, atol=1e-3)


ALIASES = [
    "nearest",
    "linear",
    "bilinear",
    "trilinear",
    "triangle",
    "cubic",
    "bicubic",
    "tricubic",
    "lanczos3",
    "lanczos5",
    "cubic-pytorch",
    "bicubic-pytorch",
    "area",
]


def test_method_aliases():
    for alias in ALIASES:
        m = mimage.ResizeMethod.from_string(alias)
        assert m.name == jax.image.ResizeMethod.from_string(alias).name
    # a string and its ResizeMethod give the same result
    x = _x((4, 5))
    want = jax.image.resize(x, (7, 3), "bicubic")
    _check(mimage.resize(x, (7, 3), "tricubic"), want)
    _check(mimage.resize(x, (7, 3), mimage.ResizeMethod.CUBIC), want)


def test_resize_method_enum():
    assert [(m.name, m.value) for m in mimage.ResizeMethod] == [
        (m.name, m.value) for m in jax.image.ResizeMethod
    ]


def test_resize_edge_shapes():
    x = _x((4, 5))
    for method in ["nearest", "linear"]:
        _check(mimage.resize(x, (0, 5), method), jax.image.resize(x, (0, 5), method))
        _check(mimage.resize(x, (1, 1), method), jax.image.resize(x, (1, 1), method))
    # an unchanged shape is the identity (promoted)
    _check(mimage.resize(x, (4, 5), "lanczos3"), jax.image.resize(x, (4, 5), "lanczos3"))
    # a size-1 input dimension
    y = _x((1, 5))
    for method in KERNEL_METHODS:
        _check(mimage.resize(y, (3, 5), method), jax.image.resize(y, (3, 5), method))
    # resize accepts a mlax array and a 0-d scalar list element as shape
    _check(
        mimage.resize(mnp.asarray(x), [np.int64(6), 2], "cubic"),
        jax.image.resize(x, (6, 2), "cubic"),
    )


# --------------------------------------------------------------------------
# jit, grad, vmap of resize


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic-pytorch"])
def test_resize_jit(method):
    x = _x((5, 6, 2))

    def f(mod):
        return lambda a: mod.image.resize(a * 2.0, (8, 3, 2), method) + 1.0

    _check(mlax.jit(f(mlax))(x), jax.jit(f(jax))(x))


@pytest.mark.parametrize(
    "method,antialias",
    [(m, True) for m in METHODS]
    + [("linear", False), ("lanczos3", False), ("cubic-pytorch", False)],
)
def test_resize_grad_image(method, antialias):
    x = _x((6, 5))
    w = _x((3, 8))

    def loss(mod, np_):
        def f(a):
            y = mod.image.resize(a, (3, 8), method, antialias)
            return np_.sum(y * w) + np_.sum(y**2)

        return f

    _check(mlax.grad(loss(mlax, mnp))(x), jax.jit(jax.grad(loss(jax, rnp)))(x), atol=1e-4)


@pytest.mark.parametrize("method", ["nearest", "lanczos3"])
def test_resize_vmap(method):
    xs = _x((3, 5, 6, 2))

    def f(mod):
        return lambda a: mod.image.resize(a, (7, 4, 2), method)

    _check(mlax.vmap(f(mlax))(xs), jax.vmap(f(jax))(xs))
    _check(mlax.vmap(f(mlax), in_axes=3, out_axes=0)(xs), jax.vmap(f(jax), in_axes=3)(xs))


# --------------------------------------------------------------------------
# scale_and_translate

SAT_CASES = [
    # (in shape, out shape, spatial dims, scale, translation)
    ((5, 6), (9, 8), (0, 1), [1.7, 1.3], [0.3, -0.4]),
    ((8, 9), (4, 5), (0, 1), [0.45, 0.6], [0.2, 0.7]),
    ((6, 5, 3), (7, 5, 3), (0,), [1.2], [-0.6]),
    ((2, 6, 5, 3), (2, 4, 8, 3), (-3, 2), [0.7, 1.6], [0.1, 0.25]),
]


@pytest.mark.parametrize(
    "method,antialias,case",
    [(m, aa, 1) for m in KERNEL_METHODS for aa in (True, False)]
    + [(m, True, 3) for m in KERNEL_METHODS]
    + [("cubic", True, 0), ("lanczos5", False, 0), ("linear", True, 2), ("area", True, 2)],
)
def test_scale_and_translate_values(method, antialias, case):
    src, dst, dims, s, t = SAT_CASES[case]
    x = _x(src)
    s, t = np.float32(s), np.float32(t)
    got = mimage.scale_and_translate(x, dst, dims, s, t, method, antialias)
    want = _jsat(x, dst, dims, s, t, method, antialias)
    _check(got, want)


def test_scale_and_translate_dtypes():
    x8 = _x((5, 6), np.uint8)
    s, t = np.array([1.5, 0.8], np.float32), np.array([0.25, -0.5], np.float32)
    for img in [x8, x8.astype(np.int32), x8.astype(np.float16)]:
        tol = 3e-2 if img.dtype == np.float16 else 1e-4
        _check(
            mimage.scale_and_translate(img, (7, 5), (0, 1), s, t, "cubic"),
            _jsat(img, (7, 5), (0, 1), s, t, "cubic"),
            rtol=tol,
            atol=tol * 10,
        )
    # integer scale / translation arrays are promoted
    si, ti = np.array([2, 1], np.int32), np.array([0, 1], np.int32)
    xf = _x((4, 5))
    _check(
        mimage.scale_and_translate(xf, (8, 5), (0, 1), si, ti, "linear"),
        _jsat(xf, (8, 5), (0, 1), si, ti, "linear"),
    )
    # no spatial dims: the (promoted) image itself
    _check(
        mimage.scale_and_translate(x8, (5, 6), (), np.zeros(0), np.zeros(0), "linear"),
        jax.image.scale_and_translate(x8, (5, 6), (), rnp.zeros(0), rnp.zeros(0), "linear"),
    )


@pytest.mark.parametrize("method", ["linear", "area"])
def test_scale_and_translate_jit_traced_scale(method):
    x = _x((5, 6, 2))
    s, t = np.array([1.4, 0.7], np.float32), np.array([0.3, 0.1], np.float32)

    def f(mod):
        return lambda a, sc, tr: mod.image.scale_and_translate(a, (7, 4, 2), (0, 1), sc, tr, method)

    _check(mlax.jit(f(mlax))(x, s, t), jax.jit(f(jax))(x, s, t))


@pytest.mark.parametrize(
    "method,antialias",
    [(m, True) for m in KERNEL_METHODS] + [("linear", False), ("lanczos3", False)],
)
def test_scale_and_translate_grad(method, antialias):
    x = _x((5, 6))
    w = _x((7, 4))
    s, t = np.array([1.4, 0.65], np.float32), np.array([0.3, -0.2], np.float32)

    def loss(mod, np_):
        def f(a, sc, tr):
            y = mod.image.scale_and_translate(a, (7, 4), (0, 1), sc, tr, method, antialias)
            return np_.sum(y * w) + np_.sum(y**2)

        return f

    got = mlax.grad(loss(mlax, mnp), argnums=(0, 1, 2))(x, s, t)
    want = jax.jit(jax.grad(loss(jax, rnp), argnums=(0, 1, 2)))(x, s, t)
    for g, wnt in zip(got, want):
        _check(g, wnt, rtol=1e-4, atol=1e-4)


def test_scale_and_translate_vmap():
    xs = _x((3, 5, 6))
    ss = np.array([[1.4, 0.7], [0.5, 1.0], [2.0, 1.3]], np.float32)
    ts = np.array([[0.3, 0.1], [-0.2, 0.4], [0.0, -1.0]], np.float32)

    def f(mod):
        return lambda a, sc, tr: mod.image.scale_and_translate(a, (6, 4), (0, 1), sc, tr, "cubic")

    _check(mlax.vmap(f(mlax))(xs, ss, ts), jax.jit(jax.vmap(f(jax)))(xs, ss, ts))
    # image batched, scale shared
    g = mlax.vmap(f(mlax), in_axes=(0, None, None))(xs, ss[0], ts[0])
    _check(g, jax.jit(jax.vmap(f(jax), in_axes=(0, None, None)))(xs, ss[0], ts[0]))
    # vmap of the grad w.r.t. scale
    gm = mlax.vmap(mlax.grad(lambda a, sc, tr: mnp.sum(f(mlax)(a, sc, tr) ** 2), 1))(xs, ss, ts)
    gj = jax.jit(jax.vmap(jax.grad(lambda a, sc, tr: rnp.sum(f(jax)(a, sc, tr) ** 2), 1)))(
        xs, ss, ts
    )
    _check(gm, gj, rtol=1e-4, atol=1e-4)


# --------------------------------------------------------------------------
# errors


def _raises_like(call_m, call_j):
    with pytest.raises(Exception) as ej:
        call_j()
    with pytest.raises(ej.type):
        call_m()


def test_errors():
    x = _x((4, 5))
    s, t = np.array([2.0, 2.0], np.float32), np.zeros(2, np.float32)
    cases = [
        lambda m: m.image.resize(x, (8, 10), "bogus"),
        lambda m: m.image.resize(x, (8, 10), 5),
        lambda m: m.image.resize(x, (8,), "linear"),
        lambda m: m.image.resize(x, (8, 10, 1), "nearest"),
        lambda m: m.image.resize(x, (8.0, 10), "linear"),
        lambda m: m.image.scale_and_translate(x, (8, 10), (0, 1), s, t, "nearest"),
        lambda m: m.image.scale_and_translate(x, (8, 10), (0, 1), s, t, "bogus"),
        lambda m: m.image.scale_and_translate(x, (8, 10, 2), (0, 1), s, t, "linear"),
        lambda m: m.image.scale_and_translate(x, (8, 10), (0, 1), [2.0, 2.0], t, "linear"),
        lambda m: m.image.scale_and_translate(x, (8, 10), (0, 1), s[:1], t, "linear"),
        lambda m: m.image.scale_and_translate(x, (8, 10), (0, 5), s, t, "linear"),
    ]
    for c in cases:
        _raises_like(lambda: c(mlax), lambda: c(jax))
    with pytest.raises(ValueError, match="Unknown resize method"):
        mimage.ResizeMethod.from_string("bicubic3")
