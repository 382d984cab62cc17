"""custom_jvp / custom_vjp: the tutorial's examples with their printed values,
compositions against jax, and the error cases."""

import collections

import jax
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import custom_jvp, custom_vjp, grad, jit, jvp, vjp, vmap


def _f_sin_times_y(use_defjvps):
    @custom_jvp
    def f(x, y):
        return jnp.sin(x) * y

    if use_defjvps:
        f.defjvps(
            lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
            lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot,
        )
    else:

        @f.defjvp
        def f_jvp(primals, tangents):
            x, y = primals
            x_dot, y_dot = tangents
            primal_out = f(x, y)
            tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
            return primal_out, tangent_out

    return f


@pytest.mark.parametrize("use_defjvps", [False, True])
def test_tldr_custom_jvp(use_defjvps):
    f = _f_sin_times_y(use_defjvps)
    assert str(f(2.0, 3.0)) == "2.7278922"
    y, y_dot = jvp(f, (2.0, 3.0), (1.0, 0.0))
    assert str(y) == "2.7278922" and str(y_dot) == "-1.2484405"
    assert str(grad(f)(2.0, 3.0)) == "-1.2484405"


def test_tldr_custom_vjp():
    @custom_vjp
    def f(x, y):
        return jnp.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    assert str(grad(f)(2.0, 3.0)) == "-1.2484405"
    with pytest.raises(
        TypeError, match=r"can't apply forward-mode autodiff \(jvp\) to a custom_vjp function."
    ):
        jvp(f, (2.0, 3.0), (1.0, 0.0))


def _log1pexp(kind):
    @custom_jvp
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    if kind == "defjvp":

        @log1pexp.defjvp
        def log1pexp_jvp(primals, tangents):
            (x,) = primals
            (x_dot,) = tangents
            ans = log1pexp(x)
            ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
            return ans, ans_dot
    else:
        log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
    return log1pexp


def test_numerical_stability_log1pexp():
    def log1pexp(x):
        return jnp.log(1.0 + jnp.exp(x))

    assert str(jit(log1pexp)(3.0)) == "3.0485873"
    assert str(jit(grad(log1pexp))(3.0)) == "0.95257413"
    assert str(vmap(jit(grad(log1pexp)))(jnp.arange(3.0))) == "[0.5       0.7310586 0.8807971]"
    assert str(grad(log1pexp)(100.0)) == "nan"
    for kind in ("defjvp", "defjvps"):
        f = _log1pexp(kind)
        assert str(grad(f)(100.0)) == "1.0"
        assert str(jit(f)(3.0)) == "3.0485873"
        assert str(jit(grad(f))(3.0)) == "0.95257413"
        assert str(vmap(jit(grad(f)))(jnp.arange(3.0))) == "[0.5       0.7310586 0.8807971]"


def test_enforcing_a_differentiation_convention():
    def f(x):
        return x / (1 + jnp.sqrt(x))

    assert str(grad(f)(0.0)) == "nan"

    @custom_jvp
    def g(x):
        return x / (1 + jnp.sqrt(x))

    @g.defjvp
    def g_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = g(x)
        ans_dot = ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * x_dot
        return ans, ans_dot

    assert str(grad(g)(0.0)) == "1.0"

    @custom_jvp
    def h(x):
        return x / (1 + jnp.sqrt(x))

    h.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1) ** 2)) * t)
    assert str(grad(h)(0.0)) == "1.0"


def test_gradient_clipping():
    @custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (
            None,
            None,
            jnp.clip(g, lo, hi) if hasattr(jnp, "clip") else mlax.lax.clamp(lo, g, hi),
        )

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    def clip_sin(x):
        x = clip_gradient(-0.75, 0.75, x)
        return jnp.sin(x)

    t = np.linspace(0, 10, 50, dtype=np.float32)
    got = np.asarray(vmap(grad(clip_sin))(t))
    np.testing.assert_allclose(got, np.clip(np.cos(t), -0.75, 0.75), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(clip_sin(t)), np.sin(t), rtol=1e-6)


