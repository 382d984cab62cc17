"""lax.scan / map / associative_scan and the cumulative reductions, against
jax: values (eager and jit), jvp, grad w.r.t. init / xs / closed-over
params, vmap over xs, carries and params, hessian and grad of grad, nesting
with cond and custom_vjp, and JAX's errors for bad carries."""

import jax
import jax.numpy as J
import mlax
import mlax.numpy as M
import numpy as np
import pytest
from conftest import rand
from jax import lax as JL
from mlax import lax as ML
from mlax.test_util import check_grads

TOL = dict(rtol=2e-5, atol=2e-6)


def assert_trees(a, b, **tol):
    la, ta = jax.tree_util.tree_flatten(jax.tree_util.tree_map(np.asarray, a))
    lb, tb = jax.tree_util.tree_flatten(jax.tree_util.tree_map(np.asarray, b))
    assert len(la) == len(lb), (ta, tb)
    for x, y in zip(la, lb):
        if y.dtype == jax.dtypes.float0:  # integer tangents: jax's float0
            assert x.shape == y.shape and not np.any(x)
            continue
        assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, x.dtype, y.shape, y.dtype)
        np.testing.assert_allclose(x, y, **(tol or TOL))


# Each case: name, program(lax, numpy) -> f(*args) -> pytree, args(rng).
def _rnn(L, N):
    def f(h0, xs, w, u):
        def cell(h, x):
            h = N.tanh(h @ w + x @ u)
            return h, N.sum(h * h, axis=-1)

        return L.scan(cell, h0, xs)

    return f


def _pytree(L, N):
    def f(init, xs):
        def body(c, x):
            a, b = x["a"], x["b"]
            c = {"s": c["s"] + N.sin(a) * c["p"], "p": c["p"] * N.cos(b)}
            return c, (c["s"] * 2.0, {"y": a * b})

        return L.scan(body, init, xs)

    return f


def _reverse_unroll(L, N, reverse, unroll):
    def f(c0, xs):
        return L.scan(
            lambda c, x: (N.sin(c) * x + c, c * x), c0, xs, reverse=reverse, unroll=unroll
        )

    return f


def _no_xs(L, N):
    def f(c0, w):
        return L.scan(lambda c, _: (N.cos(c) * w, c + w), c0, None, length=5)

    return f


def _int_carry(L, N):
    def f(x):
        return L.scan(lambda c, v: ((c[0] + 1, c[1] + v * c[0]), c[0]), (0, 0.0), x)

    return f


def _closed_over(L, N):
    def f(xs, p):
        return L.scan(lambda c, x: (c * p + x, N.exp(c * p)), N.zeros_like(p), xs)[1]

    return f


CASES = [
    (
        "rnn",
        _rnn,
        lambda r: (
            rand(r, (2, 3), np.float32),
            rand(r, (4, 2, 2), np.float32),
            rand(r, (3, 3), np.float32) * 0.5,
            rand(r, (2, 3), np.float32),
        ),
    ),
    (
        "pytree",
        _pytree,
        lambda r: (
            {"s": rand(r, (2,), np.float32), "p": rand(r, (2,), np.float32)},
            {"a": rand(r, (3, 2), np.float32), "b": rand(r, (3, 2), np.float32)},
        ),
    ),
    (
        "reverse",
        lambda L, N: _reverse_unroll(L, N, True, 1),
        lambda r: (rand(r, (2,), np.float32), rand(r, (5, 2), np.float32, "unit")),
    ),
    (
        "unroll2",
        lambda L, N: _reverse_unroll(L, N, False, 2),
        lambda r: (rand(r, (2,), np.float32), rand(r, (5, 2), np.float32, "unit")),
    ),
    (
        "unroll_all_reverse",
        lambda L, N: _reverse_unroll(L, N, True, True),
        lambda r: (rand(r, (), np.float32), rand(r, (3,), np.float32, "unit")),
    ),
    ("no_xs", _no_xs, lambda r: (rand(r, (3,), np.float32), rand(r, (3,), np.float32, "unit"))),
    ("int_carry", _int_carry, lambda r: (rand(r, (4,), np.float32),)),
    (
        "closed_over",
        _closed_over,
        lambda r: (rand(r, (4, 2), np.float32, "unit"), rand(r, (2,), np.float32, "unit")),
    ),
    (
        "float16",
        _closed_over,
        lambda r: (rand(r, (3, 2), np.float16, "unit"), rand(r, (2,), np.float16, "unit")),
    ),
]
IDS = [c[0] for c in CASES]


