"""mlax.scipy.stats.bernoulli: jax.scipy.stats.bernoulli's functions."""

from mlax._src.scipy_stats import bernoulli_cdf as cdf
from mlax._src.scipy_stats import bernoulli_logpmf as logpmf
from mlax._src.scipy_stats import bernoulli_pmf as pmf
from mlax._src.scipy_stats import bernoulli_ppf as ppf

__all__ = ["cdf", "logpmf", "pmf", "ppf"]
