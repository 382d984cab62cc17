"""Indexing and x.at[] against jax: every index form, under jit, grad and
vmap; lax.gather / lax.scatter* with their modes and batching dimensions;
the error cases."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

X = np.arange(60, dtype=np.float32).reshape(3, 4, 5) / 7.0
I = np.array([2, 0, -1, 1])
J = np.array([[0], [3]])

INDEXERS = {
    "int_array": lambda x: x[I],
    "second_dim": lambda x: x[:, I],
    "ellipsis_last": lambda x: x[..., I],
    "int_and_array": lambda x: x[1, I],
    "two_adjacent": lambda x: x[:, J, I],
    "non_adjacent": lambda x: x[J, :, I[:2]],
    "with_none": lambda x: x[None, :, I],
    "none_between": lambda x: x[J, None, I[:2]],
    "reversed_slice_and_array": lambda x: x[::-1, I, 1:4],
    "bool_mask": lambda x: x[np.array([True, False, True])],
    "bool_mask_2d": lambda x: x[np.arange(12).reshape(3, 4) % 3 == 0],
    "all_ints_array": lambda x: x[0, 1, I],
    "scalar_array": lambda x: x[np.int32(2)],
    "negative_strided": lambda x: x[-1, ::-2],
    "array_0d": lambda x: x[:, np.array(3)],
}


@pytest.mark.parametrize("name", sorted(INDEXERS))
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16])
def test_getitem_matches_jax(name, dtype):
    f = INDEXERS[name]
    x = (X * 7).astype(dtype)
    got, want = f(jnp.asarray(x)), f(ref.asarray(x))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    np.testing.assert_array_equal(np.asarray(mlax.jit(f)(x)), np.asarray(want))


def test_traced_indices_under_jit_grad_vmap(rng):
    x = rng.normal(size=(6, 3)).astype(np.float32)
    idx = np.array([5, 0, -2, 5], np.int32)
    f = lambda x, i: (x[i] ** 2).sum()  # noqa: E731
    g = lambda x, i: (ref.asarray(x)[i] ** 2).sum()  # noqa: E731
    np.testing.assert_allclose(float(mlax.jit(f)(x, idx)), float(jax.jit(g)(x, idx)), rtol=1e-6)
    # Repeated indices accumulate in the gradient (the gather's transpose).
    np.testing.assert_allclose(
        np.asarray(mlax.grad(f)(x, idx)), np.asarray(jax.grad(g)(x, idx)), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(mlax.jit(mlax.grad(f))(x, idx)), np.asarray(jax.grad(g)(x, idx)), rtol=1e-6
    )
    idxs = np.array([[0, 1], [2, 2], [5, -1]], np.int32)
    xs = rng.normal(size=(3, 6, 3)).astype(np.float32)
    for in_axes, args in [
        ((None, 0), (x, idxs)),
        ((0, None), (xs, idx)),
        ((0, 0), (xs, idxs)),
        ((2, 1), (np.moveaxis(xs, 0, 2), idxs.T)),
    ]:
        got = mlax.vmap(lambda x, i: x[i], in_axes)(*args)
        want = jax.vmap(lambda x, i: ref.asarray(x)[i], in_axes)(*args)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        got = mlax.vmap(mlax.grad(f), in_axes)(*args)
        want = jax.vmap(jax.grad(g), in_axes)(*args)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # jvp and forward-over-reverse
    t = rng.normal(size=x.shape).astype(np.float32)
    got = mlax.jvp(lambda x: x[idx], (x,), (t,))
    want = jax.jvp(lambda x: x[idx], (x,), (t,))
    np.testing.assert_allclose(np.asarray(got[1]), np.asarray(want[1]), rtol=1e-6)
    got = mlax.hessian(lambda x: (x[idx] ** 3).sum())(x)
    want = jax.hessian(lambda x: (x[idx] ** 3).sum())(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)


UPDATES = ["set", "add", "subtract", "multiply", "divide", "min", "max"]


@pytest.mark.parametrize("op", UPDATES)
@pytest.mark.parametrize(
    "index",
    [
        lambda: np.array([1, 1, 3]),  # duplicates
        lambda: (slice(None), np.array([0, -1])),
        lambda: np.s_[1:, ::2],
        lambda: (2, 1),
        lambda: np.array([4, 9, -9]),  # out of bounds: dropped
        lambda: (np.array([[0], [2]]), np.array([1, 3])),
    ],
)
def test_at_updates_match_jax(rng, op, index):
    x = rng.normal(size=(4, 5)).astype(np.float32)
    idx = index()
    shape = np.asarray(
        np.zeros((4, 5))[idx if not isinstance(idx, np.ndarray) else np.clip(idx, -4, 3)]
    ).shape
    v = rng.uniform(0.5, 2.0, size=shape).astype(np.float32)
    got = getattr(jnp.asarray(x).at[idx], op)(v)
    want = getattr(ref.asarray(x).at[idx], op)(v)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # scalar values broadcast; under jit
    got = mlax.jit(lambda x: getattr(x.at[idx], op)(1.5))(x)
    want = getattr(ref.asarray(x).at[idx], op)(1.5)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)


WINDOWS = {
    "int, int": (2, 1),
    "int": 1,
    "negative int": -1,
    "slice": np.s_[1:3],
    "two slices": np.s_[1:, 2:4],
    "None, int": (None, 1),
    "ellipsis, int": (Ellipsis, -2),
    "int, None, slice": (3, None, np.s_[:2]),
    "empty slice": np.s_[3:1],
    "slice past the end": np.s_[5:],
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16, np.bool_])
def test_window_updates_match_jax(rng, name, dtype):
    """Static integers and unit-step slices index one window: written with
    dynamic_update_slice (no scatter), with JAX's values for every op."""
    idx = WINDOWS[name]
    x = (rng.normal(size=(4, 5)) * 4).astype(dtype)
    shape = np.zeros((4, 5))[idx].shape
    v = (rng.uniform(0.5, 2.0, size=shape) * 3).astype(dtype)
    ops = ["set"] if dtype == np.bool_ else UPDATES
    if dtype == np.int32:
        ops = [op for op in ops if op != "divide"]
    for op in ops:
        got = getattr(jnp.asarray(x).at[idx], op)(v)
        want = getattr(ref.asarray(x).at[idx], op)(v)
        assert got.dtype == want.dtype, op
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-3, err_msg=op)
        f = mlax.jit(lambda x, v, op=op: getattr(x.at[idx], op)(v))
        np.testing.assert_allclose(np.asarray(f(x, v)), np.asarray(want), rtol=2e-3, err_msg=op)
        text = f.lower(x, v).as_text()
        assert "scatter" not in text, (op, text)
        if shape and 0 not in shape:
            assert "dynamic_update_slice" in text, (op, text)


