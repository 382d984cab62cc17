"""Values that were silently wrong (issue: reliability), now equal to jax's:
complex reductions/comparisons/statistics/rounding, integer floor division
by zero, while_loop weak-type promotion, linear_transpose of linear
functions with closures and pytrees."""

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

C = np.array([[1 + 2j, -0.5 + 0.3j, 2 - 1j], [0.25j, -3 + 0j, 1 + 2.5j]], np.complex64)


def _same(got, want, rtol=1e-6, atol=1e-6):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, (g, w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "name", ["max", "min", "var", "std", "mean", "round", "less", "greater_equal", "equal"]
)
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_complex(name, axis):
    if name in ("less", "greater_equal", "equal"):
        _same(getattr(jnp, name)(C, C[::-1]), getattr(ref, name)(C, C[::-1]))
    elif name == "round":
        _same(jnp.round(C * 1.37), ref.round(C * 1.37))
        _same(jnp.round(C * 1.37, 1), ref.round(C * 1.37, 1))
    else:
        _same(getattr(jnp, name)(C, axis=axis), getattr(ref, name)(C, axis=axis))


def test_complex_reduce_max_jit_and_vmap():
    _same(mlax.jit(lambda c: lax.reduce_max(c, (1,)))(C), jax.lax.reduce_max(C, (1,)))
    _same(mlax.vmap(jnp.min)(C), jax.vmap(ref.min)(C))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint32])
def test_integer_floor_divide_and_remainder(dtype):
    x = np.array([7, -7, 0, 5, -5, 6], dtype if dtype != np.uint32 else np.int64).astype(dtype)
    y = np.array([0, 0, 0, -2, 2, 3], dtype if dtype != np.uint32 else np.int64).astype(dtype)
    _same(jnp.floor_divide(x, y), ref.floor_divide(x, y))
    _same(jnp.asarray(x) // y, ref.asarray(x) // y)
    _same(mlax.jit(jnp.remainder)(x, y), ref.remainder(x, y))


def test_round_decimals_and_integers():
    x = np.array([1.2345, -2.5, 0.5, 1.5, 123.456], np.float32)
    for d in (0, 1, 2, -1):
        _same(jnp.round(x, d), ref.round(x, d))
    i = np.array([1, -2, 35], np.int32)
    _same(jnp.round(i), ref.round(i))


@pytest.mark.parametrize("case", range(4))
def test_while_loop_weak_carry_promotion(case):
    def run(m):
        lx = m.lax
        return [
            lambda: lx.while_loop(lambda c: c < 1, lambda c: c + 0.75, 0),
            lambda: lx.while_loop(lambda c: c[1] < 4, lambda c: (c[0] + 0.75, c[1] + 1), (0, 0)),
            lambda: lx.fori_loop(0, 3, lambda i, c: c + 0.5, 0),
            lambda: lx.fori_loop(0, 4, lambda i, c: c * 1.5 + i, 1),
        ][case]()

    got, want = run(mlax), run(jax)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        assert g.weak_type == w.weak_type, (g, w)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w))


def test_while_loop_promotion_under_jit_and_grad():
    f = lambda x: lax.fori_loop(0, 3, lambda i, c: c + x * 0.5, 0)  # noqa: E731
    g = lambda x: jax.lax.fori_loop(0, 3, lambda i, c: c + x * 0.5, 0)  # noqa: E731
    _same(mlax.jit(f)(np.float32(2.0)), jax.jit(g)(np.float32(2.0)))
    _same(mlax.grad(f)(np.float32(2.0)), jax.grad(g)(np.float32(2.0)))


def test_linear_transpose_of_linear_functions(rng):
    w = rng.normal(size=(3, 4)).astype(np.float32)
    x = np.ones(4, np.float32)
    ct = rng.normal(size=3).astype(np.float32)
    f_m = lambda v: jnp.asarray(w) @ v * 2.0 - v[:3]  # noqa: E731
    f_j = lambda v: ref.asarray(w) @ v * 2.0 - v[:3]  # noqa: E731
    _same(mlax.linear_transpose(f_m, x)(ct), jax.linear_transpose(f_j, x)(ct), rtol=1e-5)
    _same(
        mlax.jit(lambda c: mlax.linear_transpose(f_m, x)(c))(ct),
        jax.linear_transpose(f_j, x)(ct),
        rtol=1e-5,
    )
    tree = (1.0, {"b": np.ones(2, np.float32)})
    g_m = lambda a, d: (a * 3.0 + jnp.sum(d["b"]), d["b"] * a if False else -d["b"])  # noqa: E731
    g_j = lambda a, d: (a * 3.0 + ref.sum(d["b"]), -d["b"])  # noqa: E731
    cts = (np.float32(2.0), np.array([1.0, -1.0], np.float32))
    _same(mlax.linear_transpose(g_m, *tree)(cts), jax.linear_transpose(g_j, *tree)(cts))
    # Batched: vmap over cotangents.
    cts3 = rng.normal(size=(5, 3)).astype(np.float32)
    _same(
        mlax.vmap(mlax.linear_transpose(f_m, x))(cts3),
        jax.vmap(jax.linear_transpose(f_j, x))(cts3),
        rtol=1e-5,
    )


def test_vdot_conjugates_and_concatenate_axis_none(rng):
    x = (rng.normal(size=3) + 1j * rng.normal(size=3)).astype(np.complex64)
    y = (rng.normal(size=3) + 1j * rng.normal(size=3)).astype(np.complex64)
    _same(jnp.vdot(x, y), ref.vdot(x, y), rtol=1e-6)
    _same(jnp.vdot(x.reshape(1, 3), y), ref.vdot(x.reshape(1, 3), y), rtol=1e-6)
    parts = [np.ones((2, 2), np.float32), np.arange(3, dtype=np.float32)]
    _same(jnp.concatenate(parts, axis=None), ref.concatenate(parts, axis=None))


@pytest.mark.parametrize(
    "sx,sy", [((2, 3), ()), ((), (4,)), ((2, 3), (2, 1)), ((2, 1), (1, 3)), ((1,), (5,))]
)
@pytest.mark.parametrize("name", ["add", "max", "mul", "lt"])
def test_lax_binary_broadcasting_as_jax(sx, sy, name, rng):
    x = rng.normal(size=sx).astype(np.float32)
    y = rng.normal(size=sy).astype(np.float32)
    _same(getattr(mlax.lax, name)(x, y), getattr(jax.lax, name)(x, y))
    if name != "lt":
        gm = mlax.grad(lambda a, b: jnp.sum(getattr(mlax.lax, name)(a, b)), (0, 1))(x, y)
        gj = jax.grad(lambda a, b: ref.sum(getattr(jax.lax, name)(a, b)), (0, 1))(x, y)
        _same(gm, gj)
    _same(mlax.lax.max(x, 0.0), jax.lax.max(x, 0.0))


@pytest.mark.parametrize("sx,sy", [((2, 3), (3,)), ((2,), (3,)), ((2, 3), (3, 2))])
def test_lax_binary_incompatible_shapes_raise(sx, sy):
    x, y = np.ones(sx, np.float32), np.ones(sy, np.float32)
    with pytest.raises(TypeError):
        jax.lax.add(x, y)
    with pytest.raises(TypeError, match="dimensions|shapes"):
        mlax.lax.add(x, y)
