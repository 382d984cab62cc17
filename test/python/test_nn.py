"""mlax.nn against jax.nn: signatures, values and dtypes, grad and vmap of the
activations, the softmax family and logsumexp with their keywords, one_hot,
standardize, and the initializers bit for bit for the same key."""

import inspect

import jax
import jax.nn as ref
import jax.numpy as rnp
import mlax
import mlax.nn as nn
import numpy as np
import pytest

jax.config.update("jax_platforms", "cpu")

R = np.random.default_rng(11)


def _x(shape, dtype=np.float32, lo=-3.0, hi=3.0):
    return R.uniform(lo, hi, size=shape).astype(dtype)


def _check(got, want, rtol=1e-5, atol=1e-6):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _check(g, w, rtol, atol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        wide = np.complex128 if got.dtype.kind == "c" else np.float64
        np.testing.assert_allclose(
            got.astype(wide), want.astype(wide), rtol=rtol, atol=atol, equal_nan=True
        )


def _tol(dtype):
    return (2e-3, 2e-3) if np.dtype(dtype) == np.float16 else (2e-5, 2e-6)


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", [n for n in nn.__all__ if n not in ("initializers", "tanh")])
def test_signature_matches_jax(name):
    assert _sig(getattr(nn, name)) == _sig(getattr(ref, name))


@pytest.mark.parametrize("name", nn.initializers.__all__)
def test_initializer_signature_matches_jax(name):
    if name == "Initializer":
        return
    got, want = getattr(nn.initializers, name), getattr(ref.initializers, name)
    assert _sig(got) == _sig(want)
    if name not in ("zeros", "ones"):
        args = (1.0, "fan_in", "normal") if name == "variance_scaling" else ()
        if name == "constant":
            args = (0.5,)
        assert _sig(got(*args)) == _sig(want(*args))


def test_jax_names_covered():
    skipped = {
        "scaled_matmul",
        "scaled_dot_general",
        "get_scaled_dot_general_config",
    }
    public = {n for n in dir(ref) if not n.startswith("_") and callable(getattr(ref, n))}
    assert public - skipped - {"initializers"} <= set(nn.__all__)
    init_public = {n for n in dir(ref.initializers) if not n.startswith("_")}
    assert init_public == set(nn.initializers.__all__)


# name: (kwargs, (lo, hi))
ACTIVATIONS = {
    "relu": ({}, (-3, 3)),
    "relu6": ({}, (-3, 9)),
    "sigmoid": ({}, (-3, 3)),
    "log_sigmoid": ({}, (-3, 3)),
    "softplus": ({}, (-3, 3)),
    "sparse_plus": ({}, (-2, 2)),
    "sparse_sigmoid": ({}, (-2, 2)),
    "soft_sign": ({}, (-3, 3)),
    "silu": ({}, (-3, 3)),
    "swish": ({}, (-3, 3)),
    "gelu": ({}, (-3, 3)),
    "gelu_exact": ({"approximate": False}, (-3, 3)),
    "elu": ({}, (-3, 3)),
    "elu_alpha": ({"alpha": 0.5}, (-3, 3)),
    "selu": ({}, (-3, 3)),
    "celu": ({"alpha": 2.0}, (-3, 3)),
    "leaky_relu": ({"negative_slope": 0.2}, (-3, 3)),
    "glu": ({"axis": -1}, (-3, 3)),
    "hard_tanh": ({}, (-2, 2)),
    "hard_sigmoid": ({}, (-4, 4)),
    "hard_silu": ({}, (-4, 4)),
    "hard_swish": ({}, (-4, 4)),
    "mish": ({}, (-3, 3)),
    "squareplus": ({"b": 2.0}, (-3, 3)),
    "tanh": ({}, (-3, 3)),
    "identity": ({}, (-3, 3)),
    "log1mexp": ({}, (0.1, 3)),
}


def _fn(mod, case):
    name = case.split("_exact")[0].split("_alpha")[0]
    return getattr(mod, name)


@pytest.mark.parametrize("case", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape,dtype", [((2, 4), np.float32), ((4,), np.float16)])
def test_activation_values(case, shape, dtype):
    kw, (lo, hi) = ACTIVATIONS[case]
    x = _x(shape, dtype, lo, hi)
    rtol, atol = _tol(dtype)
    _check(_fn(nn, case)(x, **kw), _fn(ref, case)(x, **kw), rtol, atol)


@pytest.mark.parametrize("case", sorted(ACTIVATIONS))
def test_activation_grad_vmap(case):
    kw, (lo, hi) = ACTIVATIONS[case]
    x = _x((3, 4), np.float32, lo, hi)
    f, g = _fn(nn, case), _fn(ref, case)
    w = _x((3, 2) if case == "glu" else (3, 4))
    _check(
        mlax.grad(lambda x: (f(x, **kw) * w).sum())(x),
        jax.grad(lambda x: (g(x, **kw) * w).sum())(x),
        1e-4,
        1e-5,
    )
    _check(mlax.vmap(lambda x: f(x, **kw))(x), jax.vmap(lambda x: g(x, **kw))(x))


def test_int_input_and_weak_scalars():
    xi = np.arange(-2, 3, dtype=np.int32)
    for name in ("relu", "relu6", "hard_tanh", "leaky_relu", "identity"):
        _check(getattr(nn, name)(xi), getattr(ref, name)(xi))
    for name in ("gelu", "softplus", "elu", "softmax", "logsumexp"):
        _check(getattr(nn, name)(xi), getattr(ref, name)(xi))
    for name in ("sigmoid", "silu"):  # lax.logistic takes floats only
        with pytest.raises(TypeError):
            getattr(ref, name)(xi)
        with pytest.raises(TypeError):
            getattr(nn, name)(xi)
    _check(nn.relu(2.0), ref.relu(2.0))


def test_relu_derivative_at_kinks():
    z = np.array([0.0, 6.0, -1.0, 3.0], np.float32)
    _check(mlax.grad(lambda x: nn.relu(x).sum())(z), jax.grad(lambda x: ref.relu(x).sum())(z))
    _check(mlax.grad(lambda x: nn.relu6(x).sum())(z), jax.grad(lambda x: ref.relu6(x).sum())(z))
    assert float(mlax.grad(nn.relu)(0.0)) == 0.0
    assert float(mlax.jvp(nn.relu, (0.0,), (1.0,))[1]) == 0.0
    _check(
        mlax.grad(lambda x: nn.hard_tanh(x).sum())(z), jax.grad(lambda x: ref.hard_tanh(x).sum())(z)
    )


def test_glu_odd_axis_raises():
    with pytest.raises(AssertionError):
        ref.glu(np.ones((2, 3), np.float32))
    with pytest.raises(AssertionError):
        nn.glu(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, (0, 2), None])
def test_softmax_axis(name, axis):
    x = _x((2, 3, 4))
    f, g = getattr(nn, name), getattr(ref, name)
    _check(f(x, axis=axis), g(x, axis=axis))
    w = _x((2, 3, 4))
    _check(
        mlax.grad(lambda x: (f(x, axis=axis) * w).sum())(x),
        jax.grad(lambda x: (g(x, axis=axis) * w).sum())(x),
        1e-4,
        1e-5,
    )


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_where_vmap_f16(name):
    x = _x((3, 5))
    where = R.integers(0, 2, size=(3, 5)).astype(bool)
    where[:, 0] = True
    f, g = getattr(nn, name), getattr(ref, name)
    _check(f(x, where=where), g(x, where=where))
    _check(f(x, axis=0, where=where[0]), g(x, axis=0, where=where[0]))
    w = _x((3, 5))
    _check(
        mlax.grad(lambda x: (f(x, where=where) * w).sum(where=where))(x),
        jax.grad(lambda x: (g(x, where=where) * w).sum(where=where))(x),
        1e-4,
        1e-5,
    )
    _check(mlax.vmap(f)(x), jax.vmap(g)(x))
    _check(f(x.astype(np.float16)), g(x.astype(np.float16)), 2e-3, 2e-3)
    # Second derivative (the custom rule differentiated again).
    _check(
        mlax.grad(lambda x: mlax.grad(lambda y: f(y)[0, 1])(x).sum())(x),
        jax.grad(lambda x: jax.grad(lambda y: g(y)[0, 1])(x).sum())(x),
        1e-3,
        1e-5,
    )


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"axis": 1},
        {"axis": (0, 2), "keepdims": True},
        {"axis": -1, "b": "pos"},
        {"axis": 0, "b": "mixed"},
        {"axis": 0, "b": "mixed", "return_sign": True},
        {"axis": 1, "return_sign": True, "keepdims": True},
        {"axis": 2, "where": True},
        {"axis": None, "where": True, "keepdims": True},
    ],
)
def test_logsumexp(kw):
    x = _x((2, 3, 4))
    kw = dict(kw)
    if kw.get("b") == "pos":
        kw["b"] = _x((4,), lo=0.1, hi=2.0)
    elif kw.get("b") == "mixed":
        kw["b"] = _x((2, 3, 4), lo=-1.0, hi=1.0)
    if kw.get("where"):
        kw["where"] = R.integers(0, 2, size=(2, 3, 4)).astype(bool)
        kw["where"][..., 0] = True
    _check(nn.logsumexp(x, **kw), ref.logsumexp(x, **kw))
    if not kw.get("return_sign") and "b" not in kw:
        _check(
            mlax.grad(lambda x: nn.logsumexp(x, **kw).sum())(x),
            jax.grad(lambda x: ref.logsumexp(x, **kw).sum())(x),
            1e-4,
            1e-5,
        )


