"""The jax.numpy names added in one sweep (math, creation, manipulation,
statistics, searching, vectorize, dtype queries) and the JAX keywords of the
existing reductions and products, against jax: values and dtypes, grad and
vmap for the differentiable ones, and the errors jax raises."""

import inspect

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

R = np.random.default_rng(7)


def _x(shape, dtype, lo=-2.0, hi=2.0):
    if np.dtype(dtype) == np.bool_:
        return R.integers(0, 2, size=shape).astype(bool)
    if np.dtype(dtype).kind in "iu":
        return R.integers(-5 if np.dtype(dtype).kind == "i" else 0, 9, size=shape).astype(dtype)
    return R.uniform(lo, hi, size=shape).astype(dtype)


def _check(got, want, rtol=1e-5, atol=1e-6):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _check(g, w, rtol, atol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# name: (domain (lo, hi), differentiable)
UNARY = {
    "log2": ((0.1, 4.0), True),
    "log10": ((0.1, 4.0), True),
    "exp2": ((-2.0, 2.0), True),
    "arcsin": ((-0.9, 0.9), True),
    "arccos": ((-0.9, 0.9), True),
    "arctan": ((-3.0, 3.0), True),
    "arcsinh": ((-3.0, 3.0), True),
    "arccosh": ((1.1, 4.0), True),
    "arctanh": ((-0.9, 0.9), True),
    "sinc": ((-2.0, 2.0), True),
    "reciprocal": ((0.5, 3.0), True),
    "trunc": ((-3.0, 3.0), False),
    "rint": ((-3.0, 3.0), False),
    "signbit": ((-3.0, 3.0), False),
    "deg2rad": ((-3.0, 3.0), True),
    "rad2deg": ((-3.0, 3.0), True),
    "logical_not": ((-1.0, 1.0), False),
    "positive": ((-1.0, 1.0), True),
    "nan_to_num": ((-1.0, 1.0), True),
}
INT_UNARY = {"log2", "arcsin", "reciprocal", "trunc", "signbit", "logical_not", "exp2"}
ALIASES = {
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
    "degrees": "rad2deg",
    "radians": "deg2rad",
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_unary(name, dtype):
    (lo, hi), diff = UNARY[name]
    if dtype == np.int32 and name not in INT_UNARY:
        pytest.skip("float-only check")
    if dtype == np.int32:
        x = np.array([-2, 0, 1, 3], np.int32) if lo < 0 else np.array([1, 2, 3], np.int32)
        if name in ("arcsin", "arccos", "arctanh"):
            x = np.array([-1, 0, 1], np.int32)
    else:
        x = _x((2, 3), dtype, lo, hi)
    f, g = getattr(jnp, name), getattr(ref, name)
    _check(f(x), g(x), rtol=2e-5)
    if diff and dtype == np.float32:
        _check(mlax.grad(lambda v: f(v).sum())(x), jax.grad(lambda v: g(v).sum())(x), rtol=2e-5)
        _check(mlax.vmap(f)(x), jax.vmap(g)(x), rtol=2e-5)


def test_unary_special_values_and_aliases():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 1.0, -1.0], np.float32)
    for name in ["arcsinh", "arctan", "sinc", "signbit", "trunc", "log2", "exp2", "arccosh"]:
        _check(getattr(jnp, name)(x), getattr(ref, name)(x), rtol=1e-5)
    _check(jnp.nan_to_num(x), ref.nan_to_num(x))
    _check(
        jnp.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0), ref.nan_to_num(x, 1, 1.0, 2.0, -2.0)
    )
    _check(jnp.isposinf(x), ref.isposinf(x))
    _check(jnp.isneginf(x), ref.isneginf(x))
    h = x.astype(np.float16)
    for name in ["log10", "arctan", "signbit", "reciprocal"]:
        _check(getattr(jnp, name)(h), getattr(ref, name)(h), rtol=2e-3)
    for alias, name in ALIASES.items():
        assert getattr(jnp, alias) is getattr(jnp, name)
    z = np.array([0.3 + 0.2j, -0.5 + 1.0j], np.complex64)
    for name in ["arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"]:
        _check(getattr(jnp, name)(z), getattr(ref, name)(z), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        jnp.signbit(z)


BINARY = {
    "logaddexp": True,
    "logaddexp2": True,
    "hypot": True,
    "copysign": True,
    "heaviside": False,
    "fmax": True,
    "fmin": True,
    "fmod": False,
    "float_power": True,
    "atan2": True,
    "logical_and": False,
    "logical_or": False,
    "logical_xor": False,
}


INT_BINARY = {"hypot", "fmax", "fmod", "heaviside", "logical_and", "logical_xor"}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_binary(name, dtype):
    x, y = _x((3, 4), dtype, 0.5, 2.0), _x((4,), dtype, 0.5, 2.0)
    if dtype == np.float32:
        x[0, 0], y[1] = np.nan, -y[1]
    if dtype == np.int32 and name not in INT_BINARY:
        pytest.skip("float-only check")
    f, g = getattr(jnp, name), getattr(ref, name)
    _check(f(x, y), g(x, y), rtol=2e-5)
    _check(f(x, 2), g(x, 2), rtol=2e-5)
    if BINARY[name] and dtype == np.float32:
        x, y = _x((3, 4), dtype, 0.5, 2.0), _x((4,), dtype, 0.5, 2.0)
        got = mlax.grad(lambda a, b: f(a, b).sum(), (0, 1))(x, y)
        want = jax.grad(lambda a, b: g(a, b).sum(), (0, 1))(x, y)
        _check(got, want, rtol=2e-5)
        _check(mlax.vmap(f, (0, None))(x, y), jax.vmap(g, (0, None))(x, y), rtol=2e-5)


def test_integer_and_logical_ops():
    a = np.array([12, -18, 0, 7, 0], np.int32)
    b = np.array([8, 12, 5, 0, 0], np.int32)
    for name in ["gcd", "lcm", "fmod"]:
        _check(getattr(jnp, name)(a, b), getattr(ref, name)(a, b))
    _check(mlax.vmap(jnp.gcd)(a.reshape(5, 1), b.reshape(5, 1)), ref.gcd(a, b).reshape(5, 1))
    with pytest.raises(ValueError):
        jnp.gcd(1.0, 2.0)
    with pytest.raises(TypeError):
        jnp.hypot(np.ones(2, np.complex64), 1.0)
    with pytest.raises(TypeError):
        jnp.logical_and(True)
    _check(
        jnp.logical_xor(np.array([0, 2]), np.array([True, True])),
        ref.logical_xor(np.array([0, 2]), np.array([True, True])),
    )


@pytest.mark.parametrize(
    "name,args,kw",
    [
        ("tri", (3, 4, 1), {}),
        ("tri", (3,), {"dtype": np.int32}),
        ("empty", ((2, 3),), {}),
        ("tril_indices", (4, -1), {}),
        ("triu_indices", (3, 1, 4), {}),
        ("diag_indices", (3, 3), {}),
        ("indices", ((2, 3),), {}),
        ("indices", ((2, 3),), {"sparse": True}),
        ("logspace", (0.0, 2.0, 5), {}),
        ("logspace", (0, 3, 4), {"base": 2.0, "endpoint": False}),
        ("geomspace", (1.0, 1000.0, 4), {}),
        ("geomspace", (-1.0, -16.0, 5), {}),
        ("geomspace", (np.array([1.0, 2.0]), 8.0, 3), {"axis": 1}),
    ],
)
def test_creation(name, args, kw):
    _check(getattr(jnp, name)(*args, **kw), getattr(ref, name)(*args, **kw), rtol=1e-5)


def test_creation_from_arrays():
    x = _x((3, 4), np.float32)
    for name in ["tril", "triu"]:
        for k in (-1, 0, 2):
            _check(getattr(jnp, name)(x, k), getattr(ref, name)(x, k))
        _check(getattr(jnp, name)(x[None]), getattr(ref, name)(x[None]))
        with pytest.raises(ValueError):
            getattr(jnp, name)(x[0])
    _check(jnp.empty_like(x, shape=(2,), dtype=np.int32), ref.zeros((2,), np.int32))
    _check(jnp.copy(x), ref.copy(x))
    a, b = np.arange(3.0, dtype=np.float32), np.arange(2, dtype=np.int32)
    for kw in [{}, {"indexing": "ij"}, {"sparse": True}]:
        _check(jnp.meshgrid(a, b, a, **kw), ref.meshgrid(a, b, a, **kw))
    with pytest.raises(ValueError):
        jnp.meshgrid(x)
    with pytest.raises(ValueError):
        jnp.meshgrid(a, indexing="xx")
    _check(jnp.mgrid[0:3, 1:5:2], ref.mgrid[0:3, 1:5:2])
    _check(jnp.mgrid[0:1:5j], ref.mgrid[0:1:5j])
    _check(jnp.mgrid[0:2, 0:1:3j], ref.mgrid[0:2, 0:1:3j])
    _check(jnp.ogrid[0:3, 0:2], ref.ogrid[0:3, 0:2])
    _check(
        jnp.ix_(np.array([0, 2]), np.array([1, 3, 4])),
        ref.ix_(np.array([0, 2]), np.array([1, 3, 4])),
    )
    for v in [np.array([1.0, 2.0, 3.0], np.float32), np.array([2, 3], np.int32)]:
        _check(jnp.vander(v), ref.vander(v))
        _check(jnp.vander(v, 4, increasing=True), ref.vander(v, 4, increasing=True))
    for f, g in [(jnp.atleast_1d, ref.atleast_1d), (jnp.atleast_3d, ref.atleast_3d)]:
        for v in [1.0, a, x, x[None]]:
            _check(f(v), g(v))
        _check(f(a, x), g(a, x))
    assert jnp.newaxis is None


@pytest.mark.parametrize("dtype", [np.float32])
def test_manipulation(dtype):
    x = _x((2, 3, 4), dtype)
    cases = [
        ("flip", (), {}),
        ("flip", (1,), {}),
        ("flip", ((0, 2),), {}),
        ("fliplr", (), {}),
        ("flipud", (), {}),
        ("rot90", (), {}),
        ("rot90", (2, (1, 2)), {}),
        ("rot90", (3, (2, 0)), {}),
        ("roll", (2,), {}),
        ("roll", (-1, 1), {}),
        ("roll", ((1, 5), (0, 2)), {}),
        ("append", (np.ones((2, 3, 1), dtype),), {"axis": 2}),
        ("append", (7,), {}),
        ("delete", (1,), {"axis": 1}),
        ("delete", (np.array([0, 3]),), {"axis": -1}),
        ("delete", (slice(0, None, 2),), {}),
        ("insert", (1, 9), {"axis": 1}),
        ("insert", (np.array([0, 2, 2]), np.arange(3)), {"axis": 2}),
        ("insert", (slice(None, 2), 5), {}),
        ("diff", (), {}),
        ("diff", (2, 1), {}),
        ("diff", (1, 0), {"prepend": 0, "append": np.zeros((1, 3, 4), dtype)}),
        ("take_along_axis", (np.array([[[0], [2], [1]]]), 2), {}),
        ("take_along_axis", (np.array([[[0, 1, 3, -1]]]), 1), {}),
        ("kron", (np.array([[1, 2]], dtype),), {}),
        ("cross", (np.ones((3, 4), dtype),), {"axisa": 1, "axisb": 0}),
    ]
    for name, args, kw in cases:
        _check(getattr(jnp, name)(x, *args, **kw), getattr(ref, name)(x, *args, **kw))


def test_manipulation_grad_vmap_and_errors():
    x = _x((3, 4), np.float32)
    for f, g in [
        (lambda v: jnp.roll(v, 1, 1), lambda v: ref.roll(v, 1, 1)),
        (lambda v: jnp.rot90(v), lambda v: ref.rot90(v)),
        (lambda v: jnp.diff(v, 2), lambda v: ref.diff(v, 2)),
        (lambda v: jnp.insert(v, 1, 2.0, axis=0), lambda v: ref.insert(v, 1, 2.0, axis=0)),
        (lambda v: jnp.delete(v, 1, axis=1), lambda v: ref.delete(v, 1, axis=1)),
        (lambda v: jnp.kron(v, v[:2, :2]), lambda v: ref.kron(v, v[:2, :2])),
        (
            lambda v: jnp.take_along_axis(v, np.array([[1], [0], [3]]), 1),
            lambda v: ref.take_along_axis(v, np.array([[1], [0], [3]]), 1),
        ),
    ]:
        _check(mlax.grad(lambda v: (f(v) ** 2).sum())(x), jax.grad(lambda v: (g(v) ** 2).sum())(x))
        _check(mlax.vmap(f)(x[None]), jax.vmap(g)(x[None]))
    # a traced shift
    _check(
        mlax.vmap(lambda s: jnp.roll(x, s, 1))(np.array([1, -2, 5], np.int32)),
        jax.vmap(lambda s: ref.roll(x, s, 1))(np.array([1, -2, 5], np.int32)),
    )
    _check(jnp.cross(x[:, :3], x[:, 1:]), ref.cross(x[:, :3], x[:, 1:]))
    _check(jnp.cross(x[:2, :2], x[1:3, :2]), ref.cross(x[:2, :2], x[1:3, :2]))
    _check(jnp.block([[x, x], [x, x]]), ref.block([[x, x], [x, x]]))
    _check(jnp.block([1.0, np.arange(2.0)]), ref.block([1.0, np.arange(2.0)]))
    _check(jnp.dstack([x, x]), ref.dstack([x, x]))
    _check(jnp.column_stack([x[0], x[1]]), ref.column_stack([x[0], x[1]]))
    _check(jnp.take_along_axis(x, np.array([[9]]), 1), ref.take_along_axis(x, np.array([[9]]), 1))
    assert jnp.broadcast_shapes((2, 1), (3,), 1) == ref.broadcast_shapes((2, 1), (3,), 1)
    for bad in [
        lambda m: m.broadcast_shapes((2,), (3,)),
        lambda m: m.rot90(x, axes=(1, 1)),
        lambda m: m.rot90(x[0]),
        lambda m: m.diff(x, -1),
        lambda m: m.diff(np.float32(1)),
        lambda m: m.block([[x], x]),
        lambda m: m.block((x, x)),
        lambda m: m.cross(x, x),
        lambda m: m.take_along_axis(x, np.array([1]), 1),
        lambda m: m.delete(x, np.array([True]), 0),
        lambda m: m.fliplr(x[0]),
    ]:
        with pytest.raises(ValueError):
            bad(ref)
        with pytest.raises(ValueError):
            bad(jnp)
    with pytest.raises(TypeError):
        jnp.take_along_axis(x, np.array([[1.0]]), 1)


def test_index_raveling():
    idx = np.array([0, 5, 11, -1, 13, -20], np.int32)
    _check(jnp.unravel_index(idx, (3, 4)), ref.unravel_index(idx, (3, 4)))
    mi = (np.array([0, 2, 1]), np.array([3, 0, 5]))
    for mode in ["wrap", "clip"]:
        for order in ["C", "F"]:
            _check(
                jnp.ravel_multi_index(mi, (3, 4), mode=mode, order=order),
                ref.ravel_multi_index(mi, (3, 4), mode=mode, order=order),
            )
    _check(
        jnp.ravel_multi_index((np.array([1]), np.array([2])), (3, 4)),
        ref.ravel_multi_index((np.array([1]), np.array([2])), (3, 4)),
    )
    for m in (ref, jnp):
        with pytest.raises(ValueError):
            m.ravel_multi_index(mi, (3, 4))
        with pytest.raises(ValueError):
            m.ravel_multi_index(mi, (3, 4), mode="nope")


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_nan_reductions(dtype):
    x = _x((3, 4), dtype)
    if dtype == np.float32:
        x[0, 1] = x[2, 3] = np.nan
        x[1, :] = np.nan
    w = np.array([True, False, True, True])
    for name in ["nansum", "nanmax", "nanmin", "nanprod", "nanmean", "nanvar", "nanstd"]:
        f, g = getattr(jnp, name), getattr(ref, name)
        for kw in [{}, {"axis": 0}, {"axis": 1, "keepdims": True}]:
            _check(f(x, **kw), g(x, **kw), rtol=2e-5)
        if name in ("nansum", "nanprod", "nanmean", "nanvar"):
            _check(f(x, axis=1, where=w), g(x, axis=1, where=w), rtol=2e-5)
    _check(jnp.nanvar(x, axis=1, ddof=3), ref.nanvar(x, axis=1, ddof=3), rtol=2e-5)
    _check(jnp.nanmax(x, axis=1, initial=0.5, where=w), ref.nanmax(x, axis=1, initial=0.5, where=w))
    for name in ["nanargmax", "nanargmin"]:
        f, g = getattr(jnp, name), getattr(ref, name)
        for kw in [{}, {"axis": 1}, {"axis": 0, "keepdims": True}]:
            _check(f(x, **kw), g(x, **kw))
    if dtype == np.float32:
        y = np.where(np.isnan(x), 1.0, x).astype(np.float32)
        for name in ["nansum", "nanmean", "nanvar", "nanmax"]:
            f, g = getattr(jnp, name), getattr(ref, name)
            _check(
                mlax.grad(lambda v: f(v, axis=1).sum())(y),
                jax.grad(lambda v: g(v, axis=1).sum())(y),
                rtol=2e-5,
            )
            _check(mlax.vmap(f)(x), jax.vmap(g)(x), rtol=2e-5)


def test_statistics():
    x = _x((3, 5), np.float32)
    w = _x((5,), np.float32, 0.1, 1.0)
    _check(jnp.average(x), ref.average(x))
    _check(jnp.average(x, 1, w), ref.average(x, 1, w))
    _check(jnp.average(x, 0, returned=True), ref.average(x, 0, returned=True))
    _check(
        jnp.average(x, (0, 1), x, returned=True, keepdims=True),
        ref.average(x, (0, 1), x, returned=True, keepdims=True),
    )
    _check(jnp.average(np.arange(6, dtype=np.int32)), ref.average(np.arange(6, dtype=np.int32)))
    with pytest.raises(ValueError):
        jnp.average(x, weights=w)
    with pytest.raises(ValueError):
        jnp.average(x, 0, w)
    fw = np.array([1, 2, 1, 3, 1], np.int32)
    for kw in [
        {},
        {"rowvar": False},
        {"bias": True},
        {"ddof": 2},
        {"fweights": fw},
        {"aweights": w},
        {"fweights": fw, "aweights": w},
    ]:
        _check(jnp.cov(x, **kw), ref.cov(x, **kw), rtol=2e-5)
    _check(jnp.cov(x[0], x[1]), ref.cov(x[0], x[1]), rtol=2e-5)
    _check(jnp.cov(x[0]), ref.cov(x[0]), rtol=2e-5)
    _check(jnp.corrcoef(x), ref.corrcoef(x), rtol=2e-5)
    _check(jnp.corrcoef(x[0], x[2]), ref.corrcoef(x[0], x[2]), rtol=2e-5)
    _check(
        mlax.grad(lambda v: jnp.cov(v).sum())(x), jax.grad(lambda v: ref.cov(v).sum())(x), rtol=2e-5
    )
    _check(
        mlax.grad(lambda v: jnp.average(v, 1, w).sum())(x),
        jax.grad(lambda v: ref.average(v, 1, w).sum())(x),
    )
    with pytest.raises(ValueError):
        jnp.cov(np.ones((2, 2, 2)))
    with pytest.raises(TypeError):
        jnp.cov(x, fweights=w)
    b = np.array([[0, 1, 0], [2, 0, 3]], np.int32)
    for kw in [{}, {"axis": 0}, {"axis": 1, "keepdims": True}]:
        _check(jnp.count_nonzero(b, **kw), ref.count_nonzero(b, **kw))
    _check(jnp.count_nonzero(b > 0), ref.count_nonzero(b > 0))
    n = np.array([1.0, np.nan], np.float32)
    for a1, a2, kw in [(x, x, {}), (x, x[:2], {}), (n, n, {}), (n, n, {"equal_nan": True})]:
        _check(jnp.array_equal(a1, a2, **kw), ref.array_equal(a1, a2, **kw))
    for a1, a2 in [(x, x[:1] * 0 + x[0]), (x[0], x), (b, b[0])]:
        _check(jnp.array_equiv(a1, a2), ref.array_equiv(a1, a2))
    for m in (ref, jnp):
        with pytest.raises(TypeError):
            m.array_equiv(x, x[:2])
    p = np.array([2.0, -1.0, 0.5], np.float32)
    _check(jnp.polyval(p, x), ref.polyval(p, x), rtol=2e-5)
    _check(
        jnp.polyval(np.array([3, 0, 1], np.int32), np.int32(2)),
        ref.polyval(np.array([3, 0, 1], np.int32), np.int32(2)),
    )
    _check(
        mlax.grad(lambda v: jnp.polyval(p, v).sum())(x),
        jax.grad(lambda v: ref.polyval(p, v).sum())(x),
        rtol=2e-5,
    )
    t = np.sort(_x((5,), np.float32))
    for args, kw in [
        ((x,), {}),
        ((x,), {"dx": 0.5, "axis": 0}),
        ((x, t), {}),
        ((x.T, t), {"axis": 0}),
        ((x, x), {}),
    ]:
        _check(jnp.trapezoid(*args, **kw), ref.trapezoid(*args, **kw), rtol=2e-5)


@pytest.mark.parametrize("method", ["scan", "scan_unrolled", "compare_all", "sort"])
def test_searchsorted(method):
    a = np.array([-1.0, 0.0, 0.0, 2.5, 3.0, np.nan], np.float32)
    v = np.array([[-2.0, 0.0, 1.0], [3.0, 9.0, np.nan]], np.float32)
    for side in ["left", "right"]:
        _check(
            jnp.searchsorted(a, v, side, method=method), ref.searchsorted(a, v, side, method=method)
        )
    ai = np.array([1, 3, 3, 7], np.int32)
    vi = np.arange(9, dtype=np.int32)
    _check(jnp.searchsorted(ai, vi, method=method), ref.searchsorted(ai, vi, method=method))
    perm = np.array([2, 0, 3, 1])
    _check(
        jnp.searchsorted(ai[perm], vi, "right", sorter=np.argsort(ai[perm]), method=method),
        ref.searchsorted(ai[perm], vi, "right", sorter=np.argsort(ai[perm]), method=method),
    )
    z = np.array([1 + 1j, 1 + 2j, 2 + 0j], np.complex64)
    _check(
        jnp.searchsorted(z, np.complex64(1 + 1.5j), method=method),
        ref.searchsorted(z, np.complex64(1 + 1.5j), method=method),
    )
    _check(
        jnp.searchsorted(np.zeros(0, np.float32), v, method=method),
        ref.searchsorted(np.zeros(0, np.float32), v, method=method),
    )
    _check(
        mlax.vmap(lambda q: jnp.searchsorted(a, q, method=method))(v),
        jax.vmap(lambda q: ref.searchsorted(a, q, method=method))(v),
    )


def test_digitize_bincount_interp():
    bins = np.array([0.0, 1.0, 2.5, 4.0], np.float32)
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0, 7.0], np.float32)
    for b in (bins, bins[::-1]):
        for right in (False, True):
            _check(jnp.digitize(x, b, right), ref.digitize(x, b, right))
    _check(jnp.digitize(x, np.zeros(0, np.float32)), ref.digitize(x, np.zeros(0, np.float32)))
    c = np.array([0, 1, 1, 3, -2, 2, 9], np.int32)
    wts = np.linspace(0, 1, 7).astype(np.float32)
    _check(jnp.bincount(c), ref.bincount(c))
    _check(jnp.bincount(c, wts, minlength=12), ref.bincount(c, wts, minlength=12))
    _check(jnp.bincount(c, length=4), ref.bincount(c, length=4))
    _check(
        mlax.jit(lambda v: jnp.bincount(v, length=5))(c),
        jax.jit(lambda v: ref.bincount(v, length=5))(c),
    )
    with pytest.raises(mlax.ConcretizationTypeError):
        mlax.jit(jnp.bincount)(c)
    with pytest.raises(TypeError):
        jnp.bincount(wts)
    with pytest.raises(ValueError):
        jnp.bincount(c.reshape(1, -1))
    xp = np.array([0.0, 1.0, 1.0, 3.0], np.float32)
    fp = np.array([1.0, 2.0, 0.0, 4.0], np.float32)
    for kw in [{}, {"left": -1.0, "right": 9.0}, {"left": "extrapolate", "right": "extrapolate"}]:
        _check(jnp.interp(x, xp, fp, **kw), ref.interp(x, xp, fp, **kw))
    _check(
        jnp.interp(np.int32(2), np.array([1, 3]), np.array([10, 20])),
        ref.interp(np.int32(2), np.array([1, 3]), np.array([10, 20])),
    )
    xs = np.array([0.25, 1.5, 2.0], np.float32)
    _check(
        mlax.grad(lambda v: jnp.interp(v, xp, fp).sum())(xs),
        jax.grad(lambda v: ref.interp(v, xp, fp).sum())(xs),
    )
    _check(
        mlax.grad(lambda f: jnp.interp(xs, xp, f).sum())(fp),
        jax.grad(lambda f: ref.interp(xs, xp, f).sum())(fp),
    )
    for m in (ref, jnp):
        with pytest.raises(ValueError):
            m.interp(x, xp, fp[:3])
        with pytest.raises(ValueError):
            m.interp(x, xp, fp, left="nope")
        with pytest.raises(ValueError):
            m.digitize(x, bins[None])