def test_basic_usage_section():
    @custom_jvp
    def f(x):
        return jnp.sin(x)

    def f_jvp(primals, tangents):
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    assert f.defjvp(f_jvp) is f_jvp
    assert str(f(3.0)) == "0.14112"
    y, y_dot = jvp(f, (3.0,), (1.0,))
    assert (str(y), str(y_dot)) == ("0.14112", "-0.9899925")
    assert str(grad(f)(3.0)) == "-0.9899925"
    assert str(grad(grad(f))(3.0)) == "-0.14112"

    @custom_jvp
    def f2(x, y):
        return x**2 * y

    @f2.defjvp
    def f2_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        return f2(x, y), 2 * x * y * x_dot + x**2 * y_dot

    assert str(grad(f2)(2.0, 3.0)) == "12.0"

    @custom_jvp
    def f3(x, y):
        return x**2 * y

    f3.defjvps(
        lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
        lambda y_dot, primal_out, x, y: x**2 * y_dot,
    )
    assert [str(grad(f3, i)(2.0, 3.0)) for i in (0, 0, 1)] == ["12.0", "12.0", "4.0"]

    @custom_jvp
    def f4(x, y):
        return x**2 * y

    f4.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot, None)
    assert [str(grad(f4, i)(2.0, 3.0)) for i in (0, 0, 1)] == ["12.0", "12.0", "0.0"]


# ---------------------------------------------------------------------------
# Compositions against jax's own custom derivatives
# ---------------------------------------------------------------------------


def _pair(np_mod, cj):
    @cj
    def f(x, y):
        return np_mod.tanh(x) * y**2

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        tx, ty = tangents
        out = f(x, y)
        return out, (1 - np_mod.tanh(x) ** 2) * y**2 * tx + 2 * np_mod.tanh(x) * y * ty

    return f


def test_custom_jvp_compositions(rng):
    fm, fj = _pair(jnp, custom_jvp), _pair(ref, jax.custom_jvp)
    x = rng.normal(size=(4,)).astype(np.float32)
    y = rng.normal(size=(4,)).astype(np.float32)
    cases = [
        (
            lambda f: lambda a, b: jnp.sum(f(a, b)),
            lambda f: lambda a, b: ref.sum(f(a, b)),
            grad,
            jax.grad,
        ),
    ]
    sm, sj = (lambda a, b: jnp.sum(fm(a, b))), (lambda a, b: ref.sum(fj(a, b)))
    np.testing.assert_allclose(
        np.asarray(jit(grad(sm))(x, y)), np.asarray(jax.grad(sj)(x, y)), rtol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(vmap(grad(lambda a, b: fm(a, b)))(x, y)),
        np.asarray(jax.vmap(jax.grad(lambda a, b: fj(a, b)))(x, y)),
        rtol=1e-5,
    )
    hm = grad(lambda a: grad(lambda c: fm(c, 1.5))(a))
    hj = jax.grad(lambda a: jax.grad(lambda c: fj(c, 1.5))(a))
    np.testing.assert_allclose(float(hm(0.3)), float(hj(0.3)), rtol=1e-5)
    jg_m = jvp(grad(lambda a: fm(a, 2.0)), (0.4,), (1.0,))[1]
    jg_j = jax.jvp(jax.grad(lambda a: fj(a, 2.0)), (0.4,), (1.0,))[1]
    np.testing.assert_allclose(float(jg_m), float(jg_j), rtol=1e-5)
    np.testing.assert_allclose(
        np.asarray(mlax.jacfwd(lambda a: fm(a, y))(x)),
        np.asarray(jax.jacfwd(lambda a: fj(a, y))(x)),
        rtol=1e-5,
        atol=1e-6,
    )
    del cases


def test_custom_vjp_compositions(rng):
    def make(np_mod, cv):
        @cv
        def f(x):
            return np_mod.sin(x)

        def fwd(x):
            return f(x), np_mod.cos(x)

        def bwd(c, g):
            return (2.0 * c * g,)  # deliberately twice the true derivative

        f.defvjp(fwd, bwd)
        return f

    fm, fj = make(jnp, custom_vjp), make(ref, jax.custom_vjp)
    x = rng.normal(size=(5,)).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(jit(grad(lambda a: jnp.sum(fm(a))))(x)),
        np.asarray(jax.grad(lambda a: ref.sum(fj(a)))(x)),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        np.asarray(vmap(grad(fm))(x)), np.asarray(jax.vmap(jax.grad(fj))(x)), rtol=1e-6
    )
    np.testing.assert_allclose(
        float(grad(grad(fm))(0.3)), float(jax.grad(jax.grad(fj))(0.3)), rtol=1e-5
    )
    np.testing.assert_allclose(np.asarray(vmap(fm)(x)), np.sin(x), rtol=1e-6)


