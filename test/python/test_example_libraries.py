"""mlax.example_libraries (optimizers, stax) against jax.example_libraries:
every optimizer for 5 steps on a pytree (eager and under mlax.jit), the
schedules, clip_grads / l2_norm, state (un)packing; stax layers' init_fun
shapes and params and apply_fun values for the same PRNG key (mlax.random
draws jax.random's bits), and a jitted MLP training loop with adam."""

import jax
import mlax
import numpy as np
import pytest
from jax.example_libraries import optimizers as jopt
from jax.example_libraries import stax as jstax
from mlax import lax
from mlax.example_libraries import optimizers as opt
from mlax.example_libraries import stax

R = np.random.default_rng(7)


def _params():
    return {
        "w": R.normal(size=(3, 4)).astype(np.float32),
        "b": [R.normal(size=(5,)).astype(np.float32), np.float32(0.7)],
    }


def _grads(params, n):
    return [
        jax.tree.map(lambda p: R.normal(size=np.shape(p)).astype(np.float32), params)
        for _ in range(n)
    ]


def _close(got, want, tol=1e-6):
    g, gt = mlax.tree_util.tree_flatten(got)
    w, wt = jax.tree.flatten(want)
    assert len(g) == len(w), (gt, wt)
    for a, b in zip(g, w):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


OPTIMIZERS = [
    ("sgd", (0.1,), {}),
    ("sgd", (lambda i: 0.1 / (1.0 + i),), {}),
    ("momentum", (0.1, 0.9), {}),
    ("nesterov", (0.1, 0.9), {}),
    ("adagrad", (0.1,), {}),
    ("adagrad", (0.1,), {"momentum": 0.5}),
    ("rmsprop", (0.01,), {}),
    ("rmsprop_momentum", (0.01,), {"gamma": 0.8}),
    ("adam", (0.01,), {}),
    ("adamax", (0.01,), {"b1": 0.8}),
    ("sm3", (0.1,), {}),
]


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("name,args,kwargs", OPTIMIZERS)
def test_optimizer_matches_jax(name, args, kwargs, jit):
    params = _params()
    grads = _grads(params, 5)
    m_init, m_update, m_get = getattr(opt, name)(*args, **kwargs)
    j_init, j_update, j_get = getattr(jopt, name)(*args, **kwargs)
    m_state, j_state = m_init(params), j_init(params)
    j_jit_update = jax.jit(j_update)
    assert isinstance(m_state, opt.OptimizerState)
    _close(m_get(m_state), j_get(j_state))
    update = mlax.jit(m_update) if jit else m_update
    for i, g in enumerate(grads):
        m_state = update(i, g, m_state)
        j_state = j_jit_update(i, g, j_state)
        _close(m_get(m_state), j_get(j_state))
        assert isinstance(m_state, opt.OptimizerState)
    # the whole state, auxiliary moments included
    _close(m_state.packed_state, j_state.packed_state)


def test_optimizer_structure_mismatch():
    init, update, _ = opt.sgd(0.1)
    state = init({"a": np.ones(2, np.float32)})
    with pytest.raises(TypeError, match="gradient tree"):
        update(0, [np.ones(2, np.float32)], state)


def test_optimizer_state_is_pytree_and_packing_roundtrips():
    params = _params()
    state = opt.adam(0.1).init_fn(params)
    leaves, treedef = mlax.tree_util.tree_flatten(state)
    assert len(leaves) == 3 * 3
    again = mlax.tree_util.tree_unflatten(treedef, leaves)
    assert isinstance(again, opt.OptimizerState)
    assert again.tree_def == state.tree_def
    marked = opt.unpack_optimizer_state(state)
    assert isinstance(marked["w"], opt.JoinPoint)
    packed = opt.pack_optimizer_state(marked)
    assert packed.tree_def == state.tree_def and packed.subtree_defs == state.subtree_defs
    _close(packed.packed_state, jax.tree.map(np.asarray, state.packed_state))
    # an optimizer state passes through jit as a pytree
    f = mlax.jit(lambda s: mlax.tree_util.tree_map(lambda x: x * 2, s))
    doubled = f(state)
    assert isinstance(doubled, opt.OptimizerState)
    np.testing.assert_allclose(opt.adam(0.1).params_fn(doubled)["w"], 2 * params["w"])


