"""The top-level API against jax: eval_shape, make_jaxpr, typeof, devices,
config flags and their context managers, jit's keyword arguments,
lower/compile/trace, named scopes, and host callbacks (pure_callback,
debug.print, debug.callback) inside jit and transformations."""

import logging
import os
import subprocess
import sys

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest

F32 = np.float32


def test_eval_shape_like_jax():
    def f(x, y):
        return {"a": x @ y, "b": (x.sum(), y.astype(np.int32))}

    args = (mlax.ShapeDtypeStruct((2, 3), F32), np.ones((3, 4), F32))
    got = mlax.eval_shape(f, *args)
    want = jax.eval_shape(f, jax.ShapeDtypeStruct((2, 3), F32), np.ones((3, 4), F32))
    g, w = jax.tree.leaves(got), jax.tree.leaves(want)
    assert [(x.shape, x.dtype) for x in g] == [(x.shape, x.dtype) for x in w]
    assert isinstance(got["a"], mlax.ShapeDtypeStruct)
    assert got["a"] == mlax.ShapeDtypeStruct((2, 4), F32)
    assert repr(got["a"]) == "ShapeDtypeStruct(shape=(2, 4), dtype=float32)"
    # Nothing runs: a huge shape is fine.
    big = mlax.eval_shape(jnp.sin, mlax.ShapeDtypeStruct((10**6, 10**4), F32))
    assert big.shape == (10**6, 10**4)


def test_typeof():
    assert str(mlax.typeof(jnp.ones(3))) == str(jax.typeof(ref.ones(3)))
    assert repr(mlax.typeof(jnp.ones((2, 3)))) == repr(jax.typeof(ref.ones((2, 3))))
    assert str(mlax.typeof(1.0)) == str(jax.typeof(1.0))
    assert mlax.typeof(np.int8(3)).dtype == np.int8


def test_make_jaxpr_is_the_unoptimized_program():
    jaxpr = mlax.make_jaxpr(lambda x: mlax.grad(jnp.sin)(x) * 2.0)(1.0)
    text = str(jaxpr)
    assert "mlax.vjp" in text and "mlax.sine" in text  # before expansion
    assert [str(a) for a in jaxpr.in_avals] == ["~float32[]"]
    j2, shape = mlax.make_jaxpr(lambda x, n: x * n, static_argnums=1, return_shape=True)(
        mlax.ShapeDtypeStruct((3,), F32), 4
    )
    assert shape == mlax.ShapeDtypeStruct((3,), F32)
    assert "mlax.multiply" in str(j2)


def test_jacobian_devices_device_get():
    f = lambda x: jnp.sin(x) * x[0]  # noqa: E731
    g = lambda x: ref.sin(x) * x[0]  # noqa: E731
    x = np.array([0.3, 1.2, -0.5], F32)
    np.testing.assert_allclose(np.asarray(mlax.jacobian(f)(x)), jax.jacobian(g)(x), rtol=1e-6)
    assert mlax.devices()[0].platform == "cpu" and mlax.device_count() == len(mlax.devices())
    assert mlax.local_device_count() >= 1 and mlax.process_index() == 0
    assert mlax.process_count() == 1 and mlax.default_backend() == jax.default_backend()
    assert mlax.local_devices() == mlax.devices()
    out = mlax.device_get({"a": jnp.ones(2), "b": 3, "c": [jnp.zeros(())]})
    assert (
        isinstance(out["a"], np.ndarray) and out["b"] == 3 and isinstance(out["c"][0], np.ndarray)
    )


def test_named_scope_and_named_call_in_locations():
    @mlax.jit
    def f(x):
        with mlax.named_scope("outer"):
            with mlax.named_scope("inner"):
                y = jnp.sin(x)
        return mlax.named_call(jnp.cos, name="blk")(y)

    text = f.lower(1.0).as_text(debug_info=True)
    assert '"outer/inner"' in text and '"blk"' in text
    np.testing.assert_allclose(np.asarray(f(F32(1.0))), np.cos(np.sin(1.0)), rtol=1e-6)
    with pytest.raises(TypeError, match="string"):
        with mlax.named_scope(3):
            pass


def test_ensure_compile_time_eval_gives_values_inside_jit():
    seen = []

    @mlax.jit
    def f(x):
        with mlax.ensure_compile_time_eval():
            y = jnp.sin(F32(0.5)) * 2
            seen.append(float(y))  # a value, not a tracer
        return x + y

    np.testing.assert_allclose(np.asarray(f(F32(1.0))), 1.0 + 2 * np.sin(0.5), rtol=1e-6)
    np.testing.assert_allclose(seen, [2 * np.sin(0.5)], rtol=1e-6)


def test_clear_caches():
    f = mlax.jit(lambda x: x * 3)
    f(F32(1.0))
    assert f.trace_count == 1
    mlax.clear_caches()
    f(F32(1.0))
    assert f.trace_count == 2


