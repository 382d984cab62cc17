"""mlax.random against jax.random: the same streams, bit for bit.

jax is only the oracle here; shapes are small to keep compile time low."""

import os
import subprocess
import sys

import jax
import jax.random as jr
import mlax
import numpy as np
import pytest
from mlax import random


def eq(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def keys(seed):
    return random.key(seed), jr.key(seed)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 + 5])
def test_keys_and_split(seed):
    k = random.key(seed)
    kj = jr.key_data(jr.key(seed))
    eq(random.key_data(k), kj)
    eq(random.PRNGKey(seed), jr.PRNGKey(seed))
    for num in (2, 3, 7):
        eq(
            random.split(random.PRNGKey(seed), num),
            jr.key_data(jr.split(jr.key(seed), num)),
        )


def test_seed_conversion():
    for s in (-1, -5, 2**32 + 3, 2**40, np.int64(-1), np.uint32(7), np.int8(-3)):
        eq(random.PRNGKey(s), jr.PRNGKey(s))
    with pytest.raises(TypeError, match="seed must be an integer"):
        random.key(1.0)
    with pytest.raises(TypeError, match="scalar seed"):
        random.key(np.array([1, 2]))


def test_typed_keys():
    k = random.key(5)
    assert k.shape == () and k.ndim == 0 and str(k.dtype) == "key<fry>"
    assert "key<fry>" in repr(k)
    ks = random.split(k)
    assert isinstance(ks, random.PRNGKeyArray) and ks.shape == (2,) and len(ks) == 2
    assert random.split(random.PRNGKey(0)).shape == (2, 2)
    kjs = jr.split(jr.key(5), (2, 3))
    k23 = random.split(k, (2, 3))
    assert k23.shape == (2, 3)
    eq(random.key_data(k23), jr.key_data(kjs))
    eq(random.key_data(k23[1]), jr.key_data(kjs[1]))
    eq(random.key_data(k23[:, 2]), jr.key_data(kjs[:, 2]))
    eq(random.key_data(k23.reshape(6)), jr.key_data(kjs.reshape(6)))
    eq(random.key_data(k23.reshape(3, -1)), jr.key_data(kjs.reshape(3, -1)))
    a, b = ks
    eq(random.normal(b, (3,)), jr.normal(jr.split(jr.key(5))[1], (3,)))
    w = random.wrap_key_data(random.key_data(k23))
    assert w.shape == (2, 3)
    assert bool(random.clone(k) == k)
    assert random.key_impl(k) == "threefry2x32"


def test_fold_in():
    for d in (0, 7, 2**31 + 1):
        k, kj = keys(3)
        eq(random.key_data(random.fold_in(k, d)), jr.key_data(jr.fold_in(kj, d)))
        eq(random.fold_in(random.PRNGKey(3), d), jr.fold_in(jr.PRNGKey(3), d))


@pytest.mark.parametrize("shape", [(), (3,), (2, 5)])
def test_bits_uniform_normal(shape):
    k, kj = keys(7)
    eq(random.bits(k, shape), jr.bits(kj, shape))
    eq(random.uniform(k, shape), jr.uniform(kj, shape))
    eq(
        random.uniform(k, shape, minval=-2.0, maxval=3.0),
        jr.uniform(kj, shape, minval=-2.0, maxval=3.0),
    )
    eq(random.normal(k, shape), jr.normal(kj, shape))


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32"])
def test_bits_dtypes(dtype):
    for seed in (0, 9):
        k, kj = keys(seed)
        eq(random.bits(k, (5,), dtype), jr.bits(kj, (5,), dtype))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_float_dtypes(dtype):
    for seed in (1, 2):
        k, kj = keys(seed)
        eq(random.uniform(k, (7,), dtype), jr.uniform(kj, (7,), dtype))
        eq(random.normal(k, (7,), dtype), jr.normal(kj, (7,), dtype))
    eq(random.exponential(k, (4,), dtype), jr.exponential(kj, (4,), dtype))