def test_logsumexp_inf_and_logmeanexp():
    x = np.array([[-np.inf, -np.inf], [1.0, np.inf]], np.float32)
    _check(nn.logsumexp(x, axis=1), ref.logsumexp(x, axis=1))
    y = _x((3, 4))
    where = R.integers(0, 2, size=(3, 4)).astype(bool)
    where[:, 0] = True
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}, {"axis": 1, "where": where}):
        _check(nn.logmeanexp(y, **kw), ref.logmeanexp(y, **kw))
    _check(nn.logsumexp(np.arange(4)), ref.logsumexp(np.arange(4)))


@pytest.mark.parametrize(
    "kw", [{}, {"dtype": np.int32}, {"axis": 0}, {"axis": 1, "dtype": np.float16}]
)
def test_one_hot(kw):
    x = np.array([[0, 2, -1], [3, 1, 4]], np.int32)
    _check(nn.one_hot(x, 4, **kw), ref.one_hot(x, 4, **kw))
    _check(mlax.vmap(lambda i: nn.one_hot(i, 5))(x), jax.vmap(lambda i: ref.one_hot(i, 5))(x))


def test_one_hot_errors():
    with pytest.raises(TypeError):
        ref.one_hot(np.array([1]), 3, np.float32)
    with pytest.raises(TypeError):
        nn.one_hot(np.array([1]), 3, np.float32)
    with pytest.raises(TypeError):
        nn.one_hot(np.array([1]), 2.5)
    with pytest.warns(DeprecationWarning):
        nn.one_hot(np.array([1.0]), 3)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"axis": 0},
        {"axis": (0, 1), "algorithm": "stable"},
        {"epsilon": 0.1, "mean": 0.5, "variance": 2.0},
        {"where": True, "algorithm": "stable"},
    ],
)
def test_standardize(kw):
    x = _x((3, 4))
    kw = dict(kw)
    if kw.get("where"):
        kw["where"] = R.integers(0, 2, size=(3, 4)).astype(bool)
        kw["where"][:, :2] = True
    _check(nn.standardize(x, **kw), ref.standardize(x, **kw), 1e-4, 1e-5)
    if "where" not in kw:
        _check(
            mlax.grad(lambda x: (nn.standardize(x, **kw) ** 2 * x).sum())(x),
            jax.grad(lambda x: (ref.standardize(x, **kw) ** 2 * x).sum())(x),
            1e-3,
            1e-4,
        )