def test_updates_combine_in_the_promoted_dtype():
    """As JAX: values of a wider dtype combine with x in the promoted dtype
    and the result converts back (int x.at[0].mul(2.7) is int(x[0] * 2.7));
    mode="clip" clamps static integers; bool x cannot add or multiply."""
    import warnings

    for idx in (0, np.array([0])):
        for op, v in (("multiply", 2.7), ("add", 1e10), ("min", 1.5), ("max", 2.5), ("set", 9.9)):
            got = getattr(jnp.asarray([2, 3], jnp.int32).at[idx], op)(v)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = getattr(ref.asarray([2, 3], ref.int32).at[idx], op)(v)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=f"{op} {idx}")
    x16 = jnp.zeros(3, jnp.float16).at[1].add(np.float32(1.0))
    assert x16.dtype == np.float16 and not x16.aval.weak_type
    weak = jnp.asarray(2).at[()].mul(2.5)
    assert int(weak) == 5 and weak.aval.weak_type  # x's weak type is kept
    for i, want in ((5, [2, 9]), (-5, [9, 3])):
        got = jnp.asarray([2, 3]).at[i].set(9, mode="clip")
        np.testing.assert_array_equal(np.asarray(got), want)
        np.testing.assert_array_equal(
            np.asarray(ref.asarray([2, 3]).at[i].set(9, mode="clip")), want
        )
    for op in ("add", "multiply", "subtract"):
        with pytest.raises(TypeError, match="bool"):
            getattr(jnp.asarray([True, False]).at[0], op)(True)
    for op in ("set", "min", "max"):  # as in JAX
        getattr(jnp.asarray([True, False]).at[0], op)(True)


