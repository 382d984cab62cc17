"""mlax.checkpoint / remat against jax.checkpoint: gradients of MLPs with
every policy, nested checkpoints, remat of a scanned layer, higher order and
compositions with vmap and jit; the recomputation visible in the jitted
value_and_grad (not folded back by CSE); checkpoint_name policies,
lax.optimization_barrier, and the errors."""

import jax
import jax.ad_checkpoint
import jax.numpy as ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from mlax import lax

R = np.random.default_rng(3)
MP, JP = mlax.checkpoint_policies, jax.checkpoint_policies

POLICIES = {
    "default": (None, None),
    "everything": (MP.everything_saveable, JP.everything_saveable),
    "nothing": (MP.nothing_saveable, JP.nothing_saveable),
    "dots": (MP.dots_saveable, JP.dots_saveable),
    "checkpoint_dots": (MP.checkpoint_dots, JP.checkpoint_dots),
    "dots_no_batch": (MP.dots_with_no_batch_dims_saveable, JP.dots_with_no_batch_dims_saveable),
    "names": (MP.save_only_these_names("h"), JP.save_only_these_names("h")),
    "names_but": (MP.save_any_names_but_these("z"), JP.save_any_names_but_these("z")),
    "both": (
        MP.save_from_both_policies(MP.dots_saveable, MP.save_only_these_names("h")),
        JP.save_from_both_policies(JP.dots_saveable, JP.save_only_these_names("h")),
    ),
}


def _mlp(np_, name):
    def layer(params, x):
        w, b = params
        h = name(np_.tanh(x @ w + b), "h")
        return np_.sin(name(h * 2.0, "z"))

    return layer


def _loss(np_, ckpt, name, policy):
    layer = ckpt(_mlp(np_, name), policy=policy)

    def loss(params, x):
        for p in params:
            x = layer(p, x)
        return np_.sum(x**2)

    return loss


def _params(widths=(5, 6, 6, 4)):
    return [
        (
            (R.normal(size=(a, b)) * 0.5).astype(np.float32),
            (R.normal(size=(b,)) * 0.1).astype(np.float32),
        )
        for a, b in zip(widths[:-1], widths[1:])
    ]


def _close(a, b, tol=1e-5):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_mlp_grad_per_policy(policy):
    pm, pj = POLICIES[policy]
    params, x = _params(), R.normal(size=(3, 5)).astype(np.float32)
    lm = _loss(jnp, mlax.checkpoint, mlax.ad_checkpoint.checkpoint_name, pm)
    lj = _loss(ref, jax.checkpoint, jax.ad_checkpoint.checkpoint_name, pj)
    want = jax.value_and_grad(lj)(params, x)
    _close(mlax.value_and_grad(lm)(params, x), want)
    _close(mlax.jit(mlax.value_and_grad(lm))(params, x), want)
    # vmap of grad (per-example gradients) and grad of a vmapped loss.
    xs = R.normal(size=(2, 3, 5)).astype(np.float32)
    _close(
        mlax.vmap(mlax.grad(lm), in_axes=(None, 0))(params, xs),
        jax.vmap(jax.grad(lj), in_axes=(None, 0))(params, xs),
    )


@pytest.mark.parametrize("policy", ["nothing", "dots", "names"])
def test_higher_order(policy):
    pm, pj = POLICIES[policy]
    params, x = _params((3, 4, 2)), R.normal(size=(2, 3)).astype(np.float32)
    lm = _loss(jnp, mlax.checkpoint, mlax.ad_checkpoint.checkpoint_name, pm)
    lj = _loss(ref, jax.checkpoint, jax.ad_checkpoint.checkpoint_name, pj)
    w = params[0][0]
    fm = lambda w: lm([(w, params[0][1])] + params[1:], x)  # noqa: E731
    fj = lambda w: lj([(w, params[0][1])] + params[1:], x)  # noqa: E731
    _close(mlax.jit(mlax.hessian(fm))(w), jax.hessian(fj)(w), 1e-4)
    _close(mlax.jvp(mlax.grad(fm), (w,), (w,)), jax.jvp(jax.grad(fj), (w,), (w,)), 1e-4)
    _close(mlax.jvp(fm, (w,), (w,)), jax.jvp(fj, (w,), (w,)))


def test_nested_and_scan():
    params, x = _params((4, 4, 4)), R.normal(size=(2, 4)).astype(np.float32)

    def nested(np_, ckpt, name):
        inner = _loss(np_, ckpt, name, None)
        return ckpt(lambda p, x: inner(p, x) + np_.sum(ckpt(np_.cos)(x)))

    _close(
        mlax.grad(nested(jnp, mlax.checkpoint, mlax.ad_checkpoint.checkpoint_name))(params, x),
        jax.grad(nested(ref, jax.checkpoint, jax.ad_checkpoint.checkpoint_name))(params, x),
    )
    ws = (R.normal(size=(6, 4, 4)) * 0.5).astype(np.float32)

    def scanned(np_, lx, ckpt, policy):
        def body(h, w):
            return ckpt(lambda h, w: np_.tanh(h @ w), policy=policy)(h, w), np_.sum(h)

        def loss(ws, x):
            h, s = lx.scan(body, x, ws)
            return np_.sum(h**2) + np_.sum(s)

        return loss

    for name in ("nothing", "dots"):
        pm, pj = POLICIES[name]
        _close(
            mlax.jit(mlax.grad(scanned(jnp, lax, mlax.checkpoint, pm), argnums=(0, 1)))(ws, x),
            jax.grad(scanned(ref, jax.lax, jax.checkpoint, pj), argnums=(0, 1))(ws, x),
        )


