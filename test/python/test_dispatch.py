"""The C++ dispatch of cached jitted calls (runtime.fast_jit): every replayed
call must give what the Python path gives, and every case it cannot replay
must fall back to Python."""

from __future__ import annotations

import collections
import threading

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import tree_util
from mlax.mlir.dialects import mlax as mlax_d

F32 = np.float32


def _calls(f, *args, n=4, **kwargs):
    return [f(*args, **kwargs) for _ in range(n)]


def test_replayed_calls_do_not_retrace():
    f = mlax.jit(lambda x, y: x * y + 1)
    x = jnp.arange(3.0)
    for out in _calls(f, x, x):
        np.testing.assert_allclose(np.asarray(out), [1, 2, 5])
    assert f.trace_count == 1
    assert type(f(x, x)) is mlax.Array


def test_weak_type_is_part_of_the_signature():
    f = mlax.jit(lambda x: x + np.float16(1))
    weak = jnp.asarray(1.0)  # weakly typed, as jax's
    strong = jnp.asarray(np.float32(1.0))
    for _ in range(3):
        assert f(weak).dtype == ref.asarray(1.0).astype(np.float16).dtype
        assert f(strong).dtype == F32
    out = mlax.jit(lambda x: x)(weak)
    assert mlax.typeof(out).weak_type and not mlax.typeof(f(strong)).weak_type


def test_numpy_and_python_scalars_as_jax():
    f = mlax.jit(lambda x, y: x * y)
    g = jax.jit(lambda x, y: x * y)
    cases = [
        (np.ones(3, np.float64), 2),
        (np.ones(3, np.int64), 2),
        (np.ones(3, np.int64), 2.5),
        (np.float32(3), True),
        (np.ones((2, 2), np.uint8), np.uint8(3)),
        (1, 2),
        (1.5, 2),
    ]
    for _ in range(3):
        for a, b in cases:
            got, want = f(a, b), g(a, b)
            assert got.dtype == want.dtype and got.shape == want.shape, (a, b)
            assert mlax.typeof(got).weak_type == want.aval.weak_type, (a, b)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_keyword_and_static_arguments():
    def fun(a, n, b, *, c, scale=1.0):
        return (a * n + b * 10 + c * 100) * scale

    f = mlax.jit(fun, static_argnums=1, static_argnames="scale")
    a, b, c = jnp.ones(2), jnp.full(2, 2.0), jnp.full(2, 3.0)
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(f(a, 2, c=c, b=b)), [322, 322])
        np.testing.assert_allclose(np.asarray(f(a, 3, b, c=c)), [323, 323])
        np.testing.assert_allclose(np.asarray(f(a, 2, c=c, b=b, scale=2.0)), [644, 644])
        np.testing.assert_allclose(np.asarray(f(b=b, c=c, a=a, n=1)), [321, 321])


def test_pytrees_of_every_kind():
    Point = collections.namedtuple("Point", "x y")

    @tree_util.register_pytree_node_class
    class Box:
        def __init__(self, v, tag):
            self.v, self.tag = v, tag

        def tree_flatten(self):
            return (self.v,), self.tag

        @classmethod
        def tree_unflatten(cls, tag, ch):
            return cls(ch[0], tag)

    def fun(t):
        p, od, box, none, lst = t
        return {
            "p": Point(p.y, p.x),
            "od": collections.OrderedDict((k, v * 2) for k, v in od.items()),
            "box": Box(box.v * (2 if box.tag == "a" else 3), box.tag),
            "none": none,
            "sum": sum(lst),
        }

    f = mlax.jit(fun)
    x = jnp.ones(2)
    od = collections.OrderedDict([("z", x), ("a", 2 * x)])
    for tag, k in [("a", 2), ("b", 3), ("a", 2)]:
        out = f((Point(x, 2 * x), od, Box(x, tag), None, [x, x, 1.0]))
        assert isinstance(out["p"], Point) and isinstance(out["box"], Box)
        assert out["box"].tag == tag and out["none"] is None
        np.testing.assert_allclose(np.asarray(out["box"].v), [k, k])
        assert list(out["od"]) == ["z", "a"]
        np.testing.assert_allclose(np.asarray(out["od"]["a"]), [4, 4])
        np.testing.assert_allclose(np.asarray(out["p"].x), [2, 2])
        np.testing.assert_allclose(np.asarray(out["sum"]), [3, 3])
    assert f.trace_count == 2


