"""mlax.scipy.stats: jax.scipy.stats' distributions (logpdf, cdf, ... with
JAX's names, values and derivatives)."""

from mlax.scipy.stats import bernoulli as bernoulli
from mlax.scipy.stats import beta as beta
from mlax.scipy.stats import binom as binom
from mlax.scipy.stats import cauchy as cauchy
from mlax.scipy.stats import chi2 as chi2
from mlax.scipy.stats import dirichlet as dirichlet
from mlax.scipy.stats import expon as expon
from mlax.scipy.stats import gamma as gamma
from mlax.scipy.stats import geom as geom
from mlax.scipy.stats import laplace as laplace
from mlax.scipy.stats import logistic as logistic
from mlax.scipy.stats import multivariate_normal as multivariate_normal
from mlax.scipy.stats import norm as norm
from mlax.scipy.stats import poisson as poisson
from mlax.scipy.stats import t as t
from mlax.scipy.stats import truncnorm as truncnorm
from mlax.scipy.stats import uniform as uniform

__all__ = [
    "bernoulli",
    "beta",
    "binom",
    "cauchy",
    "chi2",
    "dirichlet",
    "expon",
    "gamma",
    "geom",
    "laplace",
    "logistic",
    "multivariate_normal",
    "norm",
    "poisson",
    "t",
    "truncnorm",
    "uniform",
]