# --- config ---------------------------------------------------------------


def test_debug_nans_and_infs():
    f = mlax.jit(lambda x: jnp.log(x))
    assert np.isnan(np.asarray(f(F32(-1.0))))
    with mlax.debug_nans(True):
        with pytest.raises(FloatingPointError, match="nan"):
            f(F32(-1.0))
        np.testing.assert_allclose(np.asarray(f(F32(1.0))), 0.0)
    with mlax.debug_infs(True):
        with pytest.raises(FloatingPointError, match="inf"):
            f(F32(0.0))
    assert np.isnan(np.asarray(f(F32(-1.0))))  # the context ended
    mlax.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError):
            f(F32(-1.0))
    finally:
        mlax.config.update("mlax_debug_nans", False)


def test_disable_jit_runs_python_on_values():
    seen = []

    @mlax.jit
    def f(x):
        seen.append(type(x).__name__)
        return x * 2

    with mlax.disable_jit():
        f(F32(1.0))
        f(F32(1.0))
    assert seen == ["float32", "float32"]  # called directly, on the values
    f(F32(1.0))
    assert seen[-1] == "Tracer"


def test_log_compiles(caplog):
    f = mlax.jit(lambda x: x + 1)
    with caplog.at_level(logging.WARNING, logger="mlax"), mlax.log_compiles(True):
        f(F32(1.0))
        f(F32(2.0))  # cached: no second log
    msgs = [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]
    assert len(msgs) == 1 and "float32[]" in msgs[0]


def test_enable_x64_context_and_cache_key():
    f = mlax.jit(lambda: jnp.arange(3) * 1.5)
    assert f().dtype == np.float32
    with mlax.enable_x64(True):
        assert f().dtype == np.float64  # retraced: x64 is part of the key
    assert f().dtype == np.float32
    assert mlax.enable_x64.value is False


def test_config_errors_and_env():
    with pytest.raises(AttributeError, match="Unrecognized config option"):
        mlax.config.update("mlax_no_such_flag", 1)
    with pytest.raises(TypeError, match="bool"):
        mlax.config.update("mlax_debug_nans", "yes")
    with pytest.raises(ValueError, match="must be one of"):
        mlax.config.update("jax_numpy_rank_promotion", "sometimes")
    code = "import mlax; print(mlax.config.mlax_debug_nans, mlax.config.mlax_numpy_rank_promotion)"
    env = dict(os.environ, MLAX_DEBUG_NANS="1", MLAX_NUMPY_RANK_PROMOTION="raise")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "raise"], out.stderr


# --- jit keywords, lower / compile / trace ----------------------------------


def test_static_argnames_by_keyword_default_and_position():
    def f(x, n=2, *, scale=1.0):
        return x * n * scale

    jf = mlax.jit(f, static_argnames=("n",))
    assert float(jf(F32(3.0))) == 6.0
    assert float(jf(F32(3.0), n=4)) == 12.0
    assert float(jf(F32(3.0), 5)) == 15.0
    assert float(jf(F32(3.0), n=4, scale=0.5)) == 6.0
    jn = mlax.jit(f, static_argnums=1)
    assert float(jn(F32(3.0), n=3)) == 9.0  # static by name too
    jf(F32(1.0), n=4)
    assert jf.trace_count == 4  # (default), n=4, n=5 positional, n=4 again cached


def test_jit_argument_errors():
    with pytest.raises(TypeError, match="unexpected keyword argument 'statc_argnums'"):
        mlax.jit(lambda x: x, statc_argnums=1)
    with pytest.raises(ValueError, match="only accepts 1 positional"):
        mlax.jit(lambda x: x, static_argnums=3)
    with pytest.raises(ValueError, match="Non-hashable static arguments"):
        mlax.jit(lambda x, s: x, static_argnums=1)(F32(1.0), [1, 2])
    mlax.jit(lambda x: x, keep_unused=True, inline=True)  # accepted, as jax's


def test_lower_compile_cost_memory_trace():
    f = mlax.jit(lambda a, b: jnp.tanh(a @ b))
    spec = mlax.ShapeDtypeStruct((4, 4), F32)
    lowered = f.lower(spec, spec)
    assert "stablehlo.dot" in lowered.as_text("stablehlo")
    compiled = lowered.compile()
    cost = compiled.cost_analysis()
    jcost = jax.jit(lambda a, b: ref.tanh(a @ b)).lower(np.ones((4, 4), F32), np.ones((4, 4), F32))
    jcost = jcost.compile().cost_analysis()
    assert cost["flops"] > 0 and set(jcost) <= set(cost) | {"optimal_seconds"}
    mem = compiled.memory_analysis()
    assert mem.argument_size_in_bytes == 2 * 64 and mem.output_size_in_bytes == 64
    a = np.eye(4, dtype=F32)
    np.testing.assert_allclose(np.asarray(compiled(a, a)), np.tanh(a), rtol=1e-6)
    with pytest.raises(TypeError, match="Argument types differ"):
        compiled(np.ones((3, 3), F32), a)
    assert "tanh" in compiled.as_text()
    traced = f.trace(spec, spec)
    assert "mlax.dot_general" in str(traced.jaxpr)
    assert traced.out_info == mlax.ShapeDtypeStruct((4, 4), F32)
    assert "stablehlo" in traced.lower().as_text("stablehlo")