@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max"])
def test_window_update_gradients_match_jax(rng, op):
    x = rng.normal(size=(4, 5)).astype(np.float32)
    v = rng.normal(size=(2, 3)).astype(np.float32)

    def f(lib):
        return lambda x, v: (lib.sin(getattr(lib.asarray(x).at[1:3, 2:], op)(v)) ** 2).sum()

    for argnums in (0, 1):
        got = mlax.grad(f(jnp), argnums)(x, v)
        want = jax.grad(f(ref), argnums)(x, v)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    t = (rng.normal(size=x.shape).astype(np.float32), rng.normal(size=v.shape).astype(np.float32))
    got = mlax.jvp(f(jnp), (x, v), t)
    want = jax.jvp(f(ref), (x, v), t)
    np.testing.assert_allclose(float(got[1]), float(want[1]), rtol=1e-5)
    xs = rng.normal(size=(3, 4, 5)).astype(np.float32)
    vs = rng.normal(size=(3, 2, 3)).astype(np.float32)
    got = mlax.vmap(f(jnp))(xs, vs)
    want = jax.vmap(f(ref))(xs, vs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    got = mlax.vmap(mlax.grad(f(jnp)), (0, None))(xs, v)
    want = jax.vmap(jax.grad(f(ref)), (0, None))(xs, v)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max"])
def test_at_gradients_match_jax(rng, op):
    x = rng.normal(size=(5, 3)).astype(np.float32)
    v = rng.normal(size=(3, 3)).astype(np.float32)
    kw = {"unique_indices": True} if op == "multiply" else {}
    idx = np.array([4, 0, 2]) if op == "multiply" else np.array([4, 0, 4])

    def f(lib):
        def loss(x, v):
            y = getattr(lib.asarray(x).at[idx], op)(v, **kw)
            return (lib.sin(y) * y).sum()

        return loss

    for argnums in (0, 1):
        got = mlax.grad(f(jnp), argnums)(x, v)
        want = jax.grad(f(ref), argnums)(x, v)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    tx, tv = (
        rng.normal(size=x.shape).astype(np.float32),
        rng.normal(size=v.shape).astype(np.float32),
    )
    got = mlax.jvp(f(jnp), (x, v), (tx, tv))
    want = jax.jvp(f(ref), (x, v), (tx, tv))
    np.testing.assert_allclose(float(got[1]), float(want[1]), rtol=1e-5)
    # per-example (vmapped) updates
    xs = rng.normal(size=(2, 5, 3)).astype(np.float32)
    got = mlax.vmap(mlax.grad(f(jnp)), (0, None))(xs, v)
    want = jax.vmap(jax.grad(f(ref)), (0, None))(xs, v)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)


def test_set_with_duplicates_differentiates_the_winner():
    # Only the update that lands gets a cotangent (JAX's id scheme).
    x = np.zeros(3, np.float32)
    v = np.array([1.0, 2.0, 3.0], np.float32)
    idx = np.array([1, 1, 2])
    got = mlax.grad(lambda v: (jnp.asarray(x).at[idx].set(v) * np.array([1.0, 10.0, 100.0])).sum())(
        v
    )
    want = jax.grad(lambda v: (ref.asarray(x).at[idx].set(v) * np.array([1.0, 10.0, 100.0])).sum())(
        v
    )
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_at_get_modes():
    x = jnp.arange(5.0)
    idx = np.array([1, 7, -9])
    for mode, fill in [(None, None), ("clip", None), ("fill", None), ("fill", -1.0)]:
        got = x.at[idx].get(mode=mode, fill_value=fill)
        want = ref.arange(5.0).at[idx].get(mode=mode, fill_value=fill)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    # clip mode clamps explicitly, so the gradient reaches the element read
    got = mlax.grad(lambda x: x.at[np.array([7])].get(mode="clip").sum())(x)
    want = jax.grad(lambda x: x.at[np.array([7])].get(mode="clip").sum())(ref.arange(5.0))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_lax_gather_scatter_with_batching_dims(rng):
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    i = np.array([[[4], [1]], [[0], [0]]], np.int32)  # (2, 2, 1)
    dn = lax.GatherDimensionNumbers(
        offset_dims=(2,),
        collapsed_slice_dims=(1,),
        start_index_map=(1,),
        operand_batching_dims=(0,),
        start_indices_batching_dims=(0,),
    )
    jdn = jax.lax.GatherDimensionNumbers(
        offset_dims=(2,),
        collapsed_slice_dims=(1,),
        start_index_map=(1,),
        operand_batching_dims=(0,),
        start_indices_batching_dims=(0,),
    )
    got = lax.gather(x, i, dn, (1, 1, 3))
    want = jax.lax.gather(x, i, jdn, (1, 1, 3))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    u = rng.normal(size=(2, 2, 3)).astype(np.float32)
    sdn = lax.ScatterDimensionNumbers(
        update_window_dims=(2,),
        inserted_window_dims=(1,),
        scatter_dims_to_operand_dims=(1,),
        operand_batching_dims=(0,),
        scatter_indices_batching_dims=(0,),
    )
    jsdn = jax.lax.ScatterDimensionNumbers(
        update_window_dims=(2,),
        inserted_window_dims=(1,),
        scatter_dims_to_operand_dims=(1,),
        operand_batching_dims=(0,),
        scatter_indices_batching_dims=(0,),
    )
    for name in ["scatter_add", "scatter_mul", "scatter_min", "scatter_max", "scatter"]:
        got = getattr(lax, name)(x, i, u, sdn)
        want = getattr(jax.lax, name)(x, i, u, jsdn)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    # gradients of scatter-add through both operands, and of gather
    got = mlax.grad(lambda x, u: (lax.scatter_add(x, i, u, sdn) ** 2).sum(), (0, 1))(x, u)
    want = jax.grad(lambda x, u: (jax.lax.scatter_add(x, i, u, jsdn) ** 2).sum(), (0, 1))(x, u)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_scatter_extremal_ties_match_jax():
    x = np.array([1.0, 5.0, 2.0, 0.0], np.float32)
    u = np.array([5.0, 5.0, 3.0, -1.0], np.float32)
    i = np.array([[1], [1], [2], [3]], np.int32)
    sdn = lax.ScatterDimensionNumbers((), (0,), (0,))
    jsdn = jax.lax.ScatterDimensionNumbers((), (0,), (0,))
    w = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    for name in ["scatter_max", "scatter_min"]:
        got = mlax.grad(lambda x, u: (getattr(lax, name)(x, i, u, sdn) * w).sum(), (0, 1))(x, u)
        want = jax.grad(lambda x, u: (getattr(jax.lax, name)(x, i, u, jsdn) * w).sum(), (0, 1))(
            x, u
        )
        for a, b in zip(got, want):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