def test_uniform_broadcast_bounds():
    k, kj = keys(4)
    lo, hi = np.array([0.0, 1.0, 2.0], np.float32), np.float32(5.0)
    eq(
        random.uniform(k, (2, 3), minval=lo, maxval=hi),
        jr.uniform(kj, (2, 3), minval=lo, maxval=hi),
    )


def test_complex_normal():
    k, kj = keys(11)
    eq(random.normal(k, (5,), np.complex64), jr.normal(kj, (5,), np.complex64))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8", "uint32"])
def test_randint(dtype):
    k, kj = keys(13)
    eq(random.randint(k, (6,), 0, 100, dtype), jr.randint(kj, (6,), 0, 100, dtype))
    eq(random.randint(k, (6,), 3, 3, dtype), jr.randint(kj, (6,), 3, 3, dtype))


def test_randint_ranges():
    k, kj = keys(2)
    eq(random.randint(k, (6,), -5, 300, "uint8"), jr.randint(kj, (6,), -5, 300, "uint8"))
    eq(random.randint(k, (6,), 0, 256, "uint8"), jr.randint(kj, (6,), 0, 256, "uint8"))
    lo = np.array([0, 10, 20])
    eq(random.randint(k, (2, 3), lo, 50), jr.randint(kj, (2, 3), lo, 50))
    eq(random.randint(k, (4,), -(2**31), 2**31 - 1), jr.randint(kj, (4,), -(2**31), 2**31 - 1))


@pytest.mark.parametrize(
    "name", ["exponential", "laplace", "logistic", "cauchy", "gumbel", "maxwell", "rademacher"]
)
def test_simple_samplers(name):
    for seed in (0, 5):
        k, kj = keys(seed)
        eq(getattr(random, name)(k, (2, 3)), getattr(jr, name)(kj, (2, 3)))


def test_gumbel_high_and_bernoulli():
    k, kj = keys(8)
    eq(random.gumbel(k, (6,), mode="high"), jr.gumbel(kj, (6,), mode="high"))
    eq(random.bernoulli(k, 0.3, (8,)), jr.bernoulli(kj, 0.3, (8,)))
    eq(random.bernoulli(k), jr.bernoulli(kj))
    p = np.array([0.1, 0.5, 0.9], np.float32)
    eq(random.bernoulli(k, p), jr.bernoulli(kj, p))
    eq(random.bernoulli(k, p, (2, 3), mode="high"), jr.bernoulli(kj, p, (2, 3), mode="high"))
    eq(random.rademacher(k, (5,), np.float32), jr.rademacher(kj, (5,), np.float32))


def test_truncated_normal():
    k, kj = keys(21)
    eq(random.truncated_normal(k, -1.0, 2.0, (6,)), jr.truncated_normal(kj, -1.0, 2.0, (6,)))
    lo = np.array([-np.inf, 0.0, 1.0], np.float32)
    eq(random.truncated_normal(k, lo, np.inf), jr.truncated_normal(kj, lo, np.inf))


def test_permutation():
    for seed in (0, 3):
        k, kj = keys(seed)
        eq(random.permutation(k, 10), jr.permutation(kj, 10))
    x = np.arange(12.0).reshape(3, 4)
    eq(random.permutation(k, x), jr.permutation(kj, x))
    eq(random.permutation(k, x, axis=1), jr.permutation(kj, x, axis=1))
    eq(
        random.permutation(k, x, axis=1, independent=True),
        jr.permutation(kj, x, axis=1, independent=True),
    )
    eq(random.permutation(k, 1), jr.permutation(kj, 1))
    with pytest.raises(TypeError, match="x must be an integer or at least 1-dimensional"):
        random.permutation(k, 2.5)