def test_standardize_bad_algorithm():
    x = _x((3,))
    with pytest.raises(ValueError):
        ref.standardize(x, algorithm="nope")
    with pytest.raises(ValueError):
        nn.standardize(x, algorithm="nope")


# ---------------------------------------------------------------------------
# Initializers: bit-identical for the same key

I, RI = nn.initializers, ref.initializers


def _keys():
    return [
        (mlax.random.key(0), jax.random.key(0)),
        (mlax.random.PRNGKey(42), jax.random.PRNGKey(42)),
    ]


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


INITS = [
    ("zeros", None),
    ("ones", None),
    ("constant", (0.25,)),
    ("uniform", ()),
    ("uniform", (2.0,)),
    ("normal", (0.5,)),
    ("truncated_normal", ()),
    ("truncated_normal", (1.5, None, -1.0, 0.5)),
    ("glorot_uniform", ()),
    ("glorot_normal", ()),
    ("xavier_uniform", ()),
    ("xavier_normal", ()),
    ("lecun_uniform", ()),
    ("lecun_normal", ()),
    ("he_uniform", ()),
    ("he_normal", ()),
    ("kaiming_uniform", ()),
    ("kaiming_normal", ()),
] + [
    ("variance_scaling", (2.0, mode, dist))
    for mode, dist in (
        ("fan_in", "normal"),
        ("fan_out", "truncated_normal"),
        ("fan_out", "uniform"),
        ("fan_geo_avg", "truncated_normal"),
        ("fan_geo_avg", "normal"),
        ("fan_avg", "normal"),
    )
]


