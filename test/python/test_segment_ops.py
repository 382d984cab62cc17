"""mlax.ops segment reductions against jax.ops: values over shapes, dtypes,
num_segments, out-of-range ids and buckets; jit, grad, vmap; errors."""

import jax
import mlax
import numpy as np
import pytest

NAMES = ["segment_sum", "segment_prod", "segment_max", "segment_min"]
R = np.random.default_rng(7)


def _data(shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return R.integers(-3, 4, size=shape).astype(dtype)
    return R.normal(size=shape).astype(dtype)


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(6,), (6, 3), (5, 2, 2), (0, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_values_match_jax(name, shape, dtype):
    data = _data(shape, dtype)
    ids = R.integers(0, 4, size=shape[0])
    f, g = getattr(mlax.ops, name), getattr(jax.ops, name)
    for kw in [{"num_segments": 4}, {"num_segments": 6}, {"num_segments": 2}, {}]:
        if not kw and shape[0] == 0:
            continue
        _same(f(data, ids, **kw), g(data, ids, **kw))
    # Ids out of [0, num_segments) are dropped; sorted ids; buckets.
    bad = np.array([-1, 0, 5, 1, 1, 2, 9][: shape[0]])
    if shape[0]:
        _same(f(data, bad, 3), g(data, bad, 3))
    _same(
        f(data, np.sort(ids), 4, indices_are_sorted=True),
        g(data, np.sort(ids), 4, indices_are_sorted=True),
    )
    if shape[0] or name in ("segment_sum", "segment_prod"):
        _same(f(data, ids, 4, bucket_size=2), g(data, ids, 4, bucket_size=2))
    else:  # jax raises for empty max/min buckets; mlax gives the identity as without them
        _same(f(data, ids, 4, bucket_size=2), g(data, ids, 4))


@pytest.mark.parametrize("name", ["segment_max", "segment_min"])
def test_bool_and_unsigned(name):
    f, g = getattr(mlax.ops, name), getattr(jax.ops, name)
    ids = np.array([0, 0, 2, 2])
    for data in (np.array([True, False, False, False]), np.array([3, 1, 7, 0], np.uint8)):
        _same(f(data, ids, 4), g(data, ids, 4))


@pytest.mark.parametrize("name", NAMES)
def test_jit_grad_vmap_match_jax(name):
    f, g = getattr(mlax.ops, name), getattr(jax.ops, name)
    data = _data((7, 3), np.float32)
    ids = np.array([0, 2, 2, 1, 4, 0, 2])
    _same(mlax.jit(f, static_argnums=2)(data, ids, 5), g(data, ids, 5))
    w = _data((5, 3), np.float32)

    def loss(lib, fn):
        return lambda d: (fn(d, ids, 5) * w).sum()

    if name == "segment_prod":  # scatter_mul has no derivative for repeated ids (as in jax)
        with pytest.raises(NotImplementedError, match="unique_indices"):
            mlax.grad(loss(mlax, f))(data)
        with pytest.raises(NotImplementedError):
            jax.grad(loss(jax, g))(data)
        uids = np.array([3, 1, 0, 4, 2, 6, 5])  # unique ids: differentiable
        _same(
            mlax.grad(lambda d: (f(d, uids, 7, unique_indices=True) ** 2).sum())(data),
            jax.grad(lambda d: (g(d, uids, 7, unique_indices=True) ** 2).sum())(data),
        )
        return
    _same(mlax.grad(loss(mlax, f))(data), jax.grad(loss(jax, g))(data))
    datas = np.stack([data, 2 * data, -data])
    _same(mlax.vmap(lambda d: f(d, ids, 5))(datas), jax.vmap(lambda d: g(d, ids, 5))(datas))
    idss = np.stack([ids, ids[::-1], np.zeros_like(ids)])
    _same(
        mlax.vmap(lambda d, i: f(d, i, 5))(datas, idss),
        jax.vmap(lambda d, i: g(d, i, 5))(datas, idss),
    )
    t = _data((7, 3), np.float32)
    got = mlax.jvp(lambda d: f(d, ids, 5), (data,), (t,))
    want = jax.jvp(lambda d: g(d, ids, 5), (data,), (t,))
    _same(got[0], want[0])
    _same(got[1], want[1])


def test_errors():
    data, ids = np.ones(4, np.float32), np.array([0, 1, 1, 0])
    with pytest.raises(mlax.errors.ConcretizationTypeError):
        mlax.jit(mlax.ops.segment_sum)(data, ids)
    with pytest.raises(TypeError, match="position 0"):
        mlax.ops.segment_sum([1.0, 2.0], np.array([0, 1]))
    with pytest.raises(TypeError, match="integers"):
        mlax.ops.segment_sum(data, ids.astype(np.float32), 2)
    with pytest.raises(ValueError, match="non-negative"):
        mlax.ops.segment_sum(data, ids, -1)
    with pytest.raises(ValueError, match="leading size"):
        mlax.ops.segment_sum(data, ids[:3], 2)