def test_choice():
    k, kj = keys(17)
    eq(random.choice(k, 10, (4,)), jr.choice(kj, 10, (4,)))
    eq(random.choice(k, 10, (2, 2), replace=False), jr.choice(kj, 10, (2, 2), replace=False))
    x = np.arange(15).reshape(5, 3)
    eq(random.choice(k, x, (2,), axis=1), jr.choice(kj, x, (2,), axis=1))
    p = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    eq(random.choice(k, 4, (5,), p=p), jr.choice(kj, 4, (5,), p=p))
    eq(random.choice(k, 4, (3,), replace=False, p=p), jr.choice(kj, 4, (3,), replace=False, p=p))
    with pytest.raises(ValueError, match="Cannot take a larger sample"):
        random.choice(k, 3, (4,), replace=False)
    with pytest.raises(ValueError, match="p must be None or a 1D vector"):
        random.choice(k, 3, (2,), p=p)


def test_categorical():
    k, kj = keys(19)
    lg = np.log(np.array([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], np.float32))
    eq(random.categorical(k, lg), jr.categorical(kj, lg))
    eq(random.categorical(k, lg, axis=0), jr.categorical(kj, lg, axis=0))
    eq(random.categorical(k, lg, shape=(4, 2)), jr.categorical(kj, lg, shape=(4, 2)))
    eq(
        random.categorical(k, lg, shape=(2, 2), replace=False),
        jr.categorical(kj, lg, shape=(2, 2), replace=False),
    )


def test_gamma_family():
    k, kj = keys(23)
    a = np.array([0.5, 1.0, 3.0], np.float32)
    eq(random.gamma(k, a), jr.gamma(kj, a))
    eq(random.loggamma(k, a), jr.loggamma(kj, a))
    eq(random.beta(k, 2.0, a), jr.beta(kj, 2.0, a))
    eq(random.dirichlet(k, a), jr.dirichlet(kj, a))
    eq(random.t(k, a), jr.t(kj, a))
    eq(random.chisquare(k, a), jr.chisquare(kj, a))
    eq(random.f(k, a, 4.0), jr.f(kj, a, 4.0))


def test_more_samplers():
    k, kj = keys(29)
    eq(random.pareto(k, 3.0, (4,)), jr.pareto(kj, 3.0, (4,)))
    eq(random.rayleigh(k, 2.0, (4,)), jr.rayleigh(kj, 2.0, (4,)))
    eq(random.lognormal(k, 0.5, (4,)), jr.lognormal(kj, 0.5, (4,)))


def test_raw_and_typed_keys_agree():
    k, raw = random.key(31), random.PRNGKey(31)
    for fn in (
        lambda key: random.normal(key, (3,)),
        lambda key: random.randint(key, (3,), 0, 9),
        lambda key: random.permutation(key, 5),
        lambda key: random.gamma(key, 1.5),
    ):
        eq(fn(k), fn(raw))
    eq(random.key_data(random.split(k, 3)), random.split(raw, 3))


def test_jit_vmap_grad():
    k, kj = keys(37)
    f = mlax.jit(lambda key, lo: random.uniform(key, (4,), minval=lo, maxval=2.0))
    eq(f(k, 0.5), jr.uniform(kj, (4,), minval=0.5, maxval=2.0))
    eq(
        random.key_data(mlax.jit(lambda key: random.split(key, 3))(k)),
        jr.key_data(jr.split(kj, 3)),
    )
    ks, kjs = random.split(k, 4), jr.split(kj, 4)
    eq(
        mlax.vmap(lambda kk: random.normal(kk, (3,)))(ks),
        jax.vmap(lambda kk: jr.normal(kk, (3,)))(kjs),
    )
    eq(
        mlax.vmap(lambda kk: random.normal(kk, (3,)))(random.key_data(ks)),
        jax.vmap(lambda kk: jr.normal(kk, (3,)))(kjs),
    )
    eq(
        mlax.vmap(lambda kk: random.permutation(kk, 4))(ks),
        jax.vmap(lambda kk: jr.permutation(kk, 4))(kjs),
    )
    # alpha as an argument: a closed-over constant is folded by XLA at compile
    # time (as in jax.jit), which can round log/pow differently.
    al = np.array([0.5, 1.0, 2.0, 3.0], np.float32)
    eq(
        mlax.vmap(lambda kk, a: random.gamma(kk, a))(ks, al),
        jax.vmap(lambda kk, a: jr.gamma(kk, a))(kjs, al),
    )
    out = mlax.vmap(lambda kk: random.split(kk))(ks)
    assert isinstance(out, random.PRNGKeyArray) and out.shape == (4, 2)
    eq(random.key_data(out), jr.key_data(jax.vmap(jr.split)(kjs)))

    def loss(sigma):
        return mlax.numpy.sum(random.normal(k, (3,)) * sigma)

    want = float(np.sum(np.asarray(jr.normal(kj, (3,)))))
    np.testing.assert_allclose(float(mlax.grad(loss)(2.0)), want, rtol=1e-6)


