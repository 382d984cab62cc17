"""Multi-device differential tests against jax on 8 virtual CPU devices.

Run by test/python/test_sharding.py in a pytest subprocess with
XLA_FLAGS=--xla_force_host_platform_device_count=8 (the flag must be set
before jaxlib starts); skipped in a session with fewer devices.
"""

import jax
import jax.numpy as jnp_ref
import mlax
import mlax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import NamedSharding as JNamed
from jax.sharding import PartitionSpec as JP
from mlax import lax
from mlax.sharding import NamedSharding
from mlax.sharding import PartitionSpec as P

pytestmark = pytest.mark.skipif(
    mlax.device_count() < 8, reason="needs 8 devices (XLA_FLAGS device count)"
)


@pytest.fixture(scope="module")
def meshes():
    m1 = mlax.make_mesh((8,), ("data",))
    m2 = mlax.make_mesh((2, 4), ("data", "model"))
    devs = np.array(jax.devices())
    j1 = jax.sharding.Mesh(devs, ("data",))  # Auto axes, as mlax's
    j2 = jax.sharding.Mesh(devs.reshape(2, 4), ("data", "model"))
    return {1: (m1, j1), 2: (m2, j2)}


def jspec(spec):
    return JP(*spec)


def same_layout(x, y):
    """mlax Array x and jax Array y: same spec (up to trailing Nones) and
    the same block on every device."""
    sx, sy = x.sharding, y.sharding
    assert isinstance(sx, NamedSharding), sx
    trim = lambda s: tuple(s)[: max([i + 1 for i, p in enumerate(s) if p is not None], default=0)]  # noqa: E731
    assert trim(sx.spec) == trim(tuple(sy.spec)), (sx.spec, sy.spec)
    shards_x = {s.device.id: (s.index, np.asarray(s.data)) for s in x.addressable_shards}
    for s in y.addressable_shards:
        index, data = shards_x[s.device.id]
        assert index == s.index
        np.testing.assert_allclose(data, np.asarray(s.data), rtol=1e-5, atol=1e-6)


def test_mesh_api(meshes):
    m, _ = meshes[2]
    assert m.axis_names == ("data", "model")
    assert dict(m.shape) == {"data": 2, "model": 4}
    assert m.devices.shape == (2, 4)
    assert [d.id for d in m.devices.flat] == list(range(8))
    assert mlax.P is P
    assert tuple(P("data", None, ("data", "model"))) == ("data", None, ("data", "model"))
    assert mlax.process_index() == 0 and len(mlax.local_devices()) == 8
    assert NamedSharding(m, P("data")).spec == P("data")
    with pytest.raises(ValueError, match="not found in mesh"):
        NamedSharding(m, P("batch"))
    with pytest.raises(ValueError, match="duplicate"):
        NamedSharding(m, P("data", "data"))


@pytest.mark.parametrize(
    "mesh_kind,spec,shape",
    [
        (1, ("data",), (16, 3)),
        (2, ("data", "model"), (4, 8)),
        (2, (None, ("model", "data")), (3, 16)),
        (2, ("model",), (8, 2)),
        (2, (), (5, 3)),
    ],
)
def test_device_put_layout(meshes, mesh_kind, spec, shape):
    m, j = meshes[mesh_kind]
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    a = mlax.device_put(x, NamedSharding(m, P(*spec)))
    b = jax.device_put(x, JNamed(j, jspec(spec)))
    same_layout(a, b)
    np.testing.assert_array_equal(np.asarray(a), x)
    assert len(a.devices()) == 8
    # eager ops keep working on sharded arrays, with jax's layout
    same_layout(jnp.sin(a) * 2 + a, jnp_ref.sin(b) * 2 + b)