def test_type_registered_after_the_first_call():
    f = mlax.jit(lambda t: t.v * 2 if hasattr(t, "v") else t * 2)
    f(jnp.ones(2))

    class Late:
        def __init__(self, v):
            self.v = v

    tree_util.register_pytree_node(Late, lambda t: ((t.v,), None), lambda _, c: Late(c[0]))
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(f(Late(jnp.ones(2)))), [2, 2])


def test_config_changes_are_seen():
    f = mlax.jit(lambda x: x * 2)
    x = np.ones(2, np.float64)
    assert f(x).dtype == F32
    with mlax.enable_x64(True):
        for _ in range(2):
            assert f(x).dtype == np.float64
    assert f(x).dtype == F32
    with mlax.debug_nans(True):
        with pytest.raises(FloatingPointError):
            f(np.array([np.nan], F32))
    ran = []

    def g(x):
        ran.append(1)
        return x + 1

    gj = mlax.jit(g)
    gj(jnp.ones(1))
    gj(jnp.ones(1))
    with mlax.disable_jit():
        gj(jnp.ones(1))
    assert len(ran) == 2


def test_inside_other_transformations():
    f = mlax.jit(lambda x: jnp.sin(x) * x)
    x = jnp.linspace(0.0, 1.0, 4)
    f(x)
    f(x)
    want = jax.vmap(jax.grad(lambda v: ref.sin(v) * v))(np.asarray(x))
    got = mlax.vmap(mlax.grad(f))(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(mlax.jit(lambda v: f(v) + f(x))(x)), 2 * np.asarray(f(x)), rtol=1e-6
    )


def test_errors_are_the_python_paths():
    f = mlax.jit(lambda x, y: x + y)
    f(jnp.ones(2), jnp.ones(2))
    with pytest.raises(TypeError):
        f(jnp.ones(2), "a")
    with pytest.raises(TypeError):
        f(jnp.ones(2), jnp.ones(2), jnp.ones(2))
    x = jnp.ones(2)
    x.delete()
    with pytest.raises(RuntimeError, match="deleted"):
        f(x, jnp.ones(2))
    y = jnp.ones(2)
    jnp.sin(y)
    jnp.sin(y)  # the eager op's dispatcher has this signature now
    y.delete()
    with pytest.raises(RuntimeError, match="deleted"):
        jnp.sin(y)
    with pytest.raises(ValueError, match="Non-hashable static"):
        mlax.jit(lambda x, s: x, static_argnums=1)(jnp.ones(2), [1])


def test_clear_cache_traces_again():
    f = mlax.jit(lambda x: x + 1)
    f(jnp.ones(2))
    f(jnp.ones(2))
    f.clear_cache()
    f(jnp.ones(2))
    assert f.trace_count == 2


def test_threads_share_one_dispatcher():
    f = mlax.jit(lambda x, y: x @ y)
    mats = [jnp.asarray(np.full((4, 4), i, F32)) for i in range(8)]
    errors, results = [], {}

    def work(i):
        try:
            for _ in range(50):
                results[i] = np.asarray(f(mats[i], mats[i]))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(8):
        np.testing.assert_allclose(results[i], np.full((4, 4), 4.0 * i * i))