def test_pytrees_nondiff_and_kwargs():
    Point = collections.namedtuple("Point", ["x", "y"])

    @custom_jvp
    def f(p, scale):
        return {"r": jnp.sqrt(p.x**2 + p.y**2) * scale}

    @f.defjvp
    def f_jvp(primals, tangents):
        p, scale = primals
        tp, ts = tangents
        out = f(p, scale)
        r = out["r"] / scale
        return out, {"r": (p.x * tp.x + p.y * tp.y) / r * scale + r * ts}

    g = grad(lambda px, py: f(Point(px, py), scale=2.0)["r"], argnums=(0, 1))(3.0, 4.0)
    np.testing.assert_allclose([float(v) for v in g], [1.2, 1.6], rtol=1e-6)

    from functools import partial

    @partial(custom_vjp, nondiff_argnums=(0,))
    def apply(fn, x):
        return fn(x)

    def apply_fwd(fn, x):
        return fn(x), x

    def apply_bwd(fn, x, g):
        return (g * 10.0,)

    apply.defvjp(apply_fwd, apply_bwd)
    assert float(grad(lambda v: apply(jnp.sin, v))(1.0)) == 10.0


def test_errors():
    @custom_jvp
    def f(x):
        return x

    with pytest.raises(AttributeError, match="No JVP defined"):
        grad(f)(1.0)

    @custom_jvp
    def g(x):
        return jnp.sin(x)

    g.defjvp(lambda p, t: (g(p[0]), t[0] * t[0]))  # not linear in the tangent
    with pytest.raises(ValueError, match="not linear"):
        grad(g)(1.0)
    # Forward mode of a non-linear rule is still well defined.
    assert float(jvp(g, (1.0,), (3.0,))[1]) == 9.0

    @custom_jvp
    def h(x):
        return jnp.sin(x)

    h.defjvp(lambda p, t: (h(p[0]), (t[0], t[0])))
    with pytest.raises(TypeError, match="equal container"):
        grad(h)(1.0)


def test_side_effects_happen_once_per_trace(capsys):
    @custom_jvp
    def f(x):
        print('called f!')
        return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        print('called f_jvp!')
        (x,) = primals
        (t,) = tangents
        return f(x), jnp.cos(x) * t

    def run(thunk):
        capsys.readouterr()
        out = thunk()
        return capsys.readouterr().out.split(), out

    assert run(lambda: f(3.0))[0] == ['called', 'f!']
    assert run(lambda: vmap(f)(jnp.arange(3.0)))[0] == ['called', 'f!']
    assert run(lambda: jit(f)(3.0))[0] == ['called', 'f!']
    printed, (y, y_dot) = run(lambda: jvp(f, (3.0,), (1.0,)))
    assert printed == ['called', 'f_jvp!', 'called', 'f!'] and str(y_dot) == "-0.9899925"
    printed, g = run(lambda: grad(f)(3.0))
    assert printed == ['called', 'f_jvp!', 'called', 'f!'] and str(g) == "-0.9899925"
    # One rule trace per differentiation level, then fun once (as in JAX).
    printed, gg = run(lambda: grad(grad(f))(3.0))
    assert printed == ['called', 'f_jvp!'] * 2 + ['called', 'f!']
    assert repr(gg) == "Array(-0.14112, dtype=float32, weak_type=True)"
    printed, ggg = run(lambda: jit(grad(grad(grad(f))))(3.0))
    assert printed == ['called', 'f_jvp!'] * 3 + ['called', 'f!'] and str(ggg) == "0.9899925"
    assert run(lambda: jit(grad(grad(grad(f))))(3.0))[0] == ['called', 'f_jvp!'] * 3 + [
        'called',
        'f!',
    ]
    printed, h2 = run(lambda: mlax.hessian(f)(3.0))
    assert printed == ['called', 'f_jvp!'] * 2 + ['called', 'f!'] and str(h2) == "-0.14112"
    printed, jg = run(lambda: jvp(grad(f), (3.0,), (1.0,)))
    assert printed == ['called', 'f_jvp!'] * 2 + ['called', 'f!'] and str(jg[1]) == "-0.14112"
    # vmap/jit between the levels do not count as levels. (JAX prints f_jvp,
    # f, f_jvp, f here: its jit stages the inner function separately and
    # the outer level re-runs the rule; mlax traces it as one program.)
    printed, vg = run(lambda: vmap(grad(jit(grad(f))))(jnp.array([3.0, 1.0])))
    assert printed.count('f_jvp!') == 2
    np.testing.assert_allclose(np.asarray(vg), -np.sin([3.0, 1.0]), rtol=1e-6)

    @custom_vjp
    def h(x):
        print("called f!")
        return jnp.sin(x)

    def h_fwd(x):
        print("called f_fwd!")
        return h(x), jnp.cos(x)

    def h_bwd(cos_x, y_bar):
        print("called f_bwd!")
        return (cos_x * y_bar,)

    h.defvjp(h_fwd, h_bwd)
    assert run(lambda: h(3.0))[0] == ['called', 'f!']
    printed, g = run(lambda: grad(h)(3.0))
    assert printed == ['called', 'f_fwd!', 'called', 'f!', 'called', 'f_bwd!']
    assert str(g) == "-0.9899925"
    # grad of grad: fwd per level, then fun once, as JAX prints. bwd is
    # traced per level too; JAX traces the outer level's bwd only when its
    # cotangent is nonzero (here it is zero, so JAX prints f_bwd once).
    printed, gg = run(lambda: grad(grad(h))(3.0))
    assert printed[:6] == ['called', 'f_fwd!', 'called', 'f_fwd!', 'called', 'f!']
    assert printed[6:] == ['called', 'f_bwd!'] * 2
    np.testing.assert_allclose(float(gg), -np.sin(3.0), rtol=1e-6)