def test_finite_differences_of_updates():
    x = np.linspace(0.1, 1.0, 6)
    idx = np.array([0, 3, 3, 5])

    def f(x):
        y = jnp.asarray(x).at[idx].multiply(np.array([2.0, 3.0, 0.5, 1.5]))
        return jnp.sum(jnp.sin(y.at[idx[:2]].max(0.4)) * y[np.array([1, 3])].sum())

    mlax.config.update("mlax_enable_x64", True)
    try:
        g = np.asarray(mlax.grad(f)(x))
        eps = 1e-6
        for k in range(6):
            e = np.zeros(6)
            e[k] = eps
            fd = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
            np.testing.assert_allclose(g[k], fd, rtol=1e-5, atol=1e-8)
    finally:
        mlax.config.update("mlax_enable_x64", False)


def test_indexing_errors():
    x = jnp.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="non-tuple sequence for multidimensional indexing"):
        x[[0, 1]]
    with pytest.raises(
        IndexError, match="too many indices for array: array is 2-dimensional, but 3 were indexed"
    ):
        x[0, 1, 2]
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 1 with size 3"):
        x[0, 5]
    with pytest.raises(
        TypeError, match="Indexer must have integer or boolean type, got indexer with type float32"
    ):
        x[np.array([0.5], np.float32)]
    with pytest.raises(
        IndexError,
        match="Array boolean indices must be concrete; got "
        r"bool\[2\]",
    ):
        mlax.jit(lambda x, m: x[m])(x, np.array([True, False]))
    with pytest.raises(
        ValueError,
        match=r"values of shape \(4,\) cannot be broadcast to the "
        r"indexed shape \(2,\)",
    ):
        x.at[0, np.array([0, 1])].set(jnp.ones(4))
    with pytest.raises(TypeError, match="divide\\(\\) requires a floating-point"):
        jnp.arange(3).at[0].divide(2)
    with pytest.raises(TypeError, match="gather: start_index_map"):
        lax.gather(
            x, np.zeros((2, 2), np.int32), lax.GatherDimensionNumbers((1,), (0,), (0,)), (1, 3)
        )
    with pytest.raises(TypeError, match="scatter_add: updates shape"):
        lax.scatter_add(
            x,
            np.zeros((2, 1), np.int32),
            jnp.ones((3, 3)),
            lax.ScatterDimensionNumbers((1,), (0,), (0,)),
        )
    with pytest.raises(
        ValueError, match="scatter_mul gradients are only implemented if `unique_indices=True`"
    ):
        mlax.grad(lambda v: x.at[0, np.array([1, 1])].multiply(v).sum())(jnp.ones(2))


def test_out_of_range_gather_gradient_goes_to_the_element_read():
    # Gather clamps out-of-range starts; its transpose clamps them too, so the
    # cotangent reaches the element whose value was read (JAX's default
    # "promise_in_bounds" drops it; mode="clip" agrees with mlax).
    x = jnp.arange(5.0)
    got = mlax.grad(lambda x: (x[np.array([7, 1])] * np.array([2.0, 3.0])).sum())(x)
    np.testing.assert_array_equal(np.asarray(got), [0.0, 3.0, 0.0, 0.0, 2.0])
    want = jax.grad(
        lambda x: (x.at[np.array([7, 1])].get(mode="clip") * np.array([2.0, 3.0])).sum()
    )(ref.arange(5.0))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