def test_vectorize():
    def f(a, b):
        return a * 2 + b

    x, y = _x((2, 3), np.float32), _x((3,), np.float32)
    _check(jnp.vectorize(f)(x, y), ref.vectorize(f)(x, y))
    mv = jnp.vectorize(jnp.dot, signature="(n),(n)->()")
    rv = ref.vectorize(ref.dot, signature="(n),(n)->()")
    _check(mv(x, y), rv(x, y))
    mm = jnp.vectorize(lambda a: (a.sum(), a * 2), signature="(n)->(),(n)")
    rm = ref.vectorize(lambda a: (a.sum(), a * 2), signature="(n)->(),(n)")
    _check(mm(x), rm(x))

    def g(a, p):
        return a**p

    _check(jnp.vectorize(g, excluded={1})(x, 2), ref.vectorize(g, excluded={1})(x, 2))
    with pytest.raises(ValueError):
        jnp.vectorize(jnp.dot, signature="(n),(n)->()")(x, x[:, :2])
    with pytest.raises(ValueError):
        jnp.vectorize(jnp.dot, signature="(n),(n)->()")(np.float32(1), y)
    _check(mlax.grad(lambda v: mv(v, y).sum())(x), jax.grad(lambda v: rv(v, y).sum())(x))


def test_dtype_queries():
    import mlax.dtypes as md

    for args in [
        (np.float16, 1.0),
        (1, 2.0),
        (int,),
        (np.int8, 3),
        (np.int32, np.float16),
        (jnp.ones(2, np.int8), 3),
        ("float32", complex),
        (np.uint8, np.int8),
        (np.int32, np.uint32),
        (jnp.bfloat16, np.float16),
        (True, 1),
    ]:
        assert jnp.result_type(*args) == ref.result_type(*args), args
        assert md.result_type(*args) == ref.result_type(*args), args
    for a, b in [
        (np.int64, np.float32),
        (int, np.int8),
        (np.float16, float),
        ("int8", "uint8"),
        (np.bool_, np.int16),
        (jnp.bfloat16, np.int32),
        (np.float32, np.complex64),
    ]:
        assert jnp.promote_types(a, b) == ref.promote_types(a, b), (a, b)
    with pytest.raises(ValueError):
        jnp.result_type()
    for d in [np.float32, np.float16, jnp.bfloat16]:
        assert jnp.finfo(d).eps == ref.finfo(d).eps and jnp.finfo(d).max == ref.finfo(d).max
    assert jnp.iinfo(np.int8).min == ref.iinfo(np.int8).min
    assert md.iinfo(np.uint16).max == jax.dtypes.iinfo(np.uint16).max
    for a, b in [
        (jnp.bfloat16, np.floating),
        (jnp.bfloat16, np.inexact),
        (np.float32, jnp.bfloat16),
        (np.int32, np.integer),
        (np.int32, "int32"),
        (np.uint8, np.signedinteger),
        (np.float16, np.number),
        (jnp.bfloat16, jnp.bfloat16),
        (np.complex64, np.floating),
    ]:
        assert jnp.issubdtype(a, b) == ref.issubdtype(a, b), (a, b)
        assert md.issubdtype(a, b) == jax.dtypes.issubdtype(a, b), (a, b)
    assert md.canonicalize_dtype(np.float64) == jax.dtypes.canonicalize_dtype(np.float64)
    x = jnp.ones((2, 3))
    for v in [1, 1.5, np.float32(1), x, jnp.ones(()), [1], np.ones(()), "a"]:
        assert jnp.isscalar(v) == ref.isscalar(
            v if not isinstance(v, mlax.Array) else ref.asarray(np.asarray(v))
        ), v
    assert (jnp.ndim(x), jnp.shape(x), jnp.size(x), jnp.size(x, 1)) == (2, (2, 3), 6, 3)
    assert (jnp.ndim(3.0), jnp.shape(np.ones((4, 1))), jnp.size(np.ones((2, 5)), (0, 1))) == (
        0,
        (4, 1),
        10,
    )


