"""mlax.scipy.stats against jax.scipy.stats: modules, names and signatures,
values and dtypes (float32, float64), edge values, gradients, vmap and jit,
and the errors JAX raises."""

import importlib
import inspect

import jax
import jax.numpy as rnp
import jax.scipy.stats as ref
import mlax
import mlax.numpy as jnp
import mlax.scipy.stats as st
import numpy as np
import pytest

jax.config.update("jax_platforms", "cpu")

R = np.random.default_rng(3)
DISTS = sorted(n for n in st.__all__ if inspect.ismodule(getattr(st, n)))


def _u(shape, lo, hi, dtype=np.float32):
    return R.uniform(lo, hi, size=shape).astype(dtype)


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


def _jit_ref(f, args):
    """The oracle under one jax.jit (eager jax compiles op by op); Python
    scalars stay static so that weak types match."""
    static = tuple(i for i, a in enumerate(args) if isinstance(a, (int, float)))
    return jax.jit(f, static_argnums=static)(*args)


def _sig(f):
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


@pytest.mark.parametrize("dist", DISTS)
def test_module_names_and_signatures(dist):
    mine = importlib.import_module(f"mlax.scipy.stats.{dist}")
    theirs = importlib.import_module(f"jax.scipy.stats.{dist}")
    public = sorted(n for n in dir(theirs) if not n.startswith("_"))
    assert sorted(mine.__all__) == public
    for name in public:
        assert _sig(getattr(mine, name)) == _sig(getattr(theirs, name)), name


def test_jax_names_covered():
    public = {n for n in dir(ref) if not n.startswith("_")}
    assert public - set(st.__all__) == {"gaussian_kde"}


X = np.array([-3.0, -1.0, -0.2, 0.0, 0.4, 1.0, 2.5, 7.0], np.float32)
POS = np.array([0.0, 0.05, 0.5, 1.0, 2.0, 3.5, 8.0, -1.0], np.float32)
P = np.array([0.0, 0.01, 0.2, 0.5, 0.7, 0.99, 1.0, 1.2], np.float32)
K = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 2.5, 9.0], np.float32)

