"""jax.scipy.stats' distributions on top of mlax.numpy / mlax.lax and
mlax.scipy.special (the formulas, and so the values, dtypes and derivatives,
follow JAX's). Each public module mlax.scipy.stats.<name> re-exports the
<name>_* functions here under their short names."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import mlax.numpy as jnp
from mlax._src import lax
from mlax._src import nn_functions as _nn
from mlax._src import numpy_impl as _n
from mlax._src import numpy_math as jmath
from mlax._src import scipy_special as sp
from mlax._src.core import Array, ArrayLike, aval_of


def _promote(*args) -> list[Array]:
    return list(jmath._inexact(*args))


def _promote_dtypes(*args) -> list[Array]:
    """promote_dtypes_inexact: one inexact dtype, shapes unchanged."""
    n = _n
    return list(n._promote_dtypes(*[n._to_inexact(n.asarray(x)) for x in args]))


def _typ(x):
    return np.dtype(aval_of(x).dtype).type


_INF = np.inf

# --------------------------------------------------------------------------
# norm


def norm_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    t = _typ(x)
    scale_sqrd = lax.square(scale)
    log_normalizer = lax.log(t(2 * np.pi) * scale_sqrd)
    quadratic = lax.square(x - loc) / scale_sqrd
    return (log_normalizer + quadratic) / t(-2)


def norm_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(norm_logpdf(x, loc, scale))


def norm_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return sp.ndtr((x - loc) / scale)


def norm_logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return sp.log_ndtr((x - loc) / scale)


def norm_ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return jnp.asarray(sp.ndtri(q) * scale + loc, float)


def norm_logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return norm_logcdf(-x, -loc, scale)


def norm_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return norm_cdf(-x, -loc, scale)


def norm_isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q = jnp.asarray(q)
    return norm_ppf(_typ(q)(1) - q, loc, scale)


# --------------------------------------------------------------------------
# multivariate_normal


def multivariate_normal_logpdf(
    x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None
) -> ArrayLike:
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = _promote_dtypes(x, mean, cov)
    log2pi = np.log(2 * np.pi)
    if not mean.shape:
        return -1 / 2 * jnp.square(x - mean) / cov - 1 / 2 * (log2pi + jnp.log(cov))
    n = mean.shape[-1]
    if not cov.shape:
        y = x - mean
        return -1 / 2 * jnp.einsum("...i,...i->...", y, y) / cov - n / 2 * (log2pi + jnp.log(cov))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    import mlax.lax as public_lax

    linalg = getattr(public_lax, "linalg", None)
    if linalg is None:
        raise NotImplementedError("multivariate_normal.logpdf needs mlax.lax.linalg")
    chol = linalg.cholesky(cov)

    def solve(a, b):
        return linalg.triangular_solve(a, b, lower=True, transpose_a=True)

    y = jnp.vectorize(solve, signature="(n,n),(n)->(n)")(chol, x - mean)
    return (
        -1 / 2 * jnp.einsum("...i,...i->...", y, y)
        - n / 2 * log2pi
        - jnp.log(jnp.diagonal(chol, axis1=-1, axis2=-2)).sum(-1)
    )


def multivariate_normal_pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> Array:
    return lax.exp(multivariate_normal_logpdf(x, mean, cov))


# --------------------------------------------------------------------------
# beta


def beta_logpdf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    one = _typ(x)(1)
    zero = _typ(x)(0)
    shape_term = -sp.betaln(a, b)
    y = (x - loc) / scale
    log_linear_term = sp.xlogy(a - one, y) + sp.xlog1py(b - one, -y)
    log_probs = shape_term + log_linear_term - lax.log(scale)
    result = jnp.where((x > loc + scale) | (x < loc), -_INF, log_probs)
    return jnp.where((a <= zero) | (b <= zero) | (scale <= zero), np.nan, result)


def beta_pdf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    return lax.exp(beta_logpdf(x, a, b, loc, scale))


def beta_cdf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    t = _typ(x)
    return sp.betainc(a, b, lax.clamp(t(0), (x - loc) / scale, t(1)))


def beta_logcdf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    return lax.log(beta_cdf(x, a, b, loc, scale))


def beta_sf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    t = _typ(x)
    return sp.betainc(b, a, 1 - lax.clamp(t(0), (x - loc) / scale, t(1)))


def beta_logsf(
    x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1
) -> Array:
    return lax.log(beta_sf(x, a, b, loc, scale))


# --------------------------------------------------------------------------
# gamma


def gamma_logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, a, loc, scale = _promote(x, a, loc, scale)
    ok = x >= loc
    one = _typ(x)(1)
    y = jnp.where(ok, (x - loc) / scale, one)
    log_linear_term = sp.xlogy(a - one, y) - y
    shape_terms = sp.gammaln(a) + lax.log(scale)
    return jnp.where(ok, log_linear_term - shape_terms, -_INF)


def gamma_pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(gamma_logpdf(x, a, loc, scale))


def gamma_cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, a, loc, scale = _promote(x, a, loc, scale)
    t = _typ(x)
    return sp.gammainc(a, lax.clamp(t(0), (x - loc) / scale, t(np.inf)))


def gamma_logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log(gamma_cdf(x, a, loc, scale))


def gamma_sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, a, loc, scale = _promote(x, a, loc, scale)
    y = (x - loc) / scale
    return jnp.where(y < 0, 1, sp.gammaincc(a, y))


def gamma_logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log(gamma_sf(x, a, loc, scale))


# --------------------------------------------------------------------------
# poisson


def poisson_logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, mu, loc = _promote(k, mu, loc)
    x = k - loc
    log_probs = sp.xlogy(x, mu) - sp.gammaln(x + 1) - mu
    return jnp.where((x < 0) | (jnp.round(k) != k), -_INF, log_probs)


def poisson_pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    return jnp.exp(poisson_logpmf(k, mu, loc))


def poisson_cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, mu, loc = _promote(k, mu, loc)
    zero = _typ(k)(0)
    x = k - loc
    p = sp.gammaincc(jnp.floor(1 + x), mu)
    return jnp.where(x < zero, zero, p)


def _poisson_entropy_sum(mu, max_k, upper):
    k = jnp.arange(max_k, dtype=mu.dtype)[:, None]
    probs = poisson_pmf(k, mu, 0)
    mask = k < jnp.ceil(upper).astype(k.dtype)[None, :]
    return jnp.sum(sp.entr(jnp.where(mask, probs, 0.0)), axis=0)


def poisson_entropy(mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    shape = jnp.broadcast_shapes(jnp.shape(mu), jnp.shape(loc))
    mu, _ = _promote(mu, loc)
    mu_flat = jnp.ravel(mu)
    small = _poisson_entropy_sum(mu_flat, 35, mu_flat + 20)
    medium = _poisson_entropy_sum(mu_flat, 250, mu_flat + 10 * jnp.sqrt(mu_flat) + 20)
    large = 0.5 * jnp.log(2 * np.pi * np.e * mu_flat) - 1.0 / (12 * mu_flat)
    result = jnp.where(
        mu_flat == 0,
        jnp.zeros_like(mu_flat),
        jnp.where(mu_flat < 10, small, jnp.where(mu_flat < 100, medium, large)),
    )
    return jnp.broadcast_to(jnp.reshape(result, mu.shape), shape)


# --------------------------------------------------------------------------
# bernoulli


def bernoulli_logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, p, loc = _promote(k, p, loc)
    x = k - loc
    log_probs = sp.xlogy(x, p) + sp.xlog1py(1 - x, -p)
    return jnp.where((x < 0) | (x > 1), -_INF, log_probs)


def bernoulli_pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    return jnp.exp(bernoulli_logpmf(k, p, loc))


def bernoulli_cdf(k: ArrayLike, p: ArrayLike) -> Array:
    k, p = _promote(k, p)
    t = _typ(k)
    zero, one = t(0), t(1)
    conds = [
        jnp.isnan(k) | jnp.isnan(p) | (p < zero) | (p > one),
        k < zero,
        (k >= zero) & (k < one),
        k >= one,
    ]
    return jnp.select(conds, [t(np.nan), zero, one - p, one])


def bernoulli_ppf(q: ArrayLike, p: ArrayLike) -> Array:
    q, p = _promote(q, p)
    t = _typ(q)
    zero, one = t(0), t(1)
    bad = jnp.isnan(q) | jnp.isnan(p) | (p < zero) | (p > one) | (q < zero) | (q > one)
    return jnp.where(bad, np.nan, jnp.where(q <= one - p, zero, one))


# --------------------------------------------------------------------------
# t


def t_logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, df, loc, scale = _promote(x, df, loc, scale)
    c = _typ(x)
    scaled_x = (x - loc) / scale
    df_over_two = df / c(2)
    df_plus_one_over_two = df_over_two + c(0.5)
    normalize_term_const = scale * scale * c(np.pi)
    normalize_term_tmp = lax.log(normalize_term_const * df) / c(2)
    normalize_term = sp.gammaln(df_over_two) + normalize_term_tmp - sp.gammaln(df_plus_one_over_two)
    quadratic = scaled_x * scaled_x / df
    return -(normalize_term + df_plus_one_over_two * lax.log1p(quadratic))


def t_pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(t_logpdf(x, df, loc, scale))


# --------------------------------------------------------------------------
# uniform


def uniform_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    log_probs = -lax.log(scale)
    return jnp.where((x > loc + scale) | (x < loc), -_INF, log_probs)


def uniform_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(uniform_logpdf(x, loc, scale))


def uniform_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    t = _typ(x)
    conds = [x < loc, x > loc + scale, (x >= loc) & (x <= loc + scale)]
    return jnp.select(conds, [t(0), t(1), (x - loc) / scale])


def uniform_ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q, loc, scale = _promote(q, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc + scale * q)


# --------------------------------------------------------------------------
# logistic


def logistic_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    x = (x - loc) / scale
    two = _typ(x)(2)
    half_x = x / two
    return -two * jnp.logaddexp(half_x, -half_x) - lax.log(scale)


def logistic_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(logistic_logpdf(x, loc, scale))


def logistic_ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return sp.logit(x) * scale + loc


def logistic_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return sp.expit(-((x - loc) / scale))


def logistic_isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return -sp.logit(x) * scale + loc


def logistic_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return sp.expit((x - loc) / scale)


# --------------------------------------------------------------------------
# laplace


def laplace_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    linear_term = jnp.abs(x - loc) / scale
    return -(linear_term + lax.log(_typ(x)(2) * scale))


def laplace_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(laplace_logpdf(x, loc, scale))


def laplace_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    t = _typ(x)
    diff = (x - loc) / scale
    return jnp.where(diff <= t(0), t(0.5) * lax.exp(diff), t(1) - t(0.5) * lax.exp(-diff))


# --------------------------------------------------------------------------
# cauchy


def cauchy_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    scaled_x = (x - loc) / scale
    normalize_term = lax.log(_typ(x)(np.pi) * scale)
    return -(normalize_term + lax.log1p(scaled_x * scaled_x))


def cauchy_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(cauchy_logpdf(x, loc, scale))


def cauchy_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    t = _typ(x)
    scaled_x = (x - loc) / scale
    return t(0.5) + (t(1.0) / t(np.pi)) * jnp.arctan(scaled_x)


def cauchy_logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log(cauchy_cdf(x, loc, scale))


def cauchy_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return cauchy_cdf(-x, -loc, scale)


def cauchy_logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    return cauchy_logcdf(-x, -loc, scale)


def cauchy_isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q, loc, scale = _promote(q, loc, scale)
    t = _typ(q)
    unscaled = lax.tan(t(np.pi / 2) - t(np.pi) * q)
    return unscaled * scale + loc


def cauchy_ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q, loc, scale = _promote(q, loc, scale)
    t = _typ(q)
    unscaled = lax.tan(t(np.pi) * q - t(np.pi / 2))
    return unscaled * scale + loc


# --------------------------------------------------------------------------
# dirichlet


def _is_simplex(x):
    x_sum = jnp.sum(x, axis=0)
    return jnp.all(x > 0, axis=0) & (jnp.abs(x_sum - 1) < 1e-06)


def dirichlet_logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    x, alpha = _promote_dtypes(x, alpha)
    if alpha.ndim != 1:
        raise ValueError(f"`alpha` must be one-dimensional; got alpha.shape={alpha.shape}")
    if x.shape[0] not in (alpha.shape[0], alpha.shape[0] - 1):
        raise ValueError(
            "`x` must have either the same number of entries as `alpha` or one entry "
            f"fewer; got x.shape={x.shape}, alpha.shape={alpha.shape}"
        )
    one = _typ(x)(1)
    if x.shape[0] != alpha.shape[0]:
        x = jnp.concatenate([x, one - x.sum(0, keepdims=True)], axis=0)
    normalize_term = jnp.sum(sp.gammaln(alpha)) - sp.gammaln(jnp.sum(alpha))
    if x.ndim > 1:
        alpha = jnp.reshape(alpha, alpha.shape + (1,) * (x.ndim - 1))
    log_probs = jnp.sum(sp.xlogy(alpha - one, x), axis=0) - normalize_term
    return jnp.where(_is_simplex(x), log_probs, -_INF)


def dirichlet_pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    return lax.exp(dirichlet_logpdf(x, alpha))


# --------------------------------------------------------------------------
# expon


def expon_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    log_probs = -((x - loc) / scale + lax.log(scale))
    return jnp.where(x < loc, -_INF, log_probs)


def expon_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(expon_logpdf(x, loc, scale))


def expon_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    neg_scaled_x = (loc - x) / scale
    return jnp.where(x < loc, jnp.zeros_like(neg_scaled_x), -lax.expm1(neg_scaled_x))


def expon_logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    neg_scaled_x = (loc - x) / scale
    return jnp.where(x < loc, jnp.zeros_like(neg_scaled_x), neg_scaled_x)


def expon_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(expon_logsf(x, loc, scale))


def expon_logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log1p(-expon_sf(x, loc, scale))


def expon_ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q, loc, scale = _promote(q, loc, scale)
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc - scale * lax.log1p(-q))


# --------------------------------------------------------------------------
# chi2


def chi2_logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, df, loc, scale = _promote(x, df, loc, scale)
    c = _typ(x)
    one, two = c(1), c(2)
    y = (x - loc) / scale
    df_on_two = df / two
    kernel = (df_on_two - one) * lax.log(y) - y / two
    nrml_cnst = -(sp.gammaln(df_on_two) + lax.log(two) * df / two)
    log_probs = nrml_cnst - lax.log(scale) + kernel
    return jnp.where(x < loc, -_INF, log_probs)


def chi2_pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(chi2_logpdf(x, df, loc, scale))


def chi2_cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, df, loc, scale = _promote(x, df, loc, scale)
    c = _typ(x)
    y = lax.clamp(c(0), (x - loc) / (scale * c(2)), c(np.inf))
    return sp.gammainc(df / c(2), y)


def chi2_logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log(chi2_cdf(x, df, loc, scale))


def chi2_sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, df, loc, scale = _promote(x, df, loc, scale)
    c = _typ(x)
    y = lax.clamp(c(0), (x - loc) / (scale * c(2)), c(np.inf))
    return sp.gammaincc(df / c(2), y)


def chi2_logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.log(chi2_sf(x, df, loc, scale))


# --------------------------------------------------------------------------
# truncnorm


def _log_diff(x, y):
    return sp.logsumexp(
        jnp.stack([x, y]),
        b=jnp.stack([jnp.ones_like(x), -jnp.ones_like(y)]),
        axis=0,
    )


def _log_gauss_mass(a, b):
    a, b = jnp.broadcast_arrays(jnp.asarray(a), jnp.asarray(b))
    case_left = b <= 0
    case_right = a > 0
    case_central = ~(case_left | case_right)
    a_tail = jnp.where(case_right, -b, a)
    b_tail = jnp.where(case_right, -a, b)
    mass_tail = _log_diff(sp.log_ndtr(b_tail), sp.log_ndtr(a_tail))
    mass_central = jnp.log1p(-sp.ndtr(a) - sp.ndtr(-b))
    return jnp.where(case_central, mass_central, mass_tail)


def truncnorm_logpdf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    val = norm_logpdf(x, loc, scale) - _log_gauss_mass(a, b)
    x_scaled = (x - loc) / scale
    val = jnp.where((x_scaled < a) | (x_scaled > b), -_INF, val)
    return jnp.where(a >= b, np.nan, val)


def truncnorm_pdf(x, a, b, loc=0, scale=1):
    return lax.exp(truncnorm_logpdf(x, a, b, loc, scale))


def truncnorm_logcdf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    x = (x - loc) / scale
    lgm_ab = _log_gauss_mass(a, b)
    logcdf = _log_gauss_mass(a, x) - lgm_ab
    logsf = _log_gauss_mass(x, b) - lgm_ab
    logcdf = jnp.select(
        [x >= b, x <= a, logcdf > -0.1, x > a],
        [0, -np.inf, jnp.log1p(-jnp.exp(logsf)), logcdf],
    )
    return jnp.where(a >= b, np.nan, logcdf)


def truncnorm_cdf(x, a, b, loc=0, scale=1):
    return lax.exp(truncnorm_logcdf(x, a, b, loc, scale))


def truncnorm_logsf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = _promote(x, a, b, loc, scale)
    return truncnorm_logcdf(-x, -b, -a, -loc, scale)


def truncnorm_sf(x, a, b, loc=0, scale=1):
    return lax.exp(truncnorm_logsf(x, a, b, loc, scale))


# --------------------------------------------------------------------------
# geom, binom


def geom_logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, p, loc = _promote(k, p, loc)
    x = k - loc
    log_probs = sp.xlog1py(x - 1, -p) + lax.log(p)
    return jnp.where(x <= 0, -_INF, log_probs)


def geom_pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    return jnp.exp(geom_logpmf(k, p, loc))


def binom_logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, n, p, loc = _promote(k, n, p, loc)
    y = k - loc
    comb_term = sp.gammaln(n + 1) - (sp.gammaln(y + 1) + sp.gammaln(n - y + 1))
    log_linear_term = sp.xlogy(y, p) + sp.xlog1py(n - y, -p)
    log_probs = comb_term + log_linear_term
    y_n_cond = ((y == 0) & (n == 0)) | (log_linear_term == 0)
    log_probs = jnp.where(y_n_cond, 0.0, log_probs)
    return jnp.where((k >= loc) & (k < loc + n + 1), log_probs, -_INF)


def binom_pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    return lax.exp(binom_logpmf(k, n, p, loc))


# --------------------------------------------------------------------------
# pareto


def pareto_logpdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, b, loc, scale = _promote(x, b, loc, scale)
    scaled_x = (x - loc) / scale
    normalize_term = lax.log(scale / b)
    log_probs = -(normalize_term + (b + 1) * lax.log(scaled_x))
    return jnp.where(x < loc + scale, -_INF, log_probs)


def pareto_pdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(pareto_logpdf(x, b, loc, scale))


def pareto_cdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, b, loc, scale = _promote(x, b, loc, scale)
    scaled_x = (x - loc) / scale
    cdf = 1 - lax.pow(scaled_x, -b)
    return jnp.where(x < loc + scale, _typ(x)(0), cdf)


def pareto_logcdf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, b, loc, scale = _promote(x, b, loc, scale)
    scaled_x = (x - loc) / scale
    return jnp.where(x < loc + scale, -_INF, lax.log1p(-lax.pow(scaled_x, -b)))


def pareto_logsf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, b, loc, scale = _promote(x, b, loc, scale)
    scaled_x = (x - loc) / scale
    return jnp.where(x < loc + scale, _typ(x)(0), -(b * lax.log(scaled_x)))


def pareto_sf(x: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(pareto_logsf(x, b, loc, scale))


def pareto_ppf(q: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    q, b, loc, scale = _promote(q, b, loc, scale)
    one = _typ(q)(1)
    ppf_val = loc + scale * lax.pow(one - q, -(one / b))
    return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, ppf_val)


# --------------------------------------------------------------------------
# nbinom, betabinom, multinomial


def nbinom_logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    k, n, p, loc = _promote(k, n, p, loc)
    one = _typ(k)(1)
    y = k - loc
    comb_term = sp.gammaln(y + n) - sp.gammaln(n) - sp.gammaln(y + one)
    log_linear_term = sp.xlogy(n, p) + sp.xlogy(y, one - p)
    return jnp.where(k < loc, -_INF, comb_term + log_linear_term)


def nbinom_pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    return lax.exp(nbinom_logpmf(k, n, p, loc))


def betabinom_logpmf(
    k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0
) -> Array:
    k, n, a, b, loc = _promote(k, n, a, b, loc)
    y = lax.floor(k) - loc
    one, zero = _typ(y)(1), _typ(y)(0)
    combiln = -(lax.log1p(n) + sp.betaln(n - y + one, y + one))
    beta_lns = sp.betaln(y + a, n - y + b) - sp.betaln(a, b)
    log_probs = combiln + beta_lns
    log_probs = jnp.where((y == zero) & (n == zero), 0.0, log_probs)
    y_cond = (y < -loc) | (y > n) | (y + a <= zero)
    log_probs = jnp.where(y_cond, -_INF, log_probs)
    return jnp.where((n < zero) | (a <= zero) | (b <= zero), np.nan, log_probs)


def betabinom_pmf(
    k: ArrayLike, n: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0
) -> Array:
    return lax.exp(betabinom_logpmf(k, n, a, b, loc))


def multinomial_logpmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    (p,) = _promote_dtypes(p)
    x, n = _n._promote_dtypes(_n.asarray(x), _n.asarray(n))
    xdt = np.dtype(aval_of(x).dtype)
    if not np.issubdtype(xdt, np.integer):
        ndt = np.dtype(aval_of(n).dtype)
        raise ValueError(f"x and n must be of integer type; got x.dtype={xdt}, n.dtype={ndt}")
    dt = aval_of(p).dtype
    x, n = x.astype(dt), n.astype(dt)
    logprobs = sp.gammaln(n + 1) + jnp.sum(sp.xlogy(x, p) - sp.gammaln(x + 1), axis=-1)
    return jnp.where(jnp.equal(jnp.sum(x), n), logprobs, -_INF)


def multinomial_pmf(x: ArrayLike, n: ArrayLike, p: ArrayLike) -> Array:
    return lax.exp(multinomial_logpmf(x, n, p))


# --------------------------------------------------------------------------
# gennorm, gumbel_r, gumbel_l


def gennorm_logpdf(x: ArrayLike, beta: ArrayLike) -> Array:
    x, beta = _promote(x, beta)
    return lax.log(0.5 * beta) - sp.gammaln(1 / beta) - jnp.abs(x) ** beta


def gennorm_cdf(x: ArrayLike, beta: ArrayLike) -> Array:
    x, beta = _promote(x, beta)
    return 0.5 * (1 + lax.sign(x) * sp.gammainc(1 / beta, jnp.abs(x) ** beta))


def gennorm_pdf(x: ArrayLike, beta: ArrayLike) -> Array:
    return lax.exp(gennorm_logpdf(x, beta))


def gumbel_r_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    z = (x - loc) / scale
    log_pdf = sp.xlogy(-1, scale) - (z + lax.exp(-z))
    return jnp.where(scale > 0, log_pdf, np.nan)


def gumbel_r_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(gumbel_r_logpdf(x, loc, scale))


def gumbel_r_logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    z = (x - loc) / scale
    return jnp.where(scale > 0, -lax.exp(-z), np.nan)


def gumbel_r_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(gumbel_r_logcdf(x, loc, scale))


def gumbel_r_ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    p, loc, scale = _promote(p, loc, scale)
    quantile = loc - scale * lax.log(sp.xlogy(-1, p))
    return jnp.where((p > 0) & (p < 1), quantile, np.nan)


def gumbel_r_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    neg_z = (loc - x) / scale
    return jnp.where(scale > 0, 1 - lax.exp(-lax.exp(neg_z)), np.nan)


def gumbel_r_logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    neg_z = (loc - x) / scale
    return jnp.where(scale > 0, _nn.log1mexp(lax.exp(neg_z)), np.nan)


def gumbel_l_logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    z = (x - loc) / scale
    log_pdf = sp.xlogy(-1, scale) + (z - lax.exp(z))
    return jnp.where(scale > 0, log_pdf, np.nan)


def gumbel_l_pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(gumbel_l_logpdf(x, loc, scale))


def gumbel_l_logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    z = (x - loc) / scale
    return jnp.where(scale > 0, lax.log(-lax.expm1(-lax.exp(z))), np.nan)


def gumbel_l_cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return lax.exp(gumbel_l_logcdf(x, loc, scale))


def gumbel_l_ppf(p: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    p, loc, scale = _promote(p, loc, scale)
    quantile = loc + scale * lax.log(sp.xlog1py(-1, -p))
    return jnp.where((p > 0) & (p < 1), quantile, np.nan)


def gumbel_l_logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    x, loc, scale = _promote(x, loc, scale)
    z = (x - loc) / scale
    return jnp.where(scale > 0, -lax.exp(z), np.nan)


def gumbel_l_sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    return jnp.exp(gumbel_l_logsf(x, loc, scale))


# --------------------------------------------------------------------------
# wrapcauchy, vonmises


def wrapcauchy_logpdf(x: ArrayLike, c: ArrayLike) -> Array:
    x, c = _promote(x, c)
    inside = jnp.where(
        (x >= 0) & (x <= _typ(x)(np.pi * 2)),
        jnp.log(1 - c * c) - jnp.log(2 * np.pi) - jnp.log(1 + c * c - 2 * c * jnp.cos(x)),
        -_INF,
    )
    return jnp.where((c > 0) & (c < 1), inside, np.nan)


def wrapcauchy_pdf(x: ArrayLike, c: ArrayLike) -> Array:
    return lax.exp(wrapcauchy_logpdf(x, c))


def vonmises_logpdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    x, kappa = _promote(x, kappa)
    val = kappa * (jnp.cos(x) - 1) - jnp.log(2 * np.pi * sp.i0e(kappa))
    return jnp.where(kappa > 0, val, np.nan)


def vonmises_pdf(x: ArrayLike, kappa: ArrayLike) -> Array:
    return lax.exp(vonmises_logpdf(x, kappa))


# --------------------------------------------------------------------------
# mode, rankdata, sem


class ModeResult(NamedTuple):
    mode: Array
    count: Array


def _check_nan_policy(nan_policy, name):
    if nan_policy not in ["propagate", "omit", "raise"]:
        raise ValueError(
            f"Illegal nan_policy value {nan_policy!r}; expected one of "
            "{'propagate', 'omit', 'raise'}"
        )
    if nan_policy == "omit":
        raise NotImplementedError(f"Logic for `nan_policy` of {nan_policy} is not implemented")
    if nan_policy == "raise":
        raise NotImplementedError(
            f"In order to best JIT compile `{name}`, we cannot know whether `x` contains "
            f"nans. Please check if nans exist in `x` outside of the `{name}` function."
        )


def _canonical_axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def mode(
    a: ArrayLike, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False
) -> ModeResult:
    """The most common value along `axis` (the smallest on ties) and its count."""
    from mlax._src.batching import vmap

    x = jnp.atleast_1d(a)
    _check_nan_policy(nan_policy, "mode")
    if axis is not None:
        axis = _canonical_axis(axis, x.ndim)
    input_shape = x.shape
    if keepdims:
        if axis is None:
            output_shape = tuple(1 for _ in input_shape)
        else:
            output_shape = tuple(1 if i == axis else s for i, s in enumerate(input_shape))
    elif axis is None:
        output_shape = ()
    else:
        output_shape = tuple(s for i, s in enumerate(input_shape) if i != axis)
    if axis is None:
        axis = 0
        x = x.ravel()

    def helper(x):
        if x.size == 0:
            nan = jnp.array(np.nan, dtype=jnp.zeros(()).dtype)
            return nan, jnp.zeros_like(nan)
        vals, counts = jnp.unique(x, return_counts=True, size=x.size)
        return vals[jnp.argmax(counts)], counts.max()

    x = jnp.moveaxis(x, axis, 0)
    x = x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
    vals, counts = vmap(helper, in_axes=1)(x)
    return ModeResult(vals.reshape(output_shape), counts.reshape(output_shape))


def _rankdata_1d(a, method):
    out_dtype = jnp.zeros(()).dtype
    from mlax._src.sorting import sort_key_val

    arr, sorter = sort_key_val(a, jnp.arange(a.size))
    inv = jnp.zeros_like(sorter).at[sorter].set(jnp.arange(sorter.size, dtype=sorter.dtype))
    if method == "ordinal":
        ranks = (inv + 1).astype(out_dtype)
    else:
        obs = jnp.concatenate([jnp.array([True]), arr[1:] != arr[:-1]])
        dense = obs.cumsum()[inv]
        if method == "dense":
            ranks = dense.astype(out_dtype)
        else:
            count = jnp.nonzero(obs, size=arr.size + 1, fill_value=obs.size)[0].astype(out_dtype)
            if method == "max":
                ranks = count[dense]
            elif method == "min":
                ranks = count[dense - 1] + 1
            else:
                ranks = 0.5 * (count[dense] + count[dense - 1] + 1)
    return jnp.where(jnp.any(jnp.isnan(a)), jnp.full_like(ranks, np.nan), ranks)


def rankdata(
    a: ArrayLike,
    method: str = "average",
    *,
    axis: int | None = None,
    nan_policy: str = "propagate",
) -> Array:
    """Ranks of the data (ties by `method`), over the flattened array or along
    `axis`; all nan where the data have a nan."""
    from mlax._src.batching import vmap

    _check_nan_policy(nan_policy, "rankdata")
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"unknown method '{method}'")
    a = jnp.asarray(a)
    if axis is None:
        return _rankdata_1d(jnp.ravel(a), method)
    axis = _canonical_axis(axis, a.ndim)
    moved = jnp.moveaxis(a, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    ranks = vmap(lambda r: _rankdata_1d(r, method))(flat)
    return jnp.moveaxis(ranks.reshape(moved.shape), -1, axis)


def sem(
    a: ArrayLike,
    axis: int | None = 0,
    ddof: int = 1,
    nan_policy: str = "propagate",
    *,
    keepdims: bool = False,
) -> Array:
    """The standard error of the mean, std(ddof) / sqrt(n)."""
    (b,) = _promote(a)
    if nan_policy == "propagate":
        size = b.size if axis is None else b.shape[axis]
        return b.std(axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(size).astype(b.dtype)
    if nan_policy == "omit":
        count = (~jnp.isnan(b)).sum(axis, keepdims=keepdims)
        return jnp.nanstd(b, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(count).astype(b.dtype)
    raise ValueError(f"{nan_policy} is not supported")