def _pair(case):
    name, prog, make = case
    return prog(ML, M), prog(JL, J), make


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values(case, rng):
    fm, fj, make = _pair(case)
    args = make(rng)
    want = fj(*args)
    tol = dict(rtol=2e-3, atol=2e-3) if case[0] == "float16" else TOL
    assert_trees(fm(*args), want, **tol)
    assert_trees(mlax.jit(fm)(*args), want, **tol)


def test_float64_scan(rng):
    mlax.config.update("mlax_enable_x64", True)
    jax.config.update("jax_enable_x64", True)
    try:
        xs = rand(rng, (3, 2), np.float64, "unit")
        p = rand(rng, (2,), np.float64, "unit")
        fm, fj = _closed_over(ML, M), _closed_over(JL, J)
        assert_trees(mlax.jit(fm)(xs, p), fj(xs, p), rtol=1e-12)
        gm = mlax.grad(lambda q: M.sum(fm(xs, q)))(p)
        assert_trees(gm, jax.grad(lambda q: J.sum(fj(xs, q)))(p), rtol=1e-12)
    finally:
        mlax.config.update("mlax_enable_x64", False)
        jax.config.update("jax_enable_x64", False)


def _float_args(args):
    return [
        i
        for i, a in enumerate(args)
        if all(
            np.issubdtype(np.asarray(l).dtype, np.floating) for l in jax.tree_util.tree_leaves(a)
        )
    ]


def _scalarize(f, N):
    def g(*a):
        leaves = jax.tree_util.tree_leaves(f(*a))
        out = 0.0
        for l in leaves:
            if np.issubdtype(np.dtype(l.dtype), np.floating):
                out = out + N.sum(N.sin(l))
        return out

    return g


@pytest.mark.parametrize("case", CASES[:-1], ids=IDS[:-1])
def test_jvp_grad(case, rng):
    fm, fj, make = _pair(case)
    args = make(rng)
    tans = jax.tree_util.tree_map(lambda a: np.ones_like(np.asarray(a)), args)
    assert_trees(mlax.jvp(fm, args, tans), jax.jvp(fj, args, tans))
    argnums = tuple(_float_args(args))
    gm = mlax.grad(_scalarize(fm, M), argnums=argnums)
    gj = jax.grad(_scalarize(fj, J), argnums=argnums)
    assert_trees(gm(*args), gj(*args))
    assert_trees(mlax.jit(gm)(*args), gj(*args))


@pytest.mark.parametrize("case", CASES[:3] + CASES[5:6], ids=IDS[:3] + IDS[5:6])
def test_vmap(case, rng):
    fm, fj, make = _pair(case)
    batched = [make(rng) for _ in range(3)]
    stacked = jax.tree_util.tree_map(lambda *a: np.stack(a), *batched)
    # every argument batched, then only the first
    assert_trees(mlax.vmap(fm)(*stacked), jax.vmap(fj)(*stacked))
    first = (stacked[0],) + tuple(batched[0][1:])
    axes = (0,) + (None,) * (len(first) - 1)
    assert_trees(mlax.vmap(fm, in_axes=axes)(*first), jax.vmap(fj, in_axes=axes)(*first))
    # grad under vmap and vmap under grad
    g = lambda N, f: lambda *a: _scalarize(f, N)(*a)  # noqa: E731
    assert_trees(mlax.vmap(mlax.grad(g(M, fm)))(*stacked), jax.vmap(jax.grad(g(J, fj)))(*stacked))
    assert_trees(
        mlax.grad(lambda *a: M.sum(mlax.vmap(g(M, fm))(*a)))(*stacked),
        jax.grad(lambda *a: J.sum(jax.vmap(g(J, fj))(*a)))(*stacked),
    )


def test_vmap_over_xs_axis_1_and_params(rng):
    fm, fj = _closed_over(ML, M), _closed_over(JL, J)
    xs = rand(rng, (4, 3, 2), np.float32, "unit")  # batch on axis 1
    p = rand(rng, (2,), np.float32, "unit")
    assert_trees(mlax.vmap(fm, in_axes=(1, None))(xs, p), jax.vmap(fj, in_axes=(1, None))(xs, p))
    ps = rand(rng, (3, 2), np.float32, "unit")
    assert_trees(
        mlax.vmap(fm, in_axes=(None, 0))(xs[:, 0], ps),
        jax.vmap(fj, in_axes=(None, 0))(xs[:, 0], ps),
    )