SIGNATURES = [
    "reshape", "sum", "prod", "max", "min", "mean", "any", "all", "argmax", "argmin",
    "repeat", "trace", "take_along_axis", "searchsorted", "bincount", "digitize", "interp",
    "diff", "nanmean", "nansum", "nanmax", "nanstd", "nanvar", "nanargmax", "average", "cov",
    "corrcoef", "count_nonzero", "tril", "triu", "tri", "roll", "rot90", "flip", "meshgrid",
    "indices", "logspace", "geomspace", "insert", "delete", "cross", "kron", "vander",
    "nan_to_num", "ravel_multi_index", "unravel_index", "trapezoid", "array_equal", "size",
    "log2", "hypot", "logaddexp", "fmax", "dstack", "polyval", "vectorize",
]  # fmt: skip
IGNORED = {"out_sharding", "device", "wrap_negative_indices", "unroll"}


@pytest.mark.parametrize("name", SIGNATURES)
def test_signatures_match_jax(name):
    def params(f):
        return [
            (p.name, p.kind, p.default if p.default is not inspect.Parameter.empty else None)
            for p in inspect.signature(f).parameters.values()
            if p.name not in IGNORED
        ]

    got, want = params(getattr(jnp, name)), params(getattr(ref, name))
    got = [g for g in got if g[0] != "newshape"]
    if name.startswith("logical_") or name in ("logaddexp",):
        return
    assert [g[0] for g in got] == [w[0] for w in want], (got, want)
    for (n, k, d), (_, wk, wd) in zip(got, want):
        assert k == wk, (n, k, wk)
        if isinstance(wd, (int, float, str, bool, type(None))) and not isinstance(d, type(object)):
            assert d == wd or (d is None and wd is not None and n in ("shape",)), (n, d, wd)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.bool_])