SCHEDULES = [
    ("constant", (0.3,)),
    ("exponential_decay", (0.5, 3, 0.7)),
    ("inverse_time_decay", (0.5, 3, 0.7)),
    ("inverse_time_decay", (0.5, 3, 0.7, True)),
    ("polynomial_decay", (0.5, 6, 0.05)),
    ("polynomial_decay", (0.5, 6, 0.05, 2.0)),
    ("piecewise_constant", ([2, 5], [1.0, 0.5, 0.1])),
]


@pytest.mark.parametrize("name,args", SCHEDULES)
def test_schedules(name, args):
    ms, js = getattr(opt, name)(*args), getattr(jopt, name)(*args)
    jitted = mlax.jit(ms)
    for i in range(9):
        want = np.asarray(js(i))
        np.testing.assert_allclose(np.asarray(ms(i)), want, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(jitted(np.int32(i))), want, rtol=1e-6)


def test_make_schedule_and_piecewise_errors():
    assert opt.make_schedule(0.2)(7) == 0.2
    f = lambda i: i  # noqa: E731
    assert opt.make_schedule(f) is f
    with pytest.raises(TypeError):
        opt.make_schedule(np.ones(3))
    with pytest.raises(ValueError):
        opt.piecewise_constant([1, 2], [1.0, 2.0])


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grads_and_l2_norm(max_norm):
    g = _params()
    np.testing.assert_allclose(opt.l2_norm(g), jopt.l2_norm(g), rtol=1e-6)
    _close(opt.clip_grads(g, max_norm), jopt.clip_grads(g, max_norm))
    _close(mlax.jit(opt.clip_grads)(g, max_norm), jopt.clip_grads(g, max_norm))


# stax


def _jitted_init(init, jit, key, shape):
    """init(key, shape) with the params computed under `jit` (one compile,
    not one per op); the output shape is static."""
    out = {}

    def params(k):
        out["shape"], p = init(k, shape)
        return p

    p = jit(params)(key)
    return out["shape"], p


def _init_both(mlayer, jlayer, shape, seed=0, eager=False):
    """Both layers' init_fun for the same key (jax's under jax.jit; mlax's
    eagerly or under mlax.jit); the returned jax apply_fun is jax.jit'ed."""
    m_init, m_apply = mlayer
    j_init, j_apply = jlayer
    if eager:
        m_shape, m_params = m_init(mlax.random.key(seed), shape)
    else:
        m_shape, m_params = _jitted_init(m_init, mlax.jit, mlax.random.key(seed), shape)
    j_shape, j_params = _jitted_init(j_init, jax.jit, jax.random.key(seed), shape)
    assert tuple(m_shape) == tuple(int(d) for d in j_shape)
    _close(m_params, j_params)
    return m_apply, m_params, jax.jit(j_apply), j_params, m_shape


def _mlp(lib, out=10):
    return lib.serial(lib.Dense(16), lib.Relu, lib.Dense(out), lib.LogSoftmax)


def test_stax_mlp_init_and_apply():
    m_apply, m_params, j_apply, j_params, shape = _init_both(
        _mlp(stax), _mlp(jstax), (-1, 8), eager=True
    )
    assert shape == (-1, 10)
    assert [np.shape(p) for p in m_params[0]] == [(8, 16), (16,)]
    x = R.normal(size=(4, 8)).astype(np.float32)
    _close(m_apply(m_params, x), j_apply(j_params, x), 1e-5)
    _close(mlax.jit(m_apply)(m_params, x), j_apply(j_params, x), 1e-5)


ACTIVATIONS = [
    "Tanh",
    "Relu",
    "Exp",
    "LogSoftmax",
    "Softmax",
    "Softplus",
    "Sigmoid",
    "Elu",
    "LeakyRelu",
    "Selu",
    "Gelu",
]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_stax_activations(name):
    x = R.normal(size=(3, 5)).astype(np.float32)
    m_apply, mp, j_apply, jp, _ = _init_both(getattr(stax, name), getattr(jstax, name), (3, 5))
    _close(m_apply(mp, x), j_apply(jp, x), 1e-5)


