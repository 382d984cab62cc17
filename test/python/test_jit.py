"""mlax.jit: caching, pytrees, static arguments, errors; mlax.Array."""

import collections

import jax
import jax.numpy as jnp_ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest


def test_issue_example_matches_numpy(rng):
    f = mlax.jit(lambda a, b: jnp.tanh(a @ b) + jnp.sum(a))
    a = rng.normal(size=(4, 5)).astype(np.float32)
    b = rng.normal(size=(5, 3)).astype(np.float32)
    out = f(a, b)
    assert isinstance(out, mlax.Array) and out.dtype == np.float32 and out.shape == (4, 3)
    np.testing.assert_allclose(np.asarray(out), np.tanh(a @ b) + a.sum(), rtol=1e-5, atol=1e-5)


def test_cached_call_does_not_retrace():
    calls = []

    def f(x, y):
        calls.append(1)
        return jnp.sin(x) * y

    jf = mlax.jit(f)
    x = np.ones((3,), np.float32)
    jf(x, x)
    jf(x + 1, x)
    jf(jnp.asarray(x), jnp.asarray(x))
    assert len(calls) == 1 and jf.trace_count == 1
    jf(np.ones((4,), np.float32), np.ones((4,), np.float32))  # new shape
    assert len(calls) == 2
    jf(np.ones((4,), np.int32), np.ones((4,), np.float32))  # new dtype
    assert len(calls) == 3
    jf((np.ones((4,), np.float32)), np.float32(2))  # new shape of y
    assert len(calls) == 4


def test_weak_type_is_part_of_the_key():
    jf = mlax.jit(lambda x: x * 2)
    a = jf(3.0)
    assert a.weak_type and a.dtype == np.float32
    b = jf(np.float32(3.0))
    assert not b.weak_type
    assert jf.trace_count == 2


def test_pytrees_in_and_out():
    Point = collections.namedtuple("Point", ["x", "y"])

    @mlax.jit
    def f(params, p):
        return {"sum": params["w"] @ p.x + params["b"], "pair": (p.y * 2, None)}

    params = {"w": np.eye(2, dtype=np.float32), "b": np.ones(2, np.float32)}
    out = f(params, Point(np.array([1.0, 2.0], np.float32), np.float32(3)))
    assert set(out) == {"sum", "pair"} and out["pair"][1] is None
    np.testing.assert_allclose(np.asarray(out["sum"]), [2.0, 3.0])
    np.testing.assert_allclose(np.asarray(out["pair"][0]), 6.0)


def test_static_argnums_and_argnames():
    def f(x, n, *, mode="sin"):
        y = x
        for _ in range(n):
            y = jnp.sin(y) if mode == "sin" else jnp.cos(y)
        return y

    jf = mlax.jit(f, static_argnums=1, static_argnames="mode")
    x = np.float32(0.5)
    np.testing.assert_allclose(np.asarray(jf(x, 3)), np.sin(np.sin(np.sin(0.5))), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jf(x, 2, mode="cos")), np.cos(np.cos(0.5)), rtol=1e-6)
    jf(x, 3)
    assert jf.trace_count == 2


def test_decorator_with_options():
    @mlax.jit(static_argnums=(1,))
    def f(x, k):
        return x * k

    assert float(f(np.float32(2), 3)) == 6.0


def test_returns_inputs_and_constants():
    f = mlax.jit(lambda x: (x, 1.5, np.arange(3)))
    x, c, r = f(np.float32(4))
    assert float(x) == 4.0 and float(c) == 1.5 and c.weak_type
    np.testing.assert_array_equal(np.asarray(r), [0, 1, 2])
    assert r.dtype == np.int32  # 64-bit inputs narrow without x64


def test_closure_over_arrays():
    w = jnp.asarray(np.arange(3, dtype=np.float32))
    f = mlax.jit(lambda x: w * x)
    np.testing.assert_allclose(np.asarray(f(np.float32(2))), [0, 2, 4])


def test_nested_jit_is_inlined():
    inner = mlax.jit(lambda x: x + 1)
    outer = mlax.jit(lambda x: inner(x) * 2)
    assert float(outer(np.float32(1))) == 4.0
    text = str(outer.lower(np.float32(1)))
    assert "func.call" not in text and text.count("func.func") == 1


def test_python_control_flow_on_tracer_raises():
    @mlax.jit
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(mlax.ConcretizationTypeError, match="Abstract tracer value"):
        f(np.float32(1))


def test_tracer_escape_is_an_error():
    leaked = []
    mlax.jit(lambda x: leaked.append(x) or x)(np.float32(1))
    with pytest.raises(mlax.errors.UnexpectedTracerError, match="unexpected tracer"):
        mlax.jit(lambda y: y + leaked[0])(np.float32(1))
    with pytest.raises(mlax.errors.UnexpectedTracerError, match="float32"):
        jnp.sin(leaked[0])


def test_bad_argument_types():
    f = mlax.jit(lambda x: x)
    with pytest.raises(TypeError, match="not a valid mlax array type"):
        f("hello")
    with pytest.raises(TypeError, match="expects a callable"):
        mlax.jit(3)