def test_trace_flags_per_thread_and_global():
    # A cached call must see the flags of the calling thread: a rank-2 + rank-1
    # add is allowed by default and an error under rank_promotion="raise".
    f = mlax.jit(lambda x, y: x + y)
    a, b = jnp.ones((2, 3)), jnp.ones(3)
    for _ in range(3):
        f(a, b)
    with mlax.numpy_rank_promotion("raise"):
        for _ in range(2):
            with pytest.raises(ValueError):
                f(a, b)
    np.testing.assert_allclose(np.asarray(f(a, b)), np.full((2, 3), 2.0))
    # Another thread's override does not leak here, and a global update made
    # while it is active does not change what that thread sees.
    entered, updated, done = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def other():
        with mlax.numpy_rank_promotion("raise"):
            entered.set()
            updated.wait(10)
            for _ in range(2):
                try:
                    f(a, b)
                    seen.append("ran")
                except ValueError:
                    seen.append("raised")
        done.set()

    t = threading.Thread(target=other)
    t.start()
    entered.wait(10)
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(f(a, b)), np.full((2, 3), 2.0))
    old = mlax.config.mlax_default_matmul_precision
    mlax.config.update("mlax_default_matmul_precision", "highest")
    try:
        updated.set()
        done.wait(10)
        t.join()
        assert seen == ["raised", "raised"]
        for _ in range(2):
            np.testing.assert_allclose(np.asarray(f(a, b)), np.full((2, 3), 2.0))
        # The global update is seen too (a new trace under the new flags).
        n = f.trace_count
        f(a, b)
        assert f.trace_count == n
    finally:
        mlax.config.update("mlax_default_matmul_precision", old)
    mlax.config.update("mlax_numpy_rank_promotion", "raise")
    try:
        with pytest.raises(ValueError):
            f(a, b)
    finally:
        mlax.config.update("mlax_numpy_rank_promotion", "allow")
    f(a, b)


def test_cached_jit_inside_a_trace_is_staged():
    # Under a trace, calls with tracers (and calls whose results the trace
    # must see) go through Python; the value and derivative are right.
    f = mlax.jit(lambda x, w: jnp.tanh(x * w))
    x = jnp.linspace(0.1, 1.0, 5)
    for _ in range(3):
        f(x, jnp.float32(2.0))
    g = mlax.grad(lambda w: jnp.sum(f(x, w)))(jnp.float32(2.0))
    want = jax.grad(lambda w: ref.sum(ref.tanh(np.asarray(x) * w)))(np.float32(2.0))
    np.testing.assert_allclose(g, want, rtol=1e-6)
    h = mlax.jit(lambda w: f(x, w) * f(x, jnp.float32(2.0)))
    np.testing.assert_allclose(
        np.asarray(h(jnp.float32(3.0))),
        np.tanh(np.asarray(x) * 3.0) * np.tanh(np.asarray(x) * 2.0),
        rtol=1e-6,
    )


def test_eager_jnp_functions_replayed():
    # jnp's elementwise functions on Arrays run as one cached executable per
    # signature (eager_jit): values, dtypes and weak types are the op-by-op
    # ones, and flags, NaN checks and deleted inputs are still seen.
    x = jnp.asarray(np.linspace(0.5, 2.0, 6, dtype=F32).reshape(2, 3))
    i = jnp.asarray(np.arange(3, dtype=np.int32))
    w = jnp.asarray(2.0)  # weakly typed
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(jnp.sin(x)), np.sin(np.asarray(x)), rtol=1e-6)
        assert jnp.sqrt(i).dtype == F32  # inexact promotion in the program
        s = x + i
        assert s.dtype == F32 and s.shape == (2, 3)
        np.testing.assert_allclose(np.asarray(s), np.asarray(x) + np.arange(3), rtol=1e-6)
        assert (w * w).aval.weak_type and not (x * w).aval.weak_type
        assert (x * w).dtype == F32
        np.testing.assert_array_equal(np.asarray(x < i), np.asarray(x) < np.arange(3))
    with mlax.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError):
            x + i
    with mlax.debug_nans(True):
        with pytest.raises(FloatingPointError, match="log"):
            jnp.log(jnp.asarray(np.array([-1.0], F32)))
    with mlax.enable_x64(True):
        assert jnp.sin(jnp.asarray(np.ones(2))).dtype == np.float64
    d = jnp.ones(3)
    d.delete()
    with pytest.raises(RuntimeError, match="deleted"):
        jnp.sin(d)
    # Inside a trace the functions are staged as before.
    lowered = mlax.jit(lambda v: jnp.cos(v) + v).lower(x).as_text()
    assert "mlax.cosine" in lowered and "mlax.add" in lowered