@pytest.mark.parametrize("name,args", INITS, ids=lambda v: str(v))
def test_initializer_bit_identical(name, args):
    # Two keys (typed and raw), each with its own shape and dtype.
    cases = zip((((3, 4), None), ((2, 3, 5), np.float16)), _keys())
    for (shape, dtype), (mk, jk) in cases:
        if args is None:
            got, want = getattr(I, name), getattr(RI, name)
        else:
            got, want = getattr(I, name)(*args), getattr(RI, name)(*args)
        _same(got(mk, shape, dtype), want(jk, shape, dtype))


@pytest.mark.parametrize(
    "axes",
    [
        {"in_axis": 0, "out_axis": 1},
        {"in_axis": -2, "out_axis": -1, "batch_axis": 0},
        {"in_axis": (0, 1), "out_axis": 3, "batch_axis": (2,)},
    ],
)
def test_variance_scaling_axes_and_dtype(axes):
    shape = (2, 3, 4, 5)
    for dist in ("truncated_normal", "uniform"):
        for mk, jk in _keys():
            got = I.variance_scaling(1.0, "fan_avg", dist, **axes, dtype=np.float16)
            want = RI.variance_scaling(1.0, "fan_avg", dist, **axes, dtype=np.float16)
            _same(got(mk, shape), want(jk, shape))
    _same(
        I.glorot_uniform(**axes)(mlax.random.key(3), shape),
        RI.glorot_uniform(**axes)(jax.random.key(3), shape),
    )


def test_complex_variance_scaling():
    for dist in ("truncated_normal", "uniform", "normal"):
        got = I.variance_scaling(1.0, "fan_in", dist)(mlax.random.key(1), (3, 4), np.complex64)
        want = RI.variance_scaling(1.0, "fan_in", dist)(jax.random.key(1), (3, 4), np.complex64)
        _same(got, want)