def test_eager_transformations_on_sharded_arrays(meshes):
    m, j = meshes[2]
    x = np.random.default_rng(11).normal(size=(8, 4)).astype(np.float32)
    a = mlax.device_put(x, NamedSharding(m, P("data", "model")))
    b = jax.device_put(x, JNamed(j, JP("data", "model")))
    f = lambda v: jnp.tanh(v) * v  # noqa: E731
    fj = lambda v: jnp_ref.tanh(v) * v  # noqa: E731
    np.testing.assert_allclose(np.asarray(mlax.vmap(f)(a)), np.asarray(jax.vmap(fj)(b)), rtol=1e-6)
    ga = mlax.grad(lambda v: f(v).sum())(a)
    np.testing.assert_allclose(
        np.asarray(ga), np.asarray(jax.grad(lambda v: fj(v).sum())(b)), rtol=1e-6
    )
    assert len(ga.devices()) == 8
    y, t = mlax.jvp(f, (a,), (a,))
    np.testing.assert_allclose(np.asarray(t), np.asarray(jax.jvp(fj, (b,), (b,))[1]), rtol=1e-6)


def test_device_put_errors(meshes):
    m, _ = meshes[1]
    with pytest.raises(ValueError, match="divisible by 8"):
        mlax.device_put(np.ones((6, 2)), NamedSharding(m, P("data")))
    with pytest.raises(ValueError, match="rank"):
        mlax.device_put(np.ones(()), NamedSharding(m, P("data")))


def test_data_parallel_matmul(meshes):
    m, j = meshes[1]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 16)).astype(np.float32)
    w = rng.normal(size=(16, 4)).astype(np.float32)
    xs = mlax.device_put(x, NamedSharding(m, P("data")))
    xj = jax.device_put(x, JNamed(j, JP("data")))
    out = mlax.jit(lambda a, b: jnp.tanh(a @ b))(xs, w)
    ref = jax.jit(lambda a, b: jnp_ref.tanh(a @ b))(xj, w)
    same_layout(out, ref)


def _mlp(params, x):
    w1, b1, w2 = params
    h = jnp.tanh(x @ w1 + b1)
    return h @ w2


def _mlp_ref(params, x):
    w1, b1, w2 = params
    h = jnp_ref.tanh(x @ w1 + b1)
    return h @ w2


def _mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    params = (
        rng.normal(size=(8, 16)).astype(np.float32) * 0.3,
        rng.normal(size=(16,)).astype(np.float32) * 0.1,
        rng.normal(size=(16, 4)).astype(np.float32) * 0.3,
    )
    x = rng.normal(size=(16, 8)).astype(np.float32)
    y = rng.normal(size=(16, 4)).astype(np.float32)
    return params, x, y


def test_tensor_parallel_mlp(meshes):
    m, j = meshes[2]
    params, x, y = _mlp_data()
    specs = (P(None, "model"), P("model"), P("model", None))
    in_sh = (tuple(NamedSharding(m, s) for s in specs), NamedSharding(m, P("data")))
    jin = (tuple(JNamed(j, jspec(s)) for s in specs), JNamed(j, JP("data")))
    out_sh = NamedSharding(m, P("data"))
    f = mlax.jit(_mlp, in_shardings=in_sh, out_shardings=out_sh)
    g = jax.jit(_mlp_ref, in_shardings=jin, out_shardings=JNamed(j, JP("data")))
    same_layout(f(params, x), g(params, x))

    loss = lambda p, x, y: ((_mlp(p, x) - y) ** 2).mean()  # noqa: E731
    loss_ref = lambda p, x, y: ((_mlp_ref(p, x) - y) ** 2).mean()  # noqa: E731
    gm = mlax.jit(mlax.grad(loss), in_shardings=in_sh + (None,), out_shardings=in_sh[0])
    gj = jax.jit(jax.grad(loss_ref), in_shardings=jin + (None,), out_shardings=jin[0])
    for a, b in zip(gm(params, x, y), gj(params, x, y)):
        same_layout(a, b)


