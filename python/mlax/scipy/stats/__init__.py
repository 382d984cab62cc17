"""mlax.scipy.stats: jax.scipy.stats' distributions (same names, signatures,
values and derivatives), and mode, rankdata, sem. Not provided: gaussian_kde."""

from mlax._src.scipy_stats import ModeResult as ModeResult
from mlax._src.scipy_stats import mode as mode
from mlax._src.scipy_stats import rankdata as rankdata
from mlax._src.scipy_stats import sem as sem
from mlax.scipy.stats import bernoulli as bernoulli
from mlax.scipy.stats import beta as beta
from mlax.scipy.stats import betabinom as betabinom
from mlax.scipy.stats import binom as binom
from mlax.scipy.stats import cauchy as cauchy
from mlax.scipy.stats import chi2 as chi2
from mlax.scipy.stats import dirichlet as dirichlet
from mlax.scipy.stats import expon as expon
from mlax.scipy.stats import gamma as gamma
from mlax.scipy.stats import gennorm as gennorm
from mlax.scipy.stats import geom as geom
from mlax.scipy.stats import gumbel_l as gumbel_l
from mlax.scipy.stats import gumbel_r as gumbel_r
from mlax.scipy.stats import laplace as laplace
from mlax.scipy.stats import logistic as logistic
from mlax.scipy.stats import multinomial as multinomial
from mlax.scipy.stats import multivariate_normal as multivariate_normal
from mlax.scipy.stats import nbinom as nbinom
from mlax.scipy.stats import norm as norm
from mlax.scipy.stats import pareto as pareto
from mlax.scipy.stats import poisson as poisson
from mlax.scipy.stats import t as t
from mlax.scipy.stats import truncnorm as truncnorm
from mlax.scipy.stats import uniform as uniform
from mlax.scipy.stats import vonmises as vonmises
from mlax.scipy.stats import wrapcauchy as wrapcauchy

__all__ = [
    "bernoulli",
    "beta",
    "betabinom",
    "binom",
    "cauchy",
    "chi2",
    "dirichlet",
    "expon",
    "gamma",
    "gennorm",
    "geom",
    "gumbel_l",
    "gumbel_r",
    "laplace",
    "logistic",
    "multinomial",
    "multivariate_normal",
    "nbinom",
    "norm",
    "pareto",
    "poisson",
    "t",
    "truncnorm",
    "uniform",
    "vonmises",
    "wrapcauchy",
    "mode",
    "rankdata",
    "sem",
]