def test_initializer_errors():
    k, jk = mlax.random.key(0), jax.random.key(0)
    for mod, key in ((I, k), (RI, jk)):
        with pytest.raises(ValueError, match="default in_axis"):
            mod.glorot_uniform()(key, (4,))
        with pytest.raises(ValueError, match="invalid mode"):
            mod.variance_scaling(1.0, "fan_bad", "normal")(key, (2, 3))
        with pytest.raises(ValueError, match="invalid distribution"):
            mod.variance_scaling(1.0, "fan_in", "cauchy")(key, (2, 3))
    # 1-D works with an explicit in_axis.
    _same(
        I.lecun_normal(in_axis=0, out_axis=0)(k, (4,)),
        RI.lecun_normal(in_axis=0, out_axis=0)(jk, (4,)),
    )
    assert isinstance(I.zeros, I.Initializer) and isinstance(I.uniform(), I.Initializer)


def test_initializer_under_jit():
    f = mlax.jit(lambda key: I.he_normal()(key, (4, 3)))
    _same(f(mlax.random.key(5)), RI.he_normal()(jax.random.key(5), (4, 3)))
    _check(I.zeros(None, (2, 2), np.int32), rnp.zeros((2, 2), np.int32))


def test_gelu_exact_bit_identical():
    # x/2 * erfc(-x/sqrt(2)), as jax: the same values bit for bit
    for dtype in (np.float32, np.float16, jax.numpy.bfloat16):
        x = _x((64,), dtype, -6.0, 6.0)
        _same(nn.gelu(x, approximate=False), ref.gelu(x, approximate=False))
    x = _x((64,), np.float32, -6.0, 6.0)
    _same(
        mlax.jit(lambda v: nn.gelu(v, approximate=False))(x),
        jax.jit(lambda v: ref.gelu(v, approximate=False))(x),
    )


@pytest.mark.parametrize(
    "shape,kw",
    [
        ((3, 4), {}),
        ((5, 3), {"scale": 2.0}),
        ((2, 3, 4), {"column_axis": 0}),
        ((4, 2, 3), {"column_axis": 1, "dtype": np.complex64}),
    ],
    ids=str,
)
def test_orthogonal_initializer(shape, kw):
    for mk, jk in _keys():
        _same(I.orthogonal(**kw)(mk, shape), RI.orthogonal(**kw)(jk, shape))
    _same(I.orthogonal()(mlax.random.key(0), (0, 3)), RI.orthogonal()(jax.random.key(0), (0, 3)))


def test_delta_orthogonal_initializer():
    for shape in ((3, 4, 4), (3, 2, 3, 5), (3, 3, 2, 2, 3)):
        for mk, jk in _keys():
            _same(I.delta_orthogonal()(mk, shape), RI.delta_orthogonal()(jk, shape))
    for mod, key in ((I, mlax.random.key(0)), (RI, jax.random.key(0))):
        with pytest.raises(ValueError, match="at least a 2D"):
            mod.orthogonal()(key, (4,))
        with pytest.raises(ValueError, match="3D, 4D or 5D"):
            mod.delta_orthogonal()(key, (3, 3))
        with pytest.raises(ValueError, match="fan_in"):
            mod.delta_orthogonal()(key, (3, 4, 2))


# dot_product_attention against jax's "xla" implementation

ATTN = [
    ("mha", (2, 5, 4, 8), (2, 6, 4, 8), {}),
    ("gqa", (2, 5, 4, 8), (2, 6, 2, 8), {}),
    ("mqa_unbatched", (5, 4, 8), (6, 1, 8), {}),
    ("causal_scale", (2, 6, 2, 4), (2, 6, 2, 4), {"is_causal": True, "scale": 0.3}),
    ("bias_mask", (2, 5, 4, 8), (2, 6, 2, 8), {"bias": (1, 4, 5, 6), "mask": (2, 1, 5, 6)}),
    ("bias_n1", (2, 5, 4, 8), (2, 6, 2, 8), {"bias": (2, 1, 1, 6)}),
    ("seqlens", (2, 5, 2, 8), (2, 6, 2, 8), {"seqlens": True}),
    ("window", (1, 7, 2, 4), (1, 7, 2, 4), {"local_window_size": (2, 1)}),
    ("window_int_causal", (1, 7, 2, 4), (1, 7, 2, 4), {"local_window_size": 2, "is_causal": True}),
]