POOLS = [
    # window, strides, padding, spec, input shape
    ((2, 2), None, "VALID", None, (2, 6, 6, 3)),
    ((3, 3), (2, 2), "SAME", None, (2, 7, 5, 3)),
    ((2, 3), (1, 2), "SAME", "NCHW", (2, 3, 6, 7)),
    ((2,), (2,), "VALID", "NWC", (2, 9, 4)),
]


@pytest.mark.parametrize("pool", ["MaxPool", "SumPool", "AvgPool"])
@pytest.mark.parametrize("window,strides,padding,spec,shape", POOLS)
def test_stax_pooling(pool, window, strides, padding, spec, shape):
    x = R.normal(size=shape).astype(np.float32)
    mk = lambda lib: getattr(lib, pool)(window, strides, padding, spec)  # noqa: E731
    m_apply, mp, j_apply, jp, out_shape = _init_both(mk(stax), mk(jstax), shape)
    got = m_apply(mp, x)
    assert got.shape == out_shape
    _close(got, j_apply(jp, x), 1e-5)


@pytest.mark.parametrize(
    "kwargs,shape",
    [
        ({}, (4, 3, 3, 5)),
        ({"axis": 0}, (6, 5)),
        ({"axis": (0, 1), "center": False}, (4, 3, 5)),
        ({"scale": False}, (2, 2, 3, 4)),
    ],
)
def test_stax_batchnorm(kwargs, shape):
    x = R.normal(size=shape).astype(np.float32) * 3 + 1
    mk = lambda lib: lib.BatchNorm(**kwargs)  # noqa: E731
    m_apply, mp, j_apply, jp, _ = _init_both(mk(stax), mk(jstax), shape)
    # non-trivial beta/gamma
    mp = jax.tree.map(lambda p: np.asarray(p) + R.normal(size=np.shape(p)).astype(np.float32), mp)
    jp = mp
    _close(m_apply(mp, x), j_apply(jp, x), 1e-5)


def test_stax_dropout():
    x = R.normal(size=(6, 7)).astype(np.float32)
    m_apply, mp, j_apply, jp, _ = _init_both(stax.Dropout(0.6), jstax.Dropout(0.6), (6, 7))
    got = m_apply(mp, x, rng=mlax.random.key(3))
    _close(got, j_apply(jp, x, rng=jax.random.key(3)), 1e-6)
    assert 0 < int(np.sum(np.asarray(got) == 0)) < x.size
    with pytest.raises(ValueError, match="PRNG key"):
        m_apply(mp, x)
    test_apply = stax.Dropout(0.6, mode="test")[1]
    np.testing.assert_array_equal(test_apply((), x, rng=mlax.random.key(3)), x)
    # through serial, which splits the key per layer
    net = lambda lib: lib.serial(lib.Dense(5), lib.Dropout(0.5), lib.Relu)  # noqa: E731
    m_apply, mp, j_apply, jp, _ = _init_both(net(stax), net(jstax), (6, 7), seed=2)
    got = mlax.jit(lambda p, x, k: m_apply(p, x, rng=k))(mp, x, mlax.random.key(4))
    _close(got, j_apply(jp, x, rng=jax.random.key(4)), 1e-5)


