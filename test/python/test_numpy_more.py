"""The numpy functions and names not covered elsewhere, against jax: values
over shapes and dtypes, grad and vmap for the differentiable ones."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(3)


def _x(shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return R.integers(1, 9, size=shape).astype(dtype)
    return R.normal(size=shape).astype(dtype)


UNARY = {
    "absolute": True,
    "ravel": True,
    "atleast_2d": True,
    "amax": True,
    "amin": True,
    "invert": False,
}
BINARY = {"arctan2": True, "greater": False, "less_equal": False, "not_equal": False, "mod": False}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (3,), (2, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_unary(name, shape, dtype):
    if name == "invert":
        dtype = np.int32 if dtype == np.float32 else np.uint8
    x = _x(shape, dtype)
    f, g = getattr(jnp, name), getattr(ref, name)
    got, want = f(x), g(x)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    if UNARY[name] and np.dtype(dtype).kind == "f" and shape:
        np.testing.assert_allclose(
            np.asarray(mlax.grad(lambda v: (f(v) ** 2).sum())(x)),
            np.asarray(jax.grad(lambda v: (g(v) ** 2).sum())(x)),
            rtol=1e-6,
        )
        np.testing.assert_array_equal(np.asarray(mlax.vmap(f)(x)), np.asarray(jax.vmap(g)(x)))


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_binary(name, dtype):
    if name == "arctan2" and dtype == np.int32:
        return
    x, y = _x((3, 4), dtype), _x((4,), dtype)
    f, g = getattr(jnp, name), getattr(ref, name)
    got, want = f(x, y), g(x, y)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # Python scalars are weak: the array's dtype wins
    assert f(x, 2).dtype == g(x, 2).dtype
    if BINARY[name]:
        got = mlax.grad(lambda a, b: f(a, b).sum(), (0, 1))(x, y)
        want = jax.grad(lambda a, b: g(a, b).sum(), (0, 1))(x, y)
        for a, b in zip(got, want):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
        np.testing.assert_allclose(
            np.asarray(mlax.vmap(f, (0, None))(x, y)),
            np.asarray(jax.vmap(g, (0, None))(x, y)),
            rtol=1e-6,
        )


def test_full_like_and_broadcast_arrays():
    x = _x((2, 3), np.float32)
    for fill, dtype in [(7, None), (1.5, np.int32), (True, None)]:
        got, want = jnp.full_like(x, fill, dtype), ref.full_like(x, fill, dtype)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    got = jnp.broadcast_arrays(x, np.arange(3, dtype=np.int32), 2.0)
    want = ref.broadcast_arrays(x, np.arange(3, dtype=np.int32), 2.0)
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert jnp.uint64 is np.uint64 and jnp.complex128 is np.complex128


def test_device_put_shaped_array_and_modes():
    x = mlax.device_put(np.arange(3.0, dtype=np.float32))
    assert isinstance(x, mlax.Array) and repr(x) == "Array([0., 1., 2.], dtype=float32)"
    tree = mlax.device_put({"a": np.ones(2), "b": (1.0,)})
    assert isinstance(tree["a"], mlax.Array) and isinstance(tree["b"][0], mlax.Array)
    # make_mlir takes ShapedArrays for inputs that have no value yet
    text = mlax.make_mlir(lambda v: v * 2)(mlax.ShapedArray((4, 2), np.dtype(np.float32))).as_text()
    assert "tensor<4x2xf32>" in text
    assert lax.GatherScatterMode.from_any("clip") is lax.GatherScatterMode.CLIP
    assert lax.GatherScatterMode.from_any(None) is lax.GatherScatterMode.FILL_OR_DROP
    with pytest.raises(ValueError, match="Unknown gather mode 'wrap'"):
        lax.GatherScatterMode.from_any("wrap")
    v = np.array([0.5, 1.5, -2.5], np.float32)
    np.testing.assert_array_equal(
        np.asarray(lax.round(v, lax.RoundingMethod.TO_NEAREST_EVEN)),
        np.asarray(jax.lax.round(v, jax.lax.RoundingMethod.TO_NEAREST_EVEN)),
    )
    np.testing.assert_array_equal(
        np.asarray(lax.round(v, lax.RoundingMethod.AWAY_FROM_ZERO)),
        np.asarray(jax.lax.round(v, jax.lax.RoundingMethod.AWAY_FROM_ZERO)),
    )


@pytest.mark.parametrize(
    "args,kw",
    [
        ((0.0, 10.0, 5), {}),
        ((0, 10, 8), {"endpoint": False}),
        ((1.0, 2.0), {}),
        ((np.float32(0.1), np.float32(0.7), 7), {}),
        ((0, 10, 5), {"dtype": np.int32}),
        ((np.array([0.0, 1.0]), np.array([1.0, 3.0]), 4), {"axis": 1}),
        ((np.array([0.0, 1.0]), 2.0, 3), {"axis": -1}),
        ((3.0, 4.0, 1), {}),
        ((3.0, 4.0, 0), {}),
        ((0.0, 1.0, 4), {"retstep": True}),
        ((0.0, 1.0, 4), {"retstep": True, "endpoint": False}),
    ],
)
def test_linspace_matches_jax_bitwise(args, kw):
    got, want = jnp.linspace(*args, **kw), ref.linspace(*args, **kw)
    if kw.get("retstep"):
        (got, got_step), (want, want_step) = got, want
        np.testing.assert_allclose(np.asarray(got_step), np.asarray(want_step))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_linspace_traced_endpoints():
    got = mlax.grad(lambda a: (jnp.linspace(a, 2 * a, 5) ** 2).sum())(1.5)
    want = jax.grad(lambda a: (ref.linspace(a, 2 * a, 5) ** 2).sum())(1.5)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6)
    got = mlax.vmap(lambda a: jnp.linspace(0.0, a, 3))(np.array([1.0, 4.0], np.float32))
    np.testing.assert_array_equal(np.asarray(got), [[0.0, 0.5, 1.0], [0.0, 2.0, 4.0]])
    with pytest.raises(ValueError, match="Number of samples, -1, must be non-negative"):
        jnp.linspace(0.0, 1.0, -1)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"size": 2},
        {"size": 5},
        {"size": 5, "fill_value": -1},
        {"size": 4, "fill_value": (7, 8)},
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_nonzero_where_argwhere(kw, dtype):
    a = (np.array([[0, 3, 0], [1, 0, 2]]) != 0).astype(dtype) * (1 if dtype == np.bool_ else 1)
    for fm, fj in [(jnp.nonzero, ref.nonzero), (jnp.where, ref.where)]:
        got, want = fm(a, **kw), fj(a, **kw)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype
            np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    if not isinstance(kw.get("fill_value"), tuple):
        np.testing.assert_array_equal(
            np.asarray(jnp.argwhere(a, **kw)), np.asarray(ref.argwhere(a, **kw))
        )
        np.testing.assert_array_equal(
            np.asarray(jnp.flatnonzero(a, **kw)), np.asarray(ref.flatnonzero(a, **kw))
        )


def test_nonzero_under_transformations():
    a = np.array([[0.0, 3.0, 0.0], [1.0, 0.0, 2.0]], np.float32)
    got = mlax.jit(lambda v: jnp.nonzero(v, size=3))(a)
    want = jax.jit(lambda v: ref.nonzero(v, size=3))(a)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    np.testing.assert_array_equal(
        np.asarray(mlax.vmap(lambda v: jnp.flatnonzero(v, size=2))(a)),
        np.asarray(jax.vmap(lambda v: ref.flatnonzero(v, size=2))(a)),
    )
    with pytest.raises(
        mlax.ConcretizationTypeError,
        match="The size argument of jnp.nonzero must be statically specified",
    ):
        mlax.jit(lambda v: jnp.nonzero(v))(a)
    with pytest.raises(ValueError, match="Either both or neither of the x and y arguments"):
        jnp.where(a > 0, a)


METHODS = [
    ("argmax", ()),
    ("argmin", (1,)),
    ("clip", (-1, 2)),
    ("round", ()),
    ("any", ()),
    ("all", (0,)),
    ("var", ()),
    ("std", (1,)),
    ("cumsum", (0,)),
    ("flatten", ()),
    ("ravel", ()),
    ("conj", ()),
    ("conjugate", ()),
    ("prod", (1,)),
    ("swapaxes", (0, 1)),
    ("repeat", (2,)),
    ("diagonal", ()),
    ("trace", ()),
    ("take", (np.array([0, 5, -1]),)),
    ("ptp", (0,)),
    ("copy", ()),
    ("squeeze", ()),
]


@pytest.mark.parametrize("name,args", METHODS, ids=[m for m, _ in METHODS])
def test_array_methods_match_jax(name, args):
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4) - 5
    got, want = getattr(jnp.asarray(a), name)(*args), getattr(ref.asarray(a), name)(*args)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # and on traced values
    got = mlax.jit(lambda v: getattr(v, name)(*args))(a)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


def test_array_properties_and_take():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    x = jnp.asarray(a)
    assert x.real.shape == (3, 4) and x.mT.shape == (4, 3)
    assert x.nbytes == 48 and x.itemsize == 4
    z = jnp.asarray(np.array([1 + 2j], np.complex64))
    assert float(z.imag[0]) == 2.0 and float(z.real[0]) == 1.0
    for idx, axis, mode in [
        (np.array([[0, 13]]), None, None),
        (np.array([1, 7]), 1, None),
        (np.array([1, 7]), 1, "clip"),
        (np.array([-1, 0]), 0, None),
    ]:
        np.testing.assert_array_equal(
            np.asarray(jnp.take(a, idx, axis=axis, mode=mode)),
            np.asarray(ref.take(a, idx, axis=axis, mode=mode)),
        )
    got = mlax.grad(lambda v: jnp.take(v, np.array([1, 1, 2]), axis=1).sum())(a)
    want = jax.grad(lambda v: ref.take(v, np.array([1, 1, 2]), axis=1).sum())(a)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
