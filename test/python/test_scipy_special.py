"""mlax.scipy.special against jax.scipy.special: names and signatures,
values and dtypes (float32, float64), edge values, gradients, vmap and jit,
and the errors JAX raises."""

import inspect

import jax
import jax.scipy.special as ref
import mlax
import mlax.scipy.special as sp
import numpy as np
import pytest

jax.config.update("jax_platforms", "cpu")

R = np.random.default_rng(7)


def _u(shape, lo, hi, dtype=np.float32):
    return R.uniform(lo, hi, size=shape).astype(dtype)


def _cplx(shape, dtype):
    z = _u(shape, -3, 3, np.float64) + 1j * _u(shape, -3, 3, np.float64)
    return z.astype(np.result_type(dtype, np.complex64))


def _check(got, want, rtol=1e-5, atol=1e-6):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _check(g, w, rtol, atol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(
        got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
    )


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("name", sp.__all__)
def test_signature_matches_jax(name):
    assert _sig(getattr(sp, name)) == _sig(getattr(ref, name))


def test_jax_names_covered():
    missing = {
        "bessel_jn",
        "exp1",
        "expi",
        "expn",
        "fresnel",
        "hyp1f1",
        "hyp2f1",
        "owens_t",
        "sici",
        "sph_harm_y",
    }
    public = {n for n in dir(ref) if not n.startswith("_")}
    assert public - set(sp.__all__) == missing


# name: (argument makers given a dtype, extra kwargs, rtol f32)
CASES = {
    "gammaln": (lambda d: (_u((3, 4), -4.5, 8, d),), {}, 1e-5),
    "gamma": (lambda d: (_u((3, 4), -4.5, 6, d),), {}, 2e-5),
    "gammasgn": (lambda d: (_u((7,), -4.5, 4, d),), {}, 0),
    "loggamma": (lambda d: (_u((7,), -2, 6, d),), {}, 1e-5),
    "digamma": (lambda d: (_u((3, 4), 0.1, 8, d),), {}, 1e-5),
    "betaln": (lambda d: (_u((3, 1), 0.2, 30, d), _u((4,), 0.2, 12, d)), {}, 1e-5),
    "beta": (lambda d: (_u((3, 4), 0.2, 5, d), _u((3, 4), 0.2, 5, d)), {}, 2e-5),
    "betainc": (
        lambda d: (_u((3, 1), 0.5, 5, d), _u((1, 4), 0.5, 5, d), _u((3, 4), 0.01, 0.99, d)),
        {},
        2e-5,
    ),
    "gammainc": (lambda d: (_u((3, 4), 0.2, 8, d), _u((3, 4), 0.01, 12, d)), {}, 2e-5),
    "gammaincc": (lambda d: (_u((3, 4), 0.2, 8, d), _u((4,), 0.01, 12, d)), {}, 2e-5),
    "erf": (lambda d: (_u((5,), -3, 3, d),), {}, 1e-6),
    "erfc": (lambda d: (_u((5,), -3, 6, d),), {}, 1e-6),
    "erfinv": (lambda d: (_u((5,), -0.99, 0.99, d),), {}, 1e-6),
    "ndtr": (lambda d: (_u((2, 5), -8, 8, d),), {}, 1e-6),
    "ndtri": (lambda d: (_u((2, 5), 1e-6, 1 - 1e-6, d),), {}, 1e-5),
    "log_ndtr": (lambda d: (_u((3, 5), -40, 12, d),), {}, 1e-5),
    "log_ndtr_order5": (lambda d: (_u((5,), -40, -9, d),), {"series_order": 5}, 1e-5),
    "expit": (lambda d: (_u((5,), -8, 8, d),), {}, 1e-6),
    "logit": (lambda d: (_u((5,), 0.01, 0.99, d),), {}, 1e-5),
    "xlogy": (lambda d: (_u((3, 1), 0, 2, d), _u((4,), 0.1, 3, d)), {}, 1e-6),
    "xlog1py": (lambda d: (_u((3, 4), -1, 2, d), _u((3, 4), -0.9, 3, d)), {}, 1e-6),
    "entr": (lambda d: (_u((6,), -0.5, 3, d),), {}, 1e-6),
    "kl_div": (lambda d: (_u((6,), -0.2, 3, d), _u((6,), -0.2, 3, d)), {}, 1e-5),
    "rel_entr": (lambda d: (_u((6,), -0.2, 3, d), _u((6,), -0.2, 3, d)), {}, 1e-5),
    "i0e": (lambda d: (_u((3, 4), -20, 20, d),), {}, 1e-6),
    "i0": (lambda d: (_u((3, 4), -10, 10, d),), {}, 1e-6),
    "zeta": (lambda d: (_u((3, 4), 1.1, 6, d), _u((4,), 0.2, 5, d)), {}, 1e-5),
    "polygamma": (lambda d: (np.array([0, 1, 2, 3]), _u((3, 4), 0.2, 6, d)), {}, 1e-5),
    "multigammaln": (lambda d: (_u((4,), 2.5, 9, d), 3), {}, 1e-5),
    "factorial": (lambda d: (np.array([-1.0, 0.0, 1.0, 4.0, 7.5], d),), {}, 1e-5),
    "comb": (
        lambda d: (np.array([5.0, 7.0, 3.0, -1.0], d), np.array([2.0, 7.0, 4.0, 1.0], d)),
        {},
        1e-5,
    ),
    "poch": (lambda d: (_u((5,), 0.5, 4, d), _u((5,), -0.5, 3, d)), {}, 2e-5),
    "spence": (lambda d: (_u((7,), 0, 4, d),), {}, 1e-5),
    "boxcox": (lambda d: (_u((5,), 0.1, 4, d), np.array([0.0, 0.5, -1.0, 2.0, 1.0], d)), {}, 1e-5),
    "boxcox1p": (
        lambda d: (_u((5,), -0.5, 4, d), np.array([0.0, 0.5, -1.0, 2.0, 1.0], d)),
        {},
        1e-5,
    ),
    "erfcx": (lambda d: (_u((6,), -5, 40, d),), {}, 1e-5),
    "erfcx_complex": (lambda d: (_cplx((6,), d),), {}, 1e-5),
    "wofz": (lambda d: (_cplx((6,), d),), {}, 1e-5),
    "dawsn": (lambda d: (_u((3, 4), -12, 12, d),), {}, 1e-5),
    "logsumexp": (lambda d: (_u((3, 4), -5, 5, d),), {"axis": 1}, 1e-6),
    "softmax": (lambda d: (_u((3, 4), -5, 5, d),), {"axis": 0}, 1e-6),
    "log_softmax": (lambda d: (_u((3, 4), -5, 5, d),), {}, 1e-6),
}
CASES["i1e"] = (lambda d: (_u((3, 4), -20, 20, d),), {}, 1e-5)
CASES["i1"] = (lambda d: (_u((3, 4), -10, 10, d),), {}, 1e-5)

STATIC = {"multigammaln": (1,)}


def _name(case):
    return case.split("_order")[0].split("_complex")[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_float32(case):
    make, kw, rtol = CASES[case]
    args = make(np.float32)
    name = _name(case)
    static = STATIC.get(name, ())
    got = mlax.jit(lambda *a: getattr(sp, name)(*a, **kw), static_argnums=static)(*args)
    want = jax.jit(lambda *a: getattr(ref, name)(*a, **kw), static_argnums=static)(*args)
    _check(got, want, rtol=rtol, atol=1e-6)


X64_CASES = [
    "gammaln",
    "betainc",
    "gammainc",
    "gammaincc",
    "ndtri",
    "log_ndtr",
    "i0e",
    "zeta",
    "xlogy",
    "erfcx",
    "dawsn",
]


def test_values_float64():
    mlax.config.update("mlax_enable_x64", True)
    jax.config.update("jax_enable_x64", True)
    try:
        for case in X64_CASES + ["i1e"]:
            make, kw, _ = CASES[case]
            args = make(np.float64)
            got = getattr(sp, case)(*args, **kw)
            want = jax.jit(lambda *a: getattr(ref, case)(*a, **kw))(*args)
            assert np.asarray(got).dtype == np.float64, case
            # The incomplete functions iterate to convergence; 64-bit
            # special-function kernels differ in the last bits.
            _check(got, want, rtol=1e-12 if case not in ("zeta", "polygamma") else 1e-10, atol=0)
        a, x = _u((4,), 0.5, 6, np.float64), _u((4,), 0.1, 9, np.float64)
        got = mlax.vmap(mlax.grad(sp.gammainc, (0, 1)))(a, x)
        want = jax.jit(jax.vmap(jax.grad(ref.gammainc, (0, 1))))(a, x)
        _check(got, want, rtol=1e-12)
        x = np.array([-45.0, -21.0, -3.0, 0.5, 9.0])
        _check(
            mlax.vmap(mlax.grad(sp.log_ndtr))(x), jax.vmap(jax.grad(ref.log_ndtr))(x), rtol=1e-12
        )
    finally:
        mlax.config.update("mlax_enable_x64", False)
        jax.config.update("jax_enable_x64", False)


EDGE = np.array([0.0, -0.0, -1.0, -2.5, 1.0, np.inf, -np.inf, np.nan], np.float32)
PROB_EDGE = np.array([0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1e-30], np.float32)


@pytest.mark.parametrize(
    "name",
    [
        "gammaln",
        "gamma",
        "gammasgn",
        "digamma",
        "erfc",
        "ndtr",
        "log_ndtr",
        "expit",
        "entr",
        "i0e",
        "i0",
        "spence",
        "factorial",
        "loggamma",
        "erfcx",
        "dawsn",
    ]
    + ["i1e", "i1"],
)
def test_edge_values_unary(name):
    _check(getattr(sp, name)(EDGE), jax.jit(getattr(ref, name))(EDGE), rtol=1e-6)


@pytest.mark.parametrize("name", ["ndtri", "logit", "erfinv"])
def test_edge_values_probabilities(name):
    _check(getattr(sp, name)(PROB_EDGE), jax.jit(getattr(ref, name))(PROB_EDGE), rtol=1e-6)


@pytest.mark.parametrize(
    "name", ["xlogy", "xlog1py", "kl_div", "rel_entr", "gammainc", "gammaincc", "zeta", "betaln"]
)
def test_edge_values_binary(name):
    a = np.array([0.0, 0.0, 1.0, 2.0, -1.0, np.nan, 0.0, 3.0, np.inf, 0.5], np.float32)
    b = np.array([0.0, -1.0, 0.0, np.inf, 2.0, 1.0, np.nan, -2.0, 1.0, np.inf], np.float32)
    _check(getattr(sp, name)(a, b), jax.jit(getattr(ref, name))(a, b), rtol=1e-5)


def test_edge_values_betainc():
    a = np.array([0.0, 1.0, 2.0, -1.0, np.inf, 2.0, 0.0, 2.0], np.float32)
    b = np.array([1.0, 0.0, 2.0, 1.0, 1.0, np.nan, 0.0, 3.0], np.float32)
    x = np.array([0.5, 0.5, 0.0, 0.5, 0.5, 0.5, 0.5, 1.0], np.float32)
    _check(sp.betainc(a, b, x), ref.betainc(a, b, x))


def test_int_and_scalar_inputs_promote():
    for name in ["gammaln", "i0e"]:
        _check(getattr(sp, name)(3), getattr(ref, name)(3))
        _check(getattr(sp, name)(np.arange(4)), getattr(ref, name)(np.arange(4)))
    _check(sp.xlogy(2, 3.0), ref.xlogy(2, 3.0))
    _check(sp.ndtr(0.5), ref.ndtr(0.5))
    _check(sp.ndtri(0.3), ref.ndtri(0.3))
    _check(sp.gammaln(np.float16(2.5)), ref.gammaln(np.float16(2.5)), rtol=1e-3)
    _check(
        sp.gammainc(np.float16(2.5), np.float16(1.5)),
        ref.gammainc(np.float16(2.5), np.float16(1.5)),
        rtol=1e-3,
    )


def test_logsumexp_keywords():
    a = _u((3, 4), -3, 3)
    b = _u((3, 4), -1, 1)
    w = _u((3, 4), 0, 1) > 0.3
    for kw in [
        {"axis": 0, "b": b, "return_sign": True},
        {"axis": (0, 1), "keepdims": True},
        {"axis": 1, "where": w},
        {"b": b},
    ]:
        _check(sp.logsumexp(a, **kw), ref.logsumexp(a, **kw))


def test_bernoulli_numbers():
    for n in [1, 10]:
        _check(sp.bernoulli(n), ref.bernoulli(n), rtol=1e-5)


# name, argnums, argument makers (float32), rtol
GRADS = [
    ("gammaln", 0, lambda: (_u((5,), 0.2, 6),), 1e-5),
    ("digamma", 0, lambda: (_u((5,), 0.2, 6),), 1e-5),
    ("gamma", 0, lambda: (_u((5,), 0.2, 4),), 1e-5),
    ("betaln", (0, 1), lambda: (_u((5,), 0.5, 20), _u((5,), 0.5, 20)), 1e-5),
    ("betainc", 2, lambda: (_u((5,), 0.5, 4), _u((5,), 0.5, 4), _u((5,), 0.05, 0.95)), 1e-5),
    ("gammainc", (0, 1), lambda: (_u((5,), 0.5, 6), _u((5,), 0.1, 10)), 2e-5),
    ("gammaincc", (0, 1), lambda: (_u((5,), 0.5, 6), _u((5,), 0.1, 10)), 2e-5),
    ("erfc", 0, lambda: (_u((5,), -2, 2),), 1e-5),
    ("ndtr", 0, lambda: (_u((5,), -6, 6),), 1e-5),
    ("ndtri", 0, lambda: (_u((5,), 0.01, 0.99),), 1e-4),
    ("log_ndtr", 0, lambda: (np.array([-40.0, -12.0, -3.0, 0.0, 4.0, 7.0], np.float32),), 1e-5),
    ("logit", 0, lambda: (_u((5,), 0.05, 0.95),), 1e-5),
    ("expit", 0, lambda: (_u((5,), -4, 4),), 1e-5),
    (
        "xlogy",
        (0, 1),
        lambda: (
            np.array([0.0, 0.0, 1.5, 2.0], np.float32),
            np.array([0.0, 1.0, 0.5, 3.0], np.float32),
        ),
        1e-5,
    ),
    (
        "xlog1py",
        (0, 1),
        lambda: (
            np.array([0.0, 0.0, 1.5, 2.0], np.float32),
            np.array([-1.0, 1.0, 0.5, 3.0], np.float32),
        ),
        1e-5,
    ),
    ("entr", 0, lambda: (np.array([0.0, 0.5, 1.0, 2.0], np.float32),), 1e-5),
    ("rel_entr", (0, 1), lambda: (_u((5,), 0.1, 2), _u((5,), 0.1, 2)), 1e-5),
    ("kl_div", (0, 1), lambda: (_u((5,), 0.1, 2), _u((5,), 0.1, 2)), 1e-5),
    ("i0e", 0, lambda: (_u((5,), -12, 12),), 1e-5),
    ("i0", 0, lambda: (_u((5,), -5, 5),), 1e-5),
    ("zeta", (0, 1), lambda: (_u((5,), 1.5, 5), _u((5,), 0.5, 4)), 1e-4),
    ("poch", (0, 1), lambda: (_u((5,), 0.5, 3), _u((5,), 0.1, 2)), 1e-4),
    ("polygamma", 1, lambda: (np.array([0, 1, 2, 1]), _u((4,), 0.5, 5)), 1e-5),
    ("erfcx", 0, lambda: (_u((5,), -3, 30),), 1e-5),
    ("dawsn", 0, lambda: (_u((5,), -8, 8),), 1e-5),
    ("spence", 0, lambda: (_u((5,), 0.1, 4),), 1e-5),
    ("multigammaln", 0, lambda: (np.float32(4.5), 3), 1e-5),
]
GRADS.append(("i1e", 0, lambda: (np.array([-5.0, -1e-9, 0.0, 0.3, 9.0], np.float32),), 1e-5))


@pytest.mark.parametrize("name,argnums,make,rtol", GRADS, ids=[g[0] for g in GRADS])
def test_grad_of_sum(name, argnums, make, rtol):
    args = make()
    if name == "multigammaln":
        got = mlax.grad(lambda a: sp.multigammaln(a, 3))(args[0])
        want = jax.grad(lambda a: ref.multigammaln(a, 3))(args[0])
    else:
        got = mlax.grad(lambda *a: mlax.numpy.sum(getattr(sp, name)(*a)), argnums)(*args)
        want = jax.jit(jax.grad(lambda *a: jax.numpy.sum(getattr(ref, name)(*a)), argnums))(*args)
    _check(got, want, rtol=rtol, atol=1e-6)


def test_second_derivatives():
    x = _u((4,), 0.5, 5)
    for name in ["gammaln", "logit", "xlogy"]:
        args = (x, x + 1) if name == "xlogy" else (x / 6 if name == "logit" else x,)
        f = getattr(sp, name)
        g = getattr(ref, name)
        got = mlax.vmap(mlax.grad(mlax.grad(f)))(*args)
        want = jax.jit(jax.vmap(jax.grad(jax.grad(g))))(*args)
        _check(got, want, rtol=1e-4)
    # Hessian of log_ndtr (its custom JVP calls itself).
    x = np.array([-15.0, -2.0, 0.5, 6.0], np.float32)
    _check(
        mlax.vmap(mlax.grad(mlax.grad(sp.log_ndtr)))(x),
        jax.vmap(jax.grad(jax.grad(ref.log_ndtr)))(x),
        rtol=1e-4,
    )


def test_jvp_and_vmap_of_iterative_functions():
    a, x = _u((2, 3), 0.5, 5), _u((2, 3), 0.1, 8)
    ta, tx = _u((2, 3), -1, 1), _u((2, 3), -1, 1)
    _check(
        mlax.jvp(sp.gammainc, (a, x), (ta, tx)), jax.jvp(ref.gammainc, (a, x), (ta, tx)), rtol=2e-5
    )
    _check(
        mlax.vmap(sp.gammaincc, (0, None))(a, x[0]),
        jax.vmap(ref.gammaincc, (0, None))(a, x[0]),
        rtol=2e-5,
    )
    p = _u((2, 3), 0.05, 0.95)
    _check(
        mlax.vmap(sp.betainc, (None, 0, 1))(a[0], a, p.T),
        jax.vmap(ref.betainc, (None, 0, 1))(a[0], a, p.T),
        rtol=2e-5,
    )
    _check(
        mlax.jacfwd(sp.betainc, 2)(2.0, 3.0, p[0]),
        jax.jacfwd(ref.betainc, 2)(2.0, 3.0, p[0]),
        rtol=1e-5,
    )


def test_errors_match_jax():
    x = np.ones(3, np.float32)
    for mod in (sp, ref):
        with pytest.raises(ValueError, match="integer type"):
            mod.polygamma(1.0, x)
        with pytest.raises(NotImplementedError):
            mod.zeta(x)
        with pytest.raises(TypeError):
            mod.ndtr(np.arange(3))
        with pytest.raises(TypeError):
            mod.ndtri(np.arange(3))
        with pytest.raises(TypeError, match="series_order must be a Python integer"):
            mod.log_ndtr(x, series_order=2.0)
        with pytest.raises(ValueError, match="non-negative"):
            mod.log_ndtr(x, series_order=-1)
        with pytest.raises(ValueError, match="<= 30"):
            mod.log_ndtr(x, series_order=31)
        with pytest.raises(NotImplementedError):
            mod.factorial(x, exact=True)
        with pytest.raises(ValueError):
            mod.betainc(1.0, 1.0, np.ones(2, np.complex64))
        with pytest.raises(ValueError):
            mod.entr(np.ones(2, np.complex64))
        with pytest.raises(ValueError):
            mod.bernoulli(-1)
    with pytest.raises(mlax.ConcretizationTypeError):
        mlax.jit(sp.multigammaln)(x, 2)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(ref.multigammaln)(x, 2)