# --- callbacks -------------------------------------------------------------


def _sin_cb(x):
    return np.sin(x)


def pc(x, method=None):
    return mlax.pure_callback(
        _sin_cb, mlax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method=method
    )


def pc_ref(x, method=None):
    return jax.pure_callback(_sin_cb, jax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method=method)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_pure_callback_values(shape):
    x = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape).astype(F32)
    for fn in (pc, mlax.jit(pc)):
        np.testing.assert_allclose(np.asarray(fn(x)), np.asarray(pc_ref(x)), rtol=1e-6)


@pytest.mark.parametrize("method", ["sequential", "expand_dims", "broadcast_all"])
def test_pure_callback_vmap(method):
    calls = []

    def cb(x, y):
        calls.append((x.shape, y.shape))
        return x * 2 + y

    def f(x, y, ref_mod):
        m = mlax if ref_mod is None else ref_mod
        return m.pure_callback(cb, m.ShapeDtypeStruct(x.shape, x.dtype), x, y, vmap_method=method)

    xs, y = np.arange(6, dtype=F32).reshape(2, 3), np.ones(3, F32)
    got = mlax.vmap(lambda x, y: f(x, y, None), in_axes=(0, None))(xs, y)
    mine = list(calls)
    calls.clear()
    want = jax.vmap(lambda x, y: f(x, y, jax), in_axes=(0, None))(xs, y)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want))
    assert mine == calls  # the same calls with the same shapes


def test_pure_callback_errors():
    x = np.ones(3, F32)
    with pytest.raises(NotImplementedError, match="vmap_method"):
        mlax.vmap(pc)(np.ones((2, 3), F32))
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        mlax.grad(lambda x: pc(x).sum())(x)
    with pytest.raises(ValueError, match="vmap_method must be"):
        mlax.pure_callback(_sin_cb, x, x, vmap_method="loop")

    def bad(x):
        return np.ones(2, F32)

    with pytest.raises(RuntimeError, match="has shape"):
        mlax.jit(lambda x: mlax.pure_callback(bad, mlax.ShapeDtypeStruct((3,), F32), x))(x)

    def boom(x):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        mlax.jit(lambda x: mlax.pure_callback(boom, mlax.ShapeDtypeStruct((3,), F32), x))(x)


def test_pure_callback_with_custom_jvp_is_differentiable():
    @mlax.custom_jvp
    def f(x):
        return pc(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), jnp.cos(x) * t

    x = np.array([0.1, 0.7], F32)
    np.testing.assert_allclose(np.asarray(mlax.grad(lambda x: f(x).sum())(x)), np.cos(x), rtol=1e-6)


def test_debug_print_under_transformations(capfd):
    def f(x):
        mlax.debug.print("x={x} s={}", x.sum(), x=x)
        return jnp.sin(x).sum()

    def f_ref(x):
        jax.debug.print("x={x} s={}", x.sum(), x=x)
        return ref.sin(x).sum()

    x = np.array([1.0, 2.0], F32)
    for run in (
        lambda g: g(x),
        lambda g: jax.jit(g)(x) if g is f_ref else mlax.jit(g)(x),
        lambda g: (jax.grad if g is f_ref else mlax.grad)(g)(x),
        lambda g: (jax.vmap if g is f_ref else mlax.vmap)(g)(np.stack([x, 2 * x])),
    ):
        out = run(f)
        mlax.block_until_ready(out)
        mine = capfd.readouterr().out
        jax.block_until_ready(run(f_ref))
        theirs = capfd.readouterr().out
        assert mine == theirs and mine


def test_debug_print_and_callback_details(capfd):
    @mlax.jit
    def f(x):
        mlax.debug.print("{} and {}", x, "text")
        mlax.debug.print("{} and {}", x, "other")  # same IR, other static arg
        return x + 1

    mlax.block_until_ready(f(F32(2.0)))
    assert capfd.readouterr().out == "2.0 and text\n2.0 and other\n"
    got = []
    mlax.jit(lambda x: mlax.debug.callback(lambda v: got.append(v.tolist()), x * 2))(
        np.arange(3, dtype=F32)
    )
    mlax.block_until_ready(None)
    import time

    for _ in range(100):
        if got:
            break
        time.sleep(0.01)
    assert got == [[0.0, 2.0, 4.0]]
    with pytest.raises(ValueError, match="more {} fields"):
        mlax.debug.print("{} {}", 1.0)
    with pytest.raises(ValueError, match="keyword argument 'y'"):
        mlax.debug.print("{y}", 1.0)