def test_stax_combinators():
    def net(lib):
        return lib.serial(
            lib.FanOut(3),
            lib.parallel(lib.Dense(4), lib.Identity, lib.serial(lib.Dense(4), lib.Tanh)),
            lib.FanOut(2),
            lib.parallel(
                lib.serial(lib.parallel(lib.Identity, lib.Dense(4), lib.Identity), lib.FanInSum),
                lib.FanInConcat(axis=-1),
            ),
            lib.FanInConcat(),
            lib.shape_dependent(lambda shape: lib.Dense(shape[-1] // 2)),
        )

    m_apply, mp, j_apply, jp, shape = _init_both(net(stax), net(jstax), (5, 4), seed=1)
    assert shape == (5, 8)
    x = R.normal(size=(5, 4)).astype(np.float32)
    _close(mlax.jit(m_apply)(mp, x), j_apply(jp, x), 1e-5)


def test_stax_flatten():
    x = R.normal(size=(2, 3, 4)).astype(np.float32)
    m_apply, mp, j_apply, jp, shape = _init_both(stax.Flatten, jstax.Flatten, (2, 3, 4))
    assert shape == (2, 12)
    _close(m_apply(mp, x), j_apply(jp, x))


CONVS = [
    ("Conv", (4, (3, 3)), {"strides": (2, 1), "padding": "SAME"}, (2, 7, 6, 3)),
    (
        "GeneralConv",
        (("NCHW", "OIHW", "NHWC"), 3, (3, 2)),
        {"padding": [(1, 0), (0, 2)]},
        (2, 2, 6, 5),
    ),
    ("ConvTranspose", (3, (3, 3)), {"strides": (2, 2), "padding": "SAME"}, (2, 4, 5, 2)),
    (
        "GeneralConvTranspose",
        (("NCH", "IOH", "NHC"), 2, (4,)),
        {"strides": (3,), "padding": "SAME"},
        (2, 3, 6),
    ),
]


def _conv_unavailable(op):
    """Why mlax.lax's convolution `op` cannot run yet (None when it can)."""
    fn = getattr(lax, op, None)
    if fn is None:
        return f"mlax.lax.{op} does not exist yet"
    one = np.ones((1, 1, 1, 1), np.float32)
    try:
        np.asarray(fn(one, one, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")))
    except Exception as e:  # an op still being added: defined, not yet built
        return f"mlax.lax.{op} does not run yet: {type(e).__name__}: {e}"
    return None


@pytest.mark.parametrize("name,args,kwargs,shape", CONVS)
def test_stax_conv(name, args, kwargs, shape):
    # init_fun (shape rules, kernel and bias initialization) needs no conv op
    mk = lambda lib: getattr(lib, name)(*args, **kwargs)  # noqa: E731
    m_apply, mp, j_apply, jp, out_shape = _init_both(mk(stax), mk(jstax), shape)
    x = R.normal(size=shape).astype(np.float32)
    op = "conv_transpose" if "Transpose" in name else "conv_general_dilated"
    if not hasattr(lax, op):
        with pytest.raises(NotImplementedError, match=op):
            m_apply(mp, x)
    why = _conv_unavailable(op)
    if why:
        pytest.skip(why)
    got = m_apply(mp, x)
    assert got.shape == out_shape
    _close(got, j_apply(jp, x), 1e-4)


def test_jitted_training_loop_adam():
    def loss(apply):
        def f(params, batch):
            x, y = batch
            return -(apply(params, x) * y).sum(axis=-1).mean()

        return f

    m_init, m_apply = _mlp(stax, 3)
    j_init, j_apply = _mlp(jstax, 3)
    _, m_params = m_init(mlax.random.key(5), (-1, 6))
    _, j_params = _jitted_init(j_init, jax.jit, jax.random.key(5), (-1, 6))
    _close(m_params, j_params)
    mo, jo = opt.adam(1e-2), jopt.adam(1e-2)
    m_loss, j_loss = loss(m_apply), loss(j_apply)

    @mlax.jit
    def m_step(i, state, batch):
        value, g = mlax.value_and_grad(m_loss)(mo.params_fn(state), batch)
        return value, mo.update_fn(i, g, state)

    @jax.jit
    def j_step(i, state, batch):
        value, g = jax.value_and_grad(j_loss)(jo.params_fn(state), batch)
        return value, jo.update_fn(i, g, state)

    m_state, j_state = mo.init_fn(m_params), jo.init_fn(j_params)
    for i in range(3):
        x = R.normal(size=(8, 6)).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[R.integers(0, 3, size=8)]
        mv, m_state = m_step(i, m_state, (x, y))
        jv, j_state = j_step(i, j_state, (x, y))
        np.testing.assert_allclose(np.asarray(mv), np.asarray(jv), rtol=1e-5, atol=1e-6)
        _close(mo.params_fn(m_state), jo.params_fn(j_state), 1e-5)
        assert isinstance(m_state, opt.OptimizerState)