def test_arrays_passed_as_buffers_keep_their_meaning():
    # DispatchFunction hands non-weak Arrays to the C++ dispatcher as their
    # buffers: a user's weakly typed jax array of the same shape must not
    # hit their entry, and weak Arrays keep their own signature.
    f = mlax.jit(lambda x: x + np.float16(1))
    strong = jnp.asarray(np.float32(1.0))
    weak_jax = ref.asarray(1.0)  # a weakly typed jaxlib array
    assert weak_jax.aval.weak_type
    for _ in range(3):
        assert f(strong).dtype == F32
        assert f(weak_jax).dtype == np.float16
        assert f(jnp.asarray(1.0)).dtype == np.float16
        assert f(ref.asarray(np.float32(1.0))).dtype == F32
        # A strongly typed Array over a weak buffer: its buffer's signature
        # is the weak jax array's, its meaning the Array's.
        mixed = mlax.Array(weak_jax)
        assert not mixed.aval.weak_type and f(mixed).dtype == F32
        assert f(weak_jax).dtype == np.float16
    # Traced functions see the Arrays the caller passed, not buffers.
    seen = []

    def g(x, y):
        seen.append((type(x), type(y)))
        return x * y

    jg = mlax.jit(g)
    x = jnp.arange(3.0)
    jg(x, x)
    jg(x, y=x)
    mlax.grad(lambda w: jnp.sum(jg(w, x)))(x)  # a trace: jg's body is inlined
    with mlax.disable_jit():  # a miss whose Python path runs g on the arguments
        jg(x, x)
    assert not any(issubclass(t, jax.Array) for ts in seen for t in ts), seen
    assert (mlax.Array, mlax.Array) in seen


def test_dispatch_functions_are_functions():
    # jitted functions and eager jnp functions bind as methods and carry
    # the wrapped function's metadata, as Python functions do.
    class C:
        sin = jnp.sin
        double = mlax.jit(lambda self, x: 2 * x, static_argnums=0)

        def __hash__(self):
            return 0

    c, x = C(), jnp.arange(3.0)
    np.testing.assert_allclose(np.asarray(C.sin(x)), np.sin(np.arange(3.0)), rtol=1e-6)
    with pytest.raises(TypeError):
        c.sin(x)  # bound: sin(c, x), as a plain function would be
    np.testing.assert_allclose(np.asarray(c.double(x)), [0, 2, 4])
    assert jnp.sin.__name__ == "sin" and jnp.sin.__wrapped__ is not None
    f = mlax.jit(lambda v: v)
    f.custom_attribute = 1
    assert f.custom_attribute == 1 and f.__name__ == "<lambda>"


def test_slot_unflattener_checks_its_type():
    from mlax.mlir.dialects import mlax as mlax_d

    class WithDict:
        pass

    class Slots:
        __slots__ = ("a", "b")

    with pytest.raises(TypeError, match="__dict__"):
        mlax_d.slot_unflattener(WithDict, "a", ["b"])
    with pytest.raises(TypeError, match="__slots__"):
        mlax_d.slot_unflattener(Slots, "a", ["__init__"])
    make = mlax_d.slot_unflattener(Slots, "a", ["b"])
    s = make(1, (2,))
    assert type(s) is Slots and (s.a, s.b) == (1, 2)
    with pytest.raises(ValueError, match="expects 1 children"):
        make(1, (2, 3))
    with pytest.raises(TypeError):
        make(1)