# dist.fn: argument tuples (each with broadcasting parameters)
VALUES = {
    "norm.logpdf": (X, _u((3, 1), -1, 1), _u((3, 1), 0.5, 2)),
    "norm.pdf": "norm.logpdf",
    "norm.cdf": (X * 8, 0.5, 1.5),
    "norm.logcdf": "norm.cdf",
    "norm.sf": (X * 8,),
    "norm.logsf": "norm.sf",
    "norm.ppf": (P, 1.0, 2.0),
    "norm.isf": (P,),
    "beta.logpdf": (P, _u((3, 1), 0.5, 4), _u((3, 1), 0.5, 4)),
    "beta.pdf": "beta.logpdf",
    "beta.cdf": (P, _u((3, 1), 0.5, 4), 2.0),
    "beta.logcdf": "beta.cdf",
    "beta.sf": (P, 2.0, _u((3, 1), 0.5, 4)),
    "beta.logsf": "beta.sf",
    "gamma.logpdf": (POS, _u((3, 1), 0.5, 4)),
    "gamma.pdf": "gamma.logpdf",
    "gamma.cdf": (POS, _u((3, 1), 0.5, 4)),
    "gamma.logcdf": "gamma.cdf",
    "gamma.sf": (POS, 2.0, 0.1, 1.5),
    "gamma.logsf": "gamma.sf",
    "poisson.logpmf": (K, _u((3, 1), 0.5, 6)),
    "poisson.pmf": "poisson.logpmf",
    "poisson.cdf": (K, _u((3, 1), 0.5, 6)),
    "poisson.entropy": (np.array([0.0, 0.5, 3.0, 9.9, 10.0, 40.0, 99.0, 150.0], np.float32),),
    "bernoulli.logpmf": (K, 0.3),
    "bernoulli.pmf": "bernoulli.logpmf",
    "bernoulli.cdf": (K, np.array([0.3, np.nan, -0.5], np.float32)[:, None]),
    "bernoulli.ppf": (P, 0.3),
    "t.logpdf": (X, _u((3, 1), 1, 10)),
    "t.pdf": "t.logpdf",
    "uniform.logpdf": (X, -1.0, 3.0),
    "uniform.pdf": "uniform.logpdf",
    "uniform.cdf": (X, -1.0, 3.0),
    "uniform.ppf": (P, -1.0, 3.0),
    "logistic.logpdf": (X, 0.5, 2.0),
    "logistic.pdf": "logistic.logpdf",
    "logistic.cdf": (X, 0.5, 2.0),
    "logistic.sf": (X,),
    "logistic.ppf": (P, 0.5, 2.0),
    "logistic.isf": (P,),
    "laplace.logpdf": (X, 0.5, 2.0),
    "laplace.pdf": "laplace.logpdf",
    "laplace.cdf": (X, 0.5, 2.0),
    "cauchy.logpdf": (X, 0.5, 2.0),
    "cauchy.pdf": "cauchy.logpdf",
    "cauchy.cdf": (X, 0.5, 2.0),
    "cauchy.logcdf": "cauchy.cdf",
    "cauchy.sf": (X,),
    "cauchy.logsf": "cauchy.sf",
    "cauchy.ppf": (P[1:-2], 0.5, 2.0),
    "cauchy.isf": (P[1:-2],),
    "expon.logpdf": (X, 0.5, 2.0),
    "expon.pdf": "expon.logpdf",
    "expon.cdf": (X, 0.5, 2.0),
    "expon.logcdf": "expon.cdf",
    "expon.sf": (X,),
    "expon.logsf": "expon.sf",
    "expon.ppf": (P, 0.5, 2.0),
    "chi2.logpdf": (POS, _u((3, 1), 1, 6)),
    "chi2.pdf": "chi2.logpdf",
    "chi2.cdf": (POS, _u((3, 1), 1, 6)),
    "chi2.logcdf": "chi2.cdf",
    "chi2.sf": (POS, 3.0),
    "chi2.logsf": "chi2.sf",
    "truncnorm.logpdf": (X, -1.0, 2.0),
    "truncnorm.logcdf": (X, np.array([-1.0, 1.0, -5.0], np.float32)[:, None], 3.0, 0.5, 1.5),
    "truncnorm.sf": (X, -1.0, 2.0),
    "truncnorm.logsf": "truncnorm.sf",
    "geom.logpmf": (K, _u((3, 1), 0.05, 0.95)),
    "geom.pmf": "geom.logpmf",
    "binom.logpmf": (K, 5.0, _u((3, 1), 0.05, 0.95)),
    "binom.pmf": "binom.logpmf",
    "pareto.logpdf": (POS * 2, _u((3, 1), 0.5, 4)),
    "pareto.pdf": "pareto.logpdf",
    "pareto.cdf": (POS * 2, 2.0),
    "pareto.logcdf": "pareto.cdf",
    "pareto.sf": (POS * 2, 3.0),
    "pareto.logsf": "pareto.sf",
    "pareto.ppf": (P, 2.0),
    "nbinom.logpmf": (K, 3.0, _u((3, 1), 0.05, 0.95)),
    "nbinom.pmf": "nbinom.logpmf",
    "betabinom.logpmf": (K, 6.0, _u((3, 1), 0.5, 4), 2.0),
    "betabinom.pmf": "betabinom.logpmf",
    "gennorm.logpdf": (X, _u((3, 1), 0.5, 3)),
    "gennorm.pdf": "gennorm.logpdf",
    "gennorm.cdf": (X, _u((3, 1), 0.5, 3)),
    "gumbel_r.logpdf": (X, 0.5, np.array([2.0, -1.0], np.float32)[:, None]),
    "gumbel_r.pdf": "gumbel_r.logpdf",
    "gumbel_r.cdf": (X, 0.5, 2.0),
    "gumbel_r.logcdf": "gumbel_r.cdf",
    "gumbel_r.sf": (X, 0.5, 2.0),
    "gumbel_r.logsf": "gumbel_r.sf",
    "gumbel_r.ppf": (P, 0.5, 2.0),
    "gumbel_l.logpdf": (X, 0.5, np.array([2.0, -1.0], np.float32)[:, None]),
    "gumbel_l.pdf": "gumbel_l.logpdf",
    "gumbel_l.cdf": (X, 0.5, 2.0),
    "gumbel_l.logcdf": "gumbel_l.cdf",
    "gumbel_l.sf": (X, 0.5, 2.0),
    "gumbel_l.logsf": "gumbel_l.sf",
    "gumbel_l.ppf": (P, 0.5, 2.0),
    "wrapcauchy.logpdf": (POS, np.array([0.3, 0.0, 0.9], np.float32)[:, None]),
    "wrapcauchy.pdf": "wrapcauchy.logpdf",
    "vonmises.logpdf": (X, np.array([0.5, 0.0, 4.0, 30.0], np.float32)[:, None]),
    "vonmises.pdf": "vonmises.logpdf",
    "multinomial.logpmf": (
        np.array([[1, 2, 0], [0, 0, 3]]),
        3,
        np.array([0.2, 0.3, 0.5], np.float32),
    ),
    "multinomial.pmf": "multinomial.logpmf",
    "dirichlet.logpdf": (
        np.array([[0.2, 0.5], [0.3, 0.4], [0.5, 0.1]], np.float32),
        np.array([1.0, 2.0, 3.0], np.float32),
    ),
    "dirichlet.pdf": "dirichlet.logpdf",
}