def test_errors():
    k = random.key(0)
    with pytest.raises(TypeError, match="uint32 array of shape"):
        random.normal(np.zeros(3, np.uint32), (2,))
    with pytest.raises(TypeError, match="dtype = uint32"):
        random.normal(np.zeros(2, np.float32))
    with pytest.raises(TypeError, match="unexpected PRNG key type"):
        random.normal([0, 1])
    with pytest.raises(ValueError, match="accepts a single key"):
        random.normal(random.split(k))
    with pytest.raises(ValueError, match="must be a float dtype"):
        random.uniform(k, dtype=np.int32)
    with pytest.raises(ValueError, match="unsigned int dtype"):
        random.bits(k, dtype=np.int32)
    with pytest.raises(TypeError, match="randint only accepts integer dtypes"):
        random.randint(k, (2,), 0, 3, np.float32)
    with pytest.raises(TypeError, match="must have a floating dtype"):
        random.bernoulli(k, 1)
    with pytest.raises(ValueError, match="broadcast-compatible"):
        random.gamma(k, np.ones(3), (2,))
    with pytest.raises(TypeError, match="fold_in accepts a scalar"):
        random.fold_in(k, np.arange(2))


def test_namespace():
    public = [n for n in dir(random) if not n.startswith("_")]
    assert sorted(public) == sorted(random.__all__)
    for name in random.__all__:
        assert hasattr(jr, name) or name == "PRNGKeyArray", name
        fn = getattr(random, name)
        if callable(fn) and name != "PRNGKeyArray":
            assert fn.__doc__, name


X64_SCRIPT = r"""
import numpy as np, jax, jax.random as jr, mlax
from mlax import random
assert mlax.config.x64_enabled
k, kj = random.key(2**40 + 3), jr.key(2**40 + 3)
def eq(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b)
eq(random.key_data(k), jr.key_data(kj))
eq(random.bits(k, (5,)), jr.bits(kj, (5,)))
eq(random.uniform(k, (5,)), jr.uniform(kj, (5,)))
eq(random.normal(k, (5,)), jr.normal(kj, (5,)))
eq(random.randint(k, (5,), 0, 2**40), jr.randint(kj, (5,), 0, 2**40))
print("ok")
"""