def test_rule_calls_differ_per_level():
    # A rule whose tangent uses the function itself: each level differentiates
    # the rule's body with the next level's rule (here sin'' = -sin).
    @custom_jvp
    def s(x):
        return jnp.sin(x)

    @s.defjvp
    def s_jvp(primals, tangents):
        (x,) = primals
        (t,) = tangents
        return s(x), s(x + np.pi / 2) * t  # cos(x) = sin(x + pi/2)

    for n, want in [(1, np.cos), (2, lambda v: -np.sin(v)), (3, lambda v: -np.cos(v))]:
        g = s
        for _ in range(n):
            g = grad(g)
        np.testing.assert_allclose(float(g(0.4)), want(0.4), rtol=1e-5)
        np.testing.assert_allclose(float(jit(g)(0.4)), want(0.4), rtol=1e-5)


def test_python_control_flow_on_values_outside_jit():
    @custom_jvp
    def f(x):
        if x > 0:
            return jnp.sin(x)
        else:
            return jnp.cos(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,) = primals
        (x_dot,) = tangents
        ans = f(x)
        if x > 0:
            return ans, 2 * x_dot
        else:
            return ans, 3 * x_dot

    assert str(grad(f)(1.0)) == "2.0"
    assert str(grad(f)(-1.0)) == "3.0"
    # Under jit the same code needs concrete values it does not have.
    with pytest.raises(mlax.ConcretizationTypeError, match="Abstract tracer value"):
        jit(grad(f))(1.0)


def test_vjp_fun_of_python_dynamic_function_is_jittable():
    def f(x):
        try:
            if x < 3:
                return 2 * x**3
            else:
                raise ValueError
        except ValueError:
            return jnp.pi * x

    y, f_vjp = vjp(f, 4.0)
    assert repr(jit(f_vjp)(1.0)) == "(Array(3.1415927, dtype=float32, weak_type=True),)"
    y, f_vjp = vjp(f, 2.0)
    assert float(y) == 16.0 and float(jit(f_vjp)(1.0)[0]) == 24.0
    assert float(grad(f)(2.0)) == 24.0 and float(jvp(f, (4.0,), (1.0,))[1]) == float(
        np.float32(np.pi)
    )


