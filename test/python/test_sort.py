"""The sort op and what is built on it, against jax: lax.sort /
sort_key_val, jnp.sort / argsort / lexsort / partition, quantiles,
unique and histogram; JVP, grad and vmap through sort."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(7)


def _data(shape, dtype):
    if dtype == np.bool_:
        return R.integers(0, 2, size=shape).astype(bool)
    if np.dtype(dtype).kind in "iu":
        return R.integers(0, 5, size=shape).astype(dtype)  # ties
    x = R.normal(size=shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * R.integers(-1, 2, size=shape)
        return x.astype(dtype)
    x = np.round(x, 1).astype(dtype)  # ties
    flat = x.reshape(-1)
    if flat.size >= 4:
        flat[:4] = [np.nan, -0.0, 0.0, -np.nan]
    return x


def _eq(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize(
    "dtype", [np.float32, np.int32, np.uint8, np.bool_, np.complex64, np.float16]
)
def test_lax_sort_bit_identical(shape, dim, dtype):
    x = _data(shape, dtype)
    _eq(lax.sort(x, dimension=dim), jax.lax.sort(x, dimension=dim))
    idx = np.broadcast_to(
        np.arange(shape[dim]).reshape([-1 if d == dim else 1 for d in range(len(shape))]), shape
    ).astype(np.int32)
    for got, want in zip(
        lax.sort_key_val(x, idx, dimension=dim), jax.lax.sort_key_val(x, idx, dimension=dim)
    ):
        _eq(got, want)


def test_lax_sort_num_keys_and_errors():
    a = np.array([1, 0, 1, 0, 1], np.int32)
    b = np.array([3.0, 2.0, 1.0, 5.0, 4.0], np.float32)
    c = np.arange(5, dtype=np.int32)
    for k in (1, 2):
        for got, want in zip(lax.sort((a, b, c), num_keys=k), jax.lax.sort((a, b, c), num_keys=k)):
            _eq(got, want)
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort((a, b), num_keys=3)
    with pytest.raises(ValueError, match="num_keys"):
        lax.sort(a, num_keys=2)
    with pytest.raises(TypeError, match="equal shapes"):
        lax.sort((a, b[:3]))
    with pytest.raises(TypeError, match="at least one"):
        lax.sort(())


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("descending", [False, True])
def test_jnp_sort_argsort(axis, descending):
    x = _data((4, 6), np.float32)
    _eq(
        jnp.sort(x, axis=axis, descending=descending), ref.sort(x, axis=axis, descending=descending)
    )
    _eq(
        jnp.argsort(x, axis=axis, descending=descending),
        ref.argsort(x, axis=axis, descending=descending),
    )
    xi = _data((4, 6), np.int32)
    _eq(
        jnp.argsort(xi, axis=axis, descending=descending),
        ref.argsort(xi, axis=axis, descending=descending),
    )
    _eq(jnp.asarray(xi).sort(axis=0), ref.asarray(xi).sort(axis=0))
    _eq(jnp.asarray(xi).argsort(), ref.asarray(xi).argsort())
    with pytest.raises(TypeError, match="'kind' argument"):
        jnp.sort(x, kind="quicksort")


def test_lexsort_partition():
    k1, k2 = _data((9,), np.int32), _data((9,), np.int32)
    _eq(jnp.lexsort((k1, k2)), ref.lexsort((k1, k2)))
    x = _data((3, 8), np.float32)
    # no NaNs or signed zeros: jax's top_k orders those differently from sort
    x = np.where(np.isnan(x) | (x == 0), 1.5, x).astype(np.float32)
    for kth in (0, 3, 7, -2):
        # values equal (jax's top_k may place -0.0 and 0.0 the other way)
        np.testing.assert_array_equal(
            np.asarray(jnp.partition(x, kth, axis=-1)), ref.partition(x, kth, axis=-1)
        )
        _eq(jnp.argpartition(x, kth, axis=-1), ref.argpartition(x, kth, axis=-1))
    np.testing.assert_array_equal(
        np.asarray(jnp.partition(x, 1, axis=0)), ref.partition(x, 1, axis=0)
    )


def test_sort_jvp_grad_vmap():
    x = np.array([[0.3, -1.2, 2.0, 0.3], [1.0, 0.5, -0.5, 4.0]], np.float32)
    w = np.arange(4, dtype=np.float32)
    f = lambda x: (jnp.sort(x, axis=-1) * w).sum()  # noqa: E731
    g = lambda x: (ref.sort(x, axis=-1) * w).sum()  # noqa: E731
    np.testing.assert_allclose(np.asarray(mlax.grad(f)(x)), jax.grad(g)(x))
    t = np.ones_like(x) * np.arange(4, dtype=np.float32)
    got = mlax.jvp(lambda x: jnp.sort(x, axis=0), (x,), (t,))
    want = jax.jvp(lambda x: ref.sort(x, axis=0), (x,), (t,))
    np.testing.assert_allclose(np.asarray(got[1]), np.asarray(want[1]))
    for in_axes in (0, 1):
        _eq(mlax.vmap(jnp.sort, in_axes=in_axes)(x), jax.vmap(ref.sort, in_axes=in_axes)(x))
        _eq(mlax.vmap(jnp.argsort, in_axes=in_axes)(x), jax.vmap(ref.argsort, in_axes=in_axes)(x))
    # sort_key_val with one batched and one unbatched operand
    keys = np.array([[3, 1, 2], [1, 3, 2]], np.int32)
    vals = np.array([10.0, 20.0, 30.0], np.float32)
    got = mlax.vmap(lambda k: lax.sort_key_val(k, vals)[1])(keys)
    want = jax.vmap(lambda k: jax.lax.sort_key_val(k, vals)[1])(keys)
    _eq(got, want)
    # grad of median (through sort and a gather) and of vmapped sort
    np.testing.assert_allclose(
        np.asarray(mlax.grad(lambda x: jnp.median(x))(x)),
        jax.grad(lambda x: ref.median(x))(x),
    )
    hv = mlax.jit(mlax.grad(lambda x: mlax.vmap(f)(x[None]).sum()))(x)
    np.testing.assert_allclose(np.asarray(hv), jax.grad(g)(x))


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False)])
def test_quantile_percentile(method, axis, keepdims):
    x = R.normal(size=(3, 4, 5)).astype(np.float32)
    for q in (0.3, np.array([0.0, 0.25, 1.0], np.float32)):
        np.testing.assert_allclose(
            np.asarray(jnp.quantile(x, q, axis=axis, method=method, keepdims=keepdims)),
            ref.quantile(x, q, axis=axis, method=method, keepdims=keepdims),
            rtol=1e-5,
            atol=1e-6,
        )
    np.testing.assert_allclose(
        np.asarray(jnp.percentile(x, 40.0, axis=axis, method=method, keepdims=keepdims)),
        ref.percentile(x, 40.0, axis=axis, method=method, keepdims=keepdims),
        rtol=1e-5,
        atol=1e-6,
    )


def test_median_and_nan_versions():
    x = R.normal(size=(4, 5)).astype(np.float32)
    x[1, 2] = np.nan
    for fn in ("median", "nanmedian"):
        for axis in (None, 0, 1):
            np.testing.assert_allclose(
                np.asarray(getattr(jnp, fn)(x, axis=axis)),
                getattr(ref, fn)(x, axis=axis),
                rtol=1e-6,
            )
    np.testing.assert_allclose(
        np.asarray(jnp.nanquantile(x, [0.1, 0.9], axis=1)),
        ref.nanquantile(x, np.array([0.1, 0.9]), axis=1),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        np.asarray(jnp.median(np.arange(6, dtype=np.int32))),
        ref.median(np.arange(6, dtype=np.int32)),
    )
    with pytest.raises(ValueError, match="method can only be"):
        jnp.quantile(x, 0.5, method="cubic")
    with pytest.raises(ValueError, match="complex"):
        jnp.quantile(x.astype(np.complex64), 0.5)


def test_unique():
    x = np.array([3, 1, 2, 3, 1, 5, 5, 5, 0], np.int32)
    for flags in [(False, False, False), (True, True, True), (True, False, True)]:
        got = jnp.unique(x, *flags)
        want = ref.unique(x, *flags)
        for g, w in zip(
            got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]
        ):
            _eq(g, w)
    f = mlax.jit(lambda v: jnp.unique(v, size=7, fill_value=-1, return_counts=True))
    fj = jax.jit(lambda v: ref.unique(v, size=7, fill_value=-1, return_counts=True))
    for g, w in zip(f(x), fj(x)):
        _eq(g, w)
    _eq(jnp.unique(x, size=3), ref.unique(x, size=3))
    xf = np.array([1.0, np.nan, 2.0, np.nan, 1.0], np.float32)
    _eq(jnp.unique(xf), ref.unique(xf))
    _eq(jnp.unique(xf, equal_nan=False), ref.unique(xf, equal_nan=False))
    with pytest.raises(mlax.ConcretizationTypeError, match="size="):
        mlax.jit(jnp.unique)(x)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"bins": 4},
        {"bins": 3, "range": (-1.0, 1.0)},
        {"density": True},
        {"bins": np.array([-2.0, 0.0, 0.5, 3.0], np.float32)},
    ],
)
def test_histogram(kw):
    x = R.normal(size=(50,)).astype(np.float32)
    w = R.uniform(size=(50,)).astype(np.float32)
    for weights in (None, w):
        got = jnp.histogram(x, weights=weights, **kw)
        want = ref.histogram(x, weights=weights, **kw)
        for g, wt in zip(got, want):
            np.testing.assert_allclose(np.asarray(g), np.asarray(wt), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape,k", [((7,), 3), ((3, 5), 5), ((2, 3, 4), 1), ((4,), 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_top_k(shape, k, dtype):
    x = _data(shape, dtype)
    got, want = lax.top_k(x, k), jax.lax.top_k(x, k)
    for g, w in zip(got, want):
        _eq(g, w)
    if dtype == np.float32 and k:
        x = R.normal(size=shape).astype(np.float32)  # distinct values: a smooth top_k
        w = np.arange(k, dtype=np.float32) + 1

        def f(lib, lx):
            return lambda x: lib.sum(lib.sin(lx.top_k(x, k)[0]) * w)

        np.testing.assert_allclose(
            mlax.grad(f(jnp, lax))(x), jax.grad(f(ref, jax.lax))(x), rtol=1e-6
        )
        for g, e in zip(mlax.vmap(lambda x: lax.top_k(x, k))(x[None]), jax.lax.top_k(x, k)):
            _eq(g[0], e)


def test_top_k_errors():
    with pytest.raises(TypeError, match="no larger than minor dimension"):
        lax.top_k(np.zeros(3, np.float32), 4)
    with pytest.raises(ValueError, match="nonnegative"):
        lax.top_k(np.zeros(3, np.float32), -1)