# jax.jit of exp(where(bad_parameter, nan, ...)) returns garbage for the nan
# entries on CPU (uninitialized memory); these use the eager oracle.
EAGER_REF = {"gumbel_l.pdf", "gumbel_r.pdf", "vonmises.pdf", "wrapcauchy.pdf"}


def _args(case):
    args = VALUES[case]
    # A str names the case whose arguments (so compiled ops) are shared.
    return VALUES[args] if isinstance(args, str) else args


def _fn(mod, case):
    dist, name = case.split(".")
    return getattr(getattr(mod, dist), name)


@pytest.mark.parametrize("case", sorted(VALUES))
def test_values_float32(case):
    args = _args(case)
    want = _fn(ref, case)(*args) if case in EAGER_REF else _jit_ref(_fn(ref, case), args)
    _check(_fn(st, case)(*args), want, rtol=2e-5, atol=1e-6)


def test_multivariate_normal():
    n = 3
    a = R.normal(size=(n, n)).astype(np.float32)
    cov = (a @ a.T + n * np.eye(n)).astype(np.float32)
    mean = R.normal(size=(n,)).astype(np.float32)
    x = R.normal(size=(4, n)).astype(np.float32)
    mvn, rmvn = st.multivariate_normal, ref.multivariate_normal
    _check(mvn.logpdf(x, mean, cov), rmvn.logpdf(x, mean, cov), rtol=1e-5)
    _check(mvn.logpdf(x, mean, 2.0), rmvn.logpdf(x, mean, 2.0))
    _check(mvn.logpdf(x[:, 0], 0.5, 2.0), rmvn.logpdf(x[:, 0], 0.5, 2.0))
    covs = np.stack([cov, 2 * cov])
    _check(mvn.logpdf(x[:2], mean, covs), rmvn.logpdf(x[:2], mean, covs), rtol=1e-5)
    got = mlax.grad(lambda m, c: jnp.sum(mvn.logpdf(x, m, c)), (0, 1))(mean, cov)
    want = jax.jit(jax.grad(lambda m, c: rnp.sum(rmvn.logpdf(x, m, c)), (0, 1)))(mean, cov)
    _check(got, want, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="incompatible shapes"):
        mvn.logpdf(x, mean, np.eye(2, dtype=np.float32))
    with pytest.raises(NotImplementedError):
        mvn.logpdf(x, mean, cov, allow_singular=True)


def test_values_float64():
    mlax.config.update("mlax_enable_x64", True)
    jax.config.update("jax_enable_x64", True)
    try:
        for case in [
            "norm.logcdf",
            "beta.cdf",
            "gamma.cdf",
            "truncnorm.logpdf",
        ]:
            args = tuple(
                a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in _args(case)
            )
            got = _fn(st, case)(*args)
            assert np.asarray(got).dtype == np.float64, case
            _check(got, _jit_ref(_fn(ref, case), args), rtol=1e-12, atol=1e-14)
    finally:
        mlax.config.update("mlax_enable_x64", False)
        jax.config.update("jax_enable_x64", False)


# dist.fn, argnums, args (all elementwise arrays so that vmap maps them)
GRADS = [
    ("norm.logpdf", (0, 1, 2), (_u((4,), -2, 2), _u((4,), -1, 1), _u((4,), 0.5, 2))),
    ("norm.logcdf", (0,), (np.array([-30.0, -3.0, 0.5, 9.0], np.float32),)),
    ("norm.ppf", (0,), (_u((4,), 0.05, 0.95),)),
    ("beta.logpdf", (0, 1, 2), (_u((4,), 0.1, 0.9), _u((4,), 0.5, 4), _u((4,), 0.5, 4))),
    ("beta.cdf", (0,), (_u((4,), 0.1, 0.9), _u((4,), 0.5, 4), _u((4,), 0.5, 4))),
    ("gamma.logcdf", (0, 1), (_u((4,), 0.1, 5), _u((4,), 0.5, 4))),
    (
        "gamma.sf",
        (0, 1, 3),
        (_u((4,), 0.1, 5), _u((4,), 0.5, 4), np.zeros(4, np.float32), _u((4,), 0.5, 2)),
    ),
    ("poisson.logpmf", (1,), (np.array([0.0, 1.0, 3.0, 6.0], np.float32), _u((4,), 0.5, 5))),
    ("t.logpdf", (0, 1), (_u((4,), -3, 3), _u((4,), 1, 8))),
    ("logistic.logpdf", (0, 1, 2), (_u((4,), -3, 3), _u((4,), -1, 1), _u((4,), 0.5, 2))),
    ("chi2.logpdf", (0, 1), (_u((4,), 0.1, 5), _u((4,), 1, 6))),
    ("chi2.cdf", (0, 1), (_u((4,), 0.1, 5), _u((4,), 1, 6))),
    ("truncnorm.logpdf", (0, 1, 2), (_u((4,), -0.5, 0.5), _u((4,), -3, -1), _u((4,), 1, 3))),
    ("truncnorm.logcdf", (0,), (_u((4,), -0.5, 0.5), _u((4,), -3, -1), _u((4,), 1, 3))),
    ("bernoulli.logpmf", (1,), (np.array([0.0, 1.0, 1.0, 0.0], np.float32), _u((4,), 0.1, 0.9))),
    (
        "binom.logpmf",
        (2,),
        (
            np.array([0.0, 2.0, 3.0, 5.0], np.float32),
            np.full(4, 5.0, np.float32),
            _u((4,), 0.1, 0.9),
        ),
    ),
]