def test_vmap_keeps_custom_rules():
    f = _log1pexp("defjvp")
    xs = jnp.array([1.0, 10.0, 100.0])
    # The gradient is taken outside the vmap: the batched function still
    # carries the custom rule (autodiff of log(1 + exp(x)) gives nan at 100).
    g = grad(lambda v: jnp.sum(vmap(f)(v)))(xs)
    np.testing.assert_allclose(np.asarray(g), [0.7310586, 0.9999546, 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(mlax.jacfwd(vmap(f))(xs)), np.diag([0.7310586, 0.9999546, 1.0]), rtol=1e-6
    )

    @custom_vjp
    def h(x):
        return jnp.sin(x)

    h.defvjp(lambda x: (h(x), jnp.cos(x)), lambda c, g: (c * g,))
    np.testing.assert_allclose(np.asarray(vmap(h)(xs)), np.sin(np.asarray(xs)), rtol=1e-6)


def _scaled_vjp(lib_custom_vjp, np_mod):
    """x * w with a deliberately non-mathematical bwd (3 * ct * w, 5 * ct * x)
    and a pytree residual, so tests see whether the rule was used."""

    @lib_custom_vjp
    def p(x, w):
        return x * w

    def p_fwd(x, w):
        return x * w, {"x": x, "w": w}

    def p_bwd(res, ct):
        return 3.0 * ct * res["w"], np_mod.sum(5.0 * ct * res["x"]) * np_mod.ones_like(res["w"])

    p.defvjp(p_fwd, p_bwd)
    return p


@pytest.mark.parametrize("shape", [(), (3,)])
def test_vmap_of_custom_vjp_uses_batched_fwd_and_bwd(rng, shape):
    p, pr = _scaled_vjp(custom_vjp, jnp), _scaled_vjp(jax.custom_vjp, ref)
    xs = rng.normal(size=(4,) + shape).astype(np.float32)
    w = rng.normal(size=shape).astype(np.float32)
    cases = [
        # gradient of a vmapped custom_vjp: w shared (its cotangent summed)
        (
            lambda xs, w: jnp.sum(vmap(p, (0, None))(xs, w) ** 2),
            lambda xs, w: ref.sum(jax.vmap(pr, (0, None))(xs, w) ** 2),
        ),
        # both batched
        (
            lambda xs, w: jnp.sum(jnp.sin(vmap(p)(xs, xs * w))),
            lambda xs, w: ref.sum(ref.sin(jax.vmap(pr)(xs, xs * w))),
        ),
        # vmap over vmap
        (
            lambda xs, w: jnp.sum(vmap(vmap(p, (0, None)), (0, None))(xs[None], w)),
            lambda xs, w: ref.sum(jax.vmap(jax.vmap(pr, (0, None)), (0, None))(xs[None], w)),
        ),
    ]
    for f, g in cases:
        for argnums in (0, 1, (0, 1)):
            got = grad(f, argnums)(xs, w)
            want = jax.grad(g, argnums)(xs, w)
            for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
            got_jit = jit(grad(f, argnums))(xs, w)
            for a, b in zip(jax.tree_util.tree_leaves(got_jit), jax.tree_util.tree_leaves(want)):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
    # per-example gradients through the rule (vmap of grad), and jacrev
    got = vmap(grad(lambda x, w: jnp.sum(p(x, w))), (0, None))(xs, w)
    want = jax.vmap(jax.grad(lambda x, w: ref.sum(pr(x, w))), (0, None))(xs, w)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    got = mlax.jacrev(lambda w: vmap(p, (0, None))(xs, w))(w)
    want = jax.jacrev(lambda w: jax.vmap(pr, (0, None))(xs, w))(w)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)


def _clip_gradient(lib_custom_vjp, clamp):
    @lib_custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def clip_gradient_fwd(lo, hi, x):
        return x, (lo, hi)

    def clip_gradient_bwd(res, g):
        lo, hi = res
        return (None, None, clamp(lo, g, hi))

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)
    return clip_gradient