def test_higher_order(rng):
    fm, fj = _closed_over(ML, M), _closed_over(JL, J)
    xs = rand(rng, (3, 2), np.float32, "unit")
    p = rand(rng, (2,), np.float32, "unit")
    hm = mlax.hessian(lambda q: M.sum(fm(xs, q)))(p)
    hj = jax.hessian(lambda q: J.sum(fj(xs, q)))(p)
    assert_trees(hm, hj, rtol=1e-4, atol=1e-5)
    gg_m = mlax.grad(lambda s: M.sum(mlax.grad(lambda q: M.sum(fm(xs * s, q)))(p)))(1.3)
    gg_j = jax.grad(lambda s: J.sum(jax.grad(lambda q: J.sum(fj(xs * s, q)))(p)))(1.3)
    assert_trees(gg_m, gg_j, rtol=1e-4, atol=1e-5)
    jm = mlax.jvp(mlax.grad(lambda q: M.sum(fm(xs, q))), (p,), (np.ones_like(p),))
    jj = jax.jvp(jax.grad(lambda q: J.sum(fj(xs, q))), (p,), (np.ones_like(p),))
    assert_trees(jm, jj, rtol=1e-4, atol=1e-5)
    check_grads(lambda q: M.sum(fm(xs, q)), (p,), order=2, modes=("fwd", "rev"))


def _nested(L, N):
    def f(x, w):
        def outer(c, xi):
            inner = L.scan(lambda d, y: (N.sin(d * y) + w, d * w), c, xi)[0]
            branch = L.cond(N.sum(inner) > 0, lambda v: v * 2.0, lambda v: N.exp(v), inner)
            return branch, N.sum(branch)

        return L.scan(outer, x[0, 0], x)

    return f


def _scan_in_cond(L, N):
    def f(x, w):
        return L.cond(
            N.sum(w) > 0,
            lambda v: L.scan(lambda c, y: (c * y + w, c), v[0], v)[1],
            lambda v: v * w,
            x,
        )

    return f


@pytest.mark.parametrize("prog", [_nested, _scan_in_cond], ids=["nested_cond", "in_cond"])
def test_nesting(prog, rng):
    fm, fj = prog(ML, M), prog(JL, J)
    x = rand(rng, (3, 2, 2), np.float32, "unit")
    w = rand(rng, (2,), np.float32, "unit")
    for ws in (w, -w):
        assert_trees(mlax.jit(fm)(x, ws), fj(x, ws))
        gm = mlax.grad(_scalarize(fm, M), argnums=(0, 1))(x, ws)
        assert_trees(gm, jax.grad(_scalarize(fj, J), argnums=(0, 1))(x, ws))
    wb = np.stack([w, -w, 2 * w])
    assert_trees(
        mlax.vmap(mlax.grad(_scalarize(fm, M), argnums=1), in_axes=(None, 0))(x, wb),
        jax.vmap(jax.grad(_scalarize(fj, J), argnums=1), in_axes=(None, 0))(x, wb),
    )


def test_scan_in_custom_vjp(rng):
    def make(api, L, N):
        @api.custom_vjp
        def f(x):
            return L.scan(lambda c, y: (c * y, c), 1.0, x)[0]

        def fwd(x):
            ys = L.scan(lambda c, y: (c * y, c), 1.0, x)[1]
            return f(x), (x, ys)

        def bwd(res, g):
            x, ys = res
            # d(prod)/dx_i = prod of the others: run a reversed scan for suffixes
            suffix = L.scan(lambda c, y: (c * y, c), 1.0, x, reverse=True)[1]
            return (g * ys * suffix,)

        f.defvjp(fwd, bwd)
        return f

    fm, fj = make(mlax, ML, M), make(jax, JL, J)
    x = rand(rng, (4,), np.float32, "positive")
    assert_trees(mlax.grad(fm)(x), jax.grad(fj)(x))
    assert_trees(mlax.jit(mlax.grad(fm))(x), jax.grad(fj)(x))
    xb = rand(rng, (3, 4), np.float32, "positive")
    assert_trees(mlax.vmap(mlax.grad(fm))(xb), jax.vmap(jax.grad(fj))(xb))