@pytest.mark.parametrize("case,argnums,args", GRADS, ids=[g[0] for g in GRADS])
def test_vmap_grad(case, argnums, args):
    got = mlax.vmap(mlax.grad(_fn(st, case), argnums))(*args)
    want = jax.jit(jax.vmap(jax.grad(_fn(ref, case), argnums)))(*args)
    _check(got, want, rtol=1e-4, atol=1e-6)


def test_jit_and_dirichlet_grad():
    f = mlax.jit(lambda x, a, b: st.beta.logpdf(x, a, b) + st.gamma.logcdf(x + 1, a))
    g = jax.jit(lambda x, a, b: ref.beta.logpdf(x, a, b) + ref.gamma.logcdf(x + 1, a))
    args = (_u((5,), 0.05, 0.95), _u((5,), 0.5, 3), 2.0)
    _check(f(*args), g(*args), rtol=1e-5)
    x = np.array([0.2, 0.3, 0.5], np.float32)
    alpha = np.array([1.5, 2.0, 3.0], np.float32)
    _check(
        mlax.grad(st.dirichlet.logpdf, (0, 1))(x, alpha),
        jax.grad(ref.dirichlet.logpdf, (0, 1))(x, alpha),
        rtol=1e-5,
    )


def test_integer_inputs_promote():
    _check(st.norm.logpdf(1), ref.norm.logpdf(1))
    _check(st.poisson.logpmf(np.arange(4), 2), ref.poisson.logpmf(np.arange(4), 2))


def test_errors_match_jax():
    for mod in (st, ref):
        with pytest.raises(ValueError, match="one-dimensional"):
            mod.dirichlet.logpdf(np.ones((2, 2)) / 2, np.ones((2, 2)))
        with pytest.raises(ValueError, match="integer type"):
            mod.multinomial.logpmf(np.ones(3), 3, np.ones(3) / 3)
        with pytest.raises(ValueError, match="one entry fewer"):
            mod.dirichlet.logpdf(np.ones(5) / 5, np.ones(3))


def test_mode_rankdata_sem():
    # One jit per side: eager sorts and uniques compile op by op.
    a = np.array([[3, 1, 3, 2], [2, 2, 5, 5], [0, 1, 1, 4]], np.float32)
    b = np.array([[3.0, 1.0, 3.0, np.nan], [2.0, 2.0, 5.0, 1.0]], np.float32)
    mode_kws = [{"axis": None}, {"axis": -1, "keepdims": True}]
    sem_kws = [{"axis": 1, "ddof": 0}, {"nan_policy": "omit"}]

    def all_of(mod, a, b):
        out = [tuple(mod.mode(a, **kw)) for kw in mode_kws]
        out += [mod.rankdata(a, m) for m in ["average", "dense", "ordinal"]]
        out += [mod.rankdata(b, m, axis=1) for m in ["min", "max"]] + [mod.rankdata(b)]
        return out + [mod.sem(b, **kw) for kw in sem_kws]

    _check(
        mlax.jit(lambda a, b: all_of(st, a, b))(a, b), jax.jit(lambda a, b: all_of(ref, a, b))(a, b)
    )
    assert isinstance(st.mode(a[0]), st.ModeResult)
    for mod in (st, ref):
        with pytest.raises(ValueError, match="unknown method"):
            mod.rankdata(a, "bogus")
        with pytest.raises(ValueError, match="Illegal nan_policy"):
            mod.mode(a, nan_policy="bogus")
        with pytest.raises(NotImplementedError):
            mod.rankdata(a, nan_policy="omit")
