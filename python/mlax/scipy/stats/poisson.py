"""mlax.scipy.stats.poisson: jax.scipy.stats.poisson's functions."""

from mlax._src.scipy_stats import poisson_cdf as cdf
from mlax._src.scipy_stats import poisson_entropy as entropy
from mlax._src.scipy_stats import poisson_logpmf as logpmf
from mlax._src.scipy_stats import poisson_pmf as pmf

__all__ = ["cdf", "entropy", "logpmf", "pmf"]