def test_grad_of_sharded_params_propagates(meshes):
    m, j = meshes[2]
    params, x, y = _mlp_data(1)
    specs = (P(None, "model"), P("model"), P("model", None))
    pm = tuple(mlax.device_put(p, NamedSharding(m, s)) for p, s in zip(params, specs))
    pj = tuple(jax.device_put(p, JNamed(j, jspec(s))) for p, s in zip(params, specs))
    loss = lambda p: ((_mlp(p, x) - y) ** 2).sum()  # noqa: E731
    loss_ref = lambda p: ((_mlp_ref(p, x) - y) ** 2).sum()  # noqa: E731
    for a, b in zip(mlax.jit(mlax.grad(loss))(pm), jax.jit(jax.grad(loss_ref))(pj)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
    # eager grad on sharded params
    for a, b in zip(mlax.grad(loss)(pm), jax.jit(jax.grad(loss_ref))(pj)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


def test_data_parallel_sgd_equals_one_device(meshes):
    m, _ = meshes[1]
    params, x, y = _mlp_data(2)

    def step(p, x, y):
        g = mlax.grad(lambda p: ((_mlp(p, x) - y) ** 2).mean())(p)
        return tuple(a - 0.1 * b for a, b in zip(p, g))

    single = mlax.jit(step)
    ps = params
    for _ in range(5):
        ps = single(ps, x, y)
    repl = NamedSharding(m, P())
    data = NamedSharding(m, P("data"))
    sharded = mlax.jit(step, in_shardings=((repl,) * 3, data, data), out_shardings=(repl,) * 3)
    pd = params
    for _ in range(5):
        pd = sharded(pd, x, y)
    for a, b in zip(pd, ps):
        assert a.sharding.spec == P() and len(a.devices()) == 8
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", [("data",), (None, "model"), ("model", "data")])
def test_with_sharding_constraint(meshes, spec):
    m, j = meshes[2]
    x = np.arange(64, dtype=np.float32).reshape(8, 8)

    def f(x, lax_, ns):
        y = lax_.with_sharding_constraint(x * 2, ns)
        return (y * y).sum(0), y

    out, y = mlax.jit(lambda x: f(x, lax, NamedSharding(m, P(*spec))))(x)
    ref, yr = jax.jit(lambda x: f(x, jax.lax, JNamed(j, jspec(spec))))(x)
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref))
    same_layout(y, yr)
    # the constraint's JVP / transpose carry it to tangents and cotangents
    gm = mlax.jit(mlax.grad(lambda x: f(x, lax, NamedSharding(m, P(*spec)))[0].sum()))(x)
    gj = jax.jit(jax.grad(lambda x: f(x, jax.lax, JNamed(j, jspec(spec)))[0].sum()))(x)
    np.testing.assert_allclose(np.asarray(gm), np.asarray(gj))
    text = (
        mlax.jit(mlax.grad(lambda x: f(x, lax, NamedSharding(m, P(*spec)))[0].sum()))
        .lower(x)
        .as_text("stablehlo")
    )
    assert text.count('call_target_name = "Sharding"') >= 2


def test_vmap_with_constraint(meshes):
    m, j = meshes[2]
    x = np.arange(3 * 8 * 4, dtype=np.float32).reshape(3, 8, 4)
    f = lambda x: lax.with_sharding_constraint(jnp.sin(x), NamedSharding(m, P("model")))  # noqa: E731
    g = lambda x: jax.lax.with_sharding_constraint(jnp_ref.sin(x), JNamed(j, JP("model")))  # noqa: E731
    out = mlax.jit(mlax.vmap(f))(x)
    ref = jax.jit(jax.vmap(g))(x)
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-6)
    text = mlax.jit(mlax.vmap(f)).lower(x).as_text("stablehlo")
    assert "unspecified_dims=[0]" in text


# --- shard_map and collectives ------------------------------------------------