def test_reduction_keywords(dtype):
    x = _x((3, 4), dtype)
    w = np.array([[True, False, True, True]])
    for name in ["sum", "prod"]:
        f, g = getattr(jnp, name), getattr(ref, name)
        for kw in [
            {},
            {"axis": 1, "where": w},
            {"initial": 2},
            {"axis": 0, "where": w, "initial": 1, "keepdims": True},
            {"promote_integers": False},
        ]:
            _check(f(x, **kw), g(x, **kw), rtol=2e-5)
    for name in ["max", "min"]:
        f, g = getattr(jnp, name), getattr(ref, name)
        for kw in [
            {"axis": 1, "where": w, "initial": 0},
            {"initial": 3},
            {"axis": 0, "keepdims": True},
        ]:
            _check(f(x, **kw), g(x, **kw))
        _check(
            f(np.zeros((0, 2), dtype), axis=0, initial=1),
            g(np.zeros((0, 2), dtype), axis=0, initial=1),
        )
        for m in (ref, jnp):
            with pytest.raises(ValueError):
                getattr(m, name)(x, where=w)
    for name in ["any", "all"]:
        _check(getattr(jnp, name)(x, axis=1, where=w), getattr(ref, name)(x, axis=1, where=w))
    _check(jnp.mean(x, axis=1, where=w), ref.mean(x, axis=1, where=w), rtol=2e-5)
    _check(jnp.mean(x, where=w, keepdims=True), ref.mean(x, where=w, keepdims=True), rtol=2e-5)
    for name in ["argmax", "argmin"]:
        for kw in [
            {"keepdims": True},
            {"axis": 1, "keepdims": True},
            {"axis": 0, "keepdims": False},
        ]:
            _check(getattr(jnp, name)(x, **kw), getattr(ref, name)(x, **kw))
    if dtype == np.float32:
        _check(
            mlax.grad(lambda v: jnp.sum(v**2, axis=1, where=w, initial=1.0).sum())(x),
            jax.grad(lambda v: ref.sum(v**2, axis=1, where=w, initial=1.0).sum())(x),
        )
        _check(
            mlax.grad(lambda v: jnp.mean(v**2, where=w))(x),
            jax.grad(lambda v: ref.mean(v**2, where=w))(x),
        )
        _check(
            mlax.vmap(lambda v: jnp.max(v, where=w[0], initial=-1.0))(x),
            jax.vmap(lambda v: ref.max(v, where=w[0], initial=-1.0))(x),
        )
        h = x.astype(np.float16)
        _check(jnp.sum(h, axis=1), ref.sum(h, axis=1), rtol=2e-3)
        _check(jnp.mean(h, axis=0), ref.mean(h, axis=0), rtol=2e-3)