def test_vmap_of_tutorial_gradient_clipping():
    from mlax import lax

    clip, clip_ref = (
        _clip_gradient(custom_vjp, lax.clamp),
        _clip_gradient(jax.custom_vjp, jax.lax.clamp),
    )
    xs = np.linspace(0.0, 10.0, 5, dtype=np.float32)
    los = -np.linspace(0.1, 0.5, 5).astype(np.float32)
    # The cotangent entering the rule is 3 (from the * 3 after it) and is
    # clipped per example, with shared or batched bounds.
    for f, g in [
        (
            lambda xs: jnp.sum(vmap(lambda x: clip(-0.75, 0.75, jnp.sin(x)) * 3)(xs)),
            lambda xs: ref.sum(jax.vmap(lambda x: clip_ref(-0.75, 0.75, ref.sin(x)) * 3)(xs)),
        ),
        (
            lambda xs: jnp.sum(vmap(lambda lo, x: clip(lo, 0.75, jnp.sin(x)) * 3)(los, xs)),
            lambda xs: ref.sum(jax.vmap(lambda lo, x: clip_ref(lo, 0.75, ref.sin(x)) * 3)(los, xs)),
        ),
    ]:
        got, want = grad(f)(xs), jax.grad(g)(xs)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(grad(f)(xs)), 0.75 * np.cos(xs), rtol=1e-6, atol=1e-7)


def _inspecting(scale, seen):
    @custom_vjp
    def f(x):
        return jnp.sin(x)

    def f_fwd(x):
        return jnp.sin(x), (x, jnp.cos(x))

    def f_bwd(res, g):
        x, c = res
        seen.append((type(x).__name__, repr(x), repr(g)))
        return (scale * c * g,)

    f.defvjp(f_fwd, f_bwd)
    return f


def test_eager_bwd_sees_values_as_in_jax():
    # Outside jit, bwd runs in Python on Arrays (a host callback from the
    # compiled reverse pass), so print/pdb show values: the tutorial's pdb
    # session prints Array(9., dtype=float32) and Array(-0.91113025, ...).
    seen = []
    f = _inspecting(1.0, seen)
    g = grad(lambda x: jnp.sin(f(x**2)))(3.0)
    want = jax.grad(lambda x: ref.sin(ref.sin(x**2)))(3.0)
    np.testing.assert_allclose(float(g), float(want), rtol=1e-6)
    assert seen == [
        (
            "Array",
            "Array(9., dtype=float32)",
            repr(jnp.asarray(np.cos(np.sin(np.float32(9.0))), np.float32)),
        )
    ]
    # Every eager call runs bwd again (JAX's eager reverse pass does too).
    grad(lambda x: jnp.sin(f(x**2)))(2.0)
    assert len(seen) == 2 and seen[1][1] == "Array(4., dtype=float32)"
    # vjp_fun called later, eagerly
    seen.clear()
    y, f_vjp = vjp(f, 0.5)
    (ct,) = f_vjp(2.0)
    np.testing.assert_allclose(float(ct), 2 * np.cos(0.5), rtol=1e-6)
    assert seen[0][0] == "Array"
    # Under jit, vmap or higher order, bwd is traced (as in JAX).
    seen.clear()
    jit(grad(f))(1.0)
    assert seen[0][0] == "Tracer"
    seen.clear()
    np.testing.assert_allclose(float(grad(grad(f))(1.0)), -np.sin(1.0), rtol=1e-6)
    assert seen[0][0] == "Tracer"
    seen.clear()
    np.testing.assert_allclose(
        np.asarray(vmap(grad(f))(jnp.array([1.0, 2.0]))), np.cos([1.0, 2.0]), rtol=1e-6
    )
    assert seen[0][0] == "Tracer"


def test_eager_bwd_callbacks_are_per_trace():
    # Same program text, different bwd functions: each call runs its own.
    f2, f3 = _inspecting(2.0, []), _inspecting(3.0, [])
    for f, k in ((f2, 2.0), (f3, 3.0), (f2, 2.0)):
        np.testing.assert_allclose(float(grad(f)(0.3)), k * np.cos(0.3), rtol=1e-6)


def test_eager_bwd_errors_propagate():
    @custom_vjp
    def f(x):
        return x

    def f_bwd(res, g):
        raise KeyError("from bwd")

    f.defvjp(lambda x: (x, None), f_bwd)
    with pytest.raises(KeyError, match="from bwd"):
        grad(f)(1.0)

    @custom_vjp
    def h(x):
        return x

    h.defvjp(lambda x: (x, None), lambda res, g: (jnp.ones(3),))
    with pytest.raises(ValueError, match=r"output 0 has shape \(3,\), expected \(\)"):
        grad(h)(1.0)