def _both(meshes, kind, body_m, body_j, in_specs, out_specs, *args, grad=True):
    m, j = meshes[kind]
    fm = mlax.shard_map(body_m, mesh=m, in_specs=in_specs, out_specs=out_specs)
    fj = jax.shard_map(
        body_j,
        mesh=j,
        in_specs=jax.tree.map(jspec, in_specs, is_leaf=lambda s: isinstance(s, P)),
        out_specs=jax.tree.map(jspec, out_specs, is_leaf=lambda s: isinstance(s, P)),
        check_vma=False,
    )
    out = mlax.jit(fm)(*args)
    ref = jax.jit(fj)(*args)
    for a, b in zip(jax.tree.leaves(out), jax.tree.leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    eager = fm(*args)
    for a, b in zip(jax.tree.leaves(eager), jax.tree.leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    if grad:
        lm = lambda *a: sum((jnp.sin(o) ** 2).sum() for o in mlax.tree_util.tree_leaves(fm(*a)))  # noqa: E731
        lj = lambda *a: sum((jnp_ref.sin(o) ** 2).sum() for o in jax.tree.leaves(fj(*a)))  # noqa: E731
        argnums = tuple(range(len(args)))
        gm = mlax.jit(mlax.grad(lm, argnums=argnums))(*args)
        gj = jax.jit(jax.grad(lj, argnums=argnums))(*args)
        for a, b in zip(gm, gj):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
    return out


X = np.random.default_rng(3).normal(size=(8, 8)).astype(np.float32)
W = np.random.default_rng(4).normal(size=(8, 4)).astype(np.float32)


def test_shard_map_psum_matmul(meshes):
    # row-parallel matmul: contraction dimension split over 'model'
    _both(
        meshes,
        2,
        lambda x, w: lax.psum(x @ w, "model"),
        lambda x, w: jax.lax.psum(x @ w, "model"),
        (P("data", "model"), P("model", None)),
        P("data", None),
        X,
        W,
    )


def test_shard_map_replicated_input_grad_is_summed(meshes):
    # w enters replicated (P()): its gradient is the sum over all devices
    _both(
        meshes,
        1,
        lambda x, w: jnp.tanh(x @ w),
        lambda x, w: jnp_ref.tanh(x @ w),
        (P("data"), P()),
        P("data"),
        X,
        W,
    )
    _both(
        meshes,
        2,
        lambda x, w: lax.pmean(jnp.tanh(x @ w), ("data", "model")),
        lambda x, w: jax.lax.pmean(jnp_ref.tanh(x @ w), ("data", "model")),
        (P("data"), P()),
        P(),
        X,
        W,
    )


@pytest.mark.parametrize("name", ["psum", "pmean", "pmax", "pmin"])
def test_shard_map_reductions(meshes, name):
    fm, fj = getattr(lax, name), getattr(jax.lax, name)
    _both(
        meshes,
        2,
        lambda x: fm(x * x, "data") + fm(x, ("data", "model")),
        lambda x: fj(x * x, "data") + fj(x, ("data", "model")),
        P("data", "model"),
        P(None, "model"),
        X,
        grad=name in ("psum", "pmean"),
    )


def test_pmax_gradient_finite_differences(meshes):
    # jax has no pmax derivative; mlax's is the selected device's tangent
    m, _ = meshes[1]
    f = mlax.shard_map(lambda x: lax.pmax(x, "data"), mesh=m, in_specs=P("data"), out_specs=P())
    x = np.random.default_rng(5).normal(size=(8, 3))
    loss = lambda x: (jnp.sin(f(x)) * np.arange(1.0, 4.0)).sum()  # noqa: E731
    g = np.asarray(mlax.jit(mlax.grad(loss))(x.astype(np.float32)))
    eps = 1e-3
    num = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        num[idx] = (
            float(loss((x + d).astype(np.float32))) - float(loss((x - d).astype(np.float32)))
        ) / (2 * eps)
    np.testing.assert_allclose(g, num, atol=2e-2)


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_shard_map_all_gather(meshes, tiled, axis):
    _both(
        meshes,
        2,
        lambda x: lax.all_gather(jnp.sin(x), "model", axis=axis, tiled=tiled),
        lambda x: jax.lax.all_gather(jnp_ref.sin(x), "model", axis=axis, tiled=tiled),
        P("data", "model"),
        P("data"),
        X,
    )


@pytest.mark.parametrize("tiled", [False, True])
def test_shard_map_psum_scatter(meshes, tiled):
    x = np.random.default_rng(6).normal(size=(8, 16)).astype(np.float32)
    dim = 1 if tiled else 0
    _both(
        meshes,
        1,
        lambda x: lax.psum_scatter(
            x.reshape(8, 2) if not tiled else x, "data", scatter_dimension=dim, tiled=tiled
        ),
        lambda x: jax.lax.psum_scatter(
            x.reshape(8, 2) if not tiled else x, "data", scatter_dimension=dim, tiled=tiled
        ),
        P("data"),
        P("data"),
        x,
    )


def test_shard_map_ppermute_and_axis_index(meshes):
    perm = [(i, (i + 1) % 4) for i in range(4)]
    _both(
        meshes,
        2,
        lambda x: lax.ppermute(x * (lax.axis_index("model") + 1), "model", perm),
        lambda x: jax.lax.ppermute(x * (jax.lax.axis_index("model") + 1), "model", perm),
        P("data", "model"),
        P("data", "model"),
        X,
    )
    # a partial permutation: devices nobody sends to get zeros
    _both(
        meshes,
        1,
        lambda x: lax.ppermute(x, "data", [(0, 3), (5, 1)]),
        lambda x: jax.lax.ppermute(x, "data", [(0, 3), (5, 1)]),
        P("data"),
        P("data"),
        X,
    )
    idx = _both(
        meshes,
        2,
        lambda x: (x[:1, :1] * 0 + lax.axis_index(("data", "model"))).astype(np.float32),
        lambda x: (x[:1, :1] * 0 + jax.lax.axis_index(("data", "model"))).astype(np.float32),
        P("data", "model"),
        P("data", "model"),
        X,
        grad=False,
    )
    assert np.asarray(idx).ravel().tolist() == list(range(8))


@pytest.mark.parametrize(
    "tiled,split,concat", [(True, 1, 0), (True, 0, 0), (False, 0, 1), (False, 1, 0), (False, 1, 1)]
)
def test_shard_map_all_to_all(meshes, tiled, split, concat):
    x = np.random.default_rng(7).normal(size=(8, 16)).astype(np.float32)
    bm = lambda x: lax.all_to_all(x, "model", split, concat, tiled=tiled)  # noqa: E731
    bj = lambda x: jax.lax.all_to_all(x, "model", split, concat, tiled=tiled)  # noqa: E731
    # jax's own grad of an untiled all_to_all that moves the axis fails
    jax_grad_ok = tiled or split == concat
    _both(meshes, 2, bm, bj, P("data", "model"), P("data", "model"), x, grad=jax_grad_ok)
    if not jax_grad_ok:  # the adjoint identity <A x, c> = <x, A^T c> instead
        m, _ = meshes[2]
        f = mlax.shard_map(bm, mesh=m, in_specs=P("data", "model"), out_specs=P("data", "model"))
        y, pullback = mlax.vjp(f, x)
        c = np.random.default_rng(9).normal(size=y.shape).astype(np.float32)
        (xt,) = pullback(c)
        np.testing.assert_allclose(np.sum(np.asarray(y) * c), np.sum(x * np.asarray(xt)), rtol=1e-4)


def test_shard_map_pytrees_closures_and_vmap(meshes):
    m, j = meshes[1]
    bias = np.float32(0.5)
    w = mlax.device_put(W)

    def body(d):
        return {"s": lax.psum(d["a"] @ w + bias, "data"), "b": d["b"] * 2}

    f = mlax.shard_map(
        body, mesh=m, in_specs=({"a": P("data"), "b": P()},), out_specs={"s": P(), "b": P()}
    )
    args = {"a": X, "b": np.ones(3, np.float32)}
    out = mlax.jit(f)(args)
    np.testing.assert_allclose(
        np.asarray(out["s"]), (X @ W + bias).reshape(8, 1, 4).sum(0), rtol=1e-5
    )
    np.testing.assert_allclose(np.asarray(out["b"]), 2 * np.ones(3))
    # vmap over a leading batch of the shard_map's inputs
    g = mlax.shard_map(
        lambda x: lax.psum(jnp.sin(x), "data"), mesh=m, in_specs=P("data"), out_specs=P()
    )
    xs = np.random.default_rng(8).normal(size=(3, 8, 2)).astype(np.float32)
    gj = jax.shard_map(
        lambda x: jax.lax.psum(jnp_ref.sin(x), "data"),
        mesh=j,
        in_specs=JP("data"),
        out_specs=JP(),
        check_vma=False,
    )
    np.testing.assert_allclose(
        np.asarray(mlax.jit(mlax.vmap(g))(xs)), np.asarray(jax.jit(jax.vmap(gj))(xs)), rtol=1e-5
    )
    # a closed-over traced value enters replicated
    h = lambda x, c: mlax.shard_map(
        lambda x: lax.psum(x * c, "data"), mesh=m, in_specs=P("data"), out_specs=P()
    )(x)  # noqa: E731
    hj = lambda x, c: jax.shard_map(
        lambda x: jax.lax.psum(x * c, "data"),
        mesh=j,
        in_specs=JP("data"),
        out_specs=JP(),
        check_vma=False,
    )(x)  # noqa: E731
    np.testing.assert_allclose(
        np.asarray(mlax.jit(mlax.grad(lambda c: h(X, c).sum()))(2.0)),
        np.asarray(jax.jit(jax.grad(lambda c: hj(X, c).sum()))(2.0)),
        rtol=1e-5,
    )


def test_shard_map_errors(meshes):
    m, _ = meshes[1]
    with pytest.raises(NameError, match="unbound axis name: model"):
        mlax.jit(
            mlax.shard_map(
                lambda x: lax.psum(x, "model"), mesh=m, in_specs=P("data"), out_specs=P()
            )
        )(X)
    with pytest.raises(NameError, match="unbound axis name"):
        mlax.jit(lambda x: lax.psum(x, "data"))(X)
    with pytest.raises(ValueError, match="not evenly divisible"):
        mlax.shard_map(lambda x: x, mesh=m, in_specs=P("data"), out_specs=P("data"))(
            np.ones((6, 2))
        )
    with pytest.raises(ValueError, match="unique"):
        mlax.jit(
            mlax.shard_map(
                lambda x: lax.ppermute(x, "data", [(0, 1), (2, 1)]),
                mesh=m,
                in_specs=P("data"),
                out_specs=P("data"),
            )
        )(X)
    with pytest.raises(TypeError, match="Mesh"):
        mlax.shard_map(lambda x: x, mesh="data", in_specs=P(), out_specs=P())


def test_jit_sharding_errors(meshes):
    m, _ = meshes[1]
    f = mlax.jit(lambda x: x, in_shardings=NamedSharding(m, P("data")))
    with pytest.raises(ValueError, match="divisible by 8"):
        f(np.ones((4, 2)))
    with pytest.raises(TypeError, match="Sharding"):
        mlax.jit(lambda x: x, in_shardings="data")(np.ones(8))
    with pytest.raises(ValueError, match="tree prefix"):
        mlax.jit(lambda x, y: x, in_shardings=(None, None, None))(np.ones(8), np.ones(8))