# --- precision, linearize(has_aux), vmap(axis_name) -------------------------


def test_matmul_precision_reaches_the_program():
    from mlax import lax

    x = np.linspace(-1, 1, 6).reshape(2, 3).astype(F32)
    f = mlax.jit(lambda a: jnp.dot(a, a.T, precision=lax.Precision.HIGHEST))
    assert f.lower(x).as_text("stablehlo").count("precision HIGHEST") == 2
    with mlax.default_matmul_precision("tensorfloat32"):
        g = mlax.jit(lambda a: a @ a.T)
        assert "precision HIGH>" in g.lower(x).as_text("stablehlo")
        np.testing.assert_allclose(np.asarray(g(x)), x @ x.T, rtol=1e-6)
    assert "precision" not in mlax.jit(lambda a: a @ a.T).lower(x).as_text("stablehlo")
    # The precision of the cotangent products follows JAX's rule.
    h = lambda a: jnp.sum(lax.dot(a, a.T, precision=("highest", "high")))  # noqa: E731
    text = mlax.jit(mlax.grad(h)).lower(x).as_text()
    assert text.count('precision_config = ["HIGH", "HIGHEST"]') == 1
    np.testing.assert_allclose(
        np.asarray(mlax.grad(h)(x)),
        jax.grad(lambda a: ref.sum(jax.lax.dot(a, a.T, precision=("highest", "high"))))(x),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="Unrecognized precision"):
        jnp.dot(x, x.T, precision="ultra")
    assert lax.Precision("highest") is lax.Precision.HIGHEST


def test_linearize_has_aux_and_vmap_axis_name():
    def f(x):
        return jnp.sin(x) * 2, {"aux": x.sum()}

    def f_ref(x):
        return ref.sin(x) * 2, {"aux": x.sum()}

    x = np.array([0.1, 0.5], F32)
    out, f_jvp, aux = mlax.linearize(f, x, has_aux=True)
    jout, jf_jvp, jaux = jax.linearize(f_ref, x, has_aux=True)
    np.testing.assert_allclose(np.asarray(out), jout, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(aux["aux"]), jaux["aux"], rtol=1e-6)
    t = np.ones(2, F32)
    np.testing.assert_allclose(np.asarray(f_jvp(t)), jf_jvp(t), rtol=1e-6)
    with pytest.raises(TypeError, match="has_aux"):
        mlax.linearize(jnp.sin, x, has_aux=True)
    got = mlax.vmap(lambda v: v * 2, axis_name="batch")(x)
    np.testing.assert_allclose(np.asarray(got), 2 * x)


def test_numpy_rank_promotion():
    a, b = np.ones((2, 3), F32), np.ones(3, F32)
    np.testing.assert_allclose(np.asarray(jnp.add(a, b)), a + b)
    with mlax.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError, match="rank_promotion='raise'"):
            jnp.add(a, b)
        with pytest.raises(ValueError, match="rank_promotion"):
            mlax.jit(lambda x, y: x * y)(a, b)
        jnp.add(a, F32(2.0))  # scalars are not rank promotion
        jnp.add(a, a)
    with jax.numpy_rank_promotion("raise"), pytest.raises(ValueError):
        ref.add(a, b)
    with mlax.numpy_rank_promotion("warn"), pytest.warns(UserWarning, match="rank promotion"):
        jnp.multiply(a, b)


def test_debug_nans_eager_ops():
    x = jnp.asarray(np.float32(-1.0))
    with mlax.debug_nans(True):
        with pytest.raises(FloatingPointError, match="nan"):
            jnp.log(x)
    assert np.isnan(np.asarray(jnp.log(x)))


def test_debug_print_vmap_order_like_jax(capfd):
    def f(m):
        def loop(x):
            return m.lax.fori_loop(
                0, 2, lambda i, c: (m.debug.print("i={} c={}", i, c), c + 1)[1], x
            )

        return m.vmap(m.vmap(loop))

    xs = np.arange(6.0, dtype=F32).reshape(2, 3)
    mlax.block_until_ready(f(mlax)(xs))
    mine = capfd.readouterr().out
    jax.block_until_ready(f(jax)(xs))
    theirs = capfd.readouterr().out
    # The same prints; jax's come in an order XLA chooses, mlax's in order.
    assert sorted(mine.splitlines()) == sorted(theirs.splitlines())
    want = [f"i={i} c={c + i:.1f}" for i in range(2) for c in range(6)]
    assert mine.splitlines() == want