def test_shape_errors_name_the_problem():
    f = mlax.jit(lambda a, b: a @ b)
    with pytest.raises(TypeError, match="mismatch"):
        f(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))
    # JAX: same rank fails in the lax op (TypeError), different ranks in
    # broadcast_shapes (ValueError).
    with pytest.raises(TypeError, match="Incompatible shapes for broadcasting"):
        mlax.jit(lambda a, b: a + b)(np.ones(2, np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
        mlax.jit(lambda a, b: a + b)(np.ones((2, 2), np.float32), np.ones(3, np.float32))
    with pytest.raises(TypeError, match="dot_general requires contracting"):
        mlax.lax.dot_general(
            np.ones((2, 3), np.float32), np.ones((2, 3), np.float32), (((1,), (0,)), ((), ()))
        )


def test_lower_and_make_mlir():
    f = mlax.jit(lambda x: jnp.sin(x) * 2.0)
    lowered = f.lower(np.ones(3, np.float32))
    assert "mlax.sine" in lowered.as_text()
    assert "stablehlo.sine" in lowered.as_text("stablehlo")
    text = str(mlax.make_mlir(lambda x: jnp.cos(x))(np.ones(2, np.float32)))
    assert "mlax.cosine" in text and "func.func @main" in text


@pytest.mark.parametrize(
    "value",
    [
        np.array([1.0, 2.0], np.float32),
        np.float32(3.0),
        np.arange(6).reshape(2, 3),
        np.array([True, False]),
        np.zeros((0, 3), np.float32),
        np.linspace(0, 1, 40, dtype=np.float32).reshape(4, 10),
    ],
)
def test_array_repr_matches_jax(value):
    assert repr(jnp.asarray(value)) == repr(jnp_ref.asarray(value))
    assert str(jnp.asarray(value)) == str(jnp_ref.asarray(value))


def test_weak_scalar_repr_matches_jax():
    assert repr(jnp.asarray(3.0)) == repr(jnp_ref.asarray(3.0))
    assert repr(jnp.asarray(3.0)) == "Array(3., dtype=float32, weak_type=True)"


def test_array_protocol():
    a = jnp.asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert a.shape == (2, 3) and a.ndim == 2 and a.size == 6 and a.dtype == np.float32
    assert np.asarray(a).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert a.block_until_ready() is a
    assert float(jnp.asarray(2.5)) == 2.5 and int(jnp.asarray(7)) == 7
    assert len(a) == 2 and [float(v.sum()) for v in a] == [3.0, 12.0]
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a)


def test_eager_ops_are_cached():
    from mlax._src import core

    x = jnp.asarray(np.ones(5, np.float32))
    jnp.sin(x)
    n = len(core._eager_cache)
    for _ in range(3):
        jnp.sin(x)
    assert len(core._eager_cache) == n


def test_complex_constants():
    f = mlax.jit(lambda z: z * (1 + 2j))
    z = np.array([1 + 1j, 2 - 1j], np.complex64)
    np.testing.assert_allclose(np.asarray(f(z)), z * (1 + 2j), rtol=1e-6)
    c = mlax.jit(lambda: np.array([1 + 2j, 3 - 4j], np.complex64))()
    np.testing.assert_allclose(np.asarray(c), [1 + 2j, 3 - 4j])


def test_registered_pytree_classes():
    from mlax import tree_util

    @tree_util.register_pytree_node_class
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

        def tree_flatten(self):
            return (self.a, self.b), "pair"

        @classmethod
        def tree_unflatten(cls, aux, children):
            assert aux == "pair"
            return cls(*children)

    class Box:
        def __init__(self, v):
            self.v = v

    tree_util.register_pytree_node(Box, lambda b: ((b.v,), None), lambda _, c: Box(*c))
    p = Pair(np.float32(2.0), Box(np.float32(3.0)))
    leaves, tree = tree_util.tree_flatten(p)
    assert [float(x) for x in leaves] == [2.0, 3.0]
    out = mlax.jit(lambda p: Pair(p.a * p.b.v, Box(p.a + p.b.v)))(p)
    assert isinstance(out, Pair) and isinstance(out.b, Box)
    assert float(out.a) == 6.0 and float(out.b.v) == 5.0
    g = mlax.grad(lambda p: p.a * p.b.v)(p)
    assert isinstance(g, Pair) and float(g.a) == 3.0 and float(g.b.v) == 2.0
    doubled = tree_util.tree_map(lambda x: x * 2, p)
    assert float(doubled.b.v) == 6.0


def test_jitted_methods_bind_the_instance():
    import functools

    class Scale:
        def __init__(self, k):
            self.k = k

        def __hash__(self):
            return hash(self.k)

        def __eq__(self, other):
            return isinstance(other, Scale) and other.k == self.k

        @functools.partial(mlax.jit, static_argnums=0)
        def apply(self, x):
            return x * self.k

    x = jnp.arange(3.0)
    np.testing.assert_allclose(np.asarray(Scale(2.0).apply(x)), [0.0, 2.0, 4.0])
    np.testing.assert_allclose(np.asarray(Scale(3.0).apply(x)), [0.0, 3.0, 6.0])
    assert Scale.apply.trace_count == 2
    np.testing.assert_allclose(np.asarray(Scale.apply(Scale(2.0), x)), [0.0, 2.0, 4.0])
    assert Scale.apply.trace_count == 2


def test_python_scalars_fold_into_constants_of_the_right_type():
    """`x * 1 + 2` with weak Python ints: the int constants convert exactly at
    compile time (the convert folder), so x * 1 folds away too."""
    for dtype in (np.float32, np.float16, jnp.bfloat16, np.int8, np.uint8):
        x = np.arange(3).astype(dtype)
        f = mlax.jit(lambda x: x * 1 + 2)
        text = f.lower(x).as_text("stablehlo")
        assert "convert" not in text and "multiply" not in text, text
        np.testing.assert_array_equal(np.asarray(f(x)), np.asarray(jax.jit(lambda x: x * 1 + 2)(x)))
        assert f(x).dtype == dtype