def test_x64():
    env = dict(os.environ, MLAX_ENABLE_X64="1", JAX_ENABLE_X64="1")
    out = subprocess.run(
        [sys.executable, "-c", X64_SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")


# --------------------------------------------------------------------------
# poisson, binomial, multinomial, and the samplers on lgamma / linalg
# --------------------------------------------------------------------------


def test_poisson():
    k, kj = keys(41)
    # Knuth (< 10), transformed rejection (>= 10, through lgamma), 0 and NaN
    lam = np.array([0.0, 0.5, 3.0, 9.9, 10.0, 25.0, 1000.0, np.nan], np.float32)
    eq(random.poisson(k, lam), jr.poisson(kj, lam))
    eq(random.poisson(k, lam, (2, 8), np.int16), jr.poisson(kj, lam, (2, 8), np.int16))
    ks, kjs = random.split(k, 3), jr.split(kj, 3)
    eq(
        mlax.vmap(lambda kk: random.poisson(kk, 4.0, (2,)))(ks),
        jax.vmap(lambda kk: jr.poisson(kk, 4.0, (2,)))(kjs),
    )
    with pytest.raises(ValueError, match="int dtype"):
        random.poisson(k, 1.0, dtype=np.float32)


def test_binomial_multinomial():
    k, kj = keys(43)
    # inversion (n * min(p, 1 - p) <= 10) and BTRS; invalid counts or
    # probabilities give NaN, an infinite count inf
    n = np.array([5, 20, 100, 1000, 7.5, 0, np.nan, -1, np.inf, 5, 5], np.float32)
    p = np.array([0.3, 0.5, 0.7, 0.1, 0.9, 0.4, 0.3, 0.5, 0.7, np.nan, -0.5], np.float32)
    eq(random.binomial(k, n, p), jr.binomial(kj, n, p))
    pv = np.array([0.2, 0.3, 0.5], np.float32)
    nb = np.array([10.0, 50.0], np.float32)
    eq(
        random.multinomial(k, nb, pv, shape=(2, 3), dtype=np.float16),
        jr.multinomial(kj, nb, pv, shape=(2, 3), dtype=np.float16),
    )


def test_simple_new_samplers():
    k, kj = keys(47)
    mean = np.array([0.5, 1.0, 3.0], np.float32)
    eq(random.wald(k, mean), jr.wald(kj, mean))
    eq(random.geometric(k, 0.3, (5,)), jr.geometric(kj, 0.3, (5,)))
    eq(
        random.triangular(k, 0.0, 0.3, 1.0, (5,)),
        jr.triangular(kj, 0.0, 0.3, 1.0, (5,)),
    )
    # maxwell's fused sqrt(sum(normal**2)) can round 1 ulp apart from XLA's
    # code for jax's program (the float ops are the same)
    got = random.double_sided_maxwell(k, 1.0, 2.0, (4,))
    want = jr.double_sided_maxwell(kj, 1.0, 2.0, (4,))
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=3e-7, atol=0)
    eq(random.weibull_min(k, 2.0, 1.5, (4,)), jr.weibull_min(kj, 2.0, 1.5, (4,)))
    assert random.key_dtype() == random.key(0).dtype


def test_generalized_normal_and_ball():
    k, kj = keys(53)
    for p in (0.5, 2.0):
        eq(random.generalized_normal(k, p, (5,)), jr.generalized_normal(kj, p, (5,)))
    eq(random.ball(k, 3, shape=(4,)), jr.ball(kj, 3, shape=(4,)))


def test_orthogonal_and_multivariate_normal():
    k, kj = keys(59)
    eq(random.orthogonal(k, 4), jr.orthogonal(kj, 4))
    eq(random.orthogonal(k, 3, (2,), m=5), jr.orthogonal(kj, 3, (2,), m=5))
    eq(random.orthogonal(k, 3, dtype=np.complex64), jr.orthogonal(kj, 3, dtype=np.complex64))
    mean = np.array([1.0, -1.0, 0.5], np.float32)
    a = np.random.RandomState(0).normal(size=(3, 3)).astype(np.float32)
    cov = a @ a.T + np.eye(3, dtype=np.float32)
    covs = np.stack([cov, 2 * cov])  # batched covariances
    for method in ("cholesky", "eigh", "svd"):
        eq(
            random.multivariate_normal(k, mean, covs, (4, 2), method=method),
            jr.multivariate_normal(kj, mean, covs, (4, 2), method=method),
        )
    with pytest.raises(ValueError, match="method must be one of"):
        random.multivariate_normal(k, mean, cov, method="qr")
    with pytest.raises(ValueError, match="cov.shape"):
        random.multivariate_normal(k, mean, np.eye(2))