def _attn_args(qs, ks, kw, dtype=np.float32):
    q, k, v = _x(qs, dtype), _x(ks, dtype), _x(ks, dtype)
    kw = dict(kw)
    if "bias" in kw:
        kw["bias"] = _x(kw["bias"])
    if "mask" in kw:
        kw["mask"] = R.uniform(size=kw["mask"]) > 0.3
    if kw.pop("seqlens", False):
        kw["query_seq_lengths"] = np.array([3, 5], np.int32)
        kw["key_value_seq_lengths"] = np.array([6, 2], np.int32)
    return (q, k, v), kw


@pytest.mark.parametrize("name,qs,ks,kw", ATTN, ids=[a[0] for a in ATTN])
def test_dot_product_attention(name, qs, ks, kw):
    # mlax runs the attention as one compiled program: compare with jax's, jitted
    # (jax's op-by-op eager result itself differs from its jitted one in the last
    # bit). Bit-identical for N == K; with grouped heads XLA's code for the
    # batched layouts can round the softmax / second product 1 ulp apart.
    args, kw = _attn_args(qs, ks, kw)
    got = nn.dot_product_attention(*args, **kw, return_residual=True)
    want = jax.jit(lambda *a: ref.dot_product_attention(*a, **kw, return_residual=True))(*args)
    for g, w in zip(got, want):
        if qs[-2] == ks[-2]:
            _same(g, w)
        else:
            _check(g, w, 1e-6, 1e-6)
    _same(nn.dot_product_attention(*args, **kw), got[0])


def test_dot_product_attention_grad_jit_dtypes():
    args, kw = _attn_args((2, 5, 4, 8), (2, 6, 2, 8), {"is_causal": True})

    def loss(mod, fn):
        return lambda q, k, v: mod.numpy.sum(fn(q, k, v, **kw) ** 2)

    got = mlax.jit(mlax.grad(loss(mlax, nn.dot_product_attention), argnums=(0, 1, 2)))(*args)
    want = jax.jit(jax.grad(loss(jax, ref.dot_product_attention), argnums=(0, 1, 2)))(*args)
    # (fully masked-but-one rows: exact zeros here, rounding noise ~1e-6 in jax)
    _check(tuple(got), tuple(want), 1e-5, 1e-4)
    for dtype in (np.float16, jax.numpy.bfloat16):
        a16 = tuple(x.astype(dtype) for x in args)
        g, w = nn.dot_product_attention(*a16), ref.dot_product_attention(*a16)
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(
            np.asarray(g, np.float32), np.asarray(w, np.float32), rtol=2e-2, atol=2e-2
        )


def test_dot_product_attention_errors():
    q, k = _x((2, 5, 3, 8)), _x((2, 6, 2, 8))
    for mod in (nn, ref):
        with pytest.raises(ValueError, match="multiple of key/value heads"):
            mod.dot_product_attention(q, k, k)
        with pytest.raises(ValueError, match="value shape"):
            mod.dot_product_attention(q[:, :, :2], k, k[:, :4])
        with pytest.raises(ValueError, match="mask dtype"):
            mod.dot_product_attention(q[:, :, :2], k, k, mask=np.ones((1, 1, 5, 6)))
        with pytest.raises(ValueError, match="Unsupported implementation"):
            mod.dot_product_attention(q[:, :, :2], k, k, implementation="bad")