def test_parameter_trees_replayed_unchanged():
    # Arrays inside plain dicts, lists and tuples are passed as buffers too;
    # the caller's containers are left as they were, weak Arrays in them
    # keep their type, and a changed structure or weak type is a new entry.
    f = mlax.jit(lambda p, xs: (p["w"] * xs[0][0] + p["b"], [x * 2 for x in xs[1]]))
    g = jax.jit(lambda p, xs: (p["w"] * xs[0][0] + p["b"], [x * 2 for x in xs[1]]))
    w, b = jnp.arange(3.0), jnp.asarray(1.0)  # b weakly typed
    params = {"w": w, "b": b}
    xs = ((jnp.ones(3),), [jnp.arange(2), jnp.asarray(np.float16(1))])
    pj = {"w": ref.arange(3.0), "b": ref.asarray(1.0)}
    xj = ((ref.ones(3),), [ref.arange(2), ref.asarray(np.float16(1))])
    for _ in range(3):
        got, want = f(params, xs), g(pj, xj)
        for a, e in zip(tree_util.tree_leaves(got), jax.tree.leaves(want)):
            assert a.dtype == e.dtype and mlax.typeof(a).weak_type == e.aval.weak_type
            np.testing.assert_allclose(np.asarray(a), np.asarray(e))
    assert f.trace_count == 1
    assert params["w"] is w and params["b"] is b and type(xs[1][0]) is mlax.Array
    f({"w": w, "b": jnp.asarray(np.float32(1.0))}, xs)  # b strongly typed now
    f({"w": w, "b": b, "c": b}, xs)
    assert f.trace_count == 3


def test_unused_arguments_are_pruned():
    # As jax's jit (keep_unused=False): arguments the optimized program never
    # reads are not passed to XLA, on the Python and the C++ paths alike.
    f = mlax.jit(lambda d, s: d["a"] * 2 + s)
    d = {"a": jnp.arange(3.0), "b": jnp.ones((4, 5)), "c": np.ones(2, np.float64)}
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(f(d, 1.0)), [1, 3, 5])
        np.testing.assert_allclose(np.asarray(f({**d, "a": np.ones(3, F32)}, 0)), [2, 2, 2])
    lowered = f.lower(d, 1.0)
    assert lowered.as_text().count("tensor<4x5xf32>") == 1  # the traced signature is whole
    hlo = lowered.compile().as_text()
    assert "f32[4,5]" not in hlo and "f32[3]" in hlo
    np.testing.assert_allclose(np.asarray(lowered.compile()(d, 1.0)), [1, 3, 5])
    unused = jnp.ones(2)
    unused.delete()  # an unused deleted input is no error, as in jax
    g = mlax.jit(lambda x, y: x + 1)
    np.testing.assert_allclose(np.asarray(g(jnp.ones(2), jnp.ones(2))), [2, 2])
    np.testing.assert_allclose(np.asarray(g(jnp.ones(2), unused)), [2, 2])
    assert np.asarray(mlax.jit(lambda x: 1.0)(jnp.ones(3))) == 1.0  # nothing kept
    # Eager transformations pass closed-over Arrays as trailing arguments.
    w = jnp.arange(3.0)
    grad = mlax.grad(lambda x, y: jnp.sum(x * w))(jnp.ones(3), jnp.ones(4))
    np.testing.assert_allclose(np.asarray(grad), [0, 1, 2])


def test_dispatch_front_edge_cases():
    import copy

    # Functions are atomic for copy, as Python's are.
    f = mlax.jit(lambda x: x * 2)
    assert copy.copy(f) is f and copy.deepcopy(f) is f and copy.copy(jnp.sin) is jnp.sin
    # Static arguments reach the dispatcher as passed: an Array there is
    # named in the error, not its buffer.
    for call in (
        lambda: mlax.jit(lambda x, s: x, static_argnums=1)(jnp.ones(2), jnp.ones(2)),
        lambda: mlax.jit(lambda x, s: x, static_argnames="s")(jnp.ones(2), s=jnp.ones(2)),
    ):
        with pytest.raises(ValueError, match="Non-hashable static") as e:
            call()
        assert "ArrayImpl" not in str(e.value)
    # A function that drops its own dispatcher while running it.
    holder = []

    def body(x):
        holder[0].clear_cache()
        import gc

        gc.collect()
        return x + 1

    g = mlax.jit(body)
    holder.append(g)
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(g(jnp.ones(2))), [2, 2])