def test_existing_signature_keywords():
    x = _x((3, 4), np.float32)
    with pytest.warns(DeprecationWarning):
        out = jnp.reshape(x, newshape=(4, 3))
    _check(out, ref.reshape(x, (4, 3)))
    _check(jnp.reshape(x, shape=(2, -1)), ref.reshape(x, shape=(2, -1)))
    i8 = _x((3, 4), np.int8)
    for f, g, args in [
        (jnp.dot, ref.dot, (i8, i8.T)),
        (jnp.matmul, ref.matmul, (i8, i8.T)),
        (jnp.inner, ref.inner, (i8, i8)),
        (jnp.vdot, ref.vdot, (i8, i8)),
        (jnp.tensordot, ref.tensordot, (i8, i8.T, 1)),
    ]:
        for pet in [np.int32, np.float32]:
            _check(f(*args, preferred_element_type=pet), g(*args, preferred_element_type=pet))
        _check(f(*args, precision="highest"), g(*args, precision="highest"))
    _check(
        jnp.einsum("ij,kj->ik", i8, i8, preferred_element_type=np.int32),
        ref.einsum("ij,kj->ik", i8, i8, preferred_element_type=np.int32),
    )
    a = np.arange(3, dtype=np.int32)
    for r, kw in [
        (np.array([1, 2, 0]), {}),
        (np.array([1, 2, 0]), {"total_repeat_length": 5}),
        (2, {"total_repeat_length": 4}),
        (np.array([3, 1, 1]), {"total_repeat_length": 2}),
        (2, {}),
    ]:
        _check(jnp.repeat(a, r, **kw), ref.repeat(a, r, **kw))
    _check(jnp.repeat(x, np.array([1, 0, 2]), axis=0), ref.repeat(x, np.array([1, 0, 2]), axis=0))
    _check(
        mlax.jit(lambda r: jnp.repeat(a, r, total_repeat_length=4))(np.array([2, 0, 3])),
        jax.jit(lambda r: ref.repeat(a, r, total_repeat_length=4))(np.array([2, 0, 3])),
    )
    with pytest.raises(mlax.ConcretizationTypeError):
        mlax.jit(lambda r: jnp.repeat(a, r))(np.array([2, 0, 3]))
    t = _x((2, 3, 4), np.int8)
    for kw in [
        {},
        {"offset": 1},
        {"axis1": 1, "axis2": 2},
        {"offset": -1, "axis1": 2, "axis2": 0, "dtype": np.float32},
    ]:
        _check(jnp.trace(t, **kw), ref.trace(t, **kw))
    with pytest.raises(ValueError):
        jnp.trace(t, axis1=1, axis2=-2)
