"""mlax.scipy.stats.nbinom: jax.scipy.stats.nbinom's functions."""

from mlax._src.scipy_stats import nbinom_logpmf as logpmf
from mlax._src.scipy_stats import nbinom_pmf as pmf

__all__ = ["logpmf", "pmf"]