def test_weak_typed_carry_promotes():
    got = ML.scan(lambda c, x: (c + x, c), 0, np.arange(4, dtype=np.float32))
    want = JL.scan(lambda c, x: (c + x, c), 0, np.arange(4, dtype=np.float32))
    assert_trees(got, want)
    got = ML.scan(lambda c, x: (c + x, c), 0, np.arange(5))
    want = JL.scan(lambda c, x: (c + x, c), 0, np.arange(5))
    assert_trees(got, want)
    assert got[0].weak_type == want[0].weak_type


def test_zero_length(rng):
    xs = np.zeros((0, 2), np.float32)
    f = lambda L, N: lambda c, xs: L.scan(lambda c, x: (c + x, N.sin(c)), c, xs)  # noqa: E731
    c = rand(rng, (2,), np.float32)
    assert_trees(mlax.jit(f(ML, M))(c, xs), f(JL, J)(c, xs))
    assert_trees(
        mlax.grad(lambda c: M.sum(f(ML, M)(c, xs)[0]))(c),
        jax.grad(lambda c: J.sum(f(JL, J)(c, xs)[0]))(c),
    )


def test_fori_loop_runs_as_scan_and_unrolls(rng):
    x = rand(rng, (3,), np.float32)
    for unroll in (None, 2, True):
        kw = {} if unroll is None else {"unroll": unroll}
        got = mlax.grad(lambda v: M.sum(ML.fori_loop(1, 6, lambda i, c: M.sin(c) * i, v, **kw)))(x)
        want = jax.grad(lambda v: J.sum(JL.fori_loop(1, 6, lambda i, c: J.sin(c) * i, v, **kw)))(x)
        assert_trees(got, want)
    # the counter is weakly typed, as in JAX: an int8 carry stays int8
    got = ML.fori_loop(0, 3, lambda i, c: c * i + 1, np.int8(1))
    want = JL.fori_loop(0, 3, lambda i, c: c * i + 1, np.int8(1))
    assert_trees(got, want)
    text = mlax.jit(lambda v: ML.fori_loop(0, 4, lambda i, c: c * 2.0, v)).lower(x).as_text()
    assert "mlax.scan" in text
    with pytest.raises(ValueError, match="unroll"):
        ML.fori_loop(0, M.asarray(3), lambda i, c: c, 1.0, unroll=2)


@pytest.mark.parametrize("batch_size", [None, 2, 3, 5])
def test_map(batch_size, rng):
    xs = {"a": rand(rng, (5, 2), np.float32), "b": rand(rng, (5,), np.float32)}
    f = lambda N: lambda d: (N.sin(d["a"]) * d["b"], d["b"] ** 2)  # noqa: E731
    assert_trees(ML.map(f(M), xs, batch_size=batch_size), JL.map(f(J), xs, batch_size=batch_size))
    gm = mlax.grad(lambda x: M.sum(ML.map(f(M), x, batch_size=batch_size)[0]))(xs)
    gj = jax.grad(lambda x: J.sum(JL.map(f(J), x, batch_size=batch_size)[0]))(xs)
    assert_trees(gm, gj)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan(n, reverse, rng):
    x = rand(rng, (n, 3), np.float32)
    y = rand(rng, (n, 3), np.float32)

    def fn(a, b):
        return (a[0] * b[0], a[1] * b[0] + b[1])  # affine maps compose

    assert_trees(
        ML.associative_scan(fn, (x, y), reverse=reverse),
        JL.associative_scan(fn, (x, y), reverse=reverse),
    )
    xt = np.ascontiguousarray(x.T)
    assert_trees(
        ML.associative_scan(M.add, xt, reverse=reverse, axis=1),
        JL.associative_scan(J.add, xt, reverse=reverse, axis=1),
    )
    g = lambda L, N: lambda v: N.sum(N.sin(L.associative_scan(N.multiply, v, reverse=reverse)))  # noqa: E731
    assert_trees(mlax.grad(g(ML, M))(x), jax.grad(g(JL, J))(x))
    xb = rand(rng, (2, n, 3), np.float32)
    assert_trees(
        mlax.vmap(lambda v: ML.associative_scan(M.add, v, reverse=reverse))(xb),
        jax.vmap(lambda v: JL.associative_scan(J.add, v, reverse=reverse))(xb),
    )


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"])
@pytest.mark.parametrize("axis,reverse", [(0, False), (1, True), (1, False)])
def test_lax_cumulative(name, axis, reverse, rng):
    x = rand(rng, (4, 5), np.float32, "positive" if name == "cumprod" else "any")
    fm, fj = getattr(ML, name), getattr(JL, name)
    assert_trees(fm(x, axis=axis, reverse=reverse), fj(x, axis=axis, reverse=reverse))
    t = np.ones_like(x)
    assert_trees(
        mlax.jvp(lambda v: fm(v, axis=axis, reverse=reverse), (x,), (t,)),
        jax.jvp(lambda v: fj(v, axis=axis, reverse=reverse), (x,), (t,)),
    )
    assert_trees(
        mlax.grad(lambda v: M.sum(M.sin(fm(v, axis=axis, reverse=reverse))))(x),
        jax.grad(lambda v: J.sum(J.sin(fj(v, axis=axis, reverse=reverse))))(x),
    )
    xb = np.stack([x, x * 0.5])
    assert_trees(
        mlax.vmap(lambda v: fm(v, axis=axis, reverse=reverse))(xb),
        jax.vmap(lambda v: fj(v, axis=axis, reverse=reverse))(xb),
    )