def test_executable_cache_key_is_the_structure():
    """Eager transformations retrace each call and find their executable by
    the module's structure: another source line is the same program, another
    constant, dtype or operand order is not."""
    from mlax._src import core

    x = jnp.array([0.5, -1.0, 2.0])
    x16 = x.astype(jnp.bfloat16)
    core.clear_caches()
    f1 = lambda a: jnp.sum(jnp.sin(a) * a)  # noqa: E731
    f2 = lambda a: jnp.sum(  # noqa: E731
        jnp.sin(a) * a
    )
    mlax.grad(f1)(x)
    n = len(core._EXECUTABLES)
    np.testing.assert_allclose(np.asarray(mlax.grad(f2)(x)), np.asarray(mlax.grad(f1)(x)))
    assert len(core._EXECUTABLES) == n  # only locations differ
    mlax.grad(lambda a: jnp.sum(a * jnp.sin(a)))(x)  # operands swapped
    assert len(core._EXECUTABLES) == n + 1
    mlax.grad(lambda a: jnp.sum(jnp.sin(a) * a * 2.0))(x)
    mlax.grad(lambda a: jnp.sum(jnp.sin(a) * a * 3.0))(x)
    assert len(core._EXECUTABLES) == n + 3
    mlax.grad(f1)(x16)
    assert len(core._EXECUTABLES) == n + 4

    tr = [core.trace_to_module(f, [core.aval_of(x)]) for f in (f1, f2, f1)]
    keys = [mlax_d.structural_key(t.module.operation) for t in tr]
    assert isinstance(keys[0], bytes) and keys[0] == keys[1] == keys[2]
    other = core.trace_to_module(lambda a: jnp.sum(jnp.cos(a) * a), [core.aval_of(x)])
    assert mlax_d.structural_key(other.module.operation) != keys[0]

    # Ops whose operands are defined outside them: the operands' types count.
    from mlax._src import mlir
    from mlax.mlir import ir

    with mlir.context():
        m = ir.Module.parse(
            """
            func.func @f(%x: tensor<2xf32>, %y: tensor<2xf16>) -> (tensor<2xi32>, tensor<2xi32>) {
              %0 = mlax.convert %x : (tensor<2xf32>) -> tensor<2xi32>
              %1 = mlax.convert %y : (tensor<2xf16>) -> tensor<2xi32>
              %2 = mlax.convert %x : (tensor<2xf32>) -> tensor<2xi32>
              return %0, %1 : tensor<2xi32>, tensor<2xi32>
            }"""
        )
        a, b, c = list(m.body.operations[0].regions[0].blocks[0].operations)[:3]
        assert mlax_d.structural_key(a) != mlax_d.structural_key(b)
        assert mlax_d.structural_key(a) == mlax_d.structural_key(c)


def test_a_module_that_does_not_verify_is_never_cached():
    """Only modules new to the cache are verified: one that fails raises on
    every compile and leaves nothing behind."""
    from mlax._src import core, mlir
    from mlax.mlir import ir

    x = jnp.array([1.0, 2.0])
    traced = core.trace_to_module(lambda a: jnp.sin(a), [core.aval_of(x)])
    with mlir.context(), ir.Location.unknown():
        main = core.main_func(traced.module.operation)
        # Declare a result type the body does not return.
        main.attributes["function_type"] = ir.TypeAttr.get(
            ir.FunctionType.get(
                [mlir.tensor_type((2,), np.float32)], [mlir.tensor_type((3,), np.float32)]
            )
        )
    n = len(core._EXECUTABLES)
    for _ in range(2):
        with pytest.raises(ir.MLIRError, match="type of return operand"):
            core.compile_traced(traced)
    assert len(core._EXECUTABLES) == n