def test_static_argnums_kwargs_and_eager():
    def f(x, n, *, scale):
        for _ in range(n):
            x = jnp.sin(x) * scale
        return x

    def fj(x, n, *, scale):
        for _ in range(n):
            x = ref.sin(x) * scale
        return x

    x = R.normal(size=(3,)).astype(np.float32)
    got = mlax.grad(lambda x: jnp.sum(mlax.remat(f, static_argnums=1)(x, 3, scale=2.0)))(x)
    want = jax.grad(lambda x: ref.sum(jax.remat(fj, static_argnums=1)(x, 3, scale=2.0)))(x)
    _close(got, want)
    np.testing.assert_allclose(
        mlax.checkpoint(f, static_argnums=(1,))(x, 2, scale=1.0), fj(x, 2, scale=1.0), rtol=1e-6
    )
    # pytrees in and out
    g = mlax.checkpoint(lambda d: {"a": d["x"] * 2, "b": (jnp.cos(d["y"]),)})
    out = mlax.jit(g)({"x": x, "y": x})
    np.testing.assert_allclose(out["b"][0], np.cos(x), rtol=1e-6)


def _count(text: str, op: str) -> int:
    return text.count(f"mlax.{op} ")


def test_recomputation_is_visible():
    # value_and_grad of a remat'd tanh layer: the tanh appears twice in the
    # function body (forward, and recomputed after the barrier); without
    # checkpoint once; with prevent_cse=False CSE may fold them back.
    w = R.normal(size=(4, 4)).astype(np.float32)
    x = R.normal(size=(2, 4)).astype(np.float32)

    def make(ckpt, **kw):
        f = (
            (lambda w: jnp.sin(jnp.tanh(x @ w) @ w))
            if ckpt is None
            else ckpt(lambda w: jnp.sin(jnp.tanh(x @ w) @ w), **kw)
        )
        return mlax.jit(mlax.value_and_grad(lambda w: jnp.sum(f(w))))

    remat = make(mlax.checkpoint).lower(w).as_text()
    plain = make(None).lower(w).as_text()
    assert _count(plain, "tanh") == 1 and _count(remat, "tanh") == 2
    assert "optimization_barrier" in remat and "optimization_barrier" not in plain
    dots = make(mlax.checkpoint, policy=MP.dots_saveable).lower(w).as_text()
    # dots saved: the two forward dots are not recomputed.
    assert _count(dots, "dot_general") == _count(plain, "dot_general")
    assert _count(dots, "tanh") == 2
    no_cse = make(mlax.checkpoint, prevent_cse=False).lower(w).as_text()
    assert "optimization_barrier" not in no_cse
    # StableHLO keeps the barrier, drops the regions.
    hlo = make(mlax.checkpoint).lower(w).as_text(dialect="stablehlo")
    assert "stablehlo.optimization_barrier" in hlo and "checkpoint" not in hlo


def test_optimization_barrier():
    x = R.normal(size=(3,)).astype(np.float32)
    got = lax.optimization_barrier((x, 2 * x))
    want = jax.lax.optimization_barrier((x, 2 * x))
    _close(got, want)
    f = lambda lx, np_: lambda x: np_.sum(np_.sin(lx.optimization_barrier(x)) ** 2)  # noqa: E731
    _close(mlax.grad(f(lax, jnp))(x), jax.grad(f(jax.lax, ref))(x))
    _close(mlax.jvp(f(lax, jnp), (x,), (x,)), jax.jvp(f(jax.lax, ref), (x,), (x,)))
    xs = np.stack([x, -x])
    _close(mlax.vmap(mlax.grad(f(lax, jnp)))(xs), jax.vmap(jax.grad(f(jax.lax, ref)))(xs))
    assert lax.optimization_barrier(()) == ()


def test_checkpoint_name_and_errors():
    x = R.normal(size=(3,)).astype(np.float32)
    name = mlax.ad_checkpoint.checkpoint_name
    np.testing.assert_array_equal(name(x, "a"), x)
    np.testing.assert_array_equal(mlax.jit(lambda x: name(x, "a"))(x), x)
    _close(mlax.grad(lambda x: jnp.sum(name(jnp.sin(x), "a")))(x), np.cos(x))
    _close(mlax.vmap(lambda x: name(x * 2, "a"))(x), 2 * x)
    with pytest.raises(TypeError, match="policy"):
        mlax.checkpoint(jnp.sin, policy=lambda prim, *a, **k: True)
    with pytest.raises(TypeError, match="callable"):
        mlax.checkpoint(3)
    with pytest.raises(TypeError, match="names"):
        MP.save_only_these_names("a,b")
    assert MP.dots_saveable is MP.checkpoint_dots
    assert mlax.ad_checkpoint.checkpoint is mlax.checkpoint is mlax.remat