@pytest.mark.parametrize(
    "name", ["cumsum", "cumprod", "nancumsum", "nancumprod", "cumulative_sum", "cumulative_prod"]
)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int8, np.bool_])
def test_numpy_cumulative(name, dtype, rng):
    x = rng.integers(0, 3, size=(3, 4)).astype(dtype)
    if dtype == np.float32:
        x = x.astype(np.float32) * 0.5
        x[1, 2] = np.nan
    axes = [0, 1] if name.startswith("cumulative") else [None, 0, 1]
    for axis in axes:
        a, b = getattr(M, name)(x, axis=axis), getattr(J, name)(x, axis=axis)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, equal_nan=True)
    if name.startswith("cumulative"):
        a = getattr(M, name)(x, axis=1, include_initial=True)
        b = getattr(J, name)(x, axis=1, include_initial=True)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, equal_nan=True)


ERRORS = [
    (
        "carry_dtype",
        lambda L, N: L.scan(lambda c, x: (c + 0.5, x), N.int32(0), N.arange(3)),
        TypeError,
        r"carry\b.*int32.*float32",
    ),
    (
        "carry_shape",
        lambda L, N: L.scan(lambda c, x: (N.concatenate([c, c]), x), N.ones(2), N.arange(3)),
        TypeError,
        r"carry.*float32\[2\].*float32\[4\]",
    ),
    (
        "carry_leaf",
        lambda L, N: L.scan(lambda c, x: ((c[0], c[1] + 0.5), x), (0.0, N.int32(1)), N.arange(3)),
        TypeError,
        r"carry\[1\]",
    ),
    (
        "structure",
        lambda L, N: L.scan(lambda c, x: ((c, c), x), 0.0, N.arange(3)),
        TypeError,
        r"pytree structure",
    ),
    ("not_pair", lambda L, N: L.scan(lambda c, x: c, 0.0, N.arange(3)), TypeError, r"pair"),
    (
        "lengths",
        lambda L, N: L.scan(lambda c, x: (c, x), 0.0, (N.arange(3), N.arange(4))),
        ValueError,
        r"different leading axis sizes",
    ),
    (
        "length_mismatch",
        lambda L, N: L.scan(lambda c, x: (c, x), 0.0, N.arange(3), length=4),
        ValueError,
        r"disagrees",
    ),
    (
        "no_length",
        lambda L, N: L.scan(lambda c, x: (c, x), 0.0, None),
        ValueError,
        r"no values to scan over",
    ),
    (
        "scalar_xs",
        lambda L, N: L.scan(lambda c, x: (c, x), 0.0, N.float32(1)),
        ValueError,
        r"no leading axis",
    ),
    (
        "bad_unroll",
        lambda L, N: L.scan(lambda c, x: (c, x), 0.0, N.arange(3), unroll=-1),
        ValueError,
        r"unroll",
    ),
    ("not_callable", lambda L, N: L.scan(3, 0.0, N.arange(3)), TypeError, r"callable"),
    (
        "assoc_lengths",
        lambda L, N: L.associative_scan(N.add, (N.ones(2), N.ones(3))),
        ValueError,
        r"same first dimension",
    ),
]


# jax fails internally (IndexError) where mlax raises the ValueError jax's
# own check means to.
JAX_INTERNAL = {"scalar_xs": IndexError}


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(case):
    name, prog, exc, pattern = case
    with pytest.raises(JAX_INTERNAL.get(name, exc)):
        prog(JL, J)
    with pytest.raises(exc, match=pattern):
        prog(ML, M)
